/**
 * What changed between two observations of one (account, underlying), as the poller sees it. Binance
 * pushes nothing about MMP, so the gateway learns of a trigger only by comparing polls: `lastTriggerTime`
 * moving is a trigger; a frozen underlying that is no longer frozen was unfrozen (its frozen time ran
 * out, or someone reset it); limits that differ are a change, which the caller then checks against what
 * the gateway itself set.
 */
import type { MmpConfig } from "../domain";
import { freezeState } from "../mmp/mmp-freeze";
import { sameDecimal } from "../mmp/mmp.validation";
import type { MmpObservation } from "./live-state.types";

export interface DetectedChanges {
  triggered: boolean;
  unfrozen: boolean;
  /** window, frozen time or a limit differs */
  configChanged: boolean;
}

export function detectChanges(previous: MmpObservation, next: MmpObservation): DetectedChanges {
  const before = previous.config;
  const after = next.config;
  const wasFrozen = freezeState(before, previous.observedAt).frozen;
  const isFrozen = freezeState(after, next.observedAt).frozen;
  // Venues that report their freeze and no trigger time: a freeze that begins is a trigger. (A
  // trigger and its whole freeze between two polls goes unseen there; Binance's moving
  // lastTriggerTime shows even that.)
  const triggered =
    after.venueFreeze !== undefined
      ? isFrozen && (!wasFrozen || after.lastTriggerTime !== before.lastTriggerTime)
      : after.lastTriggerTime !== 0n && after.lastTriggerTime !== before.lastTriggerTime;
  return {
    triggered,
    // A trigger whose frozen time ran out between two polls is both: it happened, and it is over.
    unfrozen: (wasFrozen || triggered) && !isFrozen,
    configChanged: !sameLimits(before, after),
  };
}

export function sameLimits(a: MmpConfig, b: MmpConfig): boolean {
  return (
    a.windowTimeInMilliseconds === b.windowTimeInMilliseconds &&
    a.frozenTimeInMilliseconds === b.frozenTimeInMilliseconds &&
    sameDecimal(a.qtyLimit, b.qtyLimit) &&
    sameDecimal(a.deltaLimit, b.deltaLimit) &&
    sameDecimal(a.vegaLimit, b.vegaLimit) &&
    sameDecimal(a.maxQuoteQuantity, b.maxQuoteQuantity)
  );
}

/** A config is "configured" once a window is set: Binance answers zeros for an underlying never set. */
export function isConfigured(c: MmpConfig): boolean {
  return c.windowTimeInMilliseconds > 0;
}
