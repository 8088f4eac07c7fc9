/**
 * Deribit MMP client over JSON-RPC on HTTP: `private/set_mmp_config`, `private/get_mmp_config`,
 * `private/get_mmp_status`, `private/reset_mmp`, plus `public/get_time` (the clock offset) and
 * `public/get_supported_index_names` (the valid scope keys). Every call is
 * `POST {baseUrl}/api/v2/{method}` with a JSON-RPC 2.0 body (https://docs.deribit.com/articles/json-rpc-overview).
 *
 * One call: validation (a refusal signs and sends nothing) → admission (circuit breaker, back-offs, the
 * key's local token bucket) → Deribit's clock (ServerClock on `public/get_time`) → a fresh nonce and
 * the signature over the exact bytes → send over the shared keep-alive transport → map the answer
 * (errors.ts). Retries are narrow:
 * - a read that failed to connect or lost its connection is sent again (at most `readRetries` times),
 *   with a new id, nonce and signature;
 * - nothing else. Deribit documents no error code that means "refused before processing because of the
 *   timestamp", so a change with an unclear fate is never re-sent: it is EXCHANGE_UNAVAILABLE UNKNOWN
 *   and the caller reads the state back. After 13004 invalid_credentials the clock is resynchronised in
 *   the background so that the caller's next attempt signs on a fresh offset.
 * Secrets, signatures, nonces and bodies are never logged.
 */
import axios, { type AxiosResponse, type RawAxiosRequestHeaders } from "axios";
import { performance } from "node:perf_hooks";
import { exchangeUnavailable, rateLimited, type GatewayError } from "../../errors";
import { CircuitBreaker, type CircuitBreakerOptions } from "../binance/circuit-breaker";
import { ServerClock, type TimeSample } from "../binance/clock";
import { describeBody, malformedAnswer, mapTransportError, type HttpAnswer } from "../binance/errors";
import { ExchangeInfoCache, type ExchangeInfo } from "../binance/exchange-info";
import { parseJsonExact, type JsonValue } from "../binance/json";
import { createHttpTransport, isTransportError, type HttpTransport } from "../binance/transport";
import type { HeaderBag } from "../binance/weight";
import type { ExchangeLogger } from "../binance/binance-client";
import { DERIBIT_CODE, mapHttpStatus, mapRpcError, type MappedDeribitError } from "./errors";
import { KeyRateLimiter, type DeribitBudget, type DeribitRateOptions } from "./limiter";
import {
  MalformedAnswer,
  parseEnvelope,
  parseIndexNames,
  parseMmpConfigs,
  parseMmpStatuses,
  parseOk,
  parseServerTime,
  type DeribitEnvelope,
} from "./parse";
import {
  createDeribitSigner,
  deribitAuthorization,
  deribitNonce,
  deribitRequestData,
  deribitStringToSign,
  type DeribitSigner,
} from "./signer";
import type { DeribitCredentials, DeribitMmpConfig, DeribitMmpSettings, DeribitMmpStatus } from "./types";
import { checkIndexName, setMmpConfigParams } from "./validate";

export const DERIBIT_METHOD = {
  time: "public/get_time",
  indexNames: "public/get_supported_index_names",
  setMmpConfig: "private/set_mmp_config",
  getMmpConfig: "private/get_mmp_config",
  getMmpStatus: "private/get_mmp_status",
  resetMmp: "private/reset_mmp",
} as const;

export const DERIBIT_API_PREFIX = "/api/v2/";

export interface DeribitClientOptions {
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
  /** the index-name list older than this is refreshed in the background (300000) */
  indexNamesRefreshMs?: number;
  /** extra attempts for a read that failed to connect or lost its connection (2) */
  readRetries?: number;
  readRetryBaseMs?: number;
  circuitBreaker?: CircuitBreakerOptions;
  /** the local pacing per key (limiter.ts) */
  rate?: DeribitRateOptions;
}

const USER_AGENT = "mmp-gateway";
const JSON_CONTENT_TYPE = "application/json";
const silentLogger: ExchangeLogger = { debug() {}, info() {}, warn() {}, error() {} };

interface Signed {
  secret: string;
  sign: DeribitSigner;
}

interface Backoff {
  until: number;
  reason: string;
}

interface CallSpec {
  method: string;
  /** the `params` object as JSON text, exactly as it goes into the body */
  params: string;
  mutation: boolean;
  budget: DeribitBudget;
}

export class DeribitClient {
  private readonly http: InstanceType<typeof axios.Axios>;
  private readonly transport: HttpTransport;
  private readonly clock: ServerClock;
  private readonly indexes: ExchangeInfoCache;
  private readonly breaker: CircuitBreaker;
  private readonly limiter: KeyRateLimiter;
  private readonly signers = new Map<string, Signed>();
  private readonly hostBackoff = new Map<string, Backoff>();
  private readonly keyBackoff = new Map<string, Backoff>();
  private readonly now: () => number;
  private readonly logger: ExchangeLogger;
  private readonly readRetries: number;
  private readonly readRetryBaseMs: number;
  private nextId = 1;
  private closed = false;

