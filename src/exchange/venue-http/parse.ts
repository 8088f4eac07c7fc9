/**
 * Shape checks the venue parsers (Deribit, OKX, Bybit) share. Anything unexpected throws
 * MalformedAnswer, which the clients report as EXCHANGE_UNAVAILABLE (readPayload in errors.ts).
 */
import { isJsonObject, type JsonObject, type JsonValue } from "../binance/json";
import { MalformedAnswer } from "../binance/parse";

/** a venue's message is kept to this many characters: it goes into errors and log lines */
const MAX_MESSAGE = 200;
const DECIMAL = /^\d+(?:\.\d+)?$/;

export function clipMessage(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s;
}

export function obj(v: JsonValue | undefined, what: string): JsonObject {
  if (v === undefined || !isJsonObject(v)) throw new MalformedAnswer(`${what} is not a JSON object`);
  return v;
}

/** A string field (may be empty). */
export function str(o: JsonObject, field: string): string {
  const v = o[field];
  if (typeof v !== "string")
    throw new MalformedAnswer(`${field} is ${v === undefined ? "missing" : "not a string"}`);
  return v;
}

/** A plain non-negative decimal in a string field, its text kept as sent. */
export function decimal(o: JsonObject, field: string): string {
  const s = str(o, field);
  if (!DECIMAL.test(s)) throw new MalformedAnswer(`${field} is not a plain decimal`);
  return s;
}
