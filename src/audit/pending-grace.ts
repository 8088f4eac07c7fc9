/**
 * How long an audit record can legitimately stay PENDING on a live replica, and so how long another
 * replica must wait before it may settle the record as abandoned: the grace period. It follows from the
 * exchange timeouts (EXCHANGE_CONNECT_TIMEOUT_MS, EXCHANGE_TIMEOUT_MS) and the client's retry rules
 * (src/exchange/binance/binance-client.ts), never from a constant, so that shortening or lengthening the
 * timeouts moves it too.
 *
 * After its PENDING record is committed, a request (src/audit/audit-protocol.ts) waits for at most:
 * - 2 sends of the change: a -1021 refusal (timestamp outside recvWindow) is re-sent once;
 * - 3 reads: a server-time sync before the first signed call to a host, the resync after a -1021, and
 *   the read-back after an unclear answer (a read-back may itself wait for a sync only when no sync
 *   succeeded before, which rules out the -1021 resync: still 3);
 * where one attempt takes at most connect + response timeout (the transport's own timers), and a read
 * makes up to 1 + readRetries attempts with jittered pauses (at most 1.5 × base × 2^i) between them.
 * Admission (circuit breaker, weight budget, shared back-off) refuses at once and never waits.
 *
 *   grace = 2 × (C + T) + 3 × ((1 + R) × (C + T) + Σ_{i<R} 1.5 × B × 2^i) + margin
 *
 * C connect timeout, T response timeout, R read retries (2), B first retry pause (100 ms); the margin
 * covers the audit writes around the call and clock skew between replicas (record times come from the
 * writing replica's clock). With the defaults (2000 + 5000 ms): 14 000 + 3 × 21 450 + 1 000 = 79 350 ms.
 *
 * A replica sweeps at a quarter of the grace period, so an abandoned record is settled at the latest
 * grace + interval (+ its read-back) after it was written: 1.25 × grace, 99 s with the defaults.
 */
import type { ExchangeSettings } from "../config";
import { DEFAULT_READ_RETRIES, DEFAULT_READ_RETRY_BASE_MS } from "../exchange/binance";

/** sends of one change: the original and, after a -1021, one more */
const CHANGE_SENDS = 2;
/** reads one change may wait for: first server-time sync, resync after -1021, read-back */
const READS_PER_CHANGE = 3;
/** the audit writes around the call and clock skew between replicas (NTP keeps it far below this) */
export const PENDING_GRACE_MARGIN_MS = 1_000;
/** sweeps per grace period: the worst-case settle time is grace × (1 + 1 / SWEEPS_PER_GRACE) */
const SWEEPS_PER_GRACE = 4;

export interface RetryRules {
  readRetries: number;
  readRetryBaseMs: number;
}

const CLIENT_DEFAULTS: RetryRules = {
  readRetries: DEFAULT_READ_RETRIES,
  readRetryBaseMs: DEFAULT_READ_RETRY_BASE_MS,
};

/** The longest a PENDING record can stay in flight on a live replica, plus the margin (see above). */
export function pendingGraceMs(
  exchange: Pick<ExchangeSettings, "connectTimeoutMs" | "timeoutMs">,
  retries: RetryRules = CLIENT_DEFAULTS,
): number {
  const attempt = exchange.connectTimeoutMs + exchange.timeoutMs;
  let pauses = 0;
  for (let i = 0; i < retries.readRetries; i++) pauses += 1.5 * retries.readRetryBaseMs * 2 ** i;
  const read = (1 + retries.readRetries) * attempt + pauses;
  return Math.ceil(CHANGE_SENDS * attempt + READS_PER_CHANGE * read + PENDING_GRACE_MARGIN_MS);
}

/** How often each replica sweeps: well inside the grace period, so settling follows soon after it. */
export function sweepIntervalMs(graceMs: number): number {
  return Math.max(1, Math.ceil(graceMs / SWEEPS_PER_GRACE));
}
