/**
 * formatError against real Apollo Server errors (executeOperation runs Apollo's whole request pipeline:
 * parsing, validation, variable coercion, execution, error formatting).
 */
import { ApolloServer } from "@apollo/server";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import pino from "pino";
import type { Principal } from "../../src/domain";
import { exchangeRejected, forbidden, GatewayError, rateLimited } from "../../src/errors";
import { buildGatewaySchema } from "../../src/graphql/build-schema";
import type { GatewayContext } from "../../src/graphql/context.type";
import { createGatewayErrorHandling, formatGatewayError } from "../../src/graphql/format-error";
import type { AccountMmpConfig, MmpServiceApi, SetMmpConfigRequest } from "../../src/mmp/mmp.types";
import { NOT_WIRED_BEYOND_SET } from "../helpers/fake-mmp";

const principal: Principal = {
  userId: "u-1",
  userName: "alice",
  admin: false,
  roles: new Map(),
  tokenId: "t-1",
};

let behaviour: (request: SetMmpConfigRequest) => Promise<AccountMmpConfig>;
const calls: SetMmpConfigRequest[] = [];
const service: MmpServiceApi = {
  ...NOT_WIRED_BEYOND_SET,
  async setMmpConfig(_principal, request) {
    calls.push(request);
    return behaviour(request);
  },
};
const echo = async (request: SetMmpConfigRequest): Promise<AccountMmpConfig> => ({
  ...request,
  deltaLimit: request.deltaLimit ?? null,
  observedAt: 1_700_000_000_000,
  underlyingId: 2,
  lastTriggerTime: 0n,
});

const logs: string[] = [];
let server: ApolloServer<GatewayContext>;

beforeAll(async () => {
  const handling = createGatewayErrorHandling(
    pino({ level: "error" }, { write: (line: string) => void logs.push(line) }),
  );
  server = new ApolloServer<GatewayContext>({
    schema: await buildGatewaySchema(),
    formatError: handling.formatError,
    plugins: [handling.plugin],
    includeStacktraceInErrorResponses: false,
  });
  await server.start();
});
afterAll(() => server.stop());
beforeEach(() => {
  behaviour = echo;
  calls.length = 0;
  logs.length = 0;
});

interface Outcome {
  status: number | undefined;
  errors: readonly GraphQLFormattedError[];
  data: unknown;
}

async function run(query: string, variables?: Record<string, unknown>): Promise<Outcome> {
  const response = await server.executeOperation(
    { query, variables },
    { contextValue: { principal, requestId: "req-42", services: { mmp: service } } },
  );
  if (response.body.kind !== "single") throw new Error("expected a single result");
  return {
    status: response.http.status,
    errors: response.body.singleResult.errors ?? [],
    data: response.body.singleResult.data,
  };
}

const fields = {
  accountId: '"desk-a"',
  underlying: '"BTCUSDT"',
  windowTimeInMilliseconds: "3000",
  frozenTimeInMilliseconds: "300000",
  qtyLimit: '"2.5"',
  deltaLimit: '"2.3"',
};
type Fields = Record<string, string | undefined>;

function literal(overrides: Fields = {}, extra = ""): string {
  const all: Fields = { ...fields, ...overrides };
  const body = Object.entries(all)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ");
  return `mutation { setMmpConfig(input: { ${body}${extra} }) { qtyLimit } }`;
}

const SET = "mutation($input: SetMmpConfigInput!) { setMmpConfig(input: $input) { qtyLimit } }";
const validInput = {
  accountId: "desk-a",
  underlying: "BTCUSDT",
  windowTimeInMilliseconds: 3000,
  frozenTimeInMilliseconds: 300000,
  qtyLimit: "2.5",
  deltaLimit: "2.3",
};

function expectBadInput(outcome: Outcome, field: string | undefined): void {
  expect(outcome.errors).toHaveLength(1);
  const [error] = outcome.errors;
  expect(error?.extensions).toEqual(
    field === undefined ? { code: "BAD_USER_INPUT" } : { code: "BAD_USER_INPUT", field },
  );
  if (field !== undefined) expect(error?.message.startsWith(`${field}: `)).toBe(true);
  expect(outcome.status).toBe(400);
  expect(calls).toHaveLength(0);
}

