import { createServer } from "node:net";
import type { ExchangeCredentials, MmpSettings } from "../../src/domain";
import { GatewayError } from "../../src/errors";
import { BinanceClient, type BinanceClientOptions } from "../../src/exchange/binance";
import { BinanceStub } from "../helpers/binance-stub";

const SETTINGS: MmpSettings = {
  underlying: "BTCUSDT",
  windowTimeInMilliseconds: 3000,
  frozenTimeInMilliseconds: 300000n,
  qtyLimit: "12345678.123456789",
  deltaLimit: "2.3",
};

interface LogLine {
  level: string;
  obj: object;
  msg?: string;
}

let stub: BinanceStub;
let client: BinanceClient;
let logs: LogLine[];
let account: ExchangeCredentials;

function makeClient(options: BinanceClientOptions = {}): BinanceClient {
  const log =
    (level: string) =>
    (obj: object, msg?: string): void => {
      logs.push({ level, obj, msg });
    };
  return new BinanceClient({
    logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") },
    ...options,
  });
}

async function failure(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error("expected a failure");
}

beforeEach(async () => {
  stub = await BinanceStub.start("key-123", "secret-xyz");
  logs = [];
  client = makeClient();
  account = {
    accountId: "acc1",
    apiKey: "key-123",
    keyType: "hmac",
    secret: "secret-xyz",
    baseUrl: stub.baseUrl,
  };
});

afterEach(async () => {
  await client.close();
  await stub.close();
});

