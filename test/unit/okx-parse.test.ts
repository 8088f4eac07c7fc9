import { parseJsonExact } from "../../src/exchange/binance";
import {
  EndpointLimiter,
  OKX_LIMITS,
  frozenUntilMs,
  mapHttpStatus,
  mapOkxCode,
  parseCancelAllAfter,
  parseEnvelope,
  parseMmpConfigAnswer,
  parseMmpState,
  parseResetResult,
  parseServerTime,
  parseUnderlyings,
} from "../../src/exchange/okx";

const env = (text: string) => parseEnvelope(parseJsonExact(text));
const answer = (status = 200, headers: Record<string, string> = {}, body = "") => ({ status, body, headers });
const ctx = (mutation: boolean) => ({ mutation, path: "/api/v5/account/mmp-config", nowMs: 1_000_000 });
const AT = 1_700_000_000_000;

describe("OKX answers", () => {
  it("reads the documented Get MMP Config example; code is a string", () => {
    const e = env(
      '{"code":"0","data":[{"frozenInterval":"2000","instFamily":"ETH-USD","mmpFrozen":true,"mmpFrozenUntil":"1000","qtyLimit":"10","timeInterval":"5000"}],"msg":""}',
    );
    expect(e.code).toBe(0);
    // the docs' "1000" is read as 1000 ms remaining from the answer's time
    expect(parseMmpState(e.data, "ETH-USD", AT)).toEqual({
      instFamily: "ETH-USD",
      timeIntervalMs: 5000,
      frozenIntervalMs: 2000n,
      qtyLimit: "10",
      mmpFrozen: true,
      mmpFrozenUntil: BigInt(AT) + 1000n,
    });
    expect(parseMmpState(e.data, "BTC-USD", AT)).toBeNull();
    expect(parseMmpState(env('{"code":"0","msg":"","data":[]}').data, "BTC-USD", AT)).toBeNull();
  });

  it("mmpFrozenUntil: epoch ms when >= 10^11, remaining ms otherwise, 0 when empty or not frozen", () => {
    expect(frozenUntilMs("1700000005000", true, AT)).toBe(1700000005000n);
    expect(frozenUntilMs("100000000000", true, AT)).toBe(100000000000n);
    expect(frozenUntilMs("99999999999", true, AT)).toBe(BigInt(AT) + 99999999999n);
    expect(frozenUntilMs("0", true, AT)).toBe(BigInt(AT));
    expect(frozenUntilMs("", true, AT)).toBe(0n);
    expect(frozenUntilMs("1700000005000", false, AT)).toBe(0n);
    expect(() => frozenUntilMs("-5", true, AT)).toThrow(/mmpFrozenUntil/);
    expect(() => frozenUntilMs(undefined, true, AT)).toThrow(/mmpFrozenUntil/);
  });

  it("refuses rows it cannot read exactly", () => {
    const row = (o: Record<string, unknown>) =>
      env(
        JSON.stringify({
          code: "0",
          msg: "",
          data: [
            {
              instFamily: "BTC-USD",
              timeInterval: "5000",
              frozenInterval: "0",
              qtyLimit: "1",
              mmpFrozen: false,
              mmpFrozenUntil: "",
              ...o,
            },
          ],
        }),
      ).data;
    expect(() => parseMmpState(row({ timeInterval: 5000 }), "BTC-USD", AT)).toThrow(/timeInterval/);
    expect(() => parseMmpState(row({ qtyLimit: "1e3" }), "BTC-USD", AT)).toThrow(/qtyLimit/);
    expect(() => parseMmpState(row({ mmpFrozen: "true" }), "BTC-USD", AT)).toThrow(/mmpFrozen/);
    expect(() => parseMmpState(env('{"code":"0","msg":"","data":{}}').data, "BTC-USD", AT)).toThrow(/list/);
  });

  it("the set answer, reset result, cancel-all-after (ms or seconds), time and families", () => {
    expect(
      parseMmpConfigAnswer(
        env(
          '{"code":"0","msg":"","data":[{"frozenInterval":"2000","instFamily":"BTC-USD","qtyLimit":"100","timeInterval":"5000"}]}',
        ).data,
        "BTC-USD",
      ),
    ).toEqual({ instFamily: "BTC-USD", timeIntervalMs: 5000, frozenIntervalMs: 2000n, qtyLimit: "100" });
    expect(() => parseMmpConfigAnswer(env('{"code":"0","msg":"","data":[]}').data, "BTC-USD")).toThrow(
      /no item/,
    );
    expect(parseResetResult(env('{"code":"0","msg":"","data":[{"result":true}]}').data)).toBe(true);
    expect(parseResetResult(env('{"code":"0","msg":"","data":[{"result":false}]}').data)).toBe(false);
    // the docs' example values look like seconds; OKX times are otherwise ms
    expect(
      parseCancelAllAfter(
        env('{"code":"0","msg":"","data":[{"triggerTime":"1587971460","ts":"1587971400"}]}').data,
      ),
    ).toEqual({
      triggerTime: 1587971460000n,
      ts: 1587971400000n,
    });
    expect(
      parseCancelAllAfter(
        env('{"code":"0","msg":"","data":[{"triggerTime":"0","tag":"","ts":"1587971400123"}]}').data,
      ),
    ).toEqual({
      triggerTime: 0n,
      ts: 1587971400123n,
    });
    expect(parseServerTime(env('{"code":"0","msg":"","data":[{"ts":"1597026383085"}]}').data)).toBe(
      1597026383085,
    );
    expect(parseUnderlyings(env('{"code":"0","msg":"","data":[["BTC-USD","ETH-USD"]]}').data)).toEqual([
      "BTC-USD",
      "ETH-USD",
    ]);
  });

  it("an envelope without an integer code is malformed", () => {
    expect(() => env('{"msg":"","data":[]}')).toThrow(/code is missing/);
    expect(() => env('{"code":"abc","msg":"","data":[]}')).toThrow(/code is not an integer/);
    expect(() => env("[]")).toThrow(/not a JSON object/);
  });
});

