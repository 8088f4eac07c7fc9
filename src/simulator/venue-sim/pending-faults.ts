/** The faults a test queued: each hits the next `times` requests it matches, first queued first. */
export class PendingFaults<Fault> {
  private entries: { fault: Fault; remaining: number; target?: string }[] = [];

  /** `target` undefined: any request */
  add(fault: Fault, times = 1, target?: string): void {
    this.entries.push({ fault, remaining: times, target });
  }

  clear(): void {
    this.entries = [];
  }

  /** The first fault matching `target`, counted down (and dropped when used up). */
  take(target: string): Fault | undefined {
    const i = this.entries.findIndex((f) => f.target === undefined || f.target === target);
    if (i < 0) return undefined;
    const f = this.entries[i]!;
    if (--f.remaining <= 0) this.entries.splice(i, 1);
    return f.fault;
  }
}
