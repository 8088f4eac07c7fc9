/**
 * In-memory token buckets, one per key (a user, an account).
 *
 * A bucket holds at most `capacity` tokens and gains `capacity` tokens per `periodMs`, so a caller may
 * spend a whole period's allowance at once (a trader tightening every underlying when markets move)
 * and then proceeds at the sustained rate. State is per process: used when there is no Redis; with
 * Redis the replicas share their budgets (redis-mutation-budget.ts).
 */

export interface RateSpec {
  /** tokens per period, and the burst size */
  capacity: number;
  periodMs: number;
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * Parses "<count>/<s|m|h>" (e.g. "60/m": 60 per minute, burst 60); "off" or "0" disables (undefined).
 * Throws a message naming the variable when the text is malformed.
 */
export function parseRateSpec(name: string, text: string): RateSpec | undefined {
  const t = text.trim().toLowerCase();
  if (t === "off" || t === "0") return undefined;
  const m = /^(\d{1,9})\s*\/\s*(s|m|h)$/.exec(t);
  const count = m ? Number(m[1]) : NaN;
  if (!m || !(count > 0)) {
    throw new Error(`${name} must be <count>/<s|m|h> (e.g. 60/m) or off`);
  }
  return { capacity: count, periodMs: UNITS[m[2]!]! };
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** A full bucket says nothing a missing one does not; every this many spends, full ones are dropped. */
const SWEEP_EVERY = 1024;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillPerMs: number;
  private operations = 0;

  constructor(
    readonly spec: RateSpec,
    private readonly now: () => number = Date.now,
  ) {
    if (!(spec.capacity > 0) || !(spec.periodMs > 0))
      throw new RangeError("capacity and periodMs must be > 0");
    this.refillPerMs = spec.capacity / spec.periodMs;
  }

  /** Tokens `key` holds now (refilled), without spending any. */
  available(key: string): number {
    const b = this.buckets.get(key);
    if (b === undefined) return this.spec.capacity;
    return Math.min(this.spec.capacity, b.tokens + (this.now() - b.updatedAt) * this.refillPerMs);
  }

  /**
   * Seconds until `key` holds `cost` tokens (0 when it already does). A cost above the capacity is
   * treated as the capacity, so a large request is slowed, never refused forever.
   */
  waitSeconds(key: string, cost: number): number {
    const need = Math.min(cost, this.spec.capacity) - this.available(key);
    return need <= 0 ? 0 : Math.max(1, Math.ceil(need / this.refillPerMs / 1000));
  }

  /** Spends `cost` tokens (capped at the capacity); call only after waitSeconds(key, cost) is 0. */
  take(key: string, cost: number): void {
    const now = this.now();
    const tokens = this.available(key) - Math.min(cost, this.spec.capacity);
    this.buckets.set(key, { tokens, updatedAt: now });
    if (++this.operations % SWEEP_EVERY === 0) this.sweep(now);
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + (now - b.updatedAt) * this.refillPerMs >= this.spec.capacity) this.buckets.delete(key);
    }
  }
}
