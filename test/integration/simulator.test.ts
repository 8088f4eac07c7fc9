/**
 * The exchange simulator against requests signed here with node:crypto directly (never with the
 * gateway's signer), so that the simulator's rules are checked independently of the code it tests.
 */
import { createHmac, createPrivateKey, createPublicKey, constants, sign } from "node:crypto";
import http from "node:http";
import { ExchangeSimulator, generateAccountKeys, type GeneratedAccountKeys } from "../../src/simulator";
import { runSimulatorFromCli } from "../../src/simulator/main";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface Resp {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: () => unknown;
}

function send(
  base: string,
  method: string,
  path: string,
  opts: { query?: string; body?: string; apiKey?: string; contentType?: string | null } = {},
): Promise<Resp> {
  const url = new URL(base);
  const headers: Record<string, string> = {};
  if (opts.apiKey !== undefined) headers["X-MBX-APIKEY"] = opts.apiKey;
  if (opts.body !== undefined && opts.contentType !== null) {
    headers["Content-Type"] = opts.contentType ?? "application/x-www-form-urlencoded";
  }
  // Node sends a GET body without framing unless told its length.
  if (opts.body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(opts.body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: opts.query ? `${path}?${opts.query}` : path,
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
      },
    );
    req.on("error", reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

type Keys = GeneratedAccountKeys & { keyType: "hmac" | "ed25519" | "rsa" };

function signPayload(k: Keys, payload: string): string {
  switch (k.keyType) {
    case "hmac":
      return createHmac("sha256", k.secret).update(payload).digest("hex");
    case "ed25519":
      return encodeURIComponent(sign(null, Buffer.from(payload), k.secret).toString("base64"));
    case "rsa":
      return encodeURIComponent(
        sign("sha256", Buffer.from(payload), {
          key: k.secret,
          padding: constants.RSA_PKCS1_PADDING,
        }).toString("base64"),
      );
  }
}

let t0 = 1_700_000_000_000;
const clock = { now: t0 };
const sim = new ExchangeSimulator({ now: () => clock.now });
let base = "";
const hmacKeys: Keys = { ...generateAccountKeys("hmac"), keyType: "hmac" };
const edKeys: Keys = { ...generateAccountKeys("ed25519"), keyType: "ed25519" };
const rsaKeys: Keys = { ...generateAccountKeys("rsa"), keyType: "rsa" };
const noMmpKeys: Keys = { ...generateAccountKeys("hmac"), keyType: "hmac" };

/**
 * Sends a signed call. `params` is the already-encoded parameter string without timestamp; `where`
 * says where parameters go: all in the query, all in the body, or split (`split` = the query part).
 */
async function signed(
  k: Keys,
  method: "GET" | "POST",
  path: string,
  params: string,
  where: "query" | "body" | { split: string } = method === "GET" ? "query" : "body",
  opts: { timestamp?: number; apiKey?: string; tamper?: (sig: string) => string } = {},
): Promise<Resp> {
  const ts = opts.timestamp ?? sim.serverTime();
  const all = `${params}${params ? "&" : ""}timestamp=${ts}`;
  const apiKey = opts.apiKey ?? k.apiKey;
  if (typeof where === "object") {
    const query = where.split;
    const body = all;
    let sig = signPayload(k, query + body);
    if (opts.tamper) sig = opts.tamper(sig);
    return send(base, method, path, { query, body: `${body}&signature=${sig}`, apiKey });
  }
  let sig = signPayload(k, all);
  if (opts.tamper) sig = opts.tamper(sig);
  const full = `${all}&signature=${sig}`;
  return where === "query"
    ? send(base, method, path, { query: full, apiKey })
    : send(base, method, path, { body: full, apiKey });
}

const MMP_SET =
  "underlying=BTCUSDT&windowTimeInMilliseconds=3000&frozenTimeInMilliseconds=300000&qtyLimit=2&deltaLimit=2.30";

function code(r: Resp): number {
  return (r.json() as { code: number }).code;
}

beforeAll(async () => {
  for (const k of [hmacKeys, edKeys, rsaKeys]) {
    sim.addAccount({ apiKey: k.apiKey, keyType: k.keyType, secret: k.secret, publicKeyPem: k.publicKeyPem });
  }
  sim.addAccount({ apiKey: noMmpKeys.apiKey, keyType: "hmac", secret: noMmpKeys.secret, mmpEnabled: false });
  base = await sim.start();
});

afterAll(() => sim.stop());

beforeEach(() => {
  t0 += 3_600_000; // a fresh rate-limit minute per test
  clock.now = t0;
});

describe("public endpoints", () => {
  it("answers time and exchangeInfo with weight headers", async () => {
    const t = await send(base, "GET", "/eapi/v1/time");
    expect(t.status).toBe(200);
    expect(t.json()).toEqual({ serverTime: clock.now });
    expect(t.headers["x-mbx-used-weight-1m"]).toBe("1");
    expect(t.headers["x-mbx-used-weight"]).toBe("1");

    const info = await send(base, "GET", "/eapi/v1/exchangeInfo");
    const body = info.json() as {
      optionContracts: { id: number; underlying: string; baseAsset: string; settleAsset: string }[];
      rateLimits: { rateLimitType: string; limit: number }[];
      optionSymbols: unknown[];
    };
    expect(body.optionContracts.map((c) => c.underlying)).toEqual([
      "BTCUSDT",
      "ETHUSDT",
      "BNBUSDT",
      "SOLUSDT",
      "XRPUSDT",
      "DOGEUSDT",
    ]);
    expect(body.optionContracts[0]).toEqual({
      id: 2,
      baseAsset: "BTC",
      quoteAsset: "USDT",
      underlying: "BTCUSDT",
      settleAsset: "USDT",
    });
    expect(body.rateLimits[0]).toEqual({
      rateLimitType: "REQUEST_WEIGHT",
      interval: "MINUTE",
      intervalNum: 1,
      limit: 2400,
    });
    expect(body.optionSymbols).toEqual([]);
    expect(info.headers["x-mbx-used-weight-1m"]).toBe("2");
  });

  it("refuses parameters on public endpoints and unknown paths", async () => {
    expect(code(await send(base, "GET", "/eapi/v1/time", { query: "x=1" }))).toBe(-1104);
    const r = await send(base, "GET", "/eapi/v1/nope");
    expect(r.status).toBe(404);
    expect((await send(base, "POST", "/eapi/v1/time")).status).toBe(404);
  });
});

describe("signed MMP calls", () => {
  it("sets MMP with HMAC (body), answers the documented shape, keeps exact strings", async () => {
    const r = await signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET);
    expect(r.status).toBe(200);
    expect(r.text).toBe(
      '{"underlyingId":2,"underlying":"BTCUSDT","windowTimeInMilliseconds":3000,' +
        '"frozenTimeInMilliseconds":300000,"qtyLimit":"2","deltaLimit":"2.3","lastTriggerTime":0}',
    );
    expect(sim.mmpState(hmacKeys.apiKey, "BTCUSDT")).toEqual({
      underlyingId: 2,
      underlying: "BTCUSDT",
      windowTimeInMilliseconds: 3000,
      frozenTimeInMilliseconds: 300000n,
      qtyLimit: "2",
      deltaLimit: "2.30",
      lastTriggerTime: 0,
      frozen: false,
    });
    const last = sim.requests[sim.requests.length - 1];
    expect(last).toMatchObject({ method: "POST", path: "/eapi/v1/mmpSet", accepted: true, status: 200 });
    expect(last?.params.deltaLimit).toBe("2.30");
  });

  it("reads with Ed25519 (query) and resets with RSA (split query + body)", async () => {
    const set = await signed(
      edKeys,
      "POST",
      "/eapi/v1/mmpSet",
      MMP_SET.replace("BTCUSDT", "ETHUSDT"),
      "query",
    );
    expect(set.status).toBe(200);
    const get = await signed(edKeys, "GET", "/eapi/v1/mmp", "underlying=ETHUSDT");
    expect(get.json()).toEqual({
      underlyingId: 3,
      underlying: "ETHUSDT",
      windowTimeInMilliseconds: 3000,
      frozenTimeInMilliseconds: 300000,
      qtyLimit: "2",
      deltaLimit: "2.3",
      lastTriggerTime: 0,
    });
    await signed(rsaKeys, "POST", "/eapi/v1/mmpSet", MMP_SET);
    const reset = await signed(rsaKeys, "POST", "/eapi/v1/mmpReset", "", {
      split: "underlying=BTCUSDT&recvWindow=5000",
    });
    expect(reset.status).toBe(200);
    expect((reset.json() as { underlying: string }).underlying).toBe("BTCUSDT");
  });

  it("signs over split query + body with no separator (mmpSet)", async () => {
    const r = await signed(hmacKeys, "POST", "/eapi/v1/mmpSet", "qtyLimit=0.1&deltaLimit=10.000", {
      split: "underlying=SOLUSDT&windowTimeInMilliseconds=5000&frozenTimeInMilliseconds=0",
    });
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ qtyLimit: "0.1", deltaLimit: "10", windowTimeInMilliseconds: 5000 });
    // Signing with an '&' between the halves (a common bug) must fail.
    const ts = sim.serverTime();
    const q = "underlying=SOLUSDT&windowTimeInMilliseconds=5000&frozenTimeInMilliseconds=0";
    const b = `qtyLimit=0.1&deltaLimit=10&timestamp=${ts}`;
    const bad = await send(base, "POST", "/eapi/v1/mmpSet", {
      query: q,
      body: `${b}&signature=${signPayload(hmacKeys, `${q}&${b}`)}`,
      apiKey: hmacKeys.apiKey,
    });
    expect(code(bad)).toBe(-1022);
  });

  it("keeps a 64-bit frozen time exactly and accepts 16 decimal places", async () => {
    const r = await signed(
      hmacKeys,
      "POST",
      "/eapi/v1/mmpSet",
      "underlying=XRPUSDT&windowTimeInMilliseconds=1&frozenTimeInMilliseconds=9007199254740993&qtyLimit=0.1000000000000001&deltaLimit=00.50",
    );
    expect(r.status).toBe(200);
    expect(r.text).toContain('"frozenTimeInMilliseconds":9007199254740993,');
    expect(r.text).toContain('"qtyLimit":"0.1000000000000001","deltaLimit":"0.5"');
    expect(sim.mmpState(hmacKeys.apiKey, "XRPUSDT")?.frozenTimeInMilliseconds).toBe(9007199254740993n);
  });

  it("answers a zero default for an underlying never set", async () => {
    const r = await signed(rsaKeys, "GET", "/eapi/v1/mmp", "underlying=DOGEUSDT");
    expect(r.text).toBe(
      '{"underlyingId":7,"underlying":"DOGEUSDT","windowTimeInMilliseconds":0,' +
        '"frozenTimeInMilliseconds":0,"qtyLimit":"0","deltaLimit":"0","lastTriggerTime":0}',
    );
    expect(sim.mmpState(rsaKeys.apiKey, "DOGEUSDT")).toBeUndefined();
  });

  it("triggers, stays frozen through mmpSet, and mmpReset clears lastTriggerTime", async () => {
    await signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET.replace("BTCUSDT", "BNBUSDT"));
    sim.trigger(hmacKeys.apiKey, "BNBUSDT");
    const triggeredAt = sim.serverTime();
    expect(sim.mmpState(hmacKeys.apiKey, "BNBUSDT")).toMatchObject({
      lastTriggerTime: triggeredAt,
      frozen: true,
    });
    const get = await signed(hmacKeys, "GET", "/eapi/v1/mmp", "underlying=BNBUSDT");
    expect(get.json()).toMatchObject({ lastTriggerTime: triggeredAt });
    const set = await signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET.replace("BTCUSDT", "BNBUSDT"));
    expect(set.json()).toMatchObject({ lastTriggerTime: triggeredAt });

    clock.now += 300_000; // frozen time over
    expect(sim.mmpState(hmacKeys.apiKey, "BNBUSDT")?.frozen).toBe(false);

    const reset = await signed(hmacKeys, "POST", "/eapi/v1/mmpReset", "underlying=BNBUSDT");
    expect(reset.json()).toMatchObject({ lastTriggerTime: 0, qtyLimit: "2", deltaLimit: "2.3" });
    expect(sim.mmpState(hmacKeys.apiKey, "BNBUSDT")?.lastTriggerTime).toBe(0);

    // frozenTime 0: frozen until reset, however long.
    await signed(
      hmacKeys,
      "POST",
      "/eapi/v1/mmpSet",
      "underlying=BNBUSDT&windowTimeInMilliseconds=100&frozenTimeInMilliseconds=0&qtyLimit=1&deltaLimit=1",
    );
    sim.trigger(hmacKeys.apiKey, "BNBUSDT", sim.serverTime() - 86_400_000);
    expect(sim.mmpState(hmacKeys.apiKey, "BNBUSDT")?.frozen).toBe(true);
    await signed(hmacKeys, "POST", "/eapi/v1/mmpReset", "underlying=BNBUSDT");
    expect(sim.mmpState(hmacKeys.apiKey, "BNBUSDT")?.frozen).toBe(false);
    expect(() => sim.trigger(hmacKeys.apiKey, "DOGEUSDT")).toThrow(/no MMP config/);
  });
});

