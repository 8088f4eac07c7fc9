/**
 * A loopback HTTP stand-in for OKX's v5 REST API, covering what the gateway's OKX client uses: server
 * time, option instrument families, MMP (mmp-config set and get, mmp-reset) and Cancel All After. It
 * is meant to be at least as strict as OKX: wrong signing bytes, headers, passphrases, clocks, types or
 * parameters fail here with OKX's code, and every refusal is recorded with a `detail` saying why.
 * Rules and the choices made where OKX documents nothing: README.md in this folder.
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
  OkxFaultOptions,
  OkxRecordedRequest,
  OkxSimAccount,
  OkxSimConfig,
  OkxSimFault,
  OkxSimMmpState,
  OkxSimulatorOptions,
} from "./types";
import { checkOkxSignature } from "./verify";

export const DEFAULT_OKX_INST_FAMILIES: readonly string[] = ["BTC-USD", "ETH-USD"];

/** Wording of OKX's error-code page (https://www.okx.com/docs-v5/en/#error-code-rest-api) */
export const OKX_MSG = {
  50000: "Body for POST request cannot be empty.",
  50002: "JSON syntax error",
  50006: 'Invalid Content-Type. Please use "application/JSON".',
  50011: "Too Many Requests",
  50014: "Parameter {param0} can not be empty.",
  50101: "APIKey does not match current environment",
  50102: "Timestamp request expired",
  50103: 'Request header "OK-ACCESS-KEY" cannot be empty',
  50104: 'Request header "OK-ACCESS-PASSPHRASE" cannot be empty',
  50105: 'Request header "OK-ACCESS-PASSPHRASE" incorrect',
  50106: 'Request header "OK-ACCESS-SIGN" cannot be empty',
  50107: 'Request header "OK-ACCESS-TIMESTAMP" cannot be empty',
  50111: "Invalid OK-ACCESS-KEY",
  50112: "Invalid OK-ACCESS-TIMESTAMP",
  50113: "Invalid Sign",
  51000: "Parameter {param0} error",
  51035: "This account doesn't have permission to submit MM quote order.",
  59509: "Account does not have permission to reset MMP status",
} as const;
type Code = keyof typeof OKX_MSG;

/** HTTP status OKX answers with each code (authentication 401, limits 429, parameters 400) */
const STATUS: Partial<Record<Code, number>> = {
  50000: 400,
  50002: 400,
  50006: 400,
  50011: 429,
  50014: 400,
  50101: 401,
  50102: 401,
  50103: 401,
  50104: 401,
  50105: 401,
  50106: 401,
  50107: 401,
  50111: 401,
  50112: 401,
  50113: 401,
  51000: 400,
};

const P = {
  time: "/api/v5/public/time",
  underlying: "/api/v5/public/underlying",
  mmpConfig: "/api/v5/account/mmp-config",
  mmpReset: "/api/v5/account/mmp-reset",
  cancelAllAfter: "/api/v5/trade/cancel-all-after",
} as const;

/** per user per endpoint, from OKX's docs for each endpoint */
const USER_LIMITS: Readonly<Record<string, { limit: number; windowMs: number }>> = {
  [`POST ${P.mmpConfig}`]: { limit: 2, windowMs: 10_000 },
  [`GET ${P.mmpConfig}`]: { limit: 5, windowMs: 2_000 },
  [`POST ${P.mmpReset}`]: { limit: 5, windowMs: 2_000 },
  [`POST ${P.cancelAllAfter}`]: { limit: 1, windowMs: 1_000 },
};
/** per IP, public endpoints (OKX: time 10 / 2 s, underlying 20 / 2 s) */
const IP_LIMITS: Readonly<Record<string, { limit: number; windowMs: number }>> = {
  [`GET ${P.time}`]: { limit: 10, windowMs: 2_000 },
  [`GET ${P.underlying}`]: { limit: 20, windowMs: 2_000 },
};
const DEFAULT_TIMESTAMP_WINDOW_MS = 30_000;
const API_KEY = /^[A-Za-z0-9-]{1,64}$/;
const INST_FAMILY = /^[A-Z0-9]{1,20}-[A-Z0-9]{1,20}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const NON_NEG_INT = /^(?:0|[1-9]\d{0,18})$/;
const PLAIN_DECIMAL = /^(?:0|[1-9]\d{0,29})(?:\.\d{1,30})?$/;
const INT64_MAX = 9_223_372_036_854_775_807n;

