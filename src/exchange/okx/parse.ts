/**
 * Reads OKX v5 answers (parsed by parseJsonExact, so numbers keep their digits) into gateway values.
 * The envelope is `{code, msg, data}` with `code` a string, "0" for success
 * (https://www.okx.com/docs-v5/en/#overview-rest-api); anything unexpected throws MalformedAnswer,
 * which the client reports as EXCHANGE_UNAVAILABLE (a 200 that cannot be read may still mean a change
 * was applied).
 */
import { MalformedAnswer } from "../binance/parse";
import { isJsonObject, JsonNumber, type JsonObject, type JsonValue } from "../binance/json";
import { clipMessage, decimal, obj, str } from "../venue-http/parse";
import type { OkxCancelAllAfter, OkxMmpConfig, OkxMmpState } from "./types";

export { MalformedAnswer };

export interface OkxEnvelope {
  code: number;
  msg: string;
  data: JsonValue | undefined;
}

/** An item-level error (`sCode` / `sMsg`) carried in `data[]`. */
export interface OkxItemError {
  sCode: number;
  sMsg: string;
}

const UINT = /^\d+$/;
/**
 * mmpFrozenUntil at or above this is an epoch in ms (10^11 ms is March 1973); below it, a number of
 * milliseconds remaining (10^11 ms is over 3 years, longer than any freeze worth configuring).
 */
export const EPOCH_MS_THRESHOLD = 100_000_000_000n;

function codeOf(v: JsonValue | undefined, what: string): number {
  const text = typeof v === "string" ? v : v instanceof JsonNumber ? v.text : undefined;
  if (text === undefined || !/^-?\d{1,15}$/.test(text)) {
    throw new MalformedAnswer(`${what} is ${v === undefined ? "missing" : "not an integer"}`);
  }
  return Number(text);
}

export function parseEnvelope(v: JsonValue): OkxEnvelope {
  if (!isJsonObject(v)) throw new MalformedAnswer("the answer is not a JSON object");
  const code = codeOf(v.code, "code");
  const msg = typeof v.msg === "string" ? v.msg : "";
  return { code, msg: clipMessage(msg), data: v.data };
}

/** The first `data[]` item whose `sCode` is not "0", if any. */
export function itemError(data: JsonValue | undefined): OkxItemError | undefined {
  if (!Array.isArray(data)) return undefined;
  for (const item of data) {
    if (!isJsonObject(item) || item.sCode === undefined) continue;
    let sCode: number;
    try {
      sCode = codeOf(item.sCode, "sCode");
    } catch {
      continue;
    }
    if (sCode !== 0) return { sCode, sMsg: clipMessage(typeof item.sMsg === "string" ? item.sMsg : "") };
  }
  return undefined;
}

function list(data: JsonValue | undefined): JsonValue[] {
  if (!Array.isArray(data)) throw new MalformedAnswer("data is not a list");
  return data;
}

function uintText(o: JsonObject, field: string): string {
  const s = str(o, field);
  if (!UINT.test(s)) throw new MalformedAnswer(`${field} is not a whole number`);
  return s;
}

function config(o: JsonObject): OkxMmpConfig {
  const time = Number(uintText(o, "timeInterval"));
  if (!Number.isSafeInteger(time)) throw new MalformedAnswer("timeInterval is out of range");
  return {
    instFamily: str(o, "instFamily"),
    timeIntervalMs: time,
    frozenIntervalMs: BigInt(uintText(o, "frozenInterval")),
    qtyLimit: decimal(o, "qtyLimit"),
  };
}

/** `POST /api/v5/account/mmp-config`: the configuration OKX echoes for `instFamily`. */
export function parseMmpConfigAnswer(data: JsonValue | undefined, instFamily: string): OkxMmpConfig {
  for (const row of list(data)) {
    const c = config(obj(row, "a data item"));
    if (c.instFamily === instFamily) return c;
  }
  throw new MalformedAnswer(`data has no item for ${instFamily}`);
}

