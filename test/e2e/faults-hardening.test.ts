/**
 * Hostile or runaway requests against the real gateway, configured as in production
 * (NODE_ENV=production): query limits, batching, body size, CSRF, introspection. Each refusal is
 * cheap, clear, and leaves the gateway serving the next ordinary request.
 */
import { loadConfig } from "../../src/config";
import { freshInput, SET_MMP, startFaultHarness, type FaultHarness } from "../helpers/fault-harness";

let h: FaultHarness;
let token: string;

beforeAll(async () => {
  h = await startFaultHarness({ env: { NODE_ENV: "production" } });
  token = h.tokens.alice!;
});
afterAll(() => h?.stop());

async function post(body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    body: JSON.parse(text) as {
      data?: unknown;
      errors?: { message: string; extensions?: Record<string, unknown> }[];
    },
  };
}

const query = (q: string) => post(JSON.stringify({ query: q }));

function messages(answer: { body: { errors?: { message: string }[] } }): string {
  return (answer.body.errors ?? []).map((e) => e.message).join(" | ");
}

afterEach(async () => {
  // whatever was refused, the next ordinary request is served
  const ok = await query("{ me { id name } }");
  expect(ok.status).toBe(200);
  expect(ok.body.errors).toBeUndefined();
});

describe("query limits (graphql-armor)", () => {
  it("depth", async () => {
    const answer = await query("{ me { teams { a { b { c { d { e { f { g { h { i } } } } } } } } } } }");
    expect(answer.status).toBe(400);
    expect(messages(answer)).toMatch(/Query depth limit of 10 exceeded/);
    expect(answer.body.errors?.find((e) => /depth/.test(e.message))?.extensions).toEqual({
      code: "GRAPHQL_VALIDATION_FAILED",
    });
  });

  it("aliases", async () => {
    const fields = Array.from({ length: 16 }, (_, i) => `a${i}: me { id }`).join(" ");
    const answer = await query(`{ ${fields} }`);
    expect(answer.status).toBe(400);
    expect(messages(answer)).toMatch(/Aliases limit of 15 exceeded/);
  });

  it("aliased mutations are limited too (each would reach the exchange)", async () => {
    const fields = Array.from(
      { length: 16 },
      (_, i) => `m${i}: setMmpConfig(input: $input) { qtyLimit }`,
    ).join(" ");
    h.sim.clearRequests();
    const answer = await post(
      JSON.stringify({
        query: `mutation M($input: SetMmpConfigInput!) { ${fields} }`,
        variables: { input: freshInput() },
      }),
    );
    expect(answer.status).toBe(400);
    expect(messages(answer)).toMatch(/Aliases limit/);
    expect(h.sim.requests).toHaveLength(0);
  });

  it("cost: a fragment bomb is refused during validation, fast", async () => {
    const level = (n: number) =>
      `fragment F${n} on User { ${Array.from({ length: 10 }, () => `...F${n - 1}`).join(" ")} }`;
    const doc = [
      "{ me { ...F4 } }",
      "fragment F0 on User { id name admin }",
      level(1),
      level(2),
      level(3),
      level(4),
    ].join("\n");
    const started = Date.now();
    const answer = await query(doc);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(answer.status).toBe(400);
    expect(messages(answer)).toMatch(/Query Cost limit of 5000 exceeded/);
  });

  it("tokens", async () => {
    const answer = await query(`{ me { ${"id ".repeat(2100)} } }`);
    expect(answer.status).toBe(400);
    expect(messages(answer)).toMatch(/Document contains more tha[nt] 2000 tokens/);
    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: "GRAPHQL_PARSE_FAILED" });
    expect(answer.text).not.toMatch(/\.js:\d+|node_modules/);
  });

  it("directives", async () => {
    const answer = await query(`{ me { id ${"@skip(if: false) ".repeat(21)} } }`);
    expect(answer.status).toBe(400);
    expect(messages(answer)).toMatch(/Directives limit of 20 exceeded/);
  });

  it("field suggestions are masked; BAD_USER_INPUT still names the field", async () => {
    const answer = await query("{ me { nmae } }");
    expect(answer.status).toBe(400);
    expect(messages(answer)).not.toMatch(/Did you mean/);
    const bad = await post(
      JSON.stringify({ query: SET_MMP, variables: { input: { ...freshInput(), qtyLimt: "1" } } }),
    );
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "qtyLimt" });
  });
});

describe("HTTP", () => {
  it("batching is off: an array of operations is refused", async () => {
    const answer = await post(JSON.stringify([{ query: "{ me { id } }" }, { query: "{ me { id } }" }]));
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/batching/i);
  });

  it("a body over 100 kB is refused with 413 before GraphQL sees it", async () => {
    const answer = await post(JSON.stringify({ query: `{ me { id } } # ${"x".repeat(101 * 1024)}` }));
    expect(answer.status).toBe(413);
    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: "BAD_REQUEST" });
  });

  it("CSRF prevention: a 'simple' cross-site POST and a mutation over GET are refused, nothing sent", async () => {
    h.sim.clearRequests();
    const body = JSON.stringify({ query: SET_MMP, variables: { input: freshInput() } });
    const simple = await post(body, { "content-type": "text/plain" });
    expect(simple.status).toBe(400);
    const form = await post(body, { "content-type": "application/x-www-form-urlencoded" });
    expect(form.status).toBe(400);
    const viaGet = await fetch(
      `${h.url}/graphql?query=${encodeURIComponent('mutation { setMmpConfig(input: {accountId: "desk-a", underlying: "BTCUSDT", windowTimeInMilliseconds: 1000, frozenTimeInMilliseconds: 0, qtyLimit: "1", deltaLimit: "1"}) { qtyLimit } }')}`,
      { headers: { authorization: `Bearer ${token}`, "apollo-require-preflight": "true" } },
    );
    expect(viaGet.status).toBe(405);
    expect(h.sim.requests).toHaveLength(0);
  });
});

describe("introspection", () => {
  it("is off with NODE_ENV=production", async () => {
    const answer = await query("{ __schema { queryType { name } } }");
    expect(answer.status).toBe(400);
    expect(messages(answer)).toMatch(/introspection/i);
    const type = await query('{ __type(name: "Query") { name } }');
    expect(type.status).toBe(400);
  });

  it("GRAPHQL_INTROSPECTION decides, in production too", () => {
    expect(loadConfig({ NODE_ENV: "production" }).introspection).toBe(false);
    expect(loadConfig({ NODE_ENV: "production", GRAPHQL_INTROSPECTION: "true" }).introspection).toBe(true);
    expect(loadConfig({}).introspection).toBe(true);
    expect(loadConfig({ GRAPHQL_INTROSPECTION: "false" }).introspection).toBe(false);
  });
});
