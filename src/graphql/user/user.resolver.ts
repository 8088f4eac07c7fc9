import { Authorized, Ctx, Query, Resolver } from "type-graphql";
import { requirePrincipal } from "../auth-checker";
import type { GatewayContext } from "../context.type";
import { User } from "./user.type";

@Resolver(() => User)
export class UserResolver {
  @Authorized()
  @Query(() => User, { description: "The signed-in caller, as the bearer token identifies them." })
  me(@Ctx() ctx: GatewayContext): User {
    const principal = requirePrincipal(ctx);
    return { id: principal.userId, name: principal.userName, admin: principal.admin };
  }
}
