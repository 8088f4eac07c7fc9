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
  type InProcessGateway,
  type SeededDatabase,
} from "../helpers/gateway-fixture";

let sim: ExchangeSimulator;
let db: SeededDatabase;
let prefix: string;
let replicas: InProcessGateway[] = [];

beforeAll(async () => {
  sim = new ExchangeSimulator();
  const simUrl = await sim.start();
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
