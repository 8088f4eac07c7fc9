/**
 * The GraphQL admin API's rules: who may change users, tokens, teams, grants and accounts, on top of
 * AdminService (which the CLI shares, and which validates and audits every change).
 *
 * Who may do what:
 * - Admin users (the gateway's admin flag) may do everything, on every account.
 * - A user whose teams hold role `admin` on an account (that role manages the account and its grants;
 *   docs/api.md, "Administration") may, on that account only: grant any role (admin included) to any existing team, revoke a
 *   team's role, and rotate the account's key. Adding or removing accounts, and everything about users,
 *   tokens, teams and memberships, stays with admin users: those reach beyond one account.
 * - Anyone else is FORBIDDEN. For an account-scoped action the answer is the same whether or not the
 *   account exists, so account ids cannot be probed; admin users, who see every account anyway, are told
 *   plainly (BAD_USER_INPUT on `accountId`) when one does not exist.
 *
 * Each call builds an AdminService whose actor is the caller, so every audit entry names who acted. A
 * caller's mistake becomes BAD_USER_INPUT naming the field; a duplicate name is one too, with a message
 * saying what already exists.
 *
 * After a change, this process's caches (authentication, account credentials) are dropped at once
 * (`afterChange`) rather than at the next auth-version poll, so an admin who grants a role and tells the
 * trader to go ahead is never answered from a stale cache by this replica; other replicas follow within
 * a second (poll, or Redis).
 */
import { roleAtLeast, type Principal, type Role, type Venue } from "../domain";
import { badUserInput, forbidden, GatewayError } from "../errors";
import { rolesFromGrants } from "../auth/roles";
import { accountView } from "../access/access.service";
import type { AccountAccessView, ExchangeAccountView, TeamView } from "../access/access.types";
import { checkAccountId } from "../mmp/mmp.validation";
import type { MembershipRecord, Store, UserRecord } from "../store/port";
import { AdminInputError, AdminService, type Sealer } from "./admin.service";
import type {
  AddExchangeAccountRequest,
  AdminApiServiceApi,
  ApiTokenView,
  CreateUserRequest,
  GrantView,
  IssuedTokenView,
  RotateAccountKeyRequest,
  TeamAdminView,
  UserView,
} from "./admin-api.types";

export const ADMIN_ONLY_MESSAGE = "Not allowed: only admin users manage users, tokens, teams and accounts";

export interface AdminApiServiceDeps {
  store: Store;
  sealer: () => Promise<Sealer>;
  /** the base URL of a venue's accounts without their own (BINANCE_EAPI_URL, DERIBIT_URL, …) */
  defaultBaseUrl: (venue: Venue) => string;
  /** called after every change, e.g. to drop this process's auth caches now */
  afterChange?: () => void;
}

export class AdminApiService implements AdminApiServiceApi {
  constructor(private readonly deps: AdminApiServiceDeps) {}

  // ----- reads --------------------------------------------------------------------------------------

  async users(caller: Principal): Promise<UserView[]> {
    requireAdminUser(caller);
    const [users, memberships] = await Promise.all([
      this.deps.store.listUsers(),
      this.deps.store.listMemberships(),
    ]);
    const teamsByUser = groupBy(memberships, (m) => m.userId);
    return users.map((u) => ({
      ...userView(u),
      teamNames: (teamsByUser.get(u.id) ?? []).map((m) => m.team),
    }));
  }

  async teams(caller: Principal): Promise<TeamAdminView[]> {
    requireAdminUser(caller);
    const { store } = this.deps;
    const [names, users, memberships, grants] = await Promise.all([
      store.listTeams(),
      store.listUsers(),
      store.listMemberships(),
      store.listGrants(),
    ]);
    const usersById = new Map(users.map((u) => [u.id, userView(u)]));
    const membersByTeam = groupBy(memberships, (m) => m.team);
    const grantsByTeam = groupBy(grants, (g) => g.team);
    return names.map((name) => ({
      id: name,
      name,
      memberList: membersOf(membersByTeam.get(name) ?? [], usersById),
      grantList: grantsByTeam.get(name) ?? [],
    }));
  }

