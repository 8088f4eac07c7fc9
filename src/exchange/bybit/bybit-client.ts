/**
 * Bybit V5 MMP client: Set MMP (`POST /v5/account/mmp-modify`), Get MMP State
 * (`GET /v5/account/mmp-state`), Reset MMP (`POST /v5/account/mmp-reset`), plus the public server time
 * and the list of option base coins (the valid scope keys).
 *
 * One call: validation (refusal sends and signs nothing) → admission (circuit breaker, IP ban and
 * per-endpoint back-offs) → Bybit's clock (ServerClock on `GET /v5/market/time`) → sign the exact bytes
 * → send over the shared keep-alive transport → map the envelope (errors.ts). Retries are narrow:
 * - retCode 10002 (timestamp outside the receive window) is a refusal before processing, so after a
 *   clock resync the call is sent once more with a fresh timestamp and signature, even for a POST;
 * - a GET that failed to connect or lost its connection is sent again (at most `readRetries` times);
 * - nothing else: a POST with an unclear fate is reported EXCHANGE_UNAVAILABLE UNKNOWN, never re-sent,
 *   and the caller reads the state back.
 * Secrets, signatures and bodies are never logged.
 */
import axios, { type AxiosResponse, type RawAxiosRequestHeaders } from "axios";
import { performance } from "node:perf_hooks";
import { exchangeUnavailable, isGatewayError, rateLimited, type GatewayError } from "../../errors";
import { CircuitBreaker, type CircuitBreakerOptions } from "../binance/circuit-breaker";
import { ServerClock, type TimeSample } from "../binance/clock";
import { describeBody, malformedAnswer, mapTransportError, type HttpAnswer } from "../binance/errors";
import { ExchangeInfoCache, type ExchangeInfo } from "../binance/exchange-info";
import { parseJsonExact, type JsonValue } from "../binance/json";
import { createHttpTransport, isTransportError, type HttpTransport } from "../binance/transport";
import type { HeaderBag } from "../binance/weight";
import type { ExchangeLogger } from "../binance/binance-client";
import { EndpointLimiter, type EndpointLimit } from "../endpoint-limiter";
import type { ReadBudget } from "../exchange.port";
import { limitHeaders, mapHttpStatus, mapRetCode, RET, type MappedBybitError } from "./errors";
import {
  MalformedAnswer,
  parseEnvelope,
  parseInstrumentsPage,
  parseMmpState,
  parseOptionBaseCoins,
  parseServerTime,
  type BybitEnvelope,
} from "./parse";
import { BYBIT_HEADERS, bybitSignText, createBybitSigner, type BybitSigner } from "./signer";
import type { BybitCredentials, BybitMmpSettings, BybitMmpState } from "./types";
import { checkBaseCoin, mmpModifyBody } from "./validate";

export const BYBIT = {
  time: "/v5/market/time",
  instruments: "/v5/market/instruments-info",
  optionBaseCoins: "/v5/market/option-base-coins",
  mmpModify: "/v5/account/mmp-modify",
  mmpState: "/v5/account/mmp-state",
  mmpReset: "/v5/account/mmp-reset",
} as const;

/**
 * Bybit's per-UID limits for the MMP endpoints (rate-limit page: 5/s for mmp-modify and mmp-reset;
 * mmp-state is listed without a figure, so 10/s, what ccxt's weights give it), kept locally so that a
 * call Bybit would refuse with 10006 is refused here and nothing is sent. Plain reads (the poller,
 * dashboards) may use `readShare` of the state reads, so a change can always read its result back.
 */
export const BYBIT_LIMITS: Readonly<Record<string, EndpointLimit>> = {
  "POST /v5/account/mmp-modify": { limit: 5, windowMs: 1000 },
  "POST /v5/account/mmp-reset": { limit: 5, windowMs: 1000 },
  "GET /v5/account/mmp-state": { limit: 10, windowMs: 1000 },
};

export interface BybitClientOptions {
  /** ms from the request start until the whole answer is read; after that a POST is UNKNOWN (5000) */
  defaultTimeoutMs?: number;
  /** ms to get a connection; after that nothing was sent (2000) */
  connectTimeoutMs?: number;
  /** X-BAPI-RECV-WINDOW, ms (5000, Bybit's default) */
  recvWindow?: number;
  logger?: ExchangeLogger;
  /** local clock, epoch ms */
  now?: () => number;
  maxSocketsPerHost?: number;
  /** server-time offset older than this is refreshed in the background (60000) */
  timeResyncIntervalMs?: number;
  /** the base-coin list older than this is refreshed in the background (300000) */
  baseCoinsRefreshMs?: number;
  /** extra attempts for a GET that failed to connect or lost its connection (2) */
  readRetries?: number;
  readRetryBaseMs?: number;
  circuitBreaker?: CircuitBreakerOptions;
  /** ms added to each limit window for network jitter (100) */
  rateLimitMarginMs?: number;
  /** share of a read limit plain reads may use (0.6) */
  readShare?: number;
}

