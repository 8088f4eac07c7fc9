/**
 * What a caller may know about themselves and the exchange accounts they can see. Nothing about a key
 * beyond its last four characters ever leaves the gateway.
 */
import type { KeyType, Principal, Role, Venue } from "../domain";

/** Which Binance the account talks to, from its base URL. */
export type ExchangeEnvironment = "production" | "testnet" | "custom";

export interface ExchangeAccountView {
  /** the account's name, its id in GraphQL */
  id: string;
  name: string;
  venue: Venue;
  environment: ExchangeEnvironment;
  keyType: KeyType;
  /** "…abcd": the last four characters of the API key */
  apiKeyHint: string;
}

export interface AccountAccessView {
  account: ExchangeAccountView;
  role: Role;
}

export interface TeamView {
  id: string;
  name: string;
}

export interface AccessServiceApi {
  /** the caller's teams */
  teams(principal: Principal): Promise<TeamView[]>;
  /** every account the caller holds a role on (through their teams), with that role */
  accountAccess(principal: Principal): Promise<AccountAccessView[]>;
  /** the accounts the caller may see: those they hold a role on; every account for admin users */
  visibleAccounts(principal: Principal): Promise<ExchangeAccountView[]>;
}
