/**
 * ExchangeClient for Binance European Options (eapi).
 *
 * One call: admission (back-off, weight budget; refusal sends nothing) → server-time offset → build
 * and sign the exact bytes → send over the keep-alive pool → track the used-weight header → map the
 * answer. Retries are deliberately narrow:
 * - -1021 (timestamp outside recvWindow): the exchange refused before processing, so after a clock
 *   resync the call is sent once more, with a fresh timestamp and signature, even for a mutation;
 * - a GET that failed to connect, lost its connection, or got a 5XX is sent again, at most
 *   `readRetries` more times after a jittered pause (reads change nothing; the jitter keeps many
 *   callers from retrying in lock-step); a timed-out GET is not, as that would double the wait;
 * - nothing else. A mutation with an unclear fate is reported UNKNOWN, never re-sent blindly.
 *
 * A per-host circuit breaker (circuit-breaker.ts) refuses calls, nothing sent, while a host keeps failing.
 */
import axios, { type AxiosResponse, type RawAxiosRequestHeaders } from "axios";
import { performance } from "node:perf_hooks";
import type { ExchangeCredentials, MmpConfig, MmpSettings } from "../../domain";
import { badUserInput, exchangeUnavailable } from "../../errors";
import type { ExchangeClient, KillSwitch, ReadBudget } from "../exchange.port";
import { CircuitBreaker, type CircuitBreakerOptions, type CircuitSnapshot } from "./circuit-breaker";
import { ServerClock, type TimeSample } from "./clock";
import {
  CODE_TIMESTAMP_OUTSIDE_RECV_WINDOW,
  DEFAULT_RETRY_AFTER_SECONDS,
  describeBody,
  malformedAnswer,
  mapHttpError,
  mapTransportError,
  parseBinanceErrorBody,
  type HttpAnswer,
} from "./errors";
import { ExchangeInfoCache, parseExchangeInfo, type ExchangeInfo } from "./exchange-info";
import { parseJsonExact, type JsonValue } from "./json";
import {
  MalformedAnswer,
  parseHeartbeat,
  parseKillSwitch,
  parseKillSwitches,
  parseMmpConfig,
  parseServerTime,
} from "./parse";
import {
  buildSignedRequest,
  buildUnsignedRequest,
  FORM_CONTENT_TYPE,
  type HttpMethod,
  type Param,
  type WireRequest,
} from "./request";
import { createSigner, type Signer } from "./signer";
import {
  createHttpTransport,
  isTransportError,
  type HttpTransport,
  type TransportError,
  type TransportFailureKind,
} from "./transport";
import {
  RateLimitTracker,
  weightLimitFromExchangeInfo,
  type HeaderBag,
  type HostRateSnapshot,
  type SharedRateLimitState,
  type WeightBudget,
} from "./weight";

/** pino-compatible */
export interface ExchangeLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** pino's: lets a call skip building a debug line nobody writes; absent, every level counts as on */
  isLevelEnabled?(level: string): boolean;
}

export interface BinanceClientOptions {
  /** ms from connection until the whole answer is read; after that the outcome is UNKNOWN (5000) */
  defaultTimeoutMs?: number;
  /** ms to get a connection (pool wait, DNS, TCP, TLS); after that nothing was sent (2000) */
  connectTimeoutMs?: number;
  /** sent with every signed call; must be below 60000 (5000) */
  recvWindow?: number;
  logger?: ExchangeLogger;
  /** local clock, epoch ms (Date.now) */
  now?: () => number;
  /** keep-alive connections per exchange host (64) */
  maxSocketsPerHost?: number;
  /** server-time offset older than this is refreshed in the background (60000) */
  timeResyncIntervalMs?: number;
  /** exchangeInfo older than this is refreshed in the background (300000) */
  exchangeInfoRefreshMs?: number;
  /** share of the per-minute weight limit the gateway may use (0.9) */
  weightSafetyRatio?: number;
  /**
   * share of the limit plain reads (getMmp with budget "read") may use, so that they never starve
   * changes and heartbeats (EXCHANGE_READ_WEIGHT_SHARE; default: the safety ratio)
   */
  readWeightShare?: number;
  /** back-off after a 429/418 without Retry-After (60) */
  defaultRetryAfterSeconds?: number;
  /** back-offs and used weight shared with other replicas (Redis); default: this process only */
  sharedRateLimits?: SharedRateLimitState;
  /** told about every request sent (or attempted) to the exchange, for metrics; must be quick */
  onExchangeCall?: (event: ExchangeCallEvent) => void;
  /** extra attempts for a failed read (2); mutations are never re-sent */
  readRetries?: number;
  /** first pause before a read is retried, doubled each time, jittered ±50% (100 ms) */
  readRetryBaseMs?: number;
  /** per-host circuit breaker */
  circuitBreaker?: CircuitBreakerOptions;
}

