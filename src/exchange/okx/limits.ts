/**
 * OKX's per-user, per-endpoint request limits, kept locally so that a call OKX would refuse (50011)
 * is refused here with RATE_LIMITED and nothing is sent. Limits from OKX's docs:
 * Set MMP 2 / 10 s, Get MMP Config 5 / 2 s, Reset MMP Status 5 / 2 s, Cancel All After 1 / 1 s,
 * all "per User ID". The gateway knows an OKX user by the account's credentials (one account, one
 * OKX user), so the count is per account, per host and per endpoint (method + path: GET and POST
 * `/api/v5/account/mmp-config` are two endpoints with their own limits).
 *
 * A sliding window over the send times, each window stretched by `marginMs` to absorb network jitter
 * between this process and OKX. Reads with budget "read" (plain views, not a read-back after a change)
 * may use only `readShare` of a limit, so that a burst of views never leaves a change unable to read
 * its result back.
 */
import type { ReadBudget } from "../exchange.port";

export interface EndpointLimit {
  limit: number;
  windowMs: number;
}

export const OKX_LIMITS: Readonly<Record<string, EndpointLimit>> = {
  "POST /api/v5/account/mmp-config": { limit: 2, windowMs: 10_000 },
  "GET /api/v5/account/mmp-config": { limit: 5, windowMs: 2_000 },
  "POST /api/v5/account/mmp-reset": { limit: 5, windowMs: 2_000 },
  "POST /api/v5/trade/cancel-all-after": { limit: 1, windowMs: 1_000 },
};

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
    private readonly limits: Readonly<Record<string, EndpointLimit>> = OKX_LIMITS,
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
