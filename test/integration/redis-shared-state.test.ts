/**
 * Redis-shared state between replicas (src/shared-state), against the local Redis server: exchange
 * back-off per host, used-weight counters, cache invalidation, and degradation when Redis goes away.
 * Every test uses its own key prefix.
 */
import Redis from "ioredis";
import { ChangeWatcher } from "../../src/cache/change-watcher";
import { isGatewayError } from "../../src/errors";
import { RateLimitTracker, WEIGHT_WINDOW_MS } from "../../src/exchange/binance/weight";
import { announceAuthChange } from "../../src/cache/announce-auth-change";
import { RedisSharedState } from "../../src/shared-state/redis-shared-state";
import { announcingAuthChanges, isAuthChange } from "../../src/cache/auth-changes";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store";
import { dropRedisKeys, REDIS_URL, redisPrefix, TcpProxy, waitFor } from "../helpers/gateway-fixture";

const H = "https://eapi.binance.com";

interface Logged {
  level: "info" | "warn" | "debug";
  msg: string;
}

function memoryLogger(into: Logged[]) {
  return {
    info: (_o: object, msg?: string) => void into.push({ level: "info", msg: msg ?? "" }),
    warn: (_o: object, msg?: string) => void into.push({ level: "warn", msg: msg ?? "" }),
    debug: (_o: object, msg?: string) => void into.push({ level: "debug", msg: msg ?? "" }),
  };
}

function refusal(fn: () => void): Record<string, unknown> | undefined {
  try {
    fn();
  } catch (e) {
    if (isGatewayError(e)) return { ...e.extensions, message: e.message };
    throw e;
  }
  return undefined;
}

let prefix: string;
const opened: RedisSharedState[] = [];
let raw: Redis;

async function replica(
  opts: { url?: string; logs?: Logged[]; weightSyncIntervalMs?: number; startTimeoutMs?: number } = {},
): Promise<RedisSharedState> {
  const s = new RedisSharedState({
    url: opts.url ?? REDIS_URL,
    keyPrefix: prefix,
    logger: memoryLogger(opts.logs ?? []),
    weightSyncIntervalMs: opts.weightSyncIntervalMs ?? 50,
    startTimeoutMs: opts.startTimeoutMs,
  });
  opened.push(s);
  await s.start();
  return s;
}

beforeAll(() => {
  raw = new Redis(REDIS_URL);
});

afterAll(() => raw.disconnect());

beforeEach(() => {
  prefix = redisPrefix();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  await dropRedisKeys(prefix);
});

describe("exchange back-off shared through Redis", () => {
  it("a 429 seen by one replica stops the others until Retry-After", async () => {
    const a = await replica();
    const b = await replica();
    expect(a.status()).toBe("ok");
    let skew = 0;
    const clock = () => Date.now() + skew;
    const ta = new RateLimitTracker(0.9, 2400, a, clock);
    const tb = new RateLimitTracker(0.9, 2400, b, clock);
    const now = Date.now();
    expect(refusal(() => tb.admit(H, 1, now))).toBeUndefined();
    tb.release(H, 1, now, { "x-mbx-used-weight-1m": "1" }, true);

    ta.backOff(H, now + 5000, "the exchange asked to back off (HTTP 429)", now);

    const refused = await waitFor("the ban to reach the other replica", () =>
      refusal(() => {
        tb.admit(H, 1, Date.now());
        tb.release(H, 1, Date.now(), undefined, false);
      }),
    );
    expect(Date.now() - now).toBeLessThan(1000);
    expect(refused).toMatchObject({ code: "RATE_LIMITED" });
    expect(refused!.retryAfterSeconds).toBeGreaterThanOrEqual(4);
    expect(refused!.retryAfterSeconds).toBeLessThanOrEqual(5);
    expect(String(refused!.message)).toMatch(/another gateway replica.*nothing sent/);
    // the ban is anchored to the local clock when it is recorded, a millisecond or so after `now`
    const until = tb.snapshot(Date.now())[0]!.backoffUntil!;
    expect(until).toBeGreaterThanOrEqual(now + 5000);
    expect(until).toBeLessThan(now + 5100);

    const ttl = await raw.pttl(`${prefix}ban:${H}`);
    expect(ttl).toBeGreaterThan(3000);
    expect(ttl).toBeLessThanOrEqual(5000);
    // After Retry-After the host may be called again.
    skew = 5_100;
    expect(refusal(() => tb.admit(H, 1, clock()))).toBeUndefined();
  });

  it("a replica started later learns the bans in force when it connects", async () => {
    const a = await replica();
    const now = Date.now();
    a.publishBackoff(H, now + 60_000, "the exchange has banned this IP (HTTP 418)", now);
    await waitFor("the ban key", async () =>
      (await raw.exists(`${prefix}ban:${H}`)) === 1 ? true : undefined,
    );

    const late = await replica();
    expect(late.backoff(H, Date.now())).toEqual({
      untilMs: now + 60_000,
      reason: "the exchange has banned this IP (HTTP 418)",
    });
  });

  it("keeps the longest ban when replicas report different Retry-After", async () => {
    const a = await replica();
    const b = await replica();
    const now = Date.now();
    a.publishBackoff(H, now + 30_000, "long", now);
    await waitFor("a's ban at b", () => b.backoff(H, Date.now()));
    b.publishBackoff(H, now + 2_000, "short", now);
    await new Promise((r) => setTimeout(r, 100));
    expect(await raw.get(`${prefix}ban:${H}`)).toBe(`${now + 30_000}|long`);
    expect(a.backoff(H, Date.now())?.untilMs).toBe(now + 30_000);
  });
});

