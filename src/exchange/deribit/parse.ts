/**
 * Reads Deribit JSON-RPC answers (parsed by parseJsonExact, so numbers keep their digits) into gateway
 * values. Deribit writes numbers as JSON numbers, sometimes in scientific notation (`1e-4`): they are
 * expanded into plain decimal strings digit for digit, never through a double. Anything unexpected throws
 * MalformedAnswer, which the client reports as EXCHANGE_UNAVAILABLE (a change whose answer cannot be read
 * may still have been applied).
 *
 * Shapes: https://docs.deribit.com/articles/errors (envelope and error object),
 * https://docs.deribit.com/api-reference/trading/private-get_mmp_config,
 * https://docs.deribit.com/api-reference/trading/private-get_mmp_status,
 * https://docs.deribit.com/api-reference/trading/private-set_mmp_config.
 */
import { MalformedAnswer } from "../binance/parse";
import { isJsonObject, JsonNumber, type JsonObject, type JsonValue } from "../binance/json";
import { clipMessage, obj } from "../venue-http/parse";
import type { DeribitMmpConfig, DeribitMmpStatus } from "./types";

export { MalformedAnswer };

export interface DeribitRpcError {
  code: number;
  message: string;
  /** `data.param` when Deribit names the parameter */
  param?: string;
  /** `data.reason` when Deribit explains */
  reason?: string;
}

export interface DeribitEnvelope {
  id: number | undefined;
  result: JsonValue | undefined;
  error: DeribitRpcError | undefined;
  /** Deribit's clock when the answer left (usOut, µs) in epoch ms, when present */
  outAtMs: number | undefined;
}

const NUMBER = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
/** exponents beyond this are not numbers Deribit sends for MMP values; refused rather than expanded */
const MAX_EXPONENT = 40;

/**
 * The exact plain decimal of a JSON number's text: `1e-4` → `0.0001`, `2.5E3` → `2500`, `1.50e1` →
 * `15.0`, `2.5000` → `2.5000` (digits are kept; only the exponent is applied).
 */
