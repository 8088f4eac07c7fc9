/**
 * The gateway's memory of every observed (account, underlying): the latest config and when it was read.
 * Observations from the poller, from reads and from changes (of this replica or, through the live channel,
 * of the others) all land here; an older observation never replaces a newer one, so a poll answer that
 * left before a change was applied cannot undo it.
 */
import type { MmpObservation } from "./live-state.types";

export type ApplyResult =
  { applied: true; previous: MmpObservation | undefined } | { applied: false; current: MmpObservation };

export class LiveMmpState {
  private readonly byKey = new Map<string, MmpObservation>();

  get(accountId: string, underlying: string): MmpObservation | undefined {
    return this.byKey.get(key(accountId, underlying));
  }

  apply(o: MmpObservation): ApplyResult {
    const k = key(o.accountId, o.underlying);
    const current = this.byKey.get(k);
    if (current !== undefined && current.observedAt > o.observedAt) return { applied: false, current };
    this.byKey.set(k, o);
    return { applied: true, previous: current };
  }

  /** every observation, in insertion order */
  all(): IterableIterator<MmpObservation> {
    return this.byKey.values();
  }

  /** forgets accounts no longer in `keep` (removed accounts) */
  retainAccounts(keep: ReadonlySet<string>): void {
    for (const [k, o] of this.byKey) if (!keep.has(o.accountId)) this.byKey.delete(k);
  }

  get size(): number {
    return this.byKey.size;
  }
}

function key(accountId: string, underlying: string): string {
  return `${accountId}\u0000${underlying}`;
}