describe("used weight shared through Redis", () => {
  it("counts the fleet's weight per host and minute window", async () => {
    const a = await replica();
    const b = await replica();
    // budget: 50% of 200 = 100
    const ta = new RateLimitTracker(0.5, 200, a);
    const tb = new RateLimitTracker(0.5, 200, b);
    const now = Date.now();
    const window = Math.floor(now / WEIGHT_WINDOW_MS);
    for (let i = 0; i < 9; i++) {
      ta.admit(H, 10, now);
      // no headers (e.g. a timeout after sending): counted because it may have reached the exchange
      ta.release(H, 10, now, undefined, true);
    }
    const key = `${prefix}weight:${H}:${window}`;
    await waitFor("the counter", async () => ((await raw.get(key)) === "90" ? true : undefined));
    const ttl = await raw.pttl(key);
    expect(ttl).toBeGreaterThan(WEIGHT_WINDOW_MS);
    expect(ttl).toBeLessThanOrEqual(2 * WEIGHT_WINDOW_MS);

    // b has sent nothing itself; after its next sync it refuses what would pass the fleet's budget
    tb.admit(H, 1, now);
    tb.release(H, 1, now, undefined, false);
    const refused = await waitFor("b to see the fleet's weight", () =>
      refusal(() => {
        tb.admit(H, 11, now);
        tb.release(H, 11, now, undefined, false);
      }),
    );
    expect(refused).toMatchObject({ code: "RATE_LIMITED" });
    expect(String(refused!.message)).toMatch(/request weight 90 of 200/);
    expect(tb.snapshot(now)[0]!.usedWeight).toBe(90);
    // the next minute starts from zero
    expect(refusal(() => tb.admit(H, 11, now + WEIGHT_WINDOW_MS))).toBeUndefined();
  });
});

