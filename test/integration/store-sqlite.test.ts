/** What only the SQLite adapter and openStore promise: the file, its settings, the URL forms. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import Database from "better-sqlite3";
import { accountBinding, parseMasterKey, SecretSealer } from "../../src/secrets";
import { openStore } from "../../src/store/open-store";
import type { Store } from "../../src/store/port";
import { PostgresStore } from "../../src/store/postgres/postgres-store";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store";

let dir: string;
const opened: Store[] = [];
const track = <S extends Store>(s: S): S => {
  opened.push(s);
  return s;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mmp-sqlite-test-"));
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** The connection's pragmas; the handle is private because nothing but this test needs it. */
function pragma(store: SqliteStore, name: string): unknown {
  return (store as unknown as { db: Database.Database }).db.pragma(name, { simple: true });
}

describe("SqliteStore", () => {
  it("creates the parent directories and uses WAL, synchronous=FULL, foreign keys and a busy timeout", async () => {
    const path = join(dir, "nested", "deeper", "gateway.sqlite");
    const store = track(new SqliteStore(path));
    await store.migrate();
    expect(existsSync(path)).toBe(true);
    expect(pragma(store, "journal_mode")).toBe("wal");
    expect(pragma(store, "synchronous")).toBe(2); // FULL
    expect(pragma(store, "foreign_keys")).toBe(1);
    expect(pragma(store, "busy_timeout")).toBe(5000);
  });

  it("records each migration once in schema_migrations", async () => {
    const path = join(dir, "gateway.sqlite");
    const a = track(new SqliteStore(path));
    await a.migrate();
    await a.migrate();
    const b = track(new SqliteStore(path));
    await b.migrate();
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.prepare("SELECT version, name FROM schema_migrations").all()).toEqual([
        { version: 1, name: "initial schema" },
        { version: 2, name: "account venues" },
      ]);
    } finally {
      raw.close();
    }
  });

  it("refuses a database migrated by a newer gateway", async () => {
    const path = join(dir, "gateway.sqlite");
    const a = track(new SqliteStore(path));
    await a.migrate();
    const raw = new Database(path);
    raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)").run();
    raw.close();
    await expect(track(new SqliteStore(path)).migrate()).rejects.toThrow(
      "the database schema is at version 99, newer than this gateway knows (2); upgrade the gateway",
    );
  });

  it("never writes a secret's plaintext to the database files", async () => {
    const path = join(dir, "gateway.sqlite");
    const store = track(new SqliteStore(path));
    await store.migrate();
    const sealer = new SecretSealer(parseMasterKey(Buffer.alloc(32, 7).toString("base64")));
    const plaintext = "PLAINTEXT-HMAC-SECRET-0123456789abcdef";
    const sealed = sealer.seal(plaintext, accountBinding("desk-a"));
    await store.addAccount({
      id: "desk-a",
      apiKey: "api-key",
      keyType: "hmac",
      baseUrl: null,
      secretSealed: sealed,
    });
    await store.rotateAccountKey(
      "desk-a",
      "api-key-2",
      sealer.seal(plaintext + "-rotated", accountBinding("desk-a")),
    );

    const bytes = () =>
      Buffer.concat([path, `${path}-wal`].filter(existsSync).map((p) => readFileSync(p))).toString("latin1");
    // while open (the write may still be in the WAL), then after a checkpoint into the main file
    expect(bytes()).toContain("api-key-2");
    expect(bytes()).not.toContain(plaintext);
    await store.close();
    expect(readFileSync(path).toString("latin1")).toContain("api-key-2");
    expect(bytes()).not.toContain(plaintext);
  });

  it("lets a second process-like instance write while the first holds the file", async () => {
    const path = join(dir, "gateway.sqlite");
    const server = track(new SqliteStore(path));
    await server.migrate();
    const cli = track(new SqliteStore(path));
    await cli.migrate();
    await cli.addUser("bob", false);
    const v = await server.authVersion();
    await cli.addTeam("desk");
    await cli.addMember("desk", "bob");
    expect(await server.authVersion()).toBeGreaterThan(v);
    expect(await server.teamsOfUser((await server.getUserByName("bob"))?.id ?? "")).toEqual(["desk"]);
  });

  it("works in memory", async () => {
    const store = track(new SqliteStore(":memory:"));
    await store.migrate();
    expect(await store.ready()).toBe(true);
    await store.addTeam("t");
    expect(await store.listTeams()).toEqual(["t"]);
  });
});

describe("openStore", () => {
  it("opens sqlite:<relative path> against the working directory", async () => {
    const abs = join(dir, "sub", "gateway.sqlite");
    const store = track(openStore(`sqlite:${relative(process.cwd(), abs)}`));
    expect(store.kind).toBe("sqlite");
    await store.migrate();
    expect(existsSync(abs)).toBe(true);
  });

  it("opens sqlite:<absolute path>, sqlite:///<absolute path> and sqlite::memory:", async () => {
    const a = track(openStore(`sqlite:${join(dir, "a.sqlite")}`));
    const b = track(openStore(`sqlite://${join(dir, "b.sqlite")}`));
    const m = track(openStore("sqlite::memory:"));
    for (const s of [a, b, m]) await s.migrate();
    expect(existsSync(join(dir, "a.sqlite"))).toBe(true);
    expect(existsSync(join(dir, "b.sqlite"))).toBe(true);
    expect(m.kind).toBe("sqlite");
  });

  it("opens postgres:// and postgresql:// as PostgresStore (connecting lazily)", async () => {
    for (const url of ["postgres://u@127.0.0.1:1/db", "postgresql://u@127.0.0.1:1/db"]) {
      const s = track(openStore(url));
      expect(s).toBeInstanceOf(PostgresStore);
      expect(s.kind).toBe("postgres");
    }
  });

  it("names DATABASE_URL for anything else, without echoing credentials", () => {
    expect(() => openStore("mysql://root:hunter2@db/x")).toThrow(
      "DATABASE_URL has the unsupported scheme 'mysql:'; expected sqlite:<path>, sqlite::memory:, or postgres://user@host:port/database",
    );
    expect(() => openStore("mysql://root:hunter2@db/x")).not.toThrow(/hunter2/);
    expect(() => openStore("./gateway.sqlite")).toThrow(/^DATABASE_URL is not a URL/);
    expect(() => openStore("")).toThrow(/^DATABASE_URL/);
    expect(() => openStore("sqlite:")).toThrow("DATABASE_URL has no file path after 'sqlite:'");
  });
});
