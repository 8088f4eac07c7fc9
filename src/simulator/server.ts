/**
 * A loopback HTTP stand-in for Binance's options API (eapi), covering what the gateway uses: server
 * time, exchangeInfo, MMP (mmpSet / mmp / mmpReset) and the kill switch (countdownCancelAll and its
 * heartbeat).
 *
 * It is deliberately at least as strict as Binance: everything a gateway could get subtly wrong
 * (payload bytes, encoding, parameter placement, decimal formatting, clock) fails here with the code
 * Binance would answer, and each refusal is recorded with a `detail` saying why.
 *
 * This file holds the lifecycle, the state and the test API, and runs each request: record it, count
 * its weight, play a fault around it, answer. The checks and endpoints live in the modules it imports.
 * Choices where Binance documents nothing are marked "Undocumented:" in them and listed in README.md.
 */
import type http from "node:http";
import { API_KEY_FORMAT, isFrozen, type AccountEntry } from "./accounts";
import { buildContracts, DEFAULT_UNDERLYINGS, listedContract, type Contract } from "./contracts";
import { CONTROL_PREFIX, handleControlRoute } from "./control-routes";
import { buildEndpoints, type Endpoint } from "./endpoints";
import { E } from "./errors";
import { executeCall, type ExecuteContext } from "./execute";
import { afterProcessing, beforeProcessing, FaultQueue } from "./faults";
import { errorAnswer, readBody, resetConnection, splitUrl, writeAnswer, type Answer } from "./http";
import { prepareVerifyKey } from "./signature";
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
import { LoopbackServer } from "./venue-sim/loopback-server";
import { WeightLimiter } from "./weights";

interface PendingSleep {
  timer: NodeJS.Timeout;
  resolve: () => void;
}

const noopLogger: SimulatorLogger = { info: () => undefined };

export class ExchangeSimulator {
  private readonly http = new LoopbackServer("ExchangeSimulator");
  private readonly host: string;
  private readonly port: number;
  private readonly logger: SimulatorLogger;
  private readonly clock: () => number;
  private clockOffsetMs: number;
  private readonly contracts: Contract[];
  private readonly contractByUnderlying = new Map<string, Contract>();
  private readonly accounts = new Map<string, AccountEntry>();
  private readonly recorded: RecordedRequest[] = [];
  private readonly faults = new FaultQueue();
  private readonly limiter: WeightLimiter;
  private readonly sleeps = new Set<PendingSleep>();
  private readonly endpoints: Endpoint[];
  private readonly execution: ExecuteContext;

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
    this.endpoints = buildEndpoints({
      contracts: this.contracts,
      listed: (underlying) => listedContract(this.contractByUnderlying, underlying),
      serverTime: () => this.serverTime(),
      weightLimit: this.limiter.limit,
    });
    this.execution = {
      limiter: this.limiter,
      accounts: this.accounts,
      serverTime: () => this.serverTime(),
      logger: this.logger,
    };
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  async start(): Promise<string> {
    if (this.http.running) return this.http.url;
    const url = await this.http.start((req, res) => this.onRequest(req, res), this.host, this.port);
    this.logger.info(`exchange simulator listening on ${url}`);
    return url;
  }

  async stop(): Promise<void> {
    if (!this.http.running) return;
    await this.http.stop(() => {
      for (const s of this.sleeps) {
        clearTimeout(s.timer);
        s.resolve();
      }
      this.sleeps.clear();
    });
    this.logger.info("exchange simulator stopped");
  }

  /** the base URL, e.g. http://127.0.0.1:43121; throws before start() */
  get url(): string {
    return this.http.url;
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
      frozen: isFrozen(rec, this.serverTime()),
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
    this.faults.inject(fault, opts);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** forgets all weight counters and IP bans */
  resetRateLimits(): void {
    this.limiter.reset();
  }

  // ---- requests --------------------------------------------------------------------------------

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
    const { path, rawQuery } = splitUrl(req.url ?? "/");
    if (this.controlRoutes && method === "POST" && path.startsWith(CONTROL_PREFIX)) {
      handleControlRoute(this, path, rawQuery, req.socket.remoteAddress ?? "unknown", res);
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

    const fault = this.faults.take(path);
    if (fault) record.fault = fault.kind;

    const before = beforeProcessing(fault, this.limiter.limit, () => this.serverTime());
    if (before.step === "reset") return this.destroy(req, record);
    if (before.step === "answer") return this.reply(res, record, ip, before.answer);
    if (before.step === "wait") {
      await this.sleep(before.ms);
      // Stopped while waiting: a stopped exchange executes nothing.
      if (!this.http.running) return this.destroy(req, record);
    }

    const answer =
      body === undefined
        ? errorAnswer(E.bodyTooLarge())
        : executeCall(this.execution, {
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

    const after = afterProcessing(fault, answer);
    if (after.step === "reset") return this.destroy(req, record);
    if (after.delayMs !== undefined) await this.sleep(after.delayMs);
    return this.reply(res, record, ip, after.answer);
  }

  private destroy(req: http.IncomingMessage, record: RecordedRequest): void {
    record.status = 0;
    this.logger.info(`sim ${record.method} ${record.path} -> connection reset (${record.fault ?? ""})`);
    resetConnection(req);
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
    if (res.destroyed || res.headersSent || !this.http.running) return;
    writeAnswer(res, a, this.limiter.used(ip, this.serverTime()));
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
}
