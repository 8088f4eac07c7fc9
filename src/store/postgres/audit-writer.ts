/**
 * Audit writes on PostgreSQL: begins group-committed, completions batched and committed without waiting
 * for the WAL flush.
 *
 * Begins. Audit ids must become visible in increasing order (a reader paging or tailing by id must never
 * skip one), so every insert takes a transaction-scoped advisory lock before it draws its id, and holds
 * it until its commit is visible (see the statement below). That serialises audit inserts across
 * replicas, each for an insert and a commit: with one row per transaction, a commit's WAL flush per
 * audited call, one at a time. Here the begins that arrive while the previous batch is being written
 * (and those of the same event-loop turn) go into ONE statement: one lock hold, one transaction, one WAL
 * flush for all of them. The lock is kept: without it, two replicas' transactions could commit out of
 * id order (ids are drawn at insert time), and the batching is what makes it cheap.
 *
 * What is durable when:
 * - A begin resolves only after its batch committed with the database's synchronous_commit (on by
 *   default: the WAL is flushed), so the PENDING record survives a crash before the exchange is called.
 *   Unchanged from one commit per begin.
 * - Completions are batched the same way (one UPDATE for those that arrive together; of several for
 *   one record the last wins, as if applied in order) and committed with `synchronous_commit = off` for
 *   their own transaction: they resolve once committed and visible, without waiting for the WAL flush. It survives a crash of the gateway at once,
 *   and one of PostgreSQL or of the machine from the next WAL flush on: the next synchronous commit (the
 *   next begin) or the WAL writer (within three wal_writer_delay, 600 ms by default). Lost before that,
 *   its record stays PENDING, never missing, and reconciliation (a periodic sweep) settles it by reading the
 *   exchange back (src/audit/reconcile.ts), as after a crash between the two writes.
 *
 * A batch of one row (what a quiet gateway writes, one call at a time) uses a one-row form of each
 * statement, with the same lock and semantics but nothing to unnest: cheaper to plan and run.
 *
 * The statements are named (server-side prepared) by default: PostgreSQL then parses and analyses each
 * once per connection instead of once per call (the store keeps them custom-planned; see PostgresStore).
 * Behind a transaction-pooling proxy without prepared-statement support, turn it off (`prepared: false`).
 *
 * One bad row does not sink its batch: on a data error (class 22 or 23) each row is written alone, so
 * that each caller gets its own answer; any other failure (connection, lock, server) is every row's.
 */
import { DatabaseError, type Pool, type QueryResult } from "pg";
import type { AuditOutcome } from "../../domain";
import { BatchQueue, type Waiter } from "../batch-queue";
import type { AuditRecord } from "../port";

/** the fields of a PENDING record that a begin writes; `actorName` null: looked up from users by actorId */
export type PgAuditInsert = Pick<
  AuditRecord,
  "at" | "actorId" | "actorName" | "accountId" | "action" | "input" | "previous"
>;

export interface PgAuditUpdate {
  id: number;
  outcome: AuditOutcome;
  exchangeCode: number | null;
  exchangeMessage: string | null;
  durationMs: number;
  result: string | null;
}

export interface PgAuditWriterOptions {
  /** the two-int advisory lock that orders audit inserts */
  lock: readonly [number, number];
  /** the error a completion of an id with no record rejects with */
  missing: (id: number) => Error;
  /** the error writes queued after close() reject with */
  closed?: () => Error;
  /** most rows per insert statement (500) */
  maxBatch?: number;
  /** run the statements as named prepared statements (true; see the module comment) */
  prepared?: boolean;
}

/** names of the prepared statements; a new text needs a new name (a connection keeps the old plan) */
export const AUDIT_STATEMENT_NAMES = {
  insert: "mmp_gateway_audit_insert_v1",
  complete: "mmp_gateway_audit_complete_v1",
  insertOne: "mmp_gateway_audit_insert_one_v1",
  completeOne: "mmp_gateway_audit_complete_one_v1",
} as const;