/** how many instruments-info pages are read at most (1000 instruments each) */
const MAX_INSTRUMENT_PAGES = 20;
const USER_AGENT = "mmp-gateway";
const JSON_CONTENT_TYPE = "application/json";
const silentLogger: ExchangeLogger = { debug() {}, info() {}, warn() {}, error() {} };

interface Signed {
  secret: string;
  sign: BybitSigner;
}

interface Backoff {
  until: number;
  reason: string;
}

export class BybitClient {
  private readonly http: InstanceType<typeof axios.Axios>;
  private readonly transport: HttpTransport;
  private readonly clock: ServerClock;
  private readonly coins: ExchangeInfoCache;
  private readonly breaker: CircuitBreaker;
  private readonly limiter: EndpointLimiter;
  private readonly signers = new Map<string, Signed>();
  private readonly hostBackoff = new Map<string, Backoff>();
  private readonly endpointBackoff = new Map<string, Backoff>();
  private readonly now: () => number;
  private readonly logger: ExchangeLogger;
  private readonly recvWindow: number;
  private readonly readRetries: number;
  private readonly readRetryBaseMs: number;
  private closed = false;

  constructor(options: BybitClientOptions = {}) {
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.recvWindow = options.recvWindow ?? 5000;
    if (!Number.isSafeInteger(this.recvWindow) || this.recvWindow <= 0) {
      throw new RangeError("recvWindow must be a positive integer (ms)");
    }
    this.transport = createHttpTransport({
      connectTimeoutMs: options.connectTimeoutMs ?? 2000,
      responseTimeoutMs: options.defaultTimeoutMs ?? 5000,
      maxSockets: options.maxSocketsPerHost ?? 64,
    });
    this.http = new axios.Axios({ adapter: this.transport.adapter });
    this.breaker = new CircuitBreaker(options.circuitBreaker);
    this.limiter = new EndpointLimiter(
      options.rateLimitMarginMs ?? 100,
      options.readShare ?? 0.6,
      BYBIT_LIMITS,
    );
    this.readRetries = options.readRetries ?? 2;
    this.readRetryBaseMs = options.readRetryBaseMs ?? 100;
    this.clock = new ServerClock(
      (baseUrl) => this.fetchServerTime(baseUrl),
      this.now,
      options.timeResyncIntervalMs ?? 60_000,
      this.logger,
    );
    this.coins = new ExchangeInfoCache(
      (baseUrl) => this.fetchBaseCoins(baseUrl),
      this.now,
      options.baseCoinsRefreshMs ?? 5 * 60_000,
      30_000,
      this.logger,
    );
  }

  // ---- MMP ----

  /**
   * Set MMP for one base coin. Bybit answers no data; read the state back with getMmp. On
   * EXCHANGE_UNAVAILABLE with outcome UNKNOWN the change may have been applied.
   */
  async setMmp(creds: BybitCredentials, settings: BybitMmpSettings): Promise<void> {
    const body = mmpModifyBody(settings); // throws BAD_USER_INPUT before anything is signed
    await this.signed(creds, "POST", BYBIT.mmpModify, body);
  }

  /** The state for one base coin, or null when Bybit lists no MMP row for it. */
  async getMmp(
    creds: BybitCredentials,
    baseCoin: string,
    budget: ReadBudget = "change",
  ): Promise<BybitMmpState | null> {
    const coin = checkBaseCoin("baseCoin", baseCoin);
    const env = await this.signed(
      creds,
      "GET",
      BYBIT.mmpState,
      `baseCoin=${encodeURIComponent(coin)}`,
      budget,
    );
    const state = this.read(env, false, (r) => parseMmpState(r, coin));
    if (state !== null && env.time !== undefined) state.observedAt = env.time;
    return state;
  }

