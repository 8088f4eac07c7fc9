import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { MAX_BULK_ITEMS, MMP_CONCURRENCY } from "../../mmp/mmp.service";
import { freezeState } from "../../mmp/mmp-freeze";
import type { Venue } from "../../domain";
import { VenueEnum } from "../account/account.enums";
import type { AccountMmpConfig, SetMmpConfigRequest } from "../../mmp/mmp.types";
import { requirePrincipal } from "../auth-checker";
import type { GatewayContext } from "../context.type";
import { LongScalar } from "../scalars/long.scalar";
import type { MmpConfigError } from "./mmp-config-error.type";
import { MmpConfigArgs } from "./mmp-config.args";
import { MmpConfigResult } from "./mmp-config-result.union";
import { MmpConfig } from "./mmp-config.type";
import { ResetMmpInput } from "./reset-mmp.input";
import { SetMmpConfigInput } from "./set-mmp-config.input";

@Resolver(() => MmpConfig)
export class MmpResolver {
  @Authorized()
  @Query(() => MmpConfig, {
    description:
      "The MMP config the exchange holds for one underlying of an account. Answered from the gateway's live " +
      "state while it is younger than MMP_READ_MAX_AGE_MS, else by one GET /eapi/v1/mmp (weight 1) shared by " +
      "every request waiting for it; `observedAt` says when it was read. Needs role viewer. An underlying " +
      'never configured reads as zeros (windowTimeInMilliseconds 0, limits "0").',
  })
  mmpConfig(
    @Args(() => MmpConfigArgs) args: MmpConfigArgs,
    @Ctx() ctx: GatewayContext,
  ): Promise<AccountMmpConfig> {
    return ctx.services.mmp.mmpConfig(requirePrincipal(ctx), args.accountId, args.underlying, ctx.readBudget);
  }

  @Authorized()
  @Query(() => [MmpConfig], {
    description:
      "The MMP config of every underlying the exchange lists, in the exchange's order, each read as " +
      `mmpConfig reads it (live state, or one shared exchange read; at most ${MMP_CONCURRENCY} at a time). ` +
      "All or nothing: if one read fails, the query fails with that error. Needs role viewer.",
  })
  mmpConfigs(
    @Arg("accountId", () => ID) accountId: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<AccountMmpConfig[]> {
    return ctx.services.mmp.mmpConfigs(requirePrincipal(ctx), accountId, ctx.readBudget);
  }

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
    return ctx.services.mmp.setMmpConfig(requirePrincipal(ctx), toRequest(input));
  }

  @Authorized()
  @Mutation(() => [MmpConfigResult], {
    description:
      `Sets MMP for up to ${MAX_BULK_ITEMS} account/underlying pairs at once (more: BAD_USER_INPUT on ` +
      "`inputs`, nothing sent). Returns one result per input, in input order: the MmpConfig the exchange " +
      "then holds, or an MmpConfigError; one item's failure never hides the others' results. Each item is " +
      `authorised (role trader), validated and audited on its own; at most ${MMP_CONCURRENCY} exchange calls ` +
      "run at a time. An item the gateway refuses (role, input, or the same account and underlying as an " +
      "earlier item) is audited as a FAILED SET_MMP entry naming the refusal; every entry of one call " +
      "carries the same `batch.id` in its input, with the item's `index`.",
  })
  async setMmpConfigs(
    @Arg("inputs", () => [SetMmpConfigInput]) inputs: SetMmpConfigInput[],
    @Ctx() ctx: GatewayContext,
  ): Promise<(AccountMmpConfig | MmpConfigError)[]> {
    const results = await ctx.services.mmp.setMmpConfigs(requirePrincipal(ctx), inputs.map(toRequest));
    return results.map((r) => (r.ok ? r.config : r.error));
  }

  @Authorized()
  @Mutation(() => MmpConfig, {
    description:
      "Unfreezes MMP orders of one underlying after a trigger (POST /eapi/v1/mmpReset) and returns the " +
      "config the exchange then holds. Needs role trader. Audited like setMmpConfig; an unclear exchange " +
      "answer is resolved by reading the config back (unfrozen = done).",
  })
  resetMmp(
    @Arg("input", () => ResetMmpInput) input: ResetMmpInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<AccountMmpConfig> {
    return ctx.services.mmp.resetMmp(requirePrincipal(ctx), {
      accountId: input.accountId,
      underlying: input.underlying,
    });
  }

  @FieldResolver(() => Boolean, {
    description:
      "Whether MMP orders of this underlying are blocked now. Binance: it triggered (lastTriggerTime > 0) " +
      "and either frozenTimeInMilliseconds is 0 (frozen until resetMmp) or its frozen time has not run " +
      "out. Deribit, OKX, Bybit: the venue's own frozen state, over once its frozen-until time has passed. " +
      "Derived by the gateway at answer time from its own clock.",
  })
  frozen(@Root() config: AccountMmpConfig): boolean {
    return freezeState(config, Date.now()).frozen;
  }

  @FieldResolver(() => LongScalar, {
    nullable: true,
    description:
      "When MMP orders are accepted again, in epoch milliseconds (Binance: lastTriggerTime + " +
      "frozenTimeInMilliseconds; the other venues report it). Null when not frozen, and when frozen until " +
      "resetMmp (frozenTimeInMilliseconds 0).",
  })
  frozenUntil(@Root() config: AccountMmpConfig): bigint | null {
    return freezeState(config, Date.now()).frozenUntil;
  }

  @FieldResolver(() => VenueEnum, { description: "The venue of the account these settings are on." })
  venue(@Root() config: AccountMmpConfig): Venue {
    return config.venue ?? "binance";
  }
}

/** Field by field: the service gets exactly the request shape, never type-graphql's class instance. */
function toRequest(input: SetMmpConfigInput): SetMmpConfigRequest {
  return {
    accountId: input.accountId,
    underlying: input.underlying,
    windowTimeInMilliseconds: input.windowTimeInMilliseconds,
    frozenTimeInMilliseconds: input.frozenTimeInMilliseconds,
    qtyLimit: input.qtyLimit,
    // only what the caller sent: an absent limit stays absent for the venue rules
    ...(input.deltaLimit == null ? {} : { deltaLimit: input.deltaLimit }),
    ...(input.vegaLimit == null ? {} : { vegaLimit: input.vegaLimit }),
    ...(input.maxQuoteQuantity == null ? {} : { maxQuoteQuantity: input.maxQuoteQuantity }),
  };
}