  constructor(options: DeribitClientOptions = {}) {
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.transport = createHttpTransport({
      connectTimeoutMs: options.connectTimeoutMs ?? 2000,
      responseTimeoutMs: options.defaultTimeoutMs ?? 5000,
      maxSockets: options.maxSocketsPerHost ?? 64,
    });
    this.http = new axios.Axios({ adapter: this.transport.adapter });
    this.breaker = new CircuitBreaker(options.circuitBreaker);
    this.limiter = new KeyRateLimiter(options.rate);
    this.readRetries = options.readRetries ?? 2;
    this.readRetryBaseMs = options.readRetryBaseMs ?? 100;
    this.clock = new ServerClock(
      (baseUrl) => this.fetchServerTime(baseUrl),
      this.now,
      options.timeResyncIntervalMs ?? 60_000,
      this.logger,
    );
    this.indexes = new ExchangeInfoCache(
      (baseUrl) => this.fetchIndexNames(baseUrl),
      this.now,
      options.indexNamesRefreshMs ?? 5 * 60_000,
      30_000,
      this.logger,
    );
  }

  // ---- MMP ----

  /**
   * Sets MMP for one index (the default orders group). Answers the configuration Deribit reports back
   * for that index, or null when it reports none (e.g. `interval` 0 removed it). On EXCHANGE_UNAVAILABLE
   * with outcome UNKNOWN the change may have been applied: read it back with getMmp.
   */
  async setMmp(creds: DeribitCredentials, settings: DeribitMmpSettings): Promise<DeribitMmpConfig | null> {
    const params = setMmpConfigParams(settings); // throws BAD_USER_INPUT before anything is signed
    const env = await this.signed(creds, {
      method: DERIBIT_METHOD.setMmpConfig,
      params,
      mutation: true,
      budget: "change",
    });
    const configs = this.read(env, true, parseMmpConfigs);
    return configs.find((c) => c.indexName === settings.indexName) ?? null;
  }

  /** The default-group configuration of one index, or null when Deribit lists none. */
  async getMmp(
    creds: DeribitCredentials,
    indexName: string,
    budget: DeribitBudget = "change",
  ): Promise<DeribitMmpConfig | null> {
    const index = checkIndexName("indexName", indexName);
    const env = await this.signed(creds, {
      method: DERIBIT_METHOD.getMmpConfig,
      params: JSON.stringify({ index_name: index }),
      mutation: false,
      budget,
    });
    return this.read(env, false, parseMmpConfigs).find((c) => c.indexName === index) ?? null;
  }

  /** Every default-group configuration in one call (`private/get_mmp_config` without an index). */
  async getAllMmp(creds: DeribitCredentials, budget: DeribitBudget = "change"): Promise<DeribitMmpConfig[]> {
    const env = await this.signed(creds, {
      method: DERIBIT_METHOD.getMmpConfig,
      params: "{}",
      mutation: false,
      budget,
    });
    return this.read(env, false, parseMmpConfigs);
  }

  /** The triggered (frozen) indexes, of one index or all; an index not listed is not frozen. */
  async getMmpStatus(
    creds: DeribitCredentials,
    indexName?: string,
    budget: DeribitBudget = "change",
  ): Promise<DeribitMmpStatus[]> {
    const params =
      indexName === undefined ? "{}" : JSON.stringify({ index_name: checkIndexName("indexName", indexName) });
    const env = await this.signed(creds, {
      method: DERIBIT_METHOD.getMmpStatus,
      params,
      mutation: false,
      budget,
    });
    const all = this.read(env, false, parseMmpStatuses);
    return indexName === undefined ? all : all.filter((s) => s.indexName === indexName);
  }

  /** Resets MMP for one index: unfreezes it. */
  async resetMmp(creds: DeribitCredentials, indexName: string): Promise<void> {
    const index = checkIndexName("indexName", indexName);
    const env = await this.signed(creds, {
      method: DERIBIT_METHOD.resetMmp,
      params: JSON.stringify({ index_name: index }),
      mutation: true,
      budget: "change",
    });
    this.read(env, true, parseOk);
  }

  /**
   * The valid scope keys: Deribit's index names from `public/get_supported_index_names`, cached per base
   * URL (stale while revalidating).
   */
  async indexNames(baseUrl: string): Promise<ReadonlySet<string>> {
    return (await this.indexes.get(baseUrl)).underlyings;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.transport.close();
  }

  /** Deribit minus local clock in ms, once measured */
  clockOffset(baseUrl: string): number | undefined {
    return this.clock.offset(baseUrl);
  }

