/** The SQLite audit log's group commit (src/store/sqlite/audit-writer.ts), on a real file. */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { AuditBegin } from "../../src/store/port";
import { StoreNotFoundError } from "../../src/store/port";
import { createBatchExecutor, type AuditWrite } from "../../src/store/sqlite/audit-writer";
import {
  AUDIT_THREAD_MIN_CPUS,
  SqliteStore,
  type SqliteStoreOptions,
} from "../../src/store/sqlite/sqlite-store";

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mmp-audit-writer-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function db(s: SqliteStore): Database.Database {
  return (s as unknown as { db: Database.Database }).db;
}

/** WAL frames written since the last call (a TRUNCATE checkpoint empties the WAL) */
function walFrames(s: SqliteStore): number {
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

describe.each<[string, SqliteStoreOptions]>([
  ["a worker thread", { auditWrites: "thread" }],
  ["the store's connection", { auditWrites: "inline" }],
  ["the store's connection for lone writes, a worker thread for batches", { auditWrites: "adaptive" }],
])("SQLite audit group commit on %s", (_name, options) => {
  let store: SqliteStore;
  const path = () => join(dir, "gateway.sqlite");

  beforeEach(async () => {
    store = new SqliteStore(path(), options);
    await store.migrate();
  });

  afterEach(async () => {
    await store.close();
  });

  it("commits begins that arrive together in one transaction, with increasing ids in arrival order", async () => {
    await store.auditBegin(begin(-1)); // the writer is up
    walFrames(store);
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => store.auditBegin(begin(i))));
    // One commit writes the touched pages once; 40 commits would write at least 40 frames.
    expect(walFrames(store)).toBeLessThan(10);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(40);
    const rows = await store.listAudit({ limit: 40 });
    expect(rows.map((r) => r.accountId).reverse()).toEqual(ids.map((_, i) => `acc-${i}`));
    expect(rows.every((r) => r.outcome === "PENDING")).toBe(true);
  });

  it("gathers what arrives while a batch is committed into the next batch", async () => {
    await store.auditBegin(begin(-1));
    walFrames(store);
    const first = Array.from({ length: 10 }, (_, i) => store.auditBegin(begin(i)));
    await new Promise((r) => setImmediate(r)); // the first batch is on its way
    const second = Array.from({ length: 10 }, (_, i) => store.auditBegin(begin(10 + i)));
    const ids = await Promise.all([...first, ...second]);
    expect(walFrames(store)).toBeLessThan(20);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it("is durable at once: a begin's record is committed (visible to another connection) when it resolves", async () => {
    const other = new SqliteStore(path(), options);
    try {
      const id = await store.auditBegin(begin(1));
      expect((await other.pendingAudit()).map((r) => r.id)).toEqual([id]);
      await store.auditComplete(id, { outcome: "SUCCEEDED", durationMs: 2 });
      expect(await other.pendingAudit()).toEqual([]);
    } finally {
      await other.close();
    }
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
    expect(results.map((r) => r.status)).toEqual([
      "fulfilled",
      "rejected",
      "rejected",
      "fulfilled",
      "fulfilled",
    ]);
    const constraint = (results[1] as PromiseRejectedResult).reason as { code?: string; message?: string };
    expect(constraint.code).toBe("SQLITE_CONSTRAINT_NOTNULL");
    const missing = (results[2] as PromiseRejectedResult).reason as Error;
    expect(missing).toBeInstanceOf(StoreNotFoundError);
    expect(missing.message).toBe("audit record 987654 does not exist");
    const rows = await store.listAudit({ limit: 10 });
    expect(rows.map((r) => [r.accountId, r.outcome])).toEqual([
      ["acc-3", "PENDING"],
      ["acc-1", "PENDING"],
      ["acc-0", "SUCCEEDED"],
    ]);
  });

  it("commits writes still queued when the store closes, then refuses new ones", async () => {
    const pending = store.auditBegin(begin(7));
    await store.close();
    const id = await pending;
    const again = new SqliteStore(path(), options);
    try {
      expect((await again.pendingAudit()).map((r) => [r.id, r.accountId])).toEqual([[id, "acc-7"]]);
    } finally {
      await again.close();
    }
    await expect(store.auditBegin(begin(8))).rejects.toThrow("the audit log is closed");
  });

  it("keeps the name the caller gives, and looks it up when none is given", async () => {
    const bob = await store.addUser("bob", false);
    await store.auditBegin(begin(1, { actorId: bob.id, actorName: "bob (then)" }));
    await store.auditBegin(begin(2, { actorId: bob.id }));
    const rows = await store.listAudit({ limit: 10 });
    expect(rows.map((r) => r.actorName)).toEqual(["bob", "bob (then)"]);
  });
});

describe("the batch executor", () => {
  let conn: Database.Database;
  let store: SqliteStore;

  beforeEach(async () => {
    store = new SqliteStore(join(dir, "gateway.sqlite"), { auditWrites: "inline" });
    await store.migrate();
    conn = new Database(join(dir, "gateway.sqlite"));
    conn.pragma("synchronous = FULL");
  });

  afterEach(async () => {
    conn.close();
    await store.close();
  });

  /** the executor, with the runs of its two PRAGMA statements counted */
  function executor() {
    const prepare = jest.spyOn(conn, "prepare");
    const execute = createBatchExecutor(conn);
    const statements = prepare.mock.results.map((r) => r.value as Database.Statement);
    prepare.mockRestore();
    const pragma = (text: string) =>
      jest.spyOn(
        statements.find((s) => s.source === text)!,
        "run",
      );
    return {
      execute,
      normal: pragma("PRAGMA synchronous = NORMAL"),
      full: pragma("PRAGMA synchronous = FULL"),
    };
  }

  const insert = (i: number): AuditWrite => ({
    kind: "begin",
    params: [Date.now(), null, null, null, `acc-${i}`, "SET_MMP", "{}", null],
  });
  const complete = (id: number): AuditWrite => ({
    kind: "complete",
    params: ["SUCCEEDED", null, null, 1, null, id],
  });

  it("commits completions alone with synchronous=NORMAL and restores FULL", () => {
    const { execute, normal, full } = executor();
    const [b] = execute([insert(1)]);
    expect([normal.mock.calls.length, full.mock.calls.length]).toEqual([0, 0]);
    expect(b).toMatchObject({ ok: true });
    const id = (b as { id: number }).id;
    expect(execute([complete(id), complete(id + 100)])).toEqual([
      { ok: true, id },
      { ok: false, missing: true },
    ]);
    expect([normal.mock.calls.length, full.mock.calls.length]).toEqual([1, 1]);
    expect(conn.pragma("synchronous", { simple: true })).toBe(2); // FULL
  });

  it("fsyncs completions that share a transaction with a begin: no switch", () => {
    const { execute, normal } = executor();
    const [b] = execute([insert(1)]);
    execute([complete((b as { id: number }).id), insert(2)]);
    expect(normal).not.toHaveBeenCalled();
  });

  it("answers a fault of the database (here: another writer's lock) for every write", () => {
    const { execute } = executor();
    conn.pragma("busy_timeout = 20");
    const holder = new Database(join(dir, "gateway.sqlite"));
    holder.exec("BEGIN IMMEDIATE");
    try {
      const outcomes = execute([insert(1), insert(2)]);
      expect(outcomes).toEqual([
        { ok: false, missing: false, error: expect.objectContaining({ code: "SQLITE_BUSY" }) },
        { ok: false, missing: false, error: expect.objectContaining({ code: "SQLITE_BUSY" }) },
      ]);
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
  });
});

describe("the audit writer thread", () => {
  it("falls back to the store's connection when the thread dies", async () => {
    const store = new SqliteStore(join(dir, "gateway.sqlite"), { auditWrites: "thread" });
    await store.migrate();
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      const first = await store.auditBegin(begin(1));
      const writer = (store as unknown as { auditWriter: { worker: import("node:worker_threads").Worker } })
        .auditWriter;
      await writer.worker.terminate();
      const second = await store.auditBegin(begin(2));
      expect(second).toBeGreaterThan(first);
      await store.auditComplete(second, { outcome: "SUCCEEDED", durationMs: 1 });
      expect((await store.pendingAudit()).map((r) => r.id)).toEqual([first]);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/audit writer thread failed/));
    } finally {
      warn.mockRestore();
      await store.close();
    }
  });
});