interface MmpRecord {
  timeInterval: string;
  frozenInterval: bigint;
  qtyLimit: string;
  triggeredAt: number | null;
}

interface AccountEntry {
  account: OkxSimAccount;
  mmp: Map<string, MmpRecord>;
  /** OKX's clock when Cancel All After fires, or null */
  cancelAt: number | null;
}

class Refusal extends Error {
  constructor(
    readonly code: Code,
    readonly detail: string,
    readonly param?: string,
  ) {
    super(`${code} ${detail}`);
  }
}

type Reply = VenueReply;

export class OkxSimulator extends HttpVenueSimulator<OkxSimFault, OkxRecordedRequest> {
  private readonly accounts = new Map<string, AccountEntry>();
  private readonly calls = new CallLog();
  private readonly families: string[];
  private readonly timestampWindowMs: number;
  private frozenUntilForm: "epoch" | "remaining";

  constructor(opts: OkxSimulatorOptions = {}) {
    super("OkxSimulator", "<html><body>Service temporarily unavailable</body></html>", opts);
    this.families = [...(opts.instFamilies ?? DEFAULT_OKX_INST_FAMILIES)];
    for (const f of this.families)
      if (!INST_FAMILY.test(f)) throw new Error(`OkxSimulator: bad instrument family ${f}`);
    this.timestampWindowMs = opts.timestampWindowMs ?? DEFAULT_TIMESTAMP_WINDOW_MS;
    this.frozenUntilForm = opts.frozenUntilForm ?? "epoch";
    for (const a of opts.accounts ?? []) this.addAccount(a);
  }

  // ---- accounts, state, time ----

  /** Registers an account; re-registering a key replaces its secret, passphrase and flags, keeps state. */
  addAccount(a: OkxSimAccount): void {
    if (!API_KEY.test(a.apiKey)) throw new Error("OkxSimulator: apiKey must be 1-64 letters/digits/hyphens");
    if (typeof a.secret !== "string" || a.secret.length === 0) throw new Error("OkxSimulator: empty secret");
    if (typeof a.passphrase !== "string" || a.passphrase.length === 0)
      throw new Error("OkxSimulator: empty passphrase");
    const existing = this.accounts.get(a.apiKey);
    if (existing) {
      existing.account = { ...a };
      return;
    }
    this.accounts.set(a.apiKey, { account: { ...a }, mmp: new Map(), cancelAt: null });
  }

  setFrozenUntilForm(form: "epoch" | "remaining"): void {
    this.frozenUntilForm = form;
  }

  /** undefined when the account or its MMP row for the family does not exist */
  state(apiKey: string, instFamily: string): OkxSimMmpState | undefined {
    const rec = this.accounts.get(apiKey)?.mmp.get(instFamily);
    if (!rec) return undefined;
    return {
      instFamily,
      timeInterval: rec.timeInterval,
      frozenInterval: rec.frozenInterval.toString(),
      qtyLimit: rec.qtyLimit,
      triggeredAt: rec.triggeredAt,
      mmpFrozen: this.isFrozen(rec),
      mmpFrozenUntil: this.frozenUntil(rec),
    };
  }

  /** OKX's clock when Cancel All After fires for the account, or null when disabled or unknown */
  cancelAllAfter(apiKey: string): number | null {
    return this.accounts.get(apiKey)?.cancelAt ?? null;
  }

  /** A configuration changed outside the gateway (OKX's web site, another tool): raw values, unchecked. */
  setConfigOutside(apiKey: string, c: OkxSimConfig): void {
    const entry = this.accounts.get(apiKey);
    if (!entry) throw new Error(`OkxSimulator: no account ${apiKey}`);
    const prev = entry.mmp.get(c.instFamily);
    entry.mmp.set(c.instFamily, {
      timeInterval: c.timeInterval,
      frozenInterval: BigInt(c.frozenInterval),
      qtyLimit: c.qtyLimit,
      triggeredAt: prev?.triggeredAt ?? null,
    });
  }

