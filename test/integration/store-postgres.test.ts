/** What only the PostgreSQL adapter promises beyond the shared suite. */
import { Client } from "pg";
import { ADVISORY_LOCKS } from "../../src/store/postgres/postgres-store";
import { postgresSkipped, postgresTarget, type TestDatabase } from "../helpers/store";

const describePg = postgresSkipped ? describe.skip : describe;

describePg("PostgresStore", () => {
  const target = postgresTarget();
  let db: TestDatabase;
  const clients: Client[] = [];

  /** a plain connection in the test's schema, outside the store's pool */
  async function connect(searchPath = true): Promise<Client> {
    const url = searchPath ? db.location : db.location.replace(/\?.*$/, "");
    const c = new Client({ connectionString: url });
    await c.connect();
    clients.push(c);
    return c;
  }

  beforeEach(async () => {
    db = await target.fresh();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end()));
  });

  afterAll(() => target.cleanup());

  it("keeps its tables in the schema named by the connection string", async () => {
    const c = await connect();
    const { rows } = await c.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
      [db.schema],
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      "accounts",
      "audit_log",
      "auth_version",
      "grants",
      "memberships",
      "meta",
      "schema_migrations",
      "teams",
      "tokens",
      "users",
    ]);
  });

  it("bumps auth_version also for writes from a session with another search_path", async () => {
    const v = await db.store.authVersion();
    const c = await connect(false);
    await c.query(`INSERT INTO ${db.schema}.teams (name) VALUES ('from-psql')`);
    expect(await db.store.authVersion()).toBe(v + 1);
  });

  it("draws an audit id only after taking the audit lock, so ids become visible in increasing order", async () => {
    // Another transaction holds the audit lock, as a concurrent auditBegin would until its commit.
    const holder = await connect();
    await holder.query("BEGIN");
    await holder.query("SELECT pg_advisory_xact_lock($1, $2)", [ADVISORY_LOCKS.class, ADVISORY_LOCKS.audit]);

    let settled = false;
    const pending = db.store
      .auditBegin({ actorId: null, accountId: "a", action: "SET_MMP", input: "{}" })
      .finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 150));
    expect(settled).toBe(false);

    // The waiting insert has not drawn its id yet: one drawn now is smaller than the one it will get.
    const drawn = await holder.query<{ id: string }>("SELECT nextval('audit_log_id_seq') AS id");
    await holder.query("COMMIT");
    expect(await pending).toBeGreaterThan(Number(drawn.rows[0]?.id));
  });

  it("returns audit ids as numbers", async () => {
    const id = await db.store.auditBegin({ actorId: null, accountId: null, action: "USER_ADD", input: "{}" });
    expect(typeof id).toBe("number");
    const [r] = await db.store.listAudit({ limit: 1 });
    expect(r?.id).toBe(id);
  });
});