describe("adaptive audit writes", () => {
  const writerOf = (store: SqliteStore) =>
    (store as unknown as { auditWriter: { threadStarted: boolean } }).auditWriter;

  it("commit a lone write on the store's connection and a batch of several by the thread, in one id order", async () => {
    const store = new SqliteStore(join(dir, "gateway.sqlite"), { auditWrites: "adaptive" });
    await store.migrate();
    try {
      const lone = await store.auditBegin(begin(0));
      await store.auditComplete(lone, { outcome: "SUCCEEDED", durationMs: 1 });
      expect(writerOf(store).threadStarted).toBe(false);

      const together = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.auditBegin(begin(i + 1))),
      );
      expect(writerOf(store).threadStarted).toBe(true);
      const after = await store.auditBegin(begin(11));

      const ids = [lone, ...together, after];
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      const rows = await store.listAudit({ limit: 20 });
      expect(rows.map((r) => r.id).reverse()).toEqual(ids);
      expect(rows.find((r) => r.id === lone)?.outcome).toBe("SUCCEEDED");
      expect(rows.filter((r) => r.outcome === "PENDING")).toHaveLength(11);
    } finally {
      await store.close();
    }
  });

  it("is what a file database on two or more CPUs gets by default", async () => {
    const store = new SqliteStore(join(dir, "gateway.sqlite"));
    await store.migrate();
    try {
      expect((store as unknown as { auditMode: string }).auditMode).toBe(
        availableParallelism() >= AUDIT_THREAD_MIN_CPUS ? "adaptive" : "inline",
      );
    } finally {
      await store.close();
    }
  });
});
