/**
 * exchangeInfo, cached per base URL with stale-while-revalidate.
 *
 * Used on the hot path (validating an underlying before a mutation), so once a base URL is warm a call
 * never waits on the network: a stale value is returned at once and a refresh starts in the background.
 * The first call for a base URL must wait; concurrent first calls share one fetch. A failed refresh
 * keeps serving the previous value and is retried no sooner than `retryAfterFailureMs`.
 */
import { exchangeUnavailable, isGatewayError } from "../../errors";

export interface ExchangeInfo {
  underlyings: ReadonlySet<string>;
  /** the 1-minute REQUEST_WEIGHT limit, when exchangeInfo states one */
  weightLimit: number | undefined;
}

export interface ExchangeInfoLogger {
  warn(obj: object, msg?: string): void;
}

interface Entry {
  value: ExchangeInfo | undefined;
  fetchedAt: number;
  /** when the last refresh failed; undefined after a success */
  failedAt: number | undefined;
  inFlight: Promise<ExchangeInfo> | undefined;
}

export class ExchangeInfoCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly fetchInfo: (baseUrl: string) => Promise<ExchangeInfo>,
    private readonly now: () => number,
    private readonly refreshMs = 5 * 60_000,
    private readonly retryAfterFailureMs = 30_000,
    private readonly logger?: ExchangeInfoLogger,
  ) {}

  async get(baseUrl: string): Promise<ExchangeInfo> {
    const entry = this.entries.get(baseUrl);
    if (entry?.value !== undefined) {
      const now = this.now();
      const due =
        now - entry.fetchedAt >= this.refreshMs &&
        (entry.failedAt === undefined || now - entry.failedAt >= this.retryAfterFailureMs);
      if (due && entry.inFlight === undefined) {
        this.fetch(baseUrl).catch((err: unknown) =>
          this.logger?.warn(
            { baseUrl, err: err instanceof Error ? err.message : String(err) },
            "exchangeInfo refresh failed; serving the cached copy",
          ),
        );
      }
      return entry.value;
    }
    try {
      return await this.fetch(baseUrl);
    } catch (err) {
      // The client's GET failures are already EXCHANGE_UNAVAILABLE NOT_APPLIED, or RATE_LIMITED (which
      // tells the caller when to come back); only rejections and unreadable documents need wrapping.
      if (isGatewayError(err) && err.code !== "EXCHANGE_REJECTED") throw err;
      const reason = err instanceof Error ? err.message : String(err);
      throw exchangeUnavailable(
        "NOT_APPLIED",
        `the exchange's list of underlyings could not be loaded: ${reason}`,
      );
    }
  }

  private fetch(baseUrl: string): Promise<ExchangeInfo> {
    let entry = this.entries.get(baseUrl);
    if (entry === undefined) {
      entry = { value: undefined, fetchedAt: 0, failedAt: undefined, inFlight: undefined };
      this.entries.set(baseUrl, entry);
    }
    if (entry.inFlight !== undefined) return entry.inFlight;
    const e = entry;
    e.inFlight = this.fetchInfo(baseUrl)
      .then(
        (value) => {
          e.value = value;
          e.fetchedAt = this.now();
          e.failedAt = undefined;
          return value;
        },
        (err: unknown) => {
          e.failedAt = this.now();
          throw err;
        },
      )
      .finally(() => {
        e.inFlight = undefined;
      });
    return e.inFlight;
  }
}

/**
 * Extracts what the gateway needs from the exchangeInfo document (parsed with JSON.parse: it is large
 * and holds no value whose exact digits matter here).
 */
export function parseExchangeInfo(
  doc: unknown,
  extractWeightLimit: (rateLimits: unknown) => number | undefined,
): ExchangeInfo {
  if (typeof doc !== "object" || doc === null) throw new Error("exchangeInfo is not a JSON object");
  const { optionContracts, rateLimits } = doc as Record<string, unknown>;
  if (!Array.isArray(optionContracts)) throw new Error("exchangeInfo has no optionContracts list");
  const underlyings = new Set<string>();
  for (const c of optionContracts as unknown[]) {
    const u = typeof c === "object" && c !== null ? (c as Record<string, unknown>).underlying : undefined;
    if (typeof u === "string" && u.length > 0) underlyings.add(u);
  }
  if (underlyings.size === 0) throw new Error("exchangeInfo lists no underlyings");
  return { underlyings, weightLimit: extractWeightLimit(rateLimits) };
}
