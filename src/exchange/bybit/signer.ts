/**
 * Bybit V5 request signing (HMAC keys): lowercase hex HMAC-SHA256 of
 * `timestamp + apiKey + recvWindow + payload`, where payload is the query string of a GET exactly as
 * sent, or the raw JSON body of a POST exactly as sent (B-DOC guide.mdx, "Authentication").
 */
import { createHmac, createSecretKey, type KeyObject } from "node:crypto";

export const BYBIT_HEADERS = {
  apiKey: "X-BAPI-API-KEY",
  timestamp: "X-BAPI-TIMESTAMP",
  recvWindow: "X-BAPI-RECV-WINDOW",
  sign: "X-BAPI-SIGN",
} as const;

/** The exact text Bybit signs. */
export function bybitSignText(
  timestamp: number,
  apiKey: string,
  recvWindow: number,
  payload: string,
): string {
  return `${timestamp}${apiKey}${recvWindow}${payload}`;
}

export type BybitSigner = (text: string) => string;

export function createBybitSigner(secret: string): BybitSigner {
  if (typeof secret !== "string" || secret.length === 0) throw new Error("the Bybit API secret is empty");
  const key: KeyObject = createSecretKey(Buffer.from(secret, "utf8"));
  return (text) => createHmac("sha256", key).update(text, "utf8").digest("hex");
}
