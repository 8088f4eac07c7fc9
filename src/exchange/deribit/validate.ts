/**
 * Checks of Deribit MMP values before anything is signed, and the exact `params` text they become.
 *
 * Rules (https://docs.deribit.com/api-reference/trading/private-set_mmp_config and
 * https://docs.deribit.com/articles/market-maker-protection): `index_name` one of Deribit's index names
 * (lowercase, `btc_usd`); `interval` and `frozen_time` integers 0–3600 seconds (`interval` 0 removes the
 * configuration, `frozen_time` 0 = frozen until a manual reset); `quantity_limit`, `delta_limit`,
 * `vega_limit` optional, at least one of them; `max_quote_quantity` required; every value "up to 4
 * decimal places". Nothing is rounded: a value Deribit cannot take is refused with BAD_USER_INPUT naming
 * the field and the rule.
 *
 * Deribit reads these as JSON numbers. The gateway writes each decimal into the body as the raw number
 * text the caller gave (`2.5000` stays `2.5000`), so the bytes signed are the digits asked for. A
 * gateway choice on top of Deribit's rules: at most 15 significant digits, so that a double (what a
 * JSON number usually becomes) holds the value exactly.
 */
import { badUserInput } from "../../errors";
import type { DeribitMmpSettings } from "./types";

/** Deribit's index names: `<base>_<quote>`, lowercase letters and digits (btc_usd, btcdvol_usdc). */
const INDEX_NAME = /^[a-z0-9]{1,16}_[a-z0-9]{1,16}$/;
/** plain decimal, no sign, no exponent, no leading zeros */
const PLAIN_DECIMAL = /^(?:0|[1-9]\d*)(?:\.\d+)?$/;
/** Deribit: "All configuration parameters support up to 4 decimal places of precision." */
export const MAX_DECIMAL_PLACES = 4;
/** Deribit: interval and frozen_time, "Maximum value: 3600 seconds (1 hour)". */
export const MAX_SECONDS = 3600;
/** gateway choice: a double holds any decimal of at most 15 significant digits exactly */
export const MAX_SIGNIFICANT_DIGITS = 15;

export function checkIndexName(field: string, indexName: unknown): string {
  if (typeof indexName !== "string" || !INDEX_NAME.test(indexName)) {
    throw badUserInput(
      field,
      "Deribit index_name is a lowercase index name such as btc_usd or eth_usdc (letters and digits, one underscore)",
    );
  }
  return indexName;
}

function checkSeconds(field: string, n: unknown, what: string): number {
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0 || n > MAX_SECONDS) {
    throw badUserInput(field, `Deribit ${what} is a whole number of seconds from 0 to ${MAX_SECONDS}`);
  }
  return n;
}

/** `interval`: 0–3600 s; 0 removes the index's MMP configuration. */
export function checkIntervalSeconds(field: string, n: unknown): number {
  return checkSeconds(field, n, "interval (0 removes the configuration)");
}

/** `frozen_time`: 0–3600 s; 0 = frozen until a manual reset. */
export function checkFrozenTimeSeconds(field: string, n: unknown): number {
  return checkSeconds(field, n, "frozen_time (0 = frozen until a manual reset)");
}

function checkDecimal(field: string, value: unknown, positive: boolean): string {
  if (typeof value !== "string" || !PLAIN_DECIMAL.test(value)) {
    throw badUserInput(
      field,
      "must be a plain decimal string such as 12.5 (no sign, exponent, spaces or leading zeros)",
    );
  }
  const dot = value.indexOf(".");
  const places = dot < 0 ? 0 : value.length - dot - 1;
  if (places > MAX_DECIMAL_PLACES) {
    throw badUserInput(
      field,
      `Deribit takes at most ${MAX_DECIMAL_PLACES} decimal places; ${value} has ${places} (nothing is rounded)`,
    );
  }
  const digits = value.replace(".", "").replace(/^0+/, "");
  if (digits.replace(/0+$/, "").length > MAX_SIGNIFICANT_DIGITS) {
    throw badUserInput(
      field,
      `at most ${MAX_SIGNIFICANT_DIGITS} significant digits, so that Deribit reads the number exactly`,
    );
  }
  if (positive && /^0(?:\.0+)?$/.test(value)) throw badUserInput(field, "Deribit requires a value above 0");
  return value;
}

/** quantity_limit, delta_limit, vega_limit: > 0, at most 4 decimal places. */
export function checkLimit(field: string, value: unknown): string {
  return checkDecimal(field, value, true);
}

/** max_quote_quantity: >= 0 (0 reserves no margin), at most 4 decimal places. */
export function checkMaxQuoteQuantity(field: string, value: unknown): string {
  return checkDecimal(field, value, false);
}

/**
 * The exact `params` object text of `private/set_mmp_config` for the default group: Deribit's names,
 * integers and decimals as raw JSON numbers, in a fixed order.
 */
export function setMmpConfigParams(s: DeribitMmpSettings): string {
  const index = checkIndexName("indexName", s.indexName);
  const interval = checkIntervalSeconds("intervalSeconds", s.intervalSeconds);
  const frozen = checkFrozenTimeSeconds("frozenTimeSeconds", s.frozenTimeSeconds);
  const parts = [
    `"index_name":${JSON.stringify(index)}`,
    `"interval":${interval}`,
    `"frozen_time":${frozen}`,
  ];
  const limits: [keyof DeribitMmpSettings, string][] = [
    ["quantityLimit", "quantity_limit"],
    ["deltaLimit", "delta_limit"],
    ["vegaLimit", "vega_limit"],
  ];
  let any = false;
  for (const [field, name] of limits) {
    const v = s[field];
    if (v === undefined) continue;
    parts.push(`"${name}":${checkLimit(field, v)}`);
    any = true;
  }
  if (!any) {
    throw badUserInput(
      "quantityLimit",
      "Deribit requires at least one of quantityLimit, deltaLimit and vegaLimit",
    );
  }
  if (s.maxQuoteQuantity === undefined) {
    throw badUserInput("maxQuoteQuantity", "Deribit requires max_quote_quantity");
  }
  parts.push(`"max_quote_quantity":${checkMaxQuoteQuantity("maxQuoteQuantity", s.maxQuoteQuantity)}`);
  return `{${parts.join(",")}}`;
}