export function plainDecimal(text: string): string {
  const m = NUMBER.exec(text);
  if (m === null) throw new MalformedAnswer(`${text} is not a JSON number`);
  const [, sign = "", int = "", frac = "", expText] = m;
  const exp = expText === undefined ? 0 : Number(expText);
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > MAX_EXPONENT) {
    throw new MalformedAnswer(`${text} has an exponent out of range`);
  }
  const digits = int + frac;
  let point = int.length + exp;
  let body: string;
  if (point <= 0) {
    body = `0.${"0".repeat(-point)}${digits}`;
  } else if (point >= digits.length) {
    body = digits + "0".repeat(point - digits.length);
    point = body.length;
  } else {
    body = `${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  // leading zeros of the integer part (from the mantissa or the shift), keeping one before a point
  body = body.replace(/^0+(?=\d)/, "");
  const zero = /^0(?:\.0*)?$/.test(body);
  return sign === "-" && !zero ? `-${body}` : body;
}

export function parseEnvelope(v: JsonValue): DeribitEnvelope {
  if (!isJsonObject(v)) throw new MalformedAnswer("the answer is not a JSON object");
  if (v.jsonrpc !== "2.0") throw new MalformedAnswer('jsonrpc is not "2.0"');
  let id: number | undefined;
  if (v.id instanceof JsonNumber && /^\d{1,15}$/.test(v.id.text)) id = Number(v.id.text);
  else if (v.id !== undefined && v.id !== null) throw new MalformedAnswer("id is not a whole number");
  let outAtMs: number | undefined;
  if (v.usOut instanceof JsonNumber && /^\d{1,19}$/.test(v.usOut.text)) {
    outAtMs = Number(BigInt(v.usOut.text) / 1000n);
  }
  const e = v.error;
  if (e !== undefined) {
    if (!isJsonObject(e)) throw new MalformedAnswer("error is not a JSON object");
    if (!(e.code instanceof JsonNumber) || !/^-?\d{1,9}$/.test(e.code.text)) {
      throw new MalformedAnswer("error.code is not an integer");
    }
    const error: DeribitRpcError = {
      code: Number(e.code.text),
      message: clipMessage(typeof e.message === "string" ? e.message : ""),
    };
    if (isJsonObject(e.data)) {
      if (typeof e.data.param === "string") error.param = clipMessage(e.data.param);
      if (typeof e.data.reason === "string") error.reason = clipMessage(e.data.reason);
    }
    return { id, result: undefined, error, outAtMs };
  }
  if (!("result" in v)) throw new MalformedAnswer("the answer has neither result nor error");
  return { id, result: v.result, error: undefined, outAtMs };
}

function list(v: JsonValue | undefined, what: string): JsonValue[] {
  if (!Array.isArray(v)) throw new MalformedAnswer(`${what} is not a list`);
  return v;
}

function str(o: JsonObject, field: string): string {
  const v = o[field];
  if (typeof v !== "string" || v === "") {
    throw new MalformedAnswer(`${field} is ${v === undefined ? "missing" : "not a non-empty string"}`);
  }
  return v;
}

function num(o: JsonObject, field: string): string {
  const v = o[field];
  if (!(v instanceof JsonNumber)) {
    throw new MalformedAnswer(`${field} is ${v === undefined ? "missing" : "not a number"}`);
  }
  return plainDecimal(v.text);
}

/** a whole number written in any JSON form (`60`, `6e1`, `60.0`) */
function wholeText(o: JsonObject, field: string): string {
  const d = num(o, field);
  const m = /^(\d+)(?:\.0+)?$/.exec(d);
  if (m === null) throw new MalformedAnswer(`${field} is not a whole non-negative number`);
  return m[1]!;
}

function seconds(o: JsonObject, field: string): number {
  const n = Number(wholeText(o, field));
  if (!Number.isSafeInteger(n)) throw new MalformedAnswer(`${field} is out of range`);
  return n;
}

function optionalDecimal(o: JsonObject, field: string): string | null {
  if (o[field] === undefined || o[field] === null) return null;
  const d = num(o, field);
  if (d.startsWith("-")) throw new MalformedAnswer(`${field} is negative`);
  return d;
}

/** Entries for Mass Quote groups or Block RFQ are not the default orders group the gateway manages. */
function isDefaultGroup(o: JsonObject): boolean {
  const g = o.mmp_group;
  if (g !== undefined && g !== null && g !== "") return false;
  return o.block_rfq !== true;
}

function configOf(o: JsonObject): DeribitMmpConfig {
  return {
    indexName: str(o, "index_name"),
    intervalSeconds: seconds(o, "interval"),
    frozenTimeSeconds: seconds(o, "frozen_time"),
    quantityLimit: optionalDecimal(o, "quantity_limit"),
    deltaLimit: optionalDecimal(o, "delta_limit"),
    vegaLimit: optionalDecimal(o, "vega_limit"),
    maxQuoteQuantity: optionalDecimal(o, "max_quote_quantity"),
  };
}

/**
 * `private/get_mmp_config` (a list; empty = no configuration) or `private/set_mmp_config` (documented as
 * a list, shown in the example as one object): the default-group configurations, group and Block RFQ
 * entries left out.
 */
export function parseMmpConfigs(result: JsonValue | undefined): DeribitMmpConfig[] {
  const rows = Array.isArray(result) ? result : [obj(result, "result")];
  const out: DeribitMmpConfig[] = [];
  for (const row of rows) {
    const o = obj(row, "an MMP config entry");
    if (isDefaultGroup(o)) out.push(configOf(o));
  }
  return out;
}

/** `private/get_mmp_status`: the triggered default-group indexes (not listed = not frozen). */
export function parseMmpStatuses(result: JsonValue | undefined): DeribitMmpStatus[] {
  const out: DeribitMmpStatus[] = [];
  for (const row of list(result, "result")) {
    const o = obj(row, "an MMP status entry");
    if (!isDefaultGroup(o)) continue;
    out.push({ indexName: str(o, "index_name"), frozenUntil: BigInt(wholeText(o, "frozen_until")) });
  }
  return out;
}

/** A `user.mmp_trigger.*` notification's data; null for a group or Block RFQ trigger. */
export function parseTriggerData(data: JsonValue | undefined): DeribitMmpStatus | null {
  const o = obj(data, "data");
  if (!isDefaultGroup(o)) return null;
  return { indexName: str(o, "index_name"), frozenUntil: BigInt(wholeText(o, "frozen_until")) };
}

/** `public/get_time`: epoch ms. */
export function parseServerTime(result: JsonValue | undefined): number {
  if (!(result instanceof JsonNumber)) throw new MalformedAnswer("result is not a number");
  const d = plainDecimal(result.text);
  if (!/^\d{1,15}$/.test(d)) throw new MalformedAnswer("result is not a whole number of milliseconds");
  return Number(d);
}

/** `private/reset_mmp`: "ok". */
export function parseOk(result: JsonValue | undefined): void {
  if (result !== "ok") throw new MalformedAnswer('result is not "ok"');
}

/**
 * `public/get_supported_index_names`: a list of names, or (with `extended`) of objects with `name`.
 */
export function parseIndexNames(result: JsonValue | undefined): string[] {
  const out: string[] = [];
  for (const item of list(result, "result")) {
    if (typeof item === "string") {
      if (item !== "") out.push(item);
    } else if (isJsonObject(item) && typeof item.name === "string" && item.name !== "") {
      out.push(item.name);
    }
  }
  return out;
}
