/**
 * Audit writes on SQLite: group commit, on the event loop or off it.
 *
 * Every audited exchange call writes twice: a PENDING record before the call (auditBegin) and its
 * outcome after it (auditComplete). Committed one by one under `synchronous=FULL`, each write costs an
 * fsync of the WAL, and better-sqlite3 is synchronous: the event loop stood still for both, serving
 * nobody. Here writes are queued and committed in batches, one transaction (one fsync) for a batch:
 * the first write of a quiet spell waits for the end of the event-loop turn (`setImmediate`) to gather
 * the others of that turn, and while a batch is being committed the writes arriving meanwhile form the
 * next one. Either the store's own connection commits the batches (`InlineAuditWriter`: the event loop
 * waits for one fsync per batch), or a worker thread on a connection of its own does
 * (`WorkerAuditWriter`: fsync waits and WAL checkpoints, which run in the committing connection, never
 * stop the event loop, for a message to the thread and back per batch). SqliteStore chooses (its
 * `auditWrites` option: by the machine's CPU count); a worker that fails hands over to the inline
 * writer.
 *
 * What is durable when (the database is in WAL mode; see SqliteStore):
 * - A begin resolves only after the transaction holding its PENDING row committed with
 *   `synchronous=FULL`: the WAL is fsynced, the row survives a power loss. Only then does the caller
 *   send anything to the exchange (src/audit/audit-protocol.ts). Unchanged from one commit per begin.
 * - A completion resolves after its transaction committed. When the same transaction holds begins it is
 *   fsynced with them (FULL). A transaction of completions only is committed with `synchronous=NORMAL`:
 *   the WAL frames are written to the OS (durable against a crash of the gateway at once) and fsynced
 *   by the next FULL commit (the next begin, any other store write) or checkpoint, so durable against a
 *   power loss or OS crash from then on. A completion lost to a power loss before that leaves its record
 *   PENDING, never missing; reconciliation (src/audit/reconcile.ts) settles it by reading the
 *   exchange back, as for a crash between the two writes. "Nothing lost" holds: the intent is always
 *   durable before the call.
 *
 * Ids stay monotonic: one writer commits the batches in order, rows are inserted in arrival order, and a
 * batch becomes visible at once, at its commit. A later completion of the same id still replaces an
 * earlier one: writes are applied in arrival order.
 *
 * One bad write does not sink the others: if a batch's transaction fails on one write's values, it is
 * rolled back and every write is retried alone, so that each caller gets its own answer (an id or its
 * own error). A fault of the database itself (busy, I/O, full...) is every write's answer.
 */
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";
import type { AuditAction, AuditOutcome } from "../../domain";
import { BatchQueue, type Waiter } from "../batch-queue";

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

/** the parameters of the update, in statement order (the id last) */
export type AuditUpdateParams = [
  outcome: AuditOutcome,
  exchangeCode: number | null,
  exchangeMessage: string | null,
  durationMs: number,
  result: string | null,
  id: number,
];

export type AuditWrite =
  { kind: "begin"; params: AuditInsertParams } | { kind: "complete"; params: AuditUpdateParams };

/** what a write came to; plain data, so that it crosses from the worker as it is */
export type AuditWriteOutcome =
  | { ok: true; id: number }
  | { ok: false; missing: true }
  | { ok: false; missing: false; error: { name: string; message: string; code?: string } };

export interface AuditWriter {
  /** Queues a PENDING record; resolves with its id once it is durable (fsynced). */
  begin(params: AuditInsertParams): Promise<number>;
  /** Queues an outcome; resolves once committed (see the module comment for when it is fsynced). */
  complete(params: AuditUpdateParams): Promise<void>;
  /** Commits what is queued, then refuses new writes. */
  close(): Promise<void>;
}

export interface AuditWriterOptions {
  /** the error a completion of an id with no record rejects with */
  missing: (id: number) => Error;
}

/**
 * Commits a batch of writes in one transaction and tells each write's outcome. It runs in the worker
 * too: the worker is given this function's source, so it must stay self-contained (no reference to
 * anything outside it but globals and its parameters; type annotations are erased).
 */
