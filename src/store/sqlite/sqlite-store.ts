/**
 * The embedded, default Store: one SQLite file shared by the server and the CLI (possibly at the same
 * time, from different processes). better-sqlite3 is synchronous; the async methods resolve at once.
 */
import { mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { KeyType, Role, Venue } from "../../domain";
import * as msg from "../messages";
import { SQLITE_MIGRATIONS } from "../migrations/sqlite";
import { assertContiguous, latestVersion } from "../migrations/types";
import * as shared from "../rows";
import { InlineAuditWriter, WorkerAuditWriter, type AuditWriter } from "./audit-writer";
import { createPrivateFile, restrictCompanionFiles } from "./private-file";
import type {
  AccountRecord,
  NewAccountRecord,
  AuditBegin,
  AuditCompletion,
  AuditQuery,
  AuditRecord,
  GrantRecord,
  MembershipRecord,
  ResealResult,
  SealedValueOwner,
  Store,
  TokenRecord,
  UserRecord,
} from "../port";

type Db = Database.Database;
type Stmt<P extends unknown[], R = unknown> = Database.Statement<P, R>;

/** SQLite stores times as epoch milliseconds and booleans as 0/1; the audit id fits a number */
type AccountRow = shared.AccountRow<number>;
type UserRow = shared.UserRow<number, 0 | 1>;
type TokenRow = shared.TokenRow<number>;
type TokenUserRow = shared.TokenUserRow<number, 0 | 1>;
type AuditRow = shared.AuditRow<number, number>;
const { toAccount, toUser, toToken, toTokenAndUser, toAudit } = shared.rowMappers({
  time: (v: number) => new Date(v),
  bool: (v: 0 | 1) => v === 1,
  auditId: (v: number) => v,
});

const MIGRATIONS = SQLITE_MIGRATIONS;
assertContiguous(MIGRATIONS);
const LATEST = latestVersion(MIGRATIONS);

/** Every statement the store runs, prepared once (after migrate(), since preparing needs the tables). */
function prepareStatements(db: Db) {
  return {
    getMeta: db.prepare<[string], string>("SELECT value FROM meta WHERE key = ?").pluck(),
    setMeta: db.prepare<[string, string]>(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ),

    insertAccount: db.prepare<[string, string, KeyType, string | null, string, number, Venue]>(
      `INSERT INTO accounts (${shared.ACCOUNT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    getAccount: db.prepare<[string], AccountRow>(
      `SELECT ${shared.ACCOUNT_COLUMNS} FROM accounts WHERE id = ?`,
    ),
    listAccounts: db.prepare<[], AccountRow>(`SELECT ${shared.ACCOUNT_COLUMNS} FROM accounts ORDER BY id`),
    deleteAccount: db.prepare<[string]>("DELETE FROM accounts WHERE id = ?"),
    rotateAccountKey: db.prepare<[string, string, string]>(
      "UPDATE accounts SET api_key = ?, secret_sealed = ? WHERE id = ?",
    ),
    listAccountSecrets: db.prepare<[], { id: string; secret_sealed: string }>(
      "SELECT id, secret_sealed FROM accounts ORDER BY id",
    ),
    setAccountSecret: db.prepare<[string, string]>("UPDATE accounts SET secret_sealed = ? WHERE id = ?"),

    insertUser: db.prepare<[string, string, 0 | 1, number]>(
      "INSERT INTO users (id, name, admin, disabled, created_at) VALUES (?, ?, ?, 0, ?)",
    ),
    getUser: db.prepare<[string], UserRow>(`SELECT ${shared.USER_COLUMNS} FROM users WHERE id = ?`),
    getUserByName: db.prepare<[string], UserRow>(`SELECT ${shared.USER_COLUMNS} FROM users WHERE name = ?`),
    listUsers: db.prepare<[], UserRow>(`SELECT ${shared.USER_COLUMNS} FROM users ORDER BY name`),
    // Only a real change is written: an unchanged row would still fire the auth_version trigger.
    setUserDisabled: db.prepare<[0 | 1, string, 0 | 1]>(
      "UPDATE users SET disabled = ? WHERE name = ? AND disabled <> ?",
    ),

    insertToken: db.prepare<[string, string, string, number]>(
      "INSERT INTO tokens (id, user_id, hash, created_at) VALUES (?, ?, ?, ?)",
    ),
    findTokenByHash: db.prepare<[string], TokenUserRow>(
      `${shared.TOKEN_USER_SELECT}
        WHERE t.hash = ?`,
    ),
    revokeToken: db.prepare<[number, string]>(
      "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
    ),
    listTokens: db.prepare<[string], TokenRow>(
      `SELECT ${shared.TOKEN_COLUMNS} FROM tokens WHERE user_id = ? ORDER BY created_at, id`,
    ),

    insertTeam: db.prepare<[string]>("INSERT INTO teams (name) VALUES (?)"),
    teamExists: db.prepare<[string], 1>("SELECT 1 FROM teams WHERE name = ?").pluck(),
    listTeams: db.prepare<[], string>("SELECT name FROM teams ORDER BY name").pluck(),
    userIdByName: db.prepare<[string], string>("SELECT id FROM users WHERE name = ?").pluck(),
    insertMember: db.prepare<[string, string]>("INSERT INTO memberships (team, user_id) VALUES (?, ?)"),
    deleteMember: db.prepare<[string, string]>(
      "DELETE FROM memberships WHERE team = ? AND user_id = (SELECT id FROM users WHERE name = ?)",
    ),
    teamsOfUser: db
      .prepare<[string], string>("SELECT team FROM memberships WHERE user_id = ? ORDER BY team")
      .pluck(),
    listMemberships: db.prepare<[], shared.MembershipRow>(
      `SELECT m.team, m.user_id, u.name AS user_name
         FROM memberships m JOIN users u ON u.id = m.user_id
        ORDER BY m.team, u.name`,
    ),

    accountExists: db.prepare<[string], 1>("SELECT 1 FROM accounts WHERE id = ?").pluck(),
    // An unchanged role is not a change: skipping the update keeps caches (auth_version) warm.
    upsertGrant: db.prepare<[string, string, Role]>(
      `INSERT INTO grants (team, account_id, role) VALUES (?, ?, ?)
       ON CONFLICT (team, account_id) DO UPDATE SET role = excluded.role WHERE grants.role <> excluded.role`,
    ),
    deleteGrant: db.prepare<[string, string]>("DELETE FROM grants WHERE team = ? AND account_id = ?"),
    grantsOfUser: db.prepare<[string], shared.GrantRow>(
      `SELECT g.team, g.account_id, g.role
         FROM grants g JOIN memberships m ON m.team = g.team
        WHERE m.user_id = ?
        ORDER BY g.account_id, g.team`,
    ),
    listGrants: db.prepare<[], shared.GrantRow>(
      "SELECT team, account_id, role FROM grants ORDER BY team, account_id",
    ),

    authVersion: db.prepare<[], number>("SELECT version FROM auth_version WHERE id = 1").pluck(),

    listAudit: db.prepare<[number, number], AuditRow>(
      `SELECT ${shared.AUDIT_COLUMNS} FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?`,
    ),
    // The account list travels as one JSON array so that a single prepared statement serves any length.
    listAuditOfAccounts: db.prepare<[string, number, number], AuditRow>(
      `SELECT ${shared.AUDIT_COLUMNS} FROM audit_log
        WHERE account_id IN (SELECT value FROM json_each(?)) AND id < ?
        ORDER BY id DESC LIMIT ?`,
    ),
    pendingAudit: db.prepare<[], AuditRow>(
      `SELECT ${shared.AUDIT_COLUMNS} FROM audit_log WHERE outcome = 'PENDING' ORDER BY id`,
    ),
    // Conditional on PENDING: a record already settled (by its request, or by another sweep) is left as is.
    settleAudit: db.prepare<[string, number | null, string | null, number, string | null, number]>(
      `UPDATE audit_log
          SET outcome = ?, exchange_code = ?, exchange_message = ?, duration_ms = ?, result = ?
        WHERE id = ? AND outcome = 'PENDING'`,
    ),
  };
}
type Statements = ReturnType<typeof prepareStatements>;

export interface SqliteStoreOptions {
  /**
   * Where audit writes are committed (audit-writer.ts): "inline", on the store's own connection, in
   * batches whose fsync the event loop waits for; "thread", by a worker thread on a connection of its
   * own, so that fsyncs and checkpoints never stop the event loop, for the price of a message to the
   * thread and back per batch and a second JS heap (10-30 MB); "adaptive", lone writes inline and
   * batches of several by the thread (see WorkerAuditWriterOptions.loneWritesInline). "auto" (default):
   * "adaptive" when the machine has at least AUDIT_THREAD_MIN_CPUS CPUs to run the thread beside the
   * event loop, else "inline". Always "inline" for ":memory:".
   */
  auditWrites?: "auto" | "adaptive" | "thread" | "inline";
}

/** see SqliteStoreOptions.auditWrites */
export const AUDIT_THREAD_MIN_CPUS = 2;

export class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  private readonly db: Db;
  private statements: Statements | undefined;
  private readyStatement: Stmt<[number], number> | undefined;
  private auditWriter: AuditWriter | undefined;
  private readonly auditMode: "adaptive" | "thread" | "inline";

  /** `path` of the database file (its directory is created), or ":memory:" for tests. */
  constructor(
    private readonly path: string,
    options: SqliteStoreOptions = {},
  ) {
    const mode = options.auditWrites ?? "auto";
    this.auditMode =
      path === ":memory:"
        ? "inline"
        : mode !== "auto"
          ? mode
          : availableParallelism() >= AUDIT_THREAD_MIN_CPUS
            ? "adaptive"
            : "inline";
    if (path !== ":memory:") {
      mkdirSync(dirname(path), { recursive: true });
      createPrivateFile(path);
    }
    // The CLI and the server may write at the same moment; wait for the other's lock rather than fail.
    this.db = new Database(path, { timeout: 5000 });
    try {
      this.db.pragma("busy_timeout = 5000");
      // WAL lets the server keep reading while the CLI writes. In WAL mode synchronous=NORMAL may lose the
      // last committed transactions on power loss; the audit log records what was sent to the exchange and
      // must survive, so commits are synced (FULL). The one exception, a batch of audit completions alone,
      // and what is durable when, are explained in audit-writer.ts.
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = FULL");
      this.db.pragma("foreign_keys = ON");
      if (path !== ":memory:") restrictCompanionFiles(path);
    } catch (e) {
      this.db.close();
      throw e;
    }
  }

  private get s(): Statements {
    this.statements ??= prepareStatements(this.db);
    return this.statements;
  }

  /** audit writes, group-committed (audit-writer.ts); created on the first, after migrate() */
  private get audit(): AuditWriter {
    const options = { missing: msg.auditMissing };
    this.auditWriter ??=
      this.auditMode === "inline"
        ? new InlineAuditWriter(this.db, options)
        : new WorkerAuditWriter(this.path, this.db, {
            ...options,
            loneWritesInline: this.auditMode === "adaptive",
          });
    return this.auditWriter;
  }

  async migrate(): Promise<void> {
    const db = this.db;
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    )`);
    const maxApplied = db.prepare<[], number | null>("SELECT max(version) FROM schema_migrations").pluck();
    const applied = db.prepare<[number], 1>("SELECT 1 FROM schema_migrations WHERE version = ?").pluck();
    const record = db.prepare<[number, string, number]>(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
    );
    const dbVersion = maxApplied.get() ?? 0;
    if (dbVersion > LATEST) throw msg.schemaTooNew(dbVersion, LATEST);
    for (const m of MIGRATIONS) {
      // IMMEDIATE takes the write lock before the check, so two processes migrating at once apply each
      // migration exactly once; the loser waits (busy_timeout), then sees it applied.
      db.transaction(() => {
        if (applied.get(m.version) !== undefined) return;
        db.exec(m.sql);
        record.run(m.version, m.name, Date.now());
      }).immediate();
    }
    this.statements ??= prepareStatements(db);
  }

  async ready(): Promise<boolean> {
    try {
      // Prepared on first success only: before migrate() the table may not exist yet.
      this.readyStatement ??= this.db
        .prepare<[number], number>("SELECT count(*) FROM schema_migrations WHERE version <= ?")
        .pluck();
      return this.readyStatement.get(LATEST) === LATEST;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    // Audit writes still queued are committed first: their callers are waiting for them.
    await this.auditWriter?.close();
    if (this.db.open) this.db.close();
  }

  async getMeta(key: string): Promise<string | null> {
    return this.s.getMeta.get(key) ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.s.setMeta.run(key, value);
  }

  async addAccount(a: NewAccountRecord): Promise<AccountRecord> {
    const now = Date.now();
    try {
      this.s.insertAccount.run(
        a.id,
        a.apiKey,
        a.keyType,
        a.baseUrl,
        a.secretSealed,
        now,
        a.venue ?? "binance",
      );
    } catch (e) {
      if (isConstraint(e, "SQLITE_CONSTRAINT_PRIMARYKEY")) throw msg.accountExists(a.id);
      throw e;
    }
    return shared.insertedAccount(a, new Date(now));
  }

  async getAccount(id: string): Promise<AccountRecord | null> {
    const row = this.s.getAccount.get(id);
    return row === undefined ? null : toAccount(row);
  }

  async listAccounts(): Promise<AccountRecord[]> {
    return this.s.listAccounts.all().map(toAccount);
  }

  async removeAccount(id: string): Promise<boolean> {
    // Grants go with it through ON DELETE CASCADE, in the same statement.
    return this.s.deleteAccount.run(id).changes > 0;
  }

  async rotateAccountKey(id: string, apiKey: string, secretSealed: string): Promise<void> {
    if (this.s.rotateAccountKey.run(apiKey, secretSealed, id).changes === 0) throw msg.accountMissing(id);
  }

  async resealSecrets(
    reseal: (sealed: string, owner: SealedValueOwner) => string,
    metaKeys: readonly string[],
  ): Promise<ResealResult> {
    const s = this.s;
    // IMMEDIATE takes the write lock up front: another process (the CLI adding an account under the old
    // key) waits for the commit instead of writing between our read and our update.
    return this.db
      .transaction((): ResealResult => {
        const rows = s.listAccountSecrets.all();
        let accountsResealed = 0;
        for (const row of rows) {
          const next = reseal(row.secret_sealed, { kind: "account", id: row.id });
          if (next === row.secret_sealed) continue;
          s.setAccountSecret.run(next, row.id);
          accountsResealed++;
        }
        let metaResealed = 0;
        for (const key of metaKeys) {
          const value = s.getMeta.get(key);
          if (value === undefined) continue;
          const next = reseal(value, { kind: "meta", key });
          if (next === value) continue;
          s.setMeta.run(key, next);
          metaResealed++;
        }
        return { accounts: rows.length, accountsResealed, metaResealed };
      })
      .immediate();
  }

  async addUser(name: string, admin: boolean): Promise<UserRecord> {
    const id = shared.newId("u_");
    const now = Date.now();
    try {
      this.s.insertUser.run(id, name, admin ? 1 : 0, now);
    } catch (e) {
      if (isConstraint(e, "SQLITE_CONSTRAINT_UNIQUE")) throw msg.userExists(name);
      throw e;
    }
    return { id, name, admin, disabled: false, createdAt: new Date(now) };
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const row = this.s.getUser.get(id);
    return row === undefined ? null : toUser(row);
  }

  async getUserByName(name: string): Promise<UserRecord | null> {
    const row = this.s.getUserByName.get(name);
    return row === undefined ? null : toUser(row);
  }

  async listUsers(): Promise<UserRecord[]> {
    return this.s.listUsers.all().map(toUser);
  }

  async setUserDisabled(
    name: string,
    disabled: boolean,
  ): Promise<{ user: UserRecord; changed: boolean } | null> {
    const s = this.s;
    const flag = disabled ? 1 : 0;
    return this.db
      .transaction(() => {
        const changed = s.setUserDisabled.run(flag, name, flag).changes > 0;
        const row = s.getUserByName.get(name);
        return row === undefined ? null : { user: toUser(row), changed };
      })
      .immediate();
  }

  async addToken(userId: string, hash: string): Promise<TokenRecord> {
    const id = shared.newId("t_");
    const now = Date.now();
    try {
      this.s.insertToken.run(id, userId, hash, now);
    } catch (e) {
      if (isConstraint(e, "SQLITE_CONSTRAINT_FOREIGNKEY")) throw msg.userMissing(userId);
      if (isConstraint(e, "SQLITE_CONSTRAINT_UNIQUE")) throw msg.tokenExists();
      throw e;
    }
    return { id, userId, hash, createdAt: new Date(now), revokedAt: null };
  }

  async findTokenByHash(hash: string): Promise<{ token: TokenRecord; user: UserRecord } | null> {
    const r = this.s.findTokenByHash.get(hash);
    return r === undefined ? null : toTokenAndUser(r);
  }

  async revokeToken(tokenId: string): Promise<boolean> {
    return this.s.revokeToken.run(Date.now(), tokenId).changes > 0;
  }

  async listTokens(userId: string): Promise<TokenRecord[]> {
    return this.s.listTokens.all(userId).map(toToken);
  }

  async addTeam(name: string): Promise<void> {
    try {
      this.s.insertTeam.run(name);
    } catch (e) {
      if (isConstraint(e, "SQLITE_CONSTRAINT_PRIMARYKEY")) throw msg.teamExists(name);
      throw e;
    }
  }

  async listTeams(): Promise<string[]> {
    return this.s.listTeams.all();
  }

  async addMember(team: string, userName: string): Promise<void> {
    const s = this.s;
    this.db
      .transaction(() => {
        // Checked explicitly (team first, as the PostgreSQL adapter does) because SQLite's foreign-key
        // error does not say which reference is missing.
        if (s.teamExists.get(team) === undefined) throw msg.teamMissing(team);
        const userId = s.userIdByName.get(userName);
        if (userId === undefined) throw msg.userMissing(userName);
        try {
          s.insertMember.run(team, userId);
        } catch (e) {
          if (isConstraint(e, "SQLITE_CONSTRAINT_PRIMARYKEY")) throw msg.alreadyMember(team, userName);
          throw e;
        }
      })
      .immediate();
  }

  async removeMember(team: string, userName: string): Promise<boolean> {
    return this.s.deleteMember.run(team, userName).changes > 0;
  }

  async teamsOfUser(userId: string): Promise<string[]> {
    return this.s.teamsOfUser.all(userId);
  }

  async listMemberships(): Promise<MembershipRecord[]> {
    return this.s.listMemberships.all().map(shared.toMembership);
  }

  async grant(team: string, accountId: string, role: Role): Promise<void> {
    const s = this.s;
    this.db
      .transaction(() => {
        if (s.teamExists.get(team) === undefined) throw msg.teamMissing(team);
        if (s.accountExists.get(accountId) === undefined) throw msg.accountMissing(accountId);
        s.upsertGrant.run(team, accountId, role);
      })
      .immediate();
  }

  async revoke(team: string, accountId: string): Promise<boolean> {
    return this.s.deleteGrant.run(team, accountId).changes > 0;
  }

  async grantsOfUser(userId: string): Promise<GrantRecord[]> {
    return this.s.grantsOfUser.all(userId).map(shared.toGrant);
  }

  async listGrants(): Promise<GrantRecord[]> {
    return this.s.listGrants.all().map(shared.toGrant);
  }

  async authVersion(): Promise<number> {
    const v = this.s.authVersion.get();
    if (v === undefined) throw new Error("auth_version row is missing; the database is damaged");
    return v;
  }

  /** Group-committed with the other audit writes of this event-loop turn: see audit-writer.ts. */
  async auditBegin(e: AuditBegin): Promise<number> {
    return this.audit.begin([
      Date.now(),
      e.actorId,
      e.actorName ?? null,
      e.actorId,
      e.accountId,
      e.action,
      e.input,
      e.previous ?? null,
    ]);
  }

  /** Group-committed; durable against a power loss at the next fsync, not at once: see audit-writer.ts. */
  async auditComplete(id: number, c: AuditCompletion): Promise<void> {
    return this.audit.complete([...shared.completionValues(c), id]);
  }

  /**
   * On the store's own connection, not through the batching writer: settling is rare (reconciliation),
   * and one UPDATE with the PENDING condition is atomic against any other connection to the file.
   * Committed with synchronous=FULL like every other write outside the writer.
   */
  async auditSettle(id: number, c: AuditCompletion): Promise<boolean> {
    return this.s.settleAudit.run(...shared.completionValues(c), id).changes === 1;
  }

  async listAudit(q: AuditQuery): Promise<AuditRecord[]> {
    const limit = Math.max(0, Math.floor(q.limit));
    // ids are positive integers; MAX_SAFE_INTEGER stands for "no upper bound" in the one prepared form.
    const before = q.beforeId ?? Number.MAX_SAFE_INTEGER;
    if (limit === 0) return [];
    if (q.accountIds === undefined) return this.s.listAudit.all(before, limit).map(toAudit);
    // An empty list means "none of the accounts", e.g. a viewer with no grants: never "all".
    if (q.accountIds.length === 0) return [];
    return this.s.listAuditOfAccounts.all(JSON.stringify(q.accountIds), before, limit).map(toAudit);
  }

  async pendingAudit(): Promise<AuditRecord[]> {
    return this.s.pendingAudit.all().map(toAudit);
  }
}

function isConstraint(e: unknown, code: string): boolean {
  // Not `instanceof Database.SqliteError`: the native addon keeps the error class of the first module
  // instance that loaded it, so under Jest (a module registry per test file, one addon per worker) the
  // errors of later files are another realm's SqliteError (and Error).
  if (typeof e !== "object" || e === null) return false;
  const { name, code: actual } = e as { name?: unknown; code?: unknown };
  return name === "SqliteError" && actual === code;
}
