/**
 * Maps Deribit answers to gateway errors.
 *
 * Deribit answers JSON-RPC 2.0: success is `result`, a refusal is `error: {code, message, data?}`
 * (https://docs.deribit.com/articles/errors), usually with HTTP 400 over HTTP. Rate limits are a credit
 * pool per sub-account: an empty pool is answered `10028 too_many_requests` and the session is
 * terminated (https://docs.deribit.com/articles/rate-limits).
 *
 * | answer                                                        | error                                          |
 * |---------------------------------------------------------------|------------------------------------------------|
 * | `result`                                                      | success                                        |
 * | error 10028 too_many_requests                                 | RATE_LIMITED, key back-off (>= 1 s)            |
 * | error 10040 retry, 10047 matching_engine_queue_full, 11094 internal_server_error, 13028 temporarily_unavailable, 13888 timed_out | EXCHANGE_UNAVAILABLE, UNKNOWN for a change |
 * | any other error (13004, 13009, 13021, 13040, -32602, 11029…)  | EXCHANGE_REJECTED (code, message + data) + advice |
 * | HTTP 429 without a JSON-RPC error                             | RATE_LIMITED, host back-off                    |
 * | HTTP 404 without a JSON-RPC error                             | EXCHANGE_UNAVAILABLE NOT_APPLIED               |
 * | 5XX, other non-2XX, unreadable answer                         | EXCHANGE_UNAVAILABLE, UNKNOWN for a change     |
 * | no answer (see binance/transport.ts)                          | NOT_APPLIED if never sent, else UNKNOWN for a change |
 */
import { exchangeRejected, rateLimited, type GatewayError } from "../../errors";
import { retryAfterSeconds, type HttpAnswer } from "../binance/errors";
import { httpStatusError, unavailableWithCode } from "../venue-http/errors";
import type { DeribitRpcError } from "./parse";

export const DERIBIT_CODE = {
  TOO_MANY_REQUESTS: 10028,
  RETRY: 10040,
  MATCHING_ENGINE_QUEUE_FULL: 10047,
  INVALID_ARGUMENTS: 11029,
  INTERNAL_SERVER_ERROR: 11094,
  INVALID_CREDENTIALS: 13004,
  UNAUTHORIZED: 13009,
  FORBIDDEN: 13021,
  TEMPORARILY_UNAVAILABLE: 13028,
  MMP_REQUIRED: 13040,
  TIMED_OUT: 13888,
  INVALID_PARAMS: -32602,
  METHOD_NOT_FOUND: -32601,
} as const;

/** Deribit gives no retry time for 10028: wait for credits to refill, at least this long. */
export const TOO_MANY_REQUESTS_BACKOFF_SECONDS = 1;

/** errors that say the platform could not process the call now; a change may or may not have happened */
const UNAVAILABLE = new Set<number>([
  DERIBIT_CODE.RETRY,
  DERIBIT_CODE.MATCHING_ENGINE_QUEUE_FULL,
  DERIBIT_CODE.INTERNAL_SERVER_ERROR,
  DERIBIT_CODE.TEMPORARILY_UNAVAILABLE,
  DERIBIT_CODE.TIMED_OUT,
]);

const KEY_ADVICE =
  "Check the account's Deribit Client ID and Client Secret, that the key has the trade:read_write scope, and its IP whitelist";

export function deribitAdvice(code: number): string | undefined {
  switch (code) {
    case DERIBIT_CODE.INVALID_CREDENTIALS:
      return (
        `${KEY_ADVICE}; Deribit also refuses a signature whose timestamp is more than 60 s off or whose ` +
        "nonce was used before (the gateway's clock offset is resynchronised for the next call)"
      );
    case DERIBIT_CODE.UNAUTHORIZED:
    case DERIBIT_CODE.FORBIDDEN:
      return KEY_ADVICE;
    case DERIBIT_CODE.MMP_REQUIRED:
      return "MMP must be enabled for the account by Deribit (contact Deribit support or the account manager)";
    case DERIBIT_CODE.INVALID_PARAMS:
    case DERIBIT_CODE.INVALID_ARGUMENTS:
      return "Check the values sent (index_name listed, interval and frozen_time 0-3600 s, limits at most 4 decimals)";
    default:
      return undefined;
  }
}

export interface MappedDeribitError {
  error: GatewayError;
  /** every call to the host must wait until this local epoch ms */
  hostBackoffUntil?: number;
  /** this key's calls must wait until this local epoch ms */
  keyBackoffUntil?: number;
}

export interface DeribitMapContext {
  mutation: boolean;
  method: string;
  /** local clock, epoch ms */
  nowMs: number;
}

/** The message Deribit gave, with `data.param` / `data.reason` when present. */
export function rpcErrorText(e: DeribitRpcError): string {
  const extra = [e.param !== undefined ? `param ${e.param}` : "", e.reason ?? ""].filter((s) => s !== "");
  return extra.length > 0 ? `${e.message} (${extra.join(": ")})` : e.message;
}

export function mapRpcError(e: DeribitRpcError, ctx: DeribitMapContext): MappedDeribitError {
  const text = rpcErrorText(e);
  if (e.code === DERIBIT_CODE.TOO_MANY_REQUESTS) {
    const seconds = TOO_MANY_REQUESTS_BACKOFF_SECONDS;
    return {
      error: rateLimited(
        seconds,
        `Deribit answered ${e.code} ${e.message}: the key's request credits ran out`,
      ),
      keyBackoffUntil: ctx.nowMs + seconds * 1000,
    };
  }
  if (UNAVAILABLE.has(e.code)) {
    return { error: unavailableWithCode(ctx.mutation, `Deribit ${e.code}: ${text}`, e.code, text) };
  }
  return { error: exchangeRejected(e.code, text, deribitAdvice(e.code)) };
}

/** A non-2XX answer without a readable JSON-RPC error. */
export function mapHttpStatus(answer: HttpAnswer, ctx: DeribitMapContext): MappedDeribitError {
  const { status } = answer;
  if (status === 429) {
    const seconds = retryAfterSeconds(answer.headers, ctx.nowMs, TOO_MANY_REQUESTS_BACKOFF_SECONDS);
    return {
      error: rateLimited(seconds, "Deribit answered HTTP 429 (too many requests)"),
      hostBackoffUntil: ctx.nowMs + seconds * 1000,
    };
  }
  return {
    error: httpStatusError(
      answer,
      ctx.mutation,
      `HTTP 404 for ${ctx.method}: no such method; check the account's Deribit base URL`,
    ),
  };
}
