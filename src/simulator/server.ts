/**
 * A loopback HTTP stand-in for Binance's options API (eapi), covering what the gateway uses: server
 * time, exchangeInfo, MMP (mmpSet / mmp / mmpReset) and the kill switch (countdownCancelAll and its
 * heartbeat).
 *
 * It is deliberately at least as strict as Binance: everything a gateway could get subtly wrong
 * (payload bytes, encoding, parameter placement, decimal formatting, clock) fails here with the code
 * Binance would answer, and each refusal is recorded with a `detail` saying why.
 *
 * Choices where Binance documents nothing are marked "Undocumented:" below and listed in README.md.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { E, SimError } from "./errors";
import { ParamReader, extractSignature, parseParams, type ParsedParams } from "./params";
import { prepareVerifyKey, verifySignature, type VerifyKey } from "./signature";
import type {
  FaultOptions,
  RecordedRequest,
  SimFault,
  SimKillSwitchState,
  SimMmpState,
  SimOutsideChange,
  SimulatorAccount,
  SimulatorLogger,
  SimulatorOptions,
} from "./types";
import { normalizeDecimal, parseEpochMs, parseIntInRange, parseLong, parsePositiveDecimal } from "./values";
import { WeightLimiter } from "./weights";

export const DEFAULT_UNDERLYINGS: readonly string[] = [
  "BTCUSDT",
  "ETHUSDT",
  "BNBUSDT",
  "SOLUSDT",
  "XRPUSDT",
  "DOGEUSDT",
];

// Binance's MMP example gives BTCUSDT underlyingId 2; the others are undocumented, so fixed and stable.
const KNOWN_UNDERLYING_IDS: Readonly<Record<string, number>> = {
  BTCUSDT: 2,
  ETHUSDT: 3,
  BNBUSDT: 4,
  SOLUSDT: 5,
  XRPUSDT: 6,
  DOGEUSDT: 7,
};
const FIRST_CUSTOM_UNDERLYING_ID = 100;

// Binance issues 64 alphanumeric keys; shorter ones are accepted so tests may use readable names.
const API_KEY_FORMAT = /^[A-Za-z0-9]{1,128}$/;
const MAX_BODY_BYTES = 64 * 1024;
const DEFAULT_RECV_WINDOW = 5000n;
const MAX_RECV_WINDOW = 60000n;
const MAX_TIMESTAMP_AHEAD_MS = 1000;
const MIN_COUNTDOWN_MS = 5000n;
const WINDOW_TIME_RULE = { min: 1n, max: 5000n, text: "(0, 5000]" };

const P = {
  time: "/eapi/v1/time",
  exchangeInfo: "/eapi/v1/exchangeInfo",
  mmpSet: "/eapi/v1/mmpSet",
  mmp: "/eapi/v1/mmp",
  mmpReset: "/eapi/v1/mmpReset",
  countdown: "/eapi/v1/countdownCancelAll",
  heartbeat: "/eapi/v1/countdownCancelAllHeartBeat",
} as const;

interface MmpRecord {
  windowTimeInMilliseconds: number;
  frozenTimeInMilliseconds: bigint;
  /** exact strings as received */
  qtyLimit: string;
  deltaLimit: string;
  lastTriggerTime: number;
}

// Undocumented: what GET mmp / mmpReset answer for an underlying never configured. Binance keeps MMP
// settings as a per-underlying row with defaults, so the plausible answer is that row with zeros, not an
// error; the simulator answers it consistently for both calls.
const UNSET_MMP: Readonly<MmpRecord> = {
  windowTimeInMilliseconds: 0,
  frozenTimeInMilliseconds: 0n,
  qtyLimit: "0",
  deltaLimit: "0",
  lastTriggerTime: 0,
};

interface KillSwitch {
  countdownTime: number;
  lastHeartbeatAt: number;
}

interface AccountEntry {
  account: SimulatorAccount;
  key: VerifyKey;
  mmp: Map<string, MmpRecord>;
  killSwitch: Map<string, KillSwitch>;
}

interface Contract {
  id: number;
  underlying: string;
  baseAsset: string;
  quoteAsset: string;
}

/** Validates the parameters and returns the mutation to run once every parameter has been read. */
type Apply = () => string;

type Endpoint = { method: "GET" | "POST"; path: string; weight: number } & (
  | { signed: false; prepare: (r: ParamReader) => Apply }
  | { signed: true; prepare: (r: ParamReader, account: AccountEntry) => Apply }
);

interface Answer {
  status: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
  accepted: boolean;
  error?: SimError;
}

interface FaultEntry {
  fault: SimFault;
  remaining: number;
  path?: string;
}

