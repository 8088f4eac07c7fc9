/**
 * The MMP service's public surface, as the GraphQL layer sees it. Inputs arrive already parsed by the
 * scalars (decimals as plain-notation strings, Longs as bigint) but not yet range-checked: the service
 * validates every field and throws BAD_USER_INPUT naming it before anything reaches the exchange.
 */
import type { MmpConfig, Principal } from "../domain";

export interface SetMmpConfigRequest {
  accountId: string;
  underlying: string;
  windowTimeInMilliseconds: number;
  frozenTimeInMilliseconds: bigint;
  qtyLimit: string;
  deltaLimit: string;
}

/** An exchange MMP config together with the gateway account it belongs to. */
export interface AccountMmpConfig extends MmpConfig {
  accountId: string;
}

export interface MmpServiceApi {
  /** needs role trader on the account; audited before and after the exchange call */
  setMmpConfig(principal: Principal, request: SetMmpConfigRequest): Promise<AccountMmpConfig>;
}
