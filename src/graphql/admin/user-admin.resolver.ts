import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { ApiTokenView } from "../../admin/admin-api.types";
import { requirePrincipal } from "../auth-checker";
import { serviceOf, type GatewayContext } from "../context.type";
import { User } from "../user/user.type";
import { ApiToken } from "./api-token.type";

@Resolver(() => User)
export class UserAdminResolver {
  @FieldResolver(() => [ApiToken], {
    description:
      "The user's API tokens, revoked ones included, oldest first; never the tokens themselves. The user " +
      "themselves (`me`), or admin users.",
  })
  tokens(@Root() user: User, @Ctx() ctx: GatewayContext): Promise<ApiTokenView[]> {
    return serviceOf(ctx, "admin").userTokens(requirePrincipal(ctx), user);
  }
}
