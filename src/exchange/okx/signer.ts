/**
 * OKX v5 REST request signing: Base64 of HMAC-SHA256 (key: the secret as UTF-8) over
 * `timestamp + UPPERCASE method + requestPath + body`, where requestPath includes the query string of
 * a GET and body is the exact JSON text sent ("" for a GET). The timestamp is ISO 8601 UTC with
 * milliseconds, e.g. 2020-12-08T09:08:57.715Z, sent as OK-ACCESS-TIMESTAMP
 * (https://www.okx.com/docs-v5/en/#overview-rest-authentication-signature).
 */
import { createHmac, createSecretKey, type KeyObject } from "node:crypto";

export const OKX_HEADERS = {
  apiKey: "OK-ACCESS-KEY",
  sign: "OK-ACCESS-SIGN",
  timestamp: "OK-ACCESS-TIMESTAMP",
  passphrase: "OK-ACCESS-PASSPHRASE",
  simulated: "x-simulated-trading",
} as const;

/** OK-ACCESS-TIMESTAMP for an epoch-ms instant. */
export function okxTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** The exact text OKX signs. `requestPath` carries `?query` for a GET. */
export function okxSignText(timestamp: string, method: string, requestPath: string, body: string): string {
  return `${timestamp}${method.toUpperCase()}${requestPath}${body}`;
}

export type OkxSigner = (text: string) => string;

export function createOkxSigner(secret: string): OkxSigner {
  if (typeof secret !== "string" || secret.length === 0) throw new Error("the OKX API secret is empty");
  const key: KeyObject = createSecretKey(Buffer.from(secret, "utf8"));
  return (text) => createHmac("sha256", key).update(text, "utf8").digest("base64");
}
