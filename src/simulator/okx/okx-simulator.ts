/**
 * A loopback HTTP stand-in for OKX's v5 REST API, covering what the gateway's OKX client uses: server
 * time, option instrument families, MMP (mmp-config set and get, mmp-reset) and Cancel All After. It
 * is meant to be at least as strict as OKX: wrong signing bytes, headers, passphrases, clocks, types or
 * parameters fail here with OKX's code, and every refusal is recorded with a `detail` saying why.
 * Rules and the choices made where OKX documents nothing: README.md in this folder.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
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
const MAX_BODY = 64 * 1024;
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

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string>;
  code?: number;
  msg?: string;
  detail?: string;
  applied: boolean;
}

interface FaultEntry {
  fault: OkxSimFault;
  remaining: number;
  path?: string;
}

export class OkxSimulator {
  private server: http.Server | undefined;
  private baseUrl = "";
  private readonly accounts = new Map<string, AccountEntry>();
  private readonly recorded: OkxRecordedRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly hung = new Set<http.ServerResponse>();
  private readonly calls = new Map<string, number[]>();
  private faults: FaultEntry[] = [];
  private clockOffsetMs: number;
  private readonly clock: () => number;
  private readonly families: string[];
  private readonly maxRecorded: number;
  private readonly timestampWindowMs: number;
  private frozenUntilForm: "epoch" | "remaining";

  constructor(private readonly opts: OkxSimulatorOptions = {}) {
    this.clock = opts.now ?? Date.now;
    this.clockOffsetMs = opts.clockOffsetMs ?? 0;
    this.families = [...(opts.instFamilies ?? DEFAULT_OKX_INST_FAMILIES)];
    for (const f of this.families)
      if (!INST_FAMILY.test(f)) throw new Error(`OkxSimulator: bad instrument family ${f}`);
    this.maxRecorded = opts.maxRecordedRequests ?? 10_000;
    this.timestampWindowMs = opts.timestampWindowMs ?? DEFAULT_TIMESTAMP_WINDOW_MS;
    this.frozenUntilForm = opts.frozenUntilForm ?? "epoch";
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
    if (this.baseUrl === "") throw new Error("OkxSimulator: call start() first");
    return this.baseUrl;
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

  /** OKX's clock: host clock + offset */
  serverTime(): number {
    return this.clock() + this.clockOffsetMs;
  }

  setClockOffset(ms: number): void {
    this.clockOffsetMs = ms;
  }

  setFrozenUntilForm(form: "epoch" | "remaining"): void {
    this.frozenUntilForm = form;
  }

  get requests(): OkxRecordedRequest[] {
    return this.recorded;
  }

  clearRequests(): void {
    this.recorded.length = 0;
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
    this.faults.push({ fault, remaining: options.times ?? 1, path: options.path });
  }

  clearFaults(): void {
    this.faults = [];
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

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(c);
    });
    req.on("end", () => this.handle(req, res, Buffer.concat(chunks).toString("utf8"), tooBig));
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
    this.record(rec);
    const passphrase = h("ok-access-passphrase");
    const fault = this.takeFault(path);
    if (fault) rec.fault = fault.kind;

    let reply: Reply;
    if (fault?.kind === "rateLimit") {
      reply = this.refuse(new Refusal(50011, "injected rate limit"));
      if (fault.retryAfterSeconds !== undefined)
        reply.headers["Retry-After"] = String(fault.retryAfterSeconds);
    } else {
      const skip =
        (fault?.kind === "status" && fault.applied !== true) ||
        ((fault?.kind === "hang" || fault?.kind === "drop") && fault.applied === false);
      const late = fault?.kind === "delay" && fault.applied === false;
      const run = () => this.process(req, path, query, body, tooBig, passphrase, rec);
      if (late) {
        // not applied on arrival: processed when the delay ends (a request held up in transit)
        const t = setTimeout(() => {
          this.timers.delete(t);
          const r = run();
          rec.applied = r.applied;
          this.send(res, r, rec);
        }, fault.ms);
        this.timers.add(t);
        return;
      }
      reply = skip ? { status: 0, body: "", headers: {}, applied: false } : run();
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

  private send(res: http.ServerResponse, reply: Reply, rec: OkxRecordedRequest): void {
    rec.status = reply.status;
    rec.code = reply.code;
    rec.msg = reply.msg;
    if (reply.detail !== undefined) rec.detail = reply.detail;
    if (res.destroyed) return;
    res.writeHead(reply.status, { "Content-Type": "application/json", ...reply.headers });
    res.end(reply.body);
  }

  private record(r: OkxRecordedRequest): void {
    this.recorded.push(r);
    if (this.recorded.length > this.maxRecorded)
      this.recorded.splice(0, this.recorded.length - this.maxRecorded);
  }

  private takeFault(path: string): OkxSimFault | undefined {
    const i = this.faults.findIndex((f) => f.path === undefined || f.path === path);
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    if (--f.remaining <= 0) this.faults.splice(i, 1);
    return f.fault;
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

  private process(
    req: http.IncomingMessage,
    path: string,
    query: string,
    body: string,
    tooBig: boolean,
    passphrase: string | undefined,
    rec: OkxRecordedRequest,
  ): Reply {
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
          return this.signed(method, path, query, body, tooBig, passphrase, rec);
        case P.mmpReset:
        case P.cancelAllAfter:
          if (method !== "POST") return this.notFound();
          return this.signed(method, path, query, body, tooBig, passphrase, rec);
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
    let times = this.calls.get(key);
    if (!times) {
      times = [];
      this.calls.set(key, times);
    }
    while (times.length > 0 && times[0]! <= now - l.windowMs) times.shift();
    if (times.length >= l.limit) {
      throw new Refusal(50011, `more than ${l.limit} ${endpoint} calls in ${l.windowMs} ms`);
    }
    times.push(now);
  }

  // ---- signed calls ----

  private signed(
    method: string,
    path: string,
    query: string,
    body: string,
    tooBig: boolean,
    passphrase: string | undefined,
    rec: OkxRecordedRequest,
  ): Reply {
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
    if (!/^application\/json(?:\s*;\s*charset=utf-8)?$/i.test(contentType ?? ""))
      throw new Refusal(50006, "Content-Type must be application/json");
    if (body === "") throw new Refusal(50000, "empty body");
    let v: unknown;
    try {
      v = JSON.parse(body);
    } catch {
      throw new Refusal(50002, "the body is not JSON");
    }
    if (typeof v !== "object" || v === null || Array.isArray(v))
      throw new Refusal(50002, "the body is not a JSON object");
    return v as Record<string, unknown>;
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

/** Strict query parsing: name=value pairs, strict percent-encoding, no duplicates, no empty segments. */
function parseQuery(query: string): Map<string, string> {
  const out = new Map<string, string>();
  if (query === "") return out;
  for (const seg of query.split("&")) {
    const eq = seg.indexOf("=");
    if (seg === "" || eq <= 0) throw new Refusal(51000, `malformed query segment '${seg}'`, "query");
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(seg.slice(0, eq));
      value = decodeURIComponent(seg.slice(eq + 1));
    } catch {
      throw new Refusal(51000, `bad percent-encoding in '${seg}'`, "query");
    }
    if (out.has(name)) throw new Refusal(51000, `duplicate parameter ${name}`, name);
    out.set(name, value);
  }
  return out;
}
