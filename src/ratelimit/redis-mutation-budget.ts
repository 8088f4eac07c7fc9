/**
 * The mutation rate limits (mutation-rate-limit.ts) kept in Redis, so that N replicas enforce one budget
 * per user and per account instead of N: rate-limiter-flexible's counters (a window of one period that
 * holds at most the limit), under `<prefix>rate:user:` and `<prefix>rate:account:`.
 *
 * A refusal costs nothing, as in memory: the counters are charged one after the other and whatever was
 * charged for a refused operation, the refused counter included, is given back. Two replicas refusing
 * at the same instant may each see the other's charge before its refund: the cost is at worst a
 * refusal that a moment later would have passed, never a change let through over the limit.
 *
 * Redis down or slow: each counter falls back to its in-memory insurance (per replica, as without
 * Redis), and comes back to Redis on its own. Nothing waits for a reconnect (the connection queues no
 * commands).
 */
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { MutationBudget, RateDecision } from "./mutation-rate-limit";
import type { RateSpec } from "./token-bucket";

export interface RedisMutationBudgetOptions {
  redis: Redis;
  /** REDIS_KEY_PREFIX */
  keyPrefix: string;
  perUser?: RateSpec;
  perAccount?: RateSpec;
}

interface Counter {
  limiter: RateLimiterRedis;
  capacity: number;
}

interface Charge {
  counter: Counter;
  key: string;
  points: number;
}

function counter(redis: Redis, keyPrefix: string, spec: RateSpec): Counter {
  const shape = { points: spec.capacity, duration: Math.max(1, Math.ceil(spec.periodMs / 1000)) };
  const limiter = new RateLimiterRedis({
    ...shape,
    storeClient: redis,
    keyPrefix,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ ...shape, keyPrefix }),
  });
  return { limiter, capacity: spec.capacity };
}

export class RedisMutationBudget implements MutationBudget {
  private readonly users: Counter | undefined;
  private readonly accounts: Counter | undefined;

  constructor(opts: RedisMutationBudgetOptions) {
    this.users = opts.perUser && counter(opts.redis, `${opts.keyPrefix}rate:user`, opts.perUser);
    this.accounts = opts.perAccount && counter(opts.redis, `${opts.keyPrefix}rate:account`, opts.perAccount);
  }

  get enabled(): boolean {
    return this.users !== undefined || this.accounts !== undefined;
  }

  async charge(
    userId: string,
    cost: number,
    perAccount: ReadonlyMap<string, number>,
  ): Promise<RateDecision | undefined> {
    const wanted: (Charge & { reason: string })[] = [];
    if (this.users) {
      wanted.push({
        counter: this.users,
        key: userId,
        points: cost,
        reason: "too many changes from this user",
      });
    }
    if (this.accounts) {
      for (const [accountId, n] of perAccount) {
        wanted.push({
          counter: this.accounts,
          key: accountId,
          points: n,
          reason: `too many changes to account ${accountId}`,
        });
      }
    }
    const charged: Charge[] = [];
    for (const c of wanted) {
      // As in memory: a cost above the limit counts as the limit, so a large request waits, never fails forever.
      const points = Math.min(c.points, c.counter.capacity);
      try {
        await c.counter.limiter.consume(c.key, points);
        charged.push({ ...c, points });
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        await refund([...charged, { ...c, points }]);
        return { retryAfterSeconds: Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)), reason: c.reason };
      }
    }
    return undefined;
  }
}

async function refund(charges: readonly Charge[]): Promise<void> {
  await Promise.all(
    charges.map((c) =>
      // Best effort: a refund lost to a Redis failure costs the caller part of a window, nothing more.
      c.counter.limiter.reward(c.key, c.points).catch(() => undefined),
    ),
  );
}
