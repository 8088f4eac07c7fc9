/**
 * Maps Bybit V5 answers to gateway errors.
 *
 * Bybit answers most refusals with HTTP 200 and a non-zero `retCode` (B-DOC error.mdx); the HTTP layer
 * only speaks for the IP limit ("403, access too frequent": 600 requests per 5 s per IP, ban of at
 * least 10 minutes, B-DOC rate-limit.mdx) and for failures in front of the API.
 *
 * | answer                                              | error                                       |
 * |-----------------------------------------------------|---------------------------------------------|
 * | retCode 0                                           | success                                     |
 * | retCode 10006 (per-UID API limit)                   | RATE_LIMITED until X-Bapi-Limit-Reset-Timestamp |
 * | retCode 10018 (IP limit)                            | RATE_LIMITED, host back-off                 |
 * | retCode 10000 / 10016 (server timeout / internal)   | EXCHANGE_UNAVAILABLE, UNKNOWN for POST      |
 * | any other retCode                                   | EXCHANGE_REJECTED (retCode, retMsg) + advice |
 * | HTTP 403 (no Bybit body), or 429                    | RATE_LIMITED + host back-off (600 s for 403) |
 * | HTTP 404 without a Bybit body                       | EXCHANGE_UNAVAILABLE NOT_APPLIED            |
 * | 5XX, other non-2XX, unreadable 2XX                  | EXCHANGE_UNAVAILABLE, UNKNOWN for POST      |
 * | no answer (see binance/transport.ts)                | NOT_APPLIED if never sent, else UNKNOWN for POST |
 */
import { exchangeRejected, rateLimited, type GatewayError } from "../../errors";
import { retryAfterSeconds, type HttpAnswer } from "../binance/errors";
import { httpStatusError, unavailableWithCode } from "../venue-http/errors";
import type { HeaderBag } from "../binance/weight";
import type { BybitEnvelope } from "./parse";

export const RET = {
  OK: 0,
  SERVER_TIMEOUT: 10000,
  PARAMS: 10001,
  TIMESTAMP: 10002,
  INVALID_KEY: 10003,
  SIGN: 10004,
  PERMISSION: 10005,
  TOO_MANY_VISITS: 10006,
  IP_MISMATCH: 10010,
  INTERNAL: 10016,
  ROUTE_NOT_FOUND: 10017,
  IP_RATE_LIMIT: 10018,
  NO_MMP_INFO: 110062,
  MMP_NOT_ENABLED: 110065,
} as const;

/** B-DOC rate-limit.mdx: after "403, access too frequent" wait at least 10 minutes. */
export const IP_BAN_SECONDS = 600;
/** 10006 without a usable reset header: Bybit's API limits are per second. */
export const DEFAULT_API_LIMIT_SECONDS = 1;

const KEY_ADVICE =
  "Check the account's Bybit API key, its permissions (Unified Trading: options / account) and its IP whitelist";

export function bybitAdvice(retCode: number): string | undefined {
  switch (retCode) {
    case RET.INVALID_KEY:
    case RET.SIGN:
    case RET.PERMISSION:
    case RET.IP_MISMATCH:
      return KEY_ADVICE;
    case RET.TIMESTAMP:
      return (
        "The request timestamp was outside Bybit's receive window even after resynchronising the gateway's " +
        "clock offset; check the gateway host's clock (NTP) and its latency to Bybit"
      );
    case RET.PARAMS:
      return "Check the values sent (baseCoin uppercase and listed for options; limits positive, at most 2 decimals)";
    case RET.NO_MMP_INFO:
    case RET.MMP_NOT_ENABLED:
      return "MMP must be enabled for the account by Bybit (financial.inst@bybit.com or the account's BD manager)";
    default:
      return undefined;
  }
}

export interface MappedBybitError {
  error: GatewayError;
  /** the host (IP-wide) must not be called before this local epoch ms */
  hostBackoffUntil?: number;
  /** this key's calls to this endpoint must wait until this local epoch ms */
  endpointBackoffUntil?: number;
}

export interface BybitMapContext {
  mutation: boolean;
  path: string;
  /** local clock, epoch ms */
  nowMs: number;
  /** Bybit minus local clock, ms (0 before a sync) */
  offsetMs: number;
}

