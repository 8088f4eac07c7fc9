/**
 * Who-am-I and account visibility. An account is visible to a caller with any role on it (viewer and
 * above); admin users, who add and remove accounts, see every account. Only accounts the caller holds a
 * role on are listed with a role: the admin flag manages the gateway, it grants no trading role.
 */
import { hint } from "../admin/admin.service";
import type { Principal, Venue } from "../domain";
import type { AccountRecord, Store } from "../store/port";
import type {
  AccessServiceApi,
  AccountAccessView,
  ExchangeAccountView,
  ExchangeEnvironment,
  TeamView,
} from "./access.types";

const ENVIRONMENT_BY_HOST: Readonly<Record<string, ExchangeEnvironment>> = {
  "eapi.binance.com": "production",
  "testnet.binancefuture.com": "testnet",
  "www.deribit.com": "production",
  "test.deribit.com": "testnet",
  "www.okx.com": "production",
  "my.okx.com": "production",
  "eea.okx.com": "production",
  "api.bybit.com": "production",
  "api.bytick.com": "production",
  "api-testnet.bybit.com": "testnet",
  "api-demo.bybit.com": "testnet",
};

/** By host alone: an account pointed at Binance's production host trades real money whatever the scheme. */
export function exchangeEnvironment(baseUrl: string): ExchangeEnvironment {
  try {
    return ENVIRONMENT_BY_HOST[new URL(baseUrl).hostname.toLowerCase()] ?? "custom";
  } catch {
    return "custom";
  }
}

export interface AccessServiceDeps {
  store: Pick<Store, "listAccounts" | "teamsOfUser">;
  /** the base URL of a venue's accounts without their own (BINANCE_EAPI_URL, DERIBIT_URL, …) */
  defaultBaseUrl: (venue: Venue) => string;
}

export class AccessService implements AccessServiceApi {
  constructor(private readonly deps: AccessServiceDeps) {}

  async teams(principal: Principal): Promise<TeamView[]> {
    // The authenticator's list includes teams that only an OIDC groups claim confers, which the store
    // cannot know; it falls back to the stored memberships for principals built without one.
    const names = principal.teams ?? (await this.deps.store.teamsOfUser(principal.userId));
    return [...names].sort().map((name) => ({ id: name, name }));
  }

  async accountAccess(principal: Principal): Promise<AccountAccessView[]> {
    const accounts = await this.deps.store.listAccounts();
    return sortById(accounts).flatMap((a) => {
      const role = principal.roles.get(a.id);
      return role ? [{ account: this.view(a), role }] : [];
    });
  }

  async visibleAccounts(principal: Principal): Promise<ExchangeAccountView[]> {
    const accounts = await this.deps.store.listAccounts();
    return sortById(accounts)
      .filter((a) => principal.admin || principal.roles.has(a.id))
      .map((a) => this.view(a));
  }

  private view(a: AccountRecord): ExchangeAccountView {
    return accountView(a, this.deps.defaultBaseUrl);
  }
}

/** What any caller may see of an account: never its key beyond the hint, never its secret. */
export function accountView(a: AccountRecord, defaultBaseUrl: (venue: Venue) => string): ExchangeAccountView {
  return {
    id: a.id,
    name: a.id,
    venue: a.venue,
    environment: exchangeEnvironment(a.baseUrl ?? defaultBaseUrl(a.venue)),
    keyType: a.keyType,
    apiKeyHint: hint(a.apiKey),
  };
}

function sortById(accounts: AccountRecord[]): AccountRecord[] {
  return [...accounts].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}