  resyncClock(baseUrl: string): Promise<void> {
    return this.clock.resync(baseUrl);
  }

  // ---- internals ----

  private async signed(creds: DeribitCredentials, spec: CallSpec): Promise<DeribitEnvelope> {
    const { baseUrl, requestId } = creds;
    const sign = this.signerFor(creds);
    const origin = this.originOf(baseUrl);
    const url = joinUrl(baseUrl, DERIBIT_API_PREFIX + spec.method);
    const uri = new URL(url).pathname;
    const keyKey = `${creds.apiKey}\u0000${origin}`;
    for (let attempt = 1; ; attempt++) {
      this.admitBackoffs(origin, keyKey);
      const wait = this.limiter.take(keyKey, this.now(), spec.budget);
      if (wait > 0) await sleep(wait);
      const timestamp = await this.clock.timestamp(baseUrl);
      const nonce = deribitNonce();
      const id = this.nextId++;
      const body = rpcBody(id, spec.method, spec.params);
      const signature = sign(deribitStringToSign(timestamp, nonce, deribitRequestData("POST", uri, body)));
      const headers: RawAxiosRequestHeaders = {
        "User-Agent": USER_AGENT,
        "Content-Type": JSON_CONTENT_TYPE,
        Authorization: deribitAuthorization(creds.apiKey, timestamp, signature, nonce),
      };
      let answer: HttpAnswer;
      try {
        answer = await this.send(origin, url, body, headers, spec.method, requestId);
      } catch (err) {
        if (isTransportError(err)) {
          const retryable =
            !spec.mutation && (err.kind === "connect-failed" || err.kind === "connection-lost");
          if (retryable && (await this.pauseBeforeRetry(attempt))) continue;
          throw mapTransportError(err, spec.mutation);
        }
        throw err;
      }
      const env = this.envelope(answer, spec, origin, id);
      if (env.error === undefined) return env;
      if (env.error.code === DERIBIT_CODE.INVALID_CREDENTIALS) {
        this.clock
          .resync(baseUrl)
          .catch((syncErr: unknown) =>
            this.logger.warn({ requestId, err: errorText(syncErr) }, "Deribit server-time resync failed"),
          );
      }
      const mapped = mapRpcError(env.error, this.ctx(spec));
      this.logger.warn(
        {
          requestId,
          host: origin,
          rpcMethod: spec.method,
          code: env.error.code,
          gatewayCode: mapped.error.code,
        },
        "Deribit refused the call",
      );
      throw this.applyMapped(origin, keyKey, mapped);
    }
  }

  /**
   * Parses the answer; throws the mapped error when there is no readable JSON-RPC answer, or for a 5XX
   * (even with a JSON-RPC error: it may have been applied).
   */
  private envelope(answer: HttpAnswer, spec: CallSpec, origin: string, id: number): DeribitEnvelope {
    let env: DeribitEnvelope | undefined;
    let why = "";
    try {
      env = parseEnvelope(parseJsonExact(answer.body));
    } catch (err) {
      env = undefined;
      why = err instanceof MalformedAnswer ? err.message : describeBody(answer.body, answer.headers);
    }
    const ok = answer.status >= 200 && answer.status < 300;
    if (env !== undefined && env.id !== undefined && env.id !== id) {
      throw malformedAnswer(
        answer.status,
        `the answer's id ${env.id} is not the request's ${id}`,
        spec.mutation,
      );
    }
    if (env !== undefined && answer.status < 500 && (ok || env.error !== undefined)) return env;
    if (ok) throw malformedAnswer(answer.status, why || "no result", spec.mutation);
    const mapped = mapHttpStatus(answer, this.ctx(spec));
    if (env?.error !== undefined) {
      mapped.error.extensions.exchangeCode = env.error.code;
      mapped.error.extensions.exchangeMessage = env.error.message;
    }
    throw this.applyMapped(origin, undefined, mapped);
  }

  private read<T>(env: DeribitEnvelope, mutation: boolean, parse: (r: JsonValue | undefined) => T): T {
    try {
      return parse(env.result);
    } catch (err) {
      if (err instanceof MalformedAnswer) throw malformedAnswer(200, err.message, mutation);
      throw err;
    }
  }

  private ctx(spec: CallSpec) {
    return { mutation: spec.mutation, method: spec.method, nowMs: this.now() };
  }

  private applyMapped(origin: string, keyKey: string | undefined, m: MappedDeribitError): GatewayError {
    const reason = m.error.message;
    if (m.hostBackoffUntil !== undefined) extend(this.hostBackoff, origin, m.hostBackoffUntil, reason);
    if (m.keyBackoffUntil !== undefined && keyKey !== undefined) {
      extend(this.keyBackoff, keyKey, m.keyBackoffUntil, reason);
    }
    return m.error;
  }