describe("the signing examples of Binance's API documentation", () => {
  it("accepts the mmpSet HMAC and Ed25519 vectors and the options split vector", async () => {
    const v = new ExchangeSimulator({ now: () => 1499827319559 + 10 });
    const spotSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
    const edPem = `-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f\n-----END PRIVATE KEY-----\n`;
    const edPublic = createPublicKey(createPrivateKey(edPem))
      .export({ type: "spki", format: "pem" })
      .toString();
    v.addAccount({ apiKey: "vectorHmac", keyType: "hmac", secret: spotSecret });
    v.addAccount({ apiKey: "vectorEd", keyType: "ed25519", publicKeyPem: edPublic });
    const url = await v.start();
    try {
      const payload =
        "underlying=BTCUSDT&windowTimeInMilliseconds=3000&frozenTimeInMilliseconds=300000&qtyLimit=2&deltaLimit=2.3&recvWindow=5000&timestamp=1499827319559";
      const h = await send(url, "POST", "/eapi/v1/mmpSet", {
        body: `${payload}&signature=3f52cc9e32689ef02dfe1b693091b8d95a974fb439fe2aebdfdf2a1254e71f56`,
        apiKey: "vectorHmac",
      });
      expect(h.status).toBe(200);
      const edSig =
        "f7c2jpAR/qliJHMI33vcKSC/9gfrutkcKb7B4aiP5DtWN3aFpDrJ7uct/5P47eumRQH7t8po6UnAp5nHAELRAQ==";
      const e = await send(url, "POST", "/eapi/v1/mmpSet", {
        body: `${payload}&signature=${encodeURIComponent(edSig)}`,
        apiKey: "vectorEd",
      });
      expect(e.status).toBe(200);
      // The same signature sent without percent-encoding is refused every time.
      const raw = await send(url, "POST", "/eapi/v1/mmpSet", {
        body: `${payload}&signature=${edSig}`,
        apiKey: "vectorEd",
      });
      expect(code(raw)).toBe(-1022);
    } finally {
      await v.stop();
    }

    // The options-docs split vector: the signature passes, then the order parameters are refused.
    const o = new ExchangeSimulator({ now: () => 1611825601400 + 10 });
    o.addAccount({
      apiKey: "vectorOpt",
      keyType: "hmac",
      secret: "YtP1BudNOWZE1ag5uzCkh4hIC7qSmQOu797r5EJBFGhxBYivjj8HIX0iiiPof5yG",
    });
    const ourl = await o.start();
    try {
      const r = await send(ourl, "POST", "/eapi/v1/mmpReset", {
        query: "symbol=BTC-210129-40000-C&side=BUY&type=LIMIT&timeInForce=GTC",
        body: "quantity=0.01&price=2000&recvWindow=5000&timestamp=1611825601400&signature=fa6045c54fb02912b766442be1f66fab619217e551a4fb4f8a1ee000df914d8e",
        apiKey: "vectorOpt",
      });
      expect(code(r)).toBe(-1102); // underlying missing: past the signature check
      expect(o.requests[0]?.detail).toBe("not sent");
    } finally {
      await o.stop();
    }
  });
});

