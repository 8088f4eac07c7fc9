/**
 * Request signing for the three key types Binance accepts.
 *
 * The signer returns the raw signature (lowercase hex for HMAC, base64 for Ed25519/RSA); the request
 * builder percent-encodes it, so one code path handles both alphabets.
 *
 * Keys are parsed into a KeyObject once per signer: signing runs on every exchange call, and parsing a
 * PEM costs far more than the signature itself.
 */
import {
  createHmac,
  createPrivateKey,
  createSecretKey,
  sign as cryptoSign,
  type KeyObject,
} from "node:crypto";
import type { KeyType } from "../../domain";

export type Signer = (payload: string) => string;

/** The account's key material cannot be used. The message never contains the key itself. */
export class SignerKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SignerKeyError";
  }
}

const MIN_RSA_BITS = 2048;

export function createSigner(keyType: KeyType, secret: string): Signer {
  switch (keyType) {
    case "hmac":
      return hmacSigner(secret);
    case "ed25519":
      return ed25519Signer(secret);
    case "rsa":
      return rsaSigner(secret);
    default:
      throw new SignerKeyError(`unsupported key type ${JSON.stringify(keyType as string)}`);
  }
}

function hmacSigner(secret: string): Signer {
  if (secret.length === 0) throw new SignerKeyError("the HMAC secret is empty");
  const key = createSecretKey(Buffer.from(secret, "utf8"));
  return (payload) => createHmac("sha256", key).update(payload, "utf8").digest("hex");
}

function ed25519Signer(pem: string): Signer {
  const key = loadPrivateKey(pem, "ed25519");
  if (key.asymmetricKeyType !== "ed25519") {
    throw new SignerKeyError(
      `expected an Ed25519 private key, got a ${key.asymmetricKeyType ?? "unknown"} key`,
    );
  }
  // Ed25519 is "pure": the algorithm argument must be null, the key defines the hash.
  return (payload) => cryptoSign(null, Buffer.from(payload, "utf8"), key).toString("base64");
}

function rsaSigner(pem: string): Signer {
  const key = loadPrivateKey(pem, "RSA");
  if (key.asymmetricKeyType !== "rsa") {
    throw new SignerKeyError(`expected an RSA private key, got a ${key.asymmetricKeyType ?? "unknown"} key`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) {
    throw new SignerKeyError(`the RSA key has ${bits} bits; Binance requires at least ${MIN_RSA_BITS}`);
  }
  // For an "rsa" KeyObject node defaults to RSASSA-PKCS1-v1_5, which is what Binance verifies.
  return (payload) => cryptoSign("sha256", Buffer.from(payload, "utf8"), key).toString("base64");
}

function loadPrivateKey(pem: string, label: string): KeyObject {
  const text = pem.trim();
  if (!text.startsWith("-----BEGIN ")) {
    throw new SignerKeyError(
      `the ${label} key is not a PEM: expected a PKCS#8 private key starting with -----BEGIN PRIVATE KEY-----`,
    );
  }
  if (text.startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
    throw new SignerKeyError(`the ${label} key is passphrase-encrypted; store it unencrypted (PKCS#8 PEM)`);
  }
  if (text.startsWith("-----BEGIN PUBLIC KEY-----")) {
    throw new SignerKeyError(`a public key was given where the ${label} private key (PKCS#8 PEM) is needed`);
  }
  try {
    return createPrivateKey({ key: text, format: "pem" });
  } catch (e) {
    // OpenSSL's message names the decoder step that failed; it never echoes key bytes.
    const detail = e instanceof Error ? e.message : String(e);
    throw new SignerKeyError(`the ${label} private key PEM could not be parsed (${detail})`);
  }
}
