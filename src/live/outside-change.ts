/**
 * Whether a config the exchange now holds was set through the gateway. Every change the gateway sends is
 * recorded (PENDING) before it leaves, by whichever replica sent it, so the shared audit log knows:
 * a recent SET_MMP record of this account and underlying asking for exactly these limits means the
 * gateway did it (its own CHANGED event says so); none means someone changed MMP elsewhere (the
 * exchange's UI, another tool).
 */
import type { MmpConfig } from "../domain";
import type { Store } from "../store/port";
import { findRecentAudit } from "../audit/find-recent";
import { sameLimits } from "./detect-changes";

/** how far back the log is searched: well beyond a poll interval plus an exchange timeout */
export const SET_BY_GATEWAY_LOOKBACK_MS = 10 * 60_000;
export function setByGateway(
  store: Pick<Store, "listAudit">,
  accountId: string,
  held: MmpConfig,
  nowMs: number,
): Promise<boolean> {
  return findRecentAudit(
    store,
    accountId,
    nowMs - SET_BY_GATEWAY_LOOKBACK_MS,
    (r) =>
      r.action === "SET_MMP" && r.outcome !== "FAILED" && r.outcome !== "REJECTED" && asks(r.input, held),
  );
}

function asks(inputJson: string, held: MmpConfig): boolean {
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(inputJson) as Record<string, unknown>;
  } catch {
    return false;
  }
  if (input.underlying !== held.underlying) return false;
  try {
    return sameLimits(held, {
      ...held,
      windowTimeInMilliseconds: Number(input.windowTimeInMilliseconds),
      frozenTimeInMilliseconds: BigInt(String(input.frozenTimeInMilliseconds)),
      qtyLimit: String(input.qtyLimit),
      deltaLimit: String(input.deltaLimit),
    });
  } catch {
    return false;
  }
}
