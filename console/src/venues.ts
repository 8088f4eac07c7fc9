// What each venue's MMP takes, as the gateway checks it (src/mmp/venue-rules.ts): its name, which limit
// fields it has and which of them it requires, how many decimal places a limit may have, and its window
// and frozen-time bounds. The console shows only a venue's own fields and checks them before "Review".
import type { ResultOf } from "./graphql";
import type { MmpConfigFields } from "./documents";

export type Venue = ResultOf<typeof MmpConfigFields>["venue"];

export type LimitKey = "qtyLimit" | "deltaLimit" | "vegaLimit" | "maxQuoteQuantity";
export type FieldKey = LimitKey | "windowTimeInMilliseconds" | "frozenTimeInMilliseconds";

/** whether a venue takes a limit: "required", "optional" (empty: left out), or not at all */
export type Presence = "required" | "optional" | "absent";

export interface MsRule {
  min: number;
  max: number;
  /** a multiple of this many ms (Deribit: whole seconds) */
  step: number;
}

export interface VenueSpec {
  name: string;
  limits: Readonly<Record<LimitKey, Presence>>;
  /** decimal places a limit may have; undefined: no stated bound */
  decimals: number | undefined;
  window: MsRule;
  frozen: MsRule;
  /** what an empty optional field means on this venue, per field */
  emptyMeans: Partial<Record<FieldKey, string>>;
  /** optional fields the venue keeps as they are when left out (an empty field changes nothing) */
  keptWhenEmpty: readonly LimitKey[];
  /** a note on a limit's unit, where the venue has its own */
  unit: Partial<Record<LimitKey, string>>;
  /** null: the gateway drives the venue's kill switch (Binance); else why the console shows none */
  killSwitch: string | null;
}

/** GraphQL Int: the largest window any venue can be sent */
const MAX_INT = 2_147_483_647;
/** as the gateway bounds it (src/mmp/mmp.validation.ts): 2^31 - 1 ms, about 24.8 days; longer is what 0 is for */
export const MAX_FROZEN_MS = 2_147_483_647;
const DERIBIT_MAX_MS = 3_600_000;

export const VENUES: Readonly<Record<Venue, VenueSpec>> = {
  BINANCE: {
    name: "Binance",
    limits: { qtyLimit: "required", deltaLimit: "required", vegaLimit: "absent", maxQuoteQuantity: "absent" },
    decimals: undefined,
    window: { min: 1, max: 5000, step: 1 },
    frozen: { min: 0, max: MAX_FROZEN_MS, step: 1 },
    emptyMeans: {},
    keptWhenEmpty: [],
    unit: {},
    killSwitch: null,
  },
  BYBIT: {
    name: "Bybit",
    limits: {
      qtyLimit: "required",
      deltaLimit: "required",
      vegaLimit: "optional",
      maxQuoteQuantity: "absent",
    },
    decimals: 2,
    window: { min: 1, max: MAX_INT, step: 1 },
    frozen: { min: 0, max: MAX_FROZEN_MS, step: 1 },
    emptyMeans: { vegaLimit: "Bybit keeps its current one" },
    keptWhenEmpty: ["vegaLimit"],
    unit: {},
    killSwitch: "Bybit cancels on the disconnect of a WebSocket session the gateway does not hold",
  },
  OKX: {
    name: "OKX",
    limits: { qtyLimit: "required", deltaLimit: "absent", vegaLimit: "absent", maxQuoteQuantity: "absent" },
    decimals: undefined,
    window: { min: 1, max: MAX_INT, step: 1 },
    frozen: { min: 0, max: MAX_FROZEN_MS, step: 1 },
    emptyMeans: {},
    keptWhenEmpty: [],
    unit: { qtyLimit: "in contracts" },
    killSwitch: "OKX's cancel-all-after is one account-wide timer, not driven by the gateway",
  },
  DERIBIT: {
    name: "Deribit",
    limits: {
      qtyLimit: "required",
      deltaLimit: "optional",
      vegaLimit: "optional",
      maxQuoteQuantity: "required",
    },
    decimals: 4,
    window: { min: 1000, max: DERIBIT_MAX_MS, step: 1000 },
    frozen: { min: 0, max: DERIBIT_MAX_MS, step: 1000 },
    emptyMeans: { deltaLimit: "none is sent", vegaLimit: "none is sent" },
    keptWhenEmpty: [],
    unit: { qtyLimit: "in base currency", vegaLimit: "in USD" },
    killSwitch: "Deribit cancels on the disconnect of a WebSocket session the gateway does not hold",
  },
};

export function venueSpec(venue: Venue): VenueSpec {
  return VENUES[venue];
}

export function venueName(venue: Venue): string {
  return VENUES[venue].name;
}

/** every venue, in the schema's order (the admin form's choices) */
export const VENUE_LIST: readonly Venue[] = ["BINANCE", "DERIBIT", "OKX", "BYBIT"];

export interface FieldSpec {
  key: FieldKey;
  label: string;
  /** lower case, for sentences and the bulk table's input names: "quantity limit" */
  short: string;
  help: string;
  presence: Presence;
}

const LIMIT_TEXT: Record<LimitKey, { label: string; what: string }> = {
  qtyLimit: { label: "Quantity limit", what: "Traded quantity within the window that triggers MMP" },
  deltaLimit: { label: "Delta limit", what: "Net delta within the window that triggers MMP" },
  vegaLimit: { label: "Vega limit", what: "Net vega within the window that triggers MMP" },
  maxQuoteQuantity: {
    label: "Max quote quantity",
    what: "The largest open MMP quantity per side and instrument",
  },
};

const LIMIT_KEYS: readonly LimitKey[] = ["qtyLimit", "deltaLimit", "vegaLimit", "maxQuoteQuantity"];

function msHelp(rule: MsRule, zero: string | null): string {
  const unit = rule.step === 1000 ? "whole seconds, " : "";
  const from = rule.min === 0 && zero ? `0 (${zero})` : String(rule.min);
  return `${unit}${from} to ${rule.max}.`;
}

/** the fields a venue has, in the order the console shows them: its limits, then window and frozen time */
export function fieldsOf(venue: Venue): FieldSpec[] {
  const v = VENUES[venue];
  const limits = LIMIT_KEYS.filter((k) => v.limits[k] !== "absent").map((k): FieldSpec => {
    const presence = v.limits[k];
    const unit = v.unit[k] ? ` (${v.unit[k]})` : "";
    const places = v.decimals !== undefined ? `; at most ${v.decimals} decimal places` : "";
    const empty = presence === "optional" ? ` Optional: empty, ${v.emptyMeans[k] ?? "none is sent"}.` : "";
    return {
      key: k,
      label: LIMIT_TEXT[k].label,
      short: LIMIT_TEXT[k].label.toLowerCase(),
      help: `${LIMIT_TEXT[k].what}${unit}; > 0${places}.${empty}`,
      presence,
    };
  });
  return [
    ...limits,
    {
      key: "windowTimeInMilliseconds",
      label: "Window (ms)",
      short: "window (ms)",
      help: msHelp(v.window, null),
      presence: "required",
    },
    {
      key: "frozenTimeInMilliseconds",
      label: "Frozen time (ms)",
      short: "frozen time (ms)",
      help: `How long orders stay blocked after a trigger; ${msHelp(v.frozen, "until a manual reset")}`,
      presence: "required",
    },
  ];
}