describe("signed calls on the wire", () => {
  it("setMmp: POST form body, exact decimals, signature verified by the stub, empty query", async () => {
    const cfg = await client.setMmp(account, SETTINGS);
    expect(cfg).toEqual({
      underlyingId: 2,
      underlying: "BTCUSDT",
      windowTimeInMilliseconds: 3000,
      frozenTimeInMilliseconds: 300000n,
      qtyLimit: "12345678.123456789",
      deltaLimit: "2.3",
      lastTriggerTime: 0n,
    });
    const req = stub.requests.find((r) => r.path === "/eapi/v1/mmpSet")!;
    expect(req.method).toBe("POST");
    expect(req.signatureValid).toBe(true);
    expect(req.rawQuery).toBe("");
    expect(req.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(req.headers["x-mbx-apikey"]).toBe("key-123");
    expect(req.rawBody).toMatch(
      /^underlying=BTCUSDT&windowTimeInMilliseconds=3000&frozenTimeInMilliseconds=300000&qtyLimit=12345678\.123456789&deltaLimit=2\.3&recvWindow=5000&timestamp=\d+&signature=[0-9a-f]{64}$/,
    );
    expect(Math.abs(Number(req.params.get("timestamp")) - stub.serverTime())).toBeLessThan(1000);
  });

  it("getMmp: GET with everything in the query string", async () => {
    await client.setMmp(account, SETTINGS);
    const cfg = await client.getMmp(account, "BTCUSDT");
    expect(cfg.qtyLimit).toBe("12345678.123456789");
    const req = stub.requests.find((r) => r.path === "/eapi/v1/mmp")!;
    expect(req.method).toBe("GET");
    expect(req.rawBody).toBe("");
    expect(req.rawQuery).toMatch(/^underlying=BTCUSDT&recvWindow=5000&timestamp=\d+&signature=[0-9a-f]{64}$/);
    expect(req.signatureValid).toBe(true);
  });

  it("percent-encodes values identically in payload and wire (the stub's signature check passes)", async () => {
    stub.on("GET", "/eapi/v1/mmp", (req) => ({
      body: {
        underlyingId: 1,
        underlying: req.params.get("underlying"),
        windowTimeInMilliseconds: 1,
        frozenTimeInMilliseconds: 0,
        qtyLimit: "1",
        deltaLimit: "1",
        lastTriggerTime: 0,
      },
    }));
    const odd = "BTC USDT&x=1+2%/é";
    const cfg = await client.getMmp(account, odd);
    expect(cfg.underlying).toBe(odd);
    const req = stub.requests.find((r) => r.path === "/eapi/v1/mmp")!;
    expect(req.signatureValid).toBe(true);
    expect(req.rawQuery.startsWith(`underlying=${encodeURIComponent(odd)}&`)).toBe(true);
  });

  it("resetMmp and the kill-switch calls", async () => {
    await expect(client.resetMmp(account, "ETHUSDT")).resolves.toMatchObject({ underlying: "ETHUSDT" });
    await expect(client.setKillSwitch(account, "ETHUSDT", 30000n)).resolves.toEqual({
      underlying: "ETHUSDT",
      countdownTime: 30000n,
    });
    await expect(client.getKillSwitches(account)).resolves.toEqual([
      { underlying: "BTCUSDT", countdownTime: 30000n },
    ]);
    stub.on("GET", "/eapi/v1/countdownCancelAll", () => ({
      body: { underlying: "ETHUSDT", countdownTime: 5000 },
    }));
    await expect(client.getKillSwitches(account, "ETHUSDT")).resolves.toEqual([
      { underlying: "ETHUSDT", countdownTime: 5000n },
    ]);
    await expect(client.killSwitchHeartbeat(account, ["BTCUSDT", "ETHUSDT"])).resolves.toEqual([
      "BTCUSDT",
      "ETHUSDT",
    ]);
    const hb = stub.requests.find((r) => r.path === "/eapi/v1/countdownCancelAllHeartBeat")!;
    expect(hb.rawBody.startsWith("underlyings=BTCUSDT%2CETHUSDT&")).toBe(true);
    expect(stub.requests.filter((r) => r.signed).every((r) => r.signatureValid)).toBe(true);
    await expect(client.killSwitchHeartbeat(account, [])).rejects.toMatchObject({
      extensions: { code: "BAD_USER_INPUT", field: "underlyings" },
    });
  });

  it("a wrong secret is EXCHANGE_REJECTED -1022 with key advice", async () => {
    const err = await failure(client.setMmp({ ...account, secret: "wrong" }, SETTINGS));
    expect(err.extensions).toMatchObject({ code: "EXCHANGE_REJECTED", exchangeCode: -1022 });
    expect(err.message).toMatch(/IP whitelist/);
  });

  it("refuses a non-plain decimal before sending", async () => {
    const err = await failure(client.setMmp(account, { ...SETTINGS, qtyLimit: "1e-7" }));
    expect(err.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "qtyLimit" });
    expect(stub.count("POST", "/eapi/v1/mmpSet")).toBe(0);
  });
});

