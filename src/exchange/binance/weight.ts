/**
 * Per-host request-weight budget and rate-limit back-off.
 *
 * Binance counts request weight per IP in fixed one-minute windows and reports the running total in
 * X-MBX-USED-WEIGHT-1M. Going over earns a 429, and ignoring 429s earns an IP ban (418) that hits every
 * account behind this gateway. So calls are refused locally, with nothing sent, when:
 * - the exchange asked us to back off (429/418 + Retry-After) and that time has not passed, or
 * - used weight + weight in flight + this call's weight would pass a safety share of the limit.
 *
 * State is in-process by default: replicas sharing an IP each see the exchange's header, which already
 * includes the others' usage, so the budget stays roughly right. With a SharedRateLimitState (Redis, see
 * src/shared-state) a back-off seen by one replica also stops the others, and the fleet's weight counts.
 */
import { rateLimited } from "../../errors";

export const WEIGHT_WINDOW_MS = 60_000;
export const DOCUMENTED_WEIGHT_LIMIT = 2400;

export interface HostRateSnapshot {
  host: string;
  /** weight the exchange reported for the current minute, plus what this process has in flight */
  usedWeight: number;
  limit: number;
  /** epoch ms until which calls are refused, or null */
  backoffUntil: number | null;
}

interface HostState {
  window: number;
  /** the highest X-MBX-USED-WEIGHT-1M seen in `window` (answers can arrive out of order) */
  reported: number;
  inFlight: number;
  limit: number;
  backoffUntil: number;
  backoffReason: string;
}

export type HeaderBag = Record<string, unknown>;

/**
 * Which budget a call draws on. `change`: MMP changes, resets, kill-switch calls, heartbeats and their
 * read-backs, refused only near the exchange's own limit (the safety ratio). `read`: plain reads of state
 * (dashboards, the live-state poller), which stop at the read share so that they can never starve a
 * change or a heartbeat. `metadata`: server time and exchangeInfo, which skip the budget (see admit()).
 */
export type WeightBudget = "change" | "read" | "metadata";

/**
 * Rate-limit state shared with other replicas. Reads are synchronous, from a copy the backend keeps
 * fresh in the background, and writes are fire-and-forget: an exchange call never waits on the backend,
 * and an outage only leaves each replica with its own view.
 */
export interface SharedRateLimitState {
  /** the latest back-off known for host (published by any replica), if it has not ended */
  backoff(host: string, nowMs: number): { untilMs: number; reason: string } | undefined;
  publishBackoff(host: string, untilMs: number, reason: string, nowMs: number): void;
  /** weight the whole fleet sent to host in this minute window, as last synced (0 if unknown) */
  usedWeight(host: string, window: number): number;
  addWeight(host: string, window: number, weight: number): void;
}

export class RateLimitTracker {
  private readonly hosts = new Map<string, HostState>();

  /**
   * Minute windows follow the exchange's clock (the `nowMs` arguments), because that is how the exchange
   * counts. Back-offs follow the host's own clock (`localNow`): a Retry-After is a duration, and a
   * clock resync moving the exchange estimate must neither stretch nor cut a ban short.
   */
  constructor(
    private readonly safetyRatio = 0.9,
    private readonly defaultLimit = DOCUMENTED_WEIGHT_LIMIT,
    private readonly shared?: SharedRateLimitState,
    private readonly localNow: () => number = Date.now,
    private readonly readShare = safetyRatio,
  ) {}

  private state(host: string): HostState {
    let s = this.hosts.get(host);
    if (s === undefined) {
      s = {
        window: 0,
        reported: 0,
        inFlight: 0,
        limit: this.defaultLimit,
        backoffUntil: 0,
        backoffReason: "",
      };
      this.hosts.set(host, s);
    }
    return s;
  }

  private roll(s: HostState, nowMs: number): void {
    const window = Math.floor(nowMs / WEIGHT_WINDOW_MS);
    if (window !== s.window) {
      s.window = window;
      s.reported = 0;
    }
  }

  /** Another replica's back-off becomes ours, so that snapshot() and the refusal message show it. */
  private adoptShared(host: string, s: HostState, localMs: number): void {
    const b = this.shared?.backoff(host, localMs);
    if (b !== undefined && b.untilMs > s.backoffUntil) {
      s.backoffUntil = b.untilMs;
      s.backoffReason = b.reason;
    }
  }

  /** The exchange's count for the IP, or the fleet's own count when that is higher (other IPs, or news
   * from other replicas since this one last saw a header). */
  private used(host: string, s: HostState): number {
    const fleet = this.shared?.usedWeight(host, s.window) ?? 0;
    return Math.max(s.reported, fleet) + s.inFlight;
  }

