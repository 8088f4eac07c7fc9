/**
 * A loopback HTTP stand-in for Bybit's V5 API, covering what the gateway's Bybit client uses: server
 * time, option instruments and base coins, and MMP (mmp-modify, mmp-state, mmp-reset). It is meant to
 * be at least as strict as Bybit: wrong signing bytes, headers, clocks, types, decimals or parameters
 * fail here with Bybit's retCode, and every refusal is recorded with a `detail` saying why.
 * Rules and the choices made where Bybit documents nothing: README.md in this folder.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type {
  BybitFaultOptions,
  BybitRecordedRequest,
  BybitSimAccount,
  BybitSimFault,
  BybitSimMmpState,
  BybitSimulatorOptions,
} from "./types";
import { checkBybitSignature } from "./verify";

export const DEFAULT_BYBIT_BASE_COINS: readonly string[] = ["BTC", "ETH", "SOL", "XRP", "DOGE", "MNT"];

/** B-DOC error.mdx wording */
export const BYBIT_MSG = {
  10001: "Request parameter error.",
  10002: "The request time exceeds the time window range.",
  10003: "API key is invalid.",
  10004: "Error sign, please check your signature generation algorithm.",
  10006: "Too many visits. Exceeded the API Rate Limit.",
  10017: "Route not found.",
  110062: "There is no MMP information of the institution found.",
  110065: "MMP hasn't yet been enabled for your account. Please contact your BD manager.",
} as const;
type Code = keyof typeof BYBIT_MSG;

const P = {
  time: "/v5/market/time",
  instruments: "/v5/market/instruments-info",
  baseCoins: "/v5/market/option-base-coins",
  modify: "/v5/account/mmp-modify",
  state: "/v5/account/mmp-state",
  reset: "/v5/account/mmp-reset",
} as const;

/** per UID per endpoint per second (B-DOC rate-limit.mdx: modify/reset 5/s; mmp-state "-": 10 chosen) */
const API_LIMITS: Readonly<Record<string, number>> = { [P.modify]: 5, [P.reset]: 5, [P.state]: 10 };
/** B-DOC rate-limit.mdx: 600 requests in 5 s per IP, then "403, access too frequent", >= 10 min */
const IP_LIMIT = 600;
const IP_WINDOW_MS = 5_000;
const IP_BAN_MS = 10 * 60_000;
const DEFAULT_RECV_WINDOW = 5000;
const MAX_AHEAD_MS = 1000;
const MAX_BODY = 64 * 1024;
const API_KEY = /^[A-Za-z0-9]{1,64}$/;
const BASE_COIN = /^[A-Z0-9]{1,20}$/;
const POS_INT = /^[1-9]\d{0,18}$/;
const NON_NEG_INT = /^(?:0|[1-9]\d{0,18})$/;
const LIMIT_2DP = /^(?:0|[1-9]\d{0,29})(?:\.\d{1,2})?$/;
const INT64_MAX = 9_223_372_036_854_775_807n;
const MODIFY_FIELDS = ["baseCoin", "window", "frozenPeriod", "qtyLimit", "deltaLimit", "vegaLimit"];

/** B-DOC set-mmp.mdx: the settings an approved account starts with (BTC), plus vegaLimit's default */
const APPROVAL_DEFAULTS = { window: "5000", frozenPeriod: 100n, qtyLimit: "100", deltaLimit: "100" };
const DEFAULT_VEGA_LIMIT = "500000";

interface MmpRecord {
  window: string;
  frozenPeriod: bigint;
  qtyLimit: string;
  deltaLimit: string;
  vegaLimit: string;
  triggeredAt: number | null;
  /** what mmpFrozenUntil last said (kept after unfreezing: Bybit says to ignore it then) */
  lastFrozenUntil: string;
}

interface AccountEntry {
  account: BybitSimAccount;
  mmp: Map<string, MmpRecord>;
}

