/** Public types of the OKX v5 MMP simulator (importable without node:http). */
import type { HttpFault, PathFaultOptions, RecordedHttpRequest, VenueSimOptions } from "../venue-sim/types";

export interface OkxSimAccount {
  /** OK-ACCESS-KEY; 1 to 64 ASCII letters, digits or hyphens */
  apiKey: string;
  /** HMAC secret */
  secret: string;
  /** OK-ACCESS-PASSPHRASE */
  passphrase: string;
  /** default true; false: MMP calls answer 51035 (config) / 59509 (reset) */
  mmp?: boolean;
  /** a demo-trading key: accepted only with `x-simulated-trading: 1` (else 50101); default false */
  demo?: boolean;
}

export interface OkxSimulatorOptions extends VenueSimOptions<OkxSimAccount> {
  /** option instrument families listed (the valid instFamily values); default BTC-USD, ETH-USD */
  instFamilies?: string[];
  /** how far OK-ACCESS-TIMESTAMP may be from OKX's clock, either way (default 30000 ms) */
  timestampWindowMs?: number;
  /**
   * how `mmpFrozenUntil` is answered while frozen: "epoch" (default) the epoch ms the freeze ends,
   * "remaining" the ms left (OKX's docs are ambiguous; the client must read both)
   */
  frozenUntilForm?: "epoch" | "remaining";
}

/** A snapshot of one account's MMP for one family, as the simulator holds it. */
export interface OkxSimMmpState {
  instFamily: string;
  timeInterval: string;
  frozenInterval: string;
  qtyLimit: string;
  /** OKX's clock at the last trigger since the last reset, or null */
  triggeredAt: number | null;
  mmpFrozen: boolean;
  /** as `GET /api/v5/account/mmp-config` would answer it now */
  mmpFrozenUntil: string;
}

/** Raw values for `setConfigOutside` (a change made elsewhere, e.g. on OKX's web site). */
export interface OkxSimConfig {
  instFamily: string;
  timeInterval: string;
  frozenInterval: string;
  qtyLimit: string;
}

export type OkxSimFault =
  | HttpFault
  /** refuses with HTTP 429 and code 50011; `retryAfterSeconds` adds a Retry-After header */
  | { kind: "rateLimit"; retryAfterSeconds?: number };

export type OkxFaultOptions = PathFaultOptions;

export interface OkxRecordedRequest extends RecordedHttpRequest<OkxSimFault["kind"]> {
  method: string;
  apiKey: string | undefined;
  timestamp: string | undefined;
  /** whether OK-ACCESS-PASSPHRASE was present (its value is never recorded) */
  passphraseSent: boolean;
  sign: string | undefined;
  /** x-simulated-trading as received */
  simulated: string | undefined;
  /** OKX code answered, as a number */
  code: number | undefined;
  msg: string | undefined;
}
