/**
 * The MMP service's public surface, as the GraphQL layer sees it. Inputs arrive already parsed by the
 * scalars (decimals as plain-notation strings, Longs as bigint) but not yet range-checked: the service
 * validates every field and throws BAD_USER_INPUT naming it before anything reaches the exchange.
 */
import type { MmpConfig, Principal } from "../domain";
import type { RequestReadBudget } from "../live/read-budget";

export interface SetMmpConfigRequest {
  accountId: string;
  underlying: string;
  windowTimeInMilliseconds: number;
  frozenTimeInMilliseconds: bigint;
  qtyLimit: string;
  /** required on Binance and Bybit, optional on Deribit, refused on OKX */
  deltaLimit?: string | null;
  /** Deribit and Bybit */
  vegaLimit?: string | null;
  /** Deribit, where it is required */
  maxQuoteQuantity?: string | null;
}

/** An exchange MMP config together with the gateway account it belongs to. */
export interface AccountMmpConfig extends MmpConfig {
  accountId: string;
  /** epoch ms (gateway clock) at which the exchange state shown was read */
  observedAt: number;
}

/** POST /eapi/v1/mmpReset: unfreezes MMP orders of one underlying after a trigger. */
export interface ResetMmpRequest {
  accountId: string;
  underlying: string;
}

/**
 * One item's failure in a bulk call, with the same fields a top-level error carries in `extensions`, so
 * a client handles both alike.
 */
export interface MmpItemError {
  /** as the caller sent it (possibly invalid) */
  accountId: string;
  underlying: string;
  code: string;
  message: string;
  field: string | null;
  exchangeCode: number | null;
  exchangeMessage: string | null;
  /** "UNKNOWN" when the change may have been applied, "NOT_APPLIED" when it certainly was not */
  outcome: string | null;
  retryAfterSeconds: number | null;
}

export type MmpItemResult = { ok: true; config: AccountMmpConfig } | { ok: false; error: MmpItemError };

/** The MMP service as the GraphQL layer sees it: changes, reads, reset and bulk changes. */
export interface MmpServiceApi {
  /** needs role trader on the account; audited before and after the exchange call */
  setMmpConfig(principal: Principal, request: SetMmpConfigRequest): Promise<AccountMmpConfig>;
  /**
   * From the live state when it is fresh, else GET /eapi/v1/mmp (shared by concurrent readers); needs
   * role viewer. `budget`: the request's allowance of exchange reads.
   */
  mmpConfig(
    principal: Principal,
    accountId: string,
    underlying: string,
    budget?: RequestReadBudget,
  ): Promise<AccountMmpConfig>;
  /** every underlying the exchange lists, as mmpConfig reads them; needs role viewer */
  mmpConfigs(
    principal: Principal,
    accountId: string,
    budget?: RequestReadBudget,
  ): Promise<AccountMmpConfig[]>;
  /** needs role trader; audited like setMmpConfig */
  resetMmp(principal: Principal, request: ResetMmpRequest): Promise<AccountMmpConfig>;
  /**
   * One result per request, in request order; each item authorised, validated and audited on its own.
   * BAD_USER_INPUT (field `inputs`) for more than MAX_BULK_ITEMS, with nothing sent or audited.
   */
  setMmpConfigs(principal: Principal, requests: readonly SetMmpConfigRequest[]): Promise<MmpItemResult[]>;
}
