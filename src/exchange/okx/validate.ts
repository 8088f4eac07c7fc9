/**
 * Checks of OKX MMP values before anything is signed, and the exact JSON bodies they become.
 * Rules (https://www.okx.com/docs-v5/en/#trading-account-rest-api-set-mmp): every value a JSON
 * string; instFamily such as BTC-USD; timeInterval and frozenInterval milliseconds ("0" timeInterval
 * disables MMP, "0" frozenInterval = frozen until Reset MMP Status); qtyLimit a number of contracts,
 * "Must be > 0". Nothing is rounded: a value OKX cannot take is refused with BAD_USER_INPUT naming
 * the field and the rule.
 *
 * qtyLimit and fractions: OKX types qtyLimit as a string and states only "> 0"; it does not say
 * whether a fraction of a contract is accepted. The gateway sends a positive plain decimal exactly as
 * given and lets OKX judge (a refusal comes back as EXCHANGE_REJECTED 51000, nothing applied), rather
 * than refusing values OKX may take.
 */
import { badUserInput } from "../../errors";
import type { OkxMmpSettings } from "./types";

/** OKX instrument family: underlying and quote currency, uppercase, e.g. BTC-USD, ETH-USDC. */
const INST_FAMILY = /^[A-Z0-9]{1,20}-[A-Z0-9]{1,20}$/;
/** plain decimal: no sign, exponent, spaces or leading zeros */
const PLAIN_DECIMAL = /^(?:0|[1-9]\d{0,29})(?:\.\d{1,30})?$/;
const ZERO = /^0(?:\.0+)?$/;
const INT64_MAX = 9_223_372_036_854_775_807n;
/** https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-cancel-all-after: 0, or 10 to 120 s */
export const CANCEL_AFTER_MIN_SECONDS = 10;
export const CANCEL_AFTER_MAX_SECONDS = 120;

export function checkInstFamily(field: string, instFamily: unknown): string {
  if (typeof instFamily !== "string" || !INST_FAMILY.test(instFamily)) {
    throw badUserInput(
      field,
      "OKX instFamily is an uppercase instrument family such as BTC-USD (underlying-quote currency)",
    );
  }
  return instFamily;
}

export function checkTimeIntervalMs(field: string, n: unknown): string {
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw badUserInput(field, "OKX timeInterval is a whole number of milliseconds, 0 (MMP disabled) or more");
  }
  return String(n);
}

export function checkFrozenIntervalMs(field: string, n: unknown): string {
  if (typeof n !== "bigint" || n < 0n || n > INT64_MAX) {
    throw badUserInput(
      field,
      "OKX frozenInterval is a whole number of milliseconds, 0 (frozen until Reset MMP Status) or more",
    );
  }
  return n.toString();
}

export function checkQtyLimit(field: string, value: unknown): string {
  if (typeof value !== "string" || !PLAIN_DECIMAL.test(value)) {
    throw badUserInput(
      field,
      "OKX qtyLimit is a number of contracts written as a plain decimal string such as 100 " +
        "(no sign, exponent, spaces or leading zeros; nothing is rounded)",
    );
  }
  if (ZERO.test(value)) throw badUserInput(field, "OKX requires qtyLimit > 0");
  return value;
}

export function checkCancelAfterSeconds(field: string, n: unknown): string {
  const ok =
    typeof n === "number" &&
    Number.isSafeInteger(n) &&
    (n === 0 || (n >= CANCEL_AFTER_MIN_SECONDS && n <= CANCEL_AFTER_MAX_SECONDS));
  if (!ok) {
    throw badUserInput(
      field,
      `OKX timeOut is whole seconds: 0 (disabled) or ${CANCEL_AFTER_MIN_SECONDS} to ${CANCEL_AFTER_MAX_SECONDS}`,
    );
  }
  return String(n);
}

/** The exact body of `POST /api/v5/account/mmp-config`, in OKX's documented key order. */
export function mmpConfigBody(s: OkxMmpSettings): string {
  return JSON.stringify({
    instFamily: checkInstFamily("instFamily", s.instFamily),
    timeInterval: checkTimeIntervalMs("timeIntervalMs", s.timeIntervalMs),
    frozenInterval: checkFrozenIntervalMs("frozenIntervalMs", s.frozenIntervalMs),
    qtyLimit: checkQtyLimit("qtyLimit", s.qtyLimit),
  });
}

/** The exact body of `POST /api/v5/account/mmp-reset`. */
export function mmpResetBody(instFamily: string): string {
  return JSON.stringify({ instType: "OPTION", instFamily: checkInstFamily("instFamily", instFamily) });
}

/** The exact body of `POST /api/v5/trade/cancel-all-after`. */
export function cancelAllAfterBody(timeOutSeconds: number): string {
  return JSON.stringify({ timeOut: checkCancelAfterSeconds("timeOutSeconds", timeOutSeconds) });
}
