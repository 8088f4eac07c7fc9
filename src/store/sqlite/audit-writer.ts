/**
 * Group commit for the SQLite audit log.
 *
 * Every audited exchange call writes twice: a PENDING record before the call (auditBegin) and its
 * outcome after it (auditComplete). Committed one by one under `synchronous=FULL`, each write costs an
 * fsync of the WAL (about 2 ms on an ordinary disk), and better-sqlite3 is synchronous, so the event
 * loop stood still for both. Here writes are queued and committed together: everything queued until
 * the event loop's next check phase (`setImmediate`), i.e. every request that reached the audit while
 * the loop handled the I/O of one turn, goes into ONE transaction, with one fsync for all of them.
 *
 * What is durable when (the database is in WAL mode; see SqliteStore):
 * - A begin resolves only after the transaction holding its PENDING row committed with
 *   `synchronous=FULL`: the WAL is fsynced, the row survives a power loss. Only then does the caller
 *   send anything to the exchange (src/mmp/audit-protocol.ts). Unchanged from one commit per begin.
 * - A completion resolves after its transaction committed. When the same transaction holds begins it is
 *   fsynced with them (FULL). A transaction of completions only is committed with `synchronous=NORMAL`:
 *   the WAL frames are written to the OS (durable against a crash of this process at once) and fsynced
 *   by the next FULL commit (the next begin, any other store write) or checkpoint, so durable against a
 *   power loss or OS crash from then on. A completion lost to a power loss before that leaves its record
 *   PENDING, never missing; start-up reconciliation (src/mmp/reconcile.ts) settles it by reading the
 *   exchange back, as for a crash between the two writes. "Nothing lost" holds: the intent is always
 *   durable before the call.
 *
 * Ids stay monotonic: rows are inserted in arrival order, in one writer (SQLite allows one at a time),
 * and a batch becomes visible at once, at its commit. A later completion of the same id still replaces
 * an earlier one: completions are applied in arrival order.
 *
 * One bad write does not sink the others: if the batch's transaction fails, it is rolled back and every
 * write is retried alone, so that each caller gets its own result (an id or its own error).
 */
import type Database from "better-sqlite3";
import type { AuditAction, AuditOutcome } from "../../domain";

type Db = Database.Database;

/** the parameters of the insert, in statement order */
export type AuditInsertParams = [
  at: number,
  actorId: string | null,
  actorName: string | null,
  actorIdForName: string | null,
  accountId: string | null,
  action: AuditAction,
  input: string,
  previous: string | null,
];

/** the parameters of the update, in statement order */
export type AuditUpdateParams = [
  outcome: AuditOutcome,
  exchangeCode: number | null,
  exchangeMessage: string | null,
  durationMs: number,
  result: string | null,
  id: number,
];

export interface AuditWriterStatements {
  insert: Database.Statement<AuditInsertParams>;
  update: Database.Statement<AuditUpdateParams>;
}

export interface AuditWriterOptions {
  /** the error a completion of an id with no record rejects with */
  missing: (id: number) => Error;
  /** the error writes queued after close() reject with */
  closed?: () => Error;
}

interface Begin {
  kind: "begin";
  params: AuditInsertParams;
  resolve: (id: number) => void;
  reject: (err: unknown) => void;
}

interface Completion {
  kind: "complete";
  params: AuditUpdateParams;
  resolve: () => void;
  reject: (err: unknown) => void;
}

type Write = Begin | Completion;

/** what one write came to inside a batch, settled only once the batch committed */
type Outcome = { ok: true; id: number } | { ok: false; error: unknown };

export class SqliteAuditWriter {
  private queue: Write[] = [];
  private begins = 0;
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;
  private readonly batch: Database.Transaction<(writes: readonly Write[]) => Outcome[]>;
  private readonly syncNormal: Database.Statement<[]>;
  private readonly syncFull: Database.Statement<[]>;

  constructor(
    db: Db,
    private readonly statements: AuditWriterStatements,
    private readonly options: AuditWriterOptions,
  ) {
    this.syncNormal = db.prepare<[]>("PRAGMA synchronous = NORMAL");
    this.syncFull = db.prepare<[]>("PRAGMA synchronous = FULL");
    // A completion of a missing id is that caller's error, not the batch's: it is noted, not thrown.
    this.batch = db.transaction((writes: readonly Write[]) => writes.map((w) => this.apply(w)));
  }

  /** Queues a PENDING record; resolves with its id once it is durable (fsynced). */
  begin(params: AuditInsertParams): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      if (this.closed) return reject(this.closedError());
      this.queue.push({ kind: "begin", params, resolve, reject });
      this.begins++;
      this.schedule();
    });
  }

  /** Queues an outcome; resolves once committed (see the module comment for when it is fsynced). */
  complete(params: AuditUpdateParams): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.closed) return reject(this.closedError());
      this.queue.push({ kind: "complete", params, resolve, reject });
      this.schedule();
    });
  }

  /** Commits everything queued now, synchronously. */
  flush(): void {
    if (this.scheduled !== undefined) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    const writes = this.queue;
    if (writes.length === 0) return;
    const durable = this.begins > 0;
    this.queue = [];
    this.begins = 0;

    let outcomes: Outcome[];
    try {
      outcomes = this.commit(writes, durable);
    } catch (error) {
      // Rolled back as a whole. A fault of the database (busy, I/O, full...) is every write's answer: retrying
      // each alone would only wait for it again. Anything else came from one write's values: each write on
      // its own, so that each caller gets the answer its own write would have had.
      outcomes = writes.length > 1 && !databaseFault(error) ? writes.map((w) => this.alone(w)) : [];
      if (outcomes.length === 0) outcomes = writes.map(() => ({ ok: false, error }));
    }
    for (let i = 0; i < writes.length; i++) settle(writes[i] as Write, outcomes[i] as Outcome);
  }

  /** Commits what is queued, then refuses new writes. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private schedule(): void {
    this.scheduled ??= setImmediate(() => {
      this.scheduled = undefined;
      this.flush();
    });
  }

  /** One transaction for all; FULL (fsync) when it holds a PENDING record, NORMAL otherwise. */
  private commit(writes: readonly Write[], durable: boolean): Outcome[] {
    if (durable) return this.batch.immediate(writes);
    this.syncNormal.run();
    try {
      return this.batch.immediate(writes);
    } finally {
      this.syncFull.run();
    }
  }

  private alone(w: Write): Outcome {
    try {
      return this.commit([w], w.kind === "begin")[0] as Outcome;
    } catch (error) {
      return { ok: false, error };
    }
  }

  private apply(w: Write): Outcome {
    if (w.kind === "begin") {
      return { ok: true, id: Number(this.statements.insert.run(...w.params).lastInsertRowid) };
    }
    if (this.statements.update.run(...w.params).changes === 0) {
      return { ok: false, error: this.options.missing(w.params[5]) };
    }
    return { ok: true, id: w.params[5] };
  }

  private closedError(): Error {
    return this.options.closed?.() ?? new Error("the audit log is closed");
  }
}

const DATABASE_FAULTS = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CORRUPT|CANTOPEN|NOTADB|NOMEM|PROTOCOL)/;

/** a failure of the database as a whole rather than of one write's values */
function databaseFault(e: unknown): boolean {
  const code = typeof e === "object" && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === "string" && DATABASE_FAULTS.test(code);
}

function settle(w: Write, o: Outcome): void {
  if (!o.ok) w.reject(o.error);
  else if (w.kind === "begin") w.resolve(o.id);
  else w.resolve();
}
