import {
  graphql,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  parseValue as parseValueNode,
} from "graphql";
import { LONG_MAX, LONG_MIN, LongScalar } from "../../src/graphql/scalars/long.scalar";

const parseLiteral = (source: string) => LongScalar.parseLiteral(parseValueNode(source), undefined);

describe("Long literals", () => {
  it.each([
    ["300000", 300000n],
    ['"300000"', 300000n],
    ["0", 0n],
    ["-1", -1n],
    ['"-1"', -1n],
    ["9223372036854775807", LONG_MAX],
    ['"-9223372036854775808"', LONG_MIN],
    ["9007199254740993", 9007199254740993n],
  ])("parses %s", (literal, expected) => {
    expect(parseLiteral(literal)).toBe(expected);
  });

  it.each([
    ["9223372036854775808", "just above int64"],
    ['"-9223372036854775809"', "just below int64"],
    [`"${"1".repeat(400)}"`, "huge digit string"],
    ["1.5", "float"],
    ["1.0", "float with zero fraction"],
    ["1e3", "exponent"],
    ['"1e3"', "exponent in a string"],
    ['"+1"', "plus"],
    ['" 1"', "space"],
    ['""', "empty"],
    ['"0x10"', "hex"],
    ['"007"', "leading zeros"],
    ["true", "boolean"],
  ])("rejects %s (%s)", (literal) => {
    expect(() => parseLiteral(literal)).toThrow(TypeError);
  });
});

describe("Long variables", () => {
  it.each([
    [300000, 300000n],
    [0, 0n],
    [-42, -42n],
    [Number.MAX_SAFE_INTEGER, 9007199254740991n],
    [-Number.MAX_SAFE_INTEGER, -9007199254740991n],
    ["9223372036854775807", LONG_MAX],
    ["300000", 300000n],
    [5n, 5n],
  ])("parses %p", (value, expected) => {
    expect(LongScalar.parseValue(value)).toBe(expected);
  });

  it.each([
    [1.5, /safe integer/],
    [Number.MAX_SAFE_INTEGER + 1, /safe integer/],
    [1e300, /safe integer/],
    [NaN, /safe integer/],
    [Infinity, /safe integer/],
    ["9223372036854775808", /2\^63/],
    ["1.0", /digits/],
    [2n ** 63n, /2\^63/],
    [true, /integer/],
    [null, /integer/],
    [{}, /integer/],
  ])("rejects %p", (value, message) => {
    expect(() => LongScalar.parseValue(value)).toThrow(message);
  });
});

describe("Long serialization", () => {
  it("writes safe integers as JSON numbers", () => {
    expect(LongScalar.serialize(300000n)).toBe(300000);
    expect(LongScalar.serialize(0n)).toBe(0);
    expect(LongScalar.serialize(1700000000123n)).toBe(1700000000123);
    expect(LongScalar.serialize(9007199254740991n)).toBe(9007199254740991);
    expect(LongScalar.serialize(-9007199254740991n)).toBe(-9007199254740991);
    expect(LongScalar.serialize(42)).toBe(42);
    expect(LongScalar.serialize("300000")).toBe(300000);
  });

  it("writes larger values as strings of digits", () => {
    expect(LongScalar.serialize(9007199254740992n)).toBe("9007199254740992");
    expect(LongScalar.serialize(LONG_MAX)).toBe("9223372036854775807");
    expect(LongScalar.serialize(LONG_MIN)).toBe("-9223372036854775808");
    expect(LongScalar.serialize("9223372036854775807")).toBe("9223372036854775807");
  });

  it.each([[1.5], [2 ** 60], [NaN], [LONG_MAX + 1n], ["1e3"], ["abc"], [null], [{}]])(
    "refuses %p",
    (value) => {
      expect(() => LongScalar.serialize(value)).toThrow(TypeError);
    },
  );
});

describe("Long through an executed schema", () => {
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: "Query",
      fields: {
        echo: {
          type: new GraphQLNonNull(GraphQLString),
          args: { value: { type: new GraphQLNonNull(LongScalar) } },
          resolve: (_root, args: { value: unknown }) => `${typeof args.value}:${String(args.value)}`,
        },
        small: { type: LongScalar, resolve: () => 300000n },
        big: { type: LongScalar, resolve: () => 2n ** 62n },
      },
    }),
  });

  it("hands the resolver a bigint from literals and variables", async () => {
    expect(await graphql({ schema, source: '{ echo(value: "300000") }' })).toEqual({
      data: { echo: "bigint:300000" },
    });
    expect(await graphql({ schema, source: "{ echo(value: 300000) }" })).toEqual({
      data: { echo: "bigint:300000" },
    });
    const q = "query($v: Long!) { echo(value: $v) }";
    expect(await graphql({ schema, source: q, variableValues: { v: 300000 } })).toEqual({
      data: { echo: "bigint:300000" },
    });
    expect(await graphql({ schema, source: q, variableValues: { v: "9223372036854775807" } })).toEqual({
      data: { echo: "bigint:9223372036854775807" },
    });
  });

  it("serializes small values as numbers and large ones as strings", async () => {
    const result = await graphql({ schema, source: "{ small big }" });
    expect(JSON.stringify(result)).toBe('{"data":{"small":300000,"big":"4611686018427387904"}}');
  });

  it("refuses a non-integer variable", async () => {
    const result = await graphql({
      schema,
      source: "query($v: Long!) { echo(value: $v) }",
      variableValues: { v: 1.5 },
    });
    expect(result.errors?.[0]?.message).toMatch(/safe integer/);
  });
});
