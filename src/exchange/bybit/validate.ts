/**
 * Checks of Bybit MMP values before anything is signed, and the exact JSON body they become.
 * Rules (B-DOC `docs/v5/account/set-mmp.mdx`): baseCoin uppercase; window and frozenPeriod strings of
 * milliseconds ("0" frozenPeriod = frozen until a manual reset); qtyLimit, deltaLimit, vegaLimit
 * positive with at most 2 decimal places. Nothing is rounded: a value Bybit cannot take is refused
 * with BAD_USER_INPUT naming the field and the rule.
 */
import { badUserInput } from "../../errors";
import type { BybitMmpSettings } from "./types";

/** Bybit: "uppercase only". Letters and digits (e.g. 1000PEPE-style coins), bounded in length. */
const BASE_COIN = /^[A-Z0-9]{1,20}$/;
/** plain decimal, no sign, no exponent, no leading zeros, at most 2 decimal places */
const TWO_DP = /^(?:0|[1-9]\d{0,29})(?:\.\d{1,2})?$/;
const ANY_DECIMAL = /^(?:0|[1-9]\d*)(?:\.\d+)?$/;
const INT64_MAX = 9_223_372_036_854_775_807n;
/** Bybit: qtyLimit, deltaLimit and vegaLimit take "up to 2 decimal places". */
export const MAX_DECIMAL_PLACES = 2;

export function checkBaseCoin(field: string, baseCoin: unknown): string {
  if (typeof baseCoin !== "string" || !BASE_COIN.test(baseCoin)) {
    throw badUserInput(
      field,
      "Bybit baseCoin is an uppercase coin name such as BTC (letters and digits only)",
    );
  }
  return baseCoin;
}

export function checkLimit(field: string, value: unknown): string {
  if (typeof value !== "string" || !ANY_DECIMAL.test(value)) {
    throw badUserInput(field, "must be a plain decimal string such as 12.5 (no sign, exponent or spaces)");
  }
  if (!TWO_DP.test(value)) {
    const dot = value.indexOf(".");
    if (dot >= 0 && value.length - dot - 1 > MAX_DECIMAL_PLACES) {
      throw badUserInput(
        field,
        `Bybit takes at most ${MAX_DECIMAL_PLACES} decimal places; ${value} has ${value.length - dot - 1} (nothing is rounded)`,
      );
    }
    throw badUserInput(field, "must be a plain decimal without leading zeros and at most 30 integer digits");
  }
  if (/^0(?:\.0{1,2})?$/.test(value)) throw badUserInput(field, "Bybit requires a positive value");
  return value;
}

export function checkWindowMs(field: string, n: unknown): string {
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n <= 0) {
    throw badUserInput(field, "Bybit window is a positive whole number of milliseconds");
  }
  return String(n);
}

export function checkFrozenPeriodMs(field: string, n: unknown): string {
  if (typeof n !== "bigint" || n < 0n || n > INT64_MAX) {
    throw badUserInput(
      field,
      "Bybit frozenPeriod is a whole number of milliseconds, 0 (until a manual reset) or more",
    );
  }
  return n.toString();
}

/** The exact body of `POST /v5/account/mmp-modify`, every value a JSON string as Bybit documents. */
export function mmpModifyBody(s: BybitMmpSettings): string {
  const body: Record<string, string> = {
    baseCoin: checkBaseCoin("baseCoin", s.baseCoin),
    window: checkWindowMs("windowMs", s.windowMs),
    frozenPeriod: checkFrozenPeriodMs("frozenPeriodMs", s.frozenPeriodMs),
    qtyLimit: checkLimit("qtyLimit", s.qtyLimit),
    deltaLimit: checkLimit("deltaLimit", s.deltaLimit),
  };
  if (s.vegaLimit !== undefined) body.vegaLimit = checkLimit("vegaLimit", s.vegaLimit);
  return JSON.stringify(body);
}
