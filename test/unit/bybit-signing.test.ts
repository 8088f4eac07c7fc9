import { createHmac } from "node:crypto";
import { bybitSignText, createBybitSigner, mmpModifyBody } from "../../src/exchange/bybit";

/**
 * Bybit's docs (guide.mdx) show example signatures but publish no secret, so they cannot be
 * reproduced. These vectors are self-made: the expected value is computed here with node:crypto over
 * the documented plain text, and pinned known answers (computed once with OpenSSL 3) guard against both
 * sides drifting together.
 */
const TS = 1658385579423;
const KEY = "XXXXXXXXXX";
const RECV = 5000;
const SECRET = "bybit-test-secret";
const MODIFY_BODY =
  '{"baseCoin":"ETH","window":"5000","frozenPeriod":"100000","qtyLimit":"50","deltaLimit":"20"}';

describe("Bybit V5 signing", () => {
  it("signs timestamp + apiKey + recvWindow + payload, with no separators", () => {
    expect(bybitSignText(TS, KEY, RECV, "baseCoin=ETH")).toBe("1658385579423XXXXXXXXXX5000baseCoin=ETH");
    expect(bybitSignText(TS, KEY, RECV, MODIFY_BODY)).toBe(`1658385579423XXXXXXXXXX5000${MODIFY_BODY}`);
  });

  it("matches an HMAC-SHA256 computed independently over the documented string", () => {
    const sign = createBybitSigner(SECRET);
    const text = `${TS}${KEY}${RECV}category=option&symbol=BTC-29JUL22-25000-C`;
    const expected = createHmac("sha256", Buffer.from(SECRET, "utf8")).update(text, "utf8").digest("hex");
    expect(sign(text)).toBe(expected);
    expect(sign(text)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("pinned known answers: POST mmp-modify body and GET mmp-state query", () => {
    const sign = createBybitSigner(SECRET);
    expect(sign(bybitSignText(TS, KEY, RECV, MODIFY_BODY))).toBe(
      "d879c21b527729cd04a63cde048275550bc8f74bf98a12c4b72448424aa9b742",
    );
    expect(sign(bybitSignText(TS, KEY, RECV, "baseCoin=ETH"))).toBe(
      "3032f13c358ff647e521157c561ff3ac346483bdbf11a0458c3b1e50f7022503",
    );
  });

  it("the gateway builds exactly the body of the pinned vector from its settings", () => {
    expect(
      mmpModifyBody({
        baseCoin: "ETH",
        windowMs: 5000,
        frozenPeriodMs: 100000n,
        qtyLimit: "50",
        deltaLimit: "20",
      }),
    ).toBe(MODIFY_BODY);
  });

  it("refuses an empty secret", () => {
    expect(() => createBybitSigner("")).toThrow(/empty/);
  });
});
