/**
 * The kill-switch service's public surface (Binance "countdown cancel all"): a timer per underlying
 * that, unless refreshed by a heartbeat, cancels every open order of that underlying when it runs out.
 */
import type { Principal } from "../domain";
import type { RequestReadBudget } from "../live/read-budget";

export interface AccountKillSwitch {
  accountId: string;
  underlying: string;
  /** ms; 0 = disabled */
  countdownTimeInMilliseconds: bigint;
}

export interface SetKillSwitchRequest {
  accountId: string;
  underlying: string;
  /** 0 disables; otherwise at least MIN_COUNTDOWN_MS */
  countdownTimeInMilliseconds: bigint;
}

export interface KillSwitchHeartbeatRequest {
  accountId: string;
  underlyings: readonly string[];
}

export interface KillSwitchServiceApi {
  /** POST countdownCancelAll; needs role trader; audited */
  setKillSwitch(principal: Principal, request: SetKillSwitchRequest): Promise<AccountKillSwitch>;
  /** GET countdownCancelAll: the active timers only; needs role viewer */
  killSwitches(
    principal: Principal,
    accountId: string,
    budget?: RequestReadBudget,
  ): Promise<AccountKillSwitch[]>;
  /** POST countdownCancelAllHeartBeat (weight 10); needs role trader; audited; the refreshed underlyings */
  killSwitchHeartbeat(principal: Principal, request: KillSwitchHeartbeatRequest): Promise<string[]>;
}
