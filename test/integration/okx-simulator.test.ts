import { createHmac } from "node:crypto";
import { OkxSimulator } from "../../src/simulator/okx";

/** Raw requests, signed here with node:crypto only, to pin the simulator's own rules. */
const KEY = "sim-key";
const SECRET = "sim-secret";
const PASS = "sim-pass";
let sim: OkxSimulator;
let url: string;

beforeEach(async () => {
  sim = new OkxSimulator({ accounts: [{ apiKey: KEY, secret: SECRET, passphrase: PASS }] });
  url = await sim.start();
});
afterEach(() => sim.stop());

interface Raw {
  method?: "GET" | "POST";
  path: string;
  query?: string;
  body?: string;
  ts?: string;
  key?: string;
  secret?: string;
  passphrase?: string | null;
  contentType?: string | null;
  sign?: string;
  simulated?: string;
}

async function call(
  r: Raw,
): Promise<{ status: number; json: { code: string; msg: string; data: unknown[] } }> {
  const method = r.method ?? (r.body !== undefined ? "POST" : "GET");
  const ts = r.ts ?? new Date(sim.serverTime()).toISOString();
  const target = r.path + (r.query ? `?${r.query}` : "");
  const sign =
    r.sign ??
    createHmac("sha256", r.secret ?? SECRET)
      .update(`${ts}${method}${target}${r.body ?? ""}`)
      .digest("base64");
  const headers: Record<string, string> = {
    "OK-ACCESS-KEY": r.key ?? KEY,
    "OK-ACCESS-SIGN": sign,
    "OK-ACCESS-TIMESTAMP": ts,
  };
  if (r.passphrase !== null) headers["OK-ACCESS-PASSPHRASE"] = r.passphrase ?? PASS;
  if (r.contentType !== null) headers["Content-Type"] = r.contentType ?? "application/json";
  if (r.simulated !== undefined) headers["x-simulated-trading"] = r.simulated;
  const res = await fetch(url + target, { method, headers, body: r.body });
  return { status: res.status, json: (await res.json()) as { code: string; msg: string; data: unknown[] } };
}

const SET_BODY = '{"instFamily":"BTC-USD","timeInterval":"5000","frozenInterval":"2000","qtyLimit":"100"}';

