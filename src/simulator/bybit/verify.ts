/**
 * The simulator's own check of Bybit's request signature, written from Bybit's documentation with
 * node:crypto and sharing no code with the gateway's signer (src/exchange/bybit/signer.ts): a shared
 * bug would sign and verify the same wrong bytes. Plain text: timestamp + apiKey + recvWindow +
 * (GET: the query string as received | POST: the body as received); HMAC-SHA256, lowercase hex.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const LOWER_HEX_64 = /^[0-9a-f]{64}$/;

/** undefined when valid, else why not */
export function checkBybitSignature(
  secret: string,
  headers: { timestamp: string; apiKey: string; recvWindow: string; sign: string },
  payload: string,
): string | undefined {
  if (!LOWER_HEX_64.test(headers.sign)) return "X-BAPI-SIGN is not 64 lowercase hex characters";
  const plain = headers.timestamp + headers.apiKey + headers.recvWindow + payload;
  const mac = createHmac("sha256", Buffer.from(secret, "utf8"));
  mac.update(Buffer.from(plain, "utf8"));
  const expected = Buffer.from(mac.digest("hex"), "ascii");
  const given = Buffer.from(headers.sign, "ascii");
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return `HMAC-SHA256 mismatch over '${plain.replace(headers.apiKey, "<apiKey>")}'`;
  }
  return undefined;
}
