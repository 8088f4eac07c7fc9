/**
 * `Long`: a 64-bit signed integer, held as a `bigint` inside the gateway.
 *
 * GraphQL's `Int` is 32-bit, too small for epoch milliseconds (`lastTriggerTime`) and for long frozen
 * times. JSON numbers are doubles, exact only up to 2^53 − 1, so the wire format is split: a JSON number
 * while the value is a safe integer (what every real millisecond value is, and what clients expect), a
 * string of digits beyond that, where a number would silently lose digits.
 */
import { GraphQLScalarType, Kind, print, type ValueNode } from "graphql";

export const LONG_MIN = -(2n ** 63n);
export const LONG_MAX = 2n ** 63n - 1n;

const INTEGER_TEXT = /^-?(?:0|[1-9]\d*)$/;
// "-9223372036854775808" is the longest in-range text; checking length first keeps BigInt() off huge input.
const MAX_INTEGER_TEXT_LENGTH = 20;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function preview(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(shown);
}

function inRange(value: bigint, shown: string): bigint {
  if (value < LONG_MIN || value > LONG_MAX) {
    throw new TypeError(`Long must be within [-2^63, 2^63-1]; got ${shown}`);
  }
  return value;
}

/** Parses decimal integer text (optional '-', no leading zeros, no spaces) within the int64 range. */
export function parseLongText(text: string): bigint {
  if (!INTEGER_TEXT.test(text)) {
    throw new TypeError(
      `Long must be an integer written with digits and an optional leading '-'; got ${preview(text)}`,
    );
  }
  if (text.length > MAX_INTEGER_TEXT_LENGTH)
    throw new TypeError(`Long must be within [-2^63, 2^63-1]; got ${preview(text)}`);
  return inRange(BigInt(text), text);
}

function parseValue(value: unknown): bigint {
  if (typeof value === "string") return parseLongText(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      throw new TypeError(
        `Long given as a JSON number must be a safe integer (at most 2^53-1 in magnitude); got ${String(value)}. ` +
          "Send larger values as a string of digits",
      );
    }
    return BigInt(value);
  }
  // Server-side callers (tests, executeOperation) may hand in a bigint directly.
  if (typeof value === "bigint") return inRange(value, value.toString());
  throw new TypeError(`Long must be an integer or a string of digits; got a ${typeof value}`);
}

function parseLiteral(node: ValueNode): bigint {
  if (node.kind === Kind.INT || node.kind === Kind.STRING) return parseLongText(node.value);
  throw new TypeError(`Long must be an integer literal or a string of digits; got ${print(node)}`);
}

function toWire(value: bigint): number | string {
  inRange(value, value.toString());
  return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value.toString();
}

function serialize(value: unknown): number | string {
  if (typeof value === "bigint") return toWire(value);
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  if (typeof value === "string" && INTEGER_TEXT.test(value) && value.length <= MAX_INTEGER_TEXT_LENGTH) {
    return toWire(BigInt(value));
  }
  // A result carrying anything else is a gateway bug: GraphQL masks it as INTERNAL_SERVER_ERROR and logs it.
  throw new TypeError(
    `Long cannot serialize ${typeof value === "string" ? preview(value) : `a ${typeof value}`}${
      typeof value === "number" ? ` (${String(value)} is not a safe integer)` : ""
    }`,
  );
}

export const LongScalar = new GraphQLScalarType<bigint, number | string>({
  name: "Long",
  description:
    "A 64-bit signed integer, e.g. a time in milliseconds, within [-2^63, 2^63-1]. Output: a JSON number " +
    "when its magnitude is at most 9007199254740991 (2^53-1, Number.MAX_SAFE_INTEGER), otherwise a string " +
    "of decimal digits, so no digit is lost to a double. Input: an integer literal, a JSON number that is a " +
    'safe integer, or a string of digits with an optional leading "-" (e.g. "300000").',
  parseValue,
  parseLiteral,
  serialize,
});
