/**
 * Mutation rate limits across replicas: two gateways on one database and one Redis charge the same
 * budgets, so a user cannot get twice the limit by alternating between them, and a refusal still costs
 * nothing.
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
  TcpProxy,
  type InProcessGateway,
  type SeededDatabase,
} from "../helpers/gateway-fixture";

let sim: ExchangeSimulator;
let simUrl: string;
let db: SeededDatabase;
let prefix: string;
let replicas: InProcessGateway[] = [];

beforeAll(async () => {
  sim = new ExchangeSimulator();
  simUrl = await sim.start();
  db = await seededSqlite(sim, simUrl);
  prefix = redisPrefix();
  const config = {
    redisUrl: REDIS_URL,
    redisKeyPrefix: prefix,
    mutationRateLimits: {
      perUser: { capacity: 3, periodMs: 60_000 },
      perAccount: { capacity: 2, periodMs: 60_000 },
    },
  };
  replicas = [await startInProcess(db, simUrl, config), await startInProcess(db, simUrl, config)];
});
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await db?.close();
  await sim?.stop();
  if (prefix) await dropRedisKeys(prefix);
});

async function set(replica: number, account: string) {
  const res = await gql(replicas[replica]!.url, db.seed.tokens.bob, SET_MMP, { input: mmpInput(account) });
  return res.body.errors?.[0]?.extensions?.code ?? "OK";
}

it("charges one budget per user and per account across replicas, and a refusal costs nothing", async () => {
  // desk-b's budget (2) is spent through both replicas; a third change is refused on either
  expect(await set(0, "desk-b")).toBe("OK");
  expect(await set(1, "desk-b")).toBe("OK");
  expect(await set(0, "desk-b")).toBe("RATE_LIMITED");
  expect(await set(1, "desk-b")).toBe("RATE_LIMITED");
  // the refusals did not charge bob: one change of his three is left, on another account
  expect(await set(1, "desk-b-rsa")).toBe("OK");
  expect(await set(0, "desk-b-rsa")).toBe("RATE_LIMITED");
  // and nobody else pays for bob's use
  const alice = await gql(replicas[1]!.url, db.seed.tokens.alice, SET_MMP, { input: mmpInput("desk-a") });
  expect(alice.body.errors).toBeUndefined();
});

it("keeps limiting, per replica, while Redis is unreachable", async () => {
  const proxy = new TcpProxy();
  await proxy.start();
  const lonePrefix = redisPrefix();
  const g = await startInProcess(db, simUrl, {
    redisUrl: proxy.url,
    redisKeyPrefix: lonePrefix,
    mutationRateLimits: { perUser: { capacity: 2, periodMs: 60_000 }, perAccount: undefined },
  });
  try {
    await proxy.cut();
    const answers: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await gql(g.url, db.seed.tokens.rita, SET_MMP, { input: mmpInput("desk-a") });
      answers.push(String(res.body.errors?.[0]?.extensions?.code ?? "OK"));
    }
    // rita is a viewer: FORBIDDEN twice (charged to her), then refused by her own budget in memory
    expect(answers).toEqual(["FORBIDDEN", "FORBIDDEN", "RATE_LIMITED"]);
  } finally {
    await g.stop();
    await dropRedisKeys(lonePrefix);
  }
});