describe("refusals", () => {
  const cases: [string, () => Promise<Resp>, number, number][] = [
    [
      "wrong signature",
      () =>
        signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET, "body", {
          tamper: (s) => s.replace(/^./, s[0] === "a" ? "b" : "a"),
        }),
      400,
      -1022,
    ],
    [
      "uppercase hex signature",
      () => signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET, "body", { tamper: (s) => s.toUpperCase() }),
      400,
      -1022,
    ],
    [
      "signature by another key",
      () => signed(edKeys, "POST", "/eapi/v1/mmpSet", MMP_SET, "body", { apiKey: rsaKeys.apiKey }),
      400,
      -1022,
    ],
    [
      "unknown API key",
      () => signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET, "body", { apiKey: "Z".repeat(64) }),
      401,
      -2015,
    ],
    [
      "malformed API key",
      () => signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET, "body", { apiKey: "not a key!" }),
      401,
      -2014,
    ],
    ["account without MMP rights", () => signed(noMmpKeys, "POST", "/eapi/v1/mmpSet", MMP_SET), 401, -2015],
    [
      "stale timestamp",
      () =>
        signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET, "body", { timestamp: sim.serverTime() - 5001 }),
      400,
      -1021,
    ],
    [
      "timestamp 1000 ms ahead",
      () =>
        signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET, "body", { timestamp: sim.serverTime() + 1000 }),
      400,
      -1021,
    ],
    [
      "recvWindow > 60000",
      () => signed(hmacKeys, "POST", "/eapi/v1/mmpSet", `${MMP_SET}&recvWindow=60001`),
      400,
      -1131,
    ],
    [
      "unknown parameter",
      () => signed(hmacKeys, "POST", "/eapi/v1/mmpSet", `${MMP_SET}&symbol=BTCUSDT`),
      400,
      -1104,
    ],
    [
      "missing parameter",
      () => signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET.replace("&deltaLimit=2.30", "")),
      400,
      -1102,
    ],
    [
      "empty parameter",
      () => signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET.replace("deltaLimit=2.30", "deltaLimit=")),
      400,
      -1102,
    ],
    [
      "duplicate parameter",
      () => signed(hmacKeys, "POST", "/eapi/v1/mmpSet", `${MMP_SET}&qtyLimit=3`),
      400,
      -1101,
    ],
    [
      "unlisted underlying",
      () => signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET.replace("BTCUSDT", "ADAUSDT")),
      400,
      -1128,
    ],
    [
      "lower-case underlying",
      () => signed(hmacKeys, "GET", "/eapi/v1/mmp", "underlying=btcusdt"),
      400,
      -1128,
    ],
    [
      "window 0",
      () => signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET.replace("=3000", "=0")),
      400,
      -1130,
    ],
    [
      "window 5001",
      () => signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET.replace("=3000", "=5001")),
      400,
      -1130,
    ],
    [
      "window with decimals",
      () => signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET.replace("=3000", "=3000.0")),
      400,
      -1102,
    ],
    [
      "negative frozen time",
      () => signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET.replace("=300000", "=-1")),
      400,
      -1130,
    ],
    [
      "exponent notation",
      () => signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET.replace("qtyLimit=2", "qtyLimit=1e-7")),
      400,
      -1100,
    ],
    [
      "float noise",
      () =>
        signed(
          hmacKeys,
          "POST",
          "/eapi/v1/mmpSet",
          MMP_SET.replace("qtyLimit=2", "qtyLimit=0.30000000000000004"),
        ),
      400,
      -1111,
    ],
    [
      "leading plus",
      () => signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET.replace("qtyLimit=2", "qtyLimit=%2B2")),
      400,
      -1100,
    ],
    [
      "negative limit",
      () => signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET.replace("qtyLimit=2", "qtyLimit=-2")),
      400,
      -1130,
    ],
    [
      "zero limit",
      () =>
        signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET.replace("deltaLimit=2.30", "deltaLimit=0.00")),
      400,
      -1130,
    ],
    ["stray '&'", () => signed(hmacKeys, "POST", "/eapi/v1/mmpSet", `${MMP_SET}&`), 400, -1100],
  ];

  it.each(cases)("%s", async (_name, call, status, expected) => {
    const before = sim.mmpState(hmacKeys.apiKey, "BTCUSDT");
    const r = await call();
    expect({ status: r.status, code: code(r) }).toEqual({ status, code: expected });
    expect(sim.requests[sim.requests.length - 1]).toMatchObject({ accepted: false, errorCode: expected });
    expect(sim.mmpState(hmacKeys.apiKey, "BTCUSDT")).toEqual(before);
  });

  it("accepts the boundaries: window 5000, timestamp 999 ms ahead, recvWindow 60000", async () => {
    expect(
      (await signed(hmacKeys, "POST", "/eapi/v1/mmpSet", MMP_SET.replace("=3000", "=5000"))).status,
    ).toBe(200);
    const ahead = await signed(hmacKeys, "GET", "/eapi/v1/mmp", "underlying=BTCUSDT", "query", {
      timestamp: sim.serverTime() + 999,
    });
    expect(ahead.status).toBe(200);
    const old = await signed(
      hmacKeys,
      "GET",
      "/eapi/v1/mmp",
      "underlying=BTCUSDT&recvWindow=60000",
      "query",
      {
        timestamp: sim.serverTime() - 60000,
      },
    );
    expect(old.status).toBe(200);
  });

  it("refuses requests without key, signature, form content type, or with a signature not last", async () => {
    const ts = sim.serverTime();
    const p = `underlying=BTCUSDT&timestamp=${ts}`;
    const sig = signPayload(hmacKeys, p);
    expect(code(await send(base, "GET", "/eapi/v1/mmp", { query: `${p}&signature=${sig}` }))).toBe(-2014);
    expect(code(await send(base, "GET", "/eapi/v1/mmp", { query: p, apiKey: hmacKeys.apiKey }))).toBe(-1102);
    const notLast = await send(base, "GET", "/eapi/v1/mmp", {
      query: `signature=${sig}&${p}`,
      apiKey: hmacKeys.apiKey,
    });
    expect(code(notLast)).toBe(-1022);
    const json = await send(base, "POST", "/eapi/v1/mmpReset", {
      body: `${p}&signature=${sig}`,
      apiKey: hmacKeys.apiKey,
      contentType: "application/json",
    });
    expect(code(json)).toBe(-1102);
    expect(sim.requests[sim.requests.length - 1]?.detail).toMatch(/Content-Type/);
    const getBody = await send(base, "GET", "/eapi/v1/mmp", {
      body: `${p}&signature=${sig}`,
      apiKey: hmacKeys.apiKey,
    });
    expect(code(getBody)).toBe(-1102);
    // Signature in the query while the body has parameters: not the last parameter.
    const q = `underlying=BTCUSDT&signature=${signPayload(hmacKeys, `underlying=BTCUSDTtimestamp=${ts}`)}`;
    const split = await send(base, "POST", "/eapi/v1/mmpReset", {
      query: q,
      body: `timestamp=${ts}`,
      apiKey: hmacKeys.apiKey,
    });
    expect(code(split)).toBe(-1022);
  });

  it("lets the query win over the body for a name in both", async () => {
    const ts = sim.serverTime();
    const q = "underlying=ETHUSDT";
    const b = `underlying=ADAUSDT&timestamp=${ts}`;
    const r = await send(base, "GET", "/eapi/v1/mmp", {
      query: `${q}&timestamp=${ts}&signature=${signPayload(hmacKeys, `${q}&timestamp=${ts}`)}`,
      apiKey: hmacKeys.apiKey,
    });
    expect(r.status).toBe(200);
    const p = await send(base, "POST", "/eapi/v1/mmpReset", {
      query: q,
      body: `${b}&signature=${signPayload(hmacKeys, q + b)}`,
      apiKey: hmacKeys.apiKey,
    });
    expect(p.status).toBe(200);
    expect((p.json() as { underlying: string }).underlying).toBe("ETHUSDT");
  });
});

