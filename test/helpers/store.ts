/**
 * Store adapters for the shared store test suite: each test gets an empty database (a new SQLite file, or
 * the test file's PostgreSQL schema emptied), and can open further Store instances on the same database.
 *
 * PostgreSQL is required unless STORE_TESTS_SKIP_POSTGRES=1: an unreachable server fails the tests
 * loudly rather than letting the adapter go untested. STORE_TEST_POSTGRES_URL overrides where it is.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import type { Store } from "../../src/store/port";
import { PostgresStore } from "../../src/store/postgres/postgres-store";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store";

export interface TestDatabase {
  /** a Store on the database, migrated unless asked otherwise */
  store: Store;
  /** another Store instance on the same database (as the CLI next to the server), not migrated */
  reopen(): Store;
  /** SQLite: the file path; PostgreSQL: the connection string including the schema */
  location: string;
  /** PostgreSQL: the test's schema */
  schema?: string;
}

export interface StoreTarget {
  readonly kind: "sqlite" | "postgres";
  fresh(opts?: { migrate?: boolean }): Promise<TestDatabase>;
  /** closes every store opened and removes the databases; call in afterAll */
  cleanup(): Promise<void>;
}

export const postgresSkipped = process.env.STORE_TESTS_SKIP_POSTGRES === "1";

export function storeTargets(): StoreTarget[] {
  return postgresSkipped ? [sqliteTarget()] : [sqliteTarget(), postgresTarget()];
}

export function sqliteTarget(): StoreTarget {
  const dir = mkdtempSync(join(tmpdir(), "mmp-store-test-"));
  const opened: Store[] = [];
  let n = 0;
  const open = (path: string) => {
    const s = new SqliteStore(path);
    opened.push(s);
    return s;
  };
  return {
    kind: "sqlite",
    async fresh(opts = {}) {
      const location = join(dir, `db-${++n}`, "gateway.sqlite");
      const store = open(location);
      if (opts.migrate !== false) await store.migrate();
      return { store, location, reopen: () => open(location) };
    },
    async cleanup() {
      await Promise.all(opened.map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const POSTGRES_CANDIDATES = process.env.STORE_TEST_POSTGRES_URL
  ? [process.env.STORE_TEST_POSTGRES_URL]
  : ["postgres://postgres@127.0.0.1:5432/test", "postgres://root@127.0.0.1:5432/test"];

async function connectAdmin(): Promise<{ client: Client; url: string }> {
  const failures: string[] = [];
  for (const url of POSTGRES_CANDIDATES) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      return { client, url };
    } catch (e) {
      failures.push(`${url.replace(/:[^:@/]*@/, ":***@")}: ${(e as Error).message}`);
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(
    `PostgreSQL store tests cannot reach a server (${failures.join("; ")}). ` +
      "Start PostgreSQL, point STORE_TEST_POSTGRES_URL at one, or set STORE_TESTS_SKIP_POSTGRES=1 to skip them.",
  );
}

export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set("options", `-c search_path=${schema}`);
  return u.toString();
}

/** Empties a migrated schema between tests: much cheaper than creating and migrating a new one. */
// DELETE rather than TRUNCATE: on tables this small it is several times faster (no new relation files).
const RESET_SQL = `
  DELETE FROM grants; DELETE FROM memberships; DELETE FROM tokens; DELETE FROM teams; DELETE FROM users;
  DELETE FROM accounts; DELETE FROM meta; DELETE FROM audit_log;
  UPDATE auth_version SET version = 0;`;

/**
 * One migrated schema per test file, emptied for each test; a test that asks for an unmigrated database
 * gets a schema of its own. Stores from earlier tests are closed when the next test starts.
 */
export function postgresTarget(): StoreTarget {
  let admin: Promise<{ client: Client; url: string }> | undefined;
  let shared: string | undefined;
  const schemas: string[] = [];
  let opened: Store[] = [];
  const open = (url: string) => {
    const s = new PostgresStore(url, { max: 4 });
    opened.push(s);
    return s;
  };
  const newSchema = async (client: Client) => {
    const schema = `t_${randomBytes(6).toString("hex")}`;
    await client.query(`CREATE SCHEMA ${schema}`);
    schemas.push(schema);
    return schema;
  };
  return {
    kind: "postgres",
    async fresh(opts = {}) {
      admin ??= connectAdmin();
      const { client, url } = await admin;
      const previous = opened;
      opened = [];
      await Promise.all(previous.map((s) => s.close()));
      let schema: string;
      if (opts.migrate === false) {
        schema = await newSchema(client);
      } else if (shared === undefined) {
        schema = shared = await newSchema(client);
      } else {
        schema = shared;
        await client.query(`SET search_path = ${schema}`);
        await client.query(RESET_SQL);
      }
      const location = withSearchPath(url, schema);
      const store = open(location);
      if (opts.migrate !== false) await store.migrate();
      return { store, location, schema, reopen: () => open(location) };
    },
    async cleanup() {
      await Promise.all(opened.map((s) => s.close()));
      opened = [];
      if (admin === undefined) return;
      const { client } = await admin.catch(() => ({ client: undefined }));
      if (client === undefined) return;
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}