  /** Reset MMP: unfreezes and zeroes the accumulated qty/delta/vega for the base coin. */
  async resetMmp(creds: BybitCredentials, baseCoin: string): Promise<void> {
    const coin = checkBaseCoin("baseCoin", baseCoin);
    await this.signed(creds, "POST", BYBIT.mmpReset, JSON.stringify({ baseCoin: coin }));
  }

  /**
   * The valid scope keys: base coins with option instruments, cached per base URL (stale while
   * revalidating). From `GET /v5/market/option-base-coins` (`hasSymbol` 1); where that endpoint does
   * not exist, from `GET /v5/market/instruments-info?category=option`, which without a baseCoin lists
   * only BTC instruments (B-DOC market/instrument.mdx), so that fallback may under-report.
   */
  async baseCoins(baseUrl: string): Promise<ReadonlySet<string>> {
    return (await this.coins.get(baseUrl)).underlyings;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.transport.close();
  }

  /** Bybit minus local clock in ms, once measured */
  clockOffset(baseUrl: string): number | undefined {
    return this.clock.offset(baseUrl);
  }

  resyncClock(baseUrl: string): Promise<void> {
    return this.clock.resync(baseUrl);
  }

  // ---- internals ----

  private async signed(
    creds: BybitCredentials,
    method: "GET" | "POST",
    path: string,
    payload: string,
    budget: ReadBudget = "change",
  ): Promise<BybitEnvelope> {
    const { baseUrl, requestId } = creds;
    const sign = this.signerFor(creds);
    const mutation = method === "POST";
    const origin = this.originOf(baseUrl);
    const url = joinUrl(baseUrl, path) + (method === "GET" && payload !== "" ? `?${payload}` : "");
    const limitKey = `${creds.apiKey}\u0000${origin}${path}`;
    this.admitBackoffs(origin, limitKey);
    this.admitLimit(`${creds.apiKey}\u0000${origin}`, `${method} ${path}`, budget, requestId);
    for (let attempt = 1; ; attempt++) {
      this.admitBackoffs(origin, limitKey);
      const timestamp = await this.clock.timestamp(baseUrl);
      const signature = sign(bybitSignText(timestamp, creds.apiKey, this.recvWindow, payload));
      const headers: RawAxiosRequestHeaders = {
        "User-Agent": USER_AGENT,
        [BYBIT_HEADERS.apiKey]: creds.apiKey,
        [BYBIT_HEADERS.timestamp]: String(timestamp),
        [BYBIT_HEADERS.recvWindow]: String(this.recvWindow),
        [BYBIT_HEADERS.sign]: signature,
      };
      if (mutation) headers["Content-Type"] = JSON_CONTENT_TYPE;
      let answer: HttpAnswer;
      try {
        answer = await this.send(
          origin,
          method,
          url,
          mutation ? payload : undefined,
          headers,
          path,
          requestId,
        );
      } catch (err) {
        if (isTransportError(err)) {
          const retryable = !mutation && (err.kind === "connect-failed" || err.kind === "connection-lost");
          if (retryable && (await this.pauseBeforeRetry(attempt))) continue;
          throw mapTransportError(err, mutation);
        }
        throw err;
      }
      this.noteLimitHeaders(baseUrl, limitKey, answer.headers);
      const env = this.envelope(answer, mutation, path, baseUrl);
      if (env.retCode === RET.OK) return env;
      if (env.retCode === RET.TIMESTAMP && attempt === 1 && answer.status < 500) {
        this.logger.warn({ requestId, path, host: origin }, "Bybit refused the timestamp (10002); resyncing");
        try {
          await this.clock.resync(baseUrl);
        } catch (syncErr) {
          this.logger.warn({ requestId, err: errorText(syncErr) }, "Bybit server-time resync failed");
          throw this.applyMapped(
            origin,
            limitKey,
            mapRetCode(env, answer, this.ctx(mutation, path, baseUrl)),
          );
        }
        continue;
      }
      const mapped = mapRetCode(env, answer, this.ctx(mutation, path, baseUrl));
      if (mapped.error.code === "RATE_LIMITED") {
        this.logger.warn(
          {
            requestId,
            host: origin,
            path,
            retCode: env.retCode,
            retryAfterSeconds: mapped.error.extensions.retryAfterSeconds,
          },
          "Bybit rate limit hit; calls are refused until the back-off ends",
        );
      }
      throw this.applyMapped(origin, limitKey, mapped);
    }
  }

