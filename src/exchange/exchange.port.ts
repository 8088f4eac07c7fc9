/**
 * What the MMP service needs from an exchange. The Binance client implements it; tests may run it
 * against the simulator over real HTTP.
 *
 * Failures are thrown as GatewayError (src/errors.ts):
 * - EXCHANGE_REJECTED with exchangeCode/exchangeMessage when the exchange answered with an error body;
 * - EXCHANGE_UNAVAILABLE with outcome NOT_APPLIED (never sent: connect refused/timeout, DNS) or
 *   UNKNOWN (sent, then timeout, reset, 5XX, unparseable answer);
 * - RATE_LIMITED with retryAfterSeconds (429/418 seen, or the host is in back-off: nothing sent).
 */
import type { ExchangeCredentials, MmpConfig, MmpSettings, Venue } from "../domain";

/** An active kill-switch timer (Binance "countdown cancel all") of one underlying. */
export interface KillSwitch {
  underlying: string;
  /** ms; 0 = disabled */
  countdownTime: bigint;
}

/**
 * Which share of the exchange's request weight a read draws on: "read" for plain reads of state
 * (dashboards, the live-state poller), which stop at EXCHANGE_READ_WEIGHT_SHARE of the limit; "change"
 * for the read-backs that settle a change's outcome, which may use the weight changes keep.
 */
export type ReadBudget = "read" | "change";

export interface ExchangeClient {
  /** POST /eapi/v1/mmpSet */
  setMmp(account: ExchangeCredentials, settings: MmpSettings): Promise<MmpConfig>;
  /** GET /eapi/v1/mmp; `budget` defaults to "change" */
  getMmp(account: ExchangeCredentials, underlying: string, budget?: ReadBudget): Promise<MmpConfig>;
  /** POST /eapi/v1/mmpReset */
  resetMmp(account: ExchangeCredentials, underlying: string): Promise<MmpConfig>;
  /** POST /eapi/v1/countdownCancelAll: 0 disables, otherwise at least 5000 ms (the exchange checks) */
  setKillSwitch(
    account: ExchangeCredentials,
    underlying: string,
    countdownTimeMs: bigint,
  ): Promise<KillSwitch>;
  /** GET /eapi/v1/countdownCancelAll: the active timers, of one underlying or all; `budget` as getMmp */
  getKillSwitches(
    account: ExchangeCredentials,
    underlying?: string,
    budget?: ReadBudget,
  ): Promise<KillSwitch[]>;
  /**
   * POST /eapi/v1/countdownCancelAllHeartBeat (weight 10): refreshes the timers of these underlyings;
   * answers the underlyings whose timer was refreshed.
   */
  killSwitchHeartbeat(account: ExchangeCredentials, underlyings: readonly string[]): Promise<string[]>;
  /**
   * The scope keys the venue at baseUrl lists for options (Binance: exchangeInfo's
   * optionContracts[].underlying; Deribit index names, OKX instrument families, Bybit base coins),
   * cached per base URL and refreshed in the background; the first call for a base URL fetches.
   * `venue` absent: binance.
   */
  underlyings(baseUrl: string, venue?: Venue): Promise<ReadonlySet<string>>;
  /** releases keep-alive sockets and timers */
  close(): Promise<void>;
}
