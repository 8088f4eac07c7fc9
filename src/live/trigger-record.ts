/**
 * Whether a trigger is already in the audit log. The poller compares each observation with the previous
 * one, so a trigger that happened while no gateway was running (a deployment restarted, an outage) would
 * otherwise never be recorded: the first observation after start-up has nothing to compare with. For that
 * first observation the log is asked instead: an MMP_TRIGGERED record of this account and underlying with
 * the same lastTriggerTime means it was recorded; none means it happened unseen.
 */
import { findRecentAudit } from "../audit/find-recent";
import type { Store } from "../store/port";

/** records written up to this long before the trigger time still count (clocks of other replicas) */
const CLOCK_MARGIN_MS = 60_000;

export function triggerRecorded(
  store: Pick<Store, "listAudit">,
  accountId: string,
  underlying: string,
  lastTriggerTime: bigint,
): Promise<boolean> {
  const wanted = lastTriggerTime.toString();
  // A record of this trigger was written after it happened: older records cannot be it.
  return findRecentAudit(store, accountId, Number(lastTriggerTime) - CLOCK_MARGIN_MS, (r) => {
    if (r.action !== "MMP_TRIGGERED") return false;
    try {
      const input = JSON.parse(r.input) as { underlying?: unknown; lastTriggerTime?: unknown };
      return input.underlying === underlying && input.lastTriggerTime === wanted;
    } catch {
      // a record whose input is not JSON says nothing about this trigger
      return false;
    }
  });
}
