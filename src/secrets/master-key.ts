/**
 * The gateway master key: 32 random bytes, given base64-encoded in GATEWAY_MASTER_KEY, under which
 * exchange secrets are sealed at rest (see sealer.ts).
 */
import { createHash, randomBytes } from "node:crypto";

export const MASTER_KEY_ENV = "GATEWAY_MASTER_KEY";
export const PREVIOUS_MASTER_KEYS_ENV = "GATEWAY_MASTER_KEY_PREVIOUS";
export const MASTER_KEY_BYTES = 32;

export interface MasterKey {
  /** first 8 hex chars of SHA-256(key): recorded in every sealed value so rotation can tell keys apart */
  readonly id: string;
  readonly key: Buffer;
}

/** A malformed master key. The message names the variable and never contains the value. */
export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MasterKeyError";
  }
}

const HINT = `it must be the base64 encoding of exactly ${MASTER_KEY_BYTES} random bytes (e.g. \`openssl rand -base64 32\`)`;

// Buffer.from(_, "base64") silently skips characters outside the alphabet, so a typo would yield a
// different (shorter) key instead of an error; validate the text before decoding. Both the standard and
// the URL-safe alphabets are accepted because either is what people paste from common tools.
const BASE64 = /^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/;

export function masterKeyId(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 8);
}

/**
 * Parses a base64 master key. `variable` names the setting in error messages (a future
 * `rotate-master-key` command reads the old key from another variable).
 */
export function parseMasterKey(value: string | undefined, variable: string = MASTER_KEY_ENV): MasterKey {
  if (value === undefined) throw new MasterKeyError(`${variable} is not set: ${HINT}`);
  // Trailing newlines are common when the key comes from a file or `echo`; they are not part of the key.
  const text = value.trim();
  if (text === "") throw new MasterKeyError(`${variable} is empty: ${HINT}`);
  if (!BASE64.test(text) || text.replace(/=+$/, "").length % 4 === 1) {
    throw new MasterKeyError(`${variable} is not valid base64: ${HINT}`);
  }
  const key = Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  if (key.length !== MASTER_KEY_BYTES) {
    throw new MasterKeyError(`${variable} decodes to ${key.length} bytes, not ${MASTER_KEY_BYTES}: ${HINT}`);
  }
  return { id: masterKeyId(key), key };
}

/** GATEWAY_MASTER_KEY_PREVIOUS, already split on commas; errors name the entry, never its value. */
export function parsePreviousMasterKeys(values: readonly string[]): MasterKey[] {
  return values.map((v, i) =>
    parseMasterKey(
      v,
      values.length === 1 ? PREVIOUS_MASTER_KEYS_ENV : `${PREVIOUS_MASTER_KEYS_ENV} (entry ${i + 1})`,
    ),
  );
}

/** A new random master key, base64-encoded (the demo uses it when GATEWAY_MASTER_KEY is unset). */
export function generateMasterKey(): string {
  return randomBytes(MASTER_KEY_BYTES).toString("base64");
}