describe("OKX error mapping", () => {
  it("50011 and 50061: RATE_LIMITED for the endpoint window, Retry-After preferred", () => {
    const e = env('{"code":"50011","msg":"Rate limit reached.","data":[]}');
    const m = mapOkxCode(e, answer(429), { ...ctx(true), windowSeconds: 10 });
    expect(m.error.extensions).toEqual({ code: "RATE_LIMITED", retryAfterSeconds: 10 });
    expect(m.endpointBackoffUntil).toBe(1_000_000 + 10_000);
    const s = mapOkxCode(
      env('{"code":"50061","msg":"Sub-account rate limit","data":[]}'),
      answer(429, { "retry-after": "3" }),
      ctx(false),
    );
    expect(s.error.extensions).toEqual({ code: "RATE_LIMITED", retryAfterSeconds: 3 });
    // OKX's code page lists 50011 with HTTP 200 as well as 429
    const ok200 = mapOkxCode(e, answer(200), { ...ctx(false), windowSeconds: 2 });
    expect(ok200.error.extensions).toEqual({ code: "RATE_LIMITED", retryAfterSeconds: 2 });
  });

  it("50013 systems busy (HTTP 429) and 50001 (HTTP 503) are EXCHANGE_UNAVAILABLE, not a rate limit", () => {
    const busy = mapOkxCode(
      env('{"code":"50013","msg":"Systems are busy.","data":[]}'),
      answer(429),
      ctx(true),
    );
    expect(busy.error.extensions).toMatchObject({
      code: "EXCHANGE_UNAVAILABLE",
      outcome: "UNKNOWN",
      exchangeCode: 50013,
    });
    const down = mapOkxCode(
      env('{"code":"50001","msg":"Service temporarily unavailable.","data":[]}'),
      answer(503),
      ctx(false),
    );
    expect(down.error.extensions).toMatchObject({
      code: "EXCHANGE_UNAVAILABLE",
      outcome: "NOT_APPLIED",
      exchangeCode: 50001,
    });
  });

  it.each([50102, 50105, 50111, 50113, 51000, 51034, 51035, 51036, 59509])(
    "%i is EXCHANGE_REJECTED with OKX's code (number) and message",
    (code) => {
      const m = mapOkxCode(
        env(`{"code":"${code}","msg":"m${code}","data":[]}`),
        answer(code === 51000 ? 400 : 401),
        ctx(true),
      );
      expect(m.error.extensions).toEqual({
        code: "EXCHANGE_REJECTED",
        exchangeCode: code,
        exchangeMessage: `m${code}`,
      });
    },
  );

  it("code 1 with an item sCode reports the item's code", () => {
    const m = mapOkxCode(
      env(
        '{"code":"1","msg":"Operation failed.","data":[{"sCode":"51034","sMsg":"Fill rate exceeds the limit"}]}',
      ),
      answer(),
      ctx(true),
    );
    expect(m.error.extensions).toMatchObject({
      exchangeCode: 51034,
      exchangeMessage: "Fill rate exceeds the limit",
    });
  });

  it("system errors are EXCHANGE_UNAVAILABLE: UNKNOWN for a change, NOT_APPLIED for a read", () => {
    const e = env('{"code":"50026","msg":"System error","data":[]}');
    expect(mapOkxCode(e, answer(), ctx(true)).error.extensions).toMatchObject({
      code: "EXCHANGE_UNAVAILABLE",
      outcome: "UNKNOWN",
      exchangeCode: 50026,
    });
    expect(mapOkxCode(e, answer(), ctx(false)).error.extensions.outcome).toBe("NOT_APPLIED");
  });

  it("HTTP without an OKX body: 429 host back-off, 404 NOT_APPLIED, 5XX UNKNOWN for a change", () => {
    const r = mapHttpStatus(answer(429, {}, "<html/>"), { ...ctx(true), windowSeconds: 2 });
    expect(r.error.extensions).toEqual({ code: "RATE_LIMITED", retryAfterSeconds: 2 });
    expect(r.hostBackoffUntil).toBe(1_002_000);
    expect(mapHttpStatus(answer(404, {}, "<html/>"), ctx(true)).error.extensions.outcome).toBe("NOT_APPLIED");
    const u = mapHttpStatus(answer(502, { "content-type": "text/html" }, "<html>x</html>"), ctx(true));
    expect(u.error.extensions).toEqual({ code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" });
    expect(u.error.message).toMatch(/HTML page/);
  });
});

describe("OKX local endpoint limits", () => {
  it("2 sets per 10 s (+ margin) per user; the third waits for the oldest to leave the window", () => {
    const l = new EndpointLimiter(100, 0.6, OKX_LIMITS);
    const ep = "POST /api/v5/account/mmp-config";
    expect(l.take("u", ep, 0)?.waitMs).toBe(0);
    expect(l.take("u", ep, 1000)?.waitMs).toBe(0);
    expect(l.take("u", ep, 2000)?.waitMs).toBe(8100);
    expect(l.take("other", ep, 2000)?.waitMs).toBe(0);
    expect(l.take("u", ep, 10_100)?.waitMs).toBe(0);
    expect(l.take("u", "GET /api/v5/account/mmp-config", 2000)?.waitMs).toBe(0);
    expect(l.take("u", "GET /api/v5/public/time", 2000)).toBeUndefined();
  });

  it("plain reads use 3 of the 5 reads per 2 s; read-backs may use the rest", () => {
    const l = new EndpointLimiter(0, 0.6, OKX_LIMITS);
    const ep = "GET /api/v5/account/mmp-config";
    for (let i = 0; i < 3; i++) expect(l.take("u", ep, i, "read")?.waitMs).toBe(0);
    expect(l.take("u", ep, 3, "read")?.waitMs).toBeGreaterThan(0);
    expect(l.take("u", ep, 3, "change")?.waitMs).toBe(0);
    expect(l.take("u", ep, 4, "change")?.waitMs).toBe(0);
    expect(l.take("u", ep, 5, "change")?.waitMs).toBe(1995);
  });
});
