/**
 * What the GraphQL admin API may show and ask of the admin rules. Secrets go in (account secrets, once),
 * and a new API token comes out once; nothing else about keys or tokens ever leaves.
 */
import type { KeyType, Principal, Role, Venue } from "../domain";
import type { AccountAccessView, ExchangeAccountView, TeamView } from "../access/access.types";

export interface UserView {
  id: string;
  name: string;
  admin: boolean;
  disabled: boolean;
  /** the stored team memberships, when already loaded with the user (the `users` query) */
  teamNames?: readonly string[];
}

export interface GrantView {
  team: string;
  accountId: string;
  role: Role;
}

export interface TeamAdminView extends TeamView {
  /** loaded with the team (the `teams` query); otherwise read on demand */
  memberList?: readonly UserView[];
  grantList?: readonly GrantView[];
}

/** A token's bookkeeping; never the token or its hash. */
export interface ApiTokenView {
  id: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface IssuedTokenView {
  id: string;
  user: UserView;
  /** the bearer token itself: returned once, only its SHA-256 is stored */
  token: string;
}

export interface CreateUserRequest {
  name: string;
  admin: boolean;
}

export interface AddExchangeAccountRequest {
  name: string;
  apiKey: string;
  keyType: KeyType;
  /** absent: binance */
  venue?: Venue;
  baseUrl?: string | null;
  /** HMAC secret or PKCS#8 PEM private key: sealed at once, never returned, never logged */
  secret: string;
  /** OKX only (required there): the API key's passphrase, sealed with the secret */
  passphrase?: string | null;
}

export interface RotateAccountKeyRequest {
  accountId: string;
  apiKey: string;
  secret: string;
  /** OKX only (required there) */
  passphrase?: string | null;
}

/**
 * Who may do what (see admin-api.service.ts): admin users everything; a user with role `admin` on an
 * account may grant and revoke roles on that account and rotate its key; anyone else is FORBIDDEN.
 */
export interface AdminApiServiceApi {
  users(caller: Principal): Promise<UserView[]>;
  teams(caller: Principal): Promise<TeamAdminView[]>;
  /** another user's stored teams (admin users only; the caller's own come from AccessService) */
  userTeams(caller: Principal, user: UserView): Promise<TeamView[]>;
  /** another user's roles on accounts (admin users only) */
  userAccounts(caller: Principal, user: UserView): Promise<AccountAccessView[]>;
  /** the user's API tokens: admin users, or the user themselves */
  userTokens(caller: Principal, user: UserView): Promise<ApiTokenView[]>;
  teamMembers(caller: Principal, team: TeamAdminView): Promise<readonly UserView[]>;
  teamGrants(caller: Principal, team: TeamAdminView): Promise<readonly GrantView[]>;

  createUser(
    caller: Principal,
    input: CreateUserRequest,
  ): Promise<{ user: UserView; token: IssuedTokenView }>;
  setUserDisabled(caller: Principal, userName: string, disabled: boolean): Promise<UserView>;
  createToken(caller: Principal, userName: string): Promise<IssuedTokenView>;
  revokeToken(caller: Principal, tokenId: string): Promise<true>;
  createTeam(caller: Principal, name: string): Promise<TeamAdminView>;
  addTeamMember(caller: Principal, team: string, userName: string): Promise<TeamAdminView>;
  removeTeamMember(caller: Principal, team: string, userName: string): Promise<TeamAdminView>;
  grantRole(caller: Principal, team: string, accountId: string, role: Role): Promise<GrantView>;
  revokeRole(caller: Principal, team: string, accountId: string): Promise<true>;
  addExchangeAccount(caller: Principal, input: AddExchangeAccountRequest): Promise<ExchangeAccountView>;
  rotateAccountKey(caller: Principal, input: RotateAccountKeyRequest): Promise<ExchangeAccountView>;
  removeExchangeAccount(caller: Principal, accountId: string): Promise<true>;
}
