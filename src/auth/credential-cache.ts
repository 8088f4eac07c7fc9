/**
 * The authenticators' memory of credentials already checked, so a warm request skips the database (API
 * tokens) or the signature check (JWTs).
 *
 * A least-recently-used cache with a time to live: when full it drops the entries nobody has used for
 * longest, one at a time, so a flood of new credentials (a spray of valid-looking tokens, or many JWTs
 * one user fetched) costs the flooder their own entries, never everyone else's warm ones. The TTL bounds
 * how long an entry can outlive a change the watcher missed.
 *
 * Refusals are remembered apart, briefly: a client retrying a revoked token is answered from memory,
 * and a spray of unknown tokens can only push out other refusals, never a cached principal.
 */
import { LRUCache } from "lru-cache";

/** Most credentials remembered; an entry is a principal of a few hundred bytes. */
export const CREDENTIAL_CACHE_MAX = 10_000;
/** How long a refusal is remembered: short, so nothing new is shadowed for long (a change clears it too). */
export const REFUSAL_TTL_MS = 2_000;

export interface CredentialCacheOptions {
  /** default time to live of a cached principal; a set() may give its own */
  ttlMs: number;
  max?: number;
  /** the clock (tests) */
  now?: () => number;
}

export class CredentialCache<V extends object> {
  private readonly hits: LRUCache<string, V>;
  private readonly refusals: LRUCache<string, true>;

  constructor(opts: CredentialCacheOptions) {
    const max = opts.max ?? CREDENTIAL_CACHE_MAX;
    const perf = opts.now === undefined ? undefined : { now: opts.now };
    this.hits = new LRUCache<string, V>({ max, ttl: opts.ttlMs, ...(perf ? { perf } : {}) });
    this.refusals = new LRUCache<string, true>({ max, ttl: REFUSAL_TTL_MS, ...(perf ? { perf } : {}) });
  }

  get(key: string): V | undefined {
    return this.hits.get(key);
  }

  set(key: string, value: V, ttlMs?: number): void {
    this.refusals.delete(key);
    this.hits.set(key, value, ttlMs === undefined ? undefined : { ttl: Math.max(1, Math.floor(ttlMs)) });
  }

  delete(key: string): void {
    this.hits.delete(key);
  }

  isRefused(key: string): boolean {
    return this.refusals.get(key) === true;
  }

  refuse(key: string): void {
    this.refusals.set(key, true);
  }

  clear(): void {
    this.hits.clear();
    this.refusals.clear();
  }
}