/** One request sent (or attempted) to the exchange. Calls refused before sending are not reported. */
export interface ExchangeCallEvent {
  method: HttpMethod;
  /** the path without query, e.g. /eapi/v1/mmpSet */
  endpoint: string;
  /** the exchange's origin, e.g. https://eapi.binance.com */
  host: string;
  /** HTTP status; undefined when no answer came (see `failure`) */
  status: number | undefined;
  failure: TransportFailureKind | "error" | undefined;
  durationMs: number;
  attempt: number;
}

export const EAPI = {
  time: "/eapi/v1/time",
  exchangeInfo: "/eapi/v1/exchangeInfo",
  mmpSet: "/eapi/v1/mmpSet",
  mmp: "/eapi/v1/mmp",
  mmpReset: "/eapi/v1/mmpReset",
  countdownCancelAll: "/eapi/v1/countdownCancelAll",
  countdownCancelAllHeartBeat: "/eapi/v1/countdownCancelAllHeartBeat",
} as const;

/** see BinanceClientOptions.readRetries; also bounds how long a call can run (src/audit/pending-grace.ts) */
export const DEFAULT_READ_RETRIES = 2;
/** see BinanceClientOptions.readRetryBaseMs */
export const DEFAULT_READ_RETRY_BASE_MS = 100;

const HEARTBEAT_WEIGHT = 10;
const PLAIN_DECIMAL = /^\d+(?:\.\d+)?$/;

const silentLogger: ExchangeLogger = { debug() {}, info() {}, warn() {}, error() {} };

interface CachedSigner {
  keyType: string;
  secret: string;
  sign: Signer;
  /** the account's request headers per method, built once (axios copies them; never mutated) */
  headers: Readonly<Record<HttpMethod, Readonly<RawAxiosRequestHeaders>>>;
}

const USER_AGENT = "mmp-gateway";
/** unsigned calls (server time, exchangeInfo) */
const PUBLIC_HEADERS: Readonly<RawAxiosRequestHeaders> = Object.freeze({ "User-Agent": USER_AGENT });
const GZIP_HEADERS: Readonly<RawAxiosRequestHeaders> = Object.freeze({
  "User-Agent": USER_AGENT,
  "Accept-Encoding": "gzip",
});

export class BinanceClient implements ExchangeClient {
  private readonly http: InstanceType<typeof axios.Axios>;
  private readonly transport: HttpTransport;
  private readonly limits: RateLimitTracker;
  private readonly clock: ServerClock;
  private readonly info: ExchangeInfoCache;
  private readonly signers = new Map<string, CachedSigner>();
  private readonly origins = new Map<string, string>();
  private readonly now: () => number;
  private readonly logger: ExchangeLogger;
  private readonly recvWindow: number;
  private readonly defaultRetryAfterSeconds: number;
  private readonly onExchangeCall: ((event: ExchangeCallEvent) => void) | undefined;
  private readonly breaker: CircuitBreaker;
  private readonly readRetries: number;
  private readonly readRetryBaseMs: number;
  private closed = false;

