/**
 * Whether MMP currently blocks an underlying's MMP orders, derived from what the exchange reports.
 * Deribit, OKX and Bybit report the freeze (MmpConfig.venueFreeze). Binance has no "frozen" flag, only `lastTriggerTime` (0 = never triggered, or reset since) and the
 * configured `frozenTimeInMilliseconds` (0 = frozen until a manual reset).
 *
 * `nowMs` is the gateway's clock; the exchange's may differ by the gateway's clock offset (usually well
 * under a second), so a config within that margin of its `frozenUntil` may read either way.
 */
import type { MmpConfig } from "../domain";

/**
 * The largest epoch ms a Long can carry. The exchange's numbers are not bounded by the gateway's input
 * rules (a config set elsewhere, a bad answer), so their sum saturates here instead of overflowing the
 * scalar and failing every viewer's read: the freeze then simply never ends before a reset.
 */
const LONG_MAX = 2n ** 63n - 1n;

export interface FreezeState {
  frozen: boolean;
  /** epoch ms when MMP orders are accepted again; null when not frozen or frozen until a reset */
  frozenUntil: bigint | null;
}

export function freezeState(
  c: Pick<MmpConfig, "lastTriggerTime" | "frozenTimeInMilliseconds" | "venueFreeze">,
  nowMs: number,
): FreezeState {
  // Deribit, OKX and Bybit say themselves whether they are frozen and until when; a timed freeze that
  // has run out since the answer is over (the venue unfreezes on its own).
  if (c.venueFreeze !== undefined) {
    const { frozen, frozenUntil } = c.venueFreeze;
    if (!frozen) return { frozen: false, frozenUntil: null };
    if (frozenUntil === null) return { frozen: true, frozenUntil: null };
    return BigInt(Math.floor(nowMs)) < frozenUntil
      ? { frozen: true, frozenUntil }
      : { frozen: false, frozenUntil: null };
  }
  if (c.lastTriggerTime === 0n) return { frozen: false, frozenUntil: null };
  if (c.frozenTimeInMilliseconds === 0n) return { frozen: true, frozenUntil: null };
  const sum = c.lastTriggerTime + c.frozenTimeInMilliseconds;
  const until = sum > LONG_MAX ? LONG_MAX : sum;
  return BigInt(Math.floor(nowMs)) < until
    ? { frozen: true, frozenUntil: until }
    : { frozen: false, frozenUntil: null };
}
