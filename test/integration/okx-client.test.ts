import { capturingLogger, failure, type LogLine } from "../helpers/venue-client";
import {
  OkxClient,
  type OkxClientOptions,
  type OkxCredentials,
  type OkxMmpSettings,
} from "../../src/exchange/okx";
import { OkxSimulator } from "../../src/simulator/okx";

const KEY = "okx-key-1";
const SECRET = "okx-secret-do-not-log-5e1a";
const PASSPHRASE = "okx-passphrase-do-not-log-77c2";
const SET = "/api/v5/account/mmp-config";

let sim: OkxSimulator;
let client: OkxClient;
let creds: OkxCredentials;
let logs: LogLine[];

function makeClient(options: OkxClientOptions = {}): OkxClient {
  return new OkxClient({
    logger: capturingLogger((line) => logs.push(line)),
    readRetryBaseMs: 5,
    ...options,
  });
}

const calls = (method: string, path: string) =>
  sim.requests.filter((r) => r.method === method && r.path === path);
const settings = (o: Partial<OkxMmpSettings> = {}): OkxMmpSettings => ({
  instFamily: "BTC-USD",
  timeIntervalMs: 5000,
  frozenIntervalMs: 2000n,
  qtyLimit: "100",
  ...o,
});

beforeEach(async () => {
  sim = new OkxSimulator({ accounts: [{ apiKey: KEY, secret: SECRET, passphrase: PASSPHRASE }] });
  const url = await sim.start();
  logs = [];
  client = makeClient();
  creds = { accountId: "acc-okx", apiKey: KEY, secret: SECRET, passphrase: PASSPHRASE, baseUrl: url };
});

afterEach(async () => {
  await client.close();
  await sim.stop();
});

