import { createHmac } from "node:crypto";
import { createOkxSigner, mmpConfigBody, okxSignText, okxTimestamp } from "../../src/exchange/okx";

/**
 * Vectors computed from the secret and timestamp of OKX's REST authentication example
 * (https://www.okx.com/docs-v5/en/#overview-rest-authentication-signature). They are not OKX's
 * official answers: each was computed here with node:crypto and cross-checked with OpenSSL 3
 * (`openssl dgst -sha256 -hmac <secret> -binary | base64`) before being pinned.
 */
const SECRET = "22582BD0CFF14C41EDBF1AB98506286D";
const TS = "2020-12-08T09:08:57.715Z";
const SET_BODY = '{"instFamily":"BTC-USD","timeInterval":"5000","frozenInterval":"2000","qtyLimit":"100"}';

describe("OKX v5 signing", () => {
  it("signs timestamp + METHOD + requestPath (with query) + body, with no separators", () => {
    expect(okxSignText(TS, "post", "/api/v5/account/mmp-config", SET_BODY)).toBe(
      `${TS}POST/api/v5/account/mmp-config${SET_BODY}`,
    );
    expect(okxSignText(TS, "GET", "/api/v5/account/mmp-config?instFamily=BTC-USD", "")).toBe(
      `${TS}GET/api/v5/account/mmp-config?instFamily=BTC-USD`,
    );
  });

  it("pinned: POST mmp-config with the documented example body", () => {
    const sign = createOkxSigner(SECRET);
    expect(sign(okxSignText(TS, "POST", "/api/v5/account/mmp-config", SET_BODY))).toBe(
      "Iidrjjf0Rw/qC5xDC4pBYLiwXUHPIAG+iC/vqFd96kU=",
    );
  });

  it("pinned: GET mmp-config?instFamily=BTC-USD and the docs' own GET balance?ccy=BTC", () => {
    const sign = createOkxSigner(SECRET);
    expect(sign(okxSignText(TS, "GET", "/api/v5/account/mmp-config?instFamily=BTC-USD", ""))).toBe(
      "VCwNoGWjipwCdF0tcofc7+femcXaWx1Fj3qQtkR0dfw=",
    );
    expect(sign(okxSignText(TS, "GET", "/api/v5/account/balance?ccy=BTC", ""))).toBe(
      "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY=",
    );
  });

  it("matches an HMAC-SHA256 Base64 computed independently", () => {
    const text = `${TS}POST/api/v5/account/mmp-reset{"instType":"OPTION","instFamily":"ETH-USD"}`;
    const expected = createHmac("sha256", Buffer.from(SECRET, "utf8")).update(text, "utf8").digest("base64");
    expect(createOkxSigner(SECRET)(text)).toBe(expected);
  });

  it("the gateway builds exactly the body of the pinned vector, in OKX's key order", () => {
    expect(
      mmpConfigBody({
        instFamily: "BTC-USD",
        timeIntervalMs: 5000,
        frozenIntervalMs: 2000n,
        qtyLimit: "100",
      }),
    ).toBe(SET_BODY);
  });

  it("timestamps are ISO 8601 UTC with milliseconds", () => {
    expect(okxTimestamp(Date.parse(TS))).toBe(TS);
    expect(okxTimestamp(0)).toBe("1970-01-01T00:00:00.000Z");
  });

  it("refuses an empty secret", () => {
    expect(() => createOkxSigner("")).toThrow(/empty/);
  });
});
