/**
 * Who may act on which account. Every service that touches an exchange account asks here first.
 *
 * The role check comes before the existence check, and both fail alike: an account the caller has no
 * role on answers FORBIDDEN whether or not it exists, so account ids cannot be enumerated.
 */
import type { ExchangeCredentials, Principal, Role } from "../domain";
import { roleAtLeast } from "../domain";
import { forbidden } from "../errors";
import type { AccountDirectory } from "./account-directory";
import { checkAccountId } from "../mmp/mmp.validation";

export class AccountAuthorizer {
  constructor(private readonly accounts: Pick<AccountDirectory, "get">) {}

  async authorize(principal: Principal, accountId: string, need: Role): Promise<ExchangeCredentials> {
    checkAccountId("accountId", accountId);
    if (!roleAtLeast(principal.roles.get(accountId), need)) throw forbidden();
    const account = await this.accounts.get(accountId);
    if (!account) throw forbidden();
    // A copy naming the request, for the exchange client's log lines (the directory's is shared).
    return principal.requestId === undefined ? account : { ...account, requestId: principal.requestId };
  }

  /**
   * The account a refusal may be recorded under: the id when the caller can see that account's log
   * (viewer or above, or an admin user) and the account exists, else null. Anything else would let a
   * caller write into another team's log, or give an id that does not exist yet a history.
   */
  async refusalAccountId(principal: Principal, accountId: string): Promise<string | null> {
    try {
      checkAccountId("accountId", accountId);
      if (!principal.admin && !roleAtLeast(principal.roles.get(accountId), "viewer")) return null;
      return (await this.accounts.get(accountId)) ? accountId : null;
    } catch {
      // malformed id, or the directory failed: recording under no account is always safe
      return null;
    }
  }
}
