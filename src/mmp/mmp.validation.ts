/**
 * Range and shape rules for MMP inputs, checked before anything is sent. The scalars already
 * guarantee plain-notation decimals and integral Longs; these rules give each field its meaning and
 * name the field in the error. Decimal comparisons use decimal.js so no value passes through a float.
 */
import Decimal from "decimal.js";
import { badUserInput } from "../errors";

export const MAX_WINDOW_MS = 5000;
/**
 * Binance documents no maximum frozen time, and a machine-readable description of mmpSet types it as a
 * 32-bit integer: anything longer may be refused or cut by the exchange, and a freeze that long is what
 * 0 (until a manual reset) is for. The bound also keeps lastTriggerTime + frozen time far inside 64 bits.
 */
export const MAX_FROZEN_MS = 2_147_483_647n;
const PLAIN_DECIMAL = /^\d+(\.\d+)?$/;

export function checkWindow(field: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0 || value > MAX_WINDOW_MS) {
    throw badUserInput(
      field,
      `must be an integer number of milliseconds in (0, ${MAX_WINDOW_MS}], got ${value}`,
    );
  }
  return value;
}

export function checkFrozenTime(field: string, value: bigint): bigint {
  if (value < 0n || value > MAX_FROZEN_MS) {
    throw badUserInput(
      field,
      `must be an integer number of milliseconds from 0 (until a manual reset) to ${MAX_FROZEN_MS}, got ${value}`,
    );
  }
  return value;
}

export function checkPositiveDecimal(field: string, value: string): string {
  if (!PLAIN_DECIMAL.test(value)) {
    throw badUserInput(
      field,
      `must be a decimal greater than 0 in plain notation (e.g. "2.5"), got "${value}"`,
    );
  }
  if (!new Decimal(value).gt(0)) throw badUserInput(field, `must be greater than 0, got "${value}"`);
  return value;
}

export function checkAccountId(field: string, value: string): string {
  if (value.length === 0 || value.length > 64) throw badUserInput(field, "must be 1 to 64 characters");
  return value;
}

/** Two decimals are the same limit when numerically equal ("2.30" and "2.3"): the exchange strips zeros. */
export function sameDecimal(a: string | null | undefined, b: string | null | undefined): boolean {
  // A limit the venue does not hold (null) equals only another absent one.
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  return new Decimal(a).eq(new Decimal(b));
}