interface PendingSleep {
  timer: NodeJS.Timeout;
  resolve: () => void;
}

const JSON_TYPE = "application/json;charset=UTF-8";
const noopLogger: SimulatorLogger = { info: () => undefined };

export class ExchangeSimulator {
  private server: http.Server | undefined;
  private baseUrl = "";
  private readonly host: string;
  private readonly port: number;
  private readonly logger: SimulatorLogger;
  private readonly clock: () => number;
  private clockOffsetMs: number;
  private readonly contracts: Contract[];
  private readonly contractByUnderlying = new Map<string, Contract>();
  private readonly accounts = new Map<string, AccountEntry>();
  private readonly recorded: RecordedRequest[] = [];
  private faults: FaultEntry[] = [];
  private readonly limiter: WeightLimiter;
  private readonly sockets = new Set<Socket>();
  private readonly sleeps = new Set<PendingSleep>();
  private readonly endpoints: Endpoint[];

  private readonly maxRecorded: number;
  private readonly controlRoutes: boolean;

  constructor(opts: SimulatorOptions = {}) {
    this.maxRecorded = opts.maxRecordedRequests ?? 10_000;
    this.controlRoutes = opts.controlRoutes ?? false;
    this.host = opts.host ?? "127.0.0.1";
    this.port = opts.port ?? 0;
    this.logger = opts.logger ?? noopLogger;
    this.clock = opts.now ?? Date.now;
    this.clockOffsetMs = opts.clockOffsetMs ?? 0;
    const limit = opts.weightLimitPerMinute ?? 2400;
    if (!Number.isInteger(limit) || limit <= 0)
      throw new Error("weightLimitPerMinute must be a positive integer");
    this.limiter = new WeightLimiter(limit);
    this.contracts = buildContracts(opts.underlyings ?? [...DEFAULT_UNDERLYINGS]);
    for (const c of this.contracts) this.contractByUnderlying.set(c.underlying, c);
    for (const a of opts.accounts ?? []) this.addAccount(a);
    this.endpoints = this.buildEndpoints();
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  async start(): Promise<string> {
    if (this.server) return this.baseUrl;
    const server = http.createServer((req, res) => this.onRequest(req, res));
    server.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, this.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
    const addr = server.address() as AddressInfo;
    const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
    this.baseUrl = `http://${host}:${addr.port}`;
    this.logger.info(`exchange simulator listening on ${this.baseUrl}`);
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sleeps) {
      clearTimeout(s.timer);
      s.resolve();
    }
    this.sleeps.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await closed;
    this.logger.info("exchange simulator stopped");
  }

  /** the base URL, e.g. http://127.0.0.1:43121; throws before start() */
  get url(): string {
    if (this.baseUrl === "") throw new Error("ExchangeSimulator: call start() first");
    return this.baseUrl;
  }

  // ---- accounts and state ----------------------------------------------------------------------

  /** Registers an account; re-registering an API key replaces its key material and keeps its state. */
  addAccount(a: SimulatorAccount): void {
    if (!API_KEY_FORMAT.test(a.apiKey)) {
      throw new Error(`simulator account: apiKey must be 1-128 letters/digits, got '${a.apiKey}'`);
    }
    const key = prepareVerifyKey(a);
    const existing = this.accounts.get(a.apiKey);
    const account = { ...a };
    if (existing) {
      existing.account = account;
      existing.key = key;
    } else {
      this.accounts.set(a.apiKey, { account, key, mmp: new Map(), killSwitch: new Map() });
    }
  }

  removeAccount(apiKey: string): void {
    this.accounts.delete(apiKey);
  }

  /** every request received, oldest first (live array) */
  get requests(): RecordedRequest[] {
    return this.recorded;
  }

  clearRequests(): void {
    this.recorded.length = 0;
  }

  /** the exchange's clock: host clock + clockOffsetMs */
  serverTime(): number {
    return this.clock() + this.clockOffsetMs;
  }

  setClockOffset(ms: number): void {
    this.clockOffsetMs = ms;
  }

  underlyingId(underlying: string): number | undefined {
    return this.contractByUnderlying.get(underlying)?.id;
  }

  /** undefined when the account is unknown or mmpSet never succeeded for this underlying */
  mmpState(apiKey: string, underlying: string): SimMmpState | undefined {
    const rec = this.accounts.get(apiKey)?.mmp.get(underlying);
    const contract = this.contractByUnderlying.get(underlying);
    if (!rec || !contract) return undefined;
    return {
      underlyingId: contract.id,
      underlying,
      windowTimeInMilliseconds: rec.windowTimeInMilliseconds,
      frozenTimeInMilliseconds: rec.frozenTimeInMilliseconds,
      qtyLimit: rec.qtyLimit,
      deltaLimit: rec.deltaLimit,
      lastTriggerTime: rec.lastTriggerTime,
      frozen: this.isFrozen(rec),
    };
  }