  constructor(options: BinanceClientOptions = {}) {
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.recvWindow = options.recvWindow ?? 5000;
    if (!Number.isInteger(this.recvWindow) || this.recvWindow <= 0 || this.recvWindow >= 60_000) {
      throw new RangeError("recvWindow must be an integer in (0, 60000) ms");
    }
    this.defaultRetryAfterSeconds = options.defaultRetryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
    const timeoutMs = options.defaultTimeoutMs ?? 5000;
    this.transport = createHttpTransport({
      connectTimeoutMs: options.connectTimeoutMs ?? 2000,
      responseTimeoutMs: timeoutMs,
      maxSockets: options.maxSocketsPerHost ?? 64,
    });
    // An Axios of its own, without axios's global defaults (header buckets per method, transitional
    // options, transforms, XSRF names...): axios merges its defaults into every request's config, and
    // those would be merged, validated and flattened on each call for nothing. Everything they would do
    // is ours: the adapter sends the body as given, answers with the raw text (no transforms: the body
    // must reach the error mapper raw), resolves every status (the client maps them), follows no
    // redirect, and applies the response timeout given to the transport above.
    this.http = new axios.Axios({ adapter: this.transport.adapter });
    this.limits = new RateLimitTracker(
      options.weightSafetyRatio ?? 0.9,
      undefined,
      options.sharedRateLimits,
      this.now,
      options.readWeightShare ?? options.weightSafetyRatio ?? 0.9,
    );
    this.onExchangeCall = options.onExchangeCall;
    this.breaker = new CircuitBreaker(options.circuitBreaker);
    this.readRetries = options.readRetries ?? DEFAULT_READ_RETRIES;
    this.readRetryBaseMs = options.readRetryBaseMs ?? DEFAULT_READ_RETRY_BASE_MS;
    this.clock = new ServerClock(
      (baseUrl) => this.fetchServerTime(baseUrl),
      this.now,
      options.timeResyncIntervalMs ?? 60_000,
      this.logger,
    );
    this.info = new ExchangeInfoCache(
      (baseUrl) => this.fetchExchangeInfo(baseUrl),
      this.now,
      options.exchangeInfoRefreshMs ?? 5 * 60_000,
      30_000,
      this.logger,
    );
  }

  // ---- ExchangeClient ----

  async setMmp(account: ExchangeCredentials, settings: MmpSettings): Promise<MmpConfig> {
    const params: Param[] = [
      ["underlying", settings.underlying],
      [
        "windowTimeInMilliseconds",
        integerParam("windowTimeInMilliseconds", settings.windowTimeInMilliseconds),
      ],
      ["frozenTimeInMilliseconds", longParam("frozenTimeInMilliseconds", settings.frozenTimeInMilliseconds)],
      ["qtyLimit", decimalParam("qtyLimit", settings.qtyLimit)],
      ["deltaLimit", decimalParam("deltaLimit", settings.deltaLimit ?? "")],
    ];
    return this.signed(account, "POST", EAPI.mmpSet, params, 1, parseMmpConfig);
  }

  async getMmp(
    account: ExchangeCredentials,
    underlying: string,
    budget: ReadBudget = "change",
  ): Promise<MmpConfig> {
    return this.signed(account, "GET", EAPI.mmp, [["underlying", underlying]], 1, parseMmpConfig, budget);
  }

  async resetMmp(account: ExchangeCredentials, underlying: string): Promise<MmpConfig> {
    return this.signed(account, "POST", EAPI.mmpReset, [["underlying", underlying]], 1, parseMmpConfig);
  }

  async setKillSwitch(
    account: ExchangeCredentials,
    underlying: string,
    countdownTimeMs: bigint,
  ): Promise<KillSwitch> {
    const params: Param[] = [
      ["underlying", underlying],
      ["countdownTime", longParam("countdownTime", countdownTimeMs)],
    ];
    return this.signed(account, "POST", EAPI.countdownCancelAll, params, 1, parseKillSwitch);
  }

  async getKillSwitches(
    account: ExchangeCredentials,
    underlying?: string,
    budget: ReadBudget = "change",
  ): Promise<KillSwitch[]> {
    const params: Param[] = underlying === undefined ? [] : [["underlying", underlying]];
    return this.signed(account, "GET", EAPI.countdownCancelAll, params, 1, parseKillSwitches, budget);
  }

  async killSwitchHeartbeat(account: ExchangeCredentials, underlyings: readonly string[]): Promise<string[]> {
    if (underlyings.length === 0) {
      throw badUserInput("underlyings", "at least one underlying is required");
    }
    if (underlyings.some((u) => u.length === 0 || u.includes(","))) {
      throw badUserInput("underlyings", "an underlying is empty or contains a comma");
    }
    const params: Param[] = [["underlyings", underlyings.join(",")]];
    return this.signed(
      account,
      "POST",
      EAPI.countdownCancelAllHeartBeat,
      params,
      HEARTBEAT_WEIGHT,
      parseHeartbeat,
    );
  }

  async underlyings(baseUrl: string): Promise<ReadonlySet<string>> {
    return (await this.info.get(baseUrl)).underlyings;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.transport.close();
  }

