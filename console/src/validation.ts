// The gateway's input rules for an MMP config (src/mmp/mmp.validation.ts, src/mmp/venue-rules.ts and the
// Decimal/Long scalars), checked for the account's venue before anything is sent: a field in error
// blocks "Review".
import type { VariablesOf } from "./graphql";
import type { SetMmpConfigMutation } from "./documents";
import { VENUES, type FieldKey, type LimitKey, type MsRule, type Venue } from "./venues";

/** every field as typed; a field the venue lacks stays empty and is never sent */
export type MmpDraft = Record<FieldKey, string>;

export type DraftErrors = Partial<Record<FieldKey, string>>;

const PLAIN_DECIMAL = /^(?:0|[1-9]\d*)(?:\.\d+)?$/;
const INTEGER = /^(?:0|[1-9]\d*)$/;

function positiveDecimal(text: string): string | undefined {
  if (text === "") return "Required.";
  if (text.length > 64) return "At most 64 characters.";
  if (!PLAIN_DECIMAL.test(text))
    return 'Type a plain decimal such as 2.5: digits and one ".", no spaces, signs, exponents or leading zeros.';
  if (!/[1-9]/.test(text)) return "Must be greater than 0.";
  return undefined;
}

/** decimal places as written: trailing zeros count (the venue would refuse them too) */
function places(text: string): number {
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

function milliseconds(text: string, rule: MsRule, venueName: string, zero: string): string | undefined {
  if (text === "") return "Required.";
  const from = rule.min === 0 ? `0 (${zero})` : String(rule.min);
  if (!INTEGER.test(text)) return `A whole number of milliseconds from ${from} to ${rule.max}.`;
  const n = Number(text);
  if (rule.step > 1 && n % rule.step !== 0)
    return `${venueName} takes whole seconds: a multiple of ${rule.step} ms.`;
  if (n < rule.min || n > rule.max)
    return rule.step > 1
      ? `${venueName} takes ${from} to ${rule.max} ms (${rule.min / 1000} to ${rule.max / 1000} seconds).`
      : `${venueName} takes a whole number of milliseconds from ${from} to ${rule.max}.`;
  return undefined;
}

const LIMIT_KEYS: readonly LimitKey[] = ["qtyLimit", "deltaLimit", "vegaLimit", "maxQuoteQuantity"];

export function validateDraft(venue: Venue, d: MmpDraft): DraftErrors {
  const v = VENUES[venue];
  const errors: DraftErrors = {};
  const w = milliseconds(d.windowTimeInMilliseconds, v.window, v.name, "");
  if (w) errors.windowTimeInMilliseconds = w;
  const f = milliseconds(d.frozenTimeInMilliseconds, v.frozen, v.name, "frozen until a manual reset");
  if (f) errors.frozenTimeInMilliseconds = f;
  for (const k of LIMIT_KEYS) {
    const presence = v.limits[k];
    const text = d[k];
    if (presence === "absent" || (presence === "optional" && text === "")) continue;
    const wrong = positiveDecimal(text);
    if (wrong) errors[k] = presence === "required" && text === "" ? `${v.name} requires it.` : wrong;
    else if (v.decimals !== undefined && places(text) > v.decimals)
      errors[k] =
        `${v.name} takes at most ${v.decimals} decimal places; "${text}" has ${places(text)} (nothing is rounded).`;
  }
  return errors;
}

/** the Long as the gateway takes it: a number while safe, else the digits */
export function longInput(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

export type MmpInput = VariablesOf<typeof SetMmpConfigMutation>["input"];

/** the SetMmpConfigInput of a (valid) draft: the venue's own fields only, an empty optional one left out */
export function inputOf(
  target: { accountId: string; underlying: string; venue: Venue },
  d: MmpDraft,
): MmpInput {
  const limits = VENUES[target.venue].limits;
  const input: MmpInput = {
    accountId: target.accountId,
    underlying: target.underlying,
    qtyLimit: d.qtyLimit,
    windowTimeInMilliseconds: Number(d.windowTimeInMilliseconds),
    frozenTimeInMilliseconds: longInput(d.frozenTimeInMilliseconds),
  };
  if (limits.deltaLimit !== "absent" && d.deltaLimit !== "") input.deltaLimit = d.deltaLimit;
  if (limits.vegaLimit !== "absent" && d.vegaLimit !== "") input.vegaLimit = d.vegaLimit;
  if (limits.maxQuoteQuantity !== "absent" && d.maxQuoteQuantity !== "")
    input.maxQuoteQuantity = d.maxQuoteQuantity;
  return input;
}
