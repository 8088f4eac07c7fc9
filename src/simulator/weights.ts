/**
 * REQUEST_WEIGHT accounting per IP in fixed minute windows, as Binance counts it (the counter resets at
 * the start of each clock minute, which is what x-mbx-used-weight-1m reports).
 *
 * Binance bans IPs that keep sending after a 429. The simulator does too, so a gateway that ignores
 * Retry-After is caught: the BAN_AFTER_STRIKES-th request refused with 429 in one window turns into a
 * 418 ban of BAN_MS.
 */
export const BAN_AFTER_STRIKES = 5;
export const BAN_MS = 120_000;

interface Window {
  minute: number;
  used: number;
  strikes: number;
}

export type Admission =
  | { ok: true; used: number }
  | { ok: false; used: number; status: 429; retryAfterSeconds: number }
  | { ok: false; used: number; status: 418; retryAfterSeconds: number; bannedUntil: number };

export class WeightLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly bans = new Map<string, number>();

  constructor(readonly limit: number) {}

  private window(ip: string, now: number): Window {
    const minute = Math.floor(now / 60_000);
    let w = this.windows.get(ip);
    if (w === undefined || w.minute !== minute) {
      w = { minute, used: 0, strikes: 0 };
      this.windows.set(ip, w);
    }
    return w;
  }

  /** counts the weight (refused requests count too, as on Binance) */
  add(ip: string, weight: number, now: number): number {
    const w = this.window(ip, now);
    w.used += weight;
    return w.used;
  }

  used(ip: string, now: number): number {
    return this.window(ip, now).used;
  }

  /** whether the request whose weight was just added may be served */
  admit(ip: string, now: number): Admission {
    const w = this.window(ip, now);
    const until = this.bans.get(ip);
    if (until !== undefined && until > now) {
      return {
        ok: false,
        used: w.used,
        status: 418,
        retryAfterSeconds: secondsUntil(until, now),
        bannedUntil: until,
      };
    }
    if (until !== undefined) this.bans.delete(ip);
    if (w.used <= this.limit) return { ok: true, used: w.used };
    w.strikes += 1;
    if (w.strikes >= BAN_AFTER_STRIKES) {
      const bannedUntil = now + BAN_MS;
      this.bans.set(ip, bannedUntil);
      return {
        ok: false,
        used: w.used,
        status: 418,
        retryAfterSeconds: secondsUntil(bannedUntil, now),
        bannedUntil,
      };
    }
    return {
      ok: false,
      used: w.used,
      status: 429,
      retryAfterSeconds: secondsUntil((w.minute + 1) * 60_000, now),
    };
  }

  reset(): void {
    this.windows.clear();
    this.bans.clear();
  }
}

function secondsUntil(t: number, now: number): number {
  return Math.max(1, Math.ceil((t - now) / 1000));
}
