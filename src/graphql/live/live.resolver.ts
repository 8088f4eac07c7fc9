import {
  Arg,
  Authorized,
  Ctx,
  ID,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from "type-graphql";
import type { MmpEvent as LiveEvent } from "../../live/live-state.types";
import { requirePrincipal } from "../auth-checker";
import { serviceOf, type GatewayContext } from "../context.type";
import { LongScalar } from "../scalars/long.scalar";
import { MmpEvent, type MmpEventView } from "./mmp-event.type";

type MmpEventsArgs = { accountIds?: string[] | null };

@Resolver()
export class LiveResolver {
  @Authorized()
  @Subscription(() => MmpEvent, {
    description:
      "MMP events as they happen, over the graphql-ws protocol on /graphql (connectionParams: " +
      '{ "authorization": "Bearer <token>" }). Without accountIds: every account the caller can view, ' +
      "decided again for every event. An account the caller cannot view (or that does not exist) is " +
      "FORBIDDEN. Triggers and outside changes are detected by the gateway's poller (Binance pushes none), " +
      "within one MMP_POLL_INTERVAL_MS; changes made through the gateway are pushed at once.",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, MmpEventsArgs, GatewayContext>) => {
      const ctx = context;
      const principal = requirePrincipal(ctx);
      const { accountIds } = args;
      const reauthenticate = ctx.reauthenticate ?? (async () => principal);
      return serviceOf(ctx, "liveEvents").subscribe(principal, accountIds ?? undefined, reauthenticate);
    },
  })
  mmpEvents(
    @Root() event: LiveEvent,
    @Arg("accountIds", () => [ID], {
      nullable: true,
      description: "Only these accounts; each must be one the caller can view.",
    })
    _accountIds?: string[],
  ): MmpEventView {
    return {
      ...event,
      config: event.config && { ...event.config, accountId: event.accountId, observedAt: event.observedAt },
    };
  }

  @Authorized()
  @Query(() => LongScalar, {
    description:
      "The exchange's clock now, in epoch ms (the gateway's clock plus its measured offset to the " +
      "exchange), for countdowns (frozenUntil, kill-switch timers) that agree with the exchange.",
  })
  serverTime(@Ctx() ctx: GatewayContext): Promise<number> {
    requirePrincipal(ctx);
    return serviceOf(ctx, "clock").serverTime();
  }
}
