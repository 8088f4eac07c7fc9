/**
 * A loopback HTTP stand-in for Bybit's V5 API, covering what the gateway's Bybit client uses: server
 * time, option instruments and base coins, and MMP (mmp-modify, mmp-state, mmp-reset). It is meant to
 * be at least as strict as Bybit: wrong signing bytes, headers, clocks, types, decimals or parameters
 * fail here with Bybit's retCode, and every refusal is recorded with a `detail` saying why.
 * Rules and the choices made where Bybit documents nothing: README.md in this folder.
 */
import {
  CallLog,
  header,
  HttpVenueSimulator,
  isJsonContentType,
  parseJsonObjectBody,
  parseStrictQuery,
  type VenueReply,
  type VenueRequest,
} from "../venue-sim";
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

type Reply = VenueReply;

export class BybitSimulator extends HttpVenueSimulator<BybitSimFault, BybitRecordedRequest> {
  private readonly accounts = new Map<string, AccountEntry>();
  private readonly apiCalls = new CallLog();
  private readonly ipCalls = new CallLog();
  private readonly ipBans = new Map<string, number>();
  private readonly coins: string[];

  constructor(private readonly opts: BybitSimulatorOptions = {}) {
    super("BybitSimulator", "<html><body>Service temporarily unavailable</body></html>", opts);
    this.coins = [...(opts.baseCoins ?? DEFAULT_BYBIT_BASE_COINS)];
    for (const c of this.coins) if (!BASE_COIN.test(c)) throw new Error(`BybitSimulator: bad base coin ${c}`);
    for (const a of opts.accounts ?? []) this.addAccount(a);
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
    this.queueFault(fault, options.times, options.path);
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

  protected override handle(call: VenueRequest): void {
    const { req, res, path, query, body } = call;
    const h = (name: string): string | undefined => header(req, name);
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
    const fault = this.arrive(rec, path);
    if (fault?.kind === "rateLimit") {
      const resetAt = this.serverTime() + (fault.resetInMs ?? 1000);
      const reply = this.envelopeError(
        new Refusal(10006, "injected rate limit", limitHeaders(API_LIMITS[path] ?? 10, 0, resetAt)),
      );
      this.answer(req, res, rec, reply);
    } else if (fault?.kind === "ipBan") {
      this.answer(req, res, rec, this.accessTooFrequent("injected IP ban"));
    } else {
      this.play(req, res, rec, fault, () => this.process(call, rec));
    }
  }

  protected override recordCode(rec: BybitRecordedRequest, reply: Reply): void {
    rec.retCode = reply.code;
    rec.retMsg = reply.msg;
  }

  private ok(
    result: unknown,
    extraHeaders: Record<string, string> = {},
    applied = false,
    retMsg = "OK",
  ): Reply {
    const body = `{"retCode":0,"retMsg":${JSON.stringify(retMsg)},"result":${JSON.stringify(result)},"retExtInfo":{},"time":${this.serverTime()}}`;
    return { status: 200, body, headers: extraHeaders, code: 0, msg: retMsg, applied };
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
    return { status, body, headers: r.headers, code: r.code, msg: retMsg, detail: r.detail, applied: false };
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

  private process(call: VenueRequest, rec: BybitRecordedRequest): Reply {
    const { req, path, query, body } = call;
    const ip = req.socket.remoteAddress ?? "?";
    const now = this.serverTime();
    const banned = this.ipBans.get(ip);
    if (banned !== undefined && banned > now) return this.accessTooFrequent(`IP banned until ${banned}`);
    if (this.ipCalls.count(ip, now, IP_WINDOW_MS) >= IP_LIMIT) {
      this.ipBans.set(ip, now + IP_BAN_MS);
      return this.accessTooFrequent(`more than ${IP_LIMIT} requests in ${IP_WINDOW_MS} ms`);
    }
    this.ipCalls.add(ip, now);
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
          return this.signed(method, call, rec);
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

  private signed(method: string, call: VenueRequest, rec: BybitRecordedRequest): Reply {
    const { path, query, body, tooBig } = call;
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
    const used = this.apiCalls.count(key, now, 1000);
    if (used >= limit) {
      const oldest = this.apiCalls.oldest(key)!;
      throw new Refusal(10006, `more than ${limit} calls per second`, limitHeaders(limit, 0, oldest + 1000));
    }
    this.apiCalls.add(key, now);
    const remaining = limit - (used + 1);
    const headers = limitHeaders(limit, remaining, remaining === 0 ? this.apiCalls.oldest(key)! + 1000 : now);

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
    if (!isJsonContentType(contentType)) {
      throw new Refusal(10001, "Content-Type must be application/json");
    }
    return parseJsonObjectBody(body, (detail) => new Refusal(10001, detail));
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

function parseQuery(query: string): Map<string, string> {
  return parseStrictQuery(query, (detail) => new Refusal(10001, detail));
}
