/**
 * Builds the exact bytes of a signed Binance request.
 *
 * Binance verifies the signature over the query string followed directly by the body, as received. So
 * the payload is built once, signed, and that same string is what goes on the wire: there is no second
 * serialisation that could encode a value differently (e.g. "+" vs "%20", or a decimal re-rendered
 * through a float).
 */
import type { Signer } from "./signer";

export type HttpMethod = "GET" | "POST";

/** One parameter; values are already strings so decimals travel exactly as given. */
export type Param = readonly [name: string, value: string];

export interface WireRequest {
  method: HttpMethod;
  /** absolute URL including the query string (if any) */
  url: string;
  /** form body for POST, undefined for GET */
  body: string | undefined;
  /** the string that was signed (query + body without the signature); kept for tests and diagnostics */
  payload: string;
}

export interface SignOptions {
  timestamp: number;
  recvWindow: number;
  sign: Signer;
}

export const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded";

/**
 * Percent-encodes with encodeURIComponent: every character that has meaning in a query or form body
 * (&, =, +, %, space) is escaped, and Binance decodes it back to the same value.
 */
export function encodeParams(params: readonly Param[]): string {
  let out = "";
  for (const [name, value] of params) {
    if (out.length > 0) out += "&";
    out += `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  }
  return out;
}

export function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.endsWith("/") ? baseUrl.slice(0, -1) + path : baseUrl + path;
}

/**
 * GET: every parameter in the query string. POST: every parameter in the form body and an empty query,
 * so the signed payload is simply the body. recvWindow and timestamp follow the call's parameters, and
 * the signature is appended last, as Binance requires.
 */
export function buildSignedRequest(
  method: HttpMethod,
  baseUrl: string,
  path: string,
  params: readonly Param[],
  options: SignOptions,
): WireRequest {
  let payload = encodeParams(params);
  if (payload.length > 0) payload += "&";
  payload += `recvWindow=${options.recvWindow}&timestamp=${options.timestamp}`;
  const signed = `${payload}&signature=${encodeURIComponent(options.sign(payload))}`;
  const url = joinUrl(baseUrl, path);
  return method === "GET"
    ? { method, url: `${url}?${signed}`, body: undefined, payload }
    : { method, url, body: signed, payload };
}

/** An unsigned request (server time, exchangeInfo). */
export function buildUnsignedRequest(
  baseUrl: string,
  path: string,
  params: readonly Param[] = [],
): WireRequest {
  const query = encodeParams(params);
  const url = joinUrl(baseUrl, path);
  return { method: "GET", url: query ? `${url}?${query}` : url, body: undefined, payload: query };
}