describe("invalid literal values become BAD_USER_INPUT naming the field", () => {
  it.each([
    ["a Decimal in exponent notation", { qtyLimit: "1e3" }, "qtyLimit"],
    ["a Decimal string with '+'", { deltaLimit: '"+1"' }, "deltaLimit"],
    ["a Decimal given as a boolean", { qtyLimit: "true" }, "qtyLimit"],
    ["a Long with a fraction", { frozenTimeInMilliseconds: "1.5" }, "frozenTimeInMilliseconds"],
    ["a Long out of range", { frozenTimeInMilliseconds: "9223372036854775808" }, "frozenTimeInMilliseconds"],
    ["an Int given as a string", { windowTimeInMilliseconds: '"3000"' }, "windowTimeInMilliseconds"],
    ["an Int above 32 bits", { windowTimeInMilliseconds: "3000000000" }, "windowTimeInMilliseconds"],
    ["a String given as a number", { underlying: "42" }, "underlying"],
    ["null for a required field", { qtyLimit: "null" }, "qtyLimit"],
    ["a missing field", { qtyLimit: undefined }, "qtyLimit"],
  ])("%s", async (_name, overrides, field) => {
    const outcome = await run(literal(overrides));
    expectBadInput(outcome, field);
    expect(outcome.errors[0]?.locations).toBeDefined();
  });

  it("an unknown field", async () => {
    expectBadInput(await run(literal({}, ", qtyLimitt: 1")), "qtyLimitt");
  });

  it("a field given twice", async () => {
    expectBadInput(await run(literal({}, ', qtyLimit: "3"')), "qtyLimit");
  });

  it("the whole input of the wrong type", async () => {
    expectBadInput(await run('mutation { setMmpConfig(input: "x") { qtyLimit } }'), "input");
  });

  it("a missing input argument", async () => {
    expectBadInput(await run("mutation { setMmpConfig { qtyLimit } }"), "input");
  });

  it("names each field when several identical bad literals appear", async () => {
    const outcome = await run(literal({ qtyLimit: "1e3", deltaLimit: "1e3" }));
    expect(outcome.errors.map((e) => e.extensions?.field)).toEqual(["qtyLimit", "deltaLimit"]);
    expect(outcome.errors.every((e) => e.extensions?.code === "BAD_USER_INPUT")).toBe(true);
  });

  it("keeps the scalar's explanation in the message", async () => {
    const outcome = await run(literal({ qtyLimit: "1e3" }));
    expect(outcome.errors[0]?.message).toMatch(
      /^qtyLimit: Expected value of type "Decimal!", found 1e3; .*plain notation/,
    );
  });
});

describe("invalid variable values become BAD_USER_INPUT naming the field", () => {
  it.each([
    ["a Decimal string in exponent notation", { qtyLimit: "1e3" }, "qtyLimit"],
    ["a Decimal number with 17 digits", { qtyLimit: 0.1 + 0.2 }, "qtyLimit"],
    ["a Long that is not a safe integer", { frozenTimeInMilliseconds: 2 ** 60 }, "frozenTimeInMilliseconds"],
    ["a Long given as a float", { frozenTimeInMilliseconds: 1.5 }, "frozenTimeInMilliseconds"],
    ["an Int given as a string", { windowTimeInMilliseconds: "3000" }, "windowTimeInMilliseconds"],
    ["null for a required field", { qtyLimit: null }, "qtyLimit"],
    ["a missing field", { qtyLimit: undefined }, "qtyLimit"],
    ["an unknown field", { qtyLimitt: "1" }, "qtyLimitt"],
  ])("%s", async (_name, overrides, field) => {
    expectBadInput(await run(SET, { input: { ...validInput, ...overrides } }), field);
  });

  it("a missing variable", async () => {
    expectBadInput(await run(SET, {}), "input");
  });

  it("a variable of the wrong shape", async () => {
    expectBadInput(await run(SET, { input: "x" }), "input");
  });

  it("a scalar variable used inside a literal input", async () => {
    const query = `mutation($q: Decimal!) { setMmpConfig(input: {
      accountId: "a", underlying: "BTCUSDT", windowTimeInMilliseconds: 1, frozenTimeInMilliseconds: 1,
      qtyLimit: $q, deltaLimit: "1" }) { qtyLimit } }`;
    expectBadInput(await run(query, { q: "1e3" }), "qtyLimit");
  });
});

