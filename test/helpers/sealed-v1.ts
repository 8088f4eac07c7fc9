/**
 * A value in the v1 sealed format, as gateways wrote it before secrets were bound to their account
 * (AES-256-GCM, additional data: the key id alone): for tests of the upgrade and of v1 handling.
 */
import { createCipheriv, randomBytes } from "node:crypto";
import type { MasterKey } from "../../src/secrets";

export function sealV1(key: MasterKey, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key.key, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(key.id, "ascii"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", key.id, iv, cipher.getAuthTag(), ciphertext]
    .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
    .join(".");
}