/**
 * OKX's `mmpFrozenUntil` as epoch ms. OKX documents it as "the time interval (in ms) when MMP is no
 * longer triggered" and its example shows "1000", which reads like a remaining duration, while the
 * word "until" suggests an instant. Both are taken: a value >= 10^11 is an epoch in ms; a smaller one
 * is ms remaining, added to `answeredAtMs` (the gateway's estimate of OKX's clock at the answer). ""
 * (not frozen, or frozen until a reset) and anything when not frozen give 0.
 */
export function frozenUntilMs(raw: JsonValue | undefined, mmpFrozen: boolean, answeredAtMs: number): bigint {
  if (!mmpFrozen) return 0n;
  if (raw === "") return 0n;
  if (typeof raw !== "string" || !UINT.test(raw)) {
    throw new MalformedAnswer("mmpFrozenUntil is not a whole number of milliseconds");
  }
  const n = BigInt(raw);
  return n >= EPOCH_MS_THRESHOLD ? n : BigInt(Math.round(answeredAtMs)) + n;
}

/**
 * The row for `instFamily` from `GET /api/v5/account/mmp-config`, or null when OKX lists none.
 * `answeredAtMs`: OKX's clock when the answer arrived (estimate), for a remaining-time mmpFrozenUntil.
 */
export function parseMmpState(
  data: JsonValue | undefined,
  instFamily: string,
  answeredAtMs: number,
): OkxMmpState | null {
  return parseMmpStates(data, answeredAtMs, instFamily)[0] ?? null;
}

/** Every row of `GET /api/v5/account/mmp-config` (of one family when `only` is given). */
export function parseMmpStates(
  data: JsonValue | undefined,
  answeredAtMs: number,
  only?: string,
): OkxMmpState[] {
  const out: OkxMmpState[] = [];
  for (const row of list(data)) {
    const o = obj(row, "an mmp-config row");
    if (only !== undefined && str(o, "instFamily") !== only) continue;
    const c = config(o);
    const frozen = o.mmpFrozen;
    if (typeof frozen !== "boolean") {
      throw new MalformedAnswer(`mmpFrozen is ${frozen === undefined ? "missing" : "not a boolean"}`);
    }
    out.push({
      ...c,
      mmpFrozen: frozen,
      mmpFrozenUntil: frozenUntilMs(o.mmpFrozenUntil, frozen, answeredAtMs),
    });
    if (only !== undefined) break;
  }
  return out;
}

/** `POST /api/v5/account/mmp-reset`: `data[0].result`. */
export function parseResetResult(data: JsonValue | undefined): boolean {
  const first = obj(list(data)[0], "data[0]");
  if (typeof first.result !== "boolean") throw new MalformedAnswer("result is not a boolean");
  return first.result;
}

/** OKX time fields in ms; a value below 10^11 is taken as seconds (OKX's docs example looks so). */
function epochMs(o: JsonObject, field: string): bigint {
  const n = BigInt(uintText(o, field));
  return n !== 0n && n < EPOCH_MS_THRESHOLD ? n * 1000n : n;
}

/** `POST /api/v5/trade/cancel-all-after`: `data[0].triggerTime` and `ts`. */
export function parseCancelAllAfter(data: JsonValue | undefined): OkxCancelAllAfter {
  const first = obj(list(data)[0], "data[0]");
  return { triggerTime: epochMs(first, "triggerTime"), ts: epochMs(first, "ts") };
}

/** `GET /api/v5/public/time`: `data[0].ts`, epoch ms. */
export function parseServerTime(data: JsonValue | undefined): number {
  const ts = Number(uintText(obj(list(data)[0], "data[0]"), "ts"));
  if (!Number.isSafeInteger(ts)) throw new MalformedAnswer("ts is out of range");
  return ts;
}

/**
 * `GET /api/v5/public/underlying?instType=OPTION`: `data` is `[["BTC-USD","ETH-USD",...]]`. A flat
 * list of strings is read the same way.
 */
export function parseUnderlyings(data: JsonValue | undefined): string[] {
  const out: string[] = [];
  const take = (v: JsonValue) => {
    if (typeof v === "string" && v.length > 0) out.push(v);
    else if (Array.isArray(v)) for (const x of v) if (typeof x === "string" && x.length > 0) out.push(x);
  };
  for (const v of list(data)) take(v);
  return out;
}
