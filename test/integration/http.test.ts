/**
 * The HTTP surface over real HTTP: the app listens on 127.0.0.1 on a free port and is driven with fetch.
 * The authenticator and the MMP service are fakes, so these tests pin down the HTTP/GraphQL contract only.
 */
import pino from "pino";
import type { Authenticator } from "../../src/auth/auth.types";
import type { Principal } from "../../src/domain";
import { exchangeUnavailable, unauthenticated } from "../../src/errors";
import { buildGatewaySchema } from "../../src/graphql/build-schema";
import { createHttpApp, type HttpApp } from "../../src/http/create-http-app";
import type { ReadinessReport } from "../../src/http/health.routes";
import type { AccountMmpConfig, SetMmpConfigRequest } from "../../src/mmp/mmp.types";
import { SetOnlyMmpService } from "../helpers/fake-mmp";

const principal: Principal = {
  userId: "u-7",
  userName: "trader-tom",
  admin: false,
  roles: new Map([["desk-a", "trader"]]),
  tokenId: "tok-1",
};

const authenticator: Authenticator = {
  async authenticate(header) {
    if (header === "Bearer good") return principal;
    if (header === "Bearer explode") throw new Error("connect ECONNREFUSED 10.1.2.3:5432 (user=gateway)");
    throw unauthenticated();
  },
};

class FakeMmpService extends SetOnlyMmpService {
  readonly calls: { principal: Principal; request: SetMmpConfigRequest }[] = [];
  behaviour: (request: SetMmpConfigRequest) => Promise<AccountMmpConfig> = async (request) => ({
    ...request,
    deltaLimit: request.deltaLimit ?? null,
    observedAt: 1_700_000_000_000,
    underlyingId: 2,
    lastTriggerTime: 1700000000123n,
  });
  async setMmpConfig(caller: Principal, request: SetMmpConfigRequest): Promise<AccountMmpConfig> {
    this.calls.push({ principal: caller, request });
    return this.behaviour(request);
  }
}

const mmp = new FakeMmpService();
const logs: string[] = [];
let readiness: () => Promise<ReadinessReport>;
let http: HttpApp;
let base: string;

beforeAll(async () => {
  http = createHttpApp({
    schema: await buildGatewaySchema(),
    authenticator,
    services: { mmp },
    logger: pino({ level: "warn" }, { write: (line: string) => void logs.push(line) }),
    ready: () => readiness(),
    stopGracePeriodMillis: 1000,
  });
  base = (await http.listen({ port: 0, host: "127.0.0.1" })).url;
});

afterAll(() => http.stop());

beforeEach(() => {
  mmp.calls.length = 0;
  mmp.behaviour = new FakeMmpService().behaviour;
  logs.length = 0;
  readiness = async () => ({ ok: true, details: { database: "ok" } });
});

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: GraphQLBody;
}

async function post(
  payload: unknown,
  headers: Record<string, string> = { authorization: "Bearer good" },
): Promise<Answer> {
  const res = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof payload === "string" ? payload : JSON.stringify(payload),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: JSON.parse(text) as GraphQLBody };
}

const SELECTION =
  "accountId underlyingId underlying windowTimeInMilliseconds frozenTimeInMilliseconds qtyLimit deltaLimit lastTriggerTime";
const SET = `mutation Set($input: SetMmpConfigInput!) { setMmpConfig(input: $input) { ${SELECTION} } }`;
const validInput = {
  accountId: "desk-a",
  underlying: "BTCUSDT",
  windowTimeInMilliseconds: 3000,
  frozenTimeInMilliseconds: "300000",
  qtyLimit: "12345678.123456789",
  deltaLimit: "2.30",
};

