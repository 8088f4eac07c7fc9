/**
 * Seals exchange secrets for storage: AES-256-GCM under the master key.
 *
 * Format: "v1.<keyId>.<iv>.<tag>.<ciphertext>", the binary parts base64url. The key id travels in the
 * clear so that a value sealed under an older key can still be opened during a master key rotation, and
 * it is also the GCM additional data, so it cannot be swapped without the tag failing.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { MASTER_KEY_ENV, type MasterKey } from "./master-key";

const VERSION = "v1";
const ALGORITHM = "aes-256-gcm";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[0-9a-f]{8}$/;
const B64URL = /^[A-Za-z0-9_-]*$/;

/** Meta key under which the database records a value sealed with the key it was initialised with. */
export const MASTER_KEY_CHECK_META = "master_key_check";
const CHECK_PLAINTEXT = "mmp-gateway master key check";

/** A sealed value that cannot be opened. The message is safe to show: it never contains secret material. */
export class SealedSecretError extends Error {
  constructor(
    message: string,
    /** the key id the value names, when it could be parsed */
    readonly keyId: string | null,
  ) {
    super(message);
    this.name = "SealedSecretError";
  }
}

interface Parsed {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export class SecretSealer {
  private readonly current: MasterKey;
  private readonly keys: ReadonlyMap<string, Buffer>;

  /** `current` seals; `older` keys only open (values sealed before a rotation). */
  constructor(current: MasterKey, older: readonly MasterKey[] = []) {
    this.current = current;
    const keys = new Map<string, Buffer>();
    for (const k of [current, ...older]) {
      if (k.key.length !== 32) throw new Error(`master key ${k.id} is ${k.key.length} bytes, not 32`);
      const known = keys.get(k.id);
      // Two different keys with one id would make open() ambiguous; ids are 32 bits of a hash, so this
      // is practically only reachable by configuring the wrong thing.
      if (known !== undefined && !known.equals(k.key))
        throw new Error(`two master keys share the id ${k.id}`);
      keys.set(k.id, k.key);
    }
    this.keys = keys;
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(this.current.id, "ascii"));
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.current.id, b64url(iv), b64url(tag), b64url(ciphertext)].join(".");
  }

  open(sealed: string): string {
    const p = parse(sealed);
    const key = this.keys.get(p.keyId);
    if (key === undefined) {
      throw new SealedSecretError(
        `stored secret was sealed under master key ${p.keyId}, which is not configured (wrong ${MASTER_KEY_ENV}?)`,
        p.keyId,
      );
    }
    // authTagLength pins the tag to 16 bytes: without it Node accepts truncated tags, which weakens GCM.
    const decipher = createDecipheriv(ALGORITHM, key, p.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(p.keyId, "ascii"));
    decipher.setAuthTag(p.tag);
    try {
      return Buffer.concat([decipher.update(p.ciphertext), decipher.final()]).toString("utf8");
    } catch {
      throw new SealedSecretError(
        `stored secret sealed under master key ${p.keyId} does not decrypt: it was altered, or the key is not the one it was sealed with (wrong ${MASTER_KEY_ENV}?)`,
        p.keyId,
      );
    }
  }

  /** The id of the key a sealed value names, without opening it (a rotation re-seals the others). */
  keyIdOf(sealed: string): string {
    return parse(sealed).keyId;
  }

  /** A value to store under MASTER_KEY_CHECK_META when a database is initialised. */
  checkValue(): string {
    return this.seal(CHECK_PLAINTEXT);
  }

  /**
   * Throws an Error naming GATEWAY_MASTER_KEY when `stored` (a former checkValue()) was not sealed under
   * a configured key, so the gateway refuses to start instead of failing on the first exchange call.
   */
  verifyCheckValue(stored: string): void {
    let keyId: string | null = null;
    let plaintext: string;
    try {
      keyId = this.keyIdOf(stored);
      plaintext = this.open(stored);
    } catch (e) {
      if (!(e instanceof SealedSecretError)) throw e;
      throw new Error(
        `${MASTER_KEY_ENV} is not the key this database was initialised with` +
          (keyId !== null ? ` (database: key id ${keyId}; configured: key id ${this.current.id})` : "") +
          `; set ${MASTER_KEY_ENV} to the original key`,
      );
    }
    if (plaintext !== CHECK_PLAINTEXT) {
      throw new Error(
        `the database's master key check value (meta '${MASTER_KEY_CHECK_META}') is not recognised`,
      );
    }
  }
}

function parse(sealed: string): Parsed {
  const parts = sealed.split(".");
  if (parts.length !== 5 || parts[0] !== VERSION) {
    throw new SealedSecretError(
      `stored secret is not in the ${VERSION} sealed format (corrupted, or written by a newer gateway?)`,
      null,
    );
  }
  const [, keyId, iv, tag, ciphertext] = parts as [string, string, string, string, string];
  if (!KEY_ID.test(keyId)) throw new SealedSecretError("stored secret has a malformed master key id", null);
  const bad = (what: string) =>
    new SealedSecretError(`stored secret sealed under master key ${keyId} has a malformed ${what}`, keyId);
  const ivBytes = fromB64url(iv);
  if (ivBytes === null || ivBytes.length !== IV_BYTES) throw bad("IV");
  const tagBytes = fromB64url(tag);
  if (tagBytes === null || tagBytes.length !== TAG_BYTES) throw bad("authentication tag");
  const ciphertextBytes = fromB64url(ciphertext);
  if (ciphertextBytes === null) throw bad("ciphertext");
  return { keyId, iv: ivBytes, tag: tagBytes, ciphertext: ciphertextBytes };
}

function b64url(b: Buffer): string {
  return b.toString("base64url");
}

// Node's decoder ignores stray characters and unused trailing bits; accept only the canonical encoding so
// that every distinct string is a distinct value (an altered character always fails).
function fromB64url(s: string): Buffer | null {
  if (!B64URL.test(s)) return null;
  const b = Buffer.from(s, "base64url");
  return b.toString("base64url") === s ? b : null;
}