  /**
   * Simulates MMP triggering (the traded quantity or delta reached a limit): sets lastTriggerTime, so
   * MMP orders are frozen for frozenTimeInMilliseconds (0: until mmpReset). Throws if the account or
   * its config for the underlying does not exist: MMP cannot trigger unconfigured.
   */
  trigger(apiKey: string, underlying: string, atMs?: number): void {
    const rec = this.accounts.get(apiKey)?.mmp.get(underlying);
    if (!rec) throw new Error(`simulator: no MMP config for ${apiKey} / ${underlying}; call mmpSet first`);
    rec.lastTriggerTime = atMs ?? this.serverTime();
  }

  /**
   * Changes an MMP config as a tool outside the gateway would (the exchange's web UI, another API
   * client): no request is recorded and no weight is counted at the gateway's IP. The values are taken
   * as given (already valid); lastTriggerTime is kept, as mmpSet keeps it.
   */
  changeOutside(apiKey: string, settings: SimOutsideChange): void {
    const a = this.accounts.get(apiKey);
    const contract = this.contractByUnderlying.get(settings.underlying);
    if (!a || !contract) throw new Error(`simulator: unknown account or underlying ${settings.underlying}`);
    const previous = a.mmp.get(settings.underlying);
    a.mmp.set(settings.underlying, {
      windowTimeInMilliseconds: settings.windowTimeInMilliseconds,
      frozenTimeInMilliseconds: settings.frozenTimeInMilliseconds,
      qtyLimit: settings.qtyLimit,
      deltaLimit: settings.deltaLimit,
      lastTriggerTime: previous?.lastTriggerTime ?? 0,
    });
  }

  /**
   * Counts `weight` at `ip` in the current minute as other traffic from the same IP would (another
   * service behind the same NAT, a script with the desk's keys): what x-mbx-used-weight-1m then
   * reports includes it, and the 429 comes sooner.
   */
  useWeight(ip: string, weight: number): number {
    if (!Number.isSafeInteger(weight) || weight < 0) throw new Error("useWeight: weight must be >= 0");
    return this.limiter.add(ip, weight, this.serverTime());
  }

  /** weight counted at `ip` in the current minute */
  usedWeight(ip: string): number {
    return this.limiter.used(ip, this.serverTime());
  }

  killSwitchState(apiKey: string, underlying: string): SimKillSwitchState | undefined {
    const k = this.accounts.get(apiKey)?.killSwitch.get(underlying);
    if (!k) return undefined;
    const expiresAt = k.lastHeartbeatAt + k.countdownTime;
    return {
      underlying,
      countdownTime: k.countdownTime,
      lastHeartbeatAt: k.lastHeartbeatAt,
      expiresAt,
      fired: this.serverTime() >= expiresAt,
    };
  }

  // ---- faults ----------------------------------------------------------------------------------