class Refusal extends Error {
  constructor(
    readonly code: Code,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${code} ${detail}`);
  }
}

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string>;
  retCode?: number;
  retMsg?: string;
  detail?: string;
  applied: boolean;
}

interface FaultEntry {
  fault: BybitSimFault;
  remaining: number;
  path?: string;
}

export class BybitSimulator {
  private server: http.Server | undefined;
  private baseUrl = "";
  private readonly accounts = new Map<string, AccountEntry>();
  private readonly recorded: BybitRecordedRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly hung = new Set<http.ServerResponse>();
  private readonly apiCalls = new Map<string, number[]>();
  private readonly ipCalls = new Map<string, number[]>();
  private readonly ipBans = new Map<string, number>();
  private faults: FaultEntry[] = [];
  private clockOffsetMs: number;
  private readonly clock: () => number;
  private readonly coins: string[];
  private readonly maxRecorded: number;

  constructor(private readonly opts: BybitSimulatorOptions = {}) {
    this.clock = opts.now ?? Date.now;
    this.clockOffsetMs = opts.clockOffsetMs ?? 0;
    this.coins = [...(opts.baseCoins ?? DEFAULT_BYBIT_BASE_COINS)];
    for (const c of this.coins) if (!BASE_COIN.test(c)) throw new Error(`BybitSimulator: bad base coin ${c}`);
    this.maxRecorded = opts.maxRecordedRequests ?? 10_000;
    for (const a of opts.accounts ?? []) this.addAccount(a);
  }

  // ---- lifecycle ----

  async start(): Promise<string> {
    if (this.server) return this.baseUrl;
    const server = http.createServer((req, res) => this.onRequest(req, res));
    server.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
    const addr = server.address() as AddressInfo;
    const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
    this.baseUrl = `http://${host}:${addr.port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.hung.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  get url(): string {
    if (this.baseUrl === "") throw new Error("BybitSimulator: call start() first");
    return this.baseUrl;
  }

  // ---- accounts, state, time ----

  /** Registers an account; re-registering a key replaces its secret and flags and keeps its state. */
  addAccount(a: BybitSimAccount): void {
    if (!API_KEY.test(a.apiKey)) throw new Error("BybitSimulator: apiKey must be 1-64 letters/digits");
    if (typeof a.secret !== "string" || a.secret.length === 0)
      throw new Error("BybitSimulator: empty secret");
    const existing = this.accounts.get(a.apiKey);
    if (existing) {
      existing.account = { ...a };
      return;
    }
    const mmp = new Map<string, MmpRecord>();
    if (a.mmpEnabled !== false && this.coins.includes("BTC")) {
      mmp.set("BTC", {
        ...APPROVAL_DEFAULTS,
        vegaLimit: DEFAULT_VEGA_LIMIT,
        triggeredAt: null,
        lastFrozenUntil: "0",
      });
    }
    this.accounts.set(a.apiKey, { account: { ...a }, mmp });
  }

  /** Bybit's clock: host clock + offset */
  serverTime(): number {
    return this.clock() + this.clockOffsetMs;
  }

  setClockOffset(ms: number): void {
    this.clockOffsetMs = ms;
  }

  get requests(): BybitRecordedRequest[] {
    return this.recorded;
  }

  clearRequests(): void {
    this.recorded.length = 0;
  }

  /** undefined when the account or its MMP row for the coin does not exist */
  state(apiKey: string, baseCoin: string): BybitSimMmpState | undefined {
    const rec = this.accounts.get(apiKey)?.mmp.get(baseCoin);
    if (!rec) return undefined;
    const frozen = this.isFrozen(rec);
    return {
      baseCoin,
      window: rec.window,
      frozenPeriod: rec.frozenPeriod.toString(),
      qtyLimit: rec.qtyLimit,
      deltaLimit: rec.deltaLimit,
      vegaLimit: rec.vegaLimit,
      triggeredAt: rec.triggeredAt,
      mmpFrozen: frozen,
      mmpFrozenUntil: this.frozenUntil(rec),
    };
  }

  /**
   * MMP triggers (maker fills reached a limit) at `atMs` (default now, Bybit's clock): frozen until
   * atMs + frozenPeriod, or until a reset when frozenPeriod is 0. Throws without an MMP row.
   */
  trigger(apiKey: string, baseCoin: string, atMs?: number): void {
    const rec = this.accounts.get(apiKey)?.mmp.get(baseCoin);
    if (!rec) throw new Error(`BybitSimulator: no MMP row for ${apiKey} / ${baseCoin}`);
    rec.triggeredAt = atMs ?? this.serverTime();
    rec.lastFrozenUntil = this.frozenUntil(rec);
  }

  injectFault(fault: BybitSimFault, options: BybitFaultOptions = {}): void {
    this.faults.push({ fault, remaining: options.times ?? 1, path: options.path });
  }

  clearFaults(): void {
    this.faults = [];
  }

