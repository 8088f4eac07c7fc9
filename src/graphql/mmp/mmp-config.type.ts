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

  @Field(() => Int, {
    description:
      "Binance's numeric id of the underlying; 0 on venues that number none (Deribit, OKX, Bybit).",
  })
  underlyingId!: number;

  @Field(() => String, {
    description:
      "The venue's own scope key these settings apply to, as the venue writes it: Binance underlying " +
      "BTCUSDT, Deribit index name btc_usd, OKX instrument family BTC-USD, Bybit base coin BTC.",
  })
  underlying!: string;

  @Field(() => Int, {
    description:
      "Observation window in milliseconds: MMP counts trades within this window. 0: no MMP config on " +
      "this underlying (Binance answers zeros for an underlying never set).",
  })
  windowTimeInMilliseconds!: number;

  @Field(() => LongScalar, {
    description:
      "How long MMP orders stay blocked after a trigger, in milliseconds; 0 = blocked until a manual reset.",
  })
  frozenTimeInMilliseconds!: bigint;

  @Field(() => DecimalScalar, {
    nullable: true,
    description:
      "Traded quantity within the window that triggers MMP when reached or exceeded; > 0. The exchange " +
      'may strip trailing zeros ("2.30" comes back as "2.3"). Units are the venue\'s (OKX: contracts; ' +
      "Deribit: base currency). Null only where the venue holds none (a Deribit config set elsewhere " +
      "without one, or no config).",
  })
  qtyLimit!: string | null;

  @Field(() => DecimalScalar, {
    nullable: true,
    description:
      "Net delta within the window that triggers MMP when reached or exceeded; > 0. Always present on " +
      "Binance and Bybit; null on OKX (it has no delta limit) and on a Deribit config without one.",
  })
  deltaLimit!: string | null;

  @Field(() => DecimalScalar, {
    nullable: true,
    description:
      "Net vega within the window that triggers MMP (Deribit: in USD; Bybit). Null on Binance and OKX, " +
      "which have none, and where the venue holds none.",
  })
  vegaLimit?: string | null;

  @Field(() => DecimalScalar, {
    nullable: true,
    description:
      "Deribit only: the largest open MMP quantity per side and instrument (orders beyond it are " +
      "refused). Null on the other venues.",
  })
  maxQuoteQuantity?: string | null;

  @Field(() => LongScalar, {
    description:
      "When MMP last triggered, in epoch milliseconds; 0 = never triggered. Deribit, OKX and Bybit report " +
      "no trigger time: there it is the start of the timed freeze in force (frozenUntil minus " +
      "frozenTimeInMilliseconds), else 0; read `frozen` for their state.",
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
