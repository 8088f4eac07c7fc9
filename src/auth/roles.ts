import type { Role } from "../domain";
import { highestRole } from "../domain";
import type { GrantRecord } from "../store/port";

/** A user's role per account: the highest among the grants that reach them. */
export function rolesFromGrants(grants: Iterable<GrantRecord>): Map<string, Role> {
  const byAccount = new Map<string, Role[]>();
  for (const g of grants) {
    const list = byAccount.get(g.accountId) ?? [];
    list.push(g.role);
    byAccount.set(g.accountId, list);
  }
  const roles = new Map<string, Role>();
  for (const [account, list] of byAccount) roles.set(account, highestRole(list)!);
  return roles;
}
