import { Arg, Authorized, Ctx, Mutation, Resolver } from "type-graphql";
import type { AccountMmpConfig } from "../../mmp/mmp.types";
import { requirePrincipal } from "../auth-checker";
import type { GatewayContext } from "../context.type";
import { MmpConfig } from "./mmp-config.type";
import { SetMmpConfigInput } from "./set-mmp-config.input";

@Resolver()
export class MmpResolver {
  @Authorized()
  @Mutation(() => MmpConfig, {
    description:
      "Sets Market Maker Protection for one underlying of an account and returns what the exchange then " +
      "holds. Needs role trader on the account. Recorded in the audit log before and after the exchange call.",
  })
  async setMmpConfig(
    @Arg("input", () => SetMmpConfigInput) input: SetMmpConfigInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<AccountMmpConfig> {
    // Copy field by field: the service gets exactly the request shape, never type-graphql's class instance.
    return ctx.services.mmp.setMmpConfig(requirePrincipal(ctx), {
      accountId: input.accountId,
      underlying: input.underlying,
      windowTimeInMilliseconds: input.windowTimeInMilliseconds,
      frozenTimeInMilliseconds: input.frozenTimeInMilliseconds,
      qtyLimit: input.qtyLimit,
      deltaLimit: input.deltaLimit,
    });
  }
}
