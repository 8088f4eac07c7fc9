/**
 * The group commit both audit writers share (sqlite/audit-writer.ts, postgres/audit-writer.ts): writes are
 * queued and written in batches, one batch at a time.
 */

/** one queued write and its caller's promise */
export interface Waiter<T, R> {
  row: T;
  resolve: (value: R) => void;
  reject: (err: unknown) => void;
}

/**
 * A queue written in batches, one at a time: what arrives while a batch is written forms the next one
 * (the first of a quiet spell waits for the end of the event-loop turn, to gather its companions).
 */
export class BatchQueue<T, R> {
  private queue: Waiter<T, R>[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  /** a batch is being written; set and cleared synchronously with the queue checks, so none is missed */
  private busy = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    /** most writes per batch (Infinity: all that are queued) */
    private readonly maxBatch: number,
    /** writes a batch; settles every waiter of it */
    private readonly write: (batch: Waiter<T, R>[]) => Promise<void>,
  ) {}

  push(row: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      if (!this.busy) this.scheduled ??= setImmediate(() => this.start());
    });
  }

  /** starts now what is queued; resolves when the queue is empty */
  async flush(): Promise<void> {
    if (this.scheduled !== undefined) {
      clearImmediate(this.scheduled);
      this.start();
    }
    await this.idle;
  }

  private start(): void {
    this.scheduled = undefined;
    if (this.busy || this.queue.length === 0) return;
    this.busy = true;
    this.idle = this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          await this.write(batch);
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      // In the same synchronous step as the last look at the queue: a write queued from now on
      // schedules a new drain.
      this.busy = false;
    }
  }
}