  async userTeams(caller: Principal, user: UserView): Promise<TeamView[]> {
    requireAdminUser(caller);
    const names = user.teamNames ?? (await this.deps.store.teamsOfUser(user.id));
    return names.map((name) => ({ id: name, name }));
  }

  async userAccounts(caller: Principal, user: UserView): Promise<AccountAccessView[]> {
    requireAdminUser(caller);
    const [grants, accounts] = await Promise.all([
      this.deps.store.grantsOfUser(user.id),
      this.deps.store.listAccounts(),
    ]);
    const roles = rolesFromGrants(grants);
    return accounts.flatMap((a) => {
      const role = roles.get(a.id);
      return role ? [{ account: accountView(a, this.deps.defaultBaseUrl), role }] : [];
    });
  }

  async userTokens(caller: Principal, user: UserView): Promise<ApiTokenView[]> {
    if (caller.userId !== user.id) requireAdminUser(caller);
    const tokens = await this.deps.store.listTokens(user.id);
    return tokens.map((t) => ({ id: t.id, createdAt: t.createdAt, revokedAt: t.revokedAt }));
  }

  async teamMembers(caller: Principal, team: TeamAdminView): Promise<readonly UserView[]> {
    requireAdminUser(caller);
    if (team.memberList) return team.memberList;
    const [users, memberships] = await Promise.all([
      this.deps.store.listUsers(),
      this.deps.store.listMemberships(),
    ]);
    const usersById = new Map(users.map((u) => [u.id, userView(u)]));
    return membersOf(
      memberships.filter((m) => m.team === team.name),
      usersById,
    );
  }

  async teamGrants(caller: Principal, team: TeamAdminView): Promise<readonly GrantView[]> {
    requireAdminUser(caller);
    if (team.grantList) return team.grantList;
    return (await this.deps.store.listGrants()).filter((g) => g.team === team.name);
  }

  // ----- users and tokens ---------------------------------------------------------------------------

  async createUser(
    caller: Principal,
    input: CreateUserRequest,
  ): Promise<{ user: UserView; token: IssuedTokenView }> {
    requireAdminUser(caller);
    return this.change(caller, async (admin) => {
      const { user, token, tokenRecord } = await admin.addUser(input.name, input.admin);
      const view = userView(user);
      return { user: view, token: { id: tokenRecord.id, user: view, token } };
    });
  }

  async setUserDisabled(caller: Principal, userName: string, disabled: boolean): Promise<UserView> {
    requireAdminUser(caller);
    return this.change(caller, async (admin) => userView(await admin.setUserDisabled(userName, disabled)));
  }

  async createToken(caller: Principal, userName: string): Promise<IssuedTokenView> {
    requireAdminUser(caller);
    return this.change(caller, async (admin) => {
      const { user, token, tokenRecord } = await admin.createToken(userName);
      return { id: tokenRecord.id, user: userView(user), token };
    });
  }

  async revokeToken(caller: Principal, tokenId: string): Promise<true> {
    requireAdminUser(caller);
    return this.change(caller, async (admin) => {
      if (!(await admin.revokeToken(tokenId))) {
        throw new AdminInputError(`no live token has id '${tokenId}'`, "tokenId");
      }
      return true as const;
    });
  }

  // ----- teams and memberships ----------------------------------------------------------------------

  async createTeam(caller: Principal, name: string): Promise<TeamAdminView> {
    requireAdminUser(caller);
    return this.change(caller, async (admin) => {
      await admin.addTeam(name);
      return { id: name, name };
    });
  }

  async addTeamMember(caller: Principal, team: string, userName: string): Promise<TeamAdminView> {
    requireAdminUser(caller);
    return this.change(caller, async (admin) => {
      await admin.addMember(team, userName);
      return { id: team, name: team };
    });
  }

