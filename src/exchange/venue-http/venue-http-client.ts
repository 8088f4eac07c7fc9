/**
 * What the venue clients (Deribit, OKX, Bybit) are built from: the shared HTTP plumbing, the back-offs,
 * the venue's server clock and its cached list of valid scope keys (index names, instrument families,
 * base coins). A client supplies how to read the venue's time and scope keys; the rest is venue-specific
 * and stays in the client.
 */
import type { GatewayError } from "../../errors";
import type { ExchangeLogger } from "../binance/binance-client";
import type { HttpAnswer } from "../binance/errors";
import { ServerClock, type TimeSample } from "../binance/clock";
import { ExchangeInfoCache, type ExchangeInfo } from "../binance/exchange-info";
import { Backoffs } from "./backoffs";
import { errorText } from "./errors";
import { joinUrl, silentLogger, USER_AGENT, VenueHttp, type VenueHttpOptions } from "./venue-http";

export abstract class VenueHttpClient {
  protected readonly now: () => number;
  protected readonly logger: ExchangeLogger;
  protected readonly http: VenueHttp;
  protected readonly backoffs: Backoffs;
  protected readonly clock: ServerClock;
  /** the valid scope keys per base URL, stale while revalidating */
  protected readonly scopeKeys: ExchangeInfoCache;

  /**
   * `venue` names the venue in log lines and errors ("OKX"); the scope-key list older than
   * `scopeKeysRefreshMs` is refreshed in the background (300000).
   */
  protected constructor(
    protected readonly venue: string,
    options: VenueHttpOptions,
    scopeKeysRefreshMs: number | undefined,
  ) {
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.http = new VenueHttp(venue, options, this.now, this.logger);
    this.backoffs = new Backoffs(this.now);
    // the fetchers are called only after construction, once the subclass is complete
    this.clock = new ServerClock(
      (baseUrl) => this.fetchServerTime(baseUrl),
      this.now,
      options.timeResyncIntervalMs ?? 60_000,
      this.logger,
    );
    this.scopeKeys = new ExchangeInfoCache(
      (baseUrl) => this.fetchScopeKeys(baseUrl),
      this.now,
      scopeKeysRefreshMs ?? 5 * 60_000,
      30_000,
      this.logger,
    );
  }

  protected abstract fetchServerTime(baseUrl: string): Promise<TimeSample>;

  protected abstract fetchScopeKeys(baseUrl: string): Promise<ExchangeInfo>;

  /**
   * An unsigned GET (server time, scope keys) behind the host's back-off, sent again like any read;
   * answers the answer of any status with the origin it was sent to, for the venue to read.
   */
  protected async publicGetAnswer(
    baseUrl: string,
    path: string,
    query: string,
  ): Promise<{ origin: string; answer: HttpAnswer }> {
    const origin = this.http.originOf(baseUrl);
    const url = joinUrl(baseUrl, path) + (query ? `?${query}` : "");
    const answer = await this.http.read(
      origin,
      () => this.backoffs.admit(origin, undefined),
      () => ({ method: "GET", url, headers: { "User-Agent": USER_AGENT } }),
      { method: "GET", path },
    );
    return { origin, answer };
  }

  /**
   * After the venue refused a call's timestamp before processing it (`code`): resyncs the clock so that
   * the caller can sign the call again, even a change. False when the resync failed (logged): the caller
   * reports the refusal.
   */
  protected async resyncAfterTimestampRefusal(
    baseUrl: string,
    call: { requestId: string | undefined; path: string; host: string },
    code: string,
  ): Promise<boolean> {
    this.logger.warn(call, `${this.venue} refused the timestamp (${code}); resyncing`);
    try {
      await this.clock.resync(baseUrl);
      return true;
    } catch (syncErr) {
      this.logger.warn(
        { requestId: call.requestId, err: errorText(syncErr) },
        `${this.venue} server-time resync failed`,
      );
      return false;
    }
  }

  /** A refusal that starts a back-off is worth a warning: calls are refused locally until it ends. */
  protected warnIfRateLimited(error: GatewayError, fields: object): void {
    if (error.code !== "RATE_LIMITED") return;
    this.logger.warn(
      { ...fields, retryAfterSeconds: error.extensions.retryAfterSeconds },
      `${this.venue} rate limit hit; calls are refused until the back-off ends`,
    );
  }

  async close(): Promise<void> {
    this.http.close();
  }

  /** the venue's minus the local clock in ms, once measured */
  clockOffset(baseUrl: string): number | undefined {
    return this.clock.offset(baseUrl);
  }

  resyncClock(baseUrl: string): Promise<void> {
    return this.clock.resync(baseUrl);
  }
}
