/**
 * Maps what came back from Binance (an HTTP answer, or no answer) to a GatewayError.
 *
 * The outcome rule: a mutation (POST) whose fate we cannot prove gets outcome UNKNOWN, so the service
 * reads the config back before answering. A read (GET) can never change exchange state, so its
 * failures are always NOT_APPLIED: nothing needs reconciling.
 *
 * | answer                                             | error                                   |
 * |----------------------------------------------------|-----------------------------------------|
 * | 429 / 418 (any body), or -1008 on a 4XX             | RATE_LIMITED (Retry-After, default 60 s) + host back-off |
 * | 4XX with a Binance body {code, msg}                | EXCHANGE_REJECTED + actionable advice    |
 * | 403 without a Binance body (WAF block)             | EXCHANGE_UNAVAILABLE NOT_APPLIED         |
 * | 404 without a Binance body (no such endpoint)      | EXCHANGE_UNAVAILABLE NOT_APPLIED         |
 * | other 4XX without a Binance body                   | EXCHANGE_UNAVAILABLE, UNKNOWN for POST   |
 * | 5XX (even with a Binance body, e.g. -1000/-1001)   | EXCHANGE_UNAVAILABLE, UNKNOWN for POST   |
 * | 1XX/3XX, or 2XX we cannot parse                    | EXCHANGE_UNAVAILABLE, UNKNOWN for POST   |
 * | no answer, never sent (refused, DNS, connect t/o)  | EXCHANGE_UNAVAILABLE NOT_APPLIED         |
 * | no answer after sending (reset, hang-up, timeout)  | EXCHANGE_UNAVAILABLE, UNKNOWN for POST   |
 *
 * A WAF 403 is not EXCHANGE_REJECTED: there is no exchange code, and the block happens in front of
 * the API (so NOT_APPLIED is certain); what the user needs to know is that the gateway's traffic is
 * being blocked, which is an availability problem, not a wrong request.
 *
 * Bodies that are not Binance JSON (HTML error pages from a CDN or proxy) are described, never quoted.
 */
import {
  exchangeRejected,
  exchangeUnavailable,
  rateLimited,
  type ExchangeOutcome,
  type GatewayError,
} from "../../errors";
import type { HeaderBag } from "./weight";
import type { TransportError } from "./transport";

export const DEFAULT_RETRY_AFTER_SECONDS = 60;
/** Binance messages are short; a longer one is not worth echoing to the user whole. */
const MAX_EXCHANGE_MESSAGE = 200;

export const CODE_TIMESTAMP_OUTSIDE_RECV_WINDOW = -1021;
const CODE_TOO_MANY_REQUESTS = -1008;

const KEY_ADVICE = "Check the account's API key, its permissions (options trading) and the IP whitelist";
const MMP_NOT_ENABLED =
  "MMP may not be enabled for this account (only approved market-maker accounts can use MMP)";

/** What the user should do about an exchange error code; undefined when the message says it all. */
export function adviceFor(exchangeCode: number, path = ""): string | undefined {
  const mmpCall = path.includes("/mmp");
  const notEnabled = mmpCall ? MMP_NOT_ENABLED : "options trading may not be enabled for this account";
  switch (exchangeCode) {
    case -1002:
    case -1022:
    case -2014:
      return KEY_ADVICE;
    case -2015:
      return `${KEY_ADVICE}; ${notEnabled}; Binance also answers -2015 during a temporary IP ban`;
    case -1130:
      return `Check the values sent; ${notEnabled}`;
    case CODE_TIMESTAMP_OUTSIDE_RECV_WINDOW:
      return (
        "The request's timestamp was outside the exchange's receive window even after resynchronising the " +
        "gateway's clock offset; check the gateway host's clock (NTP) and its network latency to the exchange"
      );
    case -1111:
      return "A decimal has more places than the exchange accepts for this underlying; round qtyLimit/deltaLimit";
    case -1131:
      return "The gateway's recvWindow setting must be below 60000 ms";
    case -1121:
    case -1128:
      return "Check the underlying (e.g. BTCUSDT); it must be listed in the exchange's options exchangeInfo";
    case -1000:
    case -1001:
      return "Exchange-side problem; retry later";
    default:
      if (exchangeCode <= -1100 && exchangeCode >= -1106) return "A parameter was missing or malformed";
      return undefined;
  }
}

export interface HttpAnswer {
  status: number;
  body: string;
  headers: HeaderBag;
}

export interface MappedHttpError {
  error: GatewayError;
  /** set for 429/418/-1008: the host must not be called before this epoch ms */
  backoffUntilMs?: number;
}

export interface MapContext {
  /** POST (may change state) vs GET */
  mutation: boolean;
  path: string;
  nowMs: number;
  defaultRetryAfterSeconds?: number;
}

