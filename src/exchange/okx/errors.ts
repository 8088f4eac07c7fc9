/**
 * Maps OKX v5 answers to gateway errors (codes: https://www.okx.com/docs-v5/en/#error-code-rest-api).
 *
 * OKX answers with `{code, msg, data}` and a status that depends on the error (401 for
 * authentication, 429 for rate limits, 400 for parameters, 200 for many business refusals).
 *
 * | answer                                                   | error                                        |
 * |----------------------------------------------------------|----------------------------------------------|
 * | code "0"                                                 | success                                      |
 * | 50011 (rate limit, HTTP 429), 50061 (sub-account limit)  | RATE_LIMITED; this key's endpoint backs off   |
 * | 50001, 50004, 50013, 50026 (unavailable / busy / system) | EXCHANGE_UNAVAILABLE, UNKNOWN for a change    |
 * | 1 / 2 with an item `sCode`                               | EXCHANGE_REJECTED with that sCode / sMsg      |
 * | any other code (50102, 50105, 50111, 50113, 51000,        | EXCHANGE_REJECTED (exchangeCode, exchangeMessage) |
 * | 51034, 51035, 51036, 59509, ...)                         | + advice                                     |
 * | HTTP 429 without an OKX body                             | RATE_LIMITED, host back-off                  |
 * | HTTP 404 without an OKX body                             | EXCHANGE_UNAVAILABLE NOT_APPLIED             |
 * | 5XX, other non-2XX, unreadable 2XX                       | EXCHANGE_UNAVAILABLE, UNKNOWN for a change    |
 * | no answer (see binance/transport.ts)                     | NOT_APPLIED if never sent, else UNKNOWN       |
 */
import { exchangeRejected, rateLimited, type GatewayError } from "../../errors";
import { retryAfterSeconds, type HttpAnswer } from "../binance/errors";
import { httpStatusError, unavailableWithCode } from "../venue-http/errors";
import { itemError, type OkxEnvelope } from "./parse";

export const OKX_CODE = {
  OK: 0,
  OPERATION_FAILED: 1,
  PARTIAL: 2,
  SERVICE_UNAVAILABLE: 50001,
  ENDPOINT_TIMEOUT: 50004,
  RATE_LIMIT: 50011,
  SYSTEM_BUSY: 50013,
  SYSTEM_ERROR: 50026,
  SUB_ACCOUNT_RATE_LIMIT: 50061,
  ENVIRONMENT_MISMATCH: 50101,
  TIMESTAMP_EXPIRED: 50102,
  PASSPHRASE_INCORRECT: 50105,
  INVALID_KEY: 50111,
  INVALID_TIMESTAMP: 50112,
  INVALID_SIGN: 50113,
  PARAMS: 51000,
  MMP_FROZEN: 51034,
  NO_MM_PERMISSION: 51035,
  MMP_PM_OPTIONS_ONLY: 51036,
  NO_MMP_RESET_PERMISSION: 59509,
} as const;

/** 50011 without Retry-After: OKX's windows for these endpoints are at most 10 s. */
export const DEFAULT_RATE_LIMIT_SECONDS = 2;

const KEY_ADVICE =
  "Check the account's OKX API key, secret and passphrase, the key's permissions (Read, Trade) and its IP whitelist";

