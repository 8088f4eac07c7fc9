import { createHmac } from "node:crypto";
import {
  createDeribitSigner,
  deribitAuthorization,
  deribitNonce,
  deribitRequestData,
  deribitStringToSign,
  rpcBody,
  setMmpConfigParams,
} from "../../src/exchange/deribit";
import { checkDeribitHttpSignature, parseDeribitAuthHeader } from "../../src/simulator/deribit";

/**
 * Vectors from Deribit's authentication article (https://docs.deribit.com/articles/authentication):
 * Client Secret AMANDASECRECT, timestamp 1576074319000, nonce 1iqt2wls.
 */
const SECRET = "AMANDASECRECT";
const TS = 1576074319000;
const NONCE = "1iqt2wls";

describe("Deribit signing", () => {
  it("HTTP: the documented GET get_account_summary vector", () => {
    const data = deribitRequestData("get", "/api/v2/private/get_account_summary?currency=BTC", "");
    expect(data).toBe("GET\n/api/v2/private/get_account_summary?currency=BTC\n\n");
    expect(createDeribitSigner(SECRET)(deribitStringToSign(TS, NONCE, data))).toBe(
      "9bfbc51a2bc372d72cc396cf1a213dc78d42eb74cb7dc272351833ad0de276ab",
    );
  });

  it("WebSocket client_signature: the documented vector with empty data", () => {
    expect(deribitStringToSign(TS, NONCE, "")).toBe("1576074319000\n1iqt2wls\n");
    expect(createDeribitSigner(SECRET)(deribitStringToSign(TS, NONCE, ""))).toBe(
      "56590594f97921b09b18f166befe0d1319b198bbcdad7ca73382de2f88fe9aa1",
    );
  });

  it("a POST signs the exact body bytes, and the simulator's independent check agrees", () => {
    const params = setMmpConfigParams({
      indexName: "btc_usd",
      intervalSeconds: 60,
      frozenTimeSeconds: 0,
      quantityLimit: "2.5000",
      maxQuoteQuantity: "2.5",
    });
    const body = rpcBody(7, "private/set_mmp_config", params);
    expect(body).toBe(
      '{"jsonrpc":"2.0","id":7,"method":"private/set_mmp_config","params":{"index_name":"btc_usd","interval":60,"frozen_time":0,"quantity_limit":2.5000,"max_quote_quantity":2.5}}',
    );
    const uri = "/api/v2/private/set_mmp_config";
    const sig = createDeribitSigner(SECRET)(
      deribitStringToSign(TS, NONCE, deribitRequestData("POST", uri, body)),
    );
    const expected = createHmac("sha256", SECRET)
      .update(`${TS}\n${NONCE}\nPOST\n${uri}\n${body}\n`)
      .digest("hex");
    expect(sig).toBe(expected);
    const header = parseDeribitAuthHeader(deribitAuthorization("cid", TS, sig, NONCE))!;
    expect(header).toEqual({ id: "cid", ts: String(TS), sig, nonce: NONCE });
    expect(checkDeribitHttpSignature(SECRET, header, "POST", uri, body)).toBeUndefined();
    expect(checkDeribitHttpSignature(SECRET, header, "POST", uri, body.replace("2.5000", "2.5"))).toMatch(
      /mismatch/,
    );
  });

  it("the Authorization header has Deribit's scheme and field order", () => {
    expect(deribitAuthorization("AMANDA", TS, "ab", NONCE)).toBe(
      "deri-hmac-sha256 id=AMANDA,ts=1576074319000,sig=ab,nonce=1iqt2wls",
    );
  });

  it("nonces are 16 hex characters and not repeated", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const n = deribitNonce();
      expect(n).toMatch(/^[0-9a-f]{16}$/);
      seen.add(n);
    }
    expect(seen.size).toBe(200);
  });

  it("refuses an empty secret", () => {
    expect(() => createDeribitSigner("")).toThrow(/empty/);
  });
});
