/**
 * Settles audit records left PENDING by a request that will never complete them: its process crashed
 * (or was killed) between "intent written" and "outcome written". One sweep; PendingSweeper
 * (pending-sweeper.ts) runs it at start-up and then periodically on every replica.
 *
 * Only records older than a grace period are touched: on a shared database another replica may have
 * the request in flight right now, and its own completion must win (pending-grace.ts derives the period
 * from the exchange timeouts). For an MMP change the exchange is read back: if it holds what was asked
 * the record becomes SUCCEEDED, otherwise UNKNOWN (the change may still have been applied and later
 * overwritten; the gateway cannot tell, and says so).
 *
 * Replicas sweep the same database independently; the outcome is written with Store.auditSettle, which
 * only changes a record still PENDING, so each record is settled once, by one replica, whose instance id
 * the outcome's message names. A replica that loses the race (its read-back came second) writes nothing.
 */
import type { AuditAction, ExchangeCredentials, MmpSettings } from "../domain";
import type { ExchangeClient } from "../exchange/exchange.port";
import type { AuditCompletion, AuditRecord, Store } from "../store/port";
import type { AccountDirectory } from "../access/account-directory";
import { mapBounded } from "../util/bounded-map";
import { configJson, holds } from "../mmp/mmp.service";
import { freezeState } from "../mmp/mmp-freeze";

/** admin actions complete in the same breath as they begin; only exchange calls can be left hanging */
const EXCHANGE_ACTIONS = new Set<AuditAction>([
  "SET_MMP",
  "RESET_MMP",
  "SET_KILL_SWITCH",
  "KILL_SWITCH_HEARTBEAT",
]);

/**
 * Read-backs in flight at once: after a crash under load there are as many records as there were
 * requests in flight, and one at a time behind an unreachable exchange would stretch the sweep (and so
 * the settle time) by a read's timeout per record. Each read-back weighs like any read.
 */
const SETTLE_CONCURRENCY = 4;

/** duration_ms is a 32-bit integer column; a record abandoned for weeks still gets a value */
const MAX_DURATION_MS = 2 ** 31 - 1;

export interface ReconcileDeps {
  store: Pick<Store, "pendingAudit" | "auditSettle">;
  exchange: Pick<ExchangeClient, "getMmp" | "getKillSwitches">;
  accounts: Pick<AccountDirectory, "get">;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** named in each settled record's message (src/observability/instance-id.ts) */
  settledBy: string;
  now?: () => number;
  /** records younger than this may still be in flight elsewhere */
  graceMs: number;
}

export interface ReconcileResult {
  /** records this sweep settled */
  settled: number;
  /** records another replica (or the request itself) settled while this sweep was reading back */
  settledElsewhere: number;
}

export async function reconcilePendingAudit(deps: ReconcileDeps): Promise<ReconcileResult> {
  const now = deps.now ?? Date.now;
  const sweepStart = now();
  const due = (await deps.store.pendingAudit()).filter(
    (rec) => EXCHANGE_ACTIONS.has(rec.action) && sweepStart - rec.at.getTime() >= deps.graceMs,
  );
  const result: ReconcileResult = { settled: 0, settledElsewhere: 0 };
  await mapBounded(due, SETTLE_CONCURRENCY, async (rec) => {
    try {
      if (await settle(deps, rec, now)) result.settled++;
      else result.settledElsewhere++;
    } catch (err) {
      deps.logger.warn({ auditId: rec.id, err: String(err) }, "could not settle a pending audit record");
    }
  });
  if (result.settled > 0) {
    deps.logger.info(
      { settled: result.settled, settledBy: deps.settledBy },
      "settled pending audit records left by a stopped request",
    );
  }
  return result;
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

/** true when this call settled the record, false when it was no longer PENDING */
async function settle(deps: ReconcileDeps, rec: AuditRecord, now: () => number): Promise<boolean> {
  const account = rec.accountId ? await deps.accounts.get(rec.accountId) : null;
  let held: unknown;
  try {
    const readBack = account ? readBackFor(rec, deps, account) : undefined;
    held = readBack ? await readBack() : undefined;
  } catch {
    // malformed record or unreadable exchange: the outcome stays unknown
  }
  const by = `; settled by ${deps.settledBy}`;
  const durationMs = Math.min(MAX_DURATION_MS, Math.max(0, now() - rec.at.getTime()));
  const completion: AuditCompletion =
    held !== undefined
      ? {
          outcome: "SUCCEEDED",
          exchangeMessage: `gateway stopped before the answer; confirmed by read-back${by}`,
          result: JSON.stringify(held),
          durationMs,
        }
      : {
          outcome: "UNKNOWN",
          exchangeMessage: `gateway stopped before the exchange answered; outcome unknown${by}`,
          durationMs,
        };
  return deps.store.auditSettle(rec.id, completion);
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
    typeof v.underlying !== "string" ||
    typeof v.windowTimeInMilliseconds !== "number" ||
    typeof v.frozenTimeInMilliseconds !== "string" ||
    typeof v.qtyLimit !== "string"
  ) {
    return undefined;
  }
  const settings: MmpSettings = {
    underlying: v.underlying,
    windowTimeInMilliseconds: v.windowTimeInMilliseconds,
    frozenTimeInMilliseconds: BigInt(v.frozenTimeInMilliseconds),
    qtyLimit: v.qtyLimit,
  };
  // The limits a venue takes beyond quantity are in the record only when they were asked for (OKX
  // has no delta limit; vega and max quote quantity are Deribit's and Bybit's).
  for (const key of ["deltaLimit", "vegaLimit", "maxQuoteQuantity"] as const) {
    const value = v[key];
    if (typeof value === "string") settings[key] = value;
    else if (value !== undefined) return undefined;
  }
  return settings;
}
