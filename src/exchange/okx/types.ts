/**
 * OKX v5 MMP types as the gateway sees them. Decimals stay strings exactly as sent or received; the
 * frozen interval and the unfreeze time are bigint (ms, possibly beyond 2^53). Field meanings and
 * sources: docs/venues/okx.md.
 */

/** An account's OKX API key with its secret and passphrase decrypted; lives only in memory. */
export interface OkxCredentials {
  accountId: string;
  /** OK-ACCESS-KEY */
  apiKey: string;
  /** HMAC secret */
  secret: string;
  /** OK-ACCESS-PASSPHRASE, chosen when the key was created */
  passphrase: string;
  /** e.g. https://www.okx.com */
  baseUrl: string;
  /** a demo-trading key: every call carries `x-simulated-trading: 1` */
  simulated?: boolean;
  /** the request these credentials serve, for log lines */
  requestId?: string;
}

/** What `POST /api/v5/account/mmp-config` is asked to apply (one instrument family). */
export interface OkxMmpSettings {
  /** OKX's scope key, e.g. "BTC-USD" */
  instFamily: string;
  /** OKX `timeInterval`, whole milliseconds >= 0; 0 disables MMP for the family */
  timeIntervalMs: number;
  /** OKX `frozenInterval`, whole milliseconds >= 0; 0 = frozen until Reset MMP Status */
  frozenIntervalMs: bigint;
  /** OKX `qtyLimit`: number of contracts, a positive plain decimal sent as given */
  qtyLimit: string;
}

/** The configuration as OKX answers it (`POST /api/v5/account/mmp-config` echoes it). */
export interface OkxMmpConfig {
  instFamily: string;
  timeIntervalMs: number;
  frozenIntervalMs: bigint;
  qtyLimit: string;
}

/** One row of `GET /api/v5/account/mmp-config`. */
export interface OkxMmpState {
  instFamily: string;
  timeIntervalMs: number;
  /** 0 = frozen until Reset MMP Status */
  frozenIntervalMs: bigint;
  qtyLimit: string;
  /** `mmpFrozen`: MMP triggered and not yet unfrozen */
  mmpFrozen: boolean;
  /**
   * When the freeze ends, epoch ms on OKX's clock; 0 when not frozen or frozen until a reset
   * (`frozenInterval` 0, where OKX answers ""). OKX's `mmpFrozenUntil` is read as epoch ms when it is
   * >= 10^11, else as milliseconds remaining counted from `observedAt` (see parse.ts).
   */
  mmpFrozenUntil: bigint;
  /** the gateway's estimate of OKX's clock when the answer arrived, epoch ms */
  observedAt?: number;
}

/** What `POST /api/v5/trade/cancel-all-after` answers. */
export interface OkxCancelAllAfter {
  /** when OKX will cancel all orders, epoch ms; 0 when disabled (`timeOut` "0") */
  triggerTime: bigint;
  /** when OKX received the request, epoch ms */
  ts: bigint;
}