describe("authentication", () => {
  it("answers 401 UNAUTHENTICATED without an Authorization header, before any resolver runs", async () => {
    const answer = await post({ query: SET, variables: { input: validInput } }, {});
    expect(answer.status).toBe(401);
    expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(answer.headers.get("content-type")).toMatch(/application\/json/);
    expect(answer.body).toEqual({
      errors: [{ message: unauthenticated().message, extensions: { code: "UNAUTHENTICATED" } }],
    });
    expect(mmp.calls).toHaveLength(0);
  });

  it("answers 401 UNAUTHENTICATED for an unknown token", async () => {
    const answer = await post({ query: "{ me { id } }" }, { authorization: "Bearer nope" });
    expect(answer.status).toBe(401);
    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: "UNAUTHENTICATED" });
    expect(answer.body.data).toBeUndefined();
  });

  it("masks an authenticator fault as a 500 and logs it with the request id", async () => {
    const answer = await post({ query: "{ me { id } }" }, { authorization: "Bearer explode" });
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({
      errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }],
    });
    expect(answer.text).not.toMatch(/ECONNREFUSED|10\.1\.2\.3|gateway/);
    const entry = JSON.parse(logs[0] ?? "{}") as { requestId?: string; err?: { message?: string } };
    expect(entry.requestId).toBe(answer.headers.get("x-request-id"));
    expect(entry.err?.message).toContain("ECONNREFUSED");
  });

  it("answers me from the principal", async () => {
    const answer = await post({ query: "{ me { id name admin } }" });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: { me: { id: "u-7", name: "trader-tom", admin: false } } });
  });
});

describe("setMmpConfig carries exact values", () => {
  it("passes literals to the service as written: decimals as their text, Long as bigint", async () => {
    const answer = await post({
      query: `mutation { setMmpConfig(input: {
        accountId: "desk-a", underlying: "BTCUSDT", windowTimeInMilliseconds: 3000,
        frozenTimeInMilliseconds: "300000", qtyLimit: 12345678.123456789, deltaLimit: 2.30
      }) { ${SELECTION} } }`,
    });
    expect(answer.status).toBe(200);
    expect(mmp.calls).toEqual([
      {
        // this request's copy of the principal, naming the request for the service's log lines
        principal: { ...principal, requestId: answer.headers.get("x-request-id") },
        request: {
          accountId: "desk-a",
          underlying: "BTCUSDT",
          windowTimeInMilliseconds: 3000,
          frozenTimeInMilliseconds: 300000n,
          qtyLimit: "12345678.123456789",
          deltaLimit: "2.30",
        },
      },
    ]);
  });

  it("passes string variables verbatim", async () => {
    await post({ query: SET, variables: { input: validInput } });
    expect(mmp.calls[0]?.request).toEqual({ ...validInput, frozenTimeInMilliseconds: 300000n });
  });

  it("accepts short JSON numbers for Decimal and Long variables", async () => {
    await post({
      query: SET,
      variables: {
        input: { ...validInput, qtyLimit: 2.3, deltaLimit: 0.000001, frozenTimeInMilliseconds: 0 },
      },
    });
    expect(mmp.calls[0]?.request).toMatchObject({
      qtyLimit: "2.3",
      deltaLimit: "0.000001",
      frozenTimeInMilliseconds: 0n,
    });
  });

  it("answers Longs as JSON numbers and Decimals as strings", async () => {
    const answer = await post({ query: SET, variables: { input: validInput } });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(
      '{"data":{"setMmpConfig":{"accountId":"desk-a","underlyingId":2,"underlying":"BTCUSDT",' +
        '"windowTimeInMilliseconds":3000,"frozenTimeInMilliseconds":300000,"qtyLimit":"12345678.123456789",' +
        '"deltaLimit":"2.30","lastTriggerTime":1700000000123}}}\n',
    );
  });

  it("answers a Long beyond 2^53 as a string of digits", async () => {
    mmp.behaviour = async (request) => ({
      ...request,
      deltaLimit: request.deltaLimit ?? null,
      observedAt: 1_700_000_000_000,
      underlyingId: 2,
      lastTriggerTime: 2n ** 60n,
    });
    const answer = await post({ query: SET, variables: { input: validInput } });
    expect(answer.text).toContain('"lastTriggerTime":"1152921504606846976"');
  });
});

