/**
 * Admission against a venue's per-endpoint limits kept locally (OKX, Bybit: endpoint-limiter.ts): a
 * call the venue would refuse is refused here, RATE_LIMITED with nothing sent, and logged at debug.
 */
import { rateLimited } from "../../errors";
import type { ExchangeLogger } from "../binance/binance-client";
import { EndpointLimiter, type EndpointLimit } from "../endpoint-limiter";
import type { ReadBudget } from "../exchange.port";

/** The options of a client that keeps a venue's endpoint limits locally. */
export interface EndpointLimitOptions {
  /** ms added to each of the venue's rate-limit windows before a slot counts as free again: network jitter (100) */
  rateLimitMarginMs?: number;
  /** share of an endpoint's limit that reads with budget "read" (plain views) may use (0.6) */
  readShare?: number;
}

export function endpointLimiter(
  options: EndpointLimitOptions,
  limits: Readonly<Record<string, EndpointLimit>>,
): EndpointLimiter {
  return new EndpointLimiter(options.rateLimitMarginMs ?? 100, options.readShare ?? 0.6, limits);
}

export interface EndpointCall {
  /** whose limit: the venue's user (key) on one host */
  user: string;
  /** "METHOD /path" as the limits are keyed */
  endpoint: string;
  budget: ReadBudget;
  requestId: string | undefined;
}

export interface EndpointRefusalText {
  /** the venue's name in the error ("OKX") */
  venue: string;
  /** the debug line */
  log: string;
  /** how the venue counts, after "requests per N s" (" per user"), or "" */
  per: string;
}

export function admitEndpoint(
  limiter: EndpointLimiter,
  { user, endpoint, budget, requestId }: EndpointCall,
  nowMs: number,
  logger: ExchangeLogger,
  text: EndpointRefusalText,
): void {
  const a = limiter.take(user, endpoint, nowMs, budget);
  if (a === undefined || a.waitMs === 0) return;
  const seconds = Math.max(1, Math.ceil(a.waitMs / 1000));
  logger.debug({ requestId, endpoint, budget, retryAfterSeconds: seconds }, text.log);
  throw rateLimited(
    seconds,
    `${text.venue} allows ${a.limit.limit} ${endpoint} requests per ${a.limit.windowMs / 1000} s${text.per}` +
      `${budget === "read" ? " (plain reads use part of it)" : ""}; nothing sent`,
  );
}