  /** Parses the envelope of any answer; throws the mapped error for non-2XX answers without one. */
  private envelope(answer: HttpAnswer, mutation: boolean, path: string, baseUrl: string): BybitEnvelope {
    let env: BybitEnvelope | undefined;
    try {
      env = parseEnvelope(parseJsonExact(answer.body));
    } catch {
      env = undefined;
    }
    const ok = answer.status >= 200 && answer.status < 300;
    if (
      env !== undefined &&
      (ok || (answer.status >= 400 && answer.status < 500 && env.retCode !== RET.OK))
    ) {
      return env;
    }
    const origin = this.originOf(baseUrl);
    if (ok) throw malformedAnswer(answer.status, describeBody(answer.body, answer.headers), mutation);
    throw this.applyMapped(origin, undefined, mapHttpStatus(answer, this.ctx(mutation, path, baseUrl)));
  }

  private read<T>(env: BybitEnvelope, mutation: boolean, parse: (r: JsonValue | undefined) => T): T {
    try {
      return parse(env.result);
    } catch (err) {
      if (err instanceof MalformedAnswer) throw malformedAnswer(200, err.message, mutation);
      throw err;
    }
  }

  private ctx(mutation: boolean, path: string, baseUrl: string) {
    return { mutation, path, nowMs: this.now(), offsetMs: this.clock.offset(baseUrl) ?? 0 };
  }

  private applyMapped(origin: string, limitKey: string | undefined, m: MappedBybitError): GatewayError {
    const reason = m.error.message;
    if (m.hostBackoffUntil !== undefined) extend(this.hostBackoff, origin, m.hostBackoffUntil, reason);
    if (m.endpointBackoffUntil !== undefined && limitKey !== undefined) {
      extend(this.endpointBackoff, limitKey, m.endpointBackoffUntil, reason);
    }
    return m.error;
  }

  private admitLimit(
    user: string,
    endpoint: string,
    budget: ReadBudget,
    requestId: string | undefined,
  ): void {
    const a = this.limiter.take(user, endpoint, this.now(), budget);
    if (a === undefined || a.waitMs === 0) return;
    const seconds = Math.max(1, Math.ceil(a.waitMs / 1000));
    this.logger.debug(
      { requestId, endpoint, budget, retryAfterSeconds: seconds },
      "Bybit call refused locally",
    );
    throw rateLimited(
      seconds,
      `Bybit allows ${a.limit.limit} ${endpoint} requests per ${a.limit.windowMs / 1000} s` +
        `${budget === "read" ? " (plain reads use part of it)" : ""}; nothing sent`,
    );
  }

  private admitBackoffs(origin: string, limitKey: string | undefined): void {
    const now = this.now();
    for (const b of [
      this.hostBackoff.get(origin),
      limitKey ? this.endpointBackoff.get(limitKey) : undefined,
    ]) {
      if (b !== undefined && b.until > now) {
        throw rateLimited(Math.max(1, Math.ceil((b.until - now) / 1000)), `${b.reason}; nothing sent`);
      }
    }
  }

  /** When Bybit says no request is left for this endpoint, wait for its reset instead of earning a 10006. */
  private noteLimitHeaders(baseUrl: string, limitKey: string, headers: HeaderBag): void {
    const { remaining, resetAt } = limitHeaders(headers);
    if (remaining !== 0 || resetAt === undefined) return;
    const localReset = resetAt - (this.clock.offset(baseUrl) ?? 0);
    if (localReset > this.now()) {
      extend(this.endpointBackoff, limitKey, localReset, "Bybit reported no requests left for this endpoint");
    }
  }

  private async send(
    origin: string,
    method: "GET" | "POST",
    url: string,
    body: string | undefined,
    headers: RawAxiosRequestHeaders,
    path: string,
    requestId: string | undefined,
  ): Promise<HttpAnswer> {
    if (this.closed) throw exchangeUnavailable("NOT_APPLIED", "the Bybit client is closed");
    const ticket = this.breaker.admit(origin, this.now());
    const started = performance.now();
    let res: AxiosResponse<string>;
    try {
      res = await this.http.request<string>({ method, url, data: body, headers });
    } catch (err) {
      if (isTransportError(err) && err.kind !== "aborted") this.breaker.failure(ticket, this.now());
      else this.breaker.abandon(ticket);
      this.logger.debug(
        {
          requestId,
          method,
          path,
          host: origin,
          failure: isTransportError(err) ? err.kind : "error",
          durationMs: ms(started),
        },
        "Bybit call failed without an answer",
      );
      throw err;
    }
    if (res.status >= 500) this.breaker.failure(ticket, this.now());
    else this.breaker.success(ticket);
    this.logger.debug(
      { requestId, method, path, host: origin, status: res.status, durationMs: ms(started) },
      "Bybit call",
    );
    return {
      status: res.status,
      body: typeof res.data === "string" ? res.data : "",
      headers: res.headers as HeaderBag,
    };
  }

