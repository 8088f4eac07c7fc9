/**
 * Property tests of the Decimal and Long scalars, without HTTP: thousands of generated inputs each.
 * What must always hold: a value is either taken exactly (same digits, same number) or refused with a
 * TypeError (which GraphQL turns into BAD_USER_INPUT); never silently changed, never another exception.
 */
import { Decimal as DecimalJs } from "decimal.js";
import fc from "fast-check";
import { Kind, parseValue as parseGraphQLValue, type ValueNode } from "graphql";
import { DECIMAL_MAX_LENGTH, DecimalScalar } from "../../src/graphql/scalars/decimal.scalar";
import { LONG_MAX, LONG_MIN, LongScalar } from "../../src/graphql/scalars/long.scalar";

const RUNS = 1000;
const PLAIN = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

/** Plain decimal text: optional sign, no leading zeros, any number of fraction digits. */
const plainDecimal = fc
  .tuple(
    fc.boolean(),
    fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 10n ** 30n })),
    fc.option(fc.stringMatching(/^\d{1,25}$/), { nil: undefined }),
  )
  .map(([negative, int, frac]) => `${negative ? "-" : ""}${int}${frac === undefined ? "" : `.${frac}`}`)
  .filter((t) => t.length <= DECIMAL_MAX_LENGTH);

/** Text that may or may not be a plain decimal: near misses and noise. */
const decimalLikeText = fc.oneof(
  fc.string(),
  fc.string({ unit: fc.constantFrom(..."0123456789.-+eE xX_,٣１\u0000") }),
  plainDecimal.map((t) => `${t}e${t.length % 5}`),
  plainDecimal.map((t) => ` ${t}`),
  plainDecimal.map((t) => `0${t}`),
  plainDecimal.map((t) => `${t}.`),
  plainDecimal.map((t) => `+${t}`),
);

function expectTypeErrorOr<T>(fn: () => T, onValue: (v: T) => void): void {
  let value: T;
  try {
    value = fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TypeError);
    return;
  }
  onValue(value);
}

function literal(text: string): ValueNode {
  return parseGraphQLValue(text);
}

describe("Decimal", () => {
  it("takes every plain decimal string exactly, as a variable and as a string literal", () => {
    fc.assert(
      fc.property(plainDecimal, (text) => {
        expect(DecimalScalar.parseValue(text)).toBe(text);
        expect(DecimalScalar.parseLiteral(literal(JSON.stringify(text)), {})).toBe(text);
        expect(DecimalScalar.serialize(text)).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });

  it("keeps a number literal's source text (2.30 stays 2.30)", () => {
    fc.assert(
      fc.property(plainDecimal, (text) => {
        const node = literal(text);
        expect([Kind.INT, Kind.FLOAT]).toContain(node.kind);
        expect(DecimalScalar.parseLiteral(node, {})).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });

  it("any other text is refused with a TypeError, never altered", () => {
    fc.assert(
      fc.property(decimalLikeText, (text) => {
        expectTypeErrorOr(
          () => DecimalScalar.parseValue(text),
          (v) => {
            expect(v).toBe(text);
            expect(text).toMatch(PLAIN);
          },
        );
      }),
      { numRuns: RUNS },
    );
  });

  it("a JSON number is taken only when provably exact, and then equals it numerically", () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer(), fc.double({ min: -1e6, max: 1e6 })), (n) => {
        expectTypeErrorOr(
          () => DecimalScalar.parseValue(n),
          (v) => {
            expect(v).toMatch(PLAIN);
            expect(new DecimalJs(v).eq(new DecimalJs(String(n)))).toBe(true);
            expect(Number(v)).toBe(n === 0 ? 0 : n); // -0 reads back as 0
          },
        );
      }),
      { numRuns: RUNS },
    );
  });

  it("anything that is not a string or number is refused with a TypeError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.boolean(), fc.constant(null), fc.object(), fc.array(fc.anything())), (v) => {
        expect(() => DecimalScalar.parseValue(v)).toThrow(TypeError);
      }),
      { numRuns: 300 },
    );
  });
});

describe("Long", () => {
  const inRange = fc.bigInt({ min: LONG_MIN, max: LONG_MAX });

  it("every int64, as text, a literal, or a safe JSON number, parses to exactly that value", () => {
    fc.assert(
      fc.property(inRange, (b) => {
        expect(LongScalar.parseValue(b.toString())).toBe(b);
        expect(LongScalar.parseLiteral(literal(b.toString()), {})).toBe(b);
        expect(LongScalar.parseLiteral(literal(JSON.stringify(b.toString())), {})).toBe(b);
        if (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER)) {
          expect(LongScalar.parseValue(Number(b))).toBe(b);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("serializes without losing a digit: a number when safe, else a string, and reads back the same", () => {
    fc.assert(
      fc.property(inRange, (b) => {
        const wire = LongScalar.serialize(b);
        const safe = b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER);
        expect(typeof wire).toBe(safe ? "number" : "string");
        const roundTrip = JSON.parse(JSON.stringify(wire)) as number | string;
        expect(LongScalar.parseValue(roundTrip)).toBe(b);
      }),
      { numRuns: RUNS },
    );
  });

  it("out of range, unsafe, fractional or malformed values are refused with a TypeError", () => {
    const outOfRange = fc.oneof(
      fc.bigInt({ min: LONG_MAX + 1n, max: LONG_MAX * 4n }),
      fc.bigInt({ min: LONG_MIN * 4n, max: LONG_MIN - 1n }),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          outOfRange.map((b) => b.toString()),
          fc.double().filter((d) => !Number.isSafeInteger(d)),
          fc.string().filter((s) => !/^-?(?:0|[1-9]\d{0,18})$/.test(s)),
        ),
        (v) => {
          expect(() => LongScalar.parseValue(v)).toThrow(TypeError);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("text near the int64 range is taken exactly or refused, never wrapped", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: LONG_MIN * 2n, max: LONG_MAX * 2n }), (b) => {
        expectTypeErrorOr(
          () => LongScalar.parseValue(b.toString()),
          (v) => {
            expect(v).toBe(b);
            expect(b >= LONG_MIN && b <= LONG_MAX).toBe(true);
          },
        );
      }),
      { numRuns: RUNS },
    );
  });
});