describe("other request errors keep Apollo's codes", () => {
  it("a syntax error is GRAPHQL_PARSE_FAILED", async () => {
    const outcome = await run("mutation { setMmpConfig(");
    expect(outcome.errors[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
  });

  it("an unknown field is GRAPHQL_VALIDATION_FAILED", async () => {
    const outcome = await run("{ nope }");
    expect(outcome.errors[0]?.extensions).toEqual({ code: "GRAPHQL_VALIDATION_FAILED" });
  });

  it("a variable declared with the wrong type is a document error, GRAPHQL_VALIDATION_FAILED", async () => {
    const outcome = await run("mutation($input: String!) { setMmpConfig(input: $input) { qtyLimit } }", {
      input: "x",
    });
    expect(outcome.errors[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});

describe("errors from execution", () => {
  it("passes a GatewayError with its message and extensions", async () => {
    behaviour = async () => {
      throw exchangeRejected(-1130, "Invalid parameter.", "Is MMP enabled for this account?");
    };
    const outcome = await run(SET, { input: validInput });
    expect(outcome.errors).toEqual([
      {
        message:
          "The exchange rejected the request (-1130: Invalid parameter.). Is MMP enabled for this account?",
        locations: [{ line: 1, column: 40 }],
        path: ["setMmpConfig"],
        extensions: { code: "EXCHANGE_REJECTED", exchangeCode: -1130, exchangeMessage: "Invalid parameter." },
      },
    ]);
    expect(logs).toEqual([]);
  });

  it.each([
    ["FORBIDDEN", forbidden()],
    ["RATE_LIMITED", rateLimited(30, "exchange weight")],
    ["BAD_USER_INPUT", new GatewayError("BAD_USER_INPUT", "qtyLimit: must be > 0", { field: "qtyLimit" })],
  ])("passes %s", async (code, error) => {
    behaviour = async () => {
      throw error;
    };
    const outcome = await run(SET, { input: validInput });
    expect(outcome.errors[0]?.message).toBe(error.message);
    expect(outcome.errors[0]?.extensions).toEqual(error.extensions);
    expect(outcome.errors[0]?.extensions?.code).toBe(code);
  });

  it("masks a plain Error and logs it with the request id", async () => {
    behaviour = async () => {
      throw new Error("SQLITE_BUSY: database is locked at /var/lib/secret.sqlite");
    };
    const outcome = await run(SET, { input: validInput });
    expect(outcome.errors).toEqual([
      {
        message: "Internal server error",
        locations: [{ line: 1, column: 40 }],
        path: ["setMmpConfig"],
        extensions: { code: "INTERNAL_SERVER_ERROR" },
      },
    ]);
    expect(JSON.stringify(outcome)).not.toMatch(/SQLITE|secret|stack/i);
    expect(logs).toHaveLength(1);
    const entry = JSON.parse(logs[0] ?? "{}") as {
      requestId?: string;
      err?: { message?: string; stack?: string };
    };
    expect(entry.requestId).toBe("req-42");
    expect(entry.err?.message).toContain("SQLITE_BUSY");
    expect(entry.err?.stack).toBeDefined();
  });

  it("masks a result the scalars cannot serialize (a float where a Decimal belongs)", async () => {
    behaviour = async (request) => ({
      ...(await echo(request)),
      qtyLimit: 0.30000000000000004 as unknown as string,
    });
    const outcome = await run(SET, { input: validInput });
    expect(outcome.errors[0]?.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR" });
    expect(outcome.errors[0]?.message).toBe("Internal server error");
    expect(logs).toHaveLength(1);
  });

  it("masks a GraphQLError thrown with a foreign code", async () => {
    behaviour = async () => {
      throw new GraphQLError("relation audit_log does not exist", { extensions: { code: "DB_ERROR" } });
    };
    const outcome = await run(SET, { input: validInput });
    expect(outcome.errors[0]).toMatchObject({
      message: "Internal server error",
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
  });
});

describe("formatGatewayError on its own", () => {
  it("masks something that is not an error at all", () => {
    expect(formatGatewayError({ message: "boom" }, "boom")).toEqual({
      message: "Internal server error",
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
  });

  it("masks a code-less GraphQLError raised outside execution", () => {
    const wrapped = new GraphQLError("Context creation failed: ECONNREFUSED 10.0.0.5:5432");
    expect(
      formatGatewayError(
        { message: wrapped.message, extensions: { code: "INTERNAL_SERVER_ERROR" } },
        wrapped,
      ),
    ).toEqual({
      message: "Internal server error",
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
  });

  it("never returns transport details or stack traces in extensions", () => {
    const error = new GraphQLError("Authentication required", {
      extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
    });
    expect(
      formatGatewayError(
        { message: error.message, extensions: { code: "UNAUTHENTICATED", stacktrace: ["at x"] } },
        error,
      ),
    ).toEqual({ message: "Authentication required", extensions: { code: "UNAUTHENTICATED" } });
  });
});
