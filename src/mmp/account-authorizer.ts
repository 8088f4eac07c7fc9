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
import { checkAccountId } from "./mmp.validation";

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
}