describe("bad input values are BAD_USER_INPUT naming the field, and never reach the service", () => {
  it.each<[string, { query: string; variables?: Record<string, unknown> }, string]>([
    [
      "a Decimal literal in exponent notation",
      {
        query: `mutation { setMmpConfig(input: { accountId: "desk-a", underlying: "BTCUSDT",
          windowTimeInMilliseconds: 3000, frozenTimeInMilliseconds: 1, qtyLimit: 1e3, deltaLimit: "1" }) { qtyLimit } }`,
      },
      "qtyLimit",
    ],
    [
      "a Long literal with a fraction",
      {
        query: `mutation { setMmpConfig(input: { accountId: "desk-a", underlying: "BTCUSDT",
          windowTimeInMilliseconds: 3000, frozenTimeInMilliseconds: 1.5, qtyLimit: "1", deltaLimit: "1" }) { qtyLimit } }`,
      },
      "frozenTimeInMilliseconds",
    ],
    [
      "a Decimal variable with 17 digits",
      { query: SET, variables: { input: { ...validInput, qtyLimit: 0.1 + 0.2 } } },
      "qtyLimit",
    ],
    [
      "a Decimal variable with a '+'",
      { query: SET, variables: { input: { ...validInput, deltaLimit: "+2" } } },
      "deltaLimit",
    ],
    [
      "a Long variable too large",
      {
        query: SET,
        variables: { input: { ...validInput, frozenTimeInMilliseconds: "9223372036854775808" } },
      },
      "frozenTimeInMilliseconds",
    ],
    [
      "an Int variable given as a string",
      { query: SET, variables: { input: { ...validInput, windowTimeInMilliseconds: "3000" } } },
      "windowTimeInMilliseconds",
    ],
    [
      "a missing field",
      { query: SET, variables: { input: { ...validInput, underlying: undefined } } },
      "underlying",
    ],
  ])("%s", async (_name, payload, field) => {
    const answer = await post(payload);
    expect(answer.status).toBe(400);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field });
    expect(answer.body.errors?.[0]?.message).toMatch(new RegExp(`^${field}: `));
    expect(mmp.calls).toHaveLength(0);
  });
});

