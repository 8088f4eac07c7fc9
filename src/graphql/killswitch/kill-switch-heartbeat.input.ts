import { Field, ID, InputType } from "type-graphql";
import type { KillSwitchHeartbeatRequest } from "../../killswitch/kill-switch.types";

@InputType("KillSwitchHeartbeatInput", { description: "Which kill-switch timers of an account to refresh." })
export class KillSwitchHeartbeatInput implements KillSwitchHeartbeatRequest {
  @Field(() => ID, {
    description: "The gateway's id of the exchange account. Needs role trader on it (FORBIDDEN otherwise).",
  })
  accountId!: string;

  @Field(() => [String], {
    description:
      'The underlyings whose timers to refresh, e.g. ["BTCUSDT", "ETHUSDT"]: at least one, each listed by ' +
      "the exchange; repeats are sent once.",
  })
  underlyings!: string[];
}
