/**
 * Settling abandoned PENDING audit records as a standing duty of every replica, not a start-up step:
 * a replica that dies leaves records that only the others (or its own restart, possibly sooner than the
 * grace period) can settle, and a start-up sweep alone would leave them PENDING until the next restart.
 *
 * The first sweep runs at once, with a start-up grace (0 on SQLite: one process, so whatever is PENDING
 * then was abandoned), then one every `intervalMs` (at most the grace period; see pending-grace.ts),
 * each after the previous one finished, so sweeps never overlap. Waits are jittered down by up to a
 * quarter so that replicas started together do not sweep in step (they would only read the same records
 * back twice: the settle itself is exactly-once either way). The timer is unref'd: it never keeps the
 * process alive; stop() cancels it and waits for a sweep in progress.
 */
import { reconcilePendingAudit, type ReconcileDeps, type ReconcileResult } from "./reconcile";

export interface PendingSweeperOptions extends ReconcileDeps {
  /** between the end of one sweep and the start of the next (at most graceMs) */
  intervalMs: number;
  /** the first sweep's grace; graceMs when absent */
  startupGraceMs?: number;
  /** 0..1 (Math.random): jitter, injectable for tests */
  random?: () => number;
}

export class PendingSweeper {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> | undefined;
  private stopped = false;

  constructor(private readonly opts: PendingSweeperOptions) {
    if (!(opts.intervalMs > 0) || opts.intervalMs > opts.graceMs) {
      throw new RangeError("the sweep interval must be positive and at most the grace period");
    }
  }

  /** Runs the first sweep now and schedules the next; resolves with the first sweep's result. */
  start(): Promise<ReconcileResult> {
    const first = this.sweep(this.opts.startupGraceMs ?? this.opts.graceMs);
    void first.then(() => this.schedule());
    return first;
  }

  /** Cancels the next sweep and waits for one in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.current;
  }

  private schedule(): void {
    if (this.stopped) return;
    const jitter = 1 - 0.25 * (this.opts.random ?? Math.random)();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sweep(this.opts.graceMs).then(() => this.schedule());
    }, this.opts.intervalMs * jitter);
    this.timer.unref();
  }

  /** One sweep; never rejects (a database or exchange outage is logged, and the next sweep retries). */
  private sweep(graceMs: number): Promise<ReconcileResult> {
    const run = reconcilePendingAudit({ ...this.opts, graceMs }).catch((err: unknown) => {
      this.opts.logger.warn({ err: String(err) }, "pending audit sweep failed; retried at the next");
      return { settled: 0, settledElsewhere: 0 };
    });
    this.current = run;
    return run;
  }
}
