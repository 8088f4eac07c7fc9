/**
 * What the simulator keeps per account: its key material and, per underlying, the MMP config and the
 * kill-switch countdown.
 */
import type { VerifyKey } from "./signature";
import type { SimulatorAccount } from "./types";

// Binance issues 64 alphanumeric keys; shorter ones are accepted so tests may use readable names.
export const API_KEY_FORMAT = /^[A-Za-z0-9]{1,128}$/;

export interface MmpRecord {
  windowTimeInMilliseconds: number;
  frozenTimeInMilliseconds: bigint;
  /** exact strings as received */
  qtyLimit: string;
  deltaLimit: string;
  lastTriggerTime: number;
}

// Undocumented: what GET mmp / mmpReset answer for an underlying never configured. Binance keeps MMP
// settings as a per-underlying row with defaults, so the plausible answer is that row with zeros, not an
// error; the simulator answers it consistently for both calls.
export const UNSET_MMP: Readonly<MmpRecord> = {
  windowTimeInMilliseconds: 0,
  frozenTimeInMilliseconds: 0n,
  qtyLimit: "0",
  deltaLimit: "0",
  lastTriggerTime: 0,
};

export interface KillSwitch {
  countdownTime: number;
  lastHeartbeatAt: number;
}

export interface AccountEntry {
  account: SimulatorAccount;
  key: VerifyKey;
  mmp: Map<string, MmpRecord>;
  killSwitch: Map<string, KillSwitch>;
}

/** Triggered and the frozen time not over; frozenTime 0 freezes until mmpReset. */
export function isFrozen(rec: MmpRecord, serverTime: number): boolean {
  if (rec.lastTriggerTime === 0) return false;
  if (rec.frozenTimeInMilliseconds === 0n) return true;
  return BigInt(serverTime) < BigInt(rec.lastTriggerTime) + rec.frozenTimeInMilliseconds;
}
