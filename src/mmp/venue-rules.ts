/**
 * Each venue's rules for an MMP change, applied to the gateway's one input before anything is audited
 * or signed. Every refusal is BAD_USER_INPUT naming the gateway's field and the venue's rule; nothing
 * is rounded or converted approximately (a Deribit window of 1500 ms is refused, not sent as 1 or 2 s).
 * The venue clients check again what they send (a second line), in their own terms.
 *
 * Sources of each rule: docs/venues.md.
 */
import type { ExchangeCredentials, MmpSettings, Venue } from "../domain";
import type { ExchangeClient } from "../exchange/exchange.port";
import { badUserInput } from "../errors";
import type { SetMmpConfigRequest } from "./mmp.types";
import { checkFrozenTime, checkPositiveDecimal, checkWindow } from "./mmp.validation";

/** What a caller asks, before the venue's rules (the GraphQL input, the toolset's items). */
export type MmpChangeRequest = Omit<SetMmpConfigRequest, "accountId">;

interface VenueRules {
  /** the venue's name in messages */
  name: string;
  /** the scope key's shape, checked before the venue's list is looked up */
  underlying: { shape: RegExp; example: string; what: string };
  window(field: string, ms: number): number;
  frozen(field: string, ms: bigint): bigint;
  /** decimal places the venue takes for a limit; undefined: no stated bound */
  decimals?: number;
  delta: "required" | "optional" | "refused";
  vega: "optional" | "refused";
  maxQuote: "required" | "refused";
}

/** Deribit's interval and frozen_time: whole seconds, at most 3600 (docs/venues.md). */
const DERIBIT_MAX_SECONDS = 3600;

const RULES: Readonly<Record<Venue, VenueRules>> = {
  binance: {
    name: "Binance",
    underlying: { shape: /^[A-Z0-9]{2,20}$/, example: "BTCUSDT", what: "an exchange underlying" },
    window: checkWindow,
    frozen: checkFrozenTime,
    delta: "required",
    vega: "refused",
    maxQuote: "refused",
  },
  bybit: {
    name: "Bybit",
    underlying: { shape: /^[A-Z0-9]{1,20}$/, example: "BTC", what: "a Bybit base coin (upper case)" },
    window: positiveMs,
    frozen: checkFrozenTime,
    decimals: 2,
    delta: "required",
    vega: "optional",
    maxQuote: "refused",
  },
  okx: {
    name: "OKX",
    underlying: {
      shape: /^[A-Z0-9]{1,16}-[A-Z0-9]{1,16}$/,
      example: "BTC-USD",
      what: "an OKX instrument family",
    },
    window: positiveMs,
    frozen: checkFrozenTime,
    delta: "refused",
    vega: "refused",
    maxQuote: "refused",
  },
  deribit: {
    name: "Deribit",
    underlying: {
      shape: /^[a-z0-9]{2,16}_[a-z0-9]{2,16}$/,
      example: "btc_usd",
      what: "a Deribit index name (lower case)",
    },
    window: (field, ms) => {
      wholeSeconds(field, BigInt(ms), 1n);
      return ms;
    },
    frozen: (field, ms) => wholeSeconds(field, ms, 0n),
    decimals: 4,
    delta: "optional",
    vega: "optional",
    maxQuote: "required",
  },
};

export function venueName(venue: Venue): string {
  return RULES[venue].name;
}

/** The scope key's shape for the venue (keeps '&', '=' and spaces out before any lookup). */
export function checkVenueUnderlyingShape(venue: Venue, field: string, value: string): string {
  const u = RULES[venue].underlying;
  if (!u.shape.test(value)) {
    throw badUserInput(field, `must be ${u.what} such as ${u.example}, got "${truncate(value)}"`);
  }
  return value;
}

/** The scope key as it must be written for the account's venue, and one that venue lists for options. */
export async function checkAccountUnderlying(
  exchange: Pick<ExchangeClient, "underlyings">,
  account: ExchangeCredentials,
  field: string,
  value: string,
): Promise<string> {
  const venue = account.venue ?? "binance";
  // Shape first, so nothing odd ('&', '=', spaces) is ever looked up or sent.
  checkVenueUnderlyingShape(venue, field, value);
  if (!(await exchange.underlyings(account.baseUrl, venue)).has(value)) {
    throw badUserInput(
      field,
      venue === "binance"
        ? `"${value}" is not an underlying listed by the exchange`
        : `"${value}" is not a scope key ${venueName(venue)} lists for options`,
    );
  }
  return value;
}