  private async publicGet(baseUrl: string, path: string, query = ""): Promise<BybitEnvelope> {
    const origin = this.originOf(baseUrl);
    const url = joinUrl(baseUrl, path) + (query ? `?${query}` : "");
    for (let attempt = 1; ; attempt++) {
      this.admitBackoffs(origin, undefined);
      let answer: HttpAnswer;
      try {
        answer = await this.send(
          origin,
          "GET",
          url,
          undefined,
          { "User-Agent": USER_AGENT },
          path,
          undefined,
        );
      } catch (err) {
        if (isTransportError(err)) {
          const retryable = err.kind === "connect-failed" || err.kind === "connection-lost";
          if (retryable && (await this.pauseBeforeRetry(attempt))) continue;
          throw mapTransportError(err, false);
        }
        throw err;
      }
      const env = this.envelope(answer, false, path, baseUrl);
      if (env.retCode === RET.OK) return env;
      throw this.applyMapped(origin, undefined, mapRetCode(env, answer, this.ctx(false, path, baseUrl)));
    }
  }

  private async fetchServerTime(baseUrl: string): Promise<TimeSample> {
    const sentAt = this.now();
    const env = await this.publicGet(baseUrl, BYBIT.time);
    const receivedAt = this.now();
    return { serverTime: this.read(env, false, parseServerTime), sentAt, receivedAt };
  }

  private async fetchBaseCoins(baseUrl: string): Promise<ExchangeInfo> {
    let coins: string[];
    try {
      coins = this.read(await this.publicGet(baseUrl, BYBIT.optionBaseCoins), false, parseOptionBaseCoins);
    } catch (err) {
      const notThere =
        isGatewayError(err) &&
        (err.extensions.exchangeCode === RET.ROUTE_NOT_FOUND || /HTTP 404/.test(err.message));
      if (!notThere) throw err;
      coins = await this.instrumentCoins(baseUrl);
    }
    if (coins.length === 0) throw new Error("Bybit lists no option base coins");
    return { underlyings: new Set(coins), weightLimit: undefined };
  }

  private async instrumentCoins(baseUrl: string): Promise<string[]> {
    const coins = new Set<string>();
    let cursor = "";
    for (let page = 0; page < MAX_INSTRUMENT_PAGES; page++) {
      const query = `category=option&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const env = await this.publicGet(baseUrl, BYBIT.instruments, query);
      const p = this.read(env, false, parseInstrumentsPage);
      for (const c of p.coins) coins.add(c);
      if (p.nextPageCursor === "" || p.coins.length === 0) break;
      cursor = p.nextPageCursor;
    }
    return [...coins];
  }

  private signerFor(creds: BybitCredentials): BybitSigner {
    const key = `${creds.accountId}\u0000${creds.apiKey}`;
    const cached = this.signers.get(key);
    if (cached !== undefined && cached.secret === creds.secret) return cached.sign;
    try {
      const sign = createBybitSigner(creds.secret);
      this.signers.set(key, { secret: creds.secret, sign });
      return sign;
    } catch (err) {
      this.logger.error(
        { requestId: creds.requestId, accountId: creds.accountId, err: errorText(err) },
        "the account's Bybit secret is unusable",
      );
      throw exchangeUnavailable("NOT_APPLIED", "the account's Bybit API secret is unusable");
    }
  }

  private originOf(baseUrl: string): string {
    try {
      return new URL(baseUrl).origin;
    } catch {
      throw exchangeUnavailable("NOT_APPLIED", "the account's Bybit base URL is not a valid URL");
    }
  }

  private async pauseBeforeRetry(attempt: number): Promise<boolean> {
    if (attempt > this.readRetries || this.closed) return false;
    const wait = this.readRetryBaseMs * 2 ** (attempt - 1) * (0.5 + Math.random());
    await new Promise((resolve) => setTimeout(resolve, wait));
    return !this.closed;
  }
}

function extend(map: Map<string, Backoff>, key: string, until: number, reason: string): void {
  const b = map.get(key);
  if (b === undefined || b.until < until) map.set(key, { until, reason });
}

function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, "") + path;
}

function ms(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 10) / 10;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
