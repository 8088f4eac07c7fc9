import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import type { AccountKillSwitch } from "../../killswitch/kill-switch.types";
import { requirePrincipal } from "../auth-checker";
import { serviceOf, type GatewayContext } from "../context.type";
import { KillSwitchHeartbeatInput } from "./kill-switch-heartbeat.input";
import { KillSwitch } from "./kill-switch.type";
import { SetKillSwitchInput } from "./set-kill-switch.input";

@Resolver(() => KillSwitch)
export class KillSwitchResolver {
  @Authorized()
  @Query(() => [KillSwitch], {
    description:
      "The account's armed kill switches, one per underlying with an active countdown (GET " +
      "/eapi/v1/countdownCancelAll, weight 1). Needs role viewer.",
  })
  killSwitches(
    @Arg("accountId", () => ID) accountId: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<AccountKillSwitch[]> {
    return serviceOf(ctx, "killSwitch").killSwitches(requirePrincipal(ctx), accountId, ctx.readBudget);
  }

  @Authorized()
  @Mutation(() => KillSwitch, {
    description:
      "Arms (countdown >= 5000 ms), re-arms or disarms (0) the kill switch of one underlying (POST " +
      "/eapi/v1/countdownCancelAll, weight 1) and returns what the exchange then holds. Arming starts the " +
      "countdown: send killSwitchHeartbeat before it runs out. Needs role trader; audited like setMmpConfig, " +
      "an unclear exchange answer being resolved by reading the countdown back.",
  })
  setKillSwitch(
    @Arg("input", () => SetKillSwitchInput) input: SetKillSwitchInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<AccountKillSwitch> {
    return serviceOf(ctx, "killSwitch").setKillSwitch(requirePrincipal(ctx), {
      accountId: input.accountId,
      underlying: input.underlying,
      countdownTimeInMilliseconds: input.countdownTimeInMilliseconds,
    });
  }

  @Authorized()
  @Mutation(() => [String], {
    description:
      "Refreshes the kill-switch timers of the given underlyings (POST /eapi/v1/countdownCancelAllHeartBeat) " +
      "and returns those the exchange refreshed (underlyings without an armed timer are left out). Costs " +
      "request weight 10 per call, ten times a setMmpConfig, out of 2400 per minute shared by every account " +
      "behind the gateway: heartbeat no more often than the countdown needs (e.g. every third of it), and " +
      "name all underlyings in one call. Needs role trader; audited. An unclear exchange answer cannot be " +
      "read back (EXCHANGE_UNAVAILABLE, outcome UNKNOWN): sending the heartbeat again is safe.",
  })
  killSwitchHeartbeat(
    @Arg("input", () => KillSwitchHeartbeatInput) input: KillSwitchHeartbeatInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<string[]> {
    return serviceOf(ctx, "killSwitch").killSwitchHeartbeat(requirePrincipal(ctx), {
      accountId: input.accountId,
      underlyings: [...input.underlyings],
    });
  }
}
