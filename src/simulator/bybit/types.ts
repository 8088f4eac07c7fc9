/** Public types of the Bybit V5 MMP simulator (importable without node:http). */
import type { HttpFault, PathFaultOptions, RecordedHttpRequest, VenueSimOptions } from "../venue-sim/types";

export interface BybitSimAccount {
  /** X-BAPI-API-KEY; 1 to 64 ASCII letters/digits */
  apiKey: string;
  /** HMAC secret */
  secret: string;
  /** default true; false: every private MMP call answers 110065 (MMP not enabled) */
  mmpEnabled?: boolean;
}

export interface BybitSimulatorOptions extends VenueSimOptions<BybitSimAccount> {
  /** option base coins listed (the valid baseCoin values); default BTC, ETH, SOL, XRP, DOGE, MNT */
  baseCoins?: string[];
  /** false: `/v5/market/option-base-coins` answers 404 (a deployment without that endpoint) */
  optionBaseCoinsRoute?: boolean;
}

/** A snapshot of one account's MMP for one base coin, as the simulator holds it. */
export interface BybitSimMmpState {
  baseCoin: string;
  window: string;
  frozenPeriod: string;
  qtyLimit: string;
  deltaLimit: string;
  vegaLimit: string;
  /** Bybit's clock at the last trigger since the last reset, or null */
  triggeredAt: number | null;
  mmpFrozen: boolean;
  /** as `GET /v5/account/mmp-state` would answer it */
  mmpFrozenUntil: string;
}

export type BybitSimFault =
  | HttpFault
  /** refuses with retCode 10006 and X-Bapi-Limit-Status 0, reset `resetInMs` ahead (default 1000) */
  | { kind: "rateLimit"; resetInMs?: number }
  /** refuses with HTTP 403 "access too frequent" (the IP limit) */
  | { kind: "ipBan" };

export type BybitFaultOptions = PathFaultOptions;

export interface BybitRecordedRequest extends RecordedHttpRequest<BybitSimFault["kind"]> {
  method: string;
  apiKey: string | undefined;
  timestamp: string | undefined;
  recvWindow: string | undefined;
  sign: string | undefined;
  retCode: number | undefined;
  retMsg: string | undefined;
}
