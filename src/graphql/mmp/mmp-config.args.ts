import { ArgsType, Field, ID } from "type-graphql";

// An ArgsType keeps the arguments in declaration order in the SDL (parameter decorators run last to first).
@ArgsType()
export class MmpConfigArgs {
  @Field(() => ID, { description: "The gateway's id of the exchange account. Needs role viewer on it." })
  accountId!: string;

  @Field(() => String, { description: "The underlying, e.g. BTCUSDT; one the exchange lists." })
  underlying!: string;
}