export function createBatchExecutor(db: Db): (writes: readonly AuditWrite[]) => AuditWriteOutcome[] {
  // actor_name is copied at write time so that the history keeps the name the actor had then: the
  // caller's (the principal's) when given, else looked up (COALESCE evaluates the lookup only then).
  const insert = db.prepare<AuditInsertParams>(
    `INSERT INTO audit_log (at, actor_id, actor_name, account_id, action, input, previous, outcome)
     VALUES (?, ?, COALESCE(?, (SELECT name FROM users WHERE id = ?)), ?, ?, ?, ?, 'PENDING')`,
  );
  const update = db.prepare<AuditUpdateParams>(
    `UPDATE audit_log
        SET outcome = ?, exchange_code = ?, exchange_message = ?, duration_ms = ?, result = ?
      WHERE id = ?`,
  );
  const syncNormal = db.prepare("PRAGMA synchronous = NORMAL");
  const syncFull = db.prepare("PRAGMA synchronous = FULL");
  // A faulty database (rather than one write's values) is every write's answer: retrying alone would
  // only wait for it again.
  const fault = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CORRUPT|CANTOPEN|NOTADB|NOMEM|PROTOCOL)/;

  const apply = (w: AuditWrite): AuditWriteOutcome => {
    if (w.kind === "begin") return { ok: true, id: Number(insert.run(...w.params).lastInsertRowid) };
    // A completion of a missing id is that caller's error, not the batch's: noted, not thrown.
    if (update.run(...w.params).changes === 0) return { ok: false, missing: true };
    return { ok: true, id: w.params[5] };
  };
  const transaction = db.transaction((writes: readonly AuditWrite[]) => writes.map(apply));
  /** FULL (fsync) when the batch holds a PENDING record, NORMAL otherwise */
  const commit = (writes: readonly AuditWrite[]): AuditWriteOutcome[] => {
    if (writes.some((w) => w.kind === "begin")) return transaction.immediate(writes);
    syncNormal.run();
    try {
      return transaction.immediate(writes);
    } finally {
      syncFull.run();
    }
  };
  const failure = (e: unknown): AuditWriteOutcome => {
    const { name, message, code } = (typeof e === "object" && e !== null ? e : {}) as {
      name?: unknown;
      message?: unknown;
      code?: unknown;
    };
    return {
      ok: false,
      missing: false,
      error: {
        name: typeof name === "string" ? name : "Error",
        message: typeof message === "string" ? message : String(e),
        ...(typeof code === "string" ? { code } : {}),
      },
    };
  };

  return (writes) => {
    try {
      return commit(writes);
    } catch (e) {
      const code = typeof e === "object" && e !== null ? (e as { code?: unknown }).code : undefined;
      if (writes.length === 1 || (typeof code === "string" && fault.test(code))) {
        return writes.map(() => failure(e));
      }
      // Rolled back: each write on its own, so that each caller gets the answer its own write would have.
      return writes.map((w) => {
        try {
          return commit([w])[0] as AuditWriteOutcome;
        } catch (one) {
          return failure(one);
        }
      });
    }
  };
}

/**
 * What both SQLite writers share: the group-commit queue (../batch-queue.ts) and the answers to each
 * write. `commitBatch` commits one batch and tells every write's outcome.
 */
abstract class BatchingWriter implements AuditWriter {
  private readonly queue = new BatchQueue<AuditWrite, number>(Infinity, async (batch) => {
    const outcomes = await this.commitBatch(batch.map((w) => w.row));
    batch.forEach((w, i) => this.settle(w, outcomes[i]));
  });
  protected closed = false;

  constructor(protected readonly options: AuditWriterOptions) {}

  begin(params: AuditInsertParams): Promise<number> {
    return this.push({ kind: "begin", params });
  }

  async complete(params: AuditUpdateParams): Promise<void> {
    await this.push({ kind: "complete", params });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue.flush();
  }

  protected abstract commitBatch(writes: readonly AuditWrite[]): Promise<AuditWriteOutcome[]>;

  private push(write: AuditWrite): Promise<number> {
    if (this.closed) return Promise.reject(new Error("the audit log is closed"));
    return this.queue.push(write);
  }

  private settle(w: Waiter<AuditWrite, number>, o: AuditWriteOutcome | undefined): void {
    if (o === undefined) w.reject(new Error("the audit writer gave no outcome for a write"));
    else if (o.ok) w.resolve(o.id);
    else if (o.missing) w.reject(this.options.missing(w.row.params[5] as number));
    else w.reject(Object.assign(new Error(o.error.message), o.error));
  }
}

/** Commits on the store's own connection (a `:memory:` database, or when no worker can run). */
export class InlineAuditWriter extends BatchingWriter {
  private readonly execute: (writes: readonly AuditWrite[]) => AuditWriteOutcome[];

  constructor(db: Db, options: AuditWriterOptions) {
    super(options);
    this.execute = createBatchExecutor(db);
  }

  /** commits a batch at once (public: the worker writer's fallback, whose own queue batches already) */
  override async commitBatch(writes: readonly AuditWrite[]): Promise<AuditWriteOutcome[]> {
    return this.execute(writes);
  }
}

interface WorkerSetup {
  /** the database file */
  path: string;
  /** better-sqlite3, resolved by the main thread (the worker's code has no module path of its own) */
  driver: string;
}

/**
 * The worker's program. Like `createBatchExecutor`, it runs from its source: self-contained.
 * Messages in: `{ seq, writes }` to commit, `{ close: true }` to close the connection and end.
 * Messages out: `{ seq, outcomes }`.
 */
