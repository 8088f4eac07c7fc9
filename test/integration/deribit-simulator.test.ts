import { createHmac } from "node:crypto";
import { DeribitSimulator } from "../../src/simulator/deribit";

/** Raw requests, signed here with node:crypto only, to pin the simulator's own rules. */
const ID = "simClient";
const SECRET = "sim-secret";
let sim: DeribitSimulator;
let url: string;
let n = 0;

beforeEach(async () => {
  sim = new DeribitSimulator({ accounts: [{ clientId: ID, secret: SECRET }] });
  url = await sim.start();
});
afterEach(() => sim.stop());

async function call(
  method: string,
  params: string,
  o: { ts?: number; nonce?: string; secret?: string; auth?: boolean } = {},
): Promise<{ status: number; json: { result?: unknown; error?: { code: number; data?: unknown } } }> {
  const body = `{"jsonrpc":"2.0","id":${++n},"method":"${method}","params":${params}}`;
  const ts = o.ts ?? sim.serverTime();
  const nonce = o.nonce ?? `n${n}x${Math.random().toString(36).slice(2)}`;
  const uri = `/api/v2/${method}`;
  const sig = createHmac("sha256", o.secret ?? SECRET)
    .update(`${ts}\n${nonce}\nPOST\n${uri}\n${body}\n`)
    .digest("hex");
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (o.auth !== false)
    headers.Authorization = `deri-hmac-sha256 id=${ID},ts=${ts},sig=${sig},nonce=${nonce}`;
  const res = await fetch(url + uri, { method: "POST", headers, body });
  return { status: res.status, json: (await res.json()) as never };
}

const GOOD =
  '{"index_name":"btc_usd","interval":60,"frozen_time":0,"quantity_limit":1.5,"max_quote_quantity":2}';

describe("DeribitSimulator's own rules", () => {
  it("accepts a correctly signed set; refuses a reused nonce, a stale timestamp, a wrong secret", async () => {
    expect((await call("private/set_mmp_config", GOOD, { nonce: "abc123" })).json.result).toMatchObject({
      index_name: "btc_usd",
      quantity_limit: 1.5,
    });
    expect((await call("private/set_mmp_config", GOOD, { nonce: "abc123" })).json.error?.code).toBe(13004);
    expect(
      (await call("private/set_mmp_config", GOOD, { ts: sim.serverTime() - 61_000 })).json.error?.code,
    ).toBe(13004);
    expect((await call("private/set_mmp_config", GOOD, { secret: "nope" })).json.error?.code).toBe(13004);
    expect((await call("private/get_mmp_status", "{}", { auth: false })).json.error?.code).toBe(13009);
  });

  it("parameter rules: -32602 naming the param", async () => {
    const bad = async (params: string) => (await call("private/set_mmp_config", params)).json.error;
    expect(await bad(GOOD.replace("1.5", "1.23456"))).toMatchObject({
      code: -32602,
      data: { param: "quantity_limit" },
    });
    expect(await bad(GOOD.replace("1.5", '"1.5"'))).toMatchObject({
      code: -32602,
      data: { param: "quantity_limit" },
    });
    expect(await bad(GOOD.replace('"interval":60', '"interval":3601'))).toMatchObject({
      data: { param: "interval" },
    });
    expect(await bad(GOOD.replace(',"max_quote_quantity":2', ""))).toMatchObject({
      data: { param: "max_quote_quantity" },
    });
    expect(await bad(GOOD.replace('"btc_usd"', '"doge_usd"'))).toMatchObject({
      data: { param: "index_name" },
    });
    expect(sim.config(ID)).toEqual([]);
  });

  it("freeze semantics: frozen_time 0 until reset; otherwise until trigger + frozen_time s", async () => {
    let now = 1_700_000_000_000;
    const s = new DeribitSimulator({ accounts: [{ clientId: ID, secret: SECRET }], now: () => now });
    s.setConfigOutside(ID, {
      indexName: "eth_usd",
      interval: 5,
      frozenTime: 2,
      quantityLimit: "1",
      maxQuoteQuantity: "1",
    });
    s.trigger(ID, "eth_usd");
    expect(s.status(ID)).toEqual([{ indexName: "eth_usd", frozenUntil: now + 2000 }]);
    now += 2000;
    expect(s.status(ID)).toEqual([]);
    expect(() => s.trigger(ID, "btc_usd")).toThrow(/no MMP config/);
  });
});