  async removeTeamMember(caller: Principal, team: string, userName: string): Promise<TeamAdminView> {
    requireAdminUser(caller);
    return this.change(caller, async (admin) => {
      if (!(await admin.removeMember(team, userName))) {
        // Which of the three it is, so the client can point at the right field.
        const [teams, user] = await Promise.all([
          this.deps.store.listTeams(),
          this.deps.store.getUserByName(userName),
        ]);
        if (!teams.includes(team)) throw new AdminInputError(`team '${team}' does not exist`, "team");
        if (user === null) throw new AdminInputError(`user '${userName}' does not exist`, "userName");
        throw new AdminInputError(`user '${userName}' is not a member of team '${team}'`, "userName");
      }
      return { id: team, name: team };
    });
  }

  // ----- grants (admin users, or the account's admins) ----------------------------------------------

  async grantRole(caller: Principal, team: string, accountId: string, role: Role): Promise<GrantView> {
    requireAccountAdmin(caller, accountId);
    return this.change(caller, async (admin) => {
      await admin.grant(team, accountId, role);
      return { team, accountId, role };
    });
  }

  async revokeRole(caller: Principal, team: string, accountId: string): Promise<true> {
    requireAccountAdmin(caller, accountId);
    return this.change(caller, async (admin) => {
      if (!(await admin.revoke(team, accountId))) {
        throw new AdminInputError(`team '${team}' has no role on account '${accountId}'`, "team");
      }
      return true as const;
    });
  }

  // ----- exchange accounts --------------------------------------------------------------------------

  async addExchangeAccount(
    caller: Principal,
    input: AddExchangeAccountRequest,
  ): Promise<ExchangeAccountView> {
    requireAdminUser(caller);
    return this.change(caller, async (admin) =>
      accountView(await admin.addAccount(input), this.deps.defaultBaseUrl),
    );
  }

  async rotateAccountKey(caller: Principal, input: RotateAccountKeyRequest): Promise<ExchangeAccountView> {
    requireAccountAdmin(caller, input.accountId);
    return this.change(caller, async (admin) =>
      accountView(
        await admin.rotateAccountKey(input.accountId, input.apiKey, input.secret, input.passphrase),
        this.deps.defaultBaseUrl,
      ),
    );
  }

  async removeExchangeAccount(caller: Principal, accountId: string): Promise<true> {
    requireAdminUser(caller);
    checkAccountId("accountId", accountId);
    return this.change(caller, async (admin) => {
      if (!(await admin.removeAccount(accountId))) {
        throw new AdminInputError(`account '${accountId}' does not exist`, "accountId");
      }
      return true as const;
    });
  }

  /**
   * Runs one change as the caller: AdminService audits it with the caller as actor, a caller's mistake
   * becomes BAD_USER_INPUT on its field, and this process's caches are dropped once the change is in.
   */
  private async change<T>(caller: Principal, fn: (admin: AdminService) => Promise<T>): Promise<T> {
    const admin = new AdminService(this.deps.store, this.deps.sealer, caller.userId);
    let result: T;
    try {
      result = await fn(admin);
    } catch (e) {
      if (e instanceof AdminInputError) throw badUserInput(e.field, e.message);
      throw e;
    }
    this.deps.afterChange?.();
    return result;
  }
}

function requireAdminUser(caller: Principal): void {
  if (!caller.admin) throw new GatewayError("FORBIDDEN", ADMIN_ONLY_MESSAGE);
}

/** Admin users, or role admin on the account; otherwise the FORBIDDEN every unknown account gets. */
function requireAccountAdmin(caller: Principal, accountId: string): void {
  checkAccountId("accountId", accountId);
  if (caller.admin) return;
  if (!roleAtLeast(caller.roles.get(accountId), "admin")) throw forbidden();
}

function userView(u: UserRecord): UserView {
  return { id: u.id, name: u.name, admin: u.admin, disabled: u.disabled };
}

function membersOf(
  memberships: readonly MembershipRecord[],
  usersById: ReadonlyMap<string, UserView>,
): UserView[] {
  return memberships.flatMap((m) => {
    const user = usersById.get(m.userId);
    return user ? [user] : [];
  });
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