/** The settings a venue is asked to apply, or BAD_USER_INPUT naming the first field it cannot take. */
export function venueSettings(venue: Venue, req: MmpChangeRequest): MmpSettings {
  const rules = RULES[venue];
  const settings: MmpSettings = {
    underlying: checkVenueUnderlyingShape(venue, "underlying", req.underlying),
    windowTimeInMilliseconds: rules.window("windowTimeInMilliseconds", req.windowTimeInMilliseconds),
    frozenTimeInMilliseconds: rules.frozen("frozenTimeInMilliseconds", req.frozenTimeInMilliseconds),
    qtyLimit: limit(rules, "qtyLimit", req.qtyLimit),
  };
  const delta = present(req.deltaLimit);
  if (delta === undefined && rules.delta === "required") {
    throw badUserInput("deltaLimit", `${rules.name} requires a delta limit`);
  }
  if (delta !== undefined && rules.delta === "refused") {
    throw badUserInput(
      "deltaLimit",
      `${rules.name} has no delta limit (its MMP limits the traded quantity only); leave deltaLimit out`,
    );
  }
  if (delta !== undefined) settings.deltaLimit = limit(rules, "deltaLimit", delta);
  const vega = present(req.vegaLimit);
  if (vega !== undefined && rules.vega === "refused") {
    throw badUserInput("vegaLimit", `${rules.name} has no vega limit; leave vegaLimit out`);
  }
  if (vega !== undefined) settings.vegaLimit = limit(rules, "vegaLimit", vega);
  const maxQuote = present(req.maxQuoteQuantity);
  if (maxQuote === undefined && rules.maxQuote === "required") {
    throw badUserInput(
      "maxQuoteQuantity",
      `${rules.name} requires maxQuoteQuantity (the largest MMP quote per side and instrument)`,
    );
  }
  if (maxQuote !== undefined && rules.maxQuote === "refused") {
    throw badUserInput(
      "maxQuoteQuantity",
      `${rules.name} has no max quote quantity (Deribit only); leave maxQuoteQuantity out`,
    );
  }
  if (maxQuote !== undefined) settings.maxQuoteQuantity = limit(rules, "maxQuoteQuantity", maxQuote);
  return settings;
}

function present(v: string | null | undefined): string | undefined {
  return v === null || v === undefined ? undefined : v;
}

function limit(rules: VenueRules, field: string, value: string): string {
  checkPositiveDecimal(field, value);
  if (rules.decimals !== undefined) {
    const written = value.includes(".") ? value.length - value.indexOf(".") - 1 : 0;
    // Trailing zeros beyond the bound are digits the venue would refuse too: counted as written.
    if (written > rules.decimals) {
      throw badUserInput(
        field,
        `${rules.name} takes at most ${rules.decimals} decimal places; "${value}" has ${written} ` +
          "(nothing is rounded)",
      );
    }
  }
  return value;
}

function positiveMs(field: string, ms: number): number {
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw badUserInput(field, `must be a whole number of milliseconds greater than 0, got ${ms}`);
  }
  return ms;
}

/** Deribit takes seconds: the milliseconds must be a whole number of seconds within its bounds. */
function wholeSeconds(field: string, ms: bigint, minSeconds: bigint): bigint {
  const max = BigInt(DERIBIT_MAX_SECONDS) * 1000n;
  if (ms % 1000n !== 0n) {
    throw badUserInput(
      field,
      `Deribit takes whole seconds: ${ms} ms is not a multiple of 1000 (nothing is rounded)`,
    );
  }
  if (ms < minSeconds * 1000n || ms > max) {
    throw badUserInput(
      field,
      `Deribit takes ${minSeconds} to ${DERIBIT_MAX_SECONDS} seconds (${minSeconds * 1000n} to ${max} ms), got ${ms} ms`,
    );
  }
  return ms;
}

function truncate(s: string): string {
  return s.length > 32 ? `${s.slice(0, 32)}…` : s;
}