interface BinanceErrorBody {
  code: number;
  msg: string;
}

export function parseBinanceErrorBody(body: string): BinanceErrorBody | undefined {
  const text = body.trim();
  if (!text.startsWith("{")) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== "object" || v === null) return undefined;
    const { code, msg } = v as Record<string, unknown>;
    if (typeof code !== "number" || !Number.isInteger(code)) return undefined;
    const message = typeof msg === "string" ? msg : "";
    return {
      code,
      msg: message.length > MAX_EXCHANGE_MESSAGE ? `${message.slice(0, MAX_EXCHANGE_MESSAGE)}…` : message,
    };
  } catch {
    return undefined;
  }
}

/** Says what kind of body came back without quoting it (it may be a large HTML page). */
export function describeBody(body: string, headers: HeaderBag): string {
  const text = body.trim();
  if (text.length === 0) return "an empty body";
  const contentType = headerText(headers, "content-type")?.toLowerCase() ?? "";
  if (contentType.includes("html") || text.startsWith("<")) return "an HTML page instead of JSON";
  return "a body that is not valid exchange JSON";
}

function headerText(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name];
  if (Array.isArray(v)) return typeof v[0] === "string" ? v[0] : undefined;
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}

/** Retry-After is seconds (what Binance sends) or, per HTTP, a date. Always at least 1 s. */
export function retryAfterSeconds(headers: HeaderBag, nowMs: number, fallback: number): number {
  const raw = headerText(headers, "retry-after")?.trim();
  if (raw === undefined || raw === "") return fallback;
  if (/^\d+$/.test(raw)) return Math.max(1, Number(raw));
  const date = Date.parse(raw);
  if (Number.isNaN(date)) return fallback;
  return Math.max(1, Math.ceil((date - nowMs) / 1000));
}

export const outcomeFor = (mutation: boolean): ExchangeOutcome => (mutation ? "UNKNOWN" : "NOT_APPLIED");

/** Maps a non-2XX answer. */
export function mapHttpError(answer: HttpAnswer, ctx: MapContext): MappedHttpError {
  const { status } = answer;
  const binance = parseBinanceErrorBody(answer.body);
  const fallback = ctx.defaultRetryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;

  if (status === 429 || status === 418 || (binance?.code === CODE_TOO_MANY_REQUESTS && status < 500)) {
    const seconds = retryAfterSeconds(answer.headers, ctx.nowMs, fallback);
    const why =
      status === 418
        ? "the exchange has banned this IP for continuing after rate-limit warnings (HTTP 418)"
        : `the exchange's rate limit was hit (HTTP ${status}${binance ? `, ${binance.code}` : ""})`;
    return { error: rateLimited(seconds, why), backoffUntilMs: ctx.nowMs + seconds * 1000 };
  }

  if (status >= 400 && status < 500 && binance !== undefined) {
    return { error: exchangeRejected(binance.code, binance.msg, adviceFor(binance.code, ctx.path)) };
  }

  if (status === 403) {
    return {
      error: exchangeUnavailable(
        "NOT_APPLIED",
        "HTTP 403: the exchange's web application firewall blocked the request before it reached the API; " +
          "check the gateway's outbound IP and that it is not sending unusual traffic",
      ),
    };
  }
  if (status === 404) {
    return {
      error: exchangeUnavailable(
        "NOT_APPLIED",
        `HTTP 404 for ${ctx.path}: no such endpoint; check the account's exchange base URL`,
      ),
    };
  }

  if (status >= 500 && binance !== undefined) {
    const error = exchangeUnavailable(
      outcomeFor(ctx.mutation),
      `HTTP ${status}, exchange code ${binance.code}: ${binance.msg}`,
    );
    // Keep the code machine-readable; it does not make this a rejection (5XX may have applied).
    error.extensions.exchangeCode = binance.code;
    error.extensions.exchangeMessage = binance.msg;
    return { error };
  }

  const statusText = status >= 300 && status < 400 ? `unexpected redirect HTTP ${status}` : `HTTP ${status}`;
  return {
    error: exchangeUnavailable(
      outcomeFor(ctx.mutation),
      `${statusText} with ${describeBody(answer.body, answer.headers)}`,
    ),
  };
}

/** A 2XX whose body we could not read. */
export function malformedAnswer(status: number, reason: string, mutation: boolean): GatewayError {
  return exchangeUnavailable(outcomeFor(mutation), `HTTP ${status} with an unreadable answer: ${reason}`);
}

/** No HTTP answer at all. */
export function mapTransportError(err: TransportError, mutation: boolean): GatewayError {
  return exchangeUnavailable(err.sent ? outcomeFor(mutation) : "NOT_APPLIED", err.message);
}
