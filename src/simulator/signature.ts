/**
 * Signature verification, written against Binance's documentation with node:crypto only. It must not
 * share code with the gateway's signer (src/exchange): a shared bug would sign and verify the same wrong
 * bytes, and the tests would pass against the simulator while failing against Binance.
 */
import { createHmac, createPublicKey, constants, timingSafeEqual, verify, type KeyObject } from "node:crypto";
import type { KeyType } from "../domain";
import { E } from "./errors";
import type { Segment } from "./params";
import type { SimulatorAccount } from "./types";

export type VerifyKey =
  | { type: "hmac"; secret: Buffer }
  | { type: "ed25519"; key: KeyObject }
  | { type: "rsa"; key: KeyObject; modulusBytes: number };

const HEX64 = /^[0-9a-f]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// Base64's '+', '/' and '=' must arrive percent-encoded. An unencoded '+' is decoded to a space by
// Binance, so a gateway that skips the encoding fails there only for some signatures; refusing any of
// them here makes that bug fail every time.
const ENCODED_BASE64_RAW = /^[A-Za-z0-9%]*$/;

/** Parses and checks the account's key material once, when the account is registered. */
export function prepareVerifyKey(a: SimulatorAccount): VerifyKey {
  const keyType: KeyType = a.keyType;
  switch (keyType) {
    case "hmac":
      if (!a.secret) throw new Error(`simulator account ${a.apiKey}: an hmac account needs a secret`);
      return { type: "hmac", secret: Buffer.from(a.secret, "utf8") };
    case "ed25519":
    case "rsa": {
      if (!a.publicKeyPem)
        throw new Error(`simulator account ${a.apiKey}: a ${keyType} account needs publicKeyPem`);
      let key: KeyObject;
      try {
        key = createPublicKey({ key: a.publicKeyPem, format: "pem" });
      } catch (e) {
        throw new Error(
          `simulator account ${a.apiKey}: publicKeyPem is not a valid public key (${String(e)})`,
        );
      }
      if (key.asymmetricKeyType !== keyType) {
        throw new Error(
          `simulator account ${a.apiKey}: publicKeyPem is ${key.asymmetricKeyType}, not ${keyType}`,
        );
      }
      if (keyType === "ed25519") return { type: "ed25519", key };
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      // Binance accepts RSA keys of 2048 or 4096 bits only.
      if (bits !== 2048 && bits !== 4096) {
        throw new Error(
          `simulator account ${a.apiKey}: RSA key has ${bits} bits; Binance takes 2048 or 4096`,
        );
      }
      return { type: "rsa", key, modulusBytes: bits / 8 };
    }
    default: {
      const never: never = keyType;
      throw new Error(`simulator account: unknown keyType ${String(never)}`);
    }
  }
}

function decodeBase64Signature(sig: Segment, expectedBytes: number): Buffer {
  const rawValue = sig.raw.slice(sig.raw.indexOf("=") + 1);
  if (!ENCODED_BASE64_RAW.test(rawValue)) {
    throw E.badSignature("the base64 signature is not percent-encoded ('+', '/' or '=' sent raw)");
  }
  const b64 = sig.value;
  if (!BASE64.test(b64) || b64.length % 4 !== 0) throw E.badSignature("the signature is not valid base64");
  const bytes = Buffer.from(b64, "base64");
  if (bytes.length !== expectedBytes) {
    throw E.badSignature(`the signature has ${bytes.length} bytes, expected ${expectedBytes}`);
  }
  return bytes;
}

/** Throws -1022 unless `sig` is a valid signature of `payload` (the exact bytes received). */
export function verifySignature(key: VerifyKey, payload: string, sig: Segment): void {
  const data = Buffer.from(payload, "latin1");
  switch (key.type) {
    case "hmac": {
      if (!HEX64.test(sig.value)) throw E.badSignature("an HMAC signature is 64 lowercase hex characters");
      const expected = Buffer.from(createHmac("sha256", key.secret).update(data).digest("hex"), "latin1");
      if (!timingSafeEqual(expected, Buffer.from(sig.value, "latin1"))) {
        throw E.badSignature(`HMAC-SHA256 mismatch over payload '${payload}'`);
      }
      return;
    }
    case "ed25519": {
      const bytes = decodeBase64Signature(sig, 64);
      if (!verify(null, data, key.key, bytes))
        throw E.badSignature(`Ed25519 mismatch over payload '${payload}'`);
      return;
    }
    case "rsa": {
      const bytes = decodeBase64Signature(sig, key.modulusBytes);
      const ok = verify("sha256", data, { key: key.key, padding: constants.RSA_PKCS1_PADDING }, bytes);
      if (!ok) throw E.badSignature(`RSA-SHA256 (PKCS#1 v1.5) mismatch over payload '${payload}'`);
      return;
    }
  }
}