  // ---- observability ----

  /** per exchange host: used weight this minute, the limit, back-off end; for metrics and /readyz */
  rateLimitSnapshot(): HostRateSnapshot[] {
    return this.limits.snapshot(this.now());
  }

  /** per exchange host: circuit breaker state; for /readyz */
  circuitSnapshot(): CircuitSnapshot[] {
    return this.breaker.snapshot(this.now());
  }

  /** server minus local clock in ms, once measured */
  clockOffset(baseUrl: string): number | undefined {
    return this.clock.offset(baseUrl);
  }

  /** forces a server-time resync (e.g. from an admin command) */
  resyncClock(baseUrl: string): Promise<void> {
    return this.clock.resync(baseUrl);
  }

  // ---- internals ----

  private async signed<T>(
    account: ExchangeCredentials,
    method: HttpMethod,
    path: string,
    params: readonly Param[],
    weight: number,
    parse: (v: JsonValue) => T,
    budget: WeightBudget = "change",
  ): Promise<T> {
    const { baseUrl, requestId } = account;
    const signer = this.signerFor(account);
    const sign = signer.sign;
    const headers = signer.headers[method];
    for (let attempt = 1; ; attempt++) {
      const timestamp = await this.clock.timestamp(baseUrl);
      const wire = buildSignedRequest(method, baseUrl, path, params, {
        timestamp,
        recvWindow: this.recvWindow,
        sign,
      });
      let answer: HttpAnswer;
      try {
        answer = await this.send(baseUrl, wire, path, weight, headers, attempt, requestId, budget);
      } catch (err) {
        if (isTransportError(err) && retryableRead(method, err) && (await this.pauseBeforeRetry(attempt)))
          continue;
        throw this.noAnswerError(err, method === "POST");
      }
      if (answer.status >= 200 && answer.status < 300)
        return this.readAnswer(answer, method === "POST", parse);
      const error = this.httpError(baseUrl, path, answer, method === "POST", requestId);
      if (method === "GET" && answer.status >= 500 && (await this.pauseBeforeRetry(attempt))) continue;
      // Only a 4XX -1021 proves the call was refused; a 5XX carrying it may still have been applied.
      const refusedTimestamp =
        error.code === "EXCHANGE_REJECTED" &&
        error.extensions.exchangeCode === CODE_TIMESTAMP_OUTSIDE_RECV_WINDOW;
      if (attempt === 1 && refusedTimestamp) {
        this.logger.warn(
          { requestId, path, host: this.originOf(baseUrl) },
          "exchange refused the timestamp (-1021); resyncing",
        );
        try {
          await this.clock.resync(baseUrl);
        } catch (syncErr) {
          this.logger.warn({ requestId, err: errorText(syncErr) }, "server-time resync after -1021 failed");
          throw error;
        }
        continue;
      }
      throw error;
    }
  }

  private async unsignedGet(
    baseUrl: string,
    path: string,
    headers: Readonly<RawAxiosRequestHeaders> = PUBLIC_HEADERS,
  ): Promise<HttpAnswer> {
    const wire = buildUnsignedRequest(baseUrl, path);
    for (let attempt = 1; ; attempt++) {
      let answer: HttpAnswer;
      try {
        answer = await this.send(baseUrl, wire, path, 1, headers, attempt, undefined, "metadata");
      } catch (err) {
        if (isTransportError(err) && retryableRead("GET", err) && (await this.pauseBeforeRetry(attempt)))
          continue;
        throw this.noAnswerError(err, false);
      }
      if (answer.status >= 200 && answer.status < 300) return answer;
      const error = this.httpError(baseUrl, path, answer, false);
      if (answer.status >= 500 && (await this.pauseBeforeRetry(attempt))) continue;
      throw error;
    }
  }

