/**
 * Bybit V5 MMP types as the gateway sees them. Decimals stay strings exactly as sent or received;
 * the frozen period and the unfreeze time are bigint (epoch or duration in ms, possibly beyond 2^53).
 * Field meanings: docs/venues/bybit.md.
 */

/** An account's Bybit API key with its secret decrypted; lives only in memory. */
export interface BybitCredentials {
  accountId: string;
  apiKey: string;
  /** HMAC secret (Bybit's system-generated keys) */
  secret: string;
  /** e.g. https://api.bybit.com or https://api-testnet.bybit.com */
  baseUrl: string;
  /** the request these credentials serve, for log lines */
  requestId?: string;
}

/** What `POST /v5/account/mmp-modify` is asked to apply (one base coin). */
export interface BybitMmpSettings {
  /** Bybit's scope key, uppercase, e.g. "BTC" */
  baseCoin: string;
  /** Bybit `window`, integer milliseconds, > 0 */
  windowMs: number;
  /** Bybit `frozenPeriod`, integer milliseconds, >= 0; 0 = frozen until a manual reset */
  frozenPeriodMs: bigint;
  /** Bybit `qtyLimit`: positive plain decimal, at most 2 decimal places */
  qtyLimit: string;
  /** Bybit `deltaLimit`: positive plain decimal, at most 2 decimal places */
  deltaLimit: string;
  /** Bybit `vegaLimit` (optional; Bybit's default 500000 when never set): positive, at most 2 places */
  vegaLimit?: string;
}

/** One row of `GET /v5/account/mmp-state` (`result.result[]`). */
export interface BybitMmpState {
  baseCoin: string;
  /** `mmpEnabled`: whether MMP is enabled for the account */
  mmpEnabled: boolean;
  /** `window` (ms) */
  windowMs: number;
  /** `frozenPeriod` (ms); 0 = frozen until a manual reset */
  frozenPeriodMs: bigint;
  qtyLimit: string;
  deltaLimit: string;
  /** `vegaLimit`; null when Bybit's answer has no such field (deployments before 2026-06-09) */
  vegaLimit: string | null;
  /** `mmpFrozen`: MMP triggered and not yet unfrozen */
  mmpFrozen: boolean;
  /**
   * `mmpFrozenUntil` (epoch ms) when `mmpFrozen`, else 0. Bybit says to ignore the field when not
   * frozen, so its value is dropped then. Frozen with frozenPeriod 0 carries whatever Bybit sends
   * (undocumented; 0 if it sends an empty string).
   */
  mmpFrozenUntil: bigint;
  /** the gateway's estimate of Bybit's clock when the answer was produced (envelope `time`), epoch ms */
  observedAt?: number;
}
