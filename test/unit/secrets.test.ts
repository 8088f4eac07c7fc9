import { createHash, randomBytes } from "node:crypto";
import {
  accountBinding,
  generateMasterKey,
  MasterKeyError,
  metaBinding,
  parseMasterKey,
  SealedSecretError,
  SecretSealer,
  type MasterKey,
} from "../../src/secrets";
import { sealV1 } from "../helpers/sealed-v1";

const keyOf = (fill: number): MasterKey => parseMasterKey(Buffer.alloc(32, fill).toString("base64"));

describe("parseMasterKey", () => {
  it("accepts base64 of 32 bytes (standard or URL-safe, padding optional, surrounding whitespace)", () => {
    const raw = randomBytes(32);
    const id = createHash("sha256").update(raw).digest("hex").slice(0, 8);
    for (const text of [
      raw.toString("base64"),
      raw.toString("base64").replace(/=+$/, ""),
      raw.toString("base64url"),
      `  ${raw.toString("base64")}\n`,
    ]) {
      const k = parseMasterKey(text);
      expect(k.key.equals(raw)).toBe(true);
      expect(k.id).toBe(id);
    }
  });

  it("generates keys it accepts", () => {
    const a = generateMasterKey();
    expect(parseMasterKey(a).key).toHaveLength(32);
    expect(generateMasterKey()).not.toBe(a);
  });

  it.each([
    [undefined, /^GATEWAY_MASTER_KEY is not set: it must be the base64 encoding of exactly 32 random bytes/],
    ["", /^GATEWAY_MASTER_KEY is empty: /],
    ["   \n", /^GATEWAY_MASTER_KEY is empty: /],
    ["not base64!", /^GATEWAY_MASTER_KEY is not valid base64: /],
    ["abc$def", /^GATEWAY_MASTER_KEY is not valid base64: /],
    [Buffer.alloc(32).toString("base64").slice(0, -2) + "=a", /^GATEWAY_MASTER_KEY is not valid base64: /],
    [Buffer.alloc(16).toString("base64"), /^GATEWAY_MASTER_KEY decodes to 16 bytes, not 32: /],
    [Buffer.alloc(33).toString("base64"), /^GATEWAY_MASTER_KEY decodes to 33 bytes, not 32: /],
    ["QUJD", /^GATEWAY_MASTER_KEY decodes to 3 bytes, not 32: /],
  ])("refuses %j with a message naming the variable", (value, message) => {
    expect(() => parseMasterKey(value)).toThrow(MasterKeyError);
    expect(() => parseMasterKey(value)).toThrow(message);
  });

  it("names another variable when asked, and never echoes the value", () => {
    const secretish = "c2VjcmV0LXZhbHVl";
    expect(() => parseMasterKey(secretish, "OLD_MASTER_KEY")).toThrow(/^OLD_MASTER_KEY decodes to 12 bytes/);
    expect(() => parseMasterKey(secretish)).not.toThrow(new RegExp(secretish));
  });
});

