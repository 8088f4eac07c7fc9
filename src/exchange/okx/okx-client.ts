/**
 * OKX v5 MMP client: Set MMP (`POST /api/v5/account/mmp-config`), Get MMP Config
 * (`GET /api/v5/account/mmp-config`), Reset MMP Status (`POST /api/v5/account/mmp-reset`), Cancel All
 * After (`POST /api/v5/trade/cancel-all-after`), plus the public server time and the option instrument
 * families (the valid scope keys).
 *
 * One call: validation (a refusal signs and sends nothing) → admission (circuit breaker, host and
 * endpoint back-offs, OKX's per-endpoint limits kept locally: limits.ts) → OKX's clock (ServerClock on
 * `GET /api/v5/public/time`) → sign the exact bytes → send over the shared keep-alive transport → map
 * the envelope (errors.ts). Retries are narrow:
 * - 50102 (timestamp expired) is a refusal before processing, so after a clock resync the call is sent
 *   once more with a fresh timestamp and signature, even a change;
 * - a GET that failed to connect or lost its connection is sent again (at most `readRetries` times);
 * - nothing else: a change with an unclear fate is reported EXCHANGE_UNAVAILABLE UNKNOWN, never
 *   re-sent, and the caller reads the state back.
 * Secrets, passphrases, signatures and bodies are never logged.
 */
import axios, { type AxiosResponse, type RawAxiosRequestHeaders } from "axios";
import { performance } from "node:perf_hooks";
import { exchangeUnavailable, rateLimited, type GatewayError } from "../../errors";
import type { ReadBudget } from "../exchange.port";
import { CircuitBreaker, type CircuitBreakerOptions } from "../binance/circuit-breaker";
import { ServerClock, type TimeSample } from "../binance/clock";
import { describeBody, malformedAnswer, mapTransportError, type HttpAnswer } from "../binance/errors";
import { ExchangeInfoCache, type ExchangeInfo } from "../binance/exchange-info";
import { parseJsonExact, type JsonValue } from "../binance/json";
import { createHttpTransport, isTransportError, type HttpTransport } from "../binance/transport";
import type { HeaderBag } from "../binance/weight";
import type { ExchangeLogger } from "../binance/binance-client";
import { mapHttpStatus, mapOkxCode, OKX_CODE, type MappedOkxError, type OkxMapContext } from "./errors";
import { EndpointLimiter, OKX_LIMITS } from "./limits";
import {
  MalformedAnswer,
  parseCancelAllAfter,
  parseEnvelope,
  parseMmpConfigAnswer,
  parseMmpState,
  parseMmpStates,
  parseResetResult,
  parseServerTime,
  parseUnderlyings,
  type OkxEnvelope,
} from "./parse";
import { createOkxSigner, OKX_HEADERS, okxSignText, okxTimestamp, type OkxSigner } from "./signer";
import type { OkxCancelAllAfter, OkxCredentials, OkxMmpConfig, OkxMmpSettings, OkxMmpState } from "./types";
import { cancelAllAfterBody, checkInstFamily, mmpConfigBody, mmpResetBody } from "./validate";

export const OKX = {
  time: "/api/v5/public/time",
  underlying: "/api/v5/public/underlying",
  mmpConfig: "/api/v5/account/mmp-config",
  mmpReset: "/api/v5/account/mmp-reset",
  cancelAllAfter: "/api/v5/trade/cancel-all-after",
} as const;

export interface OkxClientOptions {
  /** ms from the request start until the whole answer is read; after that a change is UNKNOWN (5000) */
  defaultTimeoutMs?: number;
  /** ms to get a connection; after that nothing was sent (2000) */
  connectTimeoutMs?: number;
  logger?: ExchangeLogger;
  /** local clock, epoch ms */
  now?: () => number;
  maxSocketsPerHost?: number;
  /** server-time offset older than this is refreshed in the background (60000) */
  timeResyncIntervalMs?: number;
  /** the instrument-family list older than this is refreshed in the background (300000) */
  familiesRefreshMs?: number;
  /** extra attempts for a GET that failed to connect or lost its connection (2) */
  readRetries?: number;
  readRetryBaseMs?: number;
  circuitBreaker?: CircuitBreakerOptions;
  /** added to each of OKX's rate-limit windows before a slot counts as free again, ms (100) */
  rateLimitMarginMs?: number;
  /** share of an endpoint's limit that reads with budget "read" may use (0.6) */
  readShare?: number;
}

const USER_AGENT = "mmp-gateway";
const JSON_CONTENT_TYPE = "application/json";
const silentLogger: ExchangeLogger = { debug() {}, info() {}, warn() {}, error() {} };

