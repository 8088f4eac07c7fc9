/**
 * The gateway with REDIS_URL set (in-process, SQLite, the simulator): Redis shows in /readyz and
 * /metrics, and a Redis that is down changes nothing for callers but one warning in the log.
 */
import { ExchangeSimulator } from "../../src/simulator";
import {
  dropRedisKeys,
  gql,
  mmpInput,
  REDIS_URL,
  redisPrefix,
  seededSqlite,
  SET_MMP,
  startInProcess,
  type SeededDatabase,
} from "../helpers/gateway-fixture";

let sim: ExchangeSimulator;
let simUrl: string;
let db: SeededDatabase;

beforeAll(async () => {
  sim = new ExchangeSimulator();
  simUrl = await sim.start();
  db = await seededSqlite(sim, simUrl);
});

afterAll(async () => {
  await db?.close();
  await sim?.stop();
});

async function ready(url: string): Promise<{ status: number; details: Record<string, unknown> }> {
  const res = await fetch(`${url}/readyz`);
  const body = (await res.json()) as { details: Record<string, unknown> };
  return { status: res.status, details: body.details };
}

async function metric(url: string, name: string): Promise<string | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split("\n")
    .find((l) => l.startsWith(`${name} `))
    ?.slice(name.length + 1);
}

it("reports Redis as ok in /readyz and /metrics when it is reachable", async () => {
  const prefix = redisPrefix();
  const gw = await startInProcess(db, simUrl, { redisUrl: REDIS_URL, redisKeyPrefix: prefix });
  try {
    expect(await ready(gw.url)).toMatchObject({ status: 200, details: { database: "ok", redis: "ok" } });
    expect(await metric(gw.url, "mmp_gateway_redis_up")).toBe("1");
    const answer = await gql(gw.url, db.seed.tokens.alice, SET_MMP, { input: mmpInput("desk-a") });
    expect(answer.body.errors).toBeUndefined();
  } finally {
    await gw.stop();
    await dropRedisKeys(prefix);
  }
});

it("keeps serving mutations with Redis down: ready, degraded, one warning", async () => {
  const gw = await startInProcess(db, simUrl, {
    redisUrl: "redis://127.0.0.1:1",
    redisKeyPrefix: redisPrefix(),
  });
  try {
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      const answer = await gql(gw.url, db.seed.tokens.alice, SET_MMP, {
        input: mmpInput("desk-a", `1.${i + 1}`),
      });
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data).toMatchObject({ setMmpConfig: { qtyLimit: `1.${i + 1}` } });
      expect(Date.now() - t0).toBeLessThan(1000);
    }
    // Redis is optional: its absence is reported, but the replica stays in rotation.
    expect(await ready(gw.url)).toMatchObject({
      status: 200,
      details: { database: "ok", redis: "degraded" },
    });
    expect(await metric(gw.url, "mmp_gateway_redis_up")).toBe("0");
    const warnings = gw.logs.lines.filter((l) => l.level === 40 && /Redis unavailable/.test(String(l.msg)));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ component: "redis" });
    // the URL (which may carry a password) is never logged
    expect(gw.logs.raw.join("\n")).not.toContain("redis://");
  } finally {
    await gw.stop();
  }
});
