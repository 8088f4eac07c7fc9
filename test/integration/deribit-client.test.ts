import { capturingLogger, failure, type LogLine } from "../helpers/venue-client";
import {
  DeribitClient,
  DeribitTriggerFeed,
  type DeribitClientOptions,
  type DeribitCredentials,
  type DeribitMmpSettings,
  type DeribitMmpTrigger,
} from "../../src/exchange/deribit";
import { DeribitSimulator } from "../../src/simulator/deribit";

const CLIENT_ID = "deribitClient1";
const SECRET = "deribit-secret-do-not-log-5a7e";
const SET = "private/set_mmp_config";

let sim: DeribitSimulator;
let client: DeribitClient;
let creds: DeribitCredentials;
let logs: LogLine[];
const feeds: DeribitTriggerFeed[] = [];

const logger = () => capturingLogger((line) => logs.push(line));

function makeClient(options: DeribitClientOptions = {}): DeribitClient {
  return new DeribitClient({ logger: logger(), readRetryBaseMs: 5, ...options });
}

const calls = (rpcMethod: string) => sim.requests.filter((r) => r.rpcMethod === rpcMethod);
const params = (body: string) => (JSON.parse(body) as { params: Record<string, unknown> }).params;

const settings: DeribitMmpSettings = {
  indexName: "btc_usd",
  intervalSeconds: 60,
  frozenTimeSeconds: 30,
  quantityLimit: "2.5000",
  deltaLimit: "0.0001",
  maxQuoteQuantity: "2.5",
};

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeEach(async () => {
  sim = new DeribitSimulator({ accounts: [{ clientId: CLIENT_ID, secret: SECRET }], heartbeatUnitMs: 20 });
  const url = await sim.start();
  logs = [];
  client = makeClient();
  creds = { accountId: "acc-deribit", apiKey: CLIENT_ID, secret: SECRET, baseUrl: url };
});

afterEach(async () => {
  for (const f of feeds.splice(0)) await f.close();
  await client.close();
  await sim.stop();
});