interface Signed {
  secret: string;
  sign: OkxSigner;
}

interface Backoff {
  until: number;
  reason: string;
}

interface Received {
  env: OkxEnvelope;
  /** the gateway's estimate of OKX's clock when the answer arrived */
  okxNow: number;
}

export class OkxClient {
  private readonly http: InstanceType<typeof axios.Axios>;
  private readonly transport: HttpTransport;
  private readonly clock: ServerClock;
  private readonly families: ExchangeInfoCache;
  private readonly breaker: CircuitBreaker;
  private readonly limiter: EndpointLimiter;
  private readonly signers = new Map<string, Signed>();
  private readonly hostBackoff = new Map<string, Backoff>();
  private readonly endpointBackoff = new Map<string, Backoff>();
  private readonly now: () => number;
  private readonly logger: ExchangeLogger;
  private readonly readRetries: number;
  private readonly readRetryBaseMs: number;
  private closed = false;

  constructor(options: OkxClientOptions = {}) {
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
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
      OKX_LIMITS,
    );
    this.readRetries = options.readRetries ?? 2;
    this.readRetryBaseMs = options.readRetryBaseMs ?? 100;
    this.clock = new ServerClock(
      (baseUrl) => this.fetchServerTime(baseUrl),
      this.now,
      options.timeResyncIntervalMs ?? 60_000,
      this.logger,
    );
    this.families = new ExchangeInfoCache(
      (baseUrl) => this.fetchFamilies(baseUrl),
      this.now,
      options.familiesRefreshMs ?? 5 * 60_000,
      30_000,
      this.logger,
    );
  }

  // ---- MMP ----

  /**
   * Set MMP for one instrument family; answers the configuration OKX echoes. On
   * EXCHANGE_UNAVAILABLE with outcome UNKNOWN the change may have been applied: read it back.
   */
  async setMmp(creds: OkxCredentials, settings: OkxMmpSettings): Promise<OkxMmpConfig> {
    const body = mmpConfigBody(settings); // throws BAD_USER_INPUT before anything is signed
    const { env } = await this.signed(creds, "POST", OKX.mmpConfig, "", body);
    return this.read(env, true, (d) => parseMmpConfigAnswer(d, settings.instFamily));
  }

  /**
   * The configuration and freeze state of one family, or null when OKX lists none for it.
   * `budget` "read" (a plain view) may use only part of OKX's 5 / 2 s, "change" (default: a read-back
   * settling a change) all of it.
   */
  async getMmp(
    creds: OkxCredentials,
    instFamily: string,
    budget: ReadBudget = "change",
  ): Promise<OkxMmpState | null> {
    const family = checkInstFamily("instFamily", instFamily);
    const query = `instFamily=${encodeURIComponent(family)}`;
    const { env, okxNow } = await this.signed(creds, "GET", OKX.mmpConfig, query, "", budget);
    const state = this.read(env, false, (d) => parseMmpState(d, family, okxNow));
    if (state !== null) state.observedAt = okxNow;
    return state;
  }

  /**
   * Every family's configuration and freeze state in one call (`GET /api/v5/account/mmp-config`
   * without `instFamily`): a dashboard of N families costs one of OKX's 5 reads per 2 s, not N.
   */
  async getAllMmp(creds: OkxCredentials, budget: ReadBudget = "change"): Promise<OkxMmpState[]> {
    const { env, okxNow } = await this.signed(creds, "GET", OKX.mmpConfig, "", "", budget);
    const states = this.read(env, false, (d) => parseMmpStates(d, okxNow));
    for (const s of states) s.observedAt = okxNow;
    return states;
  }

  /** Reset MMP Status: unfreezes the family. */
  async resetMmp(creds: OkxCredentials, instFamily: string): Promise<void> {
    const body = mmpResetBody(instFamily);
    const { env } = await this.signed(creds, "POST", OKX.mmpReset, "", body);
    const ok = this.read(env, true, parseResetResult);
    if (!ok) {
      throw exchangeUnavailable("NOT_APPLIED", "OKX answered result false: the MMP status was not reset");
    }
  }

  /**
   * Cancel All After (the kill switch): OKX cancels all the account's orders `timeOutSeconds` from
   * now unless called again; 0 disables it, otherwise 10 to 120 s.
   */
  async setCancelAllAfter(creds: OkxCredentials, timeOutSeconds: number): Promise<OkxCancelAllAfter> {
    const body = cancelAllAfterBody(timeOutSeconds);
    const { env } = await this.signed(creds, "POST", OKX.cancelAllAfter, "", body);
    return this.read(env, true, parseCancelAllAfter);
  }

  /**
   * The valid scope keys: option instrument families (`GET /api/v5/public/underlying?instType=OPTION`),
   * cached per base URL (stale while revalidating).
   */
  async instFamilies(baseUrl: string): Promise<ReadonlySet<string>> {
    return (await this.families.get(baseUrl)).underlyings;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.transport.close();
  }

  /** OKX minus local clock in ms, once measured */
  clockOffset(baseUrl: string): number | undefined {
    return this.clock.offset(baseUrl);
  }

  resyncClock(baseUrl: string): Promise<void> {
    return this.clock.resync(baseUrl);
  }

  // ---- internals ----

  private async signed(
    creds: OkxCredentials,
    method: "GET" | "POST",
    path: string,
    query: string,
    body: string,
    budget: ReadBudget = "change",
  ): Promise<Received> {
    const { baseUrl, requestId } = creds;
    const sign = this.signerFor(creds);
    const mutation = method === "POST";
    const origin = this.originOf(baseUrl);
    const requestPath = path + (query !== "" ? `?${query}` : "");
    const url = joinUrl(baseUrl, requestPath);
    const endpoint = `${method} ${path}`;
    const user = `${creds.accountId}\u0000${creds.apiKey}\u0000${origin}`;
    const limitKey = `${user}\u0000${endpoint}`;
    for (let attempt = 1; ; attempt++) {
      this.admitBackoffs(origin, limitKey);
      const timestamp = okxTimestamp(await this.clock.timestamp(baseUrl));
      this.admitLimit(user, endpoint, budget, requestId);
      const headers: RawAxiosRequestHeaders = {
        "User-Agent": USER_AGENT,
        "Content-Type": JSON_CONTENT_TYPE,
        [OKX_HEADERS.apiKey]: creds.apiKey,
        [OKX_HEADERS.sign]: sign(okxSignText(timestamp, method, requestPath, body)),
        [OKX_HEADERS.timestamp]: timestamp,
        [OKX_HEADERS.passphrase]: creds.passphrase,
      };
      if (creds.simulated === true) headers[OKX_HEADERS.simulated] = "1";
      let answer: HttpAnswer;
      try {
        answer = await this.send(origin, method, url, mutation ? body : undefined, headers, path, requestId);
      } catch (err) {
        if (isTransportError(err)) {
          const retryable = !mutation && (err.kind === "connect-failed" || err.kind === "connection-lost");
          if (retryable && (await this.pauseBeforeRetry(attempt))) continue;
          throw mapTransportError(err, mutation);
        }
        throw err;
      }
      const okxNow = this.now() + (this.clock.offset(baseUrl) ?? 0);
      const env = this.envelope(answer, mutation, path, baseUrl, endpoint);
      if (env.code === OKX_CODE.OK) return { env, okxNow };
      if (env.code === OKX_CODE.TIMESTAMP_EXPIRED && attempt === 1 && answer.status < 500) {
        this.logger.warn({ requestId, path, host: origin }, "OKX refused the timestamp (50102); resyncing");
        try {
          await this.clock.resync(baseUrl);
        } catch (syncErr) {
          this.logger.warn({ requestId, err: errorText(syncErr) }, "OKX server-time resync failed");
          throw this.applyMapped(
            origin,
            limitKey,
            mapOkxCode(env, answer, this.ctx(mutation, path, endpoint)),
          );
        }
        continue;
      }
      const mapped = mapOkxCode(env, answer, this.ctx(mutation, path, endpoint));
      if (mapped.error.code === "RATE_LIMITED") {
        this.logger.warn(
          {
            requestId,
            host: origin,
            path,
            code: env.code,
            retryAfterSeconds: mapped.error.extensions.retryAfterSeconds,
          },
          "OKX rate limit hit; calls are refused until the back-off ends",
        );
      }
      throw this.applyMapped(origin, limitKey, mapped);
    }
  }

  /** Parses the envelope of any answer; throws the mapped error for answers without a usable one. */
  private envelope(
    answer: HttpAnswer,
    mutation: boolean,
    path: string,
    baseUrl: string,
    endpoint: string,
  ): OkxEnvelope {
    let env: OkxEnvelope | undefined;
    try {
      env = parseEnvelope(parseJsonExact(answer.body));
    } catch {
      env = undefined;
    }
    const ok = answer.status >= 200 && answer.status < 300;
    if (env !== undefined && (ok || (answer.status >= 400 && env.code !== OKX_CODE.OK))) return env;
    if (ok) throw malformedAnswer(answer.status, describeBody(answer.body, answer.headers), mutation);
    throw this.applyMapped(
      this.originOf(baseUrl),
      undefined,
      mapHttpStatus(answer, this.ctx(mutation, path, endpoint)),
    );
  }

  private read<T>(env: OkxEnvelope, mutation: boolean, parse: (d: JsonValue | undefined) => T): T {
    try {
      return parse(env.data);
    } catch (err) {
      if (err instanceof MalformedAnswer) throw malformedAnswer(200, err.message, mutation);
      throw err;
    }
  }

  private ctx(mutation: boolean, path: string, endpoint: string): OkxMapContext {
    const limit = this.limiter.limitOf(endpoint);
    return {
      mutation,
      path,
      nowMs: this.now(),
      windowSeconds: limit === undefined ? undefined : Math.ceil(limit.windowMs / 1000),
    };
  }

  private applyMapped(origin: string, limitKey: string | undefined, m: MappedOkxError): GatewayError {
    const reason = m.error.message;
    if (m.hostBackoffUntil !== undefined) extend(this.hostBackoff, origin, m.hostBackoffUntil, reason);
    if (m.endpointBackoffUntil !== undefined && limitKey !== undefined) {
      extend(this.endpointBackoff, limitKey, m.endpointBackoffUntil, reason);
    }
    return m.error;
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
      "OKX call refused locally (endpoint limit)",
    );
    throw rateLimited(
      seconds,
      `OKX allows ${a.limit.limit} ${endpoint} requests per ${a.limit.windowMs / 1000} s per user` +
        `${budget === "read" ? " (plain reads use part of it)" : ""}; nothing sent`,
    );
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
    if (this.closed) throw exchangeUnavailable("NOT_APPLIED", "the OKX client is closed");
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
        "OKX call failed without an answer",
      );
      throw err;
    }
    if (res.status >= 500) this.breaker.failure(ticket, this.now());
    else this.breaker.success(ticket);
    this.logger.debug(
      { requestId, method, path, host: origin, status: res.status, durationMs: ms(started) },
      "OKX call",
    );
    return {
      status: res.status,
      body: typeof res.data === "string" ? res.data : "",
      headers: res.headers as HeaderBag,
    };
  }

  private async publicGet(baseUrl: string, path: string, query = ""): Promise<OkxEnvelope> {
    const origin = this.originOf(baseUrl);
    const url = joinUrl(baseUrl, path) + (query ? `?${query}` : "");
    const endpoint = `GET ${path}`;
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
      const env = this.envelope(answer, false, path, baseUrl, endpoint);
      if (env.code === OKX_CODE.OK) return env;
      throw this.applyMapped(origin, undefined, mapOkxCode(env, answer, this.ctx(false, path, endpoint)));
    }
  }

  private async fetchServerTime(baseUrl: string): Promise<TimeSample> {
    const sentAt = this.now();
    const env = await this.publicGet(baseUrl, OKX.time);
    const receivedAt = this.now();
    return { serverTime: this.read(env, false, parseServerTime), sentAt, receivedAt };
  }

  private async fetchFamilies(baseUrl: string): Promise<ExchangeInfo> {
    const env = await this.publicGet(baseUrl, OKX.underlying, "instType=OPTION");
    const families = this.read(env, false, parseUnderlyings);
    if (families.length === 0) throw new Error("OKX lists no option instrument families");
    return { underlyings: new Set(families), weightLimit: undefined };
  }

  private signerFor(creds: OkxCredentials): OkxSigner {
    const key = `${creds.accountId}\u0000${creds.apiKey}`;
    const cached = this.signers.get(key);
    if (cached !== undefined && cached.secret === creds.secret) return cached.sign;
    if (typeof creds.passphrase !== "string" || creds.passphrase.length === 0) {
      this.logger.error(
        { requestId: creds.requestId, accountId: creds.accountId },
        "the account's OKX passphrase is empty",
      );
      throw exchangeUnavailable("NOT_APPLIED", "the account's OKX API passphrase is empty");
    }
    try {
      const sign = createOkxSigner(creds.secret);
      this.signers.set(key, { secret: creds.secret, sign });
      return sign;
    } catch (err) {
      this.logger.error(
        { requestId: creds.requestId, accountId: creds.accountId, err: errorText(err) },
        "the account's OKX secret is unusable",
      );
      throw exchangeUnavailable("NOT_APPLIED", "the account's OKX API secret is unusable");
    }
  }

  private originOf(baseUrl: string): string {
    try {
      return new URL(baseUrl).origin;
    } catch {
      throw exchangeUnavailable("NOT_APPLIED", "the account's OKX base URL is not a valid URL");
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
