/**
 * API tokens: 32 random bytes, shown once, stored only as a SHA-256 hash. A fast hash is right here
 * (unlike passwords): the token has 256 bits of entropy, so there is nothing to brute-force, and the
 * hot path must not spend milliseconds on a slow KDF.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const TOKEN_PREFIX = "mgw_";

export function generateToken(): { token: string; hash: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Constant-time comparison of two hex digests of equal length. */
export function hashesEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, "hex");
  const bb = Buffer.from(b, "hex");
  return ab.length === bb.length && ab.length > 0 && timingSafeEqual(ab, bb);
}

/** Token shape check before any lookup, so junk never reaches the database. */
export function looksLikeToken(token: string): boolean {
  return token.startsWith(TOKEN_PREFIX) && /^[A-Za-z0-9_-]{43}$/.test(token.slice(TOKEN_PREFIX.length));
}
