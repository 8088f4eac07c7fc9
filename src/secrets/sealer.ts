/**
 * Seals exchange secrets for storage: AES-256-GCM under the master key.
 *
 * Format: "v2.<keyId>.<iv>.<tag>.<ciphertext>", the binary parts base64url. The key id travels in the
 * clear so that a value sealed under an older key can still be opened during a master key rotation. The
 * GCM additional data is the key id and what the value belongs to (`account:<id>`, `meta:<key>`), so a
 * value copied into another account's row, or relabelled with another key id, fails its tag: whoever
 * can write the database cannot make one account sign with another's key.
 *
 * "v1" values (additional data: the key id alone) came before that binding. They are opened only by
 * `openUnbound`, for the start-up upgrade that re-seals them bound (bind-sealed-secrets.ts) and for a
 * master key rotation, which re-seals everything; `open` refuses them.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { MASTER_KEY_ENV, type MasterKey } from "./master-key";

const VERSION = "v2";
const UNBOUND_VERSION = "v1";
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
  version: typeof VERSION | typeof UNBOUND_VERSION;
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

  /** `binding`: what the value belongs to, from accountBinding() or metaBinding(). */
  seal(plaintext: string, binding: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(this.current.id, binding));
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.current.id, b64url(iv), b64url(tag), b64url(ciphertext)].join(".");
  }

  /** Opens a value sealed for `binding`; refuses an unbound (v1) one and one sealed for anything else. */
  open(sealed: string, binding: string): string {
    const p = parse(sealed);
    if (p.version !== VERSION) {
      throw new SealedSecretError(
        `stored secret is in the ${UNBOUND_VERSION} format, not bound to what it belongs to; a gateway ` +
          "start re-seals such values",
        p.keyId,
      );
    }
    return this.decrypt(p, additionalData(p.keyId, binding));
  }

  /** As open(), and also v1 values: only for code that re-seals what it opens (upgrade, rotation). */
  openUnbound(sealed: string, binding: string): string {
    const p = parse(sealed);
    return this.decrypt(p, p.version === VERSION ? additionalData(p.keyId, binding) : Buffer.from(p.keyId));
  }

  /** Whether a value is in the current, bound format (it may still fail to open). */
  isBound(sealed: string): boolean {
    return parse(sealed).version === VERSION;
  }

  private decrypt(p: Parsed, aad: Buffer): string {
    const key = this.keys.get(p.keyId);
    if (key === undefined) {
      throw new SealedSecretError(
        `stored secret was sealed under master key ${p.keyId}, which is not configured (wrong ${MASTER_KEY_ENV}?)`,
        p.keyId,
      );
    }
    // authTagLength pins the tag to 16 bytes: without it Node accepts truncated tags, which weakens GCM.
    const decipher = createDecipheriv(ALGORITHM, key, p.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(p.tag);
    try {
      return Buffer.concat([decipher.update(p.ciphertext), decipher.final()]).toString("utf8");
    } catch {
      throw new SealedSecretError(
        `stored secret sealed under master key ${p.keyId} does not decrypt: it was altered, moved from ` +
          `another account, or the key is not the one it was sealed with (wrong ${MASTER_KEY_ENV}?)`,
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
    return this.seal(CHECK_PLAINTEXT, metaBinding(MASTER_KEY_CHECK_META));
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
      // Checked before the start-up upgrade re-seals it, so a v1 check value must still verify.
      plaintext = this.openUnbound(stored, metaBinding(MASTER_KEY_CHECK_META));
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
  const version = parts[0];
  if (parts.length !== 5 || (version !== VERSION && version !== UNBOUND_VERSION)) {
    throw new SealedSecretError(
      `stored secret is not in the ${VERSION} or ${UNBOUND_VERSION} sealed format (corrupted, or written by a newer gateway?)`,
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
  return { version, keyId, iv: ivBytes, tag: tagBytes, ciphertext: ciphertextBytes };
}

/** What an account's sealed secret is bound to. */
export function accountBinding(accountId: string): string {
  return `account:${accountId}`;
}

/** What a sealed meta value is bound to. */
export function metaBinding(key: string): string {
  return `meta:${key}`;
}

// The key id is 8 hex digits, so the first ':' always ends it: no two (key id, binding) pairs collide.
function additionalData(keyId: string, binding: string): Buffer {
  return Buffer.from(`${keyId}:${binding}`, "utf8");
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