  /**
   * MMP triggers (maker fills reached qtyLimit within timeInterval) at `atMs` (default now, OKX's
   * clock): frozen until atMs + frozenInterval, or until a reset when frozenInterval is 0. Throws
   * without a row, or when MMP is disabled for the family (timeInterval "0").
   */
  trigger(apiKey: string, instFamily: string, atMs?: number): void {
    const rec = this.accounts.get(apiKey)?.mmp.get(instFamily);
    if (!rec) throw new Error(`OkxSimulator: no MMP row for ${apiKey} / ${instFamily}`);
    if (rec.timeInterval === "0") throw new Error(`OkxSimulator: MMP is disabled for ${instFamily}`);
    rec.triggeredAt = atMs ?? this.serverTime();
  }

  injectFault(fault: OkxSimFault, options: OkxFaultOptions = {}): void {
    this.queueFault(fault, options.times, options.path);
  }

  private isFrozen(rec: MmpRecord): boolean {
    if (rec.triggeredAt === null) return false;
    if (rec.frozenInterval === 0n) return true;
    return BigInt(this.serverTime()) < BigInt(rec.triggeredAt) + rec.frozenInterval;
  }

  /** OKX: "" unless frozen with a frozenInterval; then the end of the freeze (epoch) or ms left. */
  private frozenUntil(rec: MmpRecord): string {
    if (!this.isFrozen(rec) || rec.frozenInterval === 0n || rec.triggeredAt === null) return "";
    const end = BigInt(rec.triggeredAt) + rec.frozenInterval;
    return this.frozenUntilForm === "epoch" ? end.toString() : (end - BigInt(this.serverTime())).toString();
  }

  // ---- HTTP ----

  protected override handle(call: VenueRequest): void {
    const { req, res, path, query, body } = call;
    const h = (name: string): string | undefined => header(req, name);
    const rec: OkxRecordedRequest = {
      at: this.serverTime(),
      method: req.method ?? "",
      path,
      query,
      body,
      apiKey: h("ok-access-key"),
      timestamp: h("ok-access-timestamp"),
      passphraseSent: h("ok-access-passphrase") !== undefined,
      sign: h("ok-access-sign"),
      contentType: h("content-type"),
      simulated: h("x-simulated-trading"),
      status: 0,
      code: undefined,
      msg: undefined,
      applied: false,
    };
    const fault = this.arrive(rec, path);
    const passphrase = h("ok-access-passphrase");
    if (fault?.kind === "rateLimit") {
      const reply = this.refuse(new Refusal(50011, "injected rate limit"));
      if (fault.retryAfterSeconds !== undefined)
        reply.headers["Retry-After"] = String(fault.retryAfterSeconds);
      this.answer(req, res, rec, reply);
      return;
    }
    this.play(req, res, rec, fault, () => this.process(call, passphrase, rec));
  }

  protected override recordCode(rec: OkxRecordedRequest, reply: Reply): void {
    rec.code = reply.code;
    rec.msg = reply.msg;
  }

  private ok(data: unknown[], applied = false): Reply {
    const body = `{"code":"0","msg":"","data":${JSON.stringify(data)}}`;
    return { status: 200, body, headers: {}, code: 0, msg: "", applied };
  }

  private refuse(r: Refusal): Reply {
    const msg = OKX_MSG[r.code].replace("{param0}", r.param ?? "");
    const body = JSON.stringify({ code: String(r.code), msg, data: [] });
    return {
      status: STATUS[r.code] ?? 200,
      body,
      headers: {},
      code: r.code,
      msg,
      detail: r.detail,
      applied: false,
    };
  }

  private notFound(): Reply {
    return {
      status: 404,
      body: "<html><body>404 Not Found</body></html>",
      headers: { "Content-Type": "text/html" },
      detail: "no such route",
      applied: false,
    };
  }