  /** Queues a fault; faults are consumed in the order injected, first matching one per request. */
  injectFault(fault: SimFault, opts: FaultOptions = {}): void {
    const times = opts.times ?? 1;
    if (!Number.isInteger(times) || times < 1)
      throw new Error("injectFault: times must be a positive integer");
    if ((fault.kind === "delay" || fault.kind === "applyThenDelay") && !(fault.ms >= 0)) {
      throw new Error("injectFault: ms must be >= 0");
    }
    if (
      fault.kind === "rateLimit" &&
      !(Number.isInteger(fault.retryAfterSeconds) && fault.retryAfterSeconds >= 0)
    ) {
      throw new Error("injectFault: retryAfterSeconds must be a non-negative integer");
    }
    this.faults.push({ fault: { ...fault }, remaining: times, path: opts.path });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** forgets all weight counters and IP bans */
  resetRateLimits(): void {
    this.limiter.reset();
  }

  private takeFault(path: string): SimFault | undefined {
    const entry = this.faults.find((f) => f.path === undefined || f.path === path);
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.faults = this.faults.filter((f) => f !== entry);
    return entry.fault;
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  /**
   * The demo's control routes (POST, parameters in the query string):
   * - `/__simulator/trigger?apiKey&underlying`: MMP triggers now;
   * - `/__simulator/outside-change?apiKey&underlying&windowTimeInMilliseconds&frozenTimeInMilliseconds&qtyLimit&deltaLimit`:
   *   a config changed as the exchange's UI would;
   * - `/__simulator/weight?weight[&ip]`: other traffic's request weight at an IP (default: the caller's).
   */
  private handleControlRoute(
    path: string,
    rawQuery: string,
    callerIp: string,
    res: http.ServerResponse,
  ): void {
    const params = new URLSearchParams(rawQuery);
    const apiKey = params.get("apiKey") ?? "";
    const underlying = params.get("underlying") ?? "";
    try {
      let answer: unknown;
      if (path === "/__simulator/trigger") {
        this.trigger(apiKey, underlying);
        answer = {
          triggered: underlying,
          lastTriggerTime: this.mmpState(apiKey, underlying)?.lastTriggerTime,
        };
      } else if (path === "/__simulator/outside-change") {
        const window = Number(params.get("windowTimeInMilliseconds"));
        const frozen = params.get("frozenTimeInMilliseconds") ?? "";
        const qtyLimit = params.get("qtyLimit") ?? "";
        const deltaLimit = params.get("deltaLimit") ?? "";
        if (!Number.isInteger(window) || window <= 0 || window > 5000)
          throw new Error("windowTimeInMilliseconds: 1..5000");
        if (!/^\d{1,18}$/.test(frozen)) throw new Error("frozenTimeInMilliseconds: a non-negative integer");
        if (!/^\d+(\.\d+)?$/.test(qtyLimit) || !/^\d+(\.\d+)?$/.test(deltaLimit)) {
          throw new Error("qtyLimit and deltaLimit: plain decimals");
        }
        this.changeOutside(apiKey, {
          underlying,
          windowTimeInMilliseconds: window,
          frozenTimeInMilliseconds: BigInt(frozen),
          qtyLimit,
          deltaLimit,
        });
        answer = { changed: underlying };
      } else if (path === "/__simulator/weight") {
        const weight = Number(params.get("weight"));
        const ip = params.get("ip") ?? callerIp;
        answer = { ip, usedWeight: this.useWeight(ip, weight) };
      } else {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: `no control route ${path}` }));
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(answer));
    } catch (e) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
    }
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    readBody(req).then(
      (body) =>
        this.handle(req, res, body).catch((e: unknown) => {
          this.logger.info("exchange simulator: internal fault", e);
          if (!res.headersSent && !res.destroyed) res.destroy();
        }),
      () => res.destroy(),
    );
  }

  private async handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer | undefined,
  ): Promise<void> {
    const method = req.method ?? "GET";
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const rawQuery = q < 0 ? "" : rawUrl.slice(q + 1);
    if (this.controlRoutes && method === "POST" && path.startsWith("/__simulator/")) {
      this.handleControlRoute(path, rawQuery, req.socket.remoteAddress ?? "unknown", res);
      return;
    }
    const rawBody = body ? body.toString("latin1") : "";
    const apiKeyHeader = req.headers["x-mbx-apikey"];
    const ip = req.socket.remoteAddress ?? "unknown";
    const endpoint = this.endpoints.find((e) => e.method === method && e.path === path);
    const weight = endpoint?.weight ?? 1;
    const record: RecordedRequest = {
      method,
      path,
      rawQuery,
      rawBody,
      apiKey: Array.isArray(apiKeyHeader) ? apiKeyHeader.join(", ") : apiKeyHeader,
      accepted: false,
      status: 0,
      params: {},
      weight,
      at: this.clock(),
    };
    this.recorded.push(record);
    if (this.recorded.length > this.maxRecorded)
      this.recorded.splice(0, this.recorded.length - this.maxRecorded);
    this.limiter.add(ip, weight, this.serverTime());

    const fault = this.takeFault(path);
    if (fault) record.fault = fault.kind;

    // Faults that strike before the request is processed.
    switch (fault?.kind) {
      case "reset":
        return this.destroy(req, record);
      case "html":
        return this.reply(res, record, ip, htmlAnswer(fault.status ?? 502));
      case "rateLimit": {
        const err =
          fault.status === 429
            ? E.tooManyRequests(this.limiter.limit, fault.retryAfterSeconds)
            : E.banned(this.serverTime() + fault.retryAfterSeconds * 1000, fault.retryAfterSeconds);
        return this.reply(res, record, ip, errorAnswer(err));
      }
      case "timestampSkew":
        return this.reply(res, record, ip, errorAnswer(E.timestampOutside("injected fault: timestampSkew")));
      case "status":
        if (!fault.applied) return this.reply(res, record, ip, statusAnswer(fault));
        break;
      case "delay":
        await this.sleep(fault.ms);
        // Stopped while waiting: a stopped exchange executes nothing.
        if (!this.server) return this.destroy(req, record);
        break;
      default:
        break;
    }

    const answer =
      body === undefined
        ? errorAnswer(E.bodyTooLarge())
        : this.process({
            method,
            path,
            rawQuery,
            rawBody,
            apiKeyHeader,
            ip,
            endpoint,
            record,
            contentType: req.headers["content-type"],
          });
    record.accepted = answer.accepted;

    // Faults that strike after the request was processed (and possibly applied).
    switch (fault?.kind) {
      case "applyThenReset":
        return this.destroy(req, record);
      case "applyThenDelay":
        await this.sleep(fault.ms);
        return this.reply(res, record, ip, answer);
      case "status":
        return this.reply(res, record, ip, { ...statusAnswer(fault), accepted: answer.accepted });
      case "malformedJson":
        return this.reply(res, record, ip, {
          ...answer,
          body: answer.body.slice(0, Math.max(1, answer.body.length >> 1)),
        });
      default:
        return this.reply(res, record, ip, answer);
    }
  }

  private process(ctx: {
    method: string;
    path: string;
    rawQuery: string;
    rawBody: string;
    apiKeyHeader: string | string[] | undefined;
    contentType: string | undefined;
    ip: string;
    endpoint: Endpoint | undefined;
    record: RecordedRequest;
  }): Answer {
    try {
      const admission = this.limiter.admit(ctx.ip, this.serverTime());
      if (!admission.ok) {
        throw admission.status === 429
          ? E.tooManyRequests(this.limiter.limit, admission.retryAfterSeconds)
          : E.banned(admission.bannedUntil, admission.retryAfterSeconds);
      }
      const ep = ctx.endpoint;
      if (!ep) throw E.noSuchPath(ctx.method, ctx.path);
      if (ctx.rawBody !== "") {
        if (ctx.method !== "POST") throw E.malformedRequest("a GET request must not carry a body");
        if (!isFormContentType(ctx.contentType)) {
          throw E.malformedRequest(
            `a body needs Content-Type application/x-www-form-urlencoded, got '${ctx.contentType ?? ""}'`,
          );
        }
      }
      const parsed = parseParams(ctx.rawQuery, ctx.rawBody);
      ctx.record.params = Object.fromEntries([...parsed.merged].map(([name, s]) => [name, s.value]));
      const reader = new ParamReader(parsed.merged);
      let apply: Apply;
      if (ep.signed) {
        const account = this.authenticate(ctx.rawQuery, ctx.rawBody, ctx.apiKeyHeader, parsed, reader);
        apply = ep.prepare(reader, account);
      } else {
        apply = ep.prepare(reader);
      }
      // Binance reports parameters it never read (-1104), and then nothing is executed.
      reader.assertAllRead();
      return { status: 200, body: apply(), accepted: true };
    } catch (e) {
      if (e instanceof SimError) return errorAnswer(e);
      this.logger.info("exchange simulator: unexpected error", e);
      return errorAnswer(E.unknown());
    }
  }

  /**
   * The checks of a signed (TRADE) call, in Binance's order: API key, timestamp and recvWindow,
   * signature, then the account's permission.
   */
  private authenticate(
    rawQuery: string,
    rawBody: string,
    header: string | string[] | undefined,
    parsed: ParsedParams,
    reader: ParamReader,
  ): AccountEntry {
    if (header === undefined || header === "")
      throw E.badApiKeyFormat("X-MBX-APIKEY header missing or empty");
    if (Array.isArray(header) || !API_KEY_FORMAT.test(header)) {
      throw E.badApiKeyFormat("X-MBX-APIKEY is not one key of letters and digits");
    }
    const entry = this.accounts.get(header);
    if (!entry) throw E.rejectedKey("unknown API key");

    const timestamp = parseEpochMs("timestamp", reader.required("timestamp"));
    const rw = reader.optional("recvWindow");
    let recvWindow = DEFAULT_RECV_WINDOW;
    if (rw !== undefined) {
      recvWindow = parseLong("recvWindow", rw);
      if (recvWindow < 0n || recvWindow > MAX_RECV_WINDOW) {
        throw E.badRecvWindow(`recvWindow ${rw} is outside [0, ${MAX_RECV_WINDOW}]`);
      }
    }
    const now = this.serverTime();
    if (timestamp >= now + MAX_TIMESTAMP_AHEAD_MS) {
      throw E.timestampAhead(`timestamp ${timestamp} is ${timestamp - now} ms ahead of server time ${now}`);
    }
    if (BigInt(now - timestamp) > recvWindow) {
      throw E.timestampOutside(
        `timestamp ${timestamp} is ${now - timestamp} ms old; recvWindow ${recvWindow}`,
      );
    }

    reader.consume("signature");
    const { payload, signature } = extractSignature(rawQuery, rawBody, parsed);
    verifySignature(entry.key, payload, signature);

    // Binance documents no code for "MMP not enabled"; accounts without the right report -2015.
    if (entry.account.mmpEnabled === false) {
      throw E.rejectedKey("the account has no market-maker (MMP) permission");
    }
    return entry;
  }

  private destroy(req: http.IncomingMessage, record: RecordedRequest): void {
    record.status = 0;
    this.logger.info(`sim ${record.method} ${record.path} -> connection reset (${record.fault ?? ""})`);
    // An RST rather than a FIN, as a dropped connection through a load balancer looks to the client.
    req.socket.resetAndDestroy();
  }

  private reply(res: http.ServerResponse, record: RecordedRequest, ip: string, a: Answer): void {
    record.status = a.status;
    if (a.error) {
      record.errorCode = a.error.code;
      record.errorMsg = a.error.msg;
      record.detail = a.error.detail;
    }
    this.logger.info(
      `sim ${record.method} ${record.path} -> ${a.status}${a.error ? ` ${a.error.code} ${a.error.msg}` : ""}` +
        `${a.error?.detail ? ` (${a.error.detail})` : ""}${record.fault ? ` [fault ${record.fault}]` : ""}`,
    );
    if (res.destroyed || res.headersSent || !this.server) return;
    const used = String(this.limiter.used(ip, this.serverTime()));
    res.writeHead(a.status, {
      "Content-Type": a.contentType ?? JSON_TYPE,
      "Content-Length": Buffer.byteLength(a.body),
      "x-mbx-used-weight": used,
      "x-mbx-used-weight-1m": used,
      ...a.headers,
    });
    res.end(a.body);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const pending: PendingSleep = {
        timer: setTimeout(() => {
          this.sleeps.delete(pending);
          resolve();
        }, ms),
        resolve,
      };
      this.sleeps.add(pending);
    });
  }

  // ---- endpoints -------------------------------------------------------------------------------

  private buildEndpoints(): Endpoint[] {
    return [
      { method: "GET", path: P.time, weight: 1, signed: false, prepare: () => () => this.timeJson() },
      {
        method: "GET",
        path: P.exchangeInfo,
        weight: 1,
        signed: false,
        prepare: () => () => this.exchangeInfoJson(),
      },
      { method: "POST", path: P.mmpSet, weight: 1, signed: true, prepare: (r, a) => this.mmpSet(r, a) },
      { method: "GET", path: P.mmp, weight: 1, signed: true, prepare: (r, a) => this.mmpGet(r, a) },
      { method: "POST", path: P.mmpReset, weight: 1, signed: true, prepare: (r, a) => this.mmpReset(r, a) },
      {
        method: "POST",
        path: P.countdown,
        weight: 1,
        signed: true,
        prepare: (r, a) => this.countdownSet(r, a),
      },
      {
        method: "GET",
        path: P.countdown,
        weight: 1,
        signed: true,
        prepare: (r, a) => this.countdownGet(r, a),
      },
      {
        method: "POST",
        path: P.heartbeat,
        weight: 10,
        signed: true,
        prepare: (r, a) => this.heartbeat(r, a),
      },
    ];
  }

  private timeJson(): string {
    return JSON.stringify({ serverTime: this.serverTime() });
  }

  private exchangeInfoJson(): string {
    const quoteAssets = [...new Set(this.contracts.map((c) => c.quoteAsset))];
    return JSON.stringify({
      timezone: "UTC",
      serverTime: this.serverTime(),
      optionContracts: this.contracts.map((c) => ({
        id: c.id,
        baseAsset: c.baseAsset,
        quoteAsset: c.quoteAsset,
        underlying: c.underlying,
        settleAsset: c.quoteAsset,
      })),
      optionAssets: quoteAssets.map((name, i) => ({ id: i + 1, name })),
      optionSymbols: [],
      rateLimits: [
        { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: this.limiter.limit },
        { rateLimitType: "ORDERS", interval: "MINUTE", intervalNum: 1, limit: 1200 },
        { rateLimitType: "ORDERS", interval: "SECOND", intervalNum: 10, limit: 300 },
      ],
    });
  }

  private underlying(value: string): Contract {
    const c = this.contractByUnderlying.get(value);
    if (!c) throw E.invalidUnderlying(value);
    return c;
  }

  private mmpSet(r: ParamReader, a: AccountEntry): Apply {
    // Presence of every mandatory parameter first, then the values, as Binance reports -1102 before
    // value errors.
    const raw = {
      underlying: r.required("underlying"),
      window: r.required("windowTimeInMilliseconds"),
      frozen: r.required("frozenTimeInMilliseconds"),
      qty: r.required("qtyLimit"),
      delta: r.required("deltaLimit"),
    };
    const contract = this.underlying(raw.underlying);
    const window = parseIntInRange(
      "windowTimeInMilliseconds",
      raw.window,
      WINDOW_TIME_RULE.min,
      WINDOW_TIME_RULE.max,
      WINDOW_TIME_RULE.text,
    );
    const frozen = parseLong("frozenTimeInMilliseconds", raw.frozen);
    if (frozen < 0n) throw E.invalidValue("frozenTimeInMilliseconds", `${raw.frozen} is negative`);
    const qtyLimit = parsePositiveDecimal("qtyLimit", raw.qty);
    const deltaLimit = parsePositiveDecimal("deltaLimit", raw.delta);
    return () => {
      // Undocumented: whether mmpSet clears a trigger. The simulator keeps lastTriggerTime (and so the
      // frozen state): only mmpReset unfreezes, which is what the reset endpoint exists for.
      const previous = a.mmp.get(contract.underlying);
      const rec: MmpRecord = {
        windowTimeInMilliseconds: window,
        frozenTimeInMilliseconds: frozen,
        qtyLimit,
        deltaLimit,
        lastTriggerTime: previous?.lastTriggerTime ?? 0,
      };
      a.mmp.set(contract.underlying, rec);
      return mmpJson(contract, rec);
    };
  }

  private mmpGet(r: ParamReader, a: AccountEntry): Apply {
    const contract = this.underlying(r.required("underlying"));
    return () => mmpJson(contract, a.mmp.get(contract.underlying) ?? UNSET_MMP);
  }

  private mmpReset(r: ParamReader, a: AccountEntry): Apply {
    const contract = this.underlying(r.required("underlying"));
    return () => {
      // Undocumented: the effect on lastTriggerTime. Binance's reset example answers lastTriggerTime 0,
      // so reset clears it: the config is unfrozen and reads as never triggered since.
      const rec = a.mmp.get(contract.underlying);
      if (rec) rec.lastTriggerTime = 0;
      return mmpJson(contract, rec ?? UNSET_MMP);
    };
  }

  private countdownSet(r: ParamReader, a: AccountEntry): Apply {
    const raw = { underlying: r.required("underlying"), countdown: r.required("countdownTime") };
    const contract = this.underlying(raw.underlying);
    const n = parseLong("countdownTime", raw.countdown);
    if (n < 0n) throw E.invalidValue("countdownTime", `${raw.countdown} is negative`);
    if (n !== 0n && n < MIN_COUNTDOWN_MS) {
      throw E.invalidValue(
        "countdownTime",
        `${raw.countdown}: 0 disables, otherwise at least ${MIN_COUNTDOWN_MS}`,
      );
    }
    if (n > BigInt(Number.MAX_SAFE_INTEGER))
      throw E.invalidValue("countdownTime", `${raw.countdown} is too large`);
    const countdownTime = Number(n);
    return () => {
      if (countdownTime === 0) a.killSwitch.delete(contract.underlying);
      else a.killSwitch.set(contract.underlying, { countdownTime, lastHeartbeatAt: this.serverTime() });
      return JSON.stringify({ underlying: contract.underlying, countdownTime });
    };
  }

  private countdownGet(r: ParamReader, a: AccountEntry): Apply {
    const u = r.optional("underlying");
    const contract = u === undefined ? undefined : this.underlying(u);
    return () => {
      if (contract) {
        // Undocumented: a single underlying without an active timer. Answered as the disabled value
        // (0) so the shape stays one object whenever an underlying is given.
        const k = a.killSwitch.get(contract.underlying);
        return JSON.stringify({ underlying: contract.underlying, countdownTime: k?.countdownTime ?? 0 });
      }
      // Without an underlying: a list of the active timers (possibly empty), in exchangeInfo order.
      const list = this.contracts.flatMap((c) => {
        const k = a.killSwitch.get(c.underlying);
        return k ? [{ underlying: c.underlying, countdownTime: k.countdownTime }] : [];
      });
      return JSON.stringify(list);
    };
  }

  private heartbeat(r: ParamReader, a: AccountEntry): Apply {
    const raw = r.required("underlyings");
    const names = raw.split(",");
    if (names.some((n) => n === "")) throw E.mandatory("underlyings", `empty item in '${raw}'`);
    // Stricter than the documented "only refreshed ones are listed": an unlisted name is a client bug.
    const contracts = [...new Set(names)].map((n) => this.underlying(n));
    return () => {
      const now = this.serverTime();
      const refreshed: string[] = [];
      for (const c of contracts) {
        const k = a.killSwitch.get(c.underlying);
        if (!k) continue;
        k.lastHeartbeatAt = now;
        refreshed.push(c.underlying);
      }
      return JSON.stringify({ underlyings: refreshed });
    };
  }

  private isFrozen(rec: MmpRecord): boolean {
    if (rec.lastTriggerTime === 0) return false;
    if (rec.frozenTimeInMilliseconds === 0n) return true;
    return BigInt(this.serverTime()) < BigInt(rec.lastTriggerTime) + rec.frozenTimeInMilliseconds;
  }
}

