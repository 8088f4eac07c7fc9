// The gateway's input rules for an MMP config (src/mmp/mmp.validation.ts and the Decimal/Long scalars),
// checked before anything is sent: a field in error blocks "Review".
export interface MmpDraft {
  windowTimeInMilliseconds: string;
  frozenTimeInMilliseconds: string;
  qtyLimit: string;
  deltaLimit: string;
}

export type DraftErrors = Partial<Record<keyof MmpDraft, string>>;

const PLAIN_DECIMAL = /^(?:0|[1-9]\d*)(?:\.\d+)?$/;
const INTEGER = /^(?:0|[1-9]\d*)$/;
/** as the gateway bounds it (src/mmp/mmp.validation.ts): 2^31 - 1 ms, about 24.8 days; longer is what 0 is for */
export const MAX_FROZEN_MS = 2_147_483_647n;
export const MAX_WINDOW_MS = 5000;

function positiveDecimal(text: string): string | undefined {
  if (text === "") return "Required.";
  if (text.length > 64) return "At most 64 characters.";
  if (!PLAIN_DECIMAL.test(text))
    return 'Type a plain decimal such as 2.5: digits and one ".", no spaces, signs, exponents or leading zeros.';
  if (!/[1-9]/.test(text)) return "Must be greater than 0.";
  return undefined;
}

export function validateDraft(d: MmpDraft): DraftErrors {
  const errors: DraftErrors = {};
  const w = d.windowTimeInMilliseconds;
  if (w === "") errors.windowTimeInMilliseconds = "Required.";
  else if (!INTEGER.test(w) || Number(w) <= 0 || Number(w) > MAX_WINDOW_MS)
    errors.windowTimeInMilliseconds = `A whole number of milliseconds from 1 to ${MAX_WINDOW_MS}.`;
  const f = d.frozenTimeInMilliseconds;
  if (f === "") errors.frozenTimeInMilliseconds = "Required.";
  else if (!INTEGER.test(f) || BigInt(f) > MAX_FROZEN_MS)
    errors.frozenTimeInMilliseconds = `A whole number of milliseconds from 0 (frozen until a manual reset) to ${MAX_FROZEN_MS}.`;
  const q = positiveDecimal(d.qtyLimit);
  if (q) errors.qtyLimit = q;
  const dl = positiveDecimal(d.deltaLimit);
  if (dl) errors.deltaLimit = dl;
  return errors;
}

/** the Long as the gateway takes it: a number while safe, else the digits */
export function longInput(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}