  private process(call: VenueRequest, passphrase: string | undefined, rec: OkxRecordedRequest): Reply {
    const { req, path, query, body } = call;
    const method = req.method ?? "";
    try {
      switch (path) {
        case P.time:
        case P.underlying: {
          if (method !== "GET") return this.notFound();
          this.slidingLimit(`ip ${req.socket.remoteAddress ?? "?"}`, `GET ${path}`, IP_LIMITS);
          if (body !== "") throw new Refusal(51000, "a GET carries no body", "body");
          const params = parseQuery(query);
          if (path === P.time) {
            if (params.size > 0)
              throw new Refusal(51000, "public/time takes no parameters", [...params.keys()][0]);
            return this.ok([{ ts: String(this.serverTime()) }]);
          }
          for (const k of params.keys())
            if (k !== "instType") throw new Refusal(51000, `unknown parameter ${k}`, k);
          const t = params.get("instType");
          if (t === undefined || t === "") throw new Refusal(50014, "instType is required", "instType");
          if (!["SWAP", "FUTURES", "OPTION"].includes(t))
            throw new Refusal(51000, "instType must be SWAP, FUTURES or OPTION", "instType");
          return this.ok([[...this.families]]);
        }
        case P.mmpConfig:
          if (method !== "GET" && method !== "POST") return this.notFound();
          return this.signed(method, call, passphrase, rec);
        case P.mmpReset:
        case P.cancelAllAfter:
          if (method !== "POST") return this.notFound();
          return this.signed(method, call, passphrase, rec);
        default:
          return this.notFound();
      }
    } catch (e) {
      if (e instanceof Refusal) return this.refuse(e);
      throw e;
    }
  }

  /** counts one call of `who` to `endpoint`; throws 50011 past the limit */
  private slidingLimit(
    who: string,
    endpoint: string,
    limits: Readonly<Record<string, { limit: number; windowMs: number }>>,
  ): void {
    const l = limits[endpoint];
    if (l === undefined) return;
    const now = this.serverTime();
    const key = `${who}\u0000${endpoint}`;
    if (this.calls.count(key, now, l.windowMs) >= l.limit) {
      throw new Refusal(50011, `more than ${l.limit} ${endpoint} calls in ${l.windowMs} ms`);
    }
    this.calls.add(key, now);
  }

  // ---- signed calls ----

