/** The SQLite audit log's group commit (src/store/sqlite/audit-writer.ts), on a real file. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Database from "better-sqlite3";
import type { AuditBegin } from "../../src/store/port";
import { StoreNotFoundError } from "../../src/store/port";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store";

let dir: string;
let store: SqliteStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "mmp-audit-writer-"));
  store = new SqliteStore(join(dir, "gateway.sqlite"));
  await store.migrate();
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function db(s: SqliteStore): Database.Database {
  return (s as unknown as { db: Database.Database }).db;
}

/** Commits since the last call, as SQLite counts WAL writes: a checkpoint (TRUNCATE) empties the WAL. */
function walFramesSinceCheckpoint(s: SqliteStore): number {
  const [row] = db(s).pragma("wal_checkpoint(TRUNCATE)") as { log: number }[];
  return row?.log ?? 0;
}

const begin = (i: number, over: Partial<AuditBegin> = {}): AuditBegin => ({
  actorId: null,
  accountId: `acc-${i}`,
  action: "SET_MMP",
  input: JSON.stringify({ i }),
  ...over,
});

describe("SQLite audit group commit", () => {
  it("commits begins that arrive together in one transaction, with increasing ids in arrival order", async () => {
    walFramesSinceCheckpoint(store);
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => store.auditBegin(begin(i))));
    // One commit writes the touched pages once; 40 commits would write at least 40 frames.
    expect(walFramesSinceCheckpoint(store)).toBeLessThan(10);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(40);
    const rows = await store.listAudit({ limit: 100 });
    expect(rows.map((r) => r.accountId).reverse()).toEqual(ids.map((_, i) => `acc-${i}`));
    expect(rows.every((r) => r.outcome === "PENDING")).toBe(true);
  });

  it("is durable at once: a begin's record is committed (visible to another connection) when it resolves", async () => {
    const other = new SqliteStore(join(dir, "gateway.sqlite"));
    try {
      const id = await store.auditBegin(begin(1));
      expect((await other.pendingAudit()).map((r) => r.id)).toEqual([id]);
      await store.auditComplete(id, { outcome: "SUCCEEDED", durationMs: 2 });
      expect(await other.pendingAudit()).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it("commits completions alone with synchronous=NORMAL, with a begin under FULL, and restores FULL", async () => {
    const first = await store.auditBegin(begin(1));
    const writer = (store as unknown as { auditWriter: Record<"syncNormal" | "syncFull", Database.Statement> })
      .auditWriter;
    const normal = jest.spyOn(writer.syncNormal, "run");
    const full = jest.spyOn(writer.syncFull, "run");
    await store.auditComplete(first, { outcome: "SUCCEEDED", durationMs: 1 });
    expect([normal.mock.calls.length, full.mock.calls.length]).toEqual([1, 1]);
    // A completion that shares its transaction with a begin is fsynced with it: no switch.
    const second = await store.auditBegin(begin(2));
    await Promise.all([
      store.auditComplete(second, { outcome: "FAILED", durationMs: 1 }),
      store.auditBegin(begin(3)),
    ]);
    expect([normal.mock.calls.length, full.mock.calls.length]).toEqual([1, 1]);
    expect(db(store).pragma("synchronous", { simple: true })).toBe(2);
    const rows = await store.listAudit({ limit: 3 });
    expect(rows.map((r) => [r.id, r.outcome])).toEqual([
      [second + 1, "PENDING"],
      [second, "FAILED"],
      [first, "SUCCEEDED"],
    ]);
  });

  it("applies completions of one id in arrival order: the later one wins", async () => {
    const id = await store.auditBegin(begin(1));
    await Promise.all([
      store.auditComplete(id, { outcome: "UNKNOWN", exchangeMessage: "timeout", durationMs: 10 }),
      store.auditComplete(id, { outcome: "SUCCEEDED", result: "{}", durationMs: 12 }),
    ]);
    const [r] = await store.listAudit({ limit: 1 });
    expect(r).toMatchObject({ outcome: "SUCCEEDED", result: "{}", exchangeMessage: null, durationMs: 12 });
  });

  it("fails only the write at fault, not the others of its batch", async () => {
    const first = await store.auditBegin(begin(0));
    const results = await Promise.allSettled([
      store.auditBegin(begin(1)),
      // NOT NULL violated: this insert fails and rolls the batch back; the others are retried alone.
      store.auditBegin(begin(2, { action: null as never })),
      store.auditComplete(987654, { outcome: "FAILED", durationMs: 1 }),
      store.auditComplete(first, { outcome: "SUCCEEDED", durationMs: 1 }),
      store.auditBegin(begin(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled", "fulfilled"]);
    const missing = results[2] as PromiseRejectedResult;
    expect(missing.reason).toBeInstanceOf(StoreNotFoundError);
    expect((missing.reason as Error).message).toBe("audit record 987654 does not exist");
    const rows = await store.listAudit({ limit: 10 });
    expect(rows.map((r) => [r.accountId, r.outcome])).toEqual([
      ["acc-3", "PENDING"],
      ["acc-1", "PENDING"],
      ["acc-0", "SUCCEEDED"],
    ]);
  });

  it("commits writes still queued when the store closes", async () => {
    const path = join(dir, "gateway.sqlite");
    const pending = store.auditBegin(begin(7));
    await store.close();
    const id = await pending;
    const again = new SqliteStore(path);
    try {
      expect((await again.pendingAudit()).map((r) => [r.id, r.accountId])).toEqual([[id, "acc-7"]]);
    } finally {
      await again.close();
    }
    await expect(store.auditBegin(begin(8))).rejects.toThrow();
  });

  it("keeps the name the caller gives, and looks it up when none is given", async () => {
    const bob = await store.addUser("bob", false);
    await store.auditBegin(begin(1, { actorId: bob.id, actorName: "bob" }));
    await store.auditBegin(begin(2, { actorId: bob.id }));
    const rows = await store.listAudit({ limit: 10 });
    expect(rows.map((r) => r.actorName)).toEqual(["bob", "bob"]);
  });
});
