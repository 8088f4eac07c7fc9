import { Authorized, Ctx, FieldResolver, Query, Resolver, Root } from "type-graphql";
import type { Principal } from "../../domain";
import type { AccountAccessView, TeamView } from "../../mmp/access.types";
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
    return { id: principal.userId, name: principal.userName, admin: principal.admin };
  }

  @FieldResolver(() => [Team], { description: "The teams the user belongs to, by name." })
  teams(@Root() user: User, @Ctx() ctx: GatewayContext): Promise<TeamView[]> {
    return serviceOf(ctx, "access").teams(callerAs(user, ctx));
  }

  @FieldResolver(() => [AccountAccess], {
    description:
      "Every exchange account the user holds a role on through their teams, with that role, ordered by " +
      "account id. The admin flag alone grants no role on an account.",
  })
  accounts(@Root() user: User, @Ctx() ctx: GatewayContext): Promise<AccountAccessView[]> {
    return serviceOf(ctx, "access").accountAccess(callerAs(user, ctx));
  }
}

/**
 * A User is only ever the caller (`me`): these fields are answered from the caller's own principal, so a
 * User reached any other way would be a gateway bug that must not show the caller's data under another
 * name.
 */
function callerAs(user: User, ctx: GatewayContext): Principal {
  const principal = requirePrincipal(ctx);
  if (user.id !== principal.userId) throw new Error("User fields resolve for the caller only");
  return principal;
}
