/**
 * A venue's per-user, per-endpoint request limits, kept locally so that a call the venue would refuse
 * is refused here with RATE_LIMITED and nothing is sent (OKX's and Bybit's limits; see their clients).
 *
 * A sliding window over the send times, each window stretched by `marginMs` to absorb network jitter
 * between this process and the venue. Reads with budget "read" (plain views, not a read-back after a
 * change) may use only `readShare` of a limit, so that a burst of views or a poll round never leaves a
 * change unable to read its result back.
 */
import type { ReadBudget } from "./exchange.port";

export interface EndpointLimit {
  limit: number;
  windowMs: number;
}

export interface Admission {
  /** ms to wait before a slot is free (0: admitted, and the send time was recorded) */
  waitMs: number;
  limit: EndpointLimit;
}

export class EndpointLimiter {
  private readonly sent = new Map<string, number[]>();

  constructor(
    private readonly marginMs = 100,
    private readonly readShare = 0.6,
    private readonly limits: Readonly<Record<string, EndpointLimit>>,
  ) {}

  /** The limit of `endpoint` ("METHOD /path"), if the gateway keeps one. */
  limitOf(endpoint: string): EndpointLimit | undefined {
    return this.limits[endpoint];
  }

  /**
   * Takes a slot for one request of `user` to `endpoint` now, or says how long to wait. Endpoints
   * without a known limit are always admitted.
   */
  take(user: string, endpoint: string, nowMs: number, budget: ReadBudget = "change"): Admission | undefined {
    const limit = this.limits[endpoint];
    if (limit === undefined) return undefined;
    const key = `${user}\u0000${endpoint}`;
    const window = limit.windowMs + this.marginMs;
    let times = this.sent.get(key);
    if (times === undefined) {
      times = [];
      this.sent.set(key, times);
    }
    while (times.length > 0 && times[0]! <= nowMs - window) times.shift();
    const allowed = budget === "read" ? Math.max(1, Math.floor(limit.limit * this.readShare)) : limit.limit;
    if (times.length >= allowed) {
      const oldest = times[times.length - allowed]!;
      return { waitMs: Math.max(1, oldest + window - nowMs), limit };
    }
    times.push(nowMs);
    return { waitMs: 0, limit };
  }
}
