/**
 * Whether an account's audit log holds a record matching `matches` among those written since `sinceMs`
 * (epoch ms, the store's clock), newest first, a page at a time: the live view asks it whether the
 * gateway set a config (outside-change.ts) and whether a trigger was already recorded (trigger-record.ts).
 */
import type { AuditRecord, Store } from "../store/port";

const PAGE = 100;

export async function findRecentAudit(
  store: Pick<Store, "listAudit">,
  accountId: string,
  sinceMs: number,
  matches: (record: AuditRecord) => boolean,
): Promise<boolean> {
  let beforeId: number | undefined;
  for (;;) {
    const page = await store.listAudit({ accountIds: [accountId], beforeId, limit: PAGE });
    for (const r of page) {
      if (r.at.getTime() < sinceMs) return false;
      if (matches(r)) return true;
    }
    if (page.length < PAGE) return false;
    beforeId = page[page.length - 1]?.id;
  }
}
