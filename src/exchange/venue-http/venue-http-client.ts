/**
 * What the venue clients (Deribit, OKX, Bybit) are built from: the shared HTTP plumbing, the back-offs,
 * the venue's server clock and its cached list of valid scope keys (index names, instrument families,
 * base coins). A client supplies how to read the venue's time and scope keys; the rest is venue-specific
 * and stays in the client.
 */
import type { ExchangeLogger } from "../binance/binance-client";
import { ServerClock, type TimeSample } from "../binance/clock";
import { ExchangeInfoCache, type ExchangeInfo } from "../binance/exchange-info";
import { Backoffs } from "./backoffs";
import { silentLogger, VenueHttp, type VenueHttpOptions } from "./venue-http";

export abstract class VenueHttpClient {
  protected readonly now: () => number;
  protected readonly logger: ExchangeLogger;
  protected readonly http: VenueHttp;
  protected readonly backoffs: Backoffs;
  protected readonly clock: ServerClock;
  /** the valid scope keys per base URL, stale while revalidating */
  protected readonly scopeKeys: ExchangeInfoCache;

  /** `scopeKeysRefreshMs`: the list older than this is refreshed in the background (300000) */
  protected constructor(venue: string, options: VenueHttpOptions, scopeKeysRefreshMs: number | undefined) {
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
