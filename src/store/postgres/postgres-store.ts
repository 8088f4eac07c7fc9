/**
 * The PostgreSQL Store, for deployments with several gateway replicas sharing one database.
 *
 * Queries are parameterized. The two audit writes every audited call makes are named prepared statements
 * (parsed once per connection; audit-writer.ts); the rest are unnamed, as they run on cache misses and
 * administration only. Behind a transaction-pooling proxy, either give it prepared-statement support
 * (PgBouncer 1.21 or later with max_prepared_statements > 0) or set `preparedStatements: false`.
 */
import { DatabaseError, Pool, type PoolClient, type PoolConfig, type QueryResultRow } from "pg";
import type { Role } from "../../domain";
import * as msg from "../messages";
import { POSTGRES_MIGRATIONS } from "../migrations/postgres";
import { assertContiguous, latestVersion } from "../migrations/types";
import * as shared from "../rows";
import { PostgresAuditWriter } from "./audit-writer";
import {
  StoreNotFoundError,
  type AccountRecord,
  type NewAccountRecord,
  type AuditBegin,
  type AuditCompletion,
  type AuditQuery,
  type AuditRecord,
  type GrantRecord,
  type MembershipRecord,
  type ResealResult,
  type SealedValueOwner,
  type Store,
  type TokenRecord,
  type UserRecord,
} from "../port";

const MIGRATIONS = POSTGRES_MIGRATIONS;
assertContiguous(MIGRATIONS);
const LATEST = latestVersion(MIGRATIONS);

/**
 * Advisory lock keys, two-int form; the first int ("mmpg" in ASCII) keeps them apart from other
 * applications' locks in the same database. Exported for tests.
 */
export const ADVISORY_LOCKS = { class: 0x6d6d7067, migrate: 1, audit: 2 } as const;
const LOCK_CLASS = ADVISORY_LOCKS.class;
const LOCK_MIGRATE = ADVISORY_LOCKS.migrate;
const LOCK_AUDIT = ADVISORY_LOCKS.audit;

const UNIQUE_VIOLATION = "23505";
const FOREIGN_KEY_VIOLATION = "23503";

/**
 * pg returns timestamptz as a Date, boolean as a boolean, and int8 (the audit id) as a string: it does not
 * narrow 64-bit integers to numbers on its own.
 */
type AccountRow = shared.AccountRow<Date>;
type UserRow = shared.UserRow<Date, boolean>;
type TokenRow = shared.TokenRow<Date>;
type TokenUserRow = shared.TokenUserRow<Date, boolean>;
type AuditRow = shared.AuditRow<Date, string>;
const { toAccount, toUser, toToken, toTokenAndUser, toAudit } = shared.rowMappers({
  time: (v: Date) => v,
  bool: (v: boolean) => v,
  auditId: (v: string) => Number(v),
});

export interface PostgresStoreOptions {
  /** pool size; default 10 */
  max?: number;
  /** extra pg Pool settings (e.g. ssl, or `options: "-c search_path=..."`) */
  pool?: Omit<PoolConfig, "connectionString">;
  /** the audit writes as named prepared statements (DATABASE_PREPARED_STATEMENTS); default true */
  preparedStatements?: boolean;
}

type Queryable = Pick<Pool, "query"> | PoolClient;

export class PostgresStore implements Store {
  readonly kind = "postgres" as const;
  private readonly pool: Pool;
  private closed = false;
  /** audit writes (audit-writer.ts): begins group-committed, completions without a WAL-flush wait */
  private readonly audit: PostgresAuditWriter;

  /** `connectionString`: postgres://user:pass@host:port/db[?options=-c%20search_path%3Dschema] */
  constructor(connectionString: string, options: PostgresStoreOptions = {}) {
    this.pool = new Pool({
      connectionString,
      max: options.max ?? 10,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      ...options.pool,
    });
    // An idle pooled connection can fail (server restart, network); without a listener the 'error' event
    // would crash the process. The pool drops that client and the next query opens a fresh connection.
    this.pool.on("error", (err) => {
      console.warn(`postgres: an idle database connection failed: ${err.message}`);
    });
    const prepared = options.preparedStatements ?? true;
    if (prepared) {
      // A prepared statement's plan is made generic after five runs, from the statistics of that moment:
      // on a young audit_log that plan scans the table, and keeps doing so as it grows (measured: a third
      // fewer calls per second within a minute). Custom plans keep the index; preparing still saves the
      // parse and analysis of every call. The other statements are unnamed, hence always custom-planned.
      this.pool.on("connect", (client) => {
        client.query("SET plan_cache_mode = force_custom_plan").catch((err: Error) => {
          console.warn(`postgres: could not set plan_cache_mode on a new connection: ${err.message}`);
        });
      });
    }
    this.audit = new PostgresAuditWriter(this.pool, {
      lock: [LOCK_CLASS, LOCK_AUDIT],
      missing: msg.auditMissing,
      prepared,
    });
  }

