/**
 * The live view's vocabulary: what the gateway knows of one (account, underlying) and the events it
 * derives from changes. Values stay exact (bigint, decimal strings); the JSON forms below carry them
 * between replicas as strings.
 */
import type { MmpConfig, Venue } from "../domain";

export type MmpEventKind = "TRIGGERED" | "UNFROZEN" | "CHANGED" | "RESET" | "CHANGED_OUTSIDE_GATEWAY";
export const MMP_EVENT_KINDS: readonly MmpEventKind[] = [
  "TRIGGERED",
  "UNFROZEN",
  "CHANGED",
  "RESET",
  "CHANGED_OUTSIDE_GATEWAY",
];

/** One (account, underlying)'s config as the exchange held it at `observedAt`. */
export interface MmpObservation {
  accountId: string;
  underlying: string;
  config: MmpConfig;
  /**
   * Epoch ms (gateway clock) at which the exchange state shown was read: for a poll, when the request
   * left (the exchange answered with state at least that new); for a change, when its answer arrived.
   */
  observedAt: number;
}

export interface MmpEvent {
  /** unique; the subscriber can deduplicate on it */
  id: string;
  kind: MmpEventKind;
  accountId: string;
  underlying: string;
  /** epoch ms: when it happened (a trigger: the exchange's lastTriggerTime), else when it was seen */
  at: number;
  /** the gateway user who made the change; null for what the exchange or someone outside did */
  actor: string | null;
  /** the config after the event */
  config: MmpConfig | null;
  observedAt: number;
}

/** MmpConfig with its 64-bit fields as decimal strings: JSON-safe. */
export interface MmpConfigJson {
  venue?: Venue;
  underlyingId: number;
  underlying: string;
  windowTimeInMilliseconds: number;
  frozenTimeInMilliseconds: string;
  qtyLimit: string | null;
  deltaLimit: string | null;
  vegaLimit?: string | null;
  maxQuoteQuantity?: string | null;
  lastTriggerTime: string;
  venueFreeze?: { frozen: boolean; frozenUntil: string | null };
}

export function configToJson(c: MmpConfig): MmpConfigJson {
  return {
    underlyingId: c.underlyingId,
    underlying: c.underlying,
    windowTimeInMilliseconds: c.windowTimeInMilliseconds,
    frozenTimeInMilliseconds: c.frozenTimeInMilliseconds.toString(),
    qtyLimit: c.qtyLimit,
    deltaLimit: c.deltaLimit,
    ...(c.venue === undefined ? {} : { venue: c.venue }),
    ...(c.vegaLimit === undefined ? {} : { vegaLimit: c.vegaLimit }),
    ...(c.maxQuoteQuantity === undefined ? {} : { maxQuoteQuantity: c.maxQuoteQuantity }),
    lastTriggerTime: c.lastTriggerTime.toString(),
    ...(c.venueFreeze === undefined
      ? {}
      : {
          venueFreeze: {
            frozen: c.venueFreeze.frozen,
            frozenUntil: c.venueFreeze.frozenUntil === null ? null : c.venueFreeze.frozenUntil.toString(),
          },
        }),
  };
}

export function configFromJson(j: MmpConfigJson): MmpConfig {
  return {
    underlyingId: j.underlyingId,
    underlying: j.underlying,
    windowTimeInMilliseconds: j.windowTimeInMilliseconds,
    frozenTimeInMilliseconds: BigInt(j.frozenTimeInMilliseconds),
    qtyLimit: j.qtyLimit,
    deltaLimit: j.deltaLimit,
    ...(j.venue === undefined ? {} : { venue: j.venue }),
    ...(j.vegaLimit === undefined ? {} : { vegaLimit: j.vegaLimit }),
    ...(j.maxQuoteQuantity === undefined ? {} : { maxQuoteQuantity: j.maxQuoteQuantity }),
    lastTriggerTime: BigInt(j.lastTriggerTime),
    ...(j.venueFreeze === undefined
      ? {}
      : {
          venueFreeze: {
            frozen: j.venueFreeze.frozen,
            frozenUntil: j.venueFreeze.frozenUntil === null ? null : BigInt(j.venueFreeze.frozenUntil),
          },
        }),
  };
}

export interface MmpObservationJson extends Omit<MmpObservation, "config"> {
  config: MmpConfigJson;
}

/** What the live channel carries for an observation: where it came from decides what is detected. */
export interface ObservationMessage extends MmpObservationJson {
  /** "read": a poll or a query read; "change": the answer to a change made through the gateway */
  origin: "read" | "change";
}

export interface MmpEventJson extends Omit<MmpEvent, "config"> {
  config: MmpConfigJson | null;
}

export const observationToJson = (o: MmpObservation): MmpObservationJson => ({
  ...o,
  config: configToJson(o.config),
});
export const observationFromJson = (j: MmpObservationJson): MmpObservation => ({
  ...j,
  config: configFromJson(j.config),
});
export const eventToJson = (e: MmpEvent): MmpEventJson => ({
  ...e,
  config: e.config && configToJson(e.config),
});
export const eventFromJson = (j: MmpEventJson): MmpEvent => ({
  ...j,
  config: j.config && configFromJson(j.config),
});
