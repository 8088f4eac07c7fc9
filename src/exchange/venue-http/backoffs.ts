/**
 * The back-offs a venue imposed: one map per host (an IP-wide limit or ban) and one per key (a key's, or
 * a key's endpoint's, limit). A call that would land inside one is refused locally, so the venue is not
 * asked again while it has already said no.
 */
import { rateLimited } from "../../errors";

interface Backoff {
  until: number;
  reason: string;
}

export class Backoffs {
  private readonly host = new Map<string, Backoff>();
  private readonly key = new Map<string, Backoff>();

  constructor(private readonly now: () => number) {}

  /** Throws RATE_LIMITED (nothing sent) while the host, or the key when given, is backing off. */
  admit(origin: string, key: string | undefined): void {
    const now = this.now();
    for (const b of [this.host.get(origin), key ? this.key.get(key) : undefined]) {
      if (b !== undefined && b.until > now) {
        throw rateLimited(Math.max(1, Math.ceil((b.until - now) / 1000)), `${b.reason}; nothing sent`);
      }
    }
  }

  /** Records the back-offs a mapped refusal asks for; a shorter one never cuts a longer one short. */
  apply(
    origin: string,
    key: string | undefined,
    hostUntil: number | undefined,
    keyUntil: number | undefined,
    reason: string,
  ): void {
    if (hostUntil !== undefined) extend(this.host, origin, hostUntil, reason);
    if (keyUntil !== undefined && key !== undefined) extend(this.key, key, keyUntil, reason);
  }

  extendKey(key: string, until: number, reason: string): void {
    extend(this.key, key, until, reason);
  }
}

function extend(map: Map<string, Backoff>, key: string, until: number, reason: string): void {
  const b = map.get(key);
  if (b === undefined || b.until < until) map.set(key, { until, reason });
}