describe("SecretSealer", () => {
  const B = accountBinding("desk-a");
  const k1 = keyOf(1);
  const k2 = keyOf(2);
  const sealer = new SecretSealer(k1);

  it("round-trips text, including empty, unicode and PEM-sized values", () => {
    const pem = `-----BEGIN PRIVATE KEY-----\n${randomBytes(1200).toString("base64")}\n-----END PRIVATE KEY-----\n`;
    for (const text of ["", "hmac-secret", "ключ 🔑 \u0000 end", pem]) {
      expect(sealer.open(sealer.seal(text, B), B)).toBe(text);
    }
  });

  it("writes v2.<key id>.<iv>.<tag>.<ciphertext> with a 12-byte IV and a 16-byte tag", () => {
    const sealed = sealer.seal("hmac-secret", B);
    const [v, id, iv, tag, ct] = sealed.split(".");
    expect(v).toBe("v2");
    expect(id).toBe(k1.id);
    expect(id).toMatch(/^[0-9a-f]{8}$/);
    expect(Buffer.from(iv ?? "", "base64url")).toHaveLength(12);
    expect(Buffer.from(tag ?? "", "base64url")).toHaveLength(16);
    expect(Buffer.from(ct ?? "", "base64url")).toHaveLength("hmac-secret".length);
    expect(sealed).not.toContain("hmac-secret");
    expect(sealer.keyIdOf(sealed)).toBe(k1.id);
    expect(sealer.currentKeyId).toBe(k1.id);
  });

  it("uses a fresh IV every time", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const [, , iv, , ct] = sealer.seal("same", B).split(".");
      seen.add(`${iv}`);
      expect(ct).toBeDefined();
    }
    expect(seen.size).toBe(200);
    expect(sealer.seal("same", B)).not.toBe(sealer.seal("same", B));
  });

  describe("detects tampering with every part", () => {
    const sealed = sealer.seal("a secret of some length", B);
    const parts = sealed.split(".");
    /** flips one bit in the decoded bytes of part i, keeping a canonical encoding */
    const flip = (i: number, byte = 0): string => {
      const copy = [...parts];
      const b = Buffer.from(copy[i] ?? "", "base64url");
      b[byte] = (b[byte] ?? 0) ^ 0x01;
      copy[i] = b.toString("base64url");
      return copy.join(".");
    };

    it.each([
      ["IV", 2],
      ["tag", 3],
      ["ciphertext", 4],
    ])("%s", (_name, i) => {
      expect(() => sealer.open(flip(i), B)).toThrow(SealedSecretError);
      expect(() => sealer.open(flip(i), B)).toThrow(
        `stored secret sealed under master key ${k1.id} does not decrypt: it was altered, moved from another account, or the key is not the one it was sealed with (wrong GATEWAY_MASTER_KEY?)`,
      );
    });

    it("ciphertext, at its last byte", () => {
      const len = Buffer.from(parts[4] ?? "", "base64url").length;
      expect(() => sealer.open(flip(4, len - 1), B)).toThrow(/does not decrypt/);
    });

    it("key id: swapped for another configured key's id (it is the additional data)", () => {
      const both = new SecretSealer(k1, [k2]);
      const swapped = [parts[0], k2.id, ...parts.slice(2)].join(".");
      expect(() => both.open(swapped, B)).toThrow(`master key ${k2.id} does not decrypt`);
    });

    it("key id: changed to an unknown one", () => {
      const swapped = [parts[0], "deadbeef", ...parts.slice(2)].join(".");
      expect(() => sealer.open(swapped, B)).toThrow(
        "stored secret was sealed under master key deadbeef, which is not configured (wrong GATEWAY_MASTER_KEY?)",
      );
    });

    it("version", () => {
      expect(() => sealer.open(["v3", ...parts.slice(1)].join("."), B)).toThrow(
        /not in the v2 or v1 sealed format/,
      );
    });

    it("structure: truncated, extended, re-encoded, non-canonical, short tag", () => {
      const tagShort = Buffer.from(parts[3] ?? "", "base64url")
        .subarray(0, 12)
        .toString("base64url");
      const ivPadded = `${parts[2]}==`;
      const bad = [
        parts.slice(0, 4).join("."),
        `${sealed}.x`,
        "",
        sealed.replace(/^v2\./, "V2."),
        [parts[0], parts[1], ivPadded, parts[3], parts[4]].join("."),
        [parts[0], parts[1], parts[2], tagShort, parts[4]].join("."),
        [parts[0], parts[1], parts[2], parts[3], `${parts[4]}*`].join("."),
        [parts[0], "DEADBEEF", parts[2], parts[3], parts[4]].join("."),
      ];
      for (const b of bad) expect(() => sealer.open(b, B)).toThrow(SealedSecretError);
    });

    it("a non-canonical base64url character in the ciphertext", () => {
      // The last character of an unpadded base64url string carries unused low bits; changing only those
      // decodes to the same bytes, which must still count as tampering.
      const ct = parts[4] ?? "";
      if (ct.length % 4 === 0) return; // no spare bits at this length
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      const last = alphabet.indexOf(ct[ct.length - 1] ?? "A");
      const twin = alphabet[last ^ 1] ?? "A";
      const variant = [...parts.slice(0, 4), ct.slice(0, -1) + twin].join(".");
      expect(() => sealer.open(variant, B)).toThrow(SealedSecretError);
    });
  });

  it("refuses a value sealed under a key that is not configured, naming GATEWAY_MASTER_KEY", () => {
    const other = new SecretSealer(k2);
    expect(() => other.open(sealer.seal("x", B), B)).toThrow(
      `stored secret was sealed under master key ${k1.id}, which is not configured (wrong GATEWAY_MASTER_KEY?)`,
    );
  });

  it("opens values sealed under an older key, and seals only under the current one", () => {
    const old = new SecretSealer(k1).seal("before rotation", B);
    const rotated = new SecretSealer(k2, [k1]);
    expect(rotated.open(old, B)).toBe("before rotation");
    expect(rotated.keyIdOf(rotated.seal("after", B))).toBe(k2.id);
  });

  it("binds a value to its account: another account's row does not open it", () => {
    const sealed = sealer.seal("desk-a's secret", B);
    expect(() => sealer.open(sealed, accountBinding("desk-b"))).toThrow(/moved from another account/);
    expect(() => sealer.open(sealed, metaBinding("master_key_check"))).toThrow(SealedSecretError);
  });

  it("opens an unbound v1 value only through openUnbound, for re-sealing", () => {
    const v1 = sealV1(k1, "from an older gateway");
    expect(() => sealer.open(v1, B)).toThrow(/v1 format, not bound/);
    expect(sealer.openUnbound(v1, B)).toBe("from an older gateway");
    expect(sealer.isBound(v1)).toBe(false);
    expect(sealer.isBound(sealer.seal("x", B))).toBe(true);
  });

  it("refuses two different keys with one id", () => {
    const fake: MasterKey = { id: k1.id, key: k2.key };
    expect(() => new SecretSealer(k1, [fake])).toThrow(/share the id/);
    expect(() => new SecretSealer(k1, [k1])).not.toThrow();
  });

  describe("check value", () => {
    it("verifies under the same key, and under a rotation that keeps the old key", () => {
      const check = sealer.checkValue();
      expect(() => new SecretSealer(k1).verifyCheckValue(check)).not.toThrow();
      expect(() => new SecretSealer(k2, [k1]).verifyCheckValue(check)).not.toThrow();
    });

    it("refuses another key with a message naming GATEWAY_MASTER_KEY and both key ids", () => {
      const check = sealer.checkValue();
      expect(() => new SecretSealer(k2).verifyCheckValue(check)).toThrow(
        `GATEWAY_MASTER_KEY is not the key this database was initialised with (database: key id ${k1.id}; configured: key id ${k2.id}); set GATEWAY_MASTER_KEY to the original key`,
      );
    });

    it("refuses a garbled check value and a sealed value that is not the check text", () => {
      expect(() => sealer.verifyCheckValue("garbage")).toThrow(/^GATEWAY_MASTER_KEY is not the key/);
      expect(() =>
        sealer.verifyCheckValue(sealer.seal("something else", metaBinding("master_key_check"))),
      ).toThrow(/not recognised/);
    });
  });
});
