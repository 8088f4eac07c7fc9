import { Field, ID, InputType } from "type-graphql";
import type { ResetMmpRequest } from "../../mmp/mmp.types";

@InputType("ResetMmpInput", { description: "Which underlying of which account to unfreeze." })
export class ResetMmpInput implements ResetMmpRequest {
  @Field(() => ID, {
    description: "The gateway's id of the exchange account. Needs role trader on it (FORBIDDEN otherwise).",
  })
  accountId!: string;

  @Field(() => String, { description: "The underlying whose MMP to reset, e.g. BTCUSDT." })
  underlying!: string;
}
