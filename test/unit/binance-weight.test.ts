import { isGatewayError } from "../../src/errors";
import { ServerClock } from "../../src/exchange/binance/clock";
import {
  ExchangeInfoCache,
  parseExchangeInfo,
  type ExchangeInfo,
} from "../../src/exchange/binance/exchange-info";
import {
  RateLimitTracker,
  usedWeightFromHeaders,
  weightLimitFromExchangeInfo,
} from "../../src/exchange/binance/weight";
import { exchangeUnavailable, rateLimited } from "../../src/errors";

const H = "https://eapi.binance.com";
const MINUTE = 60_000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % MINUTE); // start of a minute

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("RateLimitTracker", () => {
  it("refuses before reaching 90% of the limit, until the minute ends", () => {
    const t = new RateLimitTracker(0.9, 2400);
    t.admit(H, 1, T0 + 1000);
    t.release(H, 1, T0 + 1000, { "x-mbx-used-weight-1m": "2159" }, true);
    t.admit(H, 1, T0 + 2000); // 2159 + 1 = 2160 = 90%
    t.release(H, 1, T0 + 2000, { "x-mbx-used-weight-1m": "2160" }, true);
    const err = caught(() => t.admit(H, 1, T0 + 15_000));
    expect(isGatewayError(err) && err.extensions).toMatchObject({
      code: "RATE_LIMITED",
      retryAfterSeconds: 45,
    });
    expect((err as Error).message).toMatch(/nothing sent/);
    // heavier calls are refused earlier
    t.admit(H, 0, T0 + 15_000);
    // a new minute window starts from zero
    expect(() => t.admit(H, 10, T0 + MINUTE)).not.toThrow();
  });

  it("counts weight in flight so concurrent calls cannot overshoot together", () => {
    const t = new RateLimitTracker(0.5, 20); // budget 10
    for (let i = 0; i < 10; i++) t.admit(H, 1, T0);
    expect(() => t.admit(H, 1, T0)).toThrow(/request weight 10 of 20/);
    t.release(H, 1, T0, { "x-mbx-used-weight-1m": "3" }, true);
    expect(t.snapshot(T0)[0]).toEqual({ host: H, usedWeight: 3 + 9, limit: 20, backoffUntil: null });
  });

  it("keeps the highest reported value (answers arrive out of order) and counts unanswered sent calls", () => {
    const t = new RateLimitTracker();
    t.admit(H, 1, T0);
    t.admit(H, 1, T0);
    t.release(H, 1, T0, { "x-mbx-used-weight-1m": "50" }, true);
    t.release(H, 1, T0, { "x-mbx-used-weight-1m": "40" }, true);
    expect(t.snapshot(T0)[0].usedWeight).toBe(50);
    t.admit(H, 10, T0);
    t.release(H, 10, T0, undefined, true);
    expect(t.snapshot(T0)[0].usedWeight).toBe(60);
    t.admit(H, 10, T0);
    t.release(H, 10, T0, undefined, false);
    expect(t.snapshot(T0)[0].usedWeight).toBe(60);
  });

  it("back-off refuses everything until it ends, with the remaining seconds", () => {
    let local = T0;
    const t = new RateLimitTracker(0.9, 2400, undefined, () => local);
    t.backOff(H, T0 + 30_000, "the exchange asked to back off (HTTP 429)", T0);
    local = T0 + 10_500;
    const err = caught(() => t.admit(H, 1, local));
    expect(isGatewayError(err) && err.extensions).toMatchObject({
      code: "RATE_LIMITED",
      retryAfterSeconds: 20,
    });
    expect((err as Error).message).toMatch(/HTTP 429.*nothing sent/);
    expect(t.snapshot(local)[0].backoffUntil).toBe(T0 + 30_000);
    // a shorter back-off never shortens a longer one
    t.backOff(H, local + 9_500, "x", local);
    local = T0 + 25_000;
    expect(() => t.admit(H, 1, local)).toThrow();
    local = T0 + 30_000;
    expect(() => t.admit(H, 1, local)).not.toThrow();
    expect(t.snapshot(local)[0].backoffUntil).toBeNull();
    // other hosts are not affected
    local = T0 + 25_000;
    expect(() => t.admit("https://other", 1, local)).not.toThrow();
  });

  it("keeps a back-off's duration on the local clock when the exchange clock estimate jumps", () => {
    let local = T0;
    const t = new RateLimitTracker(0.9, 2400, undefined, () => local);
    // Retry-After 5 s, computed on an exchange clock estimate 20 s ahead of the host
    t.backOff(H, T0 + 20_000 + 5_000, "HTTP 429", T0 + 20_000);
    local = T0 + 4_000;
    // an exchange-clock estimate far off (a resync) changes nothing
    expect(() => t.admit(H, 1, T0 - 60_000)).toThrow(/HTTP 429/);
    local = T0 + 5_001;
    expect(() => t.admit(H, 1, T0 + 90_000)).not.toThrow();
  });

  it("lets metadata calls past the weight budget, never past a back-off", () => {
    let local = T0;
    const t = new RateLimitTracker(0.9, 10, undefined, () => local);
    for (let i = 0; i < 9; i++) t.admit(H, 1, T0);
    expect(() => t.admit(H, 1, T0)).toThrow(/request weight/);
    expect(() => t.admit(H, 1, T0, "metadata")).not.toThrow();
    t.backOff(H, T0 + 1_000, "HTTP 418", T0);
    expect(() => t.admit(H, 1, T0, "metadata")).toThrow(/HTTP 418/);
    local = T0 + 1_001;
    expect(() => t.admit(H, 1, T0, "metadata")).not.toThrow();
  });

  it("uses the limit from exchangeInfo", () => {
    const t = new RateLimitTracker(0.9);
    t.setLimit(H, 100);
    t.admit(H, 1, T0);
    t.release(H, 1, T0, { "x-mbx-used-weight-1m": "90" }, true);
    expect(() => t.admit(H, 1, T0)).toThrow(/of 100 per minute/);
  });
});