  /**
   * Admission, the HTTP exchange itself, weight accounting and the debug log line. `requestId`: the
   * request the call serves, for its log lines (undefined for shared work: clock and exchangeInfo).
   */
  private async send(
    baseUrl: string,
    wire: WireRequest,
    path: string,
    weight: number,
    headers: Readonly<RawAxiosRequestHeaders>,
    attempt: number,
    requestId: string | undefined,
    budget: WeightBudget = "change",
  ): Promise<HttpAnswer> {
    if (this.closed) throw exchangeUnavailable("NOT_APPLIED", "the exchange client is closed");
    const host = this.originOf(baseUrl);
    const ticket = this.breaker.admit(host, this.now());
    try {
      this.limits.admit(host, weight, this.exchangeNow(baseUrl), budget);
    } catch (err) {
      this.breaker.abandon(ticket);
      throw err;
    }
    const started = performance.now();
    let res: AxiosResponse<string>;
    try {
      res = await this.http.request<string>({ method: wire.method, url: wire.url, data: wire.body, headers });
    } catch (err) {
      const sent = isTransportError(err) ? err.sent : true;
      this.limits.release(host, weight, this.exchangeNow(baseUrl), undefined, sent);
      if (countsAgainstHost(err)) this.breaker.failure(ticket, this.now());
      else this.breaker.abandon(ticket);
      const failure = isTransportError(err) ? err.kind : "error";
      if (this.debugEnabled()) {
        this.logger.debug(
          { requestId, method: wire.method, path, host, attempt, failure, durationMs: ms(started) },
          "exchange call failed without an answer",
        );
      }
      this.observe(
        { method: wire.method, endpoint: path, host, status: undefined, failure, started, attempt },
        requestId,
      );
      throw err;
    }
    const responseHeaders = res.headers as HeaderBag;
    this.limits.release(host, weight, this.exchangeNow(baseUrl), responseHeaders, true);
    if (res.status >= 500) this.breaker.failure(ticket, this.now());
    else this.breaker.success(ticket);
    if (this.debugEnabled()) {
      this.logger.debug(
        {
          requestId,
          method: wire.method,
          path,
          host,
          attempt,
          status: res.status,
          durationMs: ms(started),
        },
        "exchange call",
      );
    }
    this.observe(
      { method: wire.method, endpoint: path, host, status: res.status, failure: undefined, started, attempt },
      requestId,
    );
    return {
      status: res.status,
      body: typeof res.data === "string" ? res.data : "",
      headers: responseHeaders,
    };
  }

  /** Whether a debug line would be written: building one per call is not free. */
  private debugEnabled(): boolean {
    return this.logger.isLevelEnabled?.("debug") ?? true;
  }

  /** An observer's fault must not turn a completed exchange call into a failed request. */
  private observe(
    e: Omit<ExchangeCallEvent, "durationMs"> & { started: number },
    requestId: string | undefined,
  ): void {
    if (this.onExchangeCall === undefined) return;
    const { started, ...rest } = e;
    try {
      this.onExchangeCall({ ...rest, durationMs: ms(started) });
    } catch (err) {
      this.logger.warn({ requestId, err: errorText(err) }, "exchange call observer failed");
    }
  }

  private httpError(
    baseUrl: string,
    path: string,
    answer: HttpAnswer,
    mutation: boolean,
    requestId?: string,
  ) {
    const mapped = mapHttpError(answer, {
      mutation,
      path,
      nowMs: this.exchangeNow(baseUrl),
      defaultRetryAfterSeconds: this.defaultRetryAfterSeconds,
    });
    if (mapped.backoffUntilMs !== undefined) {
      const host = this.originOf(baseUrl);
      this.limits.backOff(
        host,
        mapped.backoffUntilMs,
        `the exchange asked to back off (HTTP ${answer.status})`,
        this.exchangeNow(baseUrl),
      );
      this.logger.warn(
        {
          requestId,
          host,
          status: answer.status,
          retryAfterSeconds: mapped.error.extensions.retryAfterSeconds,
        },
        "exchange rate limit hit; calls to this host are refused until the back-off ends",
      );
    }
    return mapped.error;
  }

  /** Waits a jittered, growing pause; false when no attempt is left (or the client closed). */
  private async pauseBeforeRetry(attempt: number): Promise<boolean> {
    if (attempt > this.readRetries || this.closed) return false;
    const ms = this.readRetryBaseMs * 2 ** (attempt - 1) * (0.5 + Math.random());
    await new Promise((resolve) => setTimeout(resolve, ms));
    return !this.closed;
  }

  private noAnswerError(err: unknown, mutation: boolean): unknown {
    if (isTransportError(err)) return mapTransportError(err, mutation);
    return err;
  }

