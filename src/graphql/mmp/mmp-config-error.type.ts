import { Field, ID, Int, ObjectType } from "type-graphql";
import type { MmpItemError } from "../../mmp/mmp.types";

@ObjectType("MmpConfigError", {
  description:
    "Why one item of setMmpConfigs did not apply. The fields mirror a top-level error's `extensions`, " +
    "with the same codes and meanings (see the errors table of docs/api.md).",
})
export class MmpConfigError implements MmpItemError {
  @Field(() => ID, { description: "The item's accountId, as sent." })
  accountId!: string;

  @Field(() => String, { description: "The item's underlying, as sent." })
  underlying!: string;

  @Field(() => String, {
    description:
      "FORBIDDEN, BAD_USER_INPUT, EXCHANGE_REJECTED, EXCHANGE_UNAVAILABLE, RATE_LIMITED or INTERNAL_SERVER_ERROR.",
  })
  code!: string;

  @Field(() => String, { description: "A human-readable explanation." })
  message!: string;

  @Field(() => String, { nullable: true, description: "BAD_USER_INPUT: the offending input field." })
  field!: string | null;

  @Field(() => Int, {
    nullable: true,
    description: "EXCHANGE_REJECTED: the exchange's error code, e.g. -1128.",
  })
  exchangeCode!: number | null;

  @Field(() => String, { nullable: true, description: "EXCHANGE_REJECTED: the exchange's message." })
  exchangeMessage!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "EXCHANGE_UNAVAILABLE: UNKNOWN when the change may have been applied (a read-back could not confirm " +
      "it), NOT_APPLIED when it certainly was not.",
  })
  outcome!: string | null;

  @Field(() => Int, { nullable: true, description: "RATE_LIMITED: seconds to wait before retrying." })
  retryAfterSeconds!: number | null;
}
