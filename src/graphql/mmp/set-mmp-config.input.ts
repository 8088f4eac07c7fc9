import { Field, ID, InputType, Int } from "type-graphql";
import type { SetMmpConfigRequest } from "../../mmp/mmp.types";
import { DecimalScalar } from "../scalars/decimal.scalar";
import { LongScalar } from "../scalars/long.scalar";

// Ranges are documented here and enforced by the MMP service, which names the offending field in its
// BAD_USER_INPUT error; the schema only guarantees each value is well-formed.
@InputType("SetMmpConfigInput", {
  description: "Market Maker Protection settings to apply to one underlying.",
})
export class SetMmpConfigInput implements SetMmpConfigRequest {
  @Field(() => ID, {
    description: "The gateway's id of the exchange account. Needs role trader on it (FORBIDDEN otherwise).",
  })
  accountId!: string;

  @Field(() => String, {
    description: "The underlying to protect, e.g. BTCUSDT. MMP is configured per underlying.",
  })
  underlying!: string;

  @Field(() => Int, { description: "Observation window in milliseconds, in (0, 5000]." })
  windowTimeInMilliseconds!: number;

  @Field(() => LongScalar, {
    description:
      "How long MMP orders stay blocked after a trigger, in milliseconds, >= 0; 0 = blocked until a manual reset.",
  })
  frozenTimeInMilliseconds!: bigint;

  @Field(() => DecimalScalar, {
    description:
      'Traded-quantity limit within the window, > 0, as a plain decimal (e.g. "2.5"); sent to the exchange digit for digit.',
  })
  qtyLimit!: string;

  @Field(() => DecimalScalar, {
    description:
      'Net-delta limit within the window, > 0, as a plain decimal (e.g. "2.3"); sent to the exchange digit for digit.',
  })
  deltaLimit!: string;
}
