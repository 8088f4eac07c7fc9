/** Public types of the Bybit V5 MMP simulator (importable without node:http). */

export interface BybitSimAccount {
  /** X-BAPI-API-KEY; 1 to 64 ASCII letters/digits */
  apiKey: string;
  /** HMAC secret */
  secret: string;
  /** default true; false: every private MMP call answers 110065 (MMP not enabled) */
  mmpEnabled?: boolean;
}

export interface BybitSimulatorOptions {
  /** default 127.0.0.1 */
  host?: string;
  /** default 0 (a free port) */
  port?: number;
  /** option base coins listed (the valid baseCoin values); default BTC, ETH, SOL, XRP, DOGE, MNT */
  baseCoins?: string[];
  accounts?: BybitSimAccount[];
  /** added to the host clock to give Bybit's clock */
  clockOffsetMs?: number;
  /** host clock, epoch ms (default Date.now) */
  now?: () => number;
  /** how many requests `requests` keeps (default 10,000) */
  maxRecordedRequests?: number;
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
  /** processes the call (applied unless `applied: false`), then answers after `ms` */
  | { kind: "delay"; ms: number; applied?: boolean }
  /** processes the call (unless `applied: false`) and never answers (until stop()): a lost answer */
  | { kind: "hang"; applied?: boolean }
  /** processes the call (unless `applied: false`), then closes the connection without an answer */
  | { kind: "drop"; applied?: boolean }
  /** refuses with retCode 10006 and X-Bapi-Limit-Status 0, reset `resetInMs` ahead (default 1000) */
  | { kind: "rateLimit"; resetInMs?: number }
  /** refuses with HTTP 403 "access too frequent" (the IP limit) */
  | { kind: "ipBan" }
  /** answers HTTP `status` (5XX) with an HTML body; applied only with `applied: true` */
  | { kind: "status"; status: number; applied?: boolean };

export interface BybitFaultOptions {
  /** how many matching requests the fault hits (default 1) */
  times?: number;
  /** only requests to this path (default: any, including public routes) */
  path?: string;
}

export interface BybitRecordedRequest {
  /** Bybit's clock on arrival */
  at: number;
  method: string;
  path: string;
  /** raw query string as received ("" when none) */
  query: string;
  /** raw body as received */
  body: string;
  apiKey: string | undefined;
  timestamp: string | undefined;
  recvWindow: string | undefined;
  sign: string | undefined;
  contentType: string | undefined;
  /** HTTP status answered (0 when no answer was given) */
  status: number;
  retCode: number | undefined;
  retMsg: string | undefined;
  /** the simulator's own explanation of a refusal (never sent to the client) */
  detail?: string;
  /** whether the call changed state */
  applied: boolean;
  fault?: BybitSimFault["kind"];
}
