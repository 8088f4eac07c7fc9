import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { createSigner, SignerKeyError } from "../../src/exchange/binance/signer";

const SPOT_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
const OPTIONS_SECRET = "YtP1BudNOWZE1ag5uzCkh4hIC7qSmQOu797r5EJBFGhxBYivjj8HIX0iiiPof5yG";
const MMP_SET_PAYLOAD =
  "underlying=BTCUSDT&windowTimeInMilliseconds=3000&frozenTimeInMilliseconds=300000&qtyLimit=2&deltaLimit=2.3" +
  "&recvWindow=5000&timestamp=1499827319559";
// One RSA key for the whole file: generating them is slow.
const RSA_PEM = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();
const ED25519_PEM =
  "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f\n-----END PRIVATE KEY-----\n";

describe("HMAC-SHA256 signer (the signing examples of Binance's API documentation)", () => {
  it.each([
    [
      "spot docs",
      SPOT_SECRET,
      "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
      "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71",
    ],
    [
      "options docs",
      OPTIONS_SECRET,
      "symbol=BTC-210129-40000-C&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=2000&recvWindow=5000&timestamp=1611825601400",
      "7c12045972f6140e765e0f2b67d28099718df805732676494238f50be830a7d7",
    ],
    [
      "options docs, split query + body (no separator)",
      OPTIONS_SECRET,
      "symbol=BTC-210129-40000-C&side=BUY&type=LIMIT&timeInForce=GTC" +
        "quantity=0.01&price=2000&recvWindow=5000&timestamp=1611825601400",
      "fa6045c54fb02912b766442be1f66fab619217e551a4fb4f8a1ee000df914d8e",
    ],
    [
      "mmpSet",
      SPOT_SECRET,
      MMP_SET_PAYLOAD,
      "3f52cc9e32689ef02dfe1b693091b8d95a974fb439fe2aebdfdf2a1254e71f56",
    ],
  ])("%s", (_name, secret, payload, expected) => {
    expect(createSigner("hmac", secret)(payload)).toBe(expected);
  });

  it("is reusable: the same signer gives the same answer twice (no shared HMAC state)", () => {
    const sign = createSigner("hmac", SPOT_SECRET);
    expect(sign(MMP_SET_PAYLOAD)).toBe(sign(MMP_SET_PAYLOAD));
  });

  it("refuses an empty secret", () => {
    expect(() => createSigner("hmac", "")).toThrow(SignerKeyError);
  });
});

describe("Ed25519 signer", () => {
  it("matches the vector built on Binance's documented example key", () => {
    expect(createSigner("ed25519", ED25519_PEM)(MMP_SET_PAYLOAD)).toBe(
      "f7c2jpAR/qliJHMI33vcKSC/9gfrutkcKb7B4aiP5DtWN3aFpDrJ7uct/5P47eumRQH7t8po6UnAp5nHAELRAQ==",
    );
  });

  it("accepts surrounding whitespace", () => {
    expect(createSigner("ed25519", `\n  ${ED25519_PEM}\n`)(MMP_SET_PAYLOAD)).toMatch(/^f7c2jpAR/);
  });

  it.each([
    ["not a PEM", "MC4CAQAwBQYDK2VwBCIEIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f", /not a PEM/],
    ["a corrupt body", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", /could not be parsed/],
    [
      "an encrypted key",
      "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----",
      /passphrase/,
    ],
    ["a public key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", /public key/],
  ])("gives a clear error for %s, without echoing the key", (_name, pem, message) => {
    let caught: unknown;
    try {
      createSigner("ed25519", pem);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SignerKeyError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain("AAAA");
    expect((caught as Error).message).not.toContain("MC4CAQ");
  });

  it("refuses an RSA key given as ed25519", () => {
    expect(() => createSigner("ed25519", RSA_PEM)).toThrow(/expected an Ed25519 private key, got a rsa key/);
  });
});

describe("RSA signer", () => {
  const pem = RSA_PEM;

  it("produces a PKCS#1 v1.5 SHA-256 signature (base64) that verifies with the derived public key", () => {
    const signature = createSigner("rsa", pem)(MMP_SET_PAYLOAD);
    expect(signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(signature, "base64")).toHaveLength(256);
    const publicKey = createPublicKey(pem);
    expect(verify("sha256", Buffer.from(MMP_SET_PAYLOAD), publicKey, Buffer.from(signature, "base64"))).toBe(
      true,
    );
    expect(
      verify("sha256", Buffer.from(MMP_SET_PAYLOAD + "x"), publicKey, Buffer.from(signature, "base64")),
    ).toBe(false);
  });

  it("is deterministic (PKCS#1 v1.5, not PSS)", () => {
    const sign = createSigner("rsa", pem);
    expect(sign("a=1")).toBe(sign("a=1"));
  });

  it("refuses keys below 2048 bits and ed25519 keys", () => {
    const small = generateKeyPairSync("rsa", { modulusLength: 1024 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    expect(() => createSigner("rsa", small)).toThrow(/1024 bits/);
    expect(() => createSigner("rsa", ED25519_PEM)).toThrow(/expected an RSA private key/);
  });
});
