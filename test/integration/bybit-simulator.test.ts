import { createHmac } from "node:crypto";
import { BybitSimulator } from "../../src/simulator/bybit";

/** Raw requests, signed here with node:crypto only, to pin the simulator's own rules. */
const KEY = "simKey";
const SECRET = "sim-secret";
let sim: BybitSimulator;
let url: string;

beforeEach(async () => {
  sim = new BybitSimulator({ accounts: [{ apiKey: KEY, secret: SECRET }] });
  url = await sim.start();
});
afterEach(() => sim.stop());

interface Raw {
  method?: "GET" | "POST";
  path: string;
  query?: string;
  body?: string;
  ts?: number;
  recv?: string;
  key?: string;
  secret?: string;
  contentType?: string | null;
  sign?: string;
}

async function call(
  r: Raw,
): Promise<{ status: number; json: Record<string, unknown> | undefined; text: string }> {
  const method = r.method ?? (r.body !== undefined ? "POST" : "GET");
  const ts = r.ts ?? sim.serverTime();
  const recv = r.recv ?? "5000";
  const key = r.key ?? KEY;
  const payload = method === "GET" ? (r.query ?? "") : (r.body ?? "");
  const sign =
    r.sign ??
    createHmac("sha256", r.secret ?? SECRET)
      .update(`${ts}${key}${recv}${payload}`)
      .digest("hex");
  const headers: Record<string, string> = {
    "X-BAPI-API-KEY": key,
    "X-BAPI-TIMESTAMP": String(ts),
    "X-BAPI-RECV-WINDOW": recv,
    "X-BAPI-SIGN": sign,
  };
  if (method === "POST" && r.contentType !== null)
    headers["Content-Type"] = r.contentType ?? "application/json";
  const res = await fetch(`${url}${r.path}${r.query ? `?${r.query}` : ""}`, {
    method,
    headers,
    body: r.body,
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

const MODIFY = "/v5/account/mmp-modify";
const good = { baseCoin: "ETH", window: "5000", frozenPeriod: "100000", qtyLimit: "50", deltaLimit: "20" };
const modify = (o: Record<string, unknown>, extra: Partial<Raw> = {}) =>
  call({ path: MODIFY, body: JSON.stringify(o), ...extra });

describe("BybitSimulator rules", () => {
  it("accepts the documented request and answers the documented envelope", async () => {
    const r = await modify(good);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ retCode: 0, retMsg: "success" });
    const s = await call({ path: "/v5/account/mmp-state", query: "baseCoin=ETH" });
    expect(s.json).toMatchObject({
      retCode: 0,
      result: {
        result: [
          {
            baseCoin: "ETH",
            mmpEnabled: true,
            window: "5000",
            frozenPeriod: "100000",
            qtyLimit: "50",
            deltaLimit: "20",
            vegaLimit: "500000",
            mmpFrozen: false,
          },
        ],
      },
    });
  });

  it.each([
    ["a third decimal", { ...good, qtyLimit: "1.234" }],
    ["a number instead of a string", { ...good, window: 5000 }],
    ["a zero limit", { ...good, deltaLimit: "0" }],
    ["a negative limit", { ...good, deltaLimit: "-1" }],
    ["an exponent", { ...good, qtyLimit: "1e2" }],
    ["a fractional window", { ...good, window: "1.5" }],
    ["a zero window", { ...good, window: "0" }],
    ["a lowercase coin", { ...good, baseCoin: "eth" }],
    ["an unlisted coin", { ...good, baseCoin: "ZZZ" }],
    ["a missing deltaLimit", { baseCoin: "ETH", window: "5000", frozenPeriod: "1", qtyLimit: "1" }],
    ["an unknown field", { ...good, extra: "1" }],
    ["a vegaLimit with a third decimal", { ...good, vegaLimit: "1.005" }],
  ])("refuses %s with 10001 and changes nothing", async (_what, body) => {
    const r = await modify(body);
    expect(r.json).toMatchObject({ retCode: 10001, retMsg: "Request parameter error." });
    expect(sim.state(KEY, "ETH")).toBeUndefined();
    expect(sim.requests.at(-1)!.detail).toBeTruthy();
  });

  it("signature: 10004 for a wrong secret, an uppercase hex or a body changed after signing", async () => {
    expect((await modify(good, { secret: "nope" })).json).toMatchObject({ retCode: 10004 });
    const ts = sim.serverTime();
    const body = JSON.stringify(good);
    const sig = createHmac("sha256", SECRET).update(`${ts}${KEY}5000${body}`).digest("hex");
    expect((await call({ path: MODIFY, body, ts, sign: sig.toUpperCase() })).json).toMatchObject({
      retCode: 10004,
    });
    const spaced = JSON.stringify(good, null, 1);
    expect((await call({ path: MODIFY, body: spaced, ts, sign: sig })).json).toMatchObject({
      retCode: 10004,
    });
    expect((await call({ path: MODIFY, body, ts, sign: sig })).json).toMatchObject({ retCode: 0 });
  });

  it("time: server - recvWindow <= timestamp < server + 1000, else 10002", async () => {
    const now = sim.serverTime();
    expect((await modify(good, { ts: now + 1500 })).json).toMatchObject({ retCode: 10002 });
    expect((await modify(good, { ts: now - 6000 })).json).toMatchObject({ retCode: 10002 });
    expect((await modify(good, { ts: now - 6000, recv: "20000" })).json).toMatchObject({ retCode: 0 });
  });

  it("keys and framing: unknown key 10003, no JSON content type or a query on a POST 10001", async () => {
    expect((await modify(good, { key: "nobody" })).json).toMatchObject({ retCode: 10003 });
    expect((await modify(good, { contentType: null })).json).toMatchObject({ retCode: 10001 });
    expect((await modify(good, { query: "baseCoin=ETH" })).json).toMatchObject({ retCode: 10001 });
    expect(
      (await call({ path: "/v5/account/mmp-state", query: "baseCoin=ETH&baseCoin=BTC" })).json,
    ).toMatchObject({
      retCode: 10001,
    });
  });

  it("trigger and frozen state: mmpFrozenUntil = trigger time + frozenPeriod, until it passes", async () => {
    let now = 1_700_000_000_000;
    const s = new BybitSimulator({ accounts: [{ apiKey: KEY, secret: SECRET }], now: () => now });
    s.trigger(KEY, "BTC"); // BTC starts with the approval defaults: frozenPeriod 100 ms
    expect(s.state(KEY, "BTC")).toMatchObject({ mmpFrozen: true, mmpFrozenUntil: String(now + 100) });
    now += 100;
    expect(s.state(KEY, "BTC")).toMatchObject({ mmpFrozen: false });
    expect(() => s.trigger(KEY, "ETH")).toThrow(/no MMP row/);
  });

  it("rate limits: the 6th mmp-modify within a second is 10006 (Bybit: 5/s per UID)", async () => {
    for (let i = 0; i < 5; i++) expect((await modify(good)).json).toMatchObject({ retCode: 0 });
    const sixth = await modify(good);
    expect(sixth.json).toMatchObject({ retCode: 10006 });
  });

  it("unknown routes answer 404 with retCode 10017", async () => {
    const r = await call({ path: "/v5/account/nothing" });
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ retCode: 10017 });
  });

  it("server time: timeSecond and timeNano on Bybit's clock", async () => {
    sim.setClockOffset(5_000);
    const r = await fetch(`${url}/v5/market/time`).then(
      (x) => x.json() as Promise<{ result: { timeNano: string } }>,
    );
    const ms = Number(BigInt(r.result.timeNano) / 1_000_000n);
    expect(Math.abs(ms - (Date.now() + 5_000))).toBeLessThan(1000);
  });
});