describe("errors from the service", () => {
  it("pass a GatewayError with its code and extensions", async () => {
    mmp.behaviour = async () => {
      throw exchangeUnavailable("UNKNOWN", "timeout after 1000 ms");
    };
    const answer = await post({ query: SET, variables: { input: validInput } });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toBeNull();
    expect(answer.body.errors).toEqual([
      {
        message: exchangeUnavailable("UNKNOWN", "timeout after 1000 ms").message,
        locations: [{ line: 1, column: 44 }],
        path: ["setMmpConfig"],
        extensions: { code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" },
      },
    ]);
  });

  it("mask a plain Error as INTERNAL_SERVER_ERROR and log it with the request id", async () => {
    mmp.behaviour = async () => {
      throw new Error("SQLITE_CORRUPT at /var/lib/mmp/gateway.sqlite");
    };
    const answer = await post(
      { query: SET, variables: { input: validInput } },
      {
        authorization: "Bearer good",
        "x-request-id": "trace-123",
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toEqual([
      {
        message: "Internal server error",
        locations: [{ line: 1, column: 44 }],
        path: ["setMmpConfig"],
        extensions: { code: "INTERNAL_SERVER_ERROR" },
      },
    ]);
    expect(answer.text).not.toMatch(/SQLITE|sqlite|stack|at /);
    expect(logs).toHaveLength(1);
    const entry = JSON.parse(logs[0] ?? "{}") as { requestId?: string; err?: { message?: string } };
    expect(entry.requestId).toBe("trace-123");
    expect(entry.err?.message).toContain("SQLITE_CORRUPT");
  });
});

describe("probes", () => {
  it("GET /healthz answers 200 ok", async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("GET /readyz answers 200 with details when ready", async () => {
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", details: { database: "ok" } });
  });

  it("GET /readyz answers 503 with details when not ready", async () => {
    readiness = async () => ({ ok: false, details: { database: "unavailable" } });
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "unavailable", details: { database: "unavailable" } });
  });

  it("GET /readyz answers 503 without the error's text when the check throws", async () => {
    readiness = async () => {
      throw new Error("password authentication failed for user gateway");
    };
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.text()).not.toMatch(/password/);
    expect(logs.join("")).toMatch(/password authentication failed/);
  });
});

describe("HTTP hygiene", () => {
  it("serves no landing page: a browser GET /graphql gets no HTML and nothing from a CDN", async () => {
    const res = await fetch(`${base}/graphql`, { headers: { accept: "text/html" } });
    const text = await res.text();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers.get("content-type")).not.toMatch(/html/);
    expect(text).not.toMatch(/<script|<html|cdn|apollographql\.com/i);
  });

  it("still serves queries over GET with a CSRF-safe header", async () => {
    const res = await fetch(`${base}/graphql?query=${encodeURIComponent("{ me { id } }")}`, {
      headers: { authorization: "Bearer good", "apollo-require-preflight": "true" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { me: { id: "u-7" } } });
  });

  it("blocks a simple (CSRF-able) POST", async () => {
    const res = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { authorization: "Bearer good", "content-type": "text/plain" },
      body: JSON.stringify({ query: SET, variables: { input: validInput } }),
    });
    expect(res.status).toBe(400);
    expect(mmp.calls).toHaveLength(0);
  });

  it("refuses a body over 100 kB with 413", async () => {
    const answer = await post({ query: `{ me { id } } # ${"x".repeat(110 * 1024)}` });
    expect(answer.status).toBe(413);
    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: "BAD_REQUEST" });
  });

  it("refuses malformed JSON with 400", async () => {
    const answer = await post('{"query": ');
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: "BAD_REQUEST" });
  });

  describe("POST /graphql answers alike on the direct path and through Express", () => {
    // "application/json" takes the direct path; a parameter the direct path does not know (body-parser
    // reads it all the same) takes Express's route.
    const DIRECT = "application/json";
    const EXPRESS = "application/json; profile=x";
    async function both(body: string, headers: Record<string, string> = {}) {
      const send = (type: string) =>
        fetch(`${base}/graphql`, {
          method: "POST",
          headers: { authorization: "Bearer good", "content-type": type, ...headers },
          body,
        });
      const answers = [await send(DIRECT), await send(EXPRESS)];
      return Promise.all(
        answers.map(async (r) => ({
          status: r.status,
          body: await r.text(),
          type: r.headers.get("content-type"),
          nosniff: r.headers.get("x-content-type-options"),
          requestId: r.headers.get("x-request-id"),
          etag: r.headers.get("etag"),
          wwwAuthenticate: r.headers.get("www-authenticate"),
        })),
      );
    }
    const same = (a: Record<string, unknown>, b: Record<string, unknown>) => {
      expect({ ...a, requestId: typeof a.requestId }).toEqual({ ...b, requestId: typeof b.requestId });
    };

    it("a mutation", async () => {
      const [direct, viaExpress] = await both(
        JSON.stringify({ query: SET, variables: { input: validInput } }),
      );
      expect(direct?.status).toBe(200);
      expect(direct?.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(direct?.nosniff).toBe("nosniff");
      expect(direct?.etag).toBeNull();
      same(direct!, viaExpress!);
    });

    it("a body too large, malformed JSON, a bad variable, no token", async () => {
      for (const [body, headers] of [
        [JSON.stringify({ query: `{ me { id } } # ${"x".repeat(110 * 1024)}` }), {}],
        ['{"query": ', {}],
        ["  nope", {}],
        [JSON.stringify({ query: SET, variables: { input: { ...validInput, qtyLimit: "1e5" } } }), {}],
        [JSON.stringify({ query: "{ me { id } }" }), { authorization: "Bearer bad" }],
      ] as const) {
        const [direct, viaExpress] = await both(body, headers);
        expect(direct?.status).toBeGreaterThanOrEqual(400);
        same(direct!, viaExpress!);
      }
    });

    it("keeps a caller's sane request id on the direct path", async () => {
      const res = await fetch(`${base}/graphql`, {
        method: "POST",
        headers: { authorization: "Bearer good", "content-type": DIRECT, "x-request-id": "trace-77" },
        body: JSON.stringify({ query: "{ me { id } }" }),
      });
      expect(res.headers.get("x-request-id")).toBe("trace-77");
    });
  });

  it("gives every response a request id, reusing a sane x-request-id", async () => {
    const given = await fetch(`${base}/healthz`, { headers: { "x-request-id": "abc-123.def:9" } });
    expect(given.headers.get("x-request-id")).toBe("abc-123.def:9");
    const generated = await fetch(`${base}/healthz`);
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const insane = await fetch(`${base}/healthz`, { headers: { "x-request-id": "a b<script>" } });
    expect(insane.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const tooLong = await fetch(`${base}/healthz`, { headers: { "x-request-id": "a".repeat(129) } });
    expect(tooLong.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers unknown paths with a JSON 404", async () => {
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/json/);
  });
});