// The lock is the row source of the insert, so it is held before any nextval() runs; the rows are read
// from parallel arrays in order (WITH ORDINALITY: the scan yields them in array order, and ids are drawn
// in that order), and RETURNING answers in insertion order, so the i-th id is the i-th row's.
export const AUDIT_INSERT_SQL = `WITH serialize AS MATERIALIZED (SELECT pg_advisory_xact_lock($1, $2))
INSERT INTO audit_log (id, at, actor_id, actor_name, account_id, action, input, previous, outcome)
SELECT nextval('audit_log_id_seq'), r.at, r.actor_id,
       COALESCE(r.actor_name, (SELECT u.name FROM users u WHERE u.id = r.actor_id)),
       r.account_id, r.action, r.input, r.previous, 'PENDING'
  FROM serialize,
       unnest($3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
         WITH ORDINALITY AS r(at, actor_id, actor_name, account_id, action, input, previous, ord)
 ORDER BY r.ord
RETURNING id`;

// A batch of one (every write of a quiet gateway, one call at a time) as plain parameters: the same lock,
// order and lookup, without the arrays, unnest and sort to plan and run, which is measurably cheaper
// than the batch statements with one row (docs/performance.md).
export const AUDIT_INSERT_ONE_SQL = `WITH serialize AS MATERIALIZED (SELECT pg_advisory_xact_lock($1, $2))
INSERT INTO audit_log (id, at, actor_id, actor_name, account_id, action, input, previous, outcome)
SELECT nextval('audit_log_id_seq'), $3::timestamptz, $4::text,
       COALESCE($5::text, (SELECT u.name FROM users u WHERE u.id = $4::text)),
       $6::text, $7::text, $8::text, $9::text, 'PENDING'
  FROM serialize
RETURNING id`;

// set_config(..., true) lasts until the end of this statement's own transaction, whose commit then does
// not wait for the WAL flush. One round trip; safe behind a transaction-pooling proxy. The ids are
// distinct (the writer keeps the last completion of each): an UPDATE applies one source row per target.
export const AUDIT_COMPLETE_SQL = `UPDATE audit_log AS a
   SET outcome = c.outcome, exchange_code = c.exchange_code, exchange_message = c.exchange_message,
       duration_ms = c.duration_ms, result = c.result
  FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit,
       unnest($1::bigint[], $2::text[], $3::integer[], $4::text[], $5::integer[], $6::text[])
         AS c(id, outcome, exchange_code, exchange_message, duration_ms, result)
 WHERE a.id = c.id
RETURNING a.id`;

export const AUDIT_COMPLETE_ONE_SQL = `UPDATE audit_log AS a
   SET outcome = $2::text, exchange_code = $3::integer, exchange_message = $4::text,
       duration_ms = $5::integer, result = $6::text
  FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
 WHERE a.id = $1::bigint
RETURNING a.id`;

export class PostgresAuditWriter {
  private readonly begins: BatchQueue<PgAuditInsert, number>;
  private readonly completions: BatchQueue<PgAuditUpdate, void>;
  private closed = false;

  constructor(
    private readonly pool: Pick<Pool, "query">,
    private readonly options: PgAuditWriterOptions,
  ) {
    const max = Math.max(1, options.maxBatch ?? 500);
    this.begins = new BatchQueue(max, (batch) => this.writeBegins(batch));
    this.completions = new BatchQueue(max, (batch) => this.writeCompletions(batch));
  }

  /** Queues a PENDING record; resolves with its id once committed (WAL flushed). */
  begin(row: PgAuditInsert): Promise<number> {
    if (this.closed) return Promise.reject(this.closedError());
    return this.begins.push(row);
  }

