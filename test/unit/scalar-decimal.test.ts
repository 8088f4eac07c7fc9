import {
  graphql,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  parseValue as parseValueNode,
  type ExecutionResult,
} from "graphql";
import { Decimal as DecimalJs } from "decimal.js";
import {
  DecimalScalar,
  decimalFromJsonNumber,
  isPlainDecimal,
} from "../../src/graphql/scalars/decimal.scalar";

const parseLiteral = (source: string) => DecimalScalar.parseLiteral(parseValueNode(source), undefined);

// A one-field schema that echoes what the scalar handed to the resolver, with its JS type.
const echoSchema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: "Query",
    fields: {
      echo: {
        type: new GraphQLNonNull(GraphQLString),
        args: { value: { type: new GraphQLNonNull(DecimalScalar) } },
        resolve: (_root, args: { value: unknown }) => `${typeof args.value}:${String(args.value)}`,
      },
      out: { type: DecimalScalar, resolve: () => "0.000000012" },
    },
  }),
});

async function echo(source: string, variableValues?: Record<string, unknown>): Promise<ExecutionResult> {
  return graphql({ schema: echoSchema, source, variableValues });
}

describe("Decimal literals", () => {
  it.each([
    ['"12345678.123456789"', "12345678.123456789"],
    ["2.30", "2.30"],
    ["2.3", "2.3"],
    ["0.000000001", "0.000000001"],
    ["42", "42"],
    ["-5", "-5"],
    ["-0.5", "-0.5"],
    ['"0"', "0"],
    ["0.10", "0.10"],
    [
      "123456789012345678901234567890.123456789012345678901234567890",
      "123456789012345678901234567890.123456789012345678901234567890",
    ],
  ])("keeps the source text of %s exactly", (literal, expected) => {
    expect(parseLiteral(literal)).toBe(expected);
  });

  it.each([
    ["1e3", "float literal in exponent notation"],
    ["1E-2", "upper-case exponent"],
    ["2.5e0", "exponent with fraction"],
    ['"1e3"', "exponent in a string"],
    ['"+1"', "leading plus"],
    ['"0x10"', "hex"],
    ['" 1.5"', "leading space"],
    ['"1.5 "', "trailing space"],
    ['""', "empty string"],
    ['".5"', "bare fraction"],
    ['"5."', "dangling point"],
    ['"1,5"', "comma"],
    ['"1.2.3"', "two points"],
    ['"007"', "leading zeros"],
    ['"NaN"', "NaN"],
    ['"Infinity"', "Infinity"],
    ['"١٢"', "non-ASCII digits"],
    [`"${"9".repeat(65)}"`, "65 characters"],
    ["true", "boolean"],
    ["[1]", "list"],
    ["{ a: 1 }", "object"],
    ["null", "null (handled by graphql-js before the scalar, but never a Decimal)"],
  ])("rejects %s (%s)", (literal) => {
    expect(() => parseLiteral(literal)).toThrow();
  });

  it("explains that plain notation is required", () => {
    expect(() => parseLiteral("1e3")).toThrow(/plain notation/);
  });

  it("accepts exactly 64 characters", () => {
    const text = `1.${"2".repeat(62)}`;
    expect(text).toHaveLength(64);
    expect(parseLiteral(`"${text}"`)).toBe(text);
  });
});