export function okxAdvice(code: number): string | undefined {
  switch (code) {
    case OKX_CODE.INVALID_KEY:
    case OKX_CODE.INVALID_SIGN:
    case OKX_CODE.PASSPHRASE_INCORRECT:
    case 50103:
    case 50104:
    case 50106:
    case 50107:
      return KEY_ADVICE;
    case OKX_CODE.ENVIRONMENT_MISMATCH:
      return "The key belongs to the other environment: demo-trading keys need the account's `simulated` flag, live keys must not have it";
    case OKX_CODE.TIMESTAMP_EXPIRED:
    case OKX_CODE.INVALID_TIMESTAMP:
      return (
        "OKX refused the request timestamp even after resynchronising the gateway's clock offset; " +
        "check the gateway host's clock (NTP) and its latency to OKX"
      );
    case OKX_CODE.PARAMS:
      return "Check the values sent (instFamily listed for options, e.g. BTC-USD; intervals whole ms; qtyLimit > 0)";
    case OKX_CODE.MMP_FROZEN:
      return "MMP is triggered for this family; reset it (resetMmp) or wait for the frozen interval to end";
    case OKX_CODE.NO_MM_PERMISSION:
    case OKX_CODE.NO_MMP_RESET_PERMISSION:
      return "MMP must be enabled for the account by OKX (institutional@okx.com or the account's BD manager)";
    case OKX_CODE.MMP_PM_OPTIONS_ONLY:
      return "OKX applies MMP to options in Portfolio Margin mode only; check the account mode";
    default:
      return undefined;
  }
}

export interface MappedOkxError {
  error: GatewayError;
  /** every call to the host must wait until this local epoch ms */
  hostBackoffUntil?: number;
  /** this key's calls to this endpoint must wait until this local epoch ms */
  endpointBackoffUntil?: number;
}

export interface OkxMapContext {
  mutation: boolean;
  path: string;
  /** local clock, epoch ms */
  nowMs: number;
  /** the endpoint's rate-limit window in s, used when OKX gives no Retry-After */
  windowSeconds?: number;
}

const UNAVAILABLE_CODES = new Set<number>([
  OKX_CODE.SERVICE_UNAVAILABLE,
  OKX_CODE.ENDPOINT_TIMEOUT,
  OKX_CODE.SYSTEM_BUSY,
  OKX_CODE.SYSTEM_ERROR,
]);

/** Maps a non-zero code (any HTTP status that carried an OKX envelope). */
export function mapOkxCode(env: OkxEnvelope, answer: HttpAnswer, ctx: OkxMapContext): MappedOkxError {
  let { code, msg } = env;
  if (code === OKX_CODE.OPERATION_FAILED || code === OKX_CODE.PARTIAL) {
    const item = itemError(env.data);
    if (item !== undefined) ({ sCode: code, sMsg: msg } = item);
  }
  if (code === OKX_CODE.RATE_LIMIT || code === OKX_CODE.SUB_ACCOUNT_RATE_LIMIT) {
    const seconds = retryAfterSeconds(
      answer.headers,
      ctx.nowMs,
      ctx.windowSeconds ?? DEFAULT_RATE_LIMIT_SECONDS,
    );
    return {
      error: rateLimited(seconds, `OKX's rate limit for ${ctx.path} was hit (${code}); nothing was applied`),
      endpointBackoffUntil: ctx.nowMs + seconds * 1000,
    };
  }
  if (UNAVAILABLE_CODES.has(code) || answer.status >= 500) {
    return { error: unavailableWithCode(ctx.mutation, `OKX code ${code}: ${msg}`, code, msg) };
  }
  return { error: exchangeRejected(code, msg, okxAdvice(code)) };
}

/** Maps a non-2XX answer that carried no OKX envelope. */
export function mapHttpStatus(answer: HttpAnswer, ctx: OkxMapContext): MappedOkxError {
  const { status } = answer;
  if (status === 429) {
    const seconds = retryAfterSeconds(
      answer.headers,
      ctx.nowMs,
      ctx.windowSeconds ?? DEFAULT_RATE_LIMIT_SECONDS,
    );
    return {
      error: rateLimited(seconds, "OKX answered HTTP 429 (too many requests); nothing was applied"),
      hostBackoffUntil: ctx.nowMs + seconds * 1000,
    };
  }
  return {
    error: httpStatusError(
      answer,
      ctx.mutation,
      `HTTP 404 for ${ctx.path}: no such endpoint; check the account's OKX base URL`,
    ),
  };
}
