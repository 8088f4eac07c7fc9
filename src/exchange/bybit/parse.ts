/**
 * Reads Bybit V5 answers (parsed by parseJsonExact, so numbers keep their digits) into gateway values.
 * The envelope is `{retCode, retMsg, result, retExtInfo, time}` (B-DOC guide.mdx); anything
 * unexpected throws MalformedAnswer, which the client reports as EXCHANGE_UNAVAILABLE (a 200 that
 * cannot be read may still mean a change was applied).
 */
import { MalformedAnswer } from "../binance/parse";
import { isJsonObject, JsonNumber, type JsonObject, type JsonValue } from "../binance/json";
import { clipMessage, decimal, obj, str } from "../venue-http/parse";
import type { BybitMmpState } from "./types";

export { MalformedAnswer };

export interface BybitEnvelope {
  retCode: number;
  retMsg: string;
  result: JsonValue | undefined;
  /** Bybit's clock when it answered (epoch ms), when present */
  time: number | undefined;
}

const UINT = /^\d+$/;

export function parseEnvelope(v: JsonValue): BybitEnvelope {
  if (!isJsonObject(v)) throw new MalformedAnswer("the answer is not a JSON object");
  const code = v.retCode;
  if (!(code instanceof JsonNumber) || !/^-?\d{1,15}$/.test(code.text)) {
    throw new MalformedAnswer(`retCode is ${code === undefined ? "missing" : "not an integer"}`);
  }
  const msg = typeof v.retMsg === "string" ? v.retMsg : "";
  const time = v.time instanceof JsonNumber && UINT.test(v.time.text) ? Number(v.time.text) : undefined;
  return {
    retCode: Number(code.text),
    retMsg: clipMessage(msg),
    result: v.result,
    time: time !== undefined && Number.isSafeInteger(time) ? time : undefined,
  };
}

function bool(o: JsonObject, field: string): boolean {
  const v = o[field];
  if (typeof v !== "boolean")
    throw new MalformedAnswer(`${field} is ${v === undefined ? "missing" : "not a boolean"}`);
  return v;
}

function uintText(o: JsonObject, field: string): string {
  const s = str(o, field);
  if (!UINT.test(s)) throw new MalformedAnswer(`${field} is not a whole number of milliseconds`);
  return s;
}

/**
 * The row for `baseCoin` from `GET /v5/account/mmp-state` (`result.result[]`), or null when Bybit
 * lists none for it.
 */
export function parseMmpState(result: JsonValue | undefined, baseCoin: string): BybitMmpState | null {
  const rows = obj(result, "result").result;
  if (!Array.isArray(rows)) throw new MalformedAnswer("result.result is not a list");
  for (const row of rows) {
    const o = obj(row, "an mmp-state row");
    if (str(o, "baseCoin") !== baseCoin) continue;
    const window = Number(uintText(o, "window"));
    if (!Number.isSafeInteger(window)) throw new MalformedAnswer("window is out of range");
    const mmpFrozen = bool(o, "mmpFrozen");
    let frozenUntil = 0n;
    if (mmpFrozen) {
      const raw = o.mmpFrozenUntil;
      if (typeof raw !== "string" || (raw !== "" && !UINT.test(raw))) {
        throw new MalformedAnswer("mmpFrozenUntil is not a whole number of milliseconds");
      }
      frozenUntil = raw === "" ? 0n : BigInt(raw);
    }
    return {
      baseCoin,
      mmpEnabled: bool(o, "mmpEnabled"),
      windowMs: window,
      frozenPeriodMs: BigInt(uintText(o, "frozenPeriod")),
      qtyLimit: decimal(o, "qtyLimit"),
      deltaLimit: decimal(o, "deltaLimit"),
      vegaLimit: o.vegaLimit === undefined ? null : decimal(o, "vegaLimit"),
      mmpFrozen,
      mmpFrozenUntil: frozenUntil,
    };
  }
  return null;
}

/** `GET /v5/market/time`: `timeNano` (exact) or `timeSecond`, in epoch ms. */
export function parseServerTime(result: JsonValue | undefined): number {
  const o = obj(result, "result");
  const nano = o.timeNano;
  if (typeof nano === "string" && UINT.test(nano)) return Number(BigInt(nano) / 1_000_000n);
  const sec = o.timeSecond;
  if (typeof sec === "string" && UINT.test(sec)) return Number(sec) * 1000;
  throw new MalformedAnswer("result has neither timeNano nor timeSecond");
}

/** `GET /v5/market/instruments-info?category=option`: the base coins listed, and the next cursor. */
export function parseInstrumentsPage(result: JsonValue | undefined): {
  coins: string[];
  nextPageCursor: string;
} {
  const o = obj(result, "result");
  const list = o.list;
  if (!Array.isArray(list)) throw new MalformedAnswer("result.list is not a list");
  const coins: string[] = [];
  for (const item of list) {
    if (!isJsonObject(item)) continue;
    const c = item.baseCoin;
    if (typeof c === "string" && c.length > 0) coins.push(c);
  }
  const cursor = o.nextPageCursor;
  return { coins, nextPageCursor: typeof cursor === "string" ? cursor : "" };
}

/** `GET /v5/market/option-base-coins`: base coins with tradable option symbols (`hasSymbol` 1). */
export function parseOptionBaseCoins(result: JsonValue | undefined): string[] {
  const list = obj(result, "result").list;
  if (!Array.isArray(list)) throw new MalformedAnswer("result.list is not a list");
  const coins: string[] = [];
  for (const item of list) {
    if (!isJsonObject(item)) continue;
    const c = item.baseCoin;
    const has = item.hasSymbol;
    if (typeof c === "string" && c.length > 0 && has instanceof JsonNumber && has.text === "1") coins.push(c);
  }
  return coins;
}
