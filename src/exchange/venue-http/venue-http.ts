/**
 * The HTTP plumbing the venue clients (Deribit, OKX, Bybit) share: the keep-alive transport, the
 * per-host circuit breaker, one timed and logged send, and the narrow read retry. What a venue signs,
 * how it answers and which of its refusals may be retried stay in the venue's client.
 */
import axios, { type AxiosResponse, type RawAxiosRequestHeaders } from "axios";
import { performance } from "node:perf_hooks";
import { exchangeUnavailable } from "../../errors";
import type { ExchangeLogger } from "../binance/binance-client";
import { CircuitBreaker, type CircuitBreakerOptions } from "../binance/circuit-breaker";
import { mapTransportError, type HttpAnswer } from "../binance/errors";
import { createHttpTransport, isTransportError, type HttpTransport } from "../binance/transport";
import type { HeaderBag } from "../binance/weight";

/** The options every venue client takes. */
export interface VenueHttpOptions {
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
  /** extra attempts for a read that failed to connect or lost its connection (2) */
  readRetries?: number;
  readRetryBaseMs?: number;
  circuitBreaker?: CircuitBreakerOptions;
}

export interface VenueRequest {
  method: "GET" | "POST";
  url: string;
  body?: string;
  headers: RawAxiosRequestHeaders;
}

/** What a call's log lines name besides its host, outcome and duration (a method or path: never a body, header or secret). */
export type CallLabel = Readonly<Record<string, string>>;

export const USER_AGENT = "mmp-gateway";
export const JSON_CONTENT_TYPE = "application/json";
export const silentLogger: ExchangeLogger = { debug() {}, info() {}, warn() {}, error() {} };

export class VenueHttp {
  private readonly transport: HttpTransport;
  private readonly http: InstanceType<typeof axios.Axios>;
  private readonly breaker: CircuitBreaker;
  private readonly readRetries: number;
  private readonly readRetryBaseMs: number;
  private closed = false;

  /** `venue` names the venue in log lines and errors ("OKX"). */
  constructor(
    private readonly venue: string,
    options: VenueHttpOptions,
    private readonly now: () => number,
    private readonly logger: ExchangeLogger,
  ) {
    this.transport = createHttpTransport({
      connectTimeoutMs: options.connectTimeoutMs ?? 2000,
      responseTimeoutMs: options.defaultTimeoutMs ?? 5000,
      maxSockets: options.maxSocketsPerHost ?? 64,
    });
    this.http = new axios.Axios({ adapter: this.transport.adapter });
    this.breaker = new CircuitBreaker(options.circuitBreaker);
    this.readRetries = options.readRetries ?? 2;
    this.readRetryBaseMs = options.readRetryBaseMs ?? 100;
  }

  close(): void {
    this.closed = true;
    this.transport.close();
  }

  /** The origin a base URL's host back-offs and breaker are kept under; an invalid URL sends nothing. */
  originOf(baseUrl: string): string {
    try {
      return new URL(baseUrl).origin;
    } catch {
      throw exchangeUnavailable("NOT_APPLIED", `the account's ${this.venue} base URL is not a valid URL`);
    }
  }

  /**
   * One attempt of a call. Answers the HTTP answer (any status), or undefined after the retry pause
   * when the caller should build and send the request again: only a read (a change that lost its
   * connection may have been applied, so it is never re-sent) that failed to connect or lost its
   * connection, while retries are left. Any other failure without an answer is thrown mapped.
   */
  async attempt(
    attempt: number,
    mutation: boolean,
    origin: string,
    request: VenueRequest,
    label: CallLabel,
    requestId: string | undefined,
  ): Promise<HttpAnswer | undefined> {
    try {
      return await this.send(origin, request, label, requestId);
    } catch (err) {
      if (isTransportError(err)) {
        const retryable = !mutation && (err.kind === "connect-failed" || err.kind === "connection-lost");
        if (retryable && (await this.pauseBeforeRetry(attempt))) return undefined;
        throw mapTransportError(err, mutation);
      }
      throw err;
    }
  }

  /**
   * An unsigned read (server time, scope keys), sent again like any read: `admit` runs before every
   * attempt (the back-offs), `build` makes each attempt's request.
   */
  async read(
    origin: string,
    admit: () => void,
    build: () => VenueRequest,
    label: CallLabel,
  ): Promise<HttpAnswer> {
    for (let attempt = 1; ; attempt++) {
      admit();
      const answer = await this.attempt(attempt, false, origin, build(), label, undefined);
      if (answer !== undefined) return answer;
    }
  }

  private async send(
    origin: string,
    { method, url, body, headers }: VenueRequest,
    label: CallLabel,
    requestId: string | undefined,
  ): Promise<HttpAnswer> {
    if (this.closed) throw exchangeUnavailable("NOT_APPLIED", `the ${this.venue} client is closed`);
    const ticket = this.breaker.admit(origin, this.now());
    const started = performance.now();
    let res: AxiosResponse<string>;
    try {
      res = await this.http.request<string>({ method, url, data: body, headers });
    } catch (err) {
      // an abort is the caller's doing, not the host's failure
      if (isTransportError(err) && err.kind !== "aborted") this.breaker.failure(ticket, this.now());
      else this.breaker.abandon(ticket);
      this.logger.debug(
        {
          requestId,
          ...label,
          host: origin,
          failure: isTransportError(err) ? err.kind : "error",
          durationMs: ms(started),
        },
        `${this.venue} call failed without an answer`,
      );
      throw err;
    }
    if (res.status >= 500) this.breaker.failure(ticket, this.now());
    else this.breaker.success(ticket);
    this.logger.debug(
      { requestId, ...label, host: origin, status: res.status, durationMs: ms(started) },
      `${this.venue} call`,
    );
    return {
      status: res.status,
      body: typeof res.data === "string" ? res.data : "",
      headers: res.headers as HeaderBag,
    };
  }

  private async pauseBeforeRetry(attempt: number): Promise<boolean> {
    if (attempt > this.readRetries || this.closed) return false;
    // exponential with jitter, so that clients that lost the same connection do not come back together
    await sleep(this.readRetryBaseMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
    return !this.closed;
  }
}

export function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, "") + path;
}

export function sleep(msToWait: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, msToWait));
}

function ms(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 10) / 10;
}