/** X-Bapi-Limit-Reset-Timestamp (Bybit's clock, epoch ms) as seconds from now, at least 1. */
export function resetSeconds(headers: HeaderBag, ctx: BybitMapContext, fallback: number): number {
  const raw = headerText(headers, "x-bapi-limit-reset-timestamp");
  if (raw === undefined || !/^\d{1,16}$/.test(raw)) return fallback;
  const localReset = Number(raw) - ctx.offsetMs;
  return Math.max(1, Math.ceil((localReset - ctx.nowMs) / 1000));
}

/** Maps a non-zero retCode (any HTTP status that carried a Bybit envelope). */
export function mapRetCode(env: BybitEnvelope, answer: HttpAnswer, ctx: BybitMapContext): MappedBybitError {
  const { retCode, retMsg } = env;
  if (retCode === RET.TOO_MANY_VISITS) {
    const seconds = resetSeconds(answer.headers, ctx, DEFAULT_API_LIMIT_SECONDS);
    return {
      error: rateLimited(seconds, `Bybit's API rate limit for ${ctx.path} was hit (retCode 10006)`),
      endpointBackoffUntil: ctx.nowMs + seconds * 1000,
    };
  }
  if (retCode === RET.IP_RATE_LIMIT) {
    const seconds = resetSeconds(answer.headers, ctx, retryAfterSeconds(answer.headers, ctx.nowMs, 5));
    return {
      error: rateLimited(seconds, "Bybit's IP rate limit was hit (retCode 10018)"),
      hostBackoffUntil: ctx.nowMs + seconds * 1000,
    };
  }
  if (retCode === RET.INTERNAL || retCode === RET.SERVER_TIMEOUT) {
    return {
      error: unavailableWithCode(ctx.mutation, `Bybit retCode ${retCode}: ${retMsg}`, retCode, retMsg),
    };
  }
  return { error: exchangeRejected(retCode, retMsg, bybitAdvice(retCode)) };
}

/** Maps a non-2XX answer that carried no Bybit envelope. */
export function mapHttpStatus(answer: HttpAnswer, ctx: BybitMapContext): MappedBybitError {
  const { status } = answer;
  if (status === 403) {
    const seconds = Math.max(IP_BAN_SECONDS, retryAfterSeconds(answer.headers, ctx.nowMs, IP_BAN_SECONDS));
    return {
      error: rateLimited(
        seconds,
        "Bybit refused the gateway's IP (HTTP 403, access too frequent: more than 600 requests in 5 s); " +
          "Bybit lifts the ban after at least 10 minutes; nothing was applied",
      ),
      hostBackoffUntil: ctx.nowMs + seconds * 1000,
    };
  }
  if (status === 429) {
    const seconds = retryAfterSeconds(
      answer.headers,
      ctx.nowMs,
      resetSeconds(answer.headers, ctx, DEFAULT_API_LIMIT_SECONDS),
    );
    return {
      error: rateLimited(seconds, "Bybit answered HTTP 429 (too many requests)"),
      hostBackoffUntil: ctx.nowMs + seconds * 1000,
    };
  }
  return {
    error: httpStatusError(
      answer,
      ctx.mutation,
      `HTTP 404 for ${ctx.path}: no such endpoint; check the account's Bybit base URL`,
    ),
  };
}

function headerText(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name];
  if (Array.isArray(v)) return typeof v[0] === "string" ? v[0].trim() : undefined;
  return typeof v === "string" ? v.trim() : typeof v === "number" ? String(v) : undefined;
}

/** X-Bapi-Limit-Status (requests left for this endpoint) and X-Bapi-Limit-Reset-Timestamp. */
export function limitHeaders(headers: HeaderBag): { remaining?: number; resetAt?: number } {
  const rem = headerText(headers, "x-bapi-limit-status");
  const reset = headerText(headers, "x-bapi-limit-reset-timestamp");
  return {
    remaining: rem !== undefined && /^\d{1,9}$/.test(rem) ? Number(rem) : undefined,
    resetAt: reset !== undefined && /^\d{1,16}$/.test(reset) ? Number(reset) : undefined,
  };
}
