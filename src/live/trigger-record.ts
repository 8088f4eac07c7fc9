/**
 * Whether a trigger is already in the audit log. The poller compares each observation with the previous
 * one, so a trigger that happened while no gateway was running (a deployment restarted, an outage) would
 * otherwise never be recorded: the first observation after start-up has nothing to compare with. For that
 * first observation the log is asked instead: an MMP_TRIGGERED record of this account and underlying with
 * the same lastTriggerTime means it was recorded; none means it happened unseen.
 */
import type { Store } from "../store/port";

const PAGE = 100;
/** records written up to this long before the trigger time still count (clocks of other replicas) */
const CLOCK_MARGIN_MS = 60_000;

export async function triggerRecorded(
  store: Pick<Store, "listAudit">,
  accountId: string,
  underlying: string,
  lastTriggerTime: bigint,
): Promise<boolean> {
  const wanted = lastTriggerTime.toString();
  // A record of this trigger was written after it happened: older pages cannot hold it.
  const oldest = Number(lastTriggerTime) - CLOCK_MARGIN_MS;
  let beforeId: number | undefined;
  for (;;) {
    const page = await store.listAudit({ accountIds: [accountId], beforeId, limit: PAGE });
    for (const r of page) {
      if (r.at.getTime() < oldest) return false;
      if (r.action !== "MMP_TRIGGERED") continue;
      try {
        const input = JSON.parse(r.input) as { underlying?: unknown; lastTriggerTime?: unknown };
        if (input.underlying === underlying && input.lastTriggerTime === wanted) return true;
      } catch {
        // not ours to judge: a record whose input is not JSON says nothing about this trigger
      }
    }
    if (page.length < PAGE) return false;
    beforeId = page[page.length - 1]?.id;
  }
}