  private isFrozen(rec: MmpRecord): boolean {
    if (rec.triggeredAt === null) return false;
    if (rec.frozenPeriod === 0n) return true;
    return BigInt(this.serverTime()) < BigInt(rec.triggeredAt) + rec.frozenPeriod;
  }

  /** Undocumented: frozen until a reset (frozenPeriod 0) is answered as "0". */
  private frozenUntil(rec: MmpRecord): string {
    if (rec.triggeredAt === null) return rec.lastFrozenUntil;
    if (rec.frozenPeriod === 0n) return "0";
    return (BigInt(rec.triggeredAt) + rec.frozenPeriod).toString();
  }

  // ---- HTTP ----

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(c);
    });
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      this.handle(req, res, body, tooBig);
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string, tooBig: boolean): void {
    const raw = req.url ?? "/";
    const q = raw.indexOf("?");
    const path = q < 0 ? raw : raw.slice(0, q);
    const query = q < 0 ? "" : raw.slice(q + 1);
    const h = (name: string): string | undefined => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(",") : v;
    };
    const rec: BybitRecordedRequest = {
      at: this.serverTime(),
      method: req.method ?? "",
      path,
      query,
      body,
      apiKey: h("x-bapi-api-key"),
      timestamp: h("x-bapi-timestamp"),
      recvWindow: h("x-bapi-recv-window"),
      sign: h("x-bapi-sign"),
      contentType: h("content-type"),
      status: 0,
      retCode: undefined,
      retMsg: undefined,
      applied: false,
    };
    this.record(rec);
    const fault = this.takeFault(path);
    if (fault) rec.fault = fault.kind;

    let reply: Reply;
    if (fault?.kind === "rateLimit") {
      const resetAt = this.serverTime() + (fault.resetInMs ?? 1000);
      reply = this.envelopeError(
        new Refusal(10006, "injected rate limit", {
          "X-Bapi-Limit": String(API_LIMITS[path] ?? 10),
          "X-Bapi-Limit-Status": "0",
          "X-Bapi-Limit-Reset-Timestamp": String(resetAt),
        }),
      );
    } else if (fault?.kind === "ipBan") {
      reply = this.accessTooFrequent("injected IP ban");
    } else {
      const skip =
        (fault?.kind === "status" && fault.applied !== true) ||
        ((fault?.kind === "hang" || fault?.kind === "drop") && fault.applied === false);
      const late = fault?.kind === "delay" && fault.applied === false;
      reply =
        skip || late
          ? { status: 0, body: "", headers: {}, applied: false }
          : this.process(req, path, query, body, tooBig, rec);
      if (fault?.kind === "delay" && late) {
        // not applied on arrival: the call is processed when the delay ends (a request held up in transit)
        const t = setTimeout(() => {
          this.timers.delete(t);
          const r = this.process(req, path, query, body, tooBig, rec);
          rec.applied = r.applied;
          this.send(res, r, rec);
        }, fault.ms);
        this.timers.add(t);
        return;
      }
    }
    rec.applied = reply.applied;

    switch (fault?.kind) {
      case "hang":
        this.hung.add(res);
        return;
      case "drop":
        req.socket.destroy();
        return;
      case "delay": {
        const t = setTimeout(() => {
          this.timers.delete(t);
          this.send(res, reply, rec);
        }, fault.ms);
        this.timers.add(t);
        return;
      }
      case "status":
        this.send(
          res,
          {
            status: fault.status,
            body: "<html><body>Service temporarily unavailable</body></html>",
            headers: { "Content-Type": "text/html" },
            applied: reply.applied,
          },
          rec,
        );
        return;
      default:
        this.send(res, reply, rec);
    }
  }

  private send(res: http.ServerResponse, reply: Reply, rec: BybitRecordedRequest): void {
    rec.status = reply.status;
    rec.retCode = reply.retCode;
    rec.retMsg = reply.retMsg;
    if (reply.detail !== undefined) rec.detail = reply.detail;
    if (res.destroyed) return;
    res.writeHead(reply.status, { "Content-Type": "application/json", ...reply.headers });
    res.end(reply.body);
  }

  private record(r: BybitRecordedRequest): void {
    this.recorded.push(r);
    if (this.recorded.length > this.maxRecorded)
      this.recorded.splice(0, this.recorded.length - this.maxRecorded);
  }

  private takeFault(path: string): BybitSimFault | undefined {
    const i = this.faults.findIndex((f) => f.path === undefined || f.path === path);
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    if (--f.remaining <= 0) this.faults.splice(i, 1);
    return f.fault;
  }

  private ok(
    result: unknown,
    extraHeaders: Record<string, string> = {},
    applied = false,
    retMsg = "OK",
  ): Reply {
    const body = `{"retCode":0,"retMsg":${JSON.stringify(retMsg)},"result":${JSON.stringify(result)},"retExtInfo":{},"time":${this.serverTime()}}`;
    return { status: 200, body, headers: extraHeaders, retCode: 0, retMsg, applied };
  }

  private envelopeError(r: Refusal, status = 200): Reply {
    const retMsg = BYBIT_MSG[r.code];
    const body = JSON.stringify({
      retCode: r.code,
      retMsg,
      result: {},
      retExtInfo: {},
      time: this.serverTime(),
    });
    return { status, body, headers: r.headers, retCode: r.code, retMsg, detail: r.detail, applied: false };
  }

  private accessTooFrequent(detail: string): Reply {
    return {
      status: 403,
      body: "access too frequent",
      headers: { "Content-Type": "text/plain" },
      detail,
      applied: false,
    };
  }

  private process(
    req: http.IncomingMessage,
    path: string,
    query: string,
    body: string,
    tooBig: boolean,
    rec: BybitRecordedRequest,
  ): Reply {
    const ip = req.socket.remoteAddress ?? "?";
    const now = this.serverTime();
    const banned = this.ipBans.get(ip);
    if (banned !== undefined && banned > now) return this.accessTooFrequent(`IP banned until ${banned}`);
    if (slide(this.ipCalls, ip, now, IP_WINDOW_MS) >= IP_LIMIT) {
      this.ipBans.set(ip, now + IP_BAN_MS);
      return this.accessTooFrequent(`more than ${IP_LIMIT} requests in ${IP_WINDOW_MS} ms`);
    }
    push(this.ipCalls, ip, now);
    try {
      const method = req.method ?? "";
      switch (path) {
        case P.time:
          this.expect(method, "GET", query, body, false);
          return this.ok({
            timeSecond: String(Math.floor(now / 1000)),
            timeNano: `${BigInt(now) * 1_000_000n}`,
          });
        case P.instruments:
          this.expect(method, "GET", query, body, true);
          return this.ok(this.instruments(query));
        case P.baseCoins:
          if (this.opts.optionBaseCoinsRoute === false) return this.notFound();
          this.expect(method, "GET", query, body, true);
          return this.ok({
            list: this.coins.map((c) => ({
              baseCoin: c,
              quoteCoin: "USDT",
              settleCoin: "USDT",
              optionShowName: `${c}-Options`,
              optionOnlineTime: 1739952000000,
              hasSymbol: 1,
              underlyingType: 0,
            })),
          });
        case P.modify:
        case P.state:
        case P.reset:
          return this.signed(method, path, query, body, tooBig, rec);
        default:
          return this.notFound();
      }
    } catch (e) {
      if (e instanceof Refusal) return this.envelopeError(e);
      throw e;
    }
  }

  private notFound(): Reply {
    return { ...this.envelopeError(new Refusal(10017, "no such route")), status: 404 };
  }

  private expect(method: string, want: string, query: string, body: string, queryAllowed: boolean): void {
    if (method !== want) throw new Refusal(10001, `${method} is not allowed here; use ${want}`);
    if (body !== "") throw new Refusal(10001, "a GET carries no body");
    if (!queryAllowed && query !== "") throw new Refusal(10001, "this endpoint takes no parameters");
  }

  private instruments(query: string): unknown {
    const params = parseQuery(query);
    const allowed = new Set(["category", "baseCoin", "limit", "cursor", "status", "symbol"]);
    for (const k of params.keys()) if (!allowed.has(k)) throw new Refusal(10001, `unknown parameter ${k}`);
    if (params.get("category") !== "option")
      throw new Refusal(10001, "this simulator lists category=option only");
    // B-DOC market/instrument.mdx: for options, baseCoin "returns BTC by default".
    const coin = params.get("baseCoin") ?? "BTC";
    if (!this.coins.includes(coin)) return { category: "option", nextPageCursor: "", list: [] };
    return {
      category: "option",
      nextPageCursor: "",
      list: ["C", "P"].map((t) => ({
        symbol: `${coin}-26DEC26-100-${t}-USDT`,
        optionsType: t === "C" ? "Call" : "Put",
        status: "Trading",
        baseCoin: coin,
        quoteCoin: "USDT",
        settleCoin: "USDT",
      })),
    };
  }

  // ---- signed MMP calls ----

  private signed(
    method: string,
    path: string,
    query: string,
    body: string,
    tooBig: boolean,
    rec: BybitRecordedRequest,
  ): Reply {
    const { apiKey, timestamp, sign } = rec;
    if (apiKey === undefined || apiKey === "") throw new Refusal(10003, "X-BAPI-API-KEY is missing");
    if (timestamp === undefined || sign === undefined) {
      throw new Refusal(10001, "X-BAPI-TIMESTAMP and X-BAPI-SIGN are required");
    }
    const entry = this.accounts.get(apiKey);
    if (!entry) throw new Refusal(10003, "unknown API key");
    const recvText = rec.recvWindow ?? String(DEFAULT_RECV_WINDOW);
    if (!/^[1-9]\d{0,9}$/.test(recvText))
      throw new Refusal(10001, "X-BAPI-RECV-WINDOW is not a positive integer");
    if (!/^[1-9]\d{0,15}$/.test(timestamp))
      throw new Refusal(10002, "X-BAPI-TIMESTAMP is not epoch milliseconds");
    const now = this.serverTime();
    const ts = Number(timestamp);
    // B-DOC guide.mdx: server_time - recv_window <= timestamp < server_time + 1000
    if (!(now - Number(recvText) <= ts && ts < now + MAX_AHEAD_MS)) {
      throw new Refusal(10002, `timestamp ${ts} vs server ${now}, recvWindow ${recvText}`);
    }
    const payload = method === "GET" ? query : body;
    const bad = checkBybitSignature(
      entry.account.secret,
      // the header value as sent (default 5000 only when the header is absent)
      { timestamp, apiKey, recvWindow: rec.recvWindow ?? "", sign },
      payload,
    );
    if (bad !== undefined) throw new Refusal(10004, bad);

    const limit = API_LIMITS[path] ?? 10;
    const key = `${apiKey}\u0000${path}`;
    const used = slide(this.apiCalls, key, now, 1000);
    if (used >= limit) {
      const oldest = this.apiCalls.get(key)![0]!;
      throw new Refusal(10006, `more than ${limit} calls per second`, limitHeaders(limit, 0, oldest + 1000));
    }
    push(this.apiCalls, key, now);
    const times = this.apiCalls.get(key)!;
    const remaining = limit - times.length;
    const headers = limitHeaders(limit, remaining, remaining === 0 ? times[0]! + 1000 : now);

    if (entry.account.mmpEnabled === false)
      throw new Refusal(110065, "the account has no MMP rights", headers);
    if (tooBig) throw new Refusal(10001, "body too large", headers);

    try {
      if (path === P.state) {
        if (method !== "GET") throw new Refusal(10001, "mmp-state is a GET");
        if (body !== "") throw new Refusal(10001, "a GET carries no body");
        const params = parseQuery(query);
        for (const k of params.keys())
          if (k !== "baseCoin") throw new Refusal(10001, `unknown parameter ${k}`);
        const coin = this.baseCoin(params.get("baseCoin"));
        const r = entry.mmp.get(coin);
        const rows = r
          ? [
              {
                baseCoin: coin,
                mmpEnabled: true,
                window: r.window,
                frozenPeriod: r.frozenPeriod.toString(),
                qtyLimit: r.qtyLimit,
                deltaLimit: r.deltaLimit,
                vegaLimit: r.vegaLimit,
                mmpFrozenUntil: this.frozenUntil(r),
                mmpFrozen: this.isFrozen(r),
              },
            ]
          : [];
        return this.ok({ result: rows }, headers);
      }
      const o = this.jsonBody(method, query, body, rec.contentType);
      if (path === P.reset) {
        for (const k of Object.keys(o))
          if (k !== "baseCoin") throw new Refusal(10001, `unknown parameter ${k}`);
        const coin = this.baseCoin(o.baseCoin);
        const r = entry.mmp.get(coin);
        if (!r) throw new Refusal(110062, `no MMP row for ${coin}`);
        r.triggeredAt = null;
        return this.ok({}, headers, true, "success");
      }
      // mmp-modify
      for (const k of Object.keys(o))
        if (!MODIFY_FIELDS.includes(k)) throw new Refusal(10001, `unknown parameter ${k}`);
      const coin = this.baseCoin(o.baseCoin);
      const window = str(o, "window", true)!;
      if (!POS_INT.test(window)) throw new Refusal(10001, "window must be a positive integer string (ms)");
      const frozen = str(o, "frozenPeriod", true)!;
      if (!NON_NEG_INT.test(frozen) || BigInt(frozen) > INT64_MAX) {
        throw new Refusal(10001, "frozenPeriod must be a non-negative integer string (ms)");
      }
      const qty = limitValue(o, "qtyLimit", true)!;
      const delta = limitValue(o, "deltaLimit", true)!;
      const vega = limitValue(o, "vegaLimit", false);
      const prev = entry.mmp.get(coin);
      entry.mmp.set(coin, {
        window,
        frozenPeriod: BigInt(frozen),
        qtyLimit: qty,
        deltaLimit: delta,
        vegaLimit: vega ?? prev?.vegaLimit ?? DEFAULT_VEGA_LIMIT,
        triggeredAt: prev?.triggeredAt ?? null,
        lastFrozenUntil: prev?.lastFrozenUntil ?? "0",
      });
      return this.ok({}, headers, true, "success");
    } catch (e) {
      if (e instanceof Refusal && Object.keys(e.headers).length === 0) {
        throw new Refusal(e.code, e.detail, headers);
      }
      throw e;
    }
  }

  private jsonBody(
    method: string,
    query: string,
    body: string,
    contentType: string | undefined,
  ): Record<string, unknown> {
    if (method !== "POST") throw new Refusal(10001, "this endpoint is a POST");
    if (query !== "")
      throw new Refusal(10001, "a POST carries its parameters in the JSON body, not the query");
    if (!/^application\/json(?:\s*;\s*charset=utf-8)?$/i.test(contentType ?? "")) {
      throw new Refusal(10001, "Content-Type must be application/json");
    }
    let v: unknown;
    try {
      v = JSON.parse(body);
    } catch {
      throw new Refusal(10001, "the body is not JSON");
    }
    if (typeof v !== "object" || v === null || Array.isArray(v))
      throw new Refusal(10001, "the body is not a JSON object");
    return v as Record<string, unknown>;
  }

  private baseCoin(v: unknown): string {
    if (v === undefined || v === "") throw new Refusal(10001, "baseCoin is required");
    if (typeof v !== "string" || !BASE_COIN.test(v))
      throw new Refusal(10001, "baseCoin must be an uppercase string");
    if (!this.coins.includes(v)) throw new Refusal(10001, `baseCoin ${v} has no options`);
    return v;
  }
}

