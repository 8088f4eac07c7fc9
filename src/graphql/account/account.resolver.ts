import { Arg, Authorized, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import type { Role } from "../../domain";
import { forbidden } from "../../errors";
import type { ExchangeAccountView } from "../../access/access.types";
import type { AccountKillSwitch } from "../../killswitch/kill-switch.types";
import type { AccountMmpConfig } from "../../mmp/mmp.types";
import { requirePrincipal } from "../auth-checker";
import { serviceOf, type GatewayContext } from "../context.type";
import { KillSwitch } from "../killswitch/kill-switch.type";
import { MmpConfig } from "../mmp/mmp-config.type";
import { RoleEnum } from "./account.enums";
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

  @Authorized()
  @Query(() => ExchangeAccount, {
    nullable: true,
    description:
      "One exchange account the caller may see, with its MMP configs and kill switches. FORBIDDEN for an " +
      "account the caller may not see, and for one that does not exist (accounts cannot be enumerated).",
  })
  async account(
    @Arg("id", () => ID) id: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<ExchangeAccountView | null> {
    const visible = await serviceOf(ctx, "access").visibleAccounts(requirePrincipal(ctx));
    const found = visible.find((a) => a.id === id);
    if (found === undefined) throw forbidden();
    return found;
  }

  @FieldResolver(() => RoleEnum, {
    nullable: true,
    description:
      "The caller's role on this account (the highest among their teams). Null when the caller holds no " +
      "role on it and sees it only as an admin user, who manages accounts but trades none by that flag.",
  })
  role(@Root() account: ExchangeAccountView, @Ctx() ctx: GatewayContext): Role | null {
    return requirePrincipal(ctx).roles.get(account.id) ?? null;
  }

  @FieldResolver(() => [MmpConfig], {
    description:
      "The MMP config of every underlying the exchange lists, as mmpConfigs reads them: from the live state " +
      "while fresh, else one exchange read per underlying shared by every request. Empty when the caller " +
      "holds no role on the account (role null).",
  })
  mmpConfigs(@Root() account: ExchangeAccountView, @Ctx() ctx: GatewayContext): Promise<AccountMmpConfig[]> {
    const principal = requirePrincipal(ctx);
    if (!principal.roles.has(account.id)) return Promise.resolve([]);
    return ctx.services.mmp.mmpConfigs(principal, account.id, ctx.readBudget);
  }

  @FieldResolver(() => [KillSwitch], {
    description:
      "The armed kill-switch timers, as killSwitches reads them (one exchange read). Empty when the caller " +
      "holds no role on the account (role null).",
  })
  killSwitches(
    @Root() account: ExchangeAccountView,
    @Ctx() ctx: GatewayContext,
  ): Promise<AccountKillSwitch[]> {
    const principal = requirePrincipal(ctx);
    if (!principal.roles.has(account.id)) return Promise.resolve([]);
    return serviceOf(ctx, "killSwitch").killSwitches(principal, account.id, ctx.readBudget);
  }
}
