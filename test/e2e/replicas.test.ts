/**
 * Several gateway replicas, as production runs them: separate `mmp-gateway serve` processes (from
 * dist/, which npm test builds first) on one PostgreSQL schema and one Redis (a key prefix of their
 * own), against the simulator running in this test process.
 *
 * - audit entries written through both replicas form one ordered log;
 * - a token revoked with the CLI is refused by both within a second;
 * - a 429 with Retry-After seen by one replica makes the other answer RATE_LIMITED without calling the
 *   exchange;
 * - SIGTERM lets an in-flight mutation finish, audit record included, before the process exits.
 */
import { spawn } from "node:child_process";
import {
  CLI,
  gql,
  mmpInput,
  SET_MMP,
  startPostgresDeployment,
  waitFor,
  type GatewayProcess,
  type PostgresDeployment,
} from "../helpers/gateway-fixture";
import { postgresSkipped } from "../helpers/store";

const describePg = postgresSkipped ? describe.skip : describe;

let d: PostgresDeployment;
const serve = (extra?: NodeJS.ProcessEnv) => d.serve(extra);

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...d.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

beforeAll(async () => {
  if (!postgresSkipped) d = await startPostgresDeployment();
});

afterAll(async () => {
  await d?.stop();
});

describePg("two gateway processes on one PostgreSQL and one Redis", () => {
  let a: GatewayProcess;
  let b: GatewayProcess;

  beforeAll(async () => {
    [a, b] = await Promise.all([serve(), serve()]);
  });

  it("write their audit entries into one ordered log", async () => {
    const { alice, bob } = d.db.seed.tokens;
    const answers = await Promise.all([
      ...[1, 2, 3, 4, 5].map((i) => gql(a.url, alice, SET_MMP, { input: mmpInput("desk-a", `1.${i}`) })),
      ...[1, 2, 3, 4, 5].map((i) => gql(b.url, bob, SET_MMP, { input: mmpInput("desk-b", `2.${i}`) })),
    ]);
    for (const answer of answers) expect(answer.body.errors).toBeUndefined();

    const log = (await d.db.store.listAudit({ limit: 100 })).filter((r) => r.action === "SET_MMP");
    expect(log).toHaveLength(10);
    // newest first, strictly: one sequence, whichever replica wrote the entry
    const ids = log.map((r) => r.id);
    expect([...ids].sort((x, y) => y - x)).toEqual(ids);
    expect(new Set(ids).size).toBe(10);
    expect(log.every((r) => r.outcome === "SUCCEEDED")).toBe(true);
    expect(log.filter((r) => r.actorName === "alice")).toHaveLength(5); // through a
    expect(log.filter((r) => r.actorName === "bob")).toHaveLength(5); // through b
  });

  it("refuse a token revoked with the CLI within a second", async () => {
    const { token, tokenRecord } = await d.db.admin.createToken("alice");
    const me = "query Me { me { name } }";
    for (const g of [a, b])
      expect((await gql(g.url, token, me)).body.data).toEqual({ me: { name: "alice" } });

    const revoke = await runCli(["token", "revoke", tokenRecord.id]);
    expect(revoke).toMatchObject({ code: 0, stderr: "" });
    const revokedAt = Date.now();
    await Promise.all(
      [a, b].map((g) =>
        waitFor("the revoked token to be refused", async () =>
          (await gql(g.url, token, me)).status === 401 ? true : undefined,
        ),
      ),
    );
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    // the other tokens are unaffected
    expect((await gql(b.url, d.db.seed.tokens.alice, me)).status).toBe(200);
  });

  it("share a 429: the other replica answers RATE_LIMITED without calling the exchange", async () => {
    const { alice, bob } = d.db.seed.tokens;
    d.sim.injectFault({ kind: "rateLimit", status: 429, retryAfterSeconds: 5 }, { path: "/eapi/v1/mmpSet" });
    const limited = await gql(a.url, alice, SET_MMP, { input: mmpInput("desk-a", "3") });
    expect(limited.body.errors?.[0]?.extensions).toMatchObject({
      code: "RATE_LIMITED",
      retryAfterSeconds: 5,
    });
    const seen = d.sim.requests.length;
    expect(d.sim.requests[seen - 1]).toMatchObject({ path: "/eapi/v1/mmpSet", status: 429 });

    // the announcement travels by pub/sub; give it a moment rather than probing b (which would call)
    await new Promise((r) => setTimeout(r, 300));
    const refused = await gql(b.url, bob, SET_MMP, { input: mmpInput("desk-b", "3") });
    const ext = refused.body.errors?.[0]?.extensions;
    expect(ext).toMatchObject({ code: "RATE_LIMITED" });
    expect(ext?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(ext?.retryAfterSeconds).toBeLessThanOrEqual(5);
    expect(refused.body.errors?.[0]?.message).toMatch(/another gateway replica.*nothing sent/);
    // nothing reached the simulator from b (nor from anyone: every call to that host is held back)
    expect(d.sim.requests.length).toBe(seen);

    // both replicas' audit logs say why, in the shared log
    const [last] = await d.db.store.listAudit({ limit: 1 });
    expect(last).toMatchObject({ actorName: "bob", outcome: "FAILED" });
  });
});

describePg("a gateway process receiving SIGTERM", () => {
  it("finishes the in-flight mutation and its audit record before exiting", async () => {
    // No Redis, so the back-off shared by the replicas above does not apply here.
    const gw = await serve({ REDIS_URL: "", REDIS_KEY_PREFIX: "" });
    const { alice } = d.db.seed.tokens;
    d.sim.injectFault({ kind: "delay", ms: 1500 }, { path: "/eapi/v1/mmpSet" });
    const before = (await d.db.store.listAudit({ limit: 1 }))[0]?.id ?? 0;
    const inFlight = gql(gw.url, alice, SET_MMP, { input: mmpInput("desk-a", "7.25") });

    // the intent is written before the call leaves: once it is PENDING, the call is in flight
    const pending = await waitFor("the PENDING record", async () =>
      (await d.db.store.pendingAudit()).find((r) => r.id > before),
    );
    gw.child.kill("SIGTERM");

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      data: {
        setMmpConfig: { accountId: "desk-a", underlying: "BTCUSDT", qtyLimit: "7.25", deltaLimit: "2.3" },
      },
    });
    expect(await gw.exited).toBe(0);
    expect(gw.stderr.join("")).toContain("SIGTERM received, shutting down");

    const [record] = (await d.db.store.listAudit({ limit: 20 })).filter((r) => r.id === pending.id);
    expect(record).toMatchObject({ outcome: "SUCCEEDED", actorName: "alice", action: "SET_MMP" });
    expect(d.sim.mmpState(d.db.seed.accounts[0]!.apiKey, "BTCUSDT")?.qtyLimit).toBe("7.25");
  });
});