  private readAnswer<T>(answer: HttpAnswer, mutation: boolean, parse: (v: JsonValue) => T): T {
    let value: JsonValue;
    try {
      value = parseJsonExact(answer.body);
    } catch {
      throw malformedAnswer(answer.status, describeBody(answer.body, answer.headers), mutation);
    }
    try {
      return parse(value);
    } catch (err) {
      if (!(err instanceof MalformedAnswer)) throw err;
      const binance = parseBinanceErrorBody(answer.body);
      const reason = binance ? `exchange code ${binance.code}: ${binance.msg}` : err.message;
      throw malformedAnswer(answer.status, reason, mutation);
    }
  }

  private async fetchServerTime(baseUrl: string): Promise<TimeSample> {
    const sentAt = this.now();
    const answer = await this.unsignedGet(baseUrl, EAPI.time);
    const receivedAt = this.now();
    const serverTime = this.readAnswer(answer, false, parseServerTime);
    return { serverTime, sentAt, receivedAt };
  }

  private async fetchExchangeInfo(baseUrl: string): Promise<ExchangeInfo> {
    // The document is large; compression is worth it off the hot path.
    const answer = await this.unsignedGet(baseUrl, EAPI.exchangeInfo, GZIP_HEADERS);
    let doc: unknown;
    try {
      doc = JSON.parse(answer.body);
    } catch {
      throw new Error(`exchangeInfo answer is ${describeBody(answer.body, answer.headers)}`);
    }
    const info = parseExchangeInfo(doc, weightLimitFromExchangeInfo);
    if (info.weightLimit !== undefined) this.limits.setLimit(this.originOf(baseUrl), info.weightLimit);
    return info;
  }

  private signerFor(account: ExchangeCredentials): CachedSigner {
    const cacheKey = `${account.accountId}\u0000${account.apiKey}`;
    const cached = this.signers.get(cacheKey);
    if (cached !== undefined && cached.secret === account.secret && cached.keyType === account.keyType) {
      return cached;
    }
    try {
      const sign = createSigner(account.keyType, account.secret);
      const get = Object.freeze({ "User-Agent": USER_AGENT, "X-MBX-APIKEY": account.apiKey });
      const post = Object.freeze({ ...get, "Content-Type": FORM_CONTENT_TYPE });
      const entry: CachedSigner = {
        keyType: account.keyType,
        secret: account.secret,
        sign,
        headers: Object.freeze({ GET: get, POST: post }),
      };
      this.signers.set(cacheKey, entry);
      return entry;
    } catch (err) {
      this.logger.error(
        { requestId: account.requestId, accountId: account.accountId, err: errorText(err) },
        "the account's signing key is unusable",
      );
      throw err;
    }
  }

  private originOf(baseUrl: string): string {
    let origin = this.origins.get(baseUrl);
    if (origin === undefined) {
      try {
        origin = new URL(baseUrl).origin;
      } catch {
        throw exchangeUnavailable("NOT_APPLIED", "the account's exchange base URL is not a valid URL");
      }
      this.origins.set(baseUrl, origin);
    }
    return origin;
  }

  /** exchange time for weight windows, falling back to the local clock before the first sync */
  private exchangeNow(baseUrl: string): number {
    return this.now() + (this.clock.offset(baseUrl) ?? 0);
  }
}

/**
 * Only an attempt that reached for the host says anything about it: a request refused before it was
 * tried (a base URL the transport cannot use) must not open the circuit for every account on that host.
 */
function countsAgainstHost(err: unknown): boolean {
  return isTransportError(err) && err.kind !== "aborted" && err.kind !== "refused-locally";
}

/**
 * A read is sent again when nothing left (connect failed) or the connection was lost (a reset, or a
 * pooled keep-alive socket the server closed while idle); not after a timeout, which would double the wait.
 */
function retryableRead(method: HttpMethod, err: TransportError): boolean {
  if (method !== "GET") return false;
  return err.kind === "connect-failed" || err.kind === "connection-lost";
}

function integerParam(field: string, n: number): string {
  if (!Number.isSafeInteger(n)) throw badUserInput(field, "must be an integer");
  return String(n);
}

function longParam(field: string, n: bigint): string {
  if (typeof n !== "bigint") throw badUserInput(field, "must be a 64-bit integer");
  return n.toString();
}

function decimalParam(field: string, s: string): string {
  if (typeof s !== "string" || !PLAIN_DECIMAL.test(s)) throw badUserInput(field, "must be a plain decimal");
  return s;
}

function ms(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 10) / 10;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