describe("kill switch", () => {
  it("sets, lists, heartbeats, fires and disables", async () => {
    const k = edKeys;
    expect(
      code(await signed(k, "POST", "/eapi/v1/countdownCancelAll", "underlying=BTCUSDT&countdownTime=4999")),
    ).toBe(-1130);
    expect(
      code(await signed(k, "POST", "/eapi/v1/countdownCancelAll", "underlying=BTCUSDT&countdownTime=-5000")),
    ).toBe(-1130);
    const set = await signed(
      k,
      "POST",
      "/eapi/v1/countdownCancelAll",
      "underlying=BTCUSDT&countdownTime=5000",
    );
    expect(set.json()).toEqual({ underlying: "BTCUSDT", countdownTime: 5000 });
    await signed(k, "POST", "/eapi/v1/countdownCancelAll", "underlying=ETHUSDT&countdownTime=30000");

    expect((await signed(k, "GET", "/eapi/v1/countdownCancelAll", "")).json()).toEqual([
      { underlying: "BTCUSDT", countdownTime: 5000 },
      { underlying: "ETHUSDT", countdownTime: 30000 },
    ]);
    expect((await signed(k, "GET", "/eapi/v1/countdownCancelAll", "underlying=ETHUSDT")).json()).toEqual({
      underlying: "ETHUSDT",
      countdownTime: 30000,
    });
    expect((await signed(k, "GET", "/eapi/v1/countdownCancelAll", "underlying=SOLUSDT")).json()).toEqual({
      underlying: "SOLUSDT",
      countdownTime: 0,
    });

    clock.now += 5000;
    expect(sim.killSwitchState(k.apiKey, "BTCUSDT")?.fired).toBe(true);
    const before = Number((await send(base, "GET", "/eapi/v1/time")).headers["x-mbx-used-weight-1m"]);
    const hb = await signed(
      k,
      "POST",
      "/eapi/v1/countdownCancelAllHeartBeat",
      "underlyings=BTCUSDT%2CSOLUSDT,ETHUSDT",
    );
    expect(hb.json()).toEqual({ underlyings: ["BTCUSDT", "ETHUSDT"] });
    expect(Number(hb.headers["x-mbx-used-weight-1m"])).toBe(before + 10);
    expect(sim.killSwitchState(k.apiKey, "BTCUSDT")).toMatchObject({
      fired: false,
      lastHeartbeatAt: sim.serverTime(),
    });

    expect(
      code(await signed(k, "POST", "/eapi/v1/countdownCancelAllHeartBeat", "underlyings=BTCUSDT,,ETHUSDT")),
    ).toBe(-1102);
    expect(
      code(await signed(k, "POST", "/eapi/v1/countdownCancelAllHeartBeat", "underlyings=BTCUSDT,ADAUSDT")),
    ).toBe(-1128);

    const off = await signed(k, "POST", "/eapi/v1/countdownCancelAll", "underlying=BTCUSDT&countdownTime=0");
    expect(off.json()).toEqual({ underlying: "BTCUSDT", countdownTime: 0 });
    expect((await signed(k, "GET", "/eapi/v1/countdownCancelAll", "")).json()).toEqual([
      { underlying: "ETHUSDT", countdownTime: 30000 },
    ]);
    expect(sim.killSwitchState(k.apiKey, "BTCUSDT")).toBeUndefined();
  });
});