describe("weight header and exchangeInfo helpers", () => {
  it("reads X-MBX-USED-WEIGHT-1M", () => {
    expect(usedWeightFromHeaders({ "x-mbx-used-weight-1m": "12" })).toBe(12);
    expect(usedWeightFromHeaders({ "x-mbx-used-weight": "7" })).toBe(7);
    expect(usedWeightFromHeaders({ "x-mbx-used-weight-1m": "junk" })).toBeUndefined();
    expect(usedWeightFromHeaders({})).toBeUndefined();
  });

  it("finds the 1-minute REQUEST_WEIGHT limit", () => {
    expect(
      weightLimitFromExchangeInfo([
        { rateLimitType: "ORDERS", interval: "MINUTE", intervalNum: 1, limit: 1200 },
        { rateLimitType: "REQUEST_WEIGHT", interval: "SECOND", intervalNum: 10, limit: 300 },
        { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: 2400 },
      ]),
    ).toBe(2400);
    expect(weightLimitFromExchangeInfo(undefined)).toBeUndefined();
  });

  it("parseExchangeInfo collects distinct underlyings", () => {
    const info = parseExchangeInfo(
      {
        optionContracts: [{ underlying: "BTCUSDT" }, { underlying: "ETHUSDT" }, { underlying: "BTCUSDT" }],
        rateLimits: [],
      },
      weightLimitFromExchangeInfo,
    );
    expect([...info.underlyings]).toEqual(["BTCUSDT", "ETHUSDT"]);
    expect(() => parseExchangeInfo({ optionContracts: [] }, weightLimitFromExchangeInfo)).toThrow(
      /no underlyings/,
    );
    expect(() => parseExchangeInfo({}, weightLimitFromExchangeInfo)).toThrow(/optionContracts/);
  });
});

describe("ServerClock", () => {
  it("syncs once for concurrent first calls, applies the mid-RTT offset, resyncs in the background", async () => {
    let local = 1_000_000;
    let fetches = 0;
    let release: () => void = () => {};
    const clock = new ServerClock(
      async () => {
        fetches++;
        if (fetches === 2) await new Promise<void>((r) => (release = r));
        return { serverTime: 1_005_050, sentAt: 1_000_000, receivedAt: 1_000_100 };
      },
      () => local,
      60_000,
    );
    const [a, b] = await Promise.all([clock.timestamp(H), clock.timestamp(H)]);
    expect(fetches).toBe(1);
    expect(clock.offset(H)).toBe(5000); // 1_005_050 - 1_000_050
    expect(a).toBe(1_005_000);
    expect(b).toBe(1_005_000);

    local += 60_000;
    // stale: answers at once with the old offset and refreshes behind the scenes
    await expect(clock.timestamp(H)).resolves.toBe(local + 5000);
    expect(fetches).toBe(2);
    await clock.timestamp(H); // a refresh is already running: no second one
    expect(fetches).toBe(2);
    release();
  });

  it("signs with the local clock when the first sync fails, and retries the sync a few seconds later", async () => {
    let fail = true;
    let local = 1_000;
    let syncs = 0;
    const clock = new ServerClock(
      async () => {
        syncs++;
        if (fail) throw exchangeUnavailable("NOT_APPLIED", "connection refused");
        return { serverTime: local + 10, sentAt: local, receivedAt: local };
      },
      () => local,
    );
    await expect(clock.timestamp(H)).resolves.toBe(1_000);
    fail = false;
    // within the retry pause: local clock, no new sync attempt
    local = 2_000;
    await expect(clock.timestamp(H)).resolves.toBe(2_000);
    expect(syncs).toBe(1);
    local = 7_000;
    await expect(clock.timestamp(H)).resolves.toBe(7_010);
    expect(syncs).toBe(2);
  });
});

