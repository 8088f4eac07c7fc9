/** Public types of the OKX v5 MMP simulator (importable without node:http). */

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

export interface OkxSimulatorOptions {
  /** default 127.0.0.1 */
  host?: string;
  /** default 0 (a free port) */
  port?: number;
  /** option instrument families listed (the valid instFamily values); default BTC-USD, ETH-USD */
  instFamilies?: string[];
  accounts?: OkxSimAccount[];
  /** added to the host clock to give OKX's clock */
  clockOffsetMs?: number;
  /** host clock, epoch ms (default Date.now) */
  now?: () => number;
  /** how far OK-ACCESS-TIMESTAMP may be from OKX's clock, either way (default 30000 ms) */
  timestampWindowMs?: number;
  /**
   * how `mmpFrozenUntil` is answered while frozen: "epoch" (default) the epoch ms the freeze ends,
   * "remaining" the ms left (OKX's docs are ambiguous; the client must read both)
   */
  frozenUntilForm?: "epoch" | "remaining";
  /** how many requests `requests` keeps (default 10,000) */
  maxRecordedRequests?: number;
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
  /** processes the call (applied unless `applied: false`), then answers after `ms` */
  | { kind: "delay"; ms: number; applied?: boolean }
  /** processes the call (unless `applied: false`) and never answers (until stop()): a lost answer */
  | { kind: "hang"; applied?: boolean }
  /** processes the call (unless `applied: false`), then closes the connection without an answer */
  | { kind: "drop"; applied?: boolean }
  /** refuses with HTTP 429 and code 50011; `retryAfterSeconds` adds a Retry-After header */
  | { kind: "rateLimit"; retryAfterSeconds?: number }
  /** answers HTTP `status` (5XX) with an HTML body; applied only with `applied: true` */
  | { kind: "status"; status: number; applied?: boolean };

export interface OkxFaultOptions {
  /** how many matching requests the fault hits (default 1) */
  times?: number;
  /** only requests to this path (default: any, including public routes) */
  path?: string;
}

export interface OkxRecordedRequest {
  /** OKX's clock on arrival */
  at: number;
  method: string;
  path: string;
  /** raw query string as received ("" when none) */
  query: string;
  /** raw body as received */
  body: string;
  apiKey: string | undefined;
  timestamp: string | undefined;
  /** whether OK-ACCESS-PASSPHRASE was present (its value is never recorded) */
  passphraseSent: boolean;
  sign: string | undefined;
  contentType: string | undefined;
  /** x-simulated-trading as received */
  simulated: string | undefined;
  /** HTTP status answered (0 when no answer was given) */
  status: number;
  /** OKX code answered, as a number */
  code: number | undefined;
  msg: string | undefined;
  /** the simulator's own explanation of a refusal (never sent to the client) */
  detail?: string;
  /** whether the call changed state */
  applied: boolean;
  fault?: OkxSimFault["kind"];
}
