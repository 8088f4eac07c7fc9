/**
 * Key material for simulator accounts (demo and tests): the public half is registered with the
 * simulator, the private half (`secret`) is what the gateway is given, exactly as with a real Binance key.
 */
import { generateKeyPairSync, randomInt } from "node:crypto";
import type { KeyType } from "../domain";

export interface GeneratedAccountKeys {
  /** a Binance-looking API key: 64 random letters and digits */
  apiKey: string;
  /** hmac: the shared secret (64 random letters and digits); ed25519/rsa: the PKCS#8 PEM private key */
  secret: string;
  /** ed25519/rsa: the SPKI PEM public key to register with the simulator */
  publicKeyPem?: string;
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function randomAlnum(length: number): string {
  let s = "";
  // randomInt is unbiased, unlike taking random bytes modulo 62.
  for (let i = 0; i < length; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

export function generateAccountKeys(keyType: KeyType): GeneratedAccountKeys {
  const apiKey = randomAlnum(64);
  switch (keyType) {
    case "hmac":
      return { apiKey, secret: randomAlnum(64) };
    case "ed25519": {
      const { privateKey, publicKey } = generateKeyPairSync("ed25519", {
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" },
      });
      return { apiKey, secret: privateKey, publicKeyPem: publicKey };
    }
    case "rsa": {
      const { privateKey, publicKey } = generateKeyPairSync("rsa", {
        modulusLength: 2048,
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" },
      });
      return { apiKey, secret: privateKey, publicKeyPem: publicKey };
    }
  }
}
