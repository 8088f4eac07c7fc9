import { Field, ID, ObjectType } from "type-graphql";
import type { AccountKillSwitch } from "../../killswitch/kill-switch.types";
import { LongScalar } from "../scalars/long.scalar";

@ObjectType("KillSwitch", {
  description:
    "The exchange's kill switch (Binance countdown cancel-all) for one underlying: unless a heartbeat " +
    "arrives within the countdown, every open order of the underlying is cancelled and new orders are " +
    "rejected until a heartbeat comes or the countdown is set to 0.",
})
export class KillSwitch implements AccountKillSwitch {
  @Field(() => ID, { description: "The gateway's id of the exchange account." })
  accountId!: string;

  @Field(() => String, { description: "The underlying the timer guards, e.g. BTCUSDT." })
  underlying!: string;

  @Field(() => LongScalar, { description: "The countdown in milliseconds; 0 = disabled." })
  countdownTimeInMilliseconds!: bigint;
}