describe("rate limit", () => {
  it("answers 429 with Retry-After past the weight limit, then bans with 418", async () => {
    let now = 1_800_000_000_000 + 30_000; // 30 s into a minute
    const s = new ExchangeSimulator({ weightLimitPerMinute: 3, now: () => now });
    const url = await s.start();
    try {
      for (let i = 1; i <= 3; i++) expect((await send(url, "GET", "/eapi/v1/time")).status).toBe(200);
      const r = await send(url, "GET", "/eapi/v1/time");
      expect(r.status).toBe(429);
      expect(code(r)).toBe(-1008);
      expect(r.headers["retry-after"]).toBe("30");
      expect(r.headers["x-mbx-used-weight-1m"]).toBe("4");
      for (let i = 0; i < 3; i++) expect((await send(url, "GET", "/eapi/v1/time")).status).toBe(429);
      const ban = await send(url, "GET", "/eapi/v1/time");
      expect(ban.status).toBe(418);
      expect(ban.headers["retry-after"]).toBe("120");
      now += 60_000; // new minute, still banned
      expect((await send(url, "GET", "/eapi/v1/time")).status).toBe(418);
      now += 60_000;
      expect((await send(url, "GET", "/eapi/v1/time")).status).toBe(200);
    } finally {
      await s.stop();
    }
  });
});

