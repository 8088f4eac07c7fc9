/** JSON bodies the simulator writes by hand, where JSON.stringify would get Binance's shape wrong. */
import type { MmpRecord } from "./accounts";
import type { Contract } from "./contracts";
import { normalizeDecimal } from "./values";

/**
 * The documented MMP shape, written by hand: frozenTimeInMilliseconds is a 64-bit value that
 * JSON.stringify cannot write from a bigint, and the limits go out as strings, normalized like Binance.
 */
export function mmpJson(c: Contract, rec: Readonly<MmpRecord>): string {
  return (
    `{"underlyingId":${c.id},"underlying":${JSON.stringify(c.underlying)},` +
    `"windowTimeInMilliseconds":${rec.windowTimeInMilliseconds},` +
    `"frozenTimeInMilliseconds":${rec.frozenTimeInMilliseconds.toString()},` +
    `"qtyLimit":${JSON.stringify(normalizeDecimal(rec.qtyLimit))},` +
    `"deltaLimit":${JSON.stringify(normalizeDecimal(rec.deltaLimit))},` +
    `"lastTriggerTime":${rec.lastTriggerTime}}`
  );
}