function str(o: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const v = o[field];
  if (v === undefined) {
    if (required) throw new Refusal(10001, `${field} is required`);
    return undefined;
  }
  if (typeof v !== "string") throw new Refusal(10001, `${field} must be a JSON string`);
  return v;
}

function limitValue(o: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const v = str(o, field, required);
  if (v === undefined) return undefined;
  if (!LIMIT_2DP.test(v))
    throw new Refusal(10001, `${field} must be a plain decimal with at most 2 decimal places`);
  if (/^0(?:\.0{1,2})?$/.test(v)) throw new Refusal(10001, `${field} must be positive`);
  return v;
}

function limitHeaders(limit: number, remaining: number, resetAt: number): Record<string, string> {
  return {
    "X-Bapi-Limit": String(limit),
    "X-Bapi-Limit-Status": String(remaining),
    "X-Bapi-Limit-Reset-Timestamp": String(resetAt),
  };
}

/** drops entries older than the window; returns how many are left */
function slide(map: Map<string, number[]>, key: string, now: number, windowMs: number): number {
  const list = map.get(key);
  if (!list) return 0;
  while (list.length > 0 && list[0]! <= now - windowMs) list.shift();
  return list.length;
}

function push(map: Map<string, number[]>, key: string, now: number): void {
  const list = map.get(key);
  if (list) list.push(now);
  else map.set(key, [now]);
}

/** Strict query parsing: name=value pairs, strict percent-encoding, no duplicates, no empty segments. */
function parseQuery(query: string): Map<string, string> {
  const out = new Map<string, string>();
  if (query === "") return out;
  for (const seg of query.split("&")) {
    const eq = seg.indexOf("=");
    if (seg === "" || eq <= 0) throw new Refusal(10001, `malformed query segment '${seg}'`);
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(seg.slice(0, eq));
      value = decodeURIComponent(seg.slice(eq + 1));
    } catch {
      throw new Refusal(10001, `bad percent-encoding in '${seg}'`);
    }
    if (out.has(name)) throw new Refusal(10001, `duplicate parameter ${name}`);
    out.set(name, value);
  }
  return out;
}
