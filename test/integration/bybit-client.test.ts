import type { GatewayError } from "../../src/errors";
import { capturingLogger, failure, type LogLine } from "../helpers/venue-client";
import { BybitClient, type BybitClientOptions, type BybitCredentials } from "../../src/exchange/bybit";
import { BybitSimulator } from "../../src/simulator/bybit";

const KEY = "bybitKey1";
const SECRET = "bybit-secret-do-not-log-8f1c";

let sim: BybitSimulator;
let client: BybitClient;
let creds: BybitCredentials;
let logs: LogLine[];

function makeClient(options: BybitClientOptions = {}): BybitClient {
  return new BybitClient({
    logger: capturingLogger((line) => logs.push(line)),
    readRetryBaseMs: 5,
    ...options,
  });
}

const signedCalls = (path: string) => sim.requests.filter((r) => r.path === path);

beforeEach(async () => {
  sim = new BybitSimulator({ accounts: [{ apiKey: KEY, secret: SECRET }] });
  const url = await sim.start();
  logs = [];
  client = makeClient();
  creds = { accountId: "acc-bybit", apiKey: KEY, secret: SECRET, baseUrl: url };
});

afterEach(async () => {
  await client.close();
  await sim.stop();
});

describe("BybitClient against BybitSimulator over HTTP", () => {
  it("setMmp: Bybit's names, strings in ms and exact decimals on the wire, signed headers", async () => {
    await client.setMmp(creds, {
      baseCoin: "ETH",
      windowMs: 5000,
      frozenPeriodMs: 100000n,
      qtyLimit: "50.25",
      deltaLimit: "20",
      vegaLimit: "750000.5",
    });
    const [req] = signedCalls("/v5/account/mmp-modify");
    expect(req).toMatchObject({ method: "POST", query: "", status: 200, retCode: 0, applied: true });
    expect(req!.body).toBe(
      '{"baseCoin":"ETH","window":"5000","frozenPeriod":"100000","qtyLimit":"50.25","deltaLimit":"20","vegaLimit":"750000.5"}',
    );
    expect(req!.contentType).toBe("application/json");
    expect(req!.apiKey).toBe(KEY);
    expect(req!.recvWindow).toBe("5000");
    expect(req!.timestamp).toMatch(/^\d{13}$/);
    expect(req!.sign).toMatch(/^[0-9a-f]{64}$/);
    // the clock was synced first, on the public time endpoint
    expect(sim.requests[0]!.path).toBe("/v5/market/time");

    const state = await client.getMmp(creds, "ETH");
    const [get] = signedCalls("/v5/account/mmp-state");
    expect(get).toMatchObject({ method: "GET", query: "baseCoin=ETH", body: "", retCode: 0 });
    expect(state).toMatchObject({
      baseCoin: "ETH",
      mmpEnabled: true,
      windowMs: 5000,
      frozenPeriodMs: 100000n,
      qtyLimit: "50.25",
      deltaLimit: "20",
      vegaLimit: "750000.5",
      mmpFrozen: false,
      mmpFrozenUntil: 0n,
    });
    expect(typeof state!.observedAt).toBe("number");
  });

  it("a newly approved account reads Bybit's documented BTC defaults; an unset coin reads null", async () => {
    expect(await client.getMmp(creds, "BTC")).toMatchObject({
      windowMs: 5000,
      frozenPeriodMs: 100n,
      qtyLimit: "100",
      deltaLimit: "100",
      vegaLimit: "500000",
    });
    expect(await client.getMmp(creds, "SOL")).toBeNull();
  });

  it("keeps Bybit's limits locally: plain reads stop at their share, read-backs still go", async () => {
    const reads = await Promise.allSettled(
      Array.from({ length: 8 }, () => client.getMmp(creds, "BTC", "read")),
    );
    const refused = reads.filter((r) => r.status === "rejected");
    // 60% of 10 state reads per second for plain reads; nothing sent for the refused ones
    expect(reads.filter((r) => r.status === "fulfilled")).toHaveLength(6);
    expect(refused).toHaveLength(2);
    const reason = (refused[0] as PromiseRejectedResult).reason as GatewayError;
    expect(reason.extensions).toMatchObject({ code: "RATE_LIMITED", retryAfterSeconds: expect.any(Number) });
    expect(reason.message).toMatch(/plain reads use part of it\); nothing sent/);
    expect(signedCalls("/v5/account/mmp-state")).toHaveLength(6);
    await expect(client.getMmp(creds, "BTC", "change")).resolves.toMatchObject({ baseCoin: "BTC" });
    expect(sim.requests.every((r) => r.retCode === 0)).toBe(true);
  });

  it("refuses a third decimal before signing: nothing is sent at all", async () => {
    const e = await failure(
      client.setMmp(creds, {
        baseCoin: "BTC",
        windowMs: 5000,
        frozenPeriodMs: 0n,
        qtyLimit: "1.001",
        deltaLimit: "1",
      }),
    );
    expect(e.extensions).toEqual({ code: "BAD_USER_INPUT", field: "qtyLimit" });
    expect(sim.requests).toHaveLength(0);
    expect(sim.state(KEY, "BTC")!.qtyLimit).toBe("100");
  });

  it("a trigger is seen as frozen until trigger time + frozenPeriod; reset unfreezes", async () => {
    await client.setMmp(creds, {
      baseCoin: "BTC",
      windowMs: 3000,
      frozenPeriodMs: 300000n,
      qtyLimit: "10",
      deltaLimit: "5",
    });
    const at = sim.serverTime();
    sim.trigger(KEY, "BTC", at);
    const frozen = await client.getMmp(creds, "BTC");
    expect(frozen).toMatchObject({ mmpFrozen: true, mmpFrozenUntil: BigInt(at) + 300000n });

    await client.resetMmp(creds, "BTC");
    const reset = signedCalls("/v5/account/mmp-reset")[0]!;
    expect(reset.body).toBe('{"baseCoin":"BTC"}');
    expect(sim.state(KEY, "BTC")).toMatchObject({ mmpFrozen: false, triggeredAt: null });
    expect(await client.getMmp(creds, "BTC")).toMatchObject({ mmpFrozen: false, mmpFrozenUntil: 0n });
  });

  it("frozenPeriod 0 stays frozen until reset", async () => {
    await client.setMmp(creds, {
      baseCoin: "ETH",
      windowMs: 1000,
      frozenPeriodMs: 0n,
      qtyLimit: "1",
      deltaLimit: "1",
    });
    sim.trigger(KEY, "ETH", sim.serverTime() - 10_000_000);
    expect(await client.getMmp(creds, "ETH")).toMatchObject({ mmpFrozen: true, frozenPeriodMs: 0n });
  });

  it("reset of a coin without MMP: EXCHANGE_REJECTED 110062", async () => {
    const e = await failure(client.resetMmp(creds, "XRP"));
    expect(e.extensions).toMatchObject({ code: "EXCHANGE_REJECTED", exchangeCode: 110062 });
  });

  it("a set whose answer never comes is UNKNOWN, and reading back shows it was applied", async () => {
    await client.close();
    client = makeClient({ defaultTimeoutMs: 300 });
    await client.getMmp(creds, "BTC"); // warm the clock
    sim.injectFault({ kind: "hang" }, { path: "/v5/account/mmp-modify" });
    const e = await failure(
      client.setMmp(creds, {
        baseCoin: "BTC",
        windowMs: 4000,
        frozenPeriodMs: 60000n,
        qtyLimit: "7.5",
        deltaLimit: "3",
      }),
    );
    expect(e.extensions).toEqual({ code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" });
    expect(signedCalls("/v5/account/mmp-modify")).toHaveLength(1); // never re-sent
    expect(await client.getMmp(creds, "BTC")).toMatchObject({
      windowMs: 4000,
      frozenPeriodMs: 60000n,
      qtyLimit: "7.5",
    });
  });

  it("a lost answer for a set that was not applied reads back unchanged", async () => {
    sim.injectFault({ kind: "drop", applied: false }, { path: "/v5/account/mmp-modify" });
    const e = await failure(
      client.setMmp(creds, {
        baseCoin: "BTC",
        windowMs: 4000,
        frozenPeriodMs: 1n,
        qtyLimit: "1",
        deltaLimit: "1",
      }),
    );
    expect(e.extensions).toEqual({ code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" });
    expect(await client.getMmp(creds, "BTC")).toMatchObject({ windowMs: 5000, qtyLimit: "100" });
  });

  it("a read whose connection is lost is sent again; a read that times out is NOT_APPLIED", async () => {
    sim.injectFault({ kind: "drop" }, { path: "/v5/account/mmp-state" });
    expect(await client.getMmp(creds, "BTC")).toMatchObject({ baseCoin: "BTC" });
    expect(signedCalls("/v5/account/mmp-state")).toHaveLength(2);

    await client.close();
    client = makeClient({ defaultTimeoutMs: 200 });
    await client.resyncClock(sim.url);
    sim.injectFault({ kind: "hang" }, { path: "/v5/account/mmp-state" });
    const e = await failure(client.getMmp(creds, "BTC"));
    expect(e.extensions).toEqual({ code: "EXCHANGE_UNAVAILABLE", outcome: "NOT_APPLIED" });
  });

  it("a set held up in transit and applied late: the timeout says UNKNOWN, a later read shows it", async () => {
    await client.close();
    client = makeClient({ defaultTimeoutMs: 200 });
    await client.resyncClock(sim.url);
    sim.injectFault({ kind: "delay", ms: 400, applied: false }, { path: "/v5/account/mmp-modify" });
    const e = await failure(
      client.setMmp(creds, {
        baseCoin: "BTC",
        windowMs: 2500,
        frozenPeriodMs: 1n,
        qtyLimit: "2",
        deltaLimit: "2",
      }),
    );
    expect(e.extensions).toEqual({ code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" });
    expect(sim.state(KEY, "BTC")!.window).toBe("5000");
    await new Promise((r) => setTimeout(r, 400));
    expect(await client.getMmp(creds, "BTC")).toMatchObject({ windowMs: 2500 });
  });

  it("a delayed answer within the timeout is an ordinary success", async () => {
    sim.injectFault({ kind: "delay", ms: 150 }, { path: "/v5/account/mmp-state" });
    expect(await client.getMmp(creds, "BTC")).toMatchObject({ baseCoin: "BTC" });
  });

  it("retCode 10006: RATE_LIMITED until the reset header, then refused locally with nothing sent", async () => {
    sim.injectFault({ kind: "rateLimit", resetInMs: 2000 }, { path: "/v5/account/mmp-reset" });
    const e = await failure(client.resetMmp(creds, "BTC"));
    expect(e.code).toBe("RATE_LIMITED");
    // 2 s on Bybit's clock; the measured offset may round it up by one
    expect([2, 3]).toContain(e.extensions.retryAfterSeconds);
    const sent = sim.requests.length;
    const again = await failure(client.resetMmp(creds, "BTC"));
    expect(again.code).toBe("RATE_LIMITED");
    expect(again.message).toMatch(/nothing sent/);
    expect(sim.requests.length).toBe(sent);
    // another endpoint is not held up
    await client.getMmp(creds, "BTC");
  });

  it("Bybit's 5/s limit on mmp-modify: the headers stop the 6th call before it is sent", async () => {
    const s = { baseCoin: "BTC", windowMs: 5000, frozenPeriodMs: 1000n, qtyLimit: "1", deltaLimit: "1" };
    for (let i = 0; i < 5; i++) await client.setMmp(creds, s);
    const e = await failure(client.setMmp(creds, s));
    expect(e.code).toBe("RATE_LIMITED");
    expect(signedCalls("/v5/account/mmp-modify")).toHaveLength(5);
    expect(signedCalls("/v5/account/mmp-modify").every((r) => r.retCode === 0)).toBe(true);
  });

  it("HTTP 403 access too frequent: RATE_LIMITED for 10 minutes, host-wide", async () => {
    sim.injectFault({ kind: "ipBan" }, { path: "/v5/account/mmp-state" });
    const e = await failure(client.getMmp(creds, "BTC"));
    expect(e.extensions).toEqual({ code: "RATE_LIMITED", retryAfterSeconds: 600 });
    const sent = sim.requests.length;
    expect((await failure(client.resetMmp(creds, "BTC"))).code).toBe("RATE_LIMITED");
    expect(sim.requests.length).toBe(sent);
  });

  it("clock offset: signs on Bybit's clock; a 10002 after a jump resyncs and resends once", async () => {
    sim.setClockOffset(120_000);
    await client.getMmp(creds, "BTC");
    expect(Math.abs(client.clockOffset(sim.url)! - 120_000)).toBeLessThan(1000);
    sim.setClockOffset(-60_000);
    await client.setMmp(creds, {
      baseCoin: "ETH",
      windowMs: 1,
      frozenPeriodMs: 1n,
      qtyLimit: "1",
      deltaLimit: "1",
    });
    const modify = signedCalls("/v5/account/mmp-modify");
    expect(modify.map((r) => r.retCode)).toEqual([10002, 0]);
    expect(sim.state(KEY, "ETH")!.window).toBe("1");
  });

  it("a wrong secret is 10004, an account without MMP 110065: EXCHANGE_REJECTED with Bybit's code", async () => {
    const bad = await failure(client.getMmp({ ...creds, secret: "other" }, "BTC"));
    expect(bad.extensions).toMatchObject({ code: "EXCHANGE_REJECTED", exchangeCode: 10004 });
    sim.addAccount({ apiKey: "noMmp", secret: "s2", mmpEnabled: false });
    const off = await failure(client.getMmp({ ...creds, apiKey: "noMmp", secret: "s2" }, "BTC"));
    expect(off.extensions).toMatchObject({ code: "EXCHANGE_REJECTED", exchangeCode: 110065 });
  });

  it("5XX on a set is UNKNOWN; on a read NOT_APPLIED", async () => {
    sim.injectFault({ kind: "status", status: 502, applied: true }, { path: "/v5/account/mmp-modify" });
    const e = await failure(
      client.setMmp(creds, {
        baseCoin: "BTC",
        windowMs: 1,
        frozenPeriodMs: 1n,
        qtyLimit: "1",
        deltaLimit: "1",
      }),
    );
    expect(e.extensions).toEqual({ code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" });
    sim.injectFault({ kind: "status", status: 503 }, { path: "/v5/account/mmp-state", times: 1 });
    const r = await failure(client.getMmp(creds, "BTC"));
    expect(r.extensions).toEqual({ code: "EXCHANGE_UNAVAILABLE", outcome: "NOT_APPLIED" });
  });

  it("baseCoins: the option base coins, cached; instruments-info when that endpoint is missing", async () => {
    expect([...(await client.baseCoins(sim.url))].sort()).toEqual([
      "BTC",
      "DOGE",
      "ETH",
      "MNT",
      "SOL",
      "XRP",
    ]);
    const n = sim.requests.length;
    await client.baseCoins(sim.url);
    expect(sim.requests.length).toBe(n);

    const old = new BybitSimulator({ optionBaseCoinsRoute: false });
    const url = await old.start();
    try {
      expect([...(await client.baseCoins(url))]).toEqual(["BTC"]);
      expect(old.requests.map((r) => `${r.path}?${r.query}`)).toEqual([
        "/v5/market/option-base-coins?",
        "/v5/market/instruments-info?category=option&limit=1000",
      ]);
    } finally {
      await old.stop();
    }
  });

  it("secrets and signatures never reach the logs", async () => {
    await client.setMmp(creds, {
      baseCoin: "BTC",
      windowMs: 1,
      frozenPeriodMs: 1n,
      qtyLimit: "1",
      deltaLimit: "1",
    });
    await client.getMmp(creds, "BTC");
    await client.resetMmp(creds, "BTC");
    await failure(client.getMmp({ ...creds, secret: "wrong-secret-also-private" }, "BTC"));
    await failure(client.getMmp({ ...creds, secret: "" }, "BTC"));
    sim.injectFault({ kind: "rateLimit" }, { path: "/v5/account/mmp-state" });
    await failure(client.getMmp(creds, "BTC"));
    expect(logs.length).toBeGreaterThan(0);
    const text = JSON.stringify(logs);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("wrong-secret-also-private");
    for (const r of sim.requests) if (r.sign) expect(text).not.toContain(r.sign);
    expect(JSON.stringify(sim.requests)).not.toContain(SECRET);
  });
});
