/** Market maker protection: mmpSet, mmp (GET) and mmpReset. */
import { UNSET_MMP, type AccountEntry, type MmpRecord } from "../accounts";
import { E } from "../errors";
import { mmpJson } from "../json";
import type { ParamReader } from "../params";
import { parseIntInRange, parseLong, parsePositiveDecimal } from "../values";
import type { Apply, EndpointContext } from "./endpoint";

const WINDOW_TIME_RULE = { min: 1n, max: 5000n, text: "(0, 5000]" };

export function mmpSet(ctx: EndpointContext, r: ParamReader, a: AccountEntry): Apply {
  // Presence of every mandatory parameter first, then the values, as Binance reports -1102 before
  // value errors.
  const raw = {
    underlying: r.required("underlying"),
    window: r.required("windowTimeInMilliseconds"),
    frozen: r.required("frozenTimeInMilliseconds"),
    qty: r.required("qtyLimit"),
    delta: r.required("deltaLimit"),
  };
  const contract = ctx.listed(raw.underlying);
  const window = parseIntInRange(
    "windowTimeInMilliseconds",
    raw.window,
    WINDOW_TIME_RULE.min,
    WINDOW_TIME_RULE.max,
    WINDOW_TIME_RULE.text,
  );
  const frozen = parseLong("frozenTimeInMilliseconds", raw.frozen);
  if (frozen < 0n) throw E.invalidValue("frozenTimeInMilliseconds", `${raw.frozen} is negative`);
  const qtyLimit = parsePositiveDecimal("qtyLimit", raw.qty);
  const deltaLimit = parsePositiveDecimal("deltaLimit", raw.delta);
  return () => {
    // Undocumented: whether mmpSet clears a trigger. The simulator keeps lastTriggerTime (and so the
    // frozen state): only mmpReset unfreezes, which is what the reset endpoint exists for.
    const previous = a.mmp.get(contract.underlying);
    const rec: MmpRecord = {
      windowTimeInMilliseconds: window,
      frozenTimeInMilliseconds: frozen,
      qtyLimit,
      deltaLimit,
      lastTriggerTime: previous?.lastTriggerTime ?? 0,
    };
    a.mmp.set(contract.underlying, rec);
    return mmpJson(contract, rec);
  };
}

export function mmpGet(ctx: EndpointContext, r: ParamReader, a: AccountEntry): Apply {
  const contract = ctx.listed(r.required("underlying"));
  return () => mmpJson(contract, a.mmp.get(contract.underlying) ?? UNSET_MMP);
}

export function mmpReset(ctx: EndpointContext, r: ParamReader, a: AccountEntry): Apply {
  const contract = ctx.listed(r.required("underlying"));
  return () => {
    // Undocumented: the effect on lastTriggerTime. Binance's reset example answers lastTriggerTime 0,
    // so reset clears it: the config is unfrozen and reads as never triggered since.
    const rec = a.mmp.get(contract.underlying);
    if (rec) rec.lastTriggerTime = 0;
    return mmpJson(contract, rec ?? UNSET_MMP);
  };
}
