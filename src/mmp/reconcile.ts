/**
 * Settles audit records left PENDING by a crash between "intent written" and "outcome written".
 *
 * Only records older than a grace period are touched: on a shared database another replica may have
 * a request in flight right now, and its own completion must win. For an MMP change the exchange is
 * read back: if it holds what was asked the record becomes SUCCEEDED, otherwise UNKNOWN (the change may
 * still have been applied and later overwritten; the gateway cannot tell, and says so).
 */
import type { AuditAction, MmpSettings } from "../domain";
import type { ExchangeClient } from "../exchange/exchange.port";
import type { AuditRecord, Store } from "../store/port";
import type { AccountDirectory } from "./account-directory";
import { configJson, holds } from "./mmp.service";

/** admin actions complete in the same breath as they begin; only exchange calls can be left hanging */
const EXCHANGE_ACTIONS = new Set<AuditAction>([
  "SET_MMP",
  "RESET_MMP",
  "SET_KILL_SWITCH",
  "KILL_SWITCH_HEARTBEAT",
]);

export interface ReconcileDeps {
  store: Store;
  exchange: ExchangeClient;
  accounts: AccountDirectory;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  now?: () => number;
  /** records younger than this may still be in flight elsewhere */
  graceMs?: number;
}

export async function reconcilePendingAudit(deps: ReconcileDeps): Promise<{ settled: number }> {
  const now = (deps.now ?? Date.now)();
  const grace = deps.graceMs ?? 30_000;
  let settled = 0;
  for (const rec of await deps.store.pendingAudit()) {
    if (!EXCHANGE_ACTIONS.has(rec.action) || now - rec.at.getTime() < grace) continue;
    try {
      await settle(deps, rec);
      settled++;
    } catch (err) {
      deps.logger.warn({ auditId: rec.id, err: String(err) }, "could not settle a pending audit record");
    }
  }
  if (settled > 0) deps.logger.info({ settled }, "settled pending audit records left by an earlier run");
  return { settled };
}

async function settle(deps: ReconcileDeps, rec: AuditRecord): Promise<void> {
  const base = { durationMs: Date.now() - rec.at.getTime() };
  const settings = rec.action === "SET_MMP" ? parseSettings(rec.input) : undefined;
  const account = rec.accountId ? await deps.accounts.get(rec.accountId) : null;
  if (settings && account) {
    try {
      const held = await deps.exchange.getMmp(account, settings.underlying);
      if (holds(held, settings)) {
        await deps.store.auditComplete(rec.id, {
          ...base,
          outcome: "SUCCEEDED",
          exchangeMessage: "gateway stopped before the answer; confirmed by read-back",
          result: JSON.stringify(configJson(held)),
        });
        return;
      }
    } catch {
      // fall through: unknown
    }
  }
  await deps.store.auditComplete(rec.id, {
    ...base,
    outcome: "UNKNOWN",
    exchangeMessage: "gateway stopped before the exchange answered; outcome unknown",
  });
}

function parseSettings(input: string): MmpSettings | undefined {
  try {
    const v = JSON.parse(input) as Record<string, unknown>;
    if (
      typeof v.underlying === "string" &&
      typeof v.windowTimeInMilliseconds === "number" &&
      typeof v.frozenTimeInMilliseconds === "string" &&
      typeof v.qtyLimit === "string" &&
      typeof v.deltaLimit === "string"
    ) {
      return {
        underlying: v.underlying,
        windowTimeInMilliseconds: v.windowTimeInMilliseconds,
        frozenTimeInMilliseconds: BigInt(v.frozenTimeInMilliseconds),
        qtyLimit: v.qtyLimit,
        deltaLimit: v.deltaLimit,
      };
    }
  } catch {
    // malformed input JSON: treat as unknown
  }
  return undefined;
}