describe("DeribitClient against DeribitSimulator over HTTP", () => {
  it("setMmp: JSON-RPC POST, seconds and the exact decimal text on the wire, signed header", async () => {
    const set = await client.setMmp(creds, settings);
    const [req] = calls(SET);
    expect(req).toMatchObject({ httpMethod: "POST", path: "/api/v2/private/set_mmp_config", query: "" });
    expect(req).toMatchObject({ status: 200, errorCode: undefined, applied: true, clientId: CLIENT_ID });
    expect(req!.contentType).toBe("application/json");
    expect(req!.body).toMatch(
      /^\{"jsonrpc":"2\.0","id":\d+,"method":"private\/set_mmp_config","params":\{"index_name":"btc_usd","interval":60,"frozen_time":30,"quantity_limit":2\.5000,"delta_limit":0\.0001,"max_quote_quantity":2\.5\}\}$/,
    );
    expect(req!.timestamp).toMatch(/^\d{13}$/);
    expect(req!.nonce).toMatch(/^[0-9a-f]{16}$/);
    expect(req!.sig).toMatch(/^[0-9a-f]{64}$/);
    // the clock was synced first on public/get_time
    expect(sim.requests[0]!.rpcMethod).toBe("public/get_time");
    expect(set).toEqual({
      indexName: "btc_usd",
      intervalSeconds: 60,
      frozenTimeSeconds: 30,
      quantityLimit: "2.5",
      deltaLimit: "0.0001",
      vegaLimit: null,
      maxQuoteQuantity: "2.5",
    });
    expect(sim.config(CLIENT_ID, "btc_usd")).toEqual([
      {
        indexName: "btc_usd",
        interval: 60,
        frozenTime: 30,
        quantityLimit: "2.5",
        deltaLimit: "0.0001",
        maxQuoteQuantity: "2.5",
      },
    ]);
    const got = await client.getMmp(creds, "btc_usd");
    expect(got).toEqual(set);
    expect(params(calls("private/get_mmp_config")[0]!.body)).toEqual({ index_name: "btc_usd" });
  });

  it("reads scientific-notation answers exactly, and a list-shaped set result", async () => {
    const s2 = new DeribitSimulator({
      accounts: [{ clientId: CLIENT_ID, secret: SECRET }],
      scientificNumbers: true,
      setResult: "array",
    });
    const url = await s2.start();
    try {
      const c = { ...creds, baseUrl: url };
      const set = await client.setMmp(c, { ...settings, vegaLimit: "12.3456" });
      expect(s2.requests.find((r) => r.rpcMethod === SET)!.errorCode).toBeUndefined();
      expect(set).toMatchObject({ quantityLimit: "2.5", deltaLimit: "0.0001", vegaLimit: "12.3456" });
      expect(await client.getMmp(c, "btc_usd")).toEqual(set);
    } finally {
      await s2.stop();
    }
  });

  it("no configuration reads null; interval 0 removes it; group entries are not the default", async () => {
    expect(await client.getMmp(creds, "eth_usd")).toBeNull();
    sim.setConfigOutside(CLIENT_ID, {
      indexName: "eth_usd",
      mmpGroup: "Bot7",
      interval: 1,
      frozenTime: 1,
      quantityLimit: "1",
      maxQuoteQuantity: "1",
    });
    expect(await client.getMmp(creds, "eth_usd")).toBeNull();
    await client.setMmp(creds, { ...settings, indexName: "eth_usd" });
    expect(await client.getMmp(creds, "eth_usd")).toMatchObject({ intervalSeconds: 60 });
    expect(await client.setMmp(creds, { ...settings, indexName: "eth_usd", intervalSeconds: 0 })).toBeNull();
    expect(await client.getMmp(creds, "eth_usd")).toBeNull();
  });

  it("refusals before signing send nothing at all", async () => {
    for (const bad of [
      { ...settings, quantityLimit: "1.00001" },
      { ...settings, intervalSeconds: 3601 },
      { ...settings, indexName: "BTC" },
      { ...settings, quantityLimit: undefined, deltaLimit: undefined },
    ]) {
      const e = await failure(client.setMmp(creds, bad));
      expect(e.code).toBe("BAD_USER_INPUT");
    }
    expect((await failure(client.resetMmp(creds, "btc-usd"))).extensions.field).toBe("indexName");
    expect(sim.requests).toHaveLength(0);
  });

  it("a trigger is seen in get_mmp_status with frozen_until = trigger + frozen_time s; reset clears it", async () => {
    await client.setMmp(creds, settings);
    expect(await client.getMmpStatus(creds)).toEqual([]);
    const at = sim.serverTime();
    sim.trigger(CLIENT_ID, "btc_usd", at);
    expect(await client.getMmpStatus(creds, "btc_usd")).toEqual([
      { indexName: "btc_usd", frozenUntil: BigInt(at + 30_000) },
    ]);
    expect(params(calls("private/get_mmp_status")[1]!.body)).toEqual({ index_name: "btc_usd" });
    await client.resetMmp(creds, "btc_usd");
    expect(params(calls("private/reset_mmp")[0]!.body)).toEqual({ index_name: "btc_usd" });
    expect(await client.getMmpStatus(creds)).toEqual([]);
  });

  it("frozen_time 0: frozen until reset, reported as frozenUntil 0n", async () => {
    await client.setMmp(creds, { ...settings, indexName: "eth_usdc", frozenTimeSeconds: 0 });
    sim.trigger(CLIENT_ID, "eth_usdc", sim.serverTime() - 10_000_000);
    expect(await client.getMmpStatus(creds)).toEqual([{ indexName: "eth_usdc", frozenUntil: 0n }]);
  });

  it("Deribit's refusals: -32602 with param, 13040 not an MMP user, 13004 wrong secret", async () => {
    sim.addAccount({ clientId: "noMmp", secret: "s2" });
    const e = await failure(client.resetMmp(creds, "ada_usdc")); // a valid name Deribit does not list here
    expect(e.extensions).toMatchObject({ code: "EXCHANGE_REJECTED", exchangeCode: -32602 });
    expect(e.extensions.exchangeMessage).toMatch(/param index_name/);
    sim.addAccount({ clientId: "noMmp", secret: "s2", mmp: false });
    const off = await failure(client.getMmp({ ...creds, apiKey: "noMmp", secret: "s2" }, "btc_usd"));
    expect(off.extensions).toMatchObject({ code: "EXCHANGE_REJECTED", exchangeCode: 13040 });
    const bad = await failure(client.getMmp({ ...creds, secret: "other" }, "btc_usd"));
    expect(bad.extensions).toMatchObject({ code: "EXCHANGE_REJECTED", exchangeCode: 13004 });
  });

  it("a set whose answer never comes is UNKNOWN, never re-sent, and reading back shows it applied", async () => {
    await client.close();
    client = makeClient({ defaultTimeoutMs: 300 });
    await client.resyncClock(sim.url);
    sim.injectFault({ kind: "hang" }, { method: SET });
    const e = await failure(client.setMmp(creds, settings));
    expect(e.extensions).toEqual({ code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" });
    expect(calls(SET)).toHaveLength(1);
    expect(await client.getMmp(creds, "btc_usd")).toMatchObject({ intervalSeconds: 60 });
  });

  it("a dropped set is UNKNOWN and not re-sent; a dropped read is sent again", async () => {
    sim.injectFault({ kind: "drop", applied: false }, { method: SET });
    expect((await failure(client.setMmp(creds, settings))).extensions).toEqual({
      code: "EXCHANGE_UNAVAILABLE",
      outcome: "UNKNOWN",
    });
    expect(calls(SET)).toHaveLength(1);
    sim.injectFault({ kind: "drop" }, { method: "private/get_mmp_config" });
    expect(await client.getMmp(creds, "btc_usd")).toBeNull();
    const reads = calls("private/get_mmp_config");
    expect(reads).toHaveLength(2);
    expect(reads[0]!.nonce).not.toBe(reads[1]!.nonce);
  });

  it("5XX with HTML: UNKNOWN for a set, NOT_APPLIED for a read", async () => {
    sim.injectFault({ kind: "status", status: 502, applied: true }, { method: SET });
    expect((await failure(client.setMmp(creds, settings))).extensions).toEqual({
      code: "EXCHANGE_UNAVAILABLE",
      outcome: "UNKNOWN",
    });
    sim.injectFault({ kind: "status", status: 503 }, { method: "private/get_mmp_status" });
    expect((await failure(client.getMmpStatus(creds))).extensions).toEqual({
      code: "EXCHANGE_UNAVAILABLE",
      outcome: "NOT_APPLIED",
    });
  });

  it("10028: RATE_LIMITED for at least 1 s, then refused locally with nothing sent", async () => {
    sim.injectFault({ kind: "rateLimit" }, { method: "private/reset_mmp" });
    const e = await failure(client.resetMmp(creds, "btc_usd"));
    expect(e.extensions).toEqual({ code: "RATE_LIMITED", retryAfterSeconds: 1 });
    const sent = sim.requests.length;
    const again = await failure(client.getMmp(creds, "btc_usd"));
    expect(again.code).toBe("RATE_LIMITED");
    expect(again.message).toMatch(/nothing sent/);
    expect(sim.requests.length).toBe(sent);
  });

  it("the local pacing (4/s, burst 8) keeps a burst under a 5/s, burst 10 Deribit limit: no 10028", async () => {
    const s2 = new DeribitSimulator({
      accounts: [{ clientId: CLIENT_ID, secret: SECRET }],
      ratePerSecond: 5,
      burst: 10,
    });
    const url = await s2.start();
    const c2 = makeClient({ rate: { ratePerSecond: 4, burst: 8, maxWaitMs: 5000 } });
    try {
      const c = { ...creds, baseUrl: url };
      await c2.resyncClock(url);
      await Promise.all(Array.from({ length: 14 }, () => c2.setMmp(c, settings)));
      const sets = s2.requests.filter((r) => r.rpcMethod === SET);
      expect(sets).toHaveLength(14);
      expect(sets.every((r) => r.errorCode === undefined)).toBe(true);
      // the same burst with the gateway's pacing off is refused by the simulator
      const c3 = makeClient({ rate: { ratePerSecond: 1000, burst: 100 } });
      const results = await Promise.allSettled(Array.from({ length: 14 }, () => c3.setMmp(c, settings)));
      await c3.close();
      expect(results.some((r) => r.status === "rejected")).toBe(true);
    } finally {
      await c2.close();
      await s2.stop();
    }
  });

  it("reads leave a reserve for changes: with the bucket low a read is refused, a change waits", async () => {
    const c2 = makeClient({ rate: { ratePerSecond: 1, burst: 4, readReserve: 3, maxWaitMs: 0 } });
    try {
      await c2.getMmp(creds, "btc_usd", "read");
      const e = await failure(c2.getMmp(creds, "btc_usd", "read"));
      expect(e.code).toBe("RATE_LIMITED");
      expect(e.message).toMatch(/leave 3 of 4/);
      await c2.setMmp(creds, settings); // changes may use the reserve
    } finally {
      await c2.close();
    }
  });

  it("clock: signs on Deribit's clock; a stale timestamp is 13004 and the next call signs afresh", async () => {
    sim.setClockOffset(120_000);
    await client.getMmp(creds, "btc_usd");
    expect(Math.abs(client.clockOffset(sim.url)! - 120_000)).toBeLessThan(1000);
    sim.setClockOffset(-120_000);
    const e = await failure(client.setMmp(creds, settings));
    expect(e.extensions).toMatchObject({ code: "EXCHANGE_REJECTED", exchangeCode: 13004 });
    expect(calls(SET)).toHaveLength(1); // never re-sent
    await until(() => Math.abs(client.clockOffset(sim.url)! + 120_000) < 1000);
    await client.setMmp(creds, settings);
    expect(calls(SET).map((r) => r.errorCode)).toEqual([13004, undefined]);
  });

  it("indexNames: the supported index names, cached per base URL", async () => {
    const names = await client.indexNames(sim.url);
    expect(names.has("btc_usd")).toBe(true);
    expect(names.has("sol_usdc")).toBe(true);
    const n = sim.requests.length;
    await client.indexNames(sim.url);
    expect(sim.requests.length).toBe(n);
  });

  it("secrets, signatures and nonces never reach the logs", async () => {
    await client.setMmp(creds, settings);
    await client.getMmp(creds, "btc_usd");
    await client.resetMmp(creds, "btc_usd");
    await failure(client.getMmp({ ...creds, secret: "wrong-secret-also-private" }, "btc_usd"));
    await failure(client.getMmp({ ...creds, secret: "" }, "btc_usd"));
    sim.injectFault({ kind: "rateLimit" }, { method: "private/get_mmp_status" });
    await failure(client.getMmpStatus(creds));
    const feed = new DeribitTriggerFeed(creds, () => undefined, { logger: logger() });
    feeds.push(feed);
    feed.start();
    await until(() => feed.connected);
    expect(logs.length).toBeGreaterThan(0);
    const text = JSON.stringify(logs);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("wrong-secret-also-private");
    for (const r of sim.requests) {
      if (r.sig) expect(text).not.toContain(r.sig);
      if (r.nonce) expect(text).not.toContain(r.nonce);
    }
  });
});

describe("DeribitTriggerFeed against DeribitSimulator over WebSocket", () => {
  it("authenticates with client_signature, subscribes to user.mmp_trigger.any and reports a trigger", async () => {
    const seen: DeribitMmpTrigger[] = [];
    const feed = new DeribitTriggerFeed(creds, (t) => seen.push(t), { logger: logger() });
    feeds.push(feed);
    feed.start();
    await until(() => feed.connected);
    expect(sim.wsMessages.map((m) => m.method)).toEqual([
      "public/auth",
      "public/set_heartbeat",
      "private/subscribe",
    ]);
    expect(sim.wsMessages.every((m) => m.errorCode === undefined)).toBe(true);
    await client.setMmp(creds, settings);
    const at = sim.serverTime();
    sim.trigger(CLIENT_ID, "btc_usd", at);
    await until(() => seen.length === 1);
    expect(seen[0]).toEqual({
      accountId: "acc-deribit",
      indexName: "btc_usd",
      frozenUntil: BigInt(at + 30_000),
    });
  });

  it("answers heartbeats (test_request → public/test) and stays connected", async () => {
    const feed = new DeribitTriggerFeed(creds, () => undefined, { heartbeatSeconds: 10 });
    feeds.push(feed);
    feed.start();
    await until(() => feed.connected);
    // heartbeatUnitMs 20: a test_request every 200 ms; an unanswered one closes the socket
    await until(() => sim.wsMessages.filter((m) => m.method === "public/test").length >= 3, 3000);
    expect(feed.connected).toBe(true);
    expect(feed.connects).toBe(1);
  });

  it("reconnects after the simulator drops the socket, and still receives triggers", async () => {
    const seen: DeribitMmpTrigger[] = [];
    const feed = new DeribitTriggerFeed(creds, (t) => seen.push(t), { reconnectBaseMs: 20 });
    feeds.push(feed);
    feed.start();
    await until(() => feed.connected);
    sim.dropSockets();
    await until(() => !feed.connected);
    await until(() => feed.connected && sim.subscribedSockets === 1);
    expect(feed.connects).toBe(2);
    expect(sim.wsConnections).toBe(2);
    await client.setMmp(creds, { ...settings, indexName: "eth_usd", frozenTimeSeconds: 0 });
    sim.trigger(CLIENT_ID, "eth_usd");
    await until(() => seen.length === 1);
    expect(seen[0]).toEqual({ accountId: "acc-deribit", indexName: "eth_usd", frozenUntil: 0n });
  });

  it("a wrong secret is refused (13004) and retried with back-off; close() stops it", async () => {
    const feed = new DeribitTriggerFeed({ ...creds, secret: "not-the-secret" }, () => undefined, {
      reconnectBaseMs: 20,
      reconnectMaxMs: 40,
    });
    feeds.push(feed);
    feed.start();
    await until(() => sim.wsMessages.filter((m) => m.errorCode === 13004).length >= 2);
    expect(feed.connected).toBe(false);
    await feed.close();
    const n = sim.wsConnections;
    await new Promise((r) => setTimeout(r, 150));
    expect(sim.wsConnections).toBe(n);
  });
});