  private signed(
    method: string,
    call: VenueRequest,
    passphrase: string | undefined,
    rec: OkxRecordedRequest,
  ): Reply {
    const { path, query, body, tooBig } = call;
    const { apiKey, timestamp, sign } = rec;
    if (apiKey === undefined || apiKey === "") throw new Refusal(50103, "OK-ACCESS-KEY is missing");
    if (passphrase === undefined || passphrase === "")
      throw new Refusal(50104, "OK-ACCESS-PASSPHRASE is missing");
    if (sign === undefined || sign === "") throw new Refusal(50106, "OK-ACCESS-SIGN is missing");
    if (timestamp === undefined || timestamp === "")
      throw new Refusal(50107, "OK-ACCESS-TIMESTAMP is missing");
    const entry = this.accounts.get(apiKey);
    if (!entry) throw new Refusal(50111, "unknown API key");
    const demo = rec.simulated === "1";
    if (rec.simulated !== undefined && rec.simulated !== "1" && rec.simulated !== "0")
      throw new Refusal(50101, `x-simulated-trading must be 1 or 0, not ${rec.simulated}`);
    if ((entry.account.demo === true) !== demo) {
      throw new Refusal(
        50101,
        entry.account.demo === true
          ? "a demo-trading key without x-simulated-trading: 1"
          : "a live key with x-simulated-trading: 1",
      );
    }
    const ts = Date.parse(timestamp);
    if (!ISO_MS.test(timestamp) || Number.isNaN(ts))
      throw new Refusal(50112, "OK-ACCESS-TIMESTAMP is not ISO 8601 UTC with milliseconds");
    const now = this.serverTime();
    if (Math.abs(now - ts) > this.timestampWindowMs) {
      throw new Refusal(50102, `timestamp ${timestamp} vs server ${new Date(now).toISOString()}`);
    }
    if (passphrase !== entry.account.passphrase) throw new Refusal(50105, "wrong passphrase");
    const bad = checkOkxSignature(entry.account.secret, { timestamp, method, path, query, body, sign });
    if (bad !== undefined) throw new Refusal(50113, bad);

    this.slidingLimit(`user ${apiKey}`, `${method} ${path}`, USER_LIMITS);
    if (tooBig) throw new Refusal(51000, "body too large", "body");

    if (path === P.mmpConfig && method === "GET") {
      if (entry.account.mmp === false) throw new Refusal(51035, "the account has no MMP rights");
      if (body !== "") throw new Refusal(51000, "a GET carries no body", "body");
      const params = parseQuery(query);
      for (const k of params.keys())
        if (k !== "instFamily") throw new Refusal(51000, `unknown parameter ${k}`, k);
      const f = params.get("instFamily");
      if (f !== undefined) this.family(f);
      const rows = [...entry.mmp.entries()]
        .filter(([family]) => f === undefined || family === f)
        .map(([family, r]) => ({
          frozenInterval: r.frozenInterval.toString(),
          instFamily: family,
          mmpFrozen: this.isFrozen(r),
          mmpFrozenUntil: this.frozenUntil(r),
          qtyLimit: r.qtyLimit,
          timeInterval: r.timeInterval,
        }));
      return this.ok(rows);
    }

    const o = this.jsonBody(query, body, rec.contentType);
    if (path === P.cancelAllAfter) {
      for (const k of Object.keys(o))
        if (k !== "timeOut" && k !== "tag") throw new Refusal(51000, `unknown parameter ${k}`, k);
      const t = str(o, "timeOut");
      if (!/^(?:0|[1-9]\d{0,2})$/.test(t) || (t !== "0" && (Number(t) < 10 || Number(t) > 120)))
        throw new Refusal(51000, "timeOut must be 0 or 10 to 120 (seconds)", "timeOut");
      entry.cancelAt = t === "0" ? null : now + Number(t) * 1000;
      return this.ok([{ triggerTime: String(entry.cancelAt ?? 0), tag: "", ts: String(now) }], true);
    }
    if (path === P.mmpReset) {
      if (entry.account.mmp === false) throw new Refusal(59509, "the account has no MMP rights");
      for (const k of Object.keys(o))
        if (k !== "instType" && k !== "instFamily") throw new Refusal(51000, `unknown parameter ${k}`, k);
      if (o.instType !== undefined && o.instType !== "OPTION")
        throw new Refusal(51000, "instType must be OPTION", "instType");
      const family = this.family(str(o, "instFamily"));
      const r = entry.mmp.get(family);
      const wasFrozen = r !== undefined && r.triggeredAt !== null;
      if (r) r.triggeredAt = null;
      return this.ok([{ result: true }], wasFrozen);
    }
    // set MMP
    if (entry.account.mmp === false) throw new Refusal(51035, "the account has no MMP rights");
    for (const k of Object.keys(o))
      if (!["instFamily", "timeInterval", "frozenInterval", "qtyLimit"].includes(k))
        throw new Refusal(51000, `unknown parameter ${k}`, k);
    const family = this.family(str(o, "instFamily"));
    const time = str(o, "timeInterval");
    if (!NON_NEG_INT.test(time))
      throw new Refusal(51000, "timeInterval must be whole ms >= 0", "timeInterval");
    const frozen = str(o, "frozenInterval");
    if (!NON_NEG_INT.test(frozen) || BigInt(frozen) > INT64_MAX)
      throw new Refusal(51000, "frozenInterval must be whole ms >= 0", "frozenInterval");
    const qty = str(o, "qtyLimit");
    if (!PLAIN_DECIMAL.test(qty) || /^0(?:\.0+)?$/.test(qty))
      throw new Refusal(51000, "qtyLimit must be a plain decimal > 0", "qtyLimit");
    const prev = entry.mmp.get(family);
    entry.mmp.set(family, {
      timeInterval: time,
      frozenInterval: BigInt(frozen),
      qtyLimit: qty,
      triggeredAt: prev?.triggeredAt ?? null,
    });
    return this.ok([{ frozenInterval: frozen, instFamily: family, qtyLimit: qty, timeInterval: time }], true);
  }

  private jsonBody(query: string, body: string, contentType: string | undefined): Record<string, unknown> {
    if (query !== "") throw new Refusal(51000, "a POST carries its parameters in the JSON body", "query");
    if (!isJsonContentType(contentType)) throw new Refusal(50006, "Content-Type must be application/json");
    if (body === "") throw new Refusal(50000, "empty body");
    return parseJsonObjectBody(body, (detail) => new Refusal(50002, detail));
  }

  private family(v: string): string {
    if (!INST_FAMILY.test(v) || !this.families.includes(v))
      throw new Refusal(51000, `instFamily ${v} is not an option instrument family`, "instFamily");
    return v;
  }
}

function str(o: Record<string, unknown>, field: string): string {
  const v = o[field];
  if (v === undefined || v === "") throw new Refusal(50014, `${field} is required`, field);
  if (typeof v !== "string") throw new Refusal(51000, `${field} must be a JSON string`, field);
  return v;
}

function parseQuery(query: string): Map<string, string> {
  return parseStrictQuery(query, (detail, param) => new Refusal(51000, detail, param));
}