describe("Decimal variables", () => {
  it("keeps JSON strings verbatim", () => {
    expect(DecimalScalar.parseValue("12345678.123456789")).toBe("12345678.123456789");
    expect(DecimalScalar.parseValue("2.30")).toBe("2.30");
  });

  it.each([
    [2.3, "2.3"],
    [0.1, "0.1"],
    [42, "42"],
    [-0.25, "-0.25"],
    [0.000001, "0.000001"],
    [1e20, "100000000000000000000"],
    [123456789012345, "123456789012345"],
    [0.123456789012345, "0.123456789012345"],
    [-0, "0"],
  ])("accepts the JSON number %p as %p", (n, expected) => {
    expect(DecimalScalar.parseValue(n)).toBe(expected);
  });

  it.each([
    [0.1 + 0.2, "17 significant digits"],
    [1234567890123456, "16 digits"],
    [123456789012345680000, "17 digits before trailing zeros"],
    [Number.MAX_VALUE, "huge"],
  ])("rejects the JSON number %p (%s) and asks for a string", (n) => {
    expect(() => DecimalScalar.parseValue(n)).toThrow(/send Decimal values as strings/);
  });

  it.each([[1e-7], [1.5e-10], [1e21], [-1e-7], [1e-70]])(
    "rejects the JSON number %p, which is in exponent form, and asks for a string",
    (n) => {
      expect(() => DecimalScalar.parseValue(n)).toThrow(/exponent form.*send Decimal values as strings/);
    },
  );

  it.each([NaN, Infinity, -Infinity])("rejects %p", (n) => {
    expect(() => DecimalScalar.parseValue(n)).toThrow(/finite/);
  });

  it.each([["1e3"], ["+1"], [""], [" 1"], [".5"], ["5."]])("rejects the string %p", (s) => {
    expect(() => DecimalScalar.parseValue(s)).toThrow(/plain notation/);
  });

  it.each([[true], [null], [{}], [[1]], [10n]])("rejects %p", (v) => {
    expect(() => DecimalScalar.parseValue(v)).toThrow(TypeError);
  });

  it("decimalFromJsonNumber agrees with String(n) for every short decimal it accepts", () => {
    for (const text of ["0.3", "2.675", "9999999.99999999", "0.000123", "100000000000000"]) {
      const n = Number(text);
      expect(new DecimalJs(decimalFromJsonNumber(n)).eq(text)).toBe(true);
    }
  });
});

describe("Decimal serialization", () => {
  it("returns plain strings unchanged", () => {
    expect(DecimalScalar.serialize("2.30")).toBe("2.30");
    expect(DecimalScalar.serialize("-12345678.123456789")).toBe("-12345678.123456789");
  });

  it("prints decimal.js values in plain notation", () => {
    expect(DecimalScalar.serialize(new DecimalJs("1e-9"))).toBe("0.000000001");
    expect(DecimalScalar.serialize(new DecimalJs("2.50"))).toBe("2.5");
  });

  it.each([[2.3], ["1e3"], [" 1"], [""], [null], [10n], [new DecimalJs(NaN)], [{ toString: () => "1" }]])(
    "refuses %p",
    (v) => {
      expect(() => DecimalScalar.serialize(v)).toThrow(TypeError);
    },
  );
});

describe("Decimal through an executed schema", () => {
  it('hands the resolver the literal\'s text: 2.30 arrives as the string "2.30"', async () => {
    const result = await echo("{ echo(value: 2.30) }");
    expect(result).toEqual({ data: { echo: "string:2.30" } });
  });

  it("keeps 12345678.123456789 exact as a string or a float literal", async () => {
    expect(await echo('{ echo(value: "12345678.123456789") }')).toEqual({
      data: { echo: "string:12345678.123456789" },
    });
    expect(await echo("{ echo(value: 12345678.123456789) }")).toEqual({
      data: { echo: "string:12345678.123456789" },
    });
  });

  it("accepts variables as strings and short numbers", async () => {
    const q = "query($v: Decimal!) { echo(value: $v) }";
    expect(await echo(q, { v: "12345678.123456789" })).toEqual({
      data: { echo: "string:12345678.123456789" },
    });
    expect(await echo(q, { v: 2.3 })).toEqual({ data: { echo: "string:2.3" } });
    expect(await echo(q, { v: 0.000001 })).toEqual({ data: { echo: "string:0.000001" } });
  });

  it("reports a bad literal as a validation error mentioning plain notation", async () => {
    const result = await echo("{ echo(value: 1e3) }");
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.message).toMatch(
      /Expected value of type "Decimal!", found 1e3; .*plain notation/,
    );
  });

  it("reports a long JSON number as a variable error asking for a string", async () => {
    const result = await echo("query($v: Decimal!) { echo(value: $v) }", { v: 0.1 + 0.2 });
    expect(result.errors?.[0]?.message).toMatch(/send Decimal values as strings/);
  });

  it("serializes results as strings", async () => {
    expect(await echo("{ out }")).toEqual({ data: { out: "0.000000012" } });
  });
});

describe("isPlainDecimal", () => {
  it("is the input rule", () => {
    expect(isPlainDecimal("2.3")).toBe(true);
    expect(isPlainDecimal("2.")).toBe(false);
  });
});
