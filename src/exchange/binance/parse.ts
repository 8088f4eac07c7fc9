/**
 * Turns exchange answers (already parsed by parseJsonExact) into domain values, validating every
 * field. Anything unexpected throws MalformedAnswer; the client maps that to EXCHANGE_UNAVAILABLE,
 * because a 200 we cannot read may still mean the change was applied.
 */
import type { MmpConfig } from "../../domain";
import type { KillSwitch } from "../exchange.port";
import Decimal from "decimal.js";
import { isJsonObject, JsonNumber, type JsonObject, type JsonValue } from "./json";

export class MalformedAnswer extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "MalformedAnswer";
  }
}

const INTEGER = /^-?\d+$/;
/** plain notation only: the domain promises decimals without exponents */
const PLAIN_DECIMAL = /^\d+(?:\.\d+)?$/;

function expectObject(v: JsonValue, what: string): JsonObject {
  if (!isJsonObject(v)) throw new MalformedAnswer(`${what} is not a JSON object`);
  return v;
}

function integerText(o: JsonObject, field: string): string {
  const v = o[field];
  if (!(v instanceof JsonNumber) || !INTEGER.test(v.text)) {
    throw new MalformedAnswer(`${field} is ${v === undefined ? "missing" : "not an integer"}`);
  }
  return v.text;
}

function safeInteger(o: JsonObject, field: string, min = 0): number {
  const n = Number(integerText(o, field));
  if (!Number.isSafeInteger(n) || n < min) throw new MalformedAnswer(`${field} is out of range`);
  return n;
}

/** A Long (GraphQL's 64-bit integer) must be able to carry it, or every read of it would fail. */
const LONG_MAX = 2n ** 63n - 1n;

function longInteger(o: JsonObject, field: string): bigint {
  const n = BigInt(integerText(o, field));
  if (n < 0n) throw new MalformedAnswer(`${field} is negative`);
  if (n > LONG_MAX) throw new MalformedAnswer(`${field} is beyond 64 bits`);
  return n;
}

function nonEmptyString(o: JsonObject, field: string): string {
  const v = o[field];
  if (typeof v !== "string" || v.length === 0) {
    throw new MalformedAnswer(`${field} is ${v === undefined ? "missing" : "not a non-empty string"}`);
  }
  return v;
}

/**
 * Binance sends these as JSON strings; its text (trailing zeros possibly stripped) is kept verbatim.
 * A JSON number is accepted too (an exchange variant or stand-in may send one): the exact-number parser
 * kept its source text, so it is taken as written, exponent forms rewritten in plain notation.
 */
function decimalString(o: JsonObject, field: string): string {
  const raw = o[field];
  const v = raw instanceof JsonNumber ? plainFromNumberText(raw.text) : raw;
  if (typeof v !== "string" || !PLAIN_DECIMAL.test(v)) {
    throw new MalformedAnswer(`${field} is ${v === undefined ? "missing" : "not a decimal string"}`);
  }
  return v;
}

function plainFromNumberText(text: string): string | undefined {
  try {
    return new Decimal(text).toFixed();
  } catch {
    return undefined;
  }
}

/** The shared answer of mmpSet, mmp and mmpReset. */
export function parseMmpConfig(v: JsonValue): MmpConfig {
  const o = expectObject(v, "the MMP answer");
  return {
    underlyingId: safeInteger(o, "underlyingId"),
    underlying: nonEmptyString(o, "underlying"),
    windowTimeInMilliseconds: safeInteger(o, "windowTimeInMilliseconds"),
    frozenTimeInMilliseconds: longInteger(o, "frozenTimeInMilliseconds"),
    qtyLimit: decimalString(o, "qtyLimit"),
    deltaLimit: decimalString(o, "deltaLimit"),
    lastTriggerTime: longInteger(o, "lastTriggerTime"),
  };
}

export function parseKillSwitch(v: JsonValue): KillSwitch {
  const o = expectObject(v, "the kill-switch answer");
  return { underlying: nonEmptyString(o, "underlying"), countdownTime: longInteger(o, "countdownTime") };
}

/** Sources disagree whether GET countdownCancelAll answers one object or a list: accept both. */
export function parseKillSwitches(v: JsonValue): KillSwitch[] {
  if (Array.isArray(v)) return v.map(parseKillSwitch);
  const o = expectObject(v, "the kill-switch answer");
  // No active timer may come back as an empty object.
  if (Object.keys(o).length === 0) return [];
  return [parseKillSwitch(o)];
}

export function parseHeartbeat(v: JsonValue): string[] {
  const o = expectObject(v, "the heartbeat answer");
  const list = o.underlyings;
  if (!Array.isArray(list)) throw new MalformedAnswer("underlyings is not a list");
  return list.map((u) => {
    if (typeof u !== "string" || u.length === 0) throw new MalformedAnswer("underlyings holds a non-string");
    return u;
  });
}

export function parseServerTime(v: JsonValue): number {
  return safeInteger(expectObject(v, "the time answer"), "serverTime", 1);
}
