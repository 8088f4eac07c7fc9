/**
 * Operations surface of one gateway (in-process, SQLite, the simulator over HTTP): Prometheus metrics
 * on GET /metrics, structured logs with a request id on every line of a request and no secrets, and
 * /readyz.
 */
import { ExchangeSimulator } from "../../src/simulator";
import { createLogger } from "../../src/observability/logger";
import {
  gql,
  LogCapture,
  mmpInput,
  seededSqlite,
  SET_MMP,
  startInProcess,
  waitFor,
  type InProcessGateway,
  type SeededDatabase,
} from "../helpers/gateway-fixture";

let sim: ExchangeSimulator;
let simUrl: string;
let db: SeededDatabase;
let gw: InProcessGateway;

beforeAll(async () => {
  sim = new ExchangeSimulator();
  simUrl = await sim.start();
  db = await seededSqlite(sim, simUrl);
  gw = await startInProcess(db, simUrl);
});

afterAll(async () => {
  await gw?.stop();
  await db?.close();
  await sim?.stop();
});

async function scrape(): Promise<{ contentType: string | null; text: string }> {
  const res = await fetch(`${gw.url}/metrics`);
  expect(res.status).toBe(200);
  return { contentType: res.headers.get("content-type"), text: await res.text() };
}

/** The value of one sample, e.g. sample(text, 'mmp_gateway_x{a="b"}'); undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("GET /metrics", () => {
  it("counts GraphQL operations by name and outcome, and exchange calls by endpoint and status", async () => {
    const t = db.seed.tokens;
    expect((await gql(gw.url, t.alice, "query Me { me { name } }")).body.data).toEqual({
      me: { name: "alice" },
    });
    expect((await gql(gw.url, t.alice, SET_MMP, { input: mmpInput("desk-a") })).body.errors).toBeUndefined();
    // rita is a viewer on desk-a
    const forbidden = await gql(gw.url, t.rita, SET_MMP, { input: mmpInput("desk-a") });
    expect(forbidden.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await gql(gw.url, "mgw_not-a-token", "query Me { me { name } }")).status).toBe(401);
    expect((await gql(gw.url, t.alice, "{ me { name } }")).status).toBe(200);
    expect((await gql(gw.url, t.alice, "query Broken { me { nope } }")).status).toBe(400);

    const { contentType, text } = await scrape();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const ops = "mmp_gateway_graphql_operations_total";
    expect(sample(text, `${ops}{operation="Me",outcome="ok"}`)).toBe(1);
    expect(sample(text, `${ops}{operation="Set",outcome="ok"}`)).toBe(1);
    expect(sample(text, `${ops}{operation="Set",outcome="FORBIDDEN"}`)).toBe(1);
    expect(sample(text, `${ops}{operation="anonymous",outcome="ok"}`)).toBe(1);
    expect(sample(text, `${ops}{operation="unresolved",outcome="UNAUTHENTICATED"}`)).toBe(1);
    expect(sample(text, `${ops}{operation="unresolved",outcome="GRAPHQL_VALIDATION_FAILED"}`)).toBe(1);
    expect(
      sample(text, `mmp_gateway_graphql_operation_duration_seconds_count{operation="Set",outcome="ok"}`),
    ).toBe(1);

    const exchange = "mmp_gateway_exchange_request_duration_seconds";
    expect(sample(text, `${exchange}_count{method="POST",endpoint="/eapi/v1/mmpSet",status="200"}`)).toBe(1);
    expect(
      sample(text, `${exchange}_count{method="GET",endpoint="/eapi/v1/exchangeInfo",status="200"}`),
    ).toBe(1);
    expect(
      sample(text, `${exchange}_bucket{le="+Inf",method="POST",endpoint="/eapi/v1/mmpSet",status="200"}`),
    ).toBe(1);

    const host = new URL(simUrl).origin;
    expect(sample(text, `mmp_gateway_exchange_used_weight{host="${host}"}`)).toBeGreaterThan(0);
    expect(sample(text, `mmp_gateway_exchange_weight_limit{host="${host}"}`)).toBe(2400);
    expect(sample(text, `mmp_gateway_exchange_backoff_remaining_seconds{host="${host}"}`)).toBe(0);
    expect(sample(text, "mmp_gateway_audit_pending_records")).toBe(0);
    // no Redis configured: no Redis gauge
    expect(text).not.toContain("mmp_gateway_redis_up");
    // default process metrics, without a prefix, as dashboards expect them
    expect(sample(text, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(text).toContain("nodejs_heap_size_used_bytes");
  });

  it("shows an exchange call in flight as a PENDING audit record, and failures by status", async () => {
    sim.injectFault({ kind: "delay", ms: 800 }, { path: "/eapi/v1/mmpSet" });
    const slow = gql(gw.url, db.seed.tokens.alice, SET_MMP, { input: mmpInput("desk-a", "3") });
    await waitFor("the PENDING record", async () =>
      sample((await scrape()).text, "mmp_gateway_audit_pending_records") === 1 ? true : undefined,
    );
    expect((await slow).body.errors).toBeUndefined();
    expect(sample((await scrape()).text, "mmp_gateway_audit_pending_records")).toBe(0);

    sim.injectFault({ kind: "rateLimit", status: 429, retryAfterSeconds: 1 }, { path: "/eapi/v1/mmpSet" });
    const limited = await gql(gw.url, db.seed.tokens.alice, SET_MMP, { input: mmpInput("desk-a") });
    expect(limited.body.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    const { text } = await scrape();
    expect(
      sample(
        text,
        `mmp_gateway_exchange_request_duration_seconds_count{method="POST",endpoint="/eapi/v1/mmpSet",status="429"}`,
      ),
    ).toBe(1);
    expect(sample(text, `mmp_gateway_graphql_operations_total{operation="Set",outcome="RATE_LIMITED"}`)).toBe(
      1,
    );
    expect(
      sample(text, `mmp_gateway_exchange_backoff_remaining_seconds{host="${new URL(simUrl).origin}"}`),
    ).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1100)); // let the back-off end for the next tests
  });
});

describe("logs", () => {
  it("carry the request id on every line written for a request", async () => {
    const requestId = "ops-test-42";
    sim.injectFault({ kind: "rateLimit", status: 429, retryAfterSeconds: 1 }, { path: "/eapi/v1/mmpSet" });
    const from = gw.logs.lines.length;
    const answer = await gql(
      gw.url,
      db.seed.tokens.alice,
      SET_MMP,
      { input: mmpInput("desk-a", "4") },
      { "x-request-id": requestId },
    );
    expect(answer.requestId).toBe(requestId);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    const lines = gw.logs.lines.slice(from);
    // the exchange client's debug line and its rate-limit warning, several layers below the HTTP handler
    expect(lines.find((l) => l.msg === "exchange call")).toMatchObject({
      requestId,
      path: "/eapi/v1/mmpSet",
    });
    expect(lines.find((l) => typeof l.msg === "string" && /rate limit hit/.test(l.msg))).toMatchObject({
      requestId,
    });
    // nothing else ran meanwhile, so every line of this window is this request's
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line.requestId).toBe(requestId);
    await new Promise((r) => setTimeout(r, 1100));
  });

  it("never contain tokens, exchange secrets or the master key", async () => {
    const text = gw.logs.raw.join("\n");
    expect(text.length).toBeGreaterThan(0);
    for (const token of Object.values(db.seed.tokens)) expect(text).not.toContain(token);
    for (const a of db.seed.accounts) expect(text).not.toContain(a.secret.trim().split("\n")[1] ?? a.secret);
    expect(text).not.toContain(db.masterKey);
  });

  it("mask secret-looking fields if a future line includes them", () => {
    const capture = new LogCapture();
    const logger = createLogger("info", capture.stream);
    logger.info(
      {
        headers: { authorization: "Bearer mgw_x", "x-mbx-apikey": "key" },
        account: { secret: "s3cret", secretSealed: "v1:abc" },
        token: "mgw_y",
      },
      "careless",
    );
    expect(capture.raw[0]).not.toMatch(/mgw_x|mgw_y|s3cret|v1:abc|"key"/);
    expect(capture.lines[0]).toMatchObject({
      headers: { authorization: "[redacted]", "x-mbx-apikey": "[redacted]" },
      account: { secret: "[redacted]", secretSealed: "[redacted]" },
      token: "[redacted]",
      service: "mmp-gateway",
    });
    expect(capture.lines[0]).not.toHaveProperty("requestId");
  });
});

describe("GET /readyz", () => {
  it("reports the database, and no Redis when none is configured", async () => {
    const res = await fetch(`${gw.url}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; details: Record<string, unknown> };
    expect(body.status).toBe("ok");
    expect(body.details.database).toBe("ok");
    expect(body.details).not.toHaveProperty("redis");
  });
});