// ---- helpers -----------------------------------------------------------------------------------

function buildContracts(underlyings: readonly string[]): Contract[] {
  if (underlyings.length === 0) throw new Error("simulator: at least one underlying is needed");
  const used = new Set<number>();
  let next = FIRST_CUSTOM_UNDERLYING_ID;
  const out: Contract[] = [];
  for (const u of underlyings) {
    const m = /^([A-Z0-9]+?)(USDT|USDC)$/.exec(u);
    if (!m || m[1] === undefined || m[2] === undefined) {
      throw new Error(`simulator: underlying '${u}' must be <BASE>USDT or <BASE>USDC in capitals`);
    }
    if (out.some((c) => c.underlying === u)) throw new Error(`simulator: underlying '${u}' listed twice`);
    let id = KNOWN_UNDERLYING_IDS[u];
    if (id === undefined) {
      while (used.has(next)) next++;
      id = next;
    }
    used.add(id);
    out.push({ id, underlying: u, baseAsset: m[1], quoteAsset: m[2] });
  }
  return out;
}

/**
 * The documented MMP shape, written by hand: frozenTimeInMilliseconds is a 64-bit value that
 * JSON.stringify cannot write from a bigint, and the limits go out as strings, normalized like Binance.
 */
function mmpJson(c: Contract, rec: Readonly<MmpRecord>): string {
  return (
    `{"underlyingId":${c.id},"underlying":${JSON.stringify(c.underlying)},` +
    `"windowTimeInMilliseconds":${rec.windowTimeInMilliseconds},` +
    `"frozenTimeInMilliseconds":${rec.frozenTimeInMilliseconds.toString()},` +
    `"qtyLimit":${JSON.stringify(normalizeDecimal(rec.qtyLimit))},` +
    `"deltaLimit":${JSON.stringify(normalizeDecimal(rec.deltaLimit))},` +
    `"lastTriggerTime":${rec.lastTriggerTime}}`
  );
}

