import { parseJsonExact } from "../../src/exchange/binance";
import {
  mapHttpStatus,
  mapRetCode,
  parseEnvelope,
  parseInstrumentsPage,
  parseMmpState,
  parseOptionBaseCoins,
  parseServerTime,
} from "../../src/exchange/bybit";

const ctx = (mutation: boolean) => ({
  mutation,
  path: "/v5/account/mmp-modify",
  nowMs: 1_000_000,
  offsetMs: 0,
});
const env = (text: string) => parseEnvelope(parseJsonExact(text));
const answer = (headers: Record<string, string> = {}, status = 200, body = "") => ({ status, body, headers });

describe("Bybit answers", () => {
  it("reads the documented mmp-state example, with the doubly nested result", () => {
    const e = env(
      '{"retCode":0,"retMsg":"OK","result":{"result":[{"baseCoin":"BTC","mmpEnabled":true,"window":"5000","frozenPeriod":"100000","qtyLimit":"0.01","deltaLimit":"0.01","vegaLimit":"500000","mmpFrozenUntil":"1675760625519","mmpFrozen":false}]},"retExtInfo":{},"time":1675843188984}',
    );
    expect(e.retCode).toBe(0);
    expect(e.time).toBe(1675843188984);
    expect(parseMmpState(e.result, "BTC")).toEqual({
      baseCoin: "BTC",
      mmpEnabled: true,
      windowMs: 5000,
      frozenPeriodMs: 100000n,
      qtyLimit: "0.01",
      deltaLimit: "0.01",
      vegaLimit: "500000",
      mmpFrozen: false,
      // not frozen: Bybit says to ignore mmpFrozenUntil
      mmpFrozenUntil: 0n,
    });
    expect(parseMmpState(e.result, "ETH")).toBeNull();
  });

  it("frozen: mmpFrozenUntil kept exact; no vegaLimit field gives null", () => {
    const e = env(
      '{"retCode":0,"retMsg":"OK","result":{"result":[{"baseCoin":"ETH","mmpEnabled":true,"window":"1","frozenPeriod":"9007199254740993","qtyLimit":"1.5","deltaLimit":"2","mmpFrozenUntil":"9007199254740993","mmpFrozen":true}]},"time":1}',
    );
    const s = parseMmpState(e.result, "ETH")!;
    expect(s.frozenPeriodMs).toBe(9007199254740993n);
    expect(s.mmpFrozenUntil).toBe(9007199254740993n);
    expect(s.vegaLimit).toBeNull();
  });

  it("refuses malformed rows", () => {
    expect(() => parseMmpState(env('{"retCode":0,"result":{"list":[]}}').result, "BTC")).toThrow();
    expect(() =>
      parseMmpState(
        env('{"retCode":0,"result":{"result":[{"baseCoin":"BTC","mmpEnabled":true,"window":5000}]}}').result,
        "BTC",
      ),
    ).toThrow(/window/);
    expect(() => env('{"retMsg":"x"}')).toThrow(/retCode/);
  });

  it("server time from timeNano, exact to the millisecond", () => {
    const e = env(
      '{"retCode":0,"retMsg":"OK","result":{"timeSecond":"1688639403","timeNano":"1688639403423213947"},"retExtInfo":{},"time":1688639403423}',
    );
    expect(parseServerTime(e.result)).toBe(1688639403423);
  });

  it("base coins: option-base-coins with hasSymbol 1, and instruments pages", () => {
    expect(
      parseOptionBaseCoins(
        env(
          '{"retCode":0,"result":{"list":[{"baseCoin":"BTC","hasSymbol":1},{"baseCoin":"NEW","hasSymbol":0},{"baseCoin":"ETH","hasSymbol":1}]}}',
        ).result,
      ),
    ).toEqual(["BTC", "ETH"]);
    expect(
      parseInstrumentsPage(
        env(
          '{"retCode":0,"result":{"category":"option","nextPageCursor":"abc","list":[{"symbol":"BTC-1","baseCoin":"BTC"}]}}',
        ).result,
      ),
    ).toEqual({ coins: ["BTC"], nextPageCursor: "abc" });
  });

  it("retCode 10006 is RATE_LIMITED until X-Bapi-Limit-Reset-Timestamp (on Bybit's clock)", () => {
    const m = mapRetCode(
      env('{"retCode":10006,"retMsg":"Too many visits!"}'),
      answer({ "x-bapi-limit-reset-timestamp": String(1_000_000 + 500 + 2_400) }),
      { ...ctx(true), offsetMs: 500 },
    );
    expect(m.error.extensions).toEqual({ code: "RATE_LIMITED", retryAfterSeconds: 3 });
    expect(m.endpointBackoffUntil).toBe(1_000_000 + 3_000);
  });

  it("other retCodes are EXCHANGE_REJECTED with code and message; 10016 is UNKNOWN for a POST", () => {
    const r = mapRetCode(
      env(
        '{"retCode":110065,"retMsg":"MMP hasn\'t yet been enabled for your account. Please contact your BD manager."}',
      ),
      answer(),
      ctx(true),
    );
    expect(r.error.extensions).toMatchObject({ code: "EXCHANGE_REJECTED", exchangeCode: 110065 });
    expect(r.error.message).toMatch(/BD manager/);
    const u = mapRetCode(env('{"retCode":10016,"retMsg":"Internal System Error."}'), answer(), ctx(true));
    expect(u.error.extensions).toMatchObject({
      code: "EXCHANGE_UNAVAILABLE",
      outcome: "UNKNOWN",
      exchangeCode: 10016,
    });
    expect(
      mapRetCode(env('{"retCode":10016,"retMsg":"x"}'), answer(), ctx(false)).error.extensions.outcome,
    ).toBe("NOT_APPLIED");
  });

  it("HTTP 403 (access too frequent) backs the host off for at least 10 minutes", () => {
    const m = mapHttpStatus(answer({}, 403, "access too frequent"), ctx(true));
    expect(m.error.extensions).toEqual({ code: "RATE_LIMITED", retryAfterSeconds: 600 });
    expect(m.hostBackoffUntil).toBe(1_000_000 + 600_000);
    const t = mapHttpStatus(answer({ "retry-after": "7" }, 429, ""), ctx(false));
    expect(t.error.extensions).toEqual({ code: "RATE_LIMITED", retryAfterSeconds: 7 });
    expect(mapHttpStatus(answer({}, 502, "<html>"), ctx(true)).error.extensions).toEqual({
      code: "EXCHANGE_UNAVAILABLE",
      outcome: "UNKNOWN",
    });
  });
});
