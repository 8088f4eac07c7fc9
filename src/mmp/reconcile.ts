/**
 * Settles audit records left PENDING by a crash between "intent written" and "outcome written".
 *
 * Only records older than a grace period are touched: on a shared database another replica may have
 * a request in flight right now, and its own completion must win. For an MMP change the exchange is
 * read back: if it holds what was asked the record becomes SUCCEEDED, otherwise UNKNOWN (the change may
 * still have been applied and later overwritten; the gateway cannot tell, and says so).
 */
import type { AuditAction, ExchangeCredentials, MmpSettings } from "../domain";
import type { ExchangeClient } from "../exchange/exchange.port";
import type { AuditRecord, Store } from "../store/port";
import type { AccountDirectory } from "./account-directory";
import { configJson, holds } from "./mmp.service";
import { freezeState } from "./mmp-freeze";

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

/**
 * What a PENDING record asked for, and how to tell from the exchange whether it holds now. Heartbeats
 * only refresh timers and leave nothing to observe: they always settle as UNKNOWN.
 */
function readBackFor(rec: AuditRecord, deps: ReconcileDeps, account: ExchangeCredentials) {
  const input = parseInput(rec.input);
  if (!input || typeof input.underlying !== "string") return undefined;
  const underlying = input.underlying;
  switch (rec.action) {
    case "SET_MMP": {
      const settings = parseSettings(input);
      if (!settings) return undefined;
      return async () => {
        const held = await deps.exchange.getMmp(account, underlying);
        return holds(held, settings) ? configJson(held) : undefined;
      };
    }
    case "RESET_MMP":
      return async () => {
        const held = await deps.exchange.getMmp(account, underlying);
        return freezeState(held, Date.now()).frozen ? undefined : configJson(held);
      };
    case "SET_KILL_SWITCH": {
      if (typeof input.countdownTimeInMilliseconds !== "string") return undefined;
      const asked = BigInt(input.countdownTimeInMilliseconds);
      return async () => {
        const timers = await deps.exchange.getKillSwitches(account, underlying);
        const held = timers.find((t) => t.underlying === underlying)?.countdownTime ?? 0n;
        return held === asked ? { underlying, countdownTimeInMilliseconds: held.toString() } : undefined;
      };
    }
    default:
      return undefined;
  }
}

async function settle(deps: ReconcileDeps, rec: AuditRecord): Promise<void> {
  const base = { durationMs: Date.now() - rec.at.getTime() };
  const account = rec.accountId ? await deps.accounts.get(rec.accountId) : null;
  try {
    const readBack = account ? readBackFor(rec, deps, account) : undefined;
    if (readBack) {
      const held = await readBack();
      if (held) {
        await deps.store.auditComplete(rec.id, {
          ...base,
          outcome: "SUCCEEDED",
          exchangeMessage: "gateway stopped before the answer; confirmed by read-back",
          result: JSON.stringify(held),
        });
        return;
      }
    }
  } catch {
    // malformed record or unreadable exchange: the outcome stays unknown
  }
  await deps.store.auditComplete(rec.id, {
    ...base,
    outcome: "UNKNOWN",
    exchangeMessage: "gateway stopped before the exchange answered; outcome unknown",
  });
}

function parseInput(input: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(input);
    return v !== null && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function parseSettings(v: Record<string, unknown>): MmpSettings | undefined {
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
  return undefined;
}