  /** Queues an outcome; resolves once committed, before its WAL flush (see the module comment). */
  complete(u: PgAuditUpdate): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    return this.completions.push(u);
  }

  /** Writes what is queued, then refuses new writes. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.begins.flush(), this.completions.flush()]);
  }

  private async writeBegins(batch: Waiter<PgAuditInsert, number>[]): Promise<void> {
    let ids: number[];
    try {
      ids = await this.insert(batch.map((b) => b.row));
    } catch (error) {
      if (batch.length === 1 || !dataError(error)) throw error;
      // A row's values failed the statement: each row alone, each caller its own answer.
      for (const b of batch) {
        try {
          b.resolve((await this.insert([b.row]))[0] as number);
        } catch (e) {
          b.reject(e);
        }
      }
      return;
    }
    batch.forEach((b, i) => b.resolve(ids[i] as number));
  }

  private async insert(rows: readonly PgAuditInsert[]): Promise<number[]> {
    const [name, sql] =
      rows.length === 1
        ? [AUDIT_STATEMENT_NAMES.insertOne, AUDIT_INSERT_ONE_SQL]
        : [AUDIT_STATEMENT_NAMES.insert, AUDIT_INSERT_SQL];
    const r = await this.run(name, sql, [...this.options.lock, ...parameters(rows, INSERT_PARAMETERS)]);
    if (r.rows.length !== rows.length) {
      throw new Error(`audit insert returned ${r.rows.length} ids for ${rows.length} rows`);
    }
    // int8 arrives as a string: pg does not narrow 64-bit integers on its own
    return r.rows.map((x) => Number(x.id));
  }

  private async writeCompletions(batch: Waiter<PgAuditUpdate, void>[]): Promise<void> {
    // Of several completions of one record, the last is what it would hold had they run in order.
    const last = new Map<number, PgAuditUpdate>();
    for (const w of batch) last.set(w.row.id, w.row);
    const rows = [...last.values()];
    let found: Set<number>;
    try {
      found = await this.update(rows);
    } catch (error) {
      if (rows.length === 1 || !dataError(error)) throw error;
      found = new Set();
      const failed = new Map<number, unknown>();
      for (const row of rows) {
        try {
          for (const id of await this.update([row])) found.add(id);
        } catch (e) {
          failed.set(row.id, e);
        }
      }
      for (const w of batch) {
        if (failed.has(w.row.id)) w.reject(failed.get(w.row.id));
        else if (found.has(w.row.id)) w.resolve();
        else w.reject(this.options.missing(w.row.id));
      }
      return;
    }
    for (const w of batch) {
      if (found.has(w.row.id)) w.resolve();
      else w.reject(this.options.missing(w.row.id));
    }
  }

  private async update(rows: readonly PgAuditUpdate[]): Promise<Set<number>> {
    const [name, sql] =
      rows.length === 1
        ? [AUDIT_STATEMENT_NAMES.completeOne, AUDIT_COMPLETE_ONE_SQL]
        : [AUDIT_STATEMENT_NAMES.complete, AUDIT_COMPLETE_SQL];
    const r = await this.run(name, sql, parameters(rows, COMPLETE_PARAMETERS));
    return new Set(r.rows.map((x) => Number(x.id)));
  }

  /** every audit statement answers `id` (int8, as a string: pg does not narrow 64-bit integers on its own) */
  private run(name: string, text: string, values: unknown[]): Promise<QueryResult<{ id: string }>> {
    return this.options.prepared !== false
      ? this.pool.query<{ id: string }>({ name, text, values })
      : this.pool.query<{ id: string }>(text, values);
  }

  private closedError(): Error {
    return this.options.closed?.() ?? new Error("the audit log is closed");
  }
}

/** the insert's parameters after the lock's two, in the statements' order ($3 on) */
const INSERT_PARAMETERS = [
  "at",
  "actorId",
  "actorName",
  "accountId",
  "action",
  "input",
  "previous",
] as const satisfies readonly (keyof PgAuditInsert)[];
/** the completion's parameters, in the statements' order ($1 on) */
const COMPLETE_PARAMETERS = [
  "id",
  "outcome",
  "exchangeCode",
  "exchangeMessage",
  "durationMs",
  "result",
] as const satisfies readonly (keyof PgAuditUpdate)[];

/** one row: its values (the one-row statements); several: one array per field (the batch statements) */
function parameters<T extends object>(rows: readonly T[], fields: readonly (keyof T)[]): unknown[] {
  const [only] = rows;
  if (rows.length === 1 && only !== undefined) return fields.map((f) => only[f]);
  return fields.map((f) => rows.map((row) => row[f]));
}

/** a failure caused by a row's values (data exception, integrity constraint), not by the database */
function dataError(e: unknown): boolean {
  return (
    e instanceof DatabaseError && (e.code?.startsWith("22") === true || e.code?.startsWith("23") === true)
  );
}
