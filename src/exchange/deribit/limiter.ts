/**
 * The gateway's own pacing of calls per Deribit key (sub-account credit pool) and host.
 *
 * Deribit meters every request against a credit pool per sub-account and, when the pool is empty,
 * answers 10028 and terminates the session (https://docs.deribit.com/articles/rate-limits). The pool's
 * size depends on the account's tier and is not reported over HTTP, so the gateway stays under a
 * conservative default (5 requests/s sustained, burst 10: below both the non-matching-engine default of
 * 20/s with burst 100 and the lowest matching-engine tier) with a token bucket per key.
 *
 * A call that finds no token waits for one if that takes at most `maxWaitMs`, else it is refused with
 * RATE_LIMITED, nothing sent. Plain reads (budget "read") leave `readReserve` tokens for changes and
 * their read-backs, so a dashboard can never starve a change.
 */
import { rateLimited } from "../../errors";

export interface DeribitRateOptions {
  /** sustained requests per second per key (5) */
  ratePerSecond?: number;
  /** tokens a key may save up (10) */
  burst?: number;
  /** tokens plain reads leave for changes (3) */
  readReserve?: number;
  /** how long a call may wait for a token before it is refused (1000 ms) */
  maxWaitMs?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export type DeribitBudget = "read" | "change";

export class KeyRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly readReserve: number;
  readonly maxWaitMs: number;

  constructor(options: DeribitRateOptions = {}) {
    this.ratePerSecond = options.ratePerSecond ?? 5;
    this.burst = options.burst ?? 10;
    this.readReserve = options.readReserve ?? 3;
    this.maxWaitMs = options.maxWaitMs ?? 1000;
    if (!(this.ratePerSecond > 0) || !Number.isFinite(this.ratePerSecond)) {
      throw new RangeError("ratePerSecond must be a positive number");
    }
    if (!Number.isSafeInteger(this.burst) || this.burst < 1) throw new RangeError("burst must be >= 1");
    if (!Number.isSafeInteger(this.readReserve) || this.readReserve < 0 || this.readReserve >= this.burst) {
      throw new RangeError("readReserve must be an integer from 0 to burst - 1");
    }
  }

  /**
   * Takes a token for `key`: answers how many ms the caller must wait before sending (0 = at once), or
   * throws RATE_LIMITED when that would exceed maxWaitMs (no token taken).
   */
  take(key: string, nowMs: number, budget: DeribitBudget): number {
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { tokens: this.burst, at: nowMs };
      this.buckets.set(key, b);
    }
    if (nowMs > b.at) {
      b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.at) * this.ratePerSecond) / 1000);
      b.at = nowMs;
    }
    const floor = budget === "read" ? this.readReserve : 0;
    const missing = floor + 1 - b.tokens;
    const waitMs = missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.ratePerSecond);
    if (waitMs > this.maxWaitMs) {
      const why =
        budget === "read"
          ? `reads leave ${this.readReserve} of ${this.burst} requests for changes`
          : `the gateway paces each Deribit key at ${this.ratePerSecond} requests/s`;
      throw rateLimited(
        Math.max(1, Math.ceil(waitMs / 1000)),
        `the key's local request budget is spent (${why}); nothing sent`,
      );
    }
    b.tokens -= 1;
    return waitMs;
  }
}
