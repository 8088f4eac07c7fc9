import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import type { MmpEventKind } from "../../live/live-state.types";
import type { AccountMmpConfig } from "../../mmp/mmp.types";
import type { SameValues } from "../enum-values";
import { MmpConfig } from "../mmp/mmp-config.type";
import { LongScalar } from "../scalars/long.scalar";

export enum MmpEventKindEnum {
  TRIGGERED = "TRIGGERED",
  UNFROZEN = "UNFROZEN",
  CHANGED = "CHANGED",
  RESET = "RESET",
  CHANGED_OUTSIDE_GATEWAY = "CHANGED_OUTSIDE_GATEWAY",
}
registerEnumType(MmpEventKindEnum, {
  name: "MmpEventKind",
  description: "What happened to one underlying's MMP.",
  valuesConfig: {
    TRIGGERED: {
      description: "MMP triggered: the exchange froze MMP orders (detected by the gateway's poller)",
    },
    UNFROZEN: {
      description: "no longer frozen: the frozen time ran out, or MMP was reset outside the gateway",
    },
    CHANGED: { description: "a gateway user changed the config (setMmpConfig, setMmpConfigs)" },
    RESET: { description: "a gateway user reset MMP (resetMmp)" },
    CHANGED_OUTSIDE_GATEWAY: {
      description:
        "the exchange holds a config the gateway did not set (the exchange's UI, another tool); audited as " +
        "MMP_CHANGED_OUTSIDE_GATEWAY",
    },
  },
});
export const mmpEventKindValuesMatch: SameValues<`${MmpEventKindEnum}`, MmpEventKind> = true;

/** What the subscription resolver hands to GraphQL. */
export interface MmpEventView {
  id: string;
  kind: MmpEventKind;
  accountId: string;
  underlying: string;
  at: number;
  actor: string | null;
  config: AccountMmpConfig | null;
}

@ObjectType("MmpEvent", { description: "A change of one underlying's MMP state on one account." })
export class MmpEvent implements MmpEventView {
  @Field(() => ID, { description: "Unique per event: a client can drop duplicates after a reconnect." })
  id!: string;

  @Field(() => MmpEventKindEnum)
  kind!: MmpEventKind;

  @Field(() => ID)
  accountId!: string;

  @Field(() => String)
  underlying!: string;

  @Field(() => LongScalar, {
    description:
      "Epoch ms: for TRIGGERED the exchange's lastTriggerTime; otherwise when the gateway saw the change.",
  })
  at!: number;

  @Field(() => String, {
    nullable: true,
    description:
      "The gateway user who made the change (CHANGED, RESET); null for what the exchange or someone outside did.",
  })
  actor!: string | null;

  @Field(() => MmpConfig, { nullable: true, description: "The config after the event." })
  config!: AccountMmpConfig | null;
}