  private async query<R extends QueryResultRow>(
    text: string,
    values: unknown[] = [],
    on: Queryable = this.pool,
  ): Promise<R[]> {
    const r = await on.query<R>(text, values);
    return r.rows;
  }

  private async execute(text: string, values: unknown[] = [], on: Queryable = this.pool): Promise<number> {
    const r = await on.query(text, values);
    return r.rowCount ?? 0;
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      // One migrator at a time across replicas; the others wait here, then find nothing to do.
      await client.query("SELECT pg_advisory_lock($1, $2)", [LOCK_CLASS, LOCK_MIGRATE]);
      try {
        await this.applyMigrations(client);
      } finally {
        await client
          .query("SELECT pg_advisory_unlock($1, $2)", [LOCK_CLASS, LOCK_MIGRATE])
          .catch((e: Error) => {
            // Still holding the session lock: the connection must not return to the pool.
            broken = e;
          });
      }
    } finally {
      client.release(broken);
    }
  }

  private async applyMigrations(client: PoolClient): Promise<void> {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const rows = await this.query<{ version: number }>("SELECT version FROM schema_migrations", [], client);
    const applied = new Set(rows.map((r) => r.version));
    const dbVersion = Math.max(0, ...applied);
    if (dbVersion > LATEST) throw msg.schemaTooNew(dbVersion, LATEST);
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await client.query("BEGIN");
      try {
        await client.query(m.sql);
        await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
          m.version,
          m.name,
        ]);
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK");
        throw e;
      }
    }
  }

  async ready(): Promise<boolean> {
    if (this.closed) return false;
    try {
      const rows = await this.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM schema_migrations WHERE version <= $1",
        [LATEST],
      );
      return rows[0]?.n === LATEST;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Audit begins still queued are written first: their callers are waiting for them.
    await this.audit.close();
    await this.pool.end();
  }

  async getMeta(key: string): Promise<string | null> {
    const rows = await this.query<{ value: string }>("SELECT value FROM meta WHERE key = $1", [key]);
    return rows[0]?.value ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.execute(
      "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
      [key, value],
    );
  }

  async addAccount(a: NewAccountRecord): Promise<AccountRecord> {
    const createdAt = new Date();
    try {
      await this.execute(
        `INSERT INTO accounts (${shared.ACCOUNT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [a.id, a.apiKey, a.keyType, a.baseUrl, a.secretSealed, createdAt, a.venue ?? "binance"],
      );
    } catch (e) {
      if (pgCode(e) === UNIQUE_VIOLATION) throw msg.accountExists(a.id);
      throw e;
    }
    return shared.insertedAccount(a, createdAt);
  }

  async getAccount(id: string): Promise<AccountRecord | null> {
    const rows = await this.query<AccountRow>(
      `SELECT ${shared.ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`,
      [id],
    );
    return rows[0] === undefined ? null : toAccount(rows[0]);
  }

  async listAccounts(): Promise<AccountRecord[]> {
    // COLLATE "C": the same byte order as SQLite, whatever the database's locale.
    return (
      await this.query<AccountRow>(`SELECT ${shared.ACCOUNT_COLUMNS} FROM accounts ORDER BY id COLLATE "C"`)
    ).map(toAccount);
  }

  async removeAccount(id: string): Promise<boolean> {
    // Grants go with it through ON DELETE CASCADE, in the same statement.
    return (await this.execute("DELETE FROM accounts WHERE id = $1", [id])) > 0;
  }

  async rotateAccountKey(id: string, apiKey: string, secretSealed: string): Promise<void> {
    const n = await this.execute("UPDATE accounts SET api_key = $1, secret_sealed = $2 WHERE id = $3", [
      apiKey,
      secretSealed,
      id,
    ]);
    if (n === 0) throw msg.accountMissing(id);
  }

  async resealSecrets(
    reseal: (sealed: string, owner: SealedValueOwner) => string,
    metaKeys: readonly string[],
  ): Promise<ResealResult> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      // SHARE ROW EXCLUSIVE blocks inserts, updates and deletes (another replica or the CLI writing a value
      // sealed under the old key) until the commit, while reads, hence serving, carry on.
      await client.query("LOCK TABLE accounts, meta IN SHARE ROW EXCLUSIVE MODE");
      const rows = await this.query<{ id: string; secret_sealed: string }>(
        `SELECT id, secret_sealed FROM accounts ORDER BY id COLLATE "C"`,
        [],
        client,
      );
      let accountsResealed = 0;
      for (const row of rows) {
        const next = reseal(row.secret_sealed, { kind: "account", id: row.id });
        if (next === row.secret_sealed) continue;
        await client.query("UPDATE accounts SET secret_sealed = $1 WHERE id = $2", [next, row.id]);
        accountsResealed++;
      }
      let metaResealed = 0;
      for (const key of metaKeys) {
        const found = await this.query<{ value: string }>(
          "SELECT value FROM meta WHERE key = $1",
          [key],
          client,
        );
        const value = found[0]?.value;
        if (value === undefined) continue;
        const next = reseal(value, { kind: "meta", key });
        if (next === value) continue;
        await client.query("UPDATE meta SET value = $1 WHERE key = $2", [next, key]);
        metaResealed++;
      }
      await client.query("COMMIT");
      return { accounts: rows.length, accountsResealed, metaResealed };
    } catch (e) {
      // A connection that cannot roll back is in an unknown state: it must not return to the pool.
      await client.query("ROLLBACK").catch((rollbackError: Error) => (broken = rollbackError));
      throw e;
    } finally {
      client.release(broken);
    }
  }

  async addUser(name: string, admin: boolean): Promise<UserRecord> {
    const id = shared.newId("u_");
    const createdAt = new Date();
    try {
      await this.execute(
        "INSERT INTO users (id, name, admin, disabled, created_at) VALUES ($1, $2, $3, false, $4)",
        [id, name, admin, createdAt],
      );
    } catch (e) {
      if (pgCode(e) === UNIQUE_VIOLATION) throw msg.userExists(name);
      throw e;
    }
    return { id, name, admin, disabled: false, createdAt };
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const rows = await this.query<UserRow>(`SELECT ${shared.USER_COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows[0] === undefined ? null : toUser(rows[0]);
  }

  async getUserByName(name: string): Promise<UserRecord | null> {
    const rows = await this.query<UserRow>(`SELECT ${shared.USER_COLUMNS} FROM users WHERE name = $1`, [
      name,
    ]);
    return rows[0] === undefined ? null : toUser(rows[0]);
  }

  async listUsers(): Promise<UserRecord[]> {
    return (
      await this.query<UserRow>(`SELECT ${shared.USER_COLUMNS} FROM users ORDER BY name COLLATE "C"`)
    ).map(toUser);
  }

  async setUserDisabled(
    name: string,
    disabled: boolean,
  ): Promise<{ user: UserRecord; changed: boolean } | null> {
    // Only a real change is written: an unchanged row would still fire the auth_version trigger.
    const updated = await this.query<UserRow>(
      `UPDATE users SET disabled = $2 WHERE name = $1 AND disabled <> $2 RETURNING ${shared.USER_COLUMNS}`,
      [name, disabled],
    );
    if (updated[0] !== undefined) return { user: toUser(updated[0]), changed: true };
    const user = await this.getUserByName(name);
    return user === null ? null : { user, changed: false };
  }

  async addToken(userId: string, hash: string): Promise<TokenRecord> {
    const id = shared.newId("t_");
    const createdAt = new Date();
    try {
      await this.execute("INSERT INTO tokens (id, user_id, hash, created_at) VALUES ($1, $2, $3, $4)", [
        id,
        userId,
        hash,
        createdAt,
      ]);
    } catch (e) {
      if (pgCode(e) === FOREIGN_KEY_VIOLATION) throw msg.userMissing(userId);
      if (pgCode(e) === UNIQUE_VIOLATION) throw msg.tokenExists();
      throw e;
    }
    return { id, userId, hash, createdAt, revokedAt: null };
  }

  async findTokenByHash(hash: string): Promise<{ token: TokenRecord; user: UserRecord } | null> {
    const rows = await this.query<TokenUserRow>(
      `${shared.TOKEN_USER_SELECT}
        WHERE t.hash = $1`,
      [hash],
    );
    return rows[0] === undefined ? null : toTokenAndUser(rows[0]);
  }

  async revokeToken(tokenId: string): Promise<boolean> {
    const n = await this.execute("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", [
      new Date(),
      tokenId,
    ]);
    return n > 0;
  }

  async listTokens(userId: string): Promise<TokenRecord[]> {
    const rows = await this.query<TokenRow>(
      `SELECT ${shared.TOKEN_COLUMNS} FROM tokens WHERE user_id = $1
        ORDER BY created_at, id COLLATE "C"`,
      [userId],
    );
    return rows.map(toToken);
  }

  async addTeam(name: string): Promise<void> {
    try {
      await this.execute("INSERT INTO teams (name) VALUES ($1)", [name]);
    } catch (e) {
      if (pgCode(e) === UNIQUE_VIOLATION) throw msg.teamExists(name);
      throw e;
    }
  }

  async listTeams(): Promise<string[]> {
    return (await this.query<{ name: string }>(`SELECT name FROM teams ORDER BY name COLLATE "C"`)).map(
      (r) => r.name,
    );
  }

  async addMember(team: string, userName: string): Promise<void> {
    let n: number;
    try {
      n = await this.execute(
        "INSERT INTO memberships (team, user_id) SELECT $1, id FROM users WHERE name = $2",
        [team, userName],
      );
    } catch (e) {
      if (pgCode(e) === UNIQUE_VIOLATION) throw msg.alreadyMember(team, userName);
      if (pgCode(e) === FOREIGN_KEY_VIOLATION) throw msg.teamMissing(team);
      throw e;
    }
    if (n > 0) return;
    // No user of that name, so nothing was inserted and the team was never checked: report the team first,
    // as the SQLite adapter does.
    throw (await this.teamExists(team)) ? msg.userMissing(userName) : msg.teamMissing(team);
  }

  async removeMember(team: string, userName: string): Promise<boolean> {
    const n = await this.execute(
      "DELETE FROM memberships WHERE team = $1 AND user_id = (SELECT id FROM users WHERE name = $2)",
      [team, userName],
    );
    return n > 0;
  }

  async teamsOfUser(userId: string): Promise<string[]> {
    const rows = await this.query<{ team: string }>(
      `SELECT team FROM memberships WHERE user_id = $1 ORDER BY team COLLATE "C"`,
      [userId],
    );
    return rows.map((r) => r.team);
  }

  async listMemberships(): Promise<MembershipRecord[]> {
    const rows = await this.query<shared.MembershipRow>(
      `SELECT m.team, m.user_id, u.name AS user_name
         FROM memberships m JOIN users u ON u.id = m.user_id
        ORDER BY m.team COLLATE "C", u.name COLLATE "C"`,
    );
    return rows.map(shared.toMembership);
  }

  async grant(team: string, accountId: string, role: Role): Promise<void> {
    try {
      // An unchanged role is not a change: skipping the update keeps caches (auth_version) warm.
      await this.execute(
        `INSERT INTO grants (team, account_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (team, account_id) DO UPDATE SET role = EXCLUDED.role WHERE grants.role <> EXCLUDED.role`,
        [team, accountId, role],
      );
    } catch (e) {
      if (pgCode(e) !== FOREIGN_KEY_VIOLATION) throw e;
      // Which reference failed is in the constraint name; when both are missing PostgreSQL reports either,
      // so the team is checked first, as the SQLite adapter does.
      if (!(await this.teamExists(team))) throw msg.teamMissing(team);
      if (constraintOf(e) === "grants_account_id_fkey") throw msg.accountMissing(accountId);
      throw new StoreNotFoundError(`team '${team}' or account '${accountId}' does not exist`);
    }
  }

  async revoke(team: string, accountId: string): Promise<boolean> {
    return (
      (await this.execute("DELETE FROM grants WHERE team = $1 AND account_id = $2", [team, accountId])) > 0
    );
  }

  async grantsOfUser(userId: string): Promise<GrantRecord[]> {
    const rows = await this.query<shared.GrantRow>(
      `SELECT g.team, g.account_id, g.role
         FROM grants g JOIN memberships m ON m.team = g.team
        WHERE m.user_id = $1
        ORDER BY g.account_id COLLATE "C", g.team COLLATE "C"`,
      [userId],
    );
    return rows.map(shared.toGrant);
  }

  async listGrants(): Promise<GrantRecord[]> {
    const rows = await this.query<shared.GrantRow>(
      `SELECT team, account_id, role FROM grants ORDER BY team COLLATE "C", account_id COLLATE "C"`,
    );
    return rows.map(shared.toGrant);
  }

  async authVersion(): Promise<number> {
    const rows = await this.query<{ version: string }>("SELECT version FROM auth_version WHERE id = 1");
    if (rows[0] === undefined) throw new Error("auth_version row is missing; the database is damaged");
    return Number(rows[0].version);
  }

  /**
   * A bigserial id is drawn when the row is inserted, not when it commits: with two concurrent inserts,
   * id 11 can become visible before id 10, and a reader tailing "id > last seen" would skip 10 for good.
   * Inserts therefore take a transaction-scoped advisory lock before drawing ids, released only after the
   * commit is visible, so ids become visible in increasing order. Begins arriving together share one
   * insert, one lock hold and one commit (audit-writer.ts), which keeps that serialisation cheap.
   * Rolled-back inserts still leave gaps; ids are increasing, not contiguous.
   */
  async auditBegin(e: AuditBegin): Promise<number> {
    return this.audit.begin({
      at: new Date(),
      actorId: e.actorId,
      actorName: e.actorName ?? null,
      accountId: e.accountId,
      action: e.action,
      input: e.input,
      previous: e.previous ?? null,
    });
  }

  /** Committed without waiting for the WAL flush; durable at the next one: see audit-writer.ts. */
  async auditComplete(id: number, c: AuditCompletion): Promise<void> {
    const [outcome, exchangeCode, exchangeMessage, durationMs, result] = shared.completionValues(c);
    await this.audit.complete({ id, outcome, exchangeCode, exchangeMessage, durationMs, result });
  }

  /**
   * One conditional UPDATE, outside the batching writer (settling is rare). Under READ COMMITTED a
   * second replica's UPDATE of the same row waits for the first to commit, then re-checks the condition
   * on the new row version and matches nothing: exactly one settles. Committed synchronously (durable at
   * once), unlike a request's own completion.
   */
  async auditSettle(id: number, c: AuditCompletion): Promise<boolean> {
    const rows = await this.query<{ id: string }>(
      `UPDATE audit_log
          SET outcome = $2, exchange_code = $3, exchange_message = $4, duration_ms = $5, result = $6
        WHERE id = $1 AND outcome = 'PENDING'
        RETURNING id`,
      [id, ...shared.completionValues(c)],
    );
    return rows.length === 1;
  }

  async listAudit(q: AuditQuery): Promise<AuditRecord[]> {
    const limit = Math.max(0, Math.floor(q.limit));
    if (limit === 0) return [];
    // An empty list means "none of the accounts", e.g. a viewer with no grants: never "all".
    if (q.accountIds !== undefined && q.accountIds.length === 0) return [];
    const rows = await this.query<AuditRow>(
      `SELECT ${shared.AUDIT_COLUMNS} FROM audit_log
        WHERE ($1::text[] IS NULL OR account_id = ANY ($1::text[]))
          AND ($2::bigint IS NULL OR id < $2::bigint)
        ORDER BY id DESC
        LIMIT $3`,
      [q.accountIds ?? null, q.beforeId ?? null, limit],
    );
    return rows.map(toAudit);
  }

  async pendingAudit(): Promise<AuditRecord[]> {
    const rows = await this.query<AuditRow>(
      `SELECT ${shared.AUDIT_COLUMNS} FROM audit_log WHERE outcome = 'PENDING' ORDER BY id`,
    );
    return rows.map(toAudit);
  }

  private async teamExists(team: string): Promise<boolean> {
    return (await this.query("SELECT 1 FROM teams WHERE name = $1", [team])).length > 0;
  }
}

function pgCode(e: unknown): string | undefined {
  return e instanceof DatabaseError ? e.code : undefined;
}

function constraintOf(e: unknown): string | undefined {
  return e instanceof DatabaseError ? e.constraint : undefined;
}
