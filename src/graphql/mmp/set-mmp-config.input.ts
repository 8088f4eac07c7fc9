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
    description:
      "The venue's scope key to protect, as the venue writes it: Binance BTCUSDT, Deribit btc_usd, OKX " +
      "BTC-USD, Bybit BTC. Must be one the venue lists for options.",
  })
  underlying!: string;

  @Field(() => Int, {
    description:
      "Observation window in milliseconds. Binance: (0, 5000]. Deribit: whole seconds, 1000 to 3600000. " +
      "OKX, Bybit: > 0.",
  })
  windowTimeInMilliseconds!: number;

  @Field(() => LongScalar, {
    description:
      "How long MMP orders stay blocked after a trigger, in milliseconds, >= 0; 0 = blocked until a manual " +
      "reset. At most 2147483647; Deribit: whole seconds, at most 3600000.",
  })
  frozenTimeInMilliseconds!: bigint;

  @Field(() => DecimalScalar, {
    description:
      'Traded-quantity limit within the window, > 0, as a plain decimal (e.g. "2.5"); sent to the exchange ' +
      "digit for digit. Deribit: at most 4 decimal places; Bybit: 2; OKX counts contracts.",
  })
  qtyLimit!: string;

  @Field(() => DecimalScalar, {
    nullable: true,
    description:
      'Net-delta limit within the window, > 0, as a plain decimal (e.g. "2.3"); sent to the exchange digit ' +
      "for digit. Required on Binance and Bybit, optional on Deribit, refused on OKX (it has none).",
  })
  deltaLimit?: string | null;

  @Field(() => DecimalScalar, {
    nullable: true,
    description:
      "Net-vega limit within the window, > 0 (Deribit: USD, at most 4 decimal places; Bybit: at most 2). " +
      "Refused on Binance and OKX. Left out on Bybit: the venue keeps its current one.",
  })
  vegaLimit?: string | null;

  @Field(() => DecimalScalar, {
    nullable: true,
    description:
      "Deribit only, and required there: the largest open MMP quantity per side and instrument, > 0, at " +
      "most 4 decimal places. Refused on the other venues.",
  })
  maxQuoteQuantity?: string | null;
}