  /**
   * Throws RATE_LIMITED (nothing sent) or reserves `weight` until release(). `metadata` calls (server
   * time, exchangeInfo) skip the budget check but not a back-off: they are how the gateway learns the
   * real limit, so a budget computed from the documented default must not lock them out. `read` calls
   * stop at the read share of the limit (EXCHANGE_READ_WEIGHT_SHARE), `change` calls at the safety ratio.
   */
  admit(host: string, weight: number, nowMs: number, budgetKind: WeightBudget = "change"): void {
    const s = this.state(host);
    const localMs = this.localNow();
    this.adoptShared(host, s, localMs);
    if (s.backoffUntil > localMs) {
      throw rateLimited(
        Math.max(1, Math.ceil((s.backoffUntil - localMs) / 1000)),
        `${s.backoffReason}; nothing sent`,
      );
    }
    this.roll(s, nowMs);
    const ratio = budgetKind === "read" ? Math.min(this.readShare, this.safetyRatio) : this.safetyRatio;
    const budget = Math.floor(s.limit * ratio);
    const used = this.used(host, s);
    if (budgetKind !== "metadata" && used + weight > budget) {
      const secondsLeft = Math.max(1, Math.ceil(((s.window + 1) * WEIGHT_WINDOW_MS - nowMs) / 1000));
      const why =
        budgetKind === "read"
          ? `reads stop at ${Math.round(ratio * 100)}% to keep the rest for changes and heartbeats`
          : `the gateway stops at ${Math.round(ratio * 100)}% to avoid an IP ban`;
      throw rateLimited(
        secondsLeft,
        `request weight ${used} of ${s.limit} per minute already used at ${host}; ${why}; nothing sent`,
      );
    }
    s.inFlight += weight;
  }

  /**
   * Ends a reservation. With the answer's headers the exchange's own count wins; without them (no
   * answer) the call is counted anyway if it may have reached the exchange.
   */
  release(
    host: string,
    weight: number,
    nowMs: number,
    headers: HeaderBag | undefined,
    maybeSent: boolean,
  ): void {
    const s = this.state(host);
    s.inFlight = Math.max(0, s.inFlight - weight);
    this.roll(s, nowMs);
    const reported = headers === undefined ? undefined : usedWeightFromHeaders(headers);
    if (reported !== undefined) s.reported = Math.max(s.reported, reported);
    else if (maybeSent) s.reported += weight;
    if (maybeSent) this.shared?.addWeight(host, s.window, weight);
  }

  /**
   * `untilMs` and `nowMs` may be on any one clock (the caller's exchange estimate): only their difference,
   * the back-off's duration, is kept, and it is anchored to the local clock.
   */
  backOff(host: string, untilMs: number, reason: string, nowMs: number = this.localNow()): void {
    const s = this.state(host);
    const localMs = this.localNow();
    const localUntil = localMs + Math.max(0, untilMs - nowMs);
    if (localUntil > s.backoffUntil) {
      s.backoffUntil = localUntil;
      s.backoffReason = reason;
      this.shared?.publishBackoff(host, localUntil, reason, localMs);
    }
  }

  setLimit(host: string, limit: number): void {
    if (Number.isSafeInteger(limit) && limit > 0) this.state(host).limit = limit;
  }

  snapshot(nowMs: number): HostRateSnapshot[] {
    return [...this.hosts].map(([host, s]) => {
      this.roll(s, nowMs);
      const localMs = this.localNow();
      this.adoptShared(host, s, localMs);
      return {
        host,
        usedWeight: this.used(host, s),
        limit: s.limit,
        /** on the local clock */
        backoffUntil: s.backoffUntil > localMs ? s.backoffUntil : null,
      };
    });
  }
}

/** X-MBX-USED-WEIGHT-1M (node lower-cases header names); older deployments send X-MBX-USED-WEIGHT. */
export function usedWeightFromHeaders(headers: HeaderBag): number | undefined {
  const raw = headers["x-mbx-used-weight-1m"] ?? headers["x-mbx-used-weight"];
  const text = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (typeof text !== "string" && typeof text !== "number") return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * The 1-minute REQUEST_WEIGHT limit from exchangeInfo.rateLimits, or undefined when absent. Other
 * intervals are ignored: the used-weight header we budget against is the 1-minute one.
 */
export function weightLimitFromExchangeInfo(rateLimits: unknown): number | undefined {
  if (!Array.isArray(rateLimits)) return undefined;
  for (const r of rateLimits as unknown[]) {
    if (typeof r !== "object" || r === null) continue;
    const { rateLimitType, interval, intervalNum, limit } = r as Record<string, unknown>;
    if (rateLimitType === "REQUEST_WEIGHT" && interval === "MINUTE" && Number(intervalNum) === 1) {
      const n = Number(limit);
      if (Number.isSafeInteger(n) && n > 0) return n;
    }
  }
  return undefined;
}
