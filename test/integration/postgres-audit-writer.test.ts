/** The PostgreSQL audit writes (src/store/postgres/audit-writer.ts): batched begins, async completions. */
import { Client, Pool } from "pg";
import { openStore } from "../../src/store/open-store";
import type { AuditBegin } from "../../src/store/port";
import { StoreNotFoundError } from "../../src/store/port";
import {
  AUDIT_COMPLETE_ONE_SQL,
  AUDIT_COMPLETE_SQL,
  AUDIT_STATEMENT_NAMES,
  PostgresAuditWriter,
} from "../../src/store/postgres/audit-writer";
import type { PostgresStore } from "../../src/store/postgres/postgres-store";
import { postgresSkipped, postgresTarget, type TestDatabase } from "../helpers/store";

const describePg = postgresSkipped ? describe.skip : describe;

const begin = (i: number, over: Partial<AuditBegin> = {}): AuditBegin => ({
  actorId: null,
  accountId: `acc-${i}`,
  action: "SET_MMP",
  input: JSON.stringify({ i }),
  ...over,
});

describePg("PostgreSQL audit writes", () => {
  const target = postgresTarget();
  let db: TestDatabase;
  let store: PostgresStore;
  const clients: Client[] = [];

  async function connect(): Promise<Client> {
    const c = new Client({ connectionString: db.location });
    await c.connect();
    clients.push(c);
    return c;
  }

  /** the SQL texts the store's pool is asked to run from now on */
  function spyQueries(): string[] {
    const texts: string[] = [];
    const pool = (store as unknown as { pool: { query: (...a: unknown[]) => unknown } }).pool;
    const original = pool.query.bind(pool);
    jest.spyOn(pool, "query").mockImplementation((...args: unknown[]) => {
      const first = args[0];
      // a text, or a query config (named prepared statements carry their text in it)
      texts.push(
        typeof first === "object" && first !== null
          ? String((first as { text: unknown }).text)
          : String(first),
      );
      return original(...args);
    });
    return texts;
  }

  beforeEach(async () => {
    db = await target.fresh();
    store = db.store as PostgresStore;
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(clients.splice(0).map((c) => c.end()));
  });

  afterAll(() => target.cleanup());

  it("writes begins that arrive together in one statement, with increasing ids in arrival order", async () => {
    const texts = spyQueries();
    const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => store.auditBegin(begin(i))));
    expect(texts.filter((t) => /INSERT INTO audit_log/.test(t))).toHaveLength(1);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(30);
    const rows = await store.listAudit({ limit: 100 });
    // each caller's id is its own row
    const byId = new Map(rows.map((r) => [r.id, r.accountId]));
    ids.forEach((id, i) => expect(byId.get(id)).toBe(`acc-${i}`));
  });

  it("queues begins arriving while a batch is written into the next batch", async () => {
    const texts = spyQueries();
    const first = Array.from({ length: 5 }, (_, i) => store.auditBegin(begin(i)));
    await new Promise((r) => setImmediate(r)); // the first batch is on its way
    const second = Array.from({ length: 5 }, (_, i) => store.auditBegin(begin(10 + i)));
    const ids = await Promise.all([...first, ...second]);
    expect(texts.filter((t) => /INSERT INTO audit_log/.test(t))).toHaveLength(2);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it("keeps the name the caller gives, and looks it up when none is given", async () => {
    const bob = await store.addUser("bob", false);
    await store.auditBegin(begin(1, { actorId: bob.id, actorName: "bob (then)" }));
    await store.auditBegin(begin(2, { actorId: bob.id }));
    const rows = await store.listAudit({ limit: 10 });
    expect(rows.map((r) => r.actorName)).toEqual(["bob", "bob (then)"]);
  });

  it("fails only the row at fault, not the others of its batch", async () => {
    const results = await Promise.allSettled([
      store.auditBegin(begin(1)),
      store.auditBegin(begin(2, { action: null as never })), // NOT NULL: the batch is retried row by row
      store.auditBegin(begin(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const rows = await store.listAudit({ limit: 10 });
    expect(rows.map((r) => r.accountId)).toEqual(["acc-3", "acc-1"]);
  });

  it("commits a completion with synchronous_commit off for its own transaction only", async () => {
    const id = await store.auditBegin(begin(1));
    const texts = spyQueries();
    await store.auditComplete(id, { outcome: "SUCCEEDED", result: "{}", durationMs: 3.4 });
    // a lone completion: the one-row form of the statement
    expect(texts).toEqual([AUDIT_COMPLETE_ONE_SQL]);
    const [r] = await store.listAudit({ limit: 1 });
    expect(r).toMatchObject({ id, outcome: "SUCCEEDED", result: "{}", durationMs: 3 });
    // Each form's own setting is in force while it runs, and gone after its transaction.
    const c = await connect();
    const probe = (sql: string) =>
      sql.replace("RETURNING a.id", "RETURNING current_setting('synchronous_commit') AS s");
    const batch = await c.query<{ s: string }>(probe(AUDIT_COMPLETE_SQL), [
      [id],
      ["FAILED"],
      [null],
      [null],
      [1],
      [null],
    ]);
    const one = await c.query<{ s: string }>(probe(AUDIT_COMPLETE_ONE_SQL), [
      id,
      "FAILED",
      null,
      null,
      1,
      null,
    ]);
    expect([batch.rows[0]?.s, one.rows[0]?.s]).toEqual(["off", "off"]);
    const after = await c.query<{ s: string }>("SHOW synchronous_commit");
    expect(after.rows[0]?.s).not.toBe("off");
  });

  it("writes completions that arrive together in one statement; of one record's, the last wins", async () => {
    const [a, b, c] = await Promise.all([1, 2, 3].map((i) => store.auditBegin(begin(i))));
    const texts = spyQueries();
    const results = await Promise.allSettled([
      store.auditComplete(a!, { outcome: "UNKNOWN", exchangeMessage: "timeout", durationMs: 10 }),
      store.auditComplete(b!, {
        outcome: "REJECTED",
        exchangeCode: -1102,
        exchangeMessage: "bad",
        durationMs: 2,
      }),
      store.auditComplete(987654, { outcome: "FAILED", durationMs: 1 }),
      store.auditComplete(a!, { outcome: "SUCCEEDED", result: '{"ok":true}', durationMs: 12 }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(StoreNotFoundError);
    expect(texts.filter((t) => t === AUDIT_COMPLETE_SQL)).toHaveLength(1);
    const rows = new Map((await store.listAudit({ limit: 10 })).map((r) => [r.id, r]));
    expect(rows.get(a!)).toMatchObject({
      outcome: "SUCCEEDED",
      exchangeMessage: null,
      result: '{"ok":true}',
      durationMs: 12,
    });
    expect(rows.get(b!)).toMatchObject({ outcome: "REJECTED", exchangeCode: -1102, exchangeMessage: "bad" });
    expect(rows.get(c!)).toMatchObject({ outcome: "PENDING" });
  });

  it("rejects a completion of a record that does not exist", async () => {
    const p = store.auditComplete(987654, { outcome: "FAILED", durationMs: 1 });
    await expect(p).rejects.toThrow(StoreNotFoundError);
    await expect(p).rejects.toThrow("audit record 987654 does not exist");
  });

  it("writes begins still queued when the store closes", async () => {
    const pending = store.auditBegin(begin(7));
    await store.close();
    const id = await pending;
    const c = await connect();
    const { rows } = await c.query<{ id: string; outcome: string }>("SELECT id, outcome FROM audit_log");
    expect(rows.map((r) => [Number(r.id), r.outcome])).toEqual([[id, "PENDING"]]);
    await expect(store.auditBegin(begin(8))).rejects.toThrow();
  });

  describe("prepared statements", () => {
    const pools: Pool[] = [];
    afterEach(async () => {
      await Promise.all(pools.splice(0).map((p) => p.end()));
    });

    /** a writer on a one-connection pool, so that pg_prepared_statements shows that connection's */
    async function writerOn(prepared: boolean | undefined) {
      const pool = new Pool({ connectionString: db.location, max: 1 });
      pools.push(pool);
      const writer = new PostgresAuditWriter(pool, {
        lock: [7_001, 1],
        missing: (id) => new Error(`no audit record ${id}`),
        ...(prepared === undefined ? {} : { prepared }),
      });
      const statements = async () =>
        (
          await pool.query<{ name: string }>("SELECT name FROM pg_prepared_statements ORDER BY name")
        ).rows.map((r) => r.name);
      return { writer, statements };
    }
    const row = (i: number) => ({
      at: new Date(),
      actorId: null,
      actorName: null,
      accountId: `acc-${i}`,
      action: "SET_MMP" as const,
      input: JSON.stringify({ i }),
      previous: null,
    });
    const done = (id: number) => ({
      id,
      outcome: "SUCCEEDED" as const,
      exchangeCode: null,
      exchangeMessage: null,
      durationMs: 3,
      result: "{}",
    });

    it("are used by default: both writes are prepared once per connection and reused", async () => {
      const { writer, statements } = await writerOn(undefined);
      const first = await writer.begin(row(1));
      await writer.complete(done(first));
      // lone writes: the one-row forms
      expect(await statements()).toEqual(
        [AUDIT_STATEMENT_NAMES.completeOne, AUDIT_STATEMENT_NAMES.insertOne].sort(),
      );
      // writes arriving together: the batch forms, with ids in arrival order
      const pair = await Promise.all([writer.begin(row(3)), writer.begin(row(4))]);
      expect(pair[1]).toBeGreaterThan(pair[0]);
      expect(pair[0]).toBeGreaterThan(first);
      await Promise.all(pair.map((id) => writer.complete(done(id))));
      expect(await statements()).toEqual(Object.values(AUDIT_STATEMENT_NAMES).sort());
      // the same connection runs them again (preparing a name twice in one session would fail), with the
      // right answers
      const second = await writer.begin(row(2));
      expect(second).toBeGreaterThan(first);
      await writer.complete(done(second));
      await expect(writer.complete(done(second + 1000))).rejects.toThrow(`no audit record ${second + 1000}`);
      const c = await connect();
      const rows = (
        await c.query<{ id: string; outcome: string }>("SELECT id, outcome FROM audit_log ORDER BY id")
      ).rows;
      expect(rows.map((r) => [Number(r.id), r.outcome])).toEqual([
        [first, "SUCCEEDED"],
        [pair[0], "SUCCEEDED"],
        [pair[1], "SUCCEEDED"],
        [second, "SUCCEEDED"],
      ]);
    });

    it("the store keeps its connections custom-planning, so a young table's plan does not stick", async () => {
      const pool = (store as unknown as { pool: Pool }).pool;
      const modes = await Promise.all(
        Array.from({ length: 3 }, () => pool.query<{ plan_cache_mode: string }>("SHOW plan_cache_mode")),
      );
      expect(modes.map((r) => r.rows[0]?.plan_cache_mode)).toEqual(Array(3).fill("force_custom_plan"));
    });

    it("follow openStore's preparedStatements (DATABASE_PREPARED_STATEMENTS)", async () => {
      const modeOf = async (preparedStatements: boolean | undefined) => {
        const opened = openStore(db.location, preparedStatements === undefined ? {} : { preparedStatements });
        try {
          const pool = (opened as unknown as { pool: Pool }).pool;
          return (await pool.query<{ plan_cache_mode: string }>("SHOW plan_cache_mode")).rows[0]
            ?.plan_cache_mode;
        } finally {
          await opened.close();
        }
      };
      expect(await modeOf(undefined)).toBe("force_custom_plan");
      expect(await modeOf(true)).toBe("force_custom_plan");
      // off: the server's default, as for any unnamed statement
      expect(await modeOf(false)).toBe("auto");
    });

    it("can be turned off (for a transaction-pooling proxy without support for them)", async () => {
      const { writer, statements } = await writerOn(false);
      await writer.complete(done(await writer.begin(row(1))));
      expect(await statements()).toEqual([]);
    });
  });
});