describe("server time", () => {
  it("syncs on the first signed call only and signs with the exchange's clock", async () => {
    stub.serverOffsetMs = 120_000; // the host clock is 2 minutes behind the exchange
    await client.getMmp(account, "BTCUSDT");
    await client.getMmp(account, "BTCUSDT");
    expect(stub.count("GET", "/eapi/v1/time")).toBe(1);
    expect(stub.count("GET", "/eapi/v1/mmp")).toBe(2);
    expect(client.clockOffset(stub.baseUrl)).toBeGreaterThan(119_000);
  });

  it("concurrent first calls share one sync", async () => {
    await Promise.all([client.getMmp(account, "BTCUSDT"), client.getMmp(account, "ETHUSDT")]);
    expect(stub.count("GET", "/eapi/v1/time")).toBe(1);
  });

  it("-1021: resyncs and retries the mutation exactly once, with a fresh signature", async () => {
    await client.getMmp(account, "BTCUSDT");
    stub.serverOffsetMs = 30_000; // the exchange clock jumps: our offset is now stale
    const cfg = await client.setMmp(account, SETTINGS);
    expect(cfg.deltaLimit).toBe("2.3");
    expect(stub.count("GET", "/eapi/v1/time")).toBe(2);
    const sets = stub.requests.filter((r) => r.path === "/eapi/v1/mmpSet");
    expect(sets).toHaveLength(2);
    expect(sets[0].params.get("timestamp")).not.toBe(sets[1].params.get("timestamp"));
    expect(sets.every((r) => r.signatureValid)).toBe(true);
  });

  it("-1021 inside a 5XX is not retried (the mutation may have been applied)", async () => {
    stub.script("POST", "/eapi/v1/mmpSet", { status: 500, body: { code: -1021, msg: "Timestamp outside" } });
    const err = await failure(client.setMmp(account, SETTINGS));
    expect(err.extensions).toMatchObject({ code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" });
    expect(stub.count("POST", "/eapi/v1/mmpSet")).toBe(1);
  });

  it("-1021 twice: EXCHANGE_REJECTED after one retry, no more", async () => {
    const reject1021 = {
      status: 400,
      body: { code: -1021, msg: "Timestamp for this request is outside of the recvWindow." },
    };
    stub.script("POST", "/eapi/v1/mmpSet", reject1021, reject1021, reject1021);
    const err = await failure(client.setMmp(account, SETTINGS));
    expect(err.extensions).toMatchObject({ code: "EXCHANGE_REJECTED", exchangeCode: -1021 });
    expect(err.message).toMatch(/clock/);
    expect(stub.count("POST", "/eapi/v1/mmpSet")).toBe(2);
  });
});

describe("rate limits", () => {
  it("429 with Retry-After: RATE_LIMITED, then fail fast without sending until it expires", async () => {
    let shift = 0;
    await client.close();
    client = makeClient({ now: () => Date.now() + shift });
    await client.getMmp(account, "BTCUSDT");
    stub.script("POST", "/eapi/v1/mmpSet", {
      status: 429,
      headers: { "Retry-After": "7" },
      body: { code: -1008, msg: "Too many requests." },
    });
    const err = await failure(client.setMmp(account, SETTINGS));
    expect(err.extensions).toMatchObject({ code: "RATE_LIMITED", retryAfterSeconds: 7 });
    const sent = stub.requests.length;

    const fast = await failure(client.getMmp(account, "BTCUSDT"));
    expect(fast.extensions.code).toBe("RATE_LIMITED");
    expect(fast.extensions.retryAfterSeconds).toBeLessThanOrEqual(7);
    expect(fast.message).toMatch(/nothing sent/);
    expect(await failure(client.setMmp(account, SETTINGS))).toMatchObject({
      extensions: { code: "RATE_LIMITED" },
    });
    expect(stub.requests.length).toBe(sent);
    expect(client.rateLimitSnapshot()[0].backoffUntil).not.toBeNull();

    shift = 7_100; // time passes (for the exchange too)
    stub.serverOffsetMs = 7_100;
    await expect(client.getMmp(account, "BTCUSDT")).resolves.toMatchObject({ underlying: "BTCUSDT" });
    expect(client.rateLimitSnapshot()[0].backoffUntil).toBeNull();
  });

  it("418 without Retry-After: RATE_LIMITED with the default back-off", async () => {
    stub.script("GET", "/eapi/v1/mmp", { status: 418, body: "" });
    const err = await failure(client.getMmp(account, "BTCUSDT"));
    expect(err.extensions).toMatchObject({ code: "RATE_LIMITED", retryAfterSeconds: 60 });
    expect(err.message).toMatch(/banned/);
    await expect(client.underlyings(stub.baseUrl)).rejects.toMatchObject({
      extensions: { code: "RATE_LIMITED" },
    });
    expect(stub.count("GET", "/eapi/v1/exchangeInfo")).toBe(0);
  });

  it("tracks X-MBX-USED-WEIGHT-1M and refuses locally at 90% of the limit", async () => {
    await client.getMmp(account, "BTCUSDT");
    expect(client.rateLimitSnapshot()[0]).toMatchObject({ host: stub.baseUrl, usedWeight: 2, limit: 2400 });
    stub.usedWeight = 2150;
    await client.killSwitchHeartbeat(account, ["BTCUSDT"]); // weight 10 → header says 2160
    expect(client.rateLimitSnapshot()[0].usedWeight).toBe(2160);
    const before = stub.requests.length;
    const err = await failure(client.getMmp(account, "BTCUSDT"));
    expect(err.extensions.code).toBe("RATE_LIMITED");
    expect(err.message).toMatch(/2160 of 2400/);
    expect(stub.requests.length).toBe(before);
  });

  it("takes the weight limit from exchangeInfo", async () => {
    stub.weightLimit = 1000;
    await client.underlyings(stub.baseUrl);
    expect(client.rateLimitSnapshot()[0].limit).toBe(1000);
  });
});

describe("answers that are not clear", () => {
  it("500 with -1001 on a mutation: EXCHANGE_UNAVAILABLE UNKNOWN, not retried", async () => {
    stub.script("POST", "/eapi/v1/mmpSet", { status: 500, body: { code: -1001, msg: "Internal error" } });
    const err = await failure(client.setMmp(account, SETTINGS));
    expect(err.extensions).toMatchObject({
      code: "EXCHANGE_UNAVAILABLE",
      outcome: "UNKNOWN",
      exchangeCode: -1001,
    });
    expect(stub.count("POST", "/eapi/v1/mmpSet")).toBe(1);
  });

  it("HTML 502 on a mutation: UNKNOWN, and the HTML is not in the message", async () => {
    stub.script("POST", "/eapi/v1/mmpReset", {
      status: 502,
      headers: { "Content-Type": "text/html" },
      body: "<html><body><h1>502 Bad Gateway</h1></body></html>",
    });
    const err = await failure(client.resetMmp(account, "BTCUSDT"));
    expect(err.extensions).toMatchObject({ code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" });
    expect(err.message).not.toMatch(/<|Bad Gateway/);
  });

  it("malformed JSON with 200: UNKNOWN for a mutation, NOT_APPLIED for a read", async () => {
    stub.script("POST", "/eapi/v1/mmpSet", { body: '{"underlyingId":2,"underl' });
    expect((await failure(client.setMmp(account, SETTINGS))).extensions).toMatchObject({
      code: "EXCHANGE_UNAVAILABLE",
      outcome: "UNKNOWN",
    });
    stub.script("GET", "/eapi/v1/mmp", { body: { underlying: "BTCUSDT" } });
    const err = await failure(client.getMmp(account, "BTCUSDT"));
    expect(err.extensions).toMatchObject({ code: "EXCHANGE_UNAVAILABLE", outcome: "NOT_APPLIED" });
    expect(err.message).toMatch(/underlyingId is missing/);
  });

  it("connection reset after the request was sent: UNKNOWN for a mutation, never re-sent", async () => {
    await client.getMmp(account, "BTCUSDT");
    stub.script("POST", "/eapi/v1/mmpSet", { destroy: true });
    const err = await failure(client.setMmp(account, SETTINGS));
    expect(err.extensions).toMatchObject({ code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" });
    expect(stub.count("POST", "/eapi/v1/mmpSet")).toBe(1);
  });

  it("a read whose pooled socket dies is re-sent once", async () => {
    await client.getMmp(account, "BTCUSDT");
    stub.script("GET", "/eapi/v1/mmp", { destroy: true });
    await expect(client.getMmp(account, "BTCUSDT")).resolves.toMatchObject({ underlying: "BTCUSDT" });
    expect(stub.count("GET", "/eapi/v1/mmp")).toBe(3);
  });

  it("slow answer: total timeout gives UNKNOWN for a mutation", async () => {
    await client.close();
    client = makeClient({ defaultTimeoutMs: 150 });
    await client.getMmp(account, "BTCUSDT");
    stub.script("POST", "/eapi/v1/mmpSet", { delayMs: 600 });
    const started = Date.now();
    const err = await failure(client.setMmp(account, SETTINGS));
    expect(Date.now() - started).toBeLessThan(500);
    expect(err.extensions).toMatchObject({ code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" });
    expect(err.message).toMatch(/no complete answer within 150 ms/);
  });

  it("connection refused: NOT_APPLIED", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const err = await failure(client.setMmp({ ...account, baseUrl: `http://127.0.0.1:${port}` }, SETTINGS));
    expect(err.extensions).toMatchObject({ code: "EXCHANGE_UNAVAILABLE", outcome: "NOT_APPLIED" });
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it("after close(): NOT_APPLIED without sending", async () => {
    await client.close();
    const err = await failure(client.getMmp(account, "BTCUSDT"));
    expect(err.extensions).toMatchObject({ code: "EXCHANGE_UNAVAILABLE", outcome: "NOT_APPLIED" });
    expect(stub.requests).toHaveLength(0);
  });
});

describe("connection pool and exchangeInfo", () => {
  // undici reuses a connection one event-loop turn after its answer, so back-to-back calls may alternate
  // between two; what matters is that calls do not open connections of their own.
  it("sequential calls reuse kept-alive connections", async () => {
    for (let i = 0; i < 20; i++) await client.getMmp(account, "BTCUSDT");
    await client.setMmp(account, SETTINGS);
    expect(stub.requests.length).toBeGreaterThanOrEqual(21);
    expect(new Set(stub.requests.map((r) => r.remotePort)).size).toBeLessThanOrEqual(2);
  });

  it("underlyings: one shared fetch for concurrent first calls, then cached", async () => {
    const [a, b] = await Promise.all([client.underlyings(stub.baseUrl), client.underlyings(stub.baseUrl)]);
    expect([...a]).toEqual(["BTCUSDT", "ETHUSDT"]);
    expect(b).toBe(a);
    await client.underlyings(stub.baseUrl);
    expect(stub.count("GET", "/eapi/v1/exchangeInfo")).toBe(1);
  });

  it("underlyings with no cache and a broken exchange: EXCHANGE_UNAVAILABLE NOT_APPLIED", async () => {
    // reads are retried (twice by default), so every attempt must fail
    const down = { status: 503, body: "<html>down</html>" };
    stub.script("GET", "/eapi/v1/exchangeInfo", down, down, down);
    const err = await failure(client.underlyings(stub.baseUrl));
    expect(err.extensions).toMatchObject({ code: "EXCHANGE_UNAVAILABLE", outcome: "NOT_APPLIED" });
  });
});

describe("logging", () => {
  it("logs method, path, status and duration at debug; never keys, secrets or signatures", async () => {
    await client.setMmp(account, SETTINGS);
    await client.getMmp(account, "BTCUSDT");
    stub.script("POST", "/eapi/v1/mmpSet", { status: 400, body: { code: -1022, msg: "bad sig" } });
    await failure(client.setMmp(account, SETTINGS));
    const line = logs.find(
      (l) => l.level === "debug" && (l.obj as { path?: string }).path === "/eapi/v1/mmpSet",
    );
    expect(line?.obj).toMatchObject({ method: "POST", path: "/eapi/v1/mmpSet", status: 200 });
    expect(typeof (line?.obj as { durationMs?: unknown }).durationMs).toBe("number");
    const signatures = stub.requests.filter((r) => r.signed).map((r) => r.params.get("signature")!);
    const all = JSON.stringify(logs);
    for (const secret of ["secret-xyz", "key-123", "signature", ...signatures])
      expect(all).not.toContain(secret);
  });

  it("builds no per-call debug line when the logger says debug is off", async () => {
    const debug = jest.fn();
    const withLevels = new BinanceClient({
      logger: { debug, info() {}, warn() {}, error() {}, isLevelEnabled: (l) => l !== "debug" },
    });
    try {
      await withLevels.setMmp(account, SETTINGS);
      await withLevels.getMmp(account, "BTCUSDT");
      // (the clock's rare "server time synced" goes through pino's own level check)
      expect(debug.mock.calls.filter(([, msg]) => msg === "exchange call")).toEqual([]);
    } finally {
      await withLevels.close();
    }
  });
});
