/**
 * Deribit request signing (API keys with HMAC-SHA256 secrets), from Deribit's authentication article
 * (https://docs.deribit.com/articles/authentication):
 *
 * - HTTP: `Authorization: deri-hmac-sha256 id=ClientId,ts=Timestamp,sig=Signature,nonce=Nonce` with
 *   RequestData = UPPER(method) + "\n" + URI + "\n" + body + "\n" (URI: path and query as sent),
 *   StringToSign = Timestamp + "\n" + Nonce + "\n" + RequestData;
 * - WebSocket `public/auth` with grant_type `client_signature`: StringToSign = Timestamp + "\n" + Nonce +
 *   "\n" + Data.
 *
 * Signature = lowercase hex HMAC-SHA256(ClientSecret, StringToSign). The timestamp is epoch ms and is
 * accepted for 60 s; a nonce may be used once.
 */
import { createHmac, createSecretKey, randomBytes, type KeyObject } from "node:crypto";

export const DERIBIT_AUTH_SCHEME = "deri-hmac-sha256";

/** RequestData of an HTTP call: the method, the URI and the body exactly as sent. */
export function deribitRequestData(method: string, uri: string, body: string): string {
  return `${method.toUpperCase()}\n${uri}\n${body}\n`;
}

/** StringToSign for HTTP (data = deribitRequestData(...)) and for WebSocket client_signature (data as sent). */
export function deribitStringToSign(timestamp: number, nonce: string, data: string): string {
  return `${timestamp}\n${nonce}\n${data}`;
}

export function deribitAuthorization(clientId: string, timestamp: number, signature: string, nonce: string) {
  return `${DERIBIT_AUTH_SCHEME} id=${clientId},ts=${timestamp},sig=${signature},nonce=${nonce}`;
}

/** A fresh single-use nonce: 16 lowercase hex characters (64 random bits). */
export function deribitNonce(): string {
  return randomBytes(8).toString("hex");
}

export type DeribitSigner = (stringToSign: string) => string;

export function createDeribitSigner(secret: string): DeribitSigner {
  if (typeof secret !== "string" || secret.length === 0)
    throw new Error("the Deribit client secret is empty");
  const key: KeyObject = createSecretKey(Buffer.from(secret, "utf8"));
  return (text) => createHmac("sha256", key).update(text, "utf8").digest("hex");
}