describe("accounts and runner", () => {
  it("validates account key material", () => {
    const s = new ExchangeSimulator();
    expect(() => s.addAccount({ apiKey: "k1", keyType: "hmac" })).toThrow(/secret/);
    expect(() =>
      s.addAccount({ apiKey: "k2", keyType: "ed25519", publicKeyPem: rsaKeys.publicKeyPem }),
    ).toThrow(/rsa, not ed25519/);
    expect(() => s.addAccount({ apiKey: "bad key", keyType: "hmac", secret: "x" })).toThrow(/apiKey/);
    expect(hmacKeys.secret).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(edKeys.secret).toContain("BEGIN PRIVATE KEY");
  });

  it("runs from an accounts file and prints the URL", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-"));
    const file = join(dir, "accounts.json");
    writeFileSync(file, JSON.stringify([{ apiKey: "fileKey", keyType: "hmac", secret: "s3cret" }]));
    let printed = "";
    const s = await runSimulatorFromCli({
      port: 0,
      host: "127.0.0.1",
      accountsFile: file,
      out: { write: (x) => (printed += x) },
    });
    try {
      expect(printed).toContain(`listening on ${s.url}`);
      const ts = s.serverTime();
      const p = `underlying=BTCUSDT&timestamp=${ts}`;
      const r = await send(s.url, "GET", "/eapi/v1/mmp", {
        query: `${p}&signature=${createHmac("sha256", "s3cret").update(p).digest("hex")}`,
        apiKey: "fileKey",
      });
      expect(r.status).toBe(200);
    } finally {
      await s.stop();
    }
    writeFileSync(file, JSON.stringify([{ apiKey: "x", keyType: "dsa" }]));
    await expect(runSimulatorFromCli({ port: 0, host: "127.0.0.1", accountsFile: file })).rejects.toThrow(
      /keyType/,
    );
  });
});