describe("cache invalidation through Redis", () => {
  it("an announced change drops every replica's caches at once; the poll stays the fallback", async () => {
    const a = await replica();
    const b = await replica();
    // a poll that would take a minute: only the announcement can be this fast
    const watcher = new ChangeWatcher({ authVersion: async () => 1 }, 60_000);
    await watcher.start();
    let dropped = 0;
    watcher.onChange(() => dropped++);
    a.onInvalidate(() => watcher.notifyChanged());

    const t0 = Date.now();
    b.publishInvalidate();
    await waitFor("the invalidation", () => dropped > 0 || undefined);
    expect(Date.now() - t0).toBeLessThan(500);

    // the CLI's one-shot announcement
    const before = dropped;
    expect(await announceAuthChange({ url: REDIS_URL, keyPrefix: prefix })).toBe(true);
    await waitFor("the CLI's invalidation", () => dropped > before || undefined);
    watcher.stop();
  });

  it("a store write that changes auth is announced; reads and audit writes are not", async () => {
    const store = new SqliteStore(":memory:");
    await store.migrate();
    let announced = 0;
    const s = announcingAuthChanges(store, () => announced++);
    const user = await s.addUser("alice", false);
    expect(announced).toBe(1);
    const token = await s.addToken(user.id, "a".repeat(64));
    await s.getUserByName("alice");
    await s.listUsers();
    await s.findTokenByHash("a".repeat(64));
    await s.auditBegin({ actorId: null, accountId: null, action: "USER_ADD", input: "{}" });
    await s.authVersion();
    expect(announced).toBe(2);
    expect(await s.revokeToken(token.id)).toBe(true);
    expect(announced).toBe(3);
    // a failed write changed nothing and announces nothing
    await expect(s.addMember("no-such-team", "alice")).rejects.toThrow(/no-such-team/);
    expect(announced).toBe(3);
    expect(s.kind).toBe("sqlite");
    await s.close();

    expect(
      ["revokeToken", "grant", "revoke", "addMember", "removeAccount", "disableUser"].every(isAuthChange),
    ).toBe(true);
    expect(
      ["getAccount", "listGrants", "findTokenByHash", "pendingAudit", "countPendingAudit"].some(isAuthChange),
    ).toBe(false);
  });
});

describe("Redis outage", () => {
  it("starts without Redis, degraded, with one warning and no errors thrown", async () => {
    const logs: Logged[] = [];
    const t0 = Date.now();
    const s = await replica({ url: "redis://127.0.0.1:1", logs, startTimeoutMs: 500 });
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(s.status()).toBe("degraded");
    const t = new RateLimitTracker(0.9, 2400, s);
    const now = Date.now();
    for (let i = 0; i < 100; i++) {
      t.admit(H, 1, now);
      t.release(H, 1, now, undefined, true);
      s.publishInvalidate();
    }
    t.backOff(H, now + 3000, "the exchange asked to back off (HTTP 429)", now);
    // the back-off still holds in this process
    expect(refusal(() => t.admit(H, 1, now + 1))).toMatchObject({ code: "RATE_LIMITED" });
    await new Promise((r) => setTimeout(r, 300));
    expect(logs.filter((l) => l.level === "warn")).toHaveLength(1);
    expect(logs[0]!.msg).toMatch(/Redis unavailable/);
  });

  it("degrades when Redis goes away mid-way, never blocks, and resyncs when it returns", async () => {
    const proxy = new TcpProxy();
    await proxy.start();
    const logs: Logged[] = [];
    const s = await replica({ url: proxy.url, logs });
    const other = await replica();
    expect(s.status()).toBe("ok");
    let dropped = 0;
    s.onInvalidate(() => dropped++);
    const t = new RateLimitTracker(0.9, 2400, s);

    await proxy.cut();
    await waitFor("degraded", () => s.status() === "degraded" || undefined);

    // calls keep being admitted at in-process speed, and nothing throws
    const t0 = performance.now();
    const now = Date.now();
    for (let i = 0; i < 1000; i++) {
      t.admit(H, 1, now);
      t.release(H, 1, now, { "x-mbx-used-weight-1m": "5" }, true);
    }
    s.publishInvalidate();
    expect(performance.now() - t0).toBeLessThan(200);

    // another replica bans the host and announces a change while this one cannot hear it
    other.publishBackoff(H, now + 20_000, "the exchange asked to back off (HTTP 429)", now);
    other.publishInvalidate();
    await new Promise((r) => setTimeout(r, 300));
    expect(s.backoff(H, Date.now())).toBeUndefined();
    const droppedDuringOutage = dropped;

    await proxy.start(); // the same port again
    await waitFor("recovery", () => s.status() === "ok" || undefined, 5000);
    // what was missed is made up for: bans are re-read, and caches dropped in case a change was missed
    await waitFor("the missed ban", () => s.backoff(H, Date.now()));
    await waitFor("caches dropped after missed messages", () => dropped > droppedDuringOutage || undefined);

    expect(logs.filter((l) => l.level === "warn")).toHaveLength(1);
    expect(logs.filter((l) => /available again/.test(l.msg))).toHaveLength(1);
    await proxy.cut();
  });
});