describe("OkxClient against OkxSimulator over HTTP", () => {
  it("setMmp: OKX's names, ms and contracts as strings on the wire, signed headers; answers OKX's echo", async () => {
    const echo = await client.setMmp(
      creds,
      settings({ instFamily: "ETH-USD", qtyLimit: "25.5", frozenIntervalMs: 0n }),
    );
    expect(echo).toEqual({
      instFamily: "ETH-USD",
      timeIntervalMs: 5000,
      frozenIntervalMs: 0n,
      qtyLimit: "25.5",
    });
    const [req] = calls("POST", SET);
    expect(req).toMatchObject({ query: "", status: 200, code: 0, applied: true, passphraseSent: true });
    expect(req!.body).toBe(
      '{"instFamily":"ETH-USD","timeInterval":"5000","frozenInterval":"0","qtyLimit":"25.5"}',
    );
    expect(req!.contentType).toBe("application/json");
    expect(req!.apiKey).toBe(KEY);
    expect(req!.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(req!.sign).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(req!.simulated).toBeUndefined();
    // the clock was synced first, on the public time endpoint
    expect(sim.requests[0]!.path).toBe("/api/v5/public/time");

    const state = await client.getMmp(creds, "ETH-USD");
    const [get] = calls("GET", SET);
    expect(get).toMatchObject({ query: "instFamily=ETH-USD", body: "", code: 0 });
    expect(state).toMatchObject({
      instFamily: "ETH-USD",
      timeIntervalMs: 5000,
      frozenIntervalMs: 0n,
      qtyLimit: "25.5",
      mmpFrozen: false,
      mmpFrozenUntil: 0n,
    });
    expect(typeof state!.observedAt).toBe("number");
  });

  it("a family without a configuration reads null", async () => {
    expect(await client.getMmp(creds, "BTC-USD")).toBeNull();
  });

  it("refusals before signing send nothing at all", async () => {
    for (const bad of [
      settings({ qtyLimit: "0" }),
      settings({ instFamily: "btc-usd" }),
      settings({ timeIntervalMs: 1.5 }),
      settings({ frozenIntervalMs: -1n }),
    ]) {
      expect((await failure(client.setMmp(creds, bad))).code).toBe("BAD_USER_INPUT");
    }
    expect((await failure(client.getMmp(creds, "BTC"))).extensions.field).toBe("instFamily");
    expect((await failure(client.setCancelAllAfter(creds, 5))).extensions.field).toBe("timeOutSeconds");
    expect(sim.requests).toHaveLength(0);
  });

  it("a trigger is seen as frozen until trigger time + frozenInterval (epoch form); reset unfreezes", async () => {
    await client.setMmp(creds, settings({ frozenIntervalMs: 300000n }));
    const at = sim.serverTime();
    sim.trigger(KEY, "BTC-USD", at);
    expect(await client.getMmp(creds, "BTC-USD")).toMatchObject({
      mmpFrozen: true,
      mmpFrozenUntil: BigInt(at) + 300000n,
    });

    await client.resetMmp(creds, "BTC-USD");
    expect(calls("POST", "/api/v5/account/mmp-reset")[0]!.body).toBe(
      '{"instType":"OPTION","instFamily":"BTC-USD"}',
    );
    expect(sim.state(KEY, "BTC-USD")).toMatchObject({ mmpFrozen: false, triggeredAt: null });
    expect(await client.getMmp(creds, "BTC-USD")).toMatchObject({ mmpFrozen: false, mmpFrozenUntil: 0n });
  });

  it("a remaining-time mmpFrozenUntil is read as the same instant", async () => {
    sim.setFrozenUntilForm("remaining");
    await client.setMmp(creds, settings({ frozenIntervalMs: 600000n }));
    const at = sim.serverTime();
    sim.trigger(KEY, "BTC-USD", at);
    const state = await client.getMmp(creds, "BTC-USD");
    expect(state!.mmpFrozen).toBe(true);
    // read as epoch ms this would be ~600000; as ms left from the answer's time it is the true end
    const diff = Number(state!.mmpFrozenUntil - (BigInt(at) + 600000n));
    expect(Math.abs(diff)).toBeLessThan(1000);
  });

  it("frozenInterval 0: frozen until reset, mmpFrozenUntil 0", async () => {
    await client.setMmp(creds, settings({ frozenIntervalMs: 0n }));
    sim.trigger(KEY, "BTC-USD", sim.serverTime() - 10_000_000);
    expect(await client.getMmp(creds, "BTC-USD")).toMatchObject({ mmpFrozen: true, mmpFrozenUntil: 0n });
  });

  it("Set MMP's 2 per 10 s: the third set is refused locally with RATE_LIMITED and nothing is sent", async () => {
    await client.setMmp(creds, settings());
    await client.setMmp(creds, settings({ qtyLimit: "50" }));
    const e = await failure(client.setMmp(creds, settings({ qtyLimit: "10" })));
    expect(e.code).toBe("RATE_LIMITED");
    expect(e.extensions.retryAfterSeconds).toBeGreaterThanOrEqual(9);
    expect(e.extensions.retryAfterSeconds).toBeLessThanOrEqual(11);
    expect(e.message).toMatch(/nothing sent/);
    expect(calls("POST", SET)).toHaveLength(2);
    expect(calls("POST", SET).every((r) => r.code === 0)).toBe(true);
    expect(sim.state(KEY, "BTC-USD")!.qtyLimit).toBe("50");
    // the read endpoint has its own limit
    expect(await client.getMmp(creds, "BTC-USD")).toMatchObject({ qtyLimit: "50" });
  });

  it("plain reads stop at 3 of OKX's 5 per 2 s; read-backs still get through", async () => {
    for (let i = 0; i < 3; i++) await client.getMmp(creds, "BTC-USD", "read");
    expect((await failure(client.getMmp(creds, "BTC-USD", "read"))).code).toBe("RATE_LIMITED");
    await client.getMmp(creds, "BTC-USD", "change");
    await client.getMmp(creds, "BTC-USD");
    expect((await failure(client.getMmp(creds, "BTC-USD"))).code).toBe("RATE_LIMITED");
    expect(calls("GET", SET)).toHaveLength(5);
    expect(calls("GET", SET).every((r) => r.code === 0)).toBe(true);
  });

  it("50011 with HTTP 429: RATE_LIMITED (Retry-After), then refused locally with nothing sent", async () => {
    sim.injectFault({ kind: "rateLimit", retryAfterSeconds: 4 }, { path: "/api/v5/account/mmp-reset" });
    const e = await failure(client.resetMmp(creds, "BTC-USD"));
    expect(e.extensions).toEqual({ code: "RATE_LIMITED", retryAfterSeconds: 4 });
    expect(calls("POST", "/api/v5/account/mmp-reset")[0]).toMatchObject({ status: 429, code: 50011 });
    const sent = sim.requests.length;
    const again = await failure(client.resetMmp(creds, "BTC-USD"));
    expect(again.code).toBe("RATE_LIMITED");
    expect(again.message).toMatch(/nothing sent/);
    expect(sim.requests.length).toBe(sent);
    await client.getMmp(creds, "BTC-USD"); // another endpoint is not held up
  });

  it("a set whose answer never comes is UNKNOWN, never re-sent; reading back shows it applied", async () => {
    await client.close();
    client = makeClient({ defaultTimeoutMs: 300 });
    await client.resyncClock(sim.url);
    sim.injectFault({ kind: "hang" }, { path: SET });
    const e = await failure(client.setMmp(creds, settings({ qtyLimit: "7" })));
    expect(e.extensions).toEqual({ code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" });
    expect(calls("POST", SET)).toHaveLength(1);
    expect(await client.getMmp(creds, "BTC-USD")).toMatchObject({ qtyLimit: "7" });
  });

  it("a lost answer for a set that was not applied reads back unchanged", async () => {
    sim.injectFault({ kind: "drop", applied: false }, { path: SET });
    const e = await failure(client.setMmp(creds, settings()));
    expect(e.extensions).toEqual({ code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" });
    expect(await client.getMmp(creds, "BTC-USD")).toBeNull();
  });

  it("a read whose connection is lost is sent again", async () => {
    sim.injectFault({ kind: "drop" }, { path: SET });
    expect(await client.getMmp(creds, "BTC-USD")).toBeNull();
    expect(calls("GET", SET)).toHaveLength(2);
  });

  it("5XX HTML on a set is UNKNOWN; on a read NOT_APPLIED", async () => {
    sim.injectFault({ kind: "status", status: 502, applied: true }, { path: SET });
    const e = await failure(client.setMmp(creds, settings()));
    expect(e.extensions).toEqual({ code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" });
    sim.injectFault({ kind: "status", status: 503 }, { path: SET });
    expect((await failure(client.getMmp(creds, "BTC-USD"))).extensions).toEqual({
      code: "EXCHANGE_UNAVAILABLE",
      outcome: "NOT_APPLIED",
    });
  });

  it("clock: signs on OKX's clock; a 50102 after a jump resyncs and resends once", async () => {
    sim.setClockOffset(120_000);
    await client.getMmp(creds, "BTC-USD");
    expect(Math.abs(client.clockOffset(sim.url)! - 120_000)).toBeLessThan(1000);
    sim.setClockOffset(-60_000);
    await client.setMmp(creds, settings({ timeIntervalMs: 1 }));
    expect(calls("POST", SET).map((r) => r.code)).toEqual([50102, 0]);
    expect(sim.state(KEY, "BTC-USD")!.timeInterval).toBe("1");
  });

  it("wrong secret 50113, wrong passphrase 50105, unknown key 50111: EXCHANGE_REJECTED with OKX's code", async () => {
    const sign = await failure(client.getMmp({ ...creds, secret: "other" }, "BTC-USD"));
    expect(sign.extensions).toMatchObject({ code: "EXCHANGE_REJECTED", exchangeCode: 50113 });
    const pass = await failure(client.getMmp({ ...creds, passphrase: "nope" }, "BTC-USD"));
    expect(pass.extensions).toMatchObject({ code: "EXCHANGE_REJECTED", exchangeCode: 50105 });
    const key = await failure(client.getMmp({ ...creds, apiKey: "nobody" }, "BTC-USD"));
    expect(key.extensions).toMatchObject({ code: "EXCHANGE_REJECTED", exchangeCode: 50111 });
  });

  it("no MMP permission: 51035 on set, 59509 on reset; an unlisted family 51000", async () => {
    sim.addAccount({ apiKey: "no-mmp", secret: "s2", passphrase: "p2", mmp: false });
    const other = { ...creds, accountId: "acc-2", apiKey: "no-mmp", secret: "s2", passphrase: "p2" };
    expect((await failure(client.setMmp(other, settings()))).extensions).toMatchObject({
      code: "EXCHANGE_REJECTED",
      exchangeCode: 51035,
    });
    expect((await failure(client.resetMmp(other, "BTC-USD"))).extensions).toMatchObject({
      exchangeCode: 59509,
    });
    const e = await failure(client.setMmp(creds, settings({ instFamily: "DOGE-USD" })));
    expect(e.extensions).toMatchObject({ code: "EXCHANGE_REJECTED", exchangeCode: 51000 });
    expect(e.extensions.exchangeMessage).toBe("Parameter instFamily error");
  });

  it("demo trading: the simulated flag sends x-simulated-trading: 1; a mismatch is 50101", async () => {
    sim.addAccount({ apiKey: "demo-key", secret: "s3", passphrase: "p3", demo: true });
    const demo = { ...creds, accountId: "acc-demo", apiKey: "demo-key", secret: "s3", passphrase: "p3" };
    expect((await failure(client.getMmp(demo, "BTC-USD"))).extensions).toMatchObject({ exchangeCode: 50101 });
    expect(await client.getMmp({ ...demo, simulated: true }, "BTC-USD")).toBeNull();
    expect(calls("GET", SET).map((r) => r.simulated)).toEqual([undefined, "1"]);
  });

  it("setCancelAllAfter: timeOut in seconds as a string; OKX's trigger time; 0 disables", async () => {
    const before = sim.serverTime();
    const r = await client.setCancelAllAfter(creds, 60);
    expect(calls("POST", "/api/v5/trade/cancel-all-after")[0]!.body).toBe('{"timeOut":"60"}');
    expect(Number(r.triggerTime - r.ts)).toBe(60_000);
    expect(Number(r.ts)).toBeGreaterThanOrEqual(before);
    expect(sim.cancelAllAfter(KEY)).toBe(Number(r.triggerTime));
    await new Promise((resolve) => setTimeout(resolve, 1150)); // OKX: 1 request per second
    expect((await client.setCancelAllAfter(creds, 0)).triggerTime).toBe(0n);
    expect(sim.cancelAllAfter(KEY)).toBeNull();
  });

  it("instFamilies: OKX's option families, cached per base URL", async () => {
    expect([...(await client.instFamilies(sim.url))].sort()).toEqual(["BTC-USD", "ETH-USD"]);
    expect(sim.requests.map((r) => `${r.path}?${r.query}`)).toEqual([
      "/api/v5/public/underlying?instType=OPTION",
    ]);
    await client.instFamilies(sim.url);
    expect(sim.requests).toHaveLength(1);
  });

  it("secrets, passphrases and signatures never reach the logs", async () => {
    await client.setMmp(creds, settings());
    await client.getMmp(creds, "BTC-USD");
    await client.resetMmp(creds, "BTC-USD");
    await failure(client.getMmp({ ...creds, secret: "wrong-secret-also-private" }, "BTC-USD"));
    await failure(client.getMmp({ ...creds, passphrase: "wrong-passphrase-private" }, "BTC-USD"));
    await failure(client.getMmp({ ...creds, secret: "" }, "BTC-USD"));
    await failure(client.getMmp({ ...creds, accountId: "x", passphrase: "" }, "BTC-USD"));
    sim.injectFault({ kind: "rateLimit" }, { path: SET });
    await failure(client.getMmp(creds, "BTC-USD"));
    sim.setClockOffset(100_000);
    await failure(client.setMmp(creds, settings())); // 50102, resync, then refused locally
    expect(logs.some((l) => l.level === "warn")).toBe(true);
    const text = JSON.stringify(logs);
    for (const secret of [SECRET, PASSPHRASE, "wrong-secret-also-private", "wrong-passphrase-private"]) {
      expect(text).not.toContain(secret);
    }
    for (const r of sim.requests) if (r.sign) expect(text).not.toContain(r.sign);
    const recorded = JSON.stringify(sim.requests);
    expect(recorded).not.toContain(SECRET);
    expect(recorded).not.toContain(PASSPHRASE);
  });
});
