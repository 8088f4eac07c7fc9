/**
 * The simulator's own check of OKX's request signature, written from OKX's documentation with
 * node:crypto and sharing no code with the gateway's signer (src/exchange/okx/signer.ts): a shared
 * bug would sign and verify the same wrong bytes. Plain text: OK-ACCESS-TIMESTAMP as received +
 * method + request path with `?query` as received + body as received; HMAC-SHA256, Base64.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;

/** undefined when valid, else why not */
export function checkOkxSignature(
  secret: string,
  request: { timestamp: string; method: string; path: string; query: string; body: string; sign: string },
): string | undefined {
  if (!BASE64_SHA256.test(request.sign)) return "OK-ACCESS-SIGN is not a Base64 SHA-256 digest";
  const target = request.query === "" ? request.path : `${request.path}?${request.query}`;
  const plain = request.timestamp + request.method + target + request.body;
  const mac = createHmac("sha256", Buffer.from(secret, "utf8"));
  mac.update(Buffer.from(plain, "utf8"));
  const expected = mac.digest();
  const given = Buffer.from(request.sign, "base64");
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return `HMAC-SHA256 mismatch over '${plain}'`;
  }
  return undefined;
}