  private admitBackoffs(origin: string, keyKey: string | undefined): void {
    const now = this.now();
    for (const b of [this.hostBackoff.get(origin), keyKey ? this.keyBackoff.get(keyKey) : undefined]) {
      if (b !== undefined && b.until > now) {
        throw rateLimited(Math.max(1, Math.ceil((b.until - now) / 1000)), `${b.reason}; nothing sent`);
      }
    }
  }

  private async send(
    origin: string,
    url: string,
    body: string,
    headers: RawAxiosRequestHeaders,
    rpcMethod: string,
    requestId: string | undefined,
  ): Promise<HttpAnswer> {
    if (this.closed) throw exchangeUnavailable("NOT_APPLIED", "the Deribit client is closed");
    const ticket = this.breaker.admit(origin, this.now());
    const started = performance.now();
    let res: AxiosResponse<string>;
    try {
      res = await this.http.request<string>({ method: "POST", url, data: body, headers });
    } catch (err) {
      if (isTransportError(err) && err.kind !== "aborted") this.breaker.failure(ticket, this.now());
      else this.breaker.abandon(ticket);
      this.logger.debug(
        {
          requestId,
          rpcMethod,
          host: origin,
          failure: isTransportError(err) ? err.kind : "error",
          durationMs: ms(started),
        },
        "Deribit call failed without an answer",
      );
      throw err;
    }
    if (res.status >= 500) this.breaker.failure(ticket, this.now());
    else this.breaker.success(ticket);
    this.logger.debug(
      { requestId, rpcMethod, host: origin, status: res.status, durationMs: ms(started) },
      "Deribit call",
    );
    return {
      status: res.status,
      body: typeof res.data === "string" ? res.data : "",
      headers: res.headers as HeaderBag,
    };
  }

  private async publicCall(baseUrl: string, method: string, params: string): Promise<DeribitEnvelope> {
    const origin = this.originOf(baseUrl);
    const url = joinUrl(baseUrl, DERIBIT_API_PREFIX + method);
    const spec: CallSpec = { method, params, mutation: false, budget: "read" };
    for (let attempt = 1; ; attempt++) {
      this.admitBackoffs(origin, undefined);
      const id = this.nextId++;
      let answer: HttpAnswer;
      try {
        answer = await this.send(
          origin,
          url,
          rpcBody(id, method, params),
          { "User-Agent": USER_AGENT, "Content-Type": JSON_CONTENT_TYPE },
          method,
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
      const env = this.envelope(answer, spec, origin, id);
      if (env.error === undefined) return env;
      throw this.applyMapped(origin, undefined, mapRpcError(env.error, this.ctx(spec)));
    }
  }

  private async fetchServerTime(baseUrl: string): Promise<TimeSample> {
    const sentAt = this.now();
    const env = await this.publicCall(baseUrl, DERIBIT_METHOD.time, "{}");
    const receivedAt = this.now();
    return { serverTime: this.read(env, false, parseServerTime), sentAt, receivedAt };
  }

  private async fetchIndexNames(baseUrl: string): Promise<ExchangeInfo> {
    const env = await this.publicCall(baseUrl, DERIBIT_METHOD.indexNames, "{}");
    const names = this.read(env, false, parseIndexNames);
    if (names.length === 0) throw new Error("Deribit lists no index names");
    return { underlyings: new Set(names), weightLimit: undefined };
  }

  private signerFor(creds: DeribitCredentials): DeribitSigner {
    const key = `${creds.accountId}\u0000${creds.apiKey}`;
    const cached = this.signers.get(key);
    if (cached !== undefined && cached.secret === creds.secret) return cached.sign;
    try {
      const sign = createDeribitSigner(creds.secret);
      this.signers.set(key, { secret: creds.secret, sign });
      return sign;
    } catch (err) {
      this.logger.error(
        { requestId: creds.requestId, accountId: creds.accountId, err: errorText(err) },
        "the account's Deribit client secret is unusable",
      );
      throw exchangeUnavailable("NOT_APPLIED", "the account's Deribit client secret is unusable");
    }
  }

  private originOf(baseUrl: string): string {
    try {
      return new URL(baseUrl).origin;
    } catch {
      throw exchangeUnavailable("NOT_APPLIED", "the account's Deribit base URL is not a valid URL");
    }
  }

  private async pauseBeforeRetry(attempt: number): Promise<boolean> {
    if (attempt > this.readRetries || this.closed) return false;
    await sleep(this.readRetryBaseMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
    return !this.closed;
  }
}

/** The JSON-RPC 2.0 request body; `params` is inserted as given, so its number text is sent unchanged. */
export function rpcBody(id: number, method: string, params: string): string {
  return `{"jsonrpc":"2.0","id":${id},"method":${JSON.stringify(method)},"params":${params}}`;
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

function sleep(msToWait: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, msToWait));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
