/** The times of calls per key, counted in sliding windows (the venues' rate limits). */
export class CallLog {
  private readonly calls = new Map<string, number[]>();

  /** Drops the calls of `key` at or before `now - windowMs`; returns how many are left. */
  count(key: string, now: number, windowMs: number): number {
    const list = this.calls.get(key);
    if (!list) return 0;
    while (list.length > 0 && list[0]! <= now - windowMs) list.shift();
    return list.length;
  }

  add(key: string, now: number): void {
    const list = this.calls.get(key);
    if (list) list.push(now);
    else this.calls.set(key, [now]);
  }

  /** the oldest call of `key` still held */
  oldest(key: string): number | undefined {
    return this.calls.get(key)?.[0];
  }
}