function auditWorkerMain(executorFactory: typeof createBatchExecutor): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parentPort, workerData } = require("node:worker_threads") as typeof import("node:worker_threads");
  const setup = workerData as WorkerSetup;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Sqlite = require(setup.driver) as typeof import("better-sqlite3");
  // The same settings as the store's connection (SqliteStore): wait for another writer's lock rather
  // than fail; WAL (already the file's mode); every commit synced unless a batch says otherwise.
  const db = new Sqlite(setup.path, { timeout: 5000 });
  db.pragma("busy_timeout = 5000");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  const execute = executorFactory(db);
  parentPort?.on("message", (m: { seq: number; writes: AuditWrite[] } | { close: true }) => {
    if ("close" in m) {
      db.close();
      parentPort.close();
      return;
    }
    parentPort.postMessage({ seq: m.seq, outcomes: execute(m.writes) });
  });
}

export interface WorkerAuditWriterOptions extends AuditWriterOptions {
  /**
   * Commit a batch of one write on the store's own connection instead of the thread. A lone write is
   * what a quiet gateway sends (one call at a time): there the thread only adds its two message hops,
   * which slows a lone call, while under load, when writes arrive while a batch is being committed and
   * the next batches hold several, the thread keeps fsync waits off the event loop (both measured; the
   * figures are in docs/performance.md). Batches are still committed one at a time, whichever connection commits them, so ids stay
   * monotonic and the two connections never wait for each other's lock.
   */
  loneWritesInline?: boolean;
}

/**
 * Commits in a worker thread, on a connection of its own to the same file (lone writes optionally on
 * the store's connection, see WorkerAuditWriterOptions). If the worker cannot start or dies, the writes
 * it had are answered with that failure (a begin's caller then sends nothing; a record it may have
 * committed stays PENDING for reconciliation) and later writes fall back to the store's own connection.
 */
export class WorkerAuditWriter extends BatchingWriter {
  private worker: Worker | undefined;
  /** commits on the store's own connection: lone writes (loneWritesInline), everything once the worker failed */
  private inline: InlineAuditWriter | undefined;
  private workerFailed = false;
  private readonly loneWritesInline: boolean;
  private seq = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (o: AuditWriteOutcome[]) => void; reject: (e: unknown) => void }
  >();

  constructor(
    private readonly path: string,
    /** the store's own connection, for lone writes and the fallback */
    private readonly db: Db,
    options: WorkerAuditWriterOptions,
  ) {
    super(options);
    this.loneWritesInline = options.loneWritesInline ?? false;
  }

  /** whether the thread has been started (it starts with the first batch it is given) */
  get threadStarted(): boolean {
    return this.worker !== undefined;
  }

  override async close(): Promise<void> {
    await super.close();
    const worker = this.worker;
    this.worker = undefined;
    if (worker === undefined) return;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.ref(); // until it has closed its connection and ended
    worker.postMessage({ close: true });
    await exited;
  }

  protected async commitBatch(writes: readonly AuditWrite[]): Promise<AuditWriteOutcome[]> {
    if (this.workerFailed || (this.loneWritesInline && writes.length === 1)) {
      this.inline ??= new InlineAuditWriter(this.db, this.options);
      return this.inline.commitBatch(writes);
    }
    const worker = (this.worker ??= this.startWorker());
    const seq = ++this.seq;
    // Kept alive while it holds writes; idle, it does not keep the process from exiting.
    worker.ref();
    try {
      return await new Promise<AuditWriteOutcome[]>((resolve, reject) => {
        this.waiting.set(seq, { resolve, reject });
        worker.postMessage({ seq, writes });
      });
    } finally {
      if (this.waiting.size === 0) this.worker?.unref();
    }
  }

  private startWorker(): Worker {
    const source = `"use strict";\n(${auditWorkerMain.toString()})(${createBatchExecutor.toString()});`;
    const setup: WorkerSetup = { path: this.path, driver: require.resolve("better-sqlite3") };
    const worker = new Worker(source, {
      eval: true,
      workerData: setup,
      // It holds prepared statements and a batch at a time: a small heap, so that it adds little to the
      // process's memory (running out ends the thread, and writes fall back to the main connection).
      resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 },
    });
    worker.unref();
    worker.on("message", (m: { seq: number; outcomes: AuditWriteOutcome[] }) => {
      const w = this.waiting.get(m.seq);
      this.waiting.delete(m.seq);
      w?.resolve(m.outcomes);
    });
    const failed = (err: unknown) => {
      if (this.worker === worker) {
        this.worker = undefined;
        this.workerFailed = true;
        console.warn(
          `sqlite: the audit writer thread failed (${err instanceof Error ? err.message : String(err)}); ` +
            "audit writes continue on the main connection",
        );
      }
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on("error", failed);
    worker.on("exit", (code) => {
      if (this.waiting.size > 0 || this.worker === worker) {
        failed(new Error(`the audit writer thread exited (${code})`));
      }
    });
    return worker;
  }
}
