import { Authorized, Ctx, Query, Resolver } from "type-graphql";
import type { ExchangeAccountView } from "../../mmp/access.types";
import { requirePrincipal } from "../auth-checker";
import { serviceOf, type GatewayContext } from "../context.type";
import { ExchangeAccount } from "./exchange-account.type";

@Resolver(() => ExchangeAccount)
export class AccountResolver {
  @Authorized()
  @Query(() => [ExchangeAccount], {
    description:
      "The exchange accounts the caller may see: those their teams hold any role on; every account for " +
      "admin users. Ordered by id.",
  })
  accounts(@Ctx() ctx: GatewayContext): Promise<ExchangeAccountView[]> {
    return serviceOf(ctx, "access").visibleAccounts(requirePrincipal(ctx));
  }
}
