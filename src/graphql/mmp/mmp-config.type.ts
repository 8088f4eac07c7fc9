import { Field, ID, Int, ObjectType } from "type-graphql";
import type { AccountMmpConfig } from "../../mmp/mmp.types";
import { DecimalScalar } from "../scalars/decimal.scalar";
import { LongScalar } from "../scalars/long.scalar";

@ObjectType("MmpConfig", {
  description:
    "Market Maker Protection settings of one underlying on one exchange account, as the exchange reports them.",
})
export class MmpConfig implements AccountMmpConfig {
  @Field(() => ID, {
    description: "The gateway's id of the exchange account (its name in `mmp-gateway account add`).",
  })
  accountId!: string;

  @Field(() => Int, { description: "The exchange's numeric id of the underlying." })
  underlyingId!: number;

  @Field(() => String, { description: "The underlying these settings apply to, e.g. BTCUSDT." })
  underlying!: string;

  @Field(() => Int, {
    description: "Observation window in milliseconds, in (0, 5000]: MMP counts trades within this window.",
  })
  windowTimeInMilliseconds!: number;

  @Field(() => LongScalar, {
    description:
      "How long MMP orders stay blocked after a trigger, in milliseconds; 0 = blocked until a manual reset.",
  })
  frozenTimeInMilliseconds!: bigint;

  @Field(() => DecimalScalar, {
    description:
      "Traded quantity within the window that triggers MMP when reached or exceeded; > 0. The exchange " +
      'strips trailing zeros ("2.30" comes back as "2.3").',
  })
  qtyLimit!: string;

  @Field(() => DecimalScalar, {
    description:
      "Net delta within the window that triggers MMP when reached or exceeded; > 0. The exchange strips " +
      "trailing zeros.",
  })
  deltaLimit!: string;

  @Field(() => LongScalar, {
    description: "When MMP last triggered, in epoch milliseconds; 0 = never triggered.",
  })
  lastTriggerTime!: bigint;

  @Field(() => LongScalar, {
    description:
      "When the exchange state shown was read, in epoch milliseconds (the gateway's clock). Reads answer " +
      "from the gateway's live state while it is younger than MMP_READ_MAX_AGE_MS; when the exchange may " +
      "not be read (the read share of its request weight is used up) the live state answers however old, " +
      "and this says how old. A change's answer: when the exchange confirmed it.",
  })
  observedAt!: number;
}
