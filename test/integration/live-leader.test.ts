/**
 * Leader election for the live view's poller against the real Redis and PostgreSQL: one leader at a
 * time, and a hand-over when the leader dies without stepping down.
 */
import { Redis } from "ioredis";
import { Client } from "pg";
import { PostgresLeader, RedisLeader, type PgLike, type RedisLike } from "../../src/live/leader";
import { dropRedisKeys, REDIS_URL, redisPrefix, waitFor } from "../helpers/gateway-fixture";
import { postgresSkipped } from "../helpers/store";

const quiet = { info: () => undefined, warn: () => undefined };
const TTL = 600;

describe("Redis lease", () => {
  const prefix = redisPrefix();
  const clients: Redis[] = [];
  const redis = () => {
    // a short disconnect timeout: a connection already closed by the leader leaves no 2 s timer behind
    const c = new Redis(REDIS_URL, { maxRetriesPerRequest: 0, lazyConnect: false, disconnectTimeout: 50 });
    clients.push(c);
    return c as unknown as RedisLike;
  };
  afterAll(async () => {
    for (const c of clients) if (c.status !== "end") c.disconnect();
    await dropRedisKeys(prefix);
  });

  it("lets one replica lead at a time and hands over when the leader dies", async () => {
    const a = new RedisLeader("a", redis(), `${prefix}leader`, TTL, quiet);
    const b = new RedisLeader("b", redis(), `${prefix}leader`, TTL, quiet);
    await a.start();
    await b.start();
    await new Promise((r) => setTimeout(r, TTL));
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);

    // a dies without stepping down: its connection drops, its timer would fail from now on
    clients[0]!.disconnect();
    const died = Date.now();
    await waitFor("b to lead", () => (b.isLeader() ? true : undefined), 3000);
    expect(Date.now() - died).toBeLessThan(TTL + TTL / 3 + 500);
    await waitFor("a to step down", () => (a.isLeader() ? undefined : true), 3000);
    await a.stop();
    await b.stop();
  });

  it("releases the lease on a clean stop, so the next replica leads at once", async () => {
    const key = `${prefix}leader2`;
    const a = new RedisLeader("a", redis(), key, 60_000, quiet);
    await a.start();
    expect(a.isLeader()).toBe(true);
    await a.stop();
    const b = new RedisLeader("b", redis(), key, 60_000, quiet);
    await b.start();
    expect(b.isLeader()).toBe(true);
    await b.stop();
  });
});

(postgresSkipped ? describe.skip : describe)("PostgreSQL advisory lock", () => {
  const url = process.env.STORE_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  it("lets one replica lead at a time and hands over when the leader's session ends", async () => {
    const sessions: Client[] = [];
    const connect = () => {
      const c = new Client({ connectionString: url });
      sessions.push(c);
      return c as unknown as PgLike;
    };
    const a = new PostgresLeader("a", connect, 100, quiet);
    const b = new PostgresLeader("b", connect, 100, quiet);
    await a.start();
    await b.start();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    await a.stop(); // ends its session: the server releases the lock
    await waitFor("b to lead", () => (b.isLeader() ? true : undefined), 2000);
    await b.stop();
  });
});
