/**
 * Value rules for eapi parameters. Where Binance (a Java service) would quietly accept a sloppy form
 * ("+5", "05", "1E+2"), the simulator refuses it: a gateway that sends such a value has a bug (usually a
 * number that went through a float or a formatter), and it must show up in tests, not in production.
 */
import { E } from "./errors";

const INT64_MAX = 9223372036854775807n;
const INTEGER = /^-?(0|[1-9][0-9]*)$/;
const DECIMAL = /^-?[0-9]+(\.[0-9]+)?$/;
const PLAIN_DECIMAL_LEGAL = "^[0-9]+(\\.[0-9]+)?$";

/** No documented limit for MMP limits; 16 places is well past any real use and catches float noise. */
export const MAX_DECIMAL_PLACES = 16;

/** An integer in canonical form (no sign but '-', no leading zeros) that fits a Java long. */
export function parseLong(name: string, value: string): bigint {
  if (!INTEGER.test(value)) {
    throw E.mandatory(name, `'${value}' is not an integer in plain form (no '+', leading zeros, decimals)`);
  }
  const n = BigInt(value);
  if (n > INT64_MAX || n < -INT64_MAX - 1n)
    throw E.mandatory(name, `'${value}' does not fit a 64-bit integer`);
  return n;
}

export function parseIntInRange(name: string, value: string, min: bigint, max: bigint, rule: string): number {
  const n = parseLong(name, value);
  if (n < min || n > max) throw E.invalidValue(name, `${value} is outside ${rule}`);
  return Number(n);
}

/** Epoch ms: non-negative, at most Number.MAX_SAFE_INTEGER. */
export function parseEpochMs(name: string, value: string): number {
  const n = parseLong(name, value);
  if (n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER))
    throw E.mandatory(name, `'${value}' is not a valid epoch ms`);
  return Number(n);
}

/**
 * A strictly positive decimal in plain notation. Returns the string exactly as received; the caller
 * normalizes only for output.
 */
export function parsePositiveDecimal(name: string, value: string): string {
  if (!DECIMAL.test(value)) {
    throw E.illegalCharsIn(
      name,
      PLAIN_DECIMAL_LEGAL,
      `'${value}' is not a plain decimal (exponent, '+', spaces?)`,
    );
  }
  if (value.startsWith("-")) throw E.invalidValue(name, `${value} is negative; it must be > 0`);
  if (/^[0.]+$/.test(value)) throw E.invalidValue(name, `${value} is zero; it must be > 0`);
  const dot = value.indexOf(".");
  const places = dot < 0 ? 0 : value.length - dot - 1;
  if (places > MAX_DECIMAL_PLACES) {
    throw E.precision(name, `${places} decimal places, at most ${MAX_DECIMAL_PLACES} accepted`);
  }
  return value;
}

/**
 * What Binance answers for a decimal it holds: the value with leading and trailing zeros stripped
 * (Java's BigDecimal.stripTrailingZeros().toPlainString()): "2.30" → "2.3", "010" → "10", "0.50" → "0.5".
 */
export function normalizeDecimal(value: string): string {
  const [intPart = "0", frac = ""] = value.split(".");
  const i = intPart.replace(/^0+(?=[0-9])/, "");
  const f = frac.replace(/0+$/, "");
  return f === "" ? i : `${i}.${f}`;
}