describe("OkxSimulator rules", () => {
  it("answers the documented set example with the documented echo", async () => {
    const r = await call({ path: "/api/v5/account/mmp-config", body: SET_BODY });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      code: "0",
      msg: "",
      data: [{ frozenInterval: "2000", instFamily: "BTC-USD", qtyLimit: "100", timeInterval: "5000" }],
    });
    const g = await call({ path: "/api/v5/account/mmp-config", query: "instFamily=BTC-USD" });
    expect(g.json.data).toEqual([
      {
        frozenInterval: "2000",
        instFamily: "BTC-USD",
        mmpFrozen: false,
        mmpFrozenUntil: "",
        qtyLimit: "100",
        timeInterval: "5000",
      },
    ]);
  });

  it("authentication: 401 with OKX's codes, checked in order", async () => {
    const p = "/api/v5/account/mmp-config";
    const q = "instFamily=BTC-USD";
    expect((await call({ path: p, query: q, key: "" })).json.code).toBe("50103");
    expect((await call({ path: p, query: q, passphrase: null })).json.code).toBe("50104");
    expect((await call({ path: p, query: q, key: "nobody" })).json.code).toBe("50111");
    expect((await call({ path: p, query: q, ts: "1607418537715" })).json.code).toBe("50112");
    const old = new Date(sim.serverTime() - 31_000).toISOString();
    const expired = await call({ path: p, query: q, ts: old });
    expect(expired).toMatchObject({ status: 401, json: { code: "50102" } });
    const within = new Date(sim.serverTime() - 25_000).toISOString();
    expect((await call({ path: p, query: q, ts: within })).json.code).toBe("0");
    expect((await call({ path: p, query: q, passphrase: "wrong" })).json.code).toBe("50105");
    const badSign = await call({ path: p, query: q, secret: "other" });
    expect(badSign).toMatchObject({ status: 401, json: { code: "50113", msg: "Invalid Sign" } });
    expect(sim.requests.at(-1)!.detail).toMatch(/HMAC-SHA256 mismatch/);
    // the query is part of the signed path: signing without it fails
    const ts = new Date(sim.serverTime()).toISOString();
    const noQuery = createHmac("sha256", SECRET).update(`${ts}GET${p}`).digest("base64");
    expect((await call({ path: p, query: q, ts, sign: noQuery })).json.code).toBe("50113");
    expect((await call({ path: p, query: q, simulated: "1" })).json.code).toBe("50101");
  });

  it("parameters: strings only, listed families, OKX's rules; nothing applied on refusal", async () => {
    const p = "/api/v5/account/mmp-config";
    // Set MMP allows 2 per 10 s per user: each refusal below comes from a fresh user
    let n = 0;
    const bad = async (o: Record<string, unknown>) => {
      const key = `user-${++n}`;
      sim.addAccount({ apiKey: key, secret: SECRET, passphrase: PASS });
      return (await call({ path: p, key, body: JSON.stringify({ ...JSON.parse(SET_BODY), ...o }) })).json;
    };
    expect(await bad({ qtyLimit: 100 })).toMatchObject({ code: "51000", msg: "Parameter qtyLimit error" });
    expect((await bad({ qtyLimit: "0" })).code).toBe("51000");
    expect((await bad({ qtyLimit: "1e2" })).code).toBe("51000");
    expect((await bad({ timeInterval: "1.5" })).code).toBe("51000");
    expect((await bad({ frozenInterval: "-1" })).code).toBe("51000");
    expect((await bad({ instFamily: "DOGE-USD" })).code).toBe("51000");
    expect((await bad({ deltaLimit: "1" })).code).toBe("51000");
    expect((await bad({ qtyLimit: "2.5" })).code).toBe("0");
    for (let i = 1; i < n; i++) expect(sim.state(`user-${i}`, "BTC-USD")).toBeUndefined();
  });

  it("framing: POST needs Content-Type application/json and a JSON body", async () => {
    const p = "/api/v5/account/mmp-reset";
    expect((await call({ path: p, body: "{", contentType: null })).json.code).toBe("50006");
    expect((await call({ path: p, body: "{" })).json.code).toBe("50002");
    expect((await call({ path: p, body: '{"instFamily":"BTC-USD","instType":"SWAP"}' })).json.code).toBe(
      "51000",
    );
    expect((await call({ path: p, body: "{}" })).json).toMatchObject({
      code: "50014",
      msg: "Parameter instFamily can not be empty.",
    });
  });

  it("Set MMP: 2 per 10 s per user, the third is 50011 with HTTP 429", async () => {
    const p = "/api/v5/account/mmp-config";
    expect((await call({ path: p, body: SET_BODY })).json.code).toBe("0");
    expect((await call({ path: p, body: SET_BODY })).json.code).toBe("0");
    expect(await call({ path: p, body: SET_BODY })).toMatchObject({ status: 429, json: { code: "50011" } });
    // another user is not affected
    sim.addAccount({ apiKey: "k2", secret: "s2", passphrase: "p2" });
    expect(
      (await call({ path: p, body: SET_BODY, key: "k2", secret: "s2", passphrase: "p2" })).json.code,
    ).toBe("0");
  });

  it("freeze: trigger freezes until +frozenInterval (epoch or remaining form); frozen 0 answers ''", async () => {
    await call({ path: "/api/v5/account/mmp-config", body: SET_BODY });
    const at = sim.serverTime();
    sim.trigger(KEY, "BTC-USD", at);
    expect(sim.state(KEY, "BTC-USD")).toMatchObject({ mmpFrozen: true, mmpFrozenUntil: String(at + 2000) });
    sim.setFrozenUntilForm("remaining");
    const left = Number(sim.state(KEY, "BTC-USD")!.mmpFrozenUntil);
    expect(left).toBeGreaterThan(1500);
    expect(left).toBeLessThanOrEqual(2000);
    sim.trigger(KEY, "BTC-USD", at - 2000);
    expect(sim.state(KEY, "BTC-USD")).toMatchObject({ mmpFrozen: false, mmpFrozenUntil: "" });
    sim.setConfigOutside(KEY, {
      instFamily: "BTC-USD",
      timeInterval: "5000",
      frozenInterval: "0",
      qtyLimit: "1",
    });
    sim.trigger(KEY, "BTC-USD", at - 1_000_000);
    expect(sim.state(KEY, "BTC-USD")).toMatchObject({ mmpFrozen: true, mmpFrozenUntil: "" });
    const r = await call({
      path: "/api/v5/account/mmp-reset",
      body: '{"instType":"OPTION","instFamily":"BTC-USD"}',
    });
    expect(r.json.data).toEqual([{ result: true }]);
    expect(sim.state(KEY, "BTC-USD")!.mmpFrozen).toBe(false);
    sim.setConfigOutside(KEY, {
      instFamily: "BTC-USD",
      timeInterval: "0",
      frozenInterval: "0",
      qtyLimit: "1",
    });
    expect(() => sim.trigger(KEY, "BTC-USD")).toThrow(/disabled/);
  });

  it("cancel-all-after: 0 or 10 to 120 s; 1 per second", async () => {
    const p = "/api/v5/trade/cancel-all-after";
    expect((await call({ path: p, body: '{"timeOut":"5"}' })).json.code).toBe("51000");
    await new Promise((r) => setTimeout(r, 1050));
    const ok = await call({ path: p, body: '{"timeOut":"10"}' });
    const [d] = ok.json.data as Array<{ triggerTime: string; ts: string }>;
    expect(Number(d!.triggerTime) - Number(d!.ts)).toBe(10_000);
    expect((await call({ path: p, body: '{"timeOut":"0"}' })).json.code).toBe("50011");
  });

  it("public time and option families", async () => {
    const t = (await (await fetch(`${url}/api/v5/public/time`)).json()) as { data: Array<{ ts: string }> };
    expect(Math.abs(Number(t.data[0]!.ts) - sim.serverTime())).toBeLessThan(1000);
    const u = (await (await fetch(`${url}/api/v5/public/underlying?instType=OPTION`)).json()) as {
      data: unknown;
    };
    expect(u.data).toEqual([["BTC-USD", "ETH-USD"]]);
    const missing = (await (await fetch(`${url}/api/v5/public/underlying`)).json()) as { code: string };
    expect(missing.code).toBe("50014");
    expect((await fetch(`${url}/api/v5/nothing`)).status).toBe(404);
  });
});
