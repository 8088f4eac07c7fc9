/**
 * Polls the store's auth version so in-memory caches (tokens, grants, account credentials) can be
 * dropped within a second of any change, including changes made by another process on the same
 * database (the CLI beside a running server, or another replica). The hot path never waits on it: a
 * request reads the caches; only this timer talks to the database.
 */
import type { Store } from "../store/port";

export type ChangeListener = () => void;

export class ChangeWatcher {
  private version: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<ChangeListener>();
  private polling = false;

  constructor(
    private readonly store: Pick<Store, "authVersion">,
    private readonly intervalMs = 250,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  onChange(listener: ChangeListener): void {
    this.listeners.add(listener);
  }

  async start(): Promise<void> {
    this.version = await this.store.authVersion();
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Drops the caches now, without asking the store: another process announced a change (Redis). The
   * version is left alone, so the next poll confirms (and drops them once more, which is harmless).
   */
  notifyChanged(): void {
    for (const l of this.listeners) l();
  }

  /** Checks now; tests and in-process writers call it to invalidate without waiting for the timer. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const v = await this.store.authVersion();
      if (v !== this.version) {
        this.version = v;
        for (const l of this.listeners) l();
      }
    } catch (err) {
      // A database hiccup must not take caches down with it; the next tick tries again. But a cache
      // that cannot confirm freshness must not outlive the promise of "within a second": drop it.
      for (const l of this.listeners) l();
      this.onError(err);
    } finally {
      this.polling = false;
    }
  }
}
