import { Authorized, Ctx, FieldResolver, Query, Resolver, Root } from "type-graphql";
import type { Principal } from "../../domain";
import type { AccountAccessView, TeamView } from "../../access/access.types";
import { AccountAccess } from "../account/account-access.type";
import { requirePrincipal } from "../auth-checker";
import { serviceOf, type GatewayContext } from "../context.type";
import { Team } from "./team.type";
import { User } from "./user.type";

@Resolver(() => User)
export class UserResolver {
  @Authorized()
  @Query(() => User, { description: "The signed-in caller, as the bearer token identifies them." })
  me(@Ctx() ctx: GatewayContext): User {
    const principal = requirePrincipal(ctx);
    // An authenticated principal is never a disabled user: authentication refuses those.
    return { id: principal.userId, name: principal.userName, admin: principal.admin, disabled: false };
  }

  @FieldResolver(() => [Team], {
    description:
      "The teams the user belongs to, by name. For the caller (`me`): stored memberships plus the teams " +
      "their sign-in's OIDC groups name. For other users (admin users only): stored memberships.",
  })
  teams(@Root() user: User, @Ctx() ctx: GatewayContext): Promise<TeamView[]> {
    const caller = requirePrincipal(ctx);
    return isCaller(user, caller)
      ? serviceOf(ctx, "access").teams(caller)
      : serviceOf(ctx, "admin").userTeams(caller, user);
  }

  @FieldResolver(() => [AccountAccess], {
    description:
      "Every exchange account the user holds a role on through their teams, with that role, ordered by " +
      "account id. The admin flag alone grants no role on an account. Other users' (admin users only) " +
      "come from stored memberships.",
  })
  accounts(@Root() user: User, @Ctx() ctx: GatewayContext): Promise<AccountAccessView[]> {
    const caller = requirePrincipal(ctx);
    return isCaller(user, caller)
      ? serviceOf(ctx, "access").accountAccess(caller)
      : serviceOf(ctx, "admin").userAccounts(caller, user);
  }
}

/**
 * The caller's own fields come from their principal (which knows OIDC group teams); any other user's go
 * through the admin service, which allows them to admin users only.
 */
function isCaller(user: User, caller: Principal): boolean {
  return user.id === caller.userId;
}
