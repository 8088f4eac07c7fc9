/**
 * `Decimal`: an exact decimal number that never passes through a binary float.
 *
 * Internally a Decimal is a string in plain notation ("12345678.123456789", "-0.5"), and that very string
 * is what the service signs and sends to the exchange. The rules are strict on purpose: Binance accepts
 * plain decimals only, and silently re-writing a trader's number ("1e3" → "1000", " 2" → "2") would hide
 * mistakes in the scripts that send them.
 *
 * Where a value comes from decides how exact it can be:
 * - Literals (`qtyLimit: 2.30`): graphql-js keeps each literal's source text, so we take `node.value`
 *   verbatim; "2.30" stays "2.30" and no float is ever created.
 * - Variables sent as JSON strings: exact, same rules as literals.
 * - Variables sent as JSON numbers: the body parser has already turned them into doubles, so the digits
 *   the client typed are gone. A double that prints with at most 15 significant digits is the exact
 *   value of every decimal of up to 15 digits that rounds to it (IEEE 754 binary64 holds 15 decimal
 *   digits), so we accept those and reject the rest. A client who types more than 15 digits that happen
 *   to round to a short double (2.3000000000000001 → 2.3) cannot be detected here: Node 20's JSON.parse
 *   gives no access to the source text. Hence the advice in every error: send Decimals as strings.
 *   For the same reason a JSON number's notation is unknown; one that JavaScript itself prints in
 *   exponent form (below 1e-6 or from 1e21 in magnitude: 1e-7, 1e21) is refused, as exponent text is:
 *   a limit that far off is likelier a slip than a choice, and refusing costs the client a string.
 */
import { Decimal as DecimalJs } from "decimal.js";
import { GraphQLScalarType, Kind, print, type ValueNode } from "graphql";

/** Longest accepted Decimal text, sign and point included. Binance has no documented limit. */
export const DECIMAL_MAX_LENGTH = 64;

/** Most significant digits a JSON number may carry and still be taken as exact. */
export const DECIMAL_MAX_EXACT_JSON_DIGITS = 15;

// Leading zeros are refused as well ("007"): graphql's own number literals refuse them, and an exchange
// that treats them differently would turn a typo into a live limit.
const PLAIN_DECIMAL_INPUT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

// What we are willing to send back: plain notation, as the exchange reports it.
const PLAIN_DECIMAL_OUTPUT = /^-?\d+(?:\.\d+)?$/;

const PLAIN_NOTATION_RULE =
  "Decimal values must be in plain notation: digits, an optional leading '-', and an optional '.' with " +
  'digits on both sides, e.g. "2.5" or "0.001" (no exponent, \'+\', leading zeros, spaces, hex, or bare ' +
  `'.5' / '5.'; at most ${DECIMAL_MAX_LENGTH} characters)`;

function preview(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(shown);
}

/** Whether `text` is a Decimal the gateway accepts as input. */
export function isPlainDecimal(text: string): boolean {
  return text.length <= DECIMAL_MAX_LENGTH && PLAIN_DECIMAL_INPUT.test(text);
}

/**
 * Checks decimal text from a request and returns it unchanged.
 * Throws a TypeError (graphql-js prefixes it with the expected type and the offending value).
 */
export function parseDecimalText(text: string): string {
  if (!isPlainDecimal(text)) throw new TypeError(`${PLAIN_NOTATION_RULE}; got ${preview(text)}`);
  return text;
}

function significantDigits(numberText: string): number {
  const mantissa = numberText.replace(/^-/, "").split(/e/i)[0] ?? "";
  return mantissa.replace(".", "").replace(/^0+/, "").replace(/0+$/, "").length;
}

/**
 * Converts a JSON number to plain decimal text when that is provably exact (see the module comment).
 * `String(n)` is the shortest text that reads back as the same double, so counting its digits tells
 * whether the double can stand for a decimal of at most 15 digits.
 */
export function decimalFromJsonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`Decimal must be a finite number; got ${String(n)}`);
  const shortest = String(n);
  if (/e/i.test(shortest)) {
    throw new TypeError(
      `Decimal ${shortest} is in exponent form; ${PLAIN_NOTATION_RULE}: send Decimal values as strings`,
    );
  }
  if (significantDigits(shortest) > DECIMAL_MAX_EXACT_JSON_DIGITS) {
    throw new TypeError(
      `Decimal ${shortest} has more than ${DECIMAL_MAX_EXACT_JSON_DIGITS} significant digits and may already ` +
        "have been rounded by JSON number parsing: send Decimal values as strings to keep every digit",
    );
  }
  // toFixed() without arguments prints the exact value in plain notation ("-0" → "0").
  const plain = new DecimalJs(shortest).toFixed();
  if (plain.length > DECIMAL_MAX_LENGTH) {
    throw new TypeError(
      `${PLAIN_NOTATION_RULE}; ${shortest} is ${plain.length} characters long in plain notation`,
    );
  }
  return plain;
}

function parseValue(value: unknown): string {
  if (typeof value === "string") return parseDecimalText(value);
  if (typeof value === "number") return decimalFromJsonNumber(value);
  throw new TypeError(`Decimal must be a string in plain notation, e.g. "2.5"; got a ${typeof value}`);
}

function parseLiteral(node: ValueNode): string {
  switch (node.kind) {
    // All three keep the literal's source text: no float is ever created.
    case Kind.STRING:
    case Kind.INT:
    case Kind.FLOAT:
      return parseDecimalText(node.value);
    default:
      throw new TypeError(`Decimal must be a string or number literal in plain notation; got ${print(node)}`);
  }
}

function serialize(value: unknown): string {
  if (typeof value === "string" && PLAIN_DECIMAL_OUTPUT.test(value)) return value;
  if (DecimalJs.isDecimal(value) && value.isFinite()) return value.toFixed();
  // Reaching here is a gateway bug (a float or exponent text leaked into a result): fail loudly, since
  // GraphQL masks it as INTERNAL_SERVER_ERROR and logs it.
  throw new TypeError(
    `Decimal cannot serialize ${typeof value === "string" ? preview(value) : `a ${typeof value}`}: ` +
      "results must carry plain-notation strings or decimal.js values",
  );
}

export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: "Decimal",
  description:
    'An exact decimal number, serialized as a string in plain notation ("2.3", "12345678.123456789"). ' +
    "It never passes through a binary float: the digits you send are the digits sent to the exchange. " +
    "Input: a string (recommended) or a number literal such as 2.30 (its text is kept as written); in " +
    "variables, a JSON string, or a JSON number of at most 15 significant digits from 1e-6 to below " +
    "1e21 in magnitude. Plain notation only: no exponent, '+', leading zeros or spaces; at most 64 " +
    'characters. Output: trailing zeros may be stripped by the exchange ("2.30" comes back as "2.3"), so ' +
    "compare values numerically.",
  parseValue,
  parseLiteral,
  serialize,
});
