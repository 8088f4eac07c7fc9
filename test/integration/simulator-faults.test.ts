/**
 * Fault injection of the exchange simulator: each fault kind, whether it applied the mutation, and what
 * the client sees. Requests are signed here with node:crypto directly.
 */
import { createHmac } from "node:crypto";
import http from "node:http";
import { ExchangeSimulator, generateAccountKeys } from "../../src/simulator";

interface Resp {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function send(base: string, method: string, path: string, body?: string, apiKey?: string): Promise<Resp> {
  const url = new URL(base);
  const headers: Record<string, string> = {};
  if (apiKey) headers["X-MBX-APIKEY"] = apiKey;
  if (body !== undefined) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    headers["Content-Length"] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const keys = generateAccountKeys("hmac");
const sim = new ExchangeSimulator({
  accounts: [{ apiKey: keys.apiKey, keyType: "hmac", secret: keys.secret }],
});
let base = "";

function mmpSet(underlying: string, qtyLimit = "1.5"): Promise<Resp> {
  const p =
    `underlying=${underlying}&windowTimeInMilliseconds=1000&frozenTimeInMilliseconds=5000` +
    `&qtyLimit=${qtyLimit}&deltaLimit=3&timestamp=${sim.serverTime()}`;
  const sig = createHmac("sha256", keys.secret).update(p).digest("hex");
  return send(base, "POST", "/eapi/v1/mmpSet", `${p}&signature=${sig}`, keys.apiKey);
}

const qty = (u: string) => sim.mmpState(keys.apiKey, u)?.qtyLimit;
const last = () => sim.requests[sim.requests.length - 1];
const SET = { path: "/eapi/v1/mmpSet" };

beforeAll(async () => {
  base = await sim.start();
});
afterAll(() => sim.stop());
beforeEach(() => {
  sim.clearFaults();
  sim.clearRequests();
  sim.resetRateLimits();
});

describe("faults before processing (nothing applied)", () => {
  it("reset: the connection drops, nothing applied", async () => {
    sim.injectFault({ kind: "reset" }, SET);
    await expect(mmpSet("BTCUSDT")).rejects.toThrow(/ECONNRESET|socket hang up/);
    expect(qty("BTCUSDT")).toBeUndefined();
    expect(last()).toMatchObject({ fault: "reset", accepted: false, status: 0 });
  });

  it("status 500/502/503: Binance's bodies, nothing applied unless asked", async () => {
    sim.injectFault({ kind: "status", status: 500 }, SET);
    const r500 = await mmpSet("ETHUSDT");
    expect(r500.status).toBe(500);
    expect(JSON.parse(r500.text)).toEqual({
      code: -1000,
      msg: "An unknown error occurred while processing the request.",
    });
    sim.injectFault({ kind: "status", status: 503 }, SET);
    const r503 = await mmpSet("ETHUSDT");
    expect(r503.status).toBe(503);
    expect(JSON.parse(r503.text)).toMatchObject({ msg: "Service Unavailable." });
    sim.injectFault({ kind: "status", status: 502, body: "bad gateway" }, SET);
    expect((await mmpSet("ETHUSDT")).text).toBe("bad gateway");
    expect(qty("ETHUSDT")).toBeUndefined();
    expect(r500.headers["x-mbx-used-weight-1m"]).toBe("1");
  });

  it("html: an HTML error page", async () => {
    sim.injectFault({ kind: "html", status: 503 }, SET);
    const r = await mmpSet("SOLUSDT");
    expect(r.status).toBe(503);
    expect(r.headers["content-type"]).toMatch(/^text\/html/);
    expect(r.text).toMatch(/<html>/);
    sim.injectFault({ kind: "html" });
    expect((await send(base, "GET", "/eapi/v1/time")).status).toBe(502);
    expect(qty("SOLUSDT")).toBeUndefined();
  });

  it("rateLimit: 429 and 418 with Retry-After", async () => {
    sim.injectFault({ kind: "rateLimit", status: 429, retryAfterSeconds: 7 }, SET);
    const r = await mmpSet("XRPUSDT");
    expect(r.status).toBe(429);
    expect(r.headers["retry-after"]).toBe("7");
    expect(JSON.parse(r.text)).toMatchObject({ code: -1008 });
    sim.injectFault({ kind: "rateLimit", status: 418, retryAfterSeconds: 120 }, SET);
    const b = await mmpSet("XRPUSDT");
    expect(b.status).toBe(418);
    expect(b.headers["retry-after"]).toBe("120");
    expect(qty("XRPUSDT")).toBeUndefined();
  });

  it("timestampSkew: -1021 once, then normal", async () => {
    sim.injectFault({ kind: "timestampSkew" }, SET);
    const r = await mmpSet("DOGEUSDT");
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toMatchObject({ code: -1021 });
    expect(qty("DOGEUSDT")).toBeUndefined();
    expect((await mmpSet("DOGEUSDT")).status).toBe(200);
  });
});

describe("faults after processing (applied)", () => {
  it("applyThenReset: applied, but the answer is lost", async () => {
    sim.injectFault({ kind: "applyThenReset" }, SET);
    await expect(mmpSet("BNBUSDT", "7.25")).rejects.toThrow(/ECONNRESET|socket hang up/);
    expect(qty("BNBUSDT")).toBe("7.25");
    expect(last()).toMatchObject({ fault: "applyThenReset", accepted: true, status: 0 });
  });

  it("applyThenDelay: applied at once, answered late", async () => {
    sim.injectFault({ kind: "applyThenDelay", ms: 150 }, SET);
    const started = Date.now();
    const pending = mmpSet("BNBUSDT", "8");
    await new Promise((r) => setTimeout(r, 60));
    expect(qty("BNBUSDT")).toBe("8");
    const r = await pending;
    expect(r.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("status 503 applied: the outcome-unknown message", async () => {
    sim.injectFault({ kind: "status", status: 503, applied: true }, SET);
    const r = await mmpSet("BNBUSDT", "9");
    expect(r.status).toBe(503);
    expect(JSON.parse(r.text)).toMatchObject({
      msg: "Unknown error, please check your request or try again later.",
    });
    expect(qty("BNBUSDT")).toBe("9");
    expect(last()).toMatchObject({ accepted: true, status: 503 });
  });

  it("malformedJson: applied, body truncated", async () => {
    sim.injectFault({ kind: "malformedJson" }, SET);
    const r = await mmpSet("BNBUSDT", "10");
    expect(r.status).toBe(200);
    expect(() => JSON.parse(r.text) as unknown).toThrow();
    expect(qty("BNBUSDT")).toBe("10");
  });

  it("delay: waits, then processes normally", async () => {
    sim.injectFault({ kind: "delay", ms: 120 }, SET);
    const started = Date.now();
    const pending = mmpSet("BNBUSDT", "11");
    await new Promise((r) => setTimeout(r, 40));
    expect(qty("BNBUSDT")).toBe("10");
    expect((await pending).status).toBe(200);
    expect(qty("BNBUSDT")).toBe("11");
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });
});

describe("fault selection", () => {
  it("honours path, times and clearFaults", async () => {
    sim.injectFault({ kind: "status", status: 500 }, { path: "/eapi/v1/mmpSet", times: 2 });
    expect((await send(base, "GET", "/eapi/v1/time")).status).toBe(200);
    expect((await mmpSet("BTCUSDT")).status).toBe(500);
    expect((await mmpSet("BTCUSDT")).status).toBe(500);
    expect((await mmpSet("BTCUSDT")).status).toBe(200);

    sim.injectFault({ kind: "timestampSkew" });
    expect((await send(base, "GET", "/eapi/v1/time")).status).toBe(400);

    sim.injectFault({ kind: "reset" }, { times: 5 });
    sim.clearFaults();
    expect((await send(base, "GET", "/eapi/v1/time")).status).toBe(200);

    expect(() => sim.injectFault({ kind: "delay", ms: -1 })).toThrow();
    expect(() => sim.injectFault({ kind: "reset" }, { times: 0 })).toThrow();
  });

  it("stop() does not wait for delayed answers", async () => {
    const s = new ExchangeSimulator();
    const url = await s.start();
    s.injectFault({ kind: "delay", ms: 60_000 });
    const pending = send(url, "GET", "/eapi/v1/time").catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 30));
    const started = Date.now();
    await s.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    // A different realm's Error under jest, so match on the message.
    expect(String(await pending)).toMatch(/socket hang up|ECONNRESET/);
  });
});