describe("ExchangeInfoCache", () => {
  const info = (u: string[]): ExchangeInfo => ({ underlyings: new Set(u), weightLimit: undefined });

  it("shares one fetch between concurrent first calls, then serves stale while revalidating", async () => {
    let now = 0;
    let calls = 0;
    let next: ExchangeInfo = info(["BTCUSDT"]);
    const cache = new ExchangeInfoCache(
      async () => {
        calls++;
        return next;
      },
      () => now,
      1000,
    );
    const [a, b] = await Promise.all([cache.get(H), cache.get(H)]);
    expect(calls).toBe(1);
    expect(a).toBe(b);

    next = info(["BTCUSDT", "ETHUSDT"]);
    now = 1000;
    const stale = await cache.get(H);
    expect([...stale.underlyings]).toEqual(["BTCUSDT"]); // answered from cache
    expect(calls).toBe(2); // refresh started
    await new Promise((r) => setImmediate(r));
    expect([...(await cache.get(H)).underlyings]).toEqual(["BTCUSDT", "ETHUSDT"]);
    expect(calls).toBe(2);
  });

  it("keeps serving the cached copy when a refresh fails, and does not hammer", async () => {
    let now = 0;
    let calls = 0;
    const cache = new ExchangeInfoCache(
      async () => {
        calls++;
        if (calls > 1) throw new Error("down");
        return info(["BTCUSDT"]);
      },
      () => now,
      1000,
      5000,
    );
    await cache.get(H);
    now = 1000;
    expect([...(await cache.get(H)).underlyings]).toEqual(["BTCUSDT"]);
    await new Promise((r) => setImmediate(r));
    now = 2000;
    await cache.get(H);
    expect(calls).toBe(2); // next attempt only 5 s after the failed one
    now = 6000;
    await cache.get(H);
    expect(calls).toBe(3);
  });

  it("a failure with no cache is EXCHANGE_UNAVAILABLE NOT_APPLIED; RATE_LIMITED passes through", async () => {
    const broken = new ExchangeInfoCache(async () => {
      throw new Error("exchangeInfo has no optionContracts list");
    }, Date.now);
    await expect(broken.get(H)).rejects.toMatchObject({
      extensions: { code: "EXCHANGE_UNAVAILABLE", outcome: "NOT_APPLIED" },
      message: expect.stringContaining("optionContracts"),
    });
    const limited = new ExchangeInfoCache(async () => {
      throw rateLimited(5, "x");
    }, Date.now);
    await expect(limited.get(H)).rejects.toMatchObject({ extensions: { code: "RATE_LIMITED" } });
  });
});

describe("the read share of the weight", () => {
  it("stops reads at the read share while changes go on to the safety ratio", () => {
    const t = new RateLimitTracker(0.9, 100, undefined, () => 0, 0.5);
    for (let i = 0; i < 50; i++) t.admit("h", 1, 0, "read");
    expect(() => t.admit("h", 1, 0, "read")).toThrow(/reads stop at 50%/);
    for (let i = 0; i < 40; i++) t.admit("h", 1, 0, "change");
    expect(() => t.admit("h", 1, 0, "change")).toThrow(/stops at 90%/);
  });

  it("counts what the exchange reports as used by others against the read share", () => {
    const t = new RateLimitTracker(0.9, 100, undefined, () => 0, 0.5);
    t.admit("h", 1, 0, "read");
    t.release("h", 1, 0, { "x-mbx-used-weight-1m": "85" }, true);
    expect(() => t.admit("h", 1, 0, "read")).toThrow(/weight 85 of 100/);
    expect(() => t.admit("h", 1, 0, "change")).not.toThrow();
  });
});