function isFormContentType(header: string | undefined): boolean {
  if (!header) return false;
  const [type = "", ...params] = header.split(";").map((s) => s.trim().toLowerCase());
  if (type !== "application/x-www-form-urlencoded") return false;
  return params.every((p) => !p.startsWith("charset=") || p === "charset=utf-8" || p === 'charset="utf-8"');
}

function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on("end", () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function errorAnswer(e: SimError): Answer {
  return { status: e.status, body: e.body(), headers: e.headers, accepted: false, error: e };
}

const STATUS_BODIES: Record<number, { code: number; msg: string }> = {
  500: { code: -1000, msg: "An unknown error occurred while processing the request." },
  502: { code: -1001, msg: "Internal error; unable to process your request. Please try again." },
  503: { code: -1001, msg: "Service Unavailable." },
  504: {
    code: -1007,
    msg: "Timeout waiting for response from backend server. Send status unknown; execution status unknown.",
  },
};

function statusAnswer(f: Extract<SimFault, { kind: "status" }>): Answer {
  // Binance's 503 after executing says the outcome is unknown, a 503 before says "Service Unavailable.".
  const std =
    f.status === 503 && f.applied
      ? { code: -1000, msg: "Unknown error, please check your request or try again later." }
      : (STATUS_BODIES[f.status] ?? STATUS_BODIES[500]);
  const error = std ? new SimError(f.status, std.code, std.msg, "injected fault") : undefined;
  return { status: f.status, body: f.body ?? error?.body() ?? "", accepted: false, error };
}

function htmlAnswer(status: number): Answer {
  const body =
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${status} ERROR</title></head>` +
    `<body><h1>${status} ERROR</h1><h2>The request could not be satisfied.</h2>` +
    `<p>The server is temporarily unable to service your request. Please try again later.</p>` +
    `<hr><p>Generated by the edge proxy (simulated)</p></body></html>\n`;
  return { status, body, contentType: "text/html; charset=utf-8", accepted: false };
}
