import { Field, ID, InputType } from "type-graphql";
import type { SetKillSwitchRequest } from "../../killswitch/kill-switch.types";
import { LongScalar } from "../scalars/long.scalar";

@InputType("SetKillSwitchInput", { description: "Arms, re-arms or disarms one underlying's kill switch." })
export class SetKillSwitchInput implements SetKillSwitchRequest {
  @Field(() => ID, {
    description: "The gateway's id of the exchange account. Needs role trader on it (FORBIDDEN otherwise).",
  })
  accountId!: string;

  @Field(() => String, { description: "The underlying to guard, e.g. BTCUSDT." })
  underlying!: string;

  @Field(() => LongScalar, {
    description: "Countdown in milliseconds: 0 disables the kill switch; otherwise at least 5000.",
  })
  countdownTimeInMilliseconds!: bigint;
}
