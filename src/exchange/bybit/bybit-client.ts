/**
 * Bybit V5 MMP client: Set MMP (`POST /v5/account/mmp-modify`), Get MMP State
 * (`GET /v5/account/mmp-state`), Reset MMP (`POST /v5/account/mmp-reset`), plus the public server time
 * and the list of option base coins (the valid scope keys).
 *
 * One call: validation (refusal sends and signs nothing) → admission (circuit breaker, IP ban and
 * per-endpoint back-offs) → Bybit's clock (ServerClock on `GET /v5/market/time`) → sign the exact bytes
 * → send over the shared keep-alive transport → map the envelope (errors.ts). Retries are narrow:
 * - retCode 10002 (timestamp outside the receive window) is a refusal before processing, so after a
 *   clock resync the call is sent once more with a fresh timestamp and signature, even for a POST;
 * - a GET that failed to connect or lost its connection is sent again (at most `readRetries` times);
 * - nothing else: a POST with an unclear fate is reported EXCHANGE_UNAVAILABLE UNKNOWN, never re-sent,
 *   and the caller reads the state back.
 * Secrets, signatures and bodies are never logged.
 */
import type { RawAxiosRequestHeaders } from "axios";
import { isGatewayError, type GatewayError } from "../../errors";
import type { TimeSample } from "../binance/clock";
import { describeBody, malformedAnswer, type HttpAnswer } from "../binance/errors";
import type { ExchangeInfo } from "../binance/exchange-info";
import { parseJsonExact } from "../binance/json";
import type { HeaderBag } from "../binance/weight";
import type { EndpointLimit, EndpointLimiter } from "../endpoint-limiter";
import type { ReadBudget } from "../exchange.port";
import { admitEndpoint, endpointLimiter, type EndpointLimitOptions } from "../venue-http/endpoint-admission";
import { readPayload } from "../venue-http/errors";
import { SignerCache } from "../venue-http/signer-cache";
import { JSON_CONTENT_TYPE, joinUrl, USER_AGENT, type VenueHttpOptions } from "../venue-http/venue-http";
import { VenueHttpClient } from "../venue-http/venue-http-client";
import { limitHeaders, mapHttpStatus, mapRetCode, RET, type MappedBybitError } from "./errors";
import {
  parseEnvelope,
  parseInstrumentsPage,
  parseMmpState,
  parseOptionBaseCoins,
  parseServerTime,
  type BybitEnvelope,
} from "./parse";
import { BYBIT_HEADERS, bybitSignText, createBybitSigner } from "./signer";
import type { BybitCredentials, BybitMmpSettings, BybitMmpState } from "./types";
import { checkBaseCoin, mmpModifyBody } from "./validate";

export const BYBIT = {
  time: "/v5/market/time",
  instruments: "/v5/market/instruments-info",
  optionBaseCoins: "/v5/market/option-base-coins",
  mmpModify: "/v5/account/mmp-modify",
  mmpState: "/v5/account/mmp-state",
  mmpReset: "/v5/account/mmp-reset",
} as const;

/**
 * Bybit's per-UID limits for the MMP endpoints (rate-limit page: 5/s for mmp-modify and mmp-reset;
 * mmp-state is listed without a figure, so 10/s, what ccxt's weights give it), kept locally so that a
 * call Bybit would refuse with 10006 is refused here and nothing is sent. Plain reads (the poller,
 * dashboards) may use `readShare` of the state reads, so a change can always read its result back.
 */
export const BYBIT_LIMITS: Readonly<Record<string, EndpointLimit>> = {
  "POST /v5/account/mmp-modify": { limit: 5, windowMs: 1000 },
  "POST /v5/account/mmp-reset": { limit: 5, windowMs: 1000 },
  "GET /v5/account/mmp-state": { limit: 10, windowMs: 1000 },
};

export interface BybitClientOptions extends VenueHttpOptions, EndpointLimitOptions {
  /** X-BAPI-RECV-WINDOW, ms (5000, Bybit's default) */
  recvWindow?: number;
  /** the base-coin list older than this is refreshed in the background (300000) */
  baseCoinsRefreshMs?: number;
}

/** how many instruments-info pages are read at most (1000 instruments each) */
const MAX_INSTRUMENT_PAGES = 20;

export class BybitClient extends VenueHttpClient {
  private readonly limiter: EndpointLimiter;
  private readonly signers = new SignerCache(createBybitSigner, this.logger, {
    log: "the account's Bybit secret is unusable",
    error: "the account's Bybit API secret is unusable",
  });
  private readonly recvWindow: number;

  constructor(options: BybitClientOptions = {}) {
    // checked before the transport is made: a refused option leaves nothing open
    const recvWindow = options.recvWindow ?? 5000;
    if (!Number.isSafeInteger(recvWindow) || recvWindow <= 0) {
      throw new RangeError("recvWindow must be a positive integer (ms)");
    }
    super("Bybit", options, options.baseCoinsRefreshMs);
    this.recvWindow = recvWindow;
    this.limiter = endpointLimiter(options, BYBIT_LIMITS);
  }

  // ---- MMP ----

  /**
   * Set MMP for one base coin. Bybit answers no data; read the state back with getMmp. On
   * EXCHANGE_UNAVAILABLE with outcome UNKNOWN the change may have been applied.
   */
  async setMmp(creds: BybitCredentials, settings: BybitMmpSettings): Promise<void> {
    const body = mmpModifyBody(settings); // throws BAD_USER_INPUT before anything is signed
    await this.signed(creds, "POST", BYBIT.mmpModify, body);
  }

  /** The state for one base coin, or null when Bybit lists no MMP row for it. */
  async getMmp(
    creds: BybitCredentials,
    baseCoin: string,
    budget: ReadBudget = "change",
  ): Promise<BybitMmpState | null> {
    const coin = checkBaseCoin("baseCoin", baseCoin);
    const env = await this.signed(
      creds,
      "GET",
      BYBIT.mmpState,
      `baseCoin=${encodeURIComponent(coin)}`,
      budget,
    );
    const state = readPayload(env.result, false, (r) => parseMmpState(r, coin));
    if (state !== null && env.time !== undefined) state.observedAt = env.time;
    return state;
  }

  /** Reset MMP: unfreezes and zeroes the accumulated qty/delta/vega for the base coin. */
  async resetMmp(creds: BybitCredentials, baseCoin: string): Promise<void> {
    const coin = checkBaseCoin("baseCoin", baseCoin);
    await this.signed(creds, "POST", BYBIT.mmpReset, JSON.stringify({ baseCoin: coin }));
  }

  /**
   * The valid scope keys: base coins with option instruments, cached per base URL (stale while
   * revalidating). From `GET /v5/market/option-base-coins` (`hasSymbol` 1); where that endpoint does
   * not exist, from `GET /v5/market/instruments-info?category=option`, which without a baseCoin lists
   * only BTC instruments (B-DOC market/instrument.mdx), so that fallback may under-report.
   */
  async baseCoins(baseUrl: string): Promise<ReadonlySet<string>> {
    return (await this.scopeKeys.get(baseUrl)).underlyings;
  }

  // ---- internals ----

  private async signed(
    creds: BybitCredentials,
    method: "GET" | "POST",
    path: string,
    payload: string,
    budget: ReadBudget = "change",
  ): Promise<BybitEnvelope> {
    const { baseUrl, requestId } = creds;
    const sign = this.signers.signerFor(creds);
    const mutation = method === "POST";
    const origin = this.http.originOf(baseUrl);
    const url = joinUrl(baseUrl, path) + (method === "GET" && payload !== "" ? `?${payload}` : "");
    const limitKey = `${creds.apiKey}\u0000${origin}${path}`;
    this.backoffs.admit(origin, limitKey);
    const endpointCall = {
      user: `${creds.apiKey}\u0000${origin}`,
      endpoint: `${method} ${path}`,
      budget,
      requestId,
    };
    admitEndpoint(this.limiter, endpointCall, this.now(), this.logger, {
      venue: "Bybit",
      log: "Bybit call refused locally",
      per: "",
    });
    for (let attempt = 1; ; attempt++) {
      this.backoffs.admit(origin, limitKey);
      const timestamp = await this.clock.timestamp(baseUrl);
      const signature = sign(bybitSignText(timestamp, creds.apiKey, this.recvWindow, payload));
      const headers: RawAxiosRequestHeaders = {
        "User-Agent": USER_AGENT,
        [BYBIT_HEADERS.apiKey]: creds.apiKey,
        [BYBIT_HEADERS.timestamp]: String(timestamp),
        [BYBIT_HEADERS.recvWindow]: String(this.recvWindow),
        [BYBIT_HEADERS.sign]: signature,
      };
      if (mutation) headers["Content-Type"] = JSON_CONTENT_TYPE;
      const request = { method, url, body: mutation ? payload : undefined, headers };
      const answer = await this.http.attempt(attempt, mutation, origin, request, { method, path }, requestId);
      if (answer === undefined) continue; // a GET to send again, freshly signed
      this.noteLimitHeaders(baseUrl, limitKey, answer.headers);
      const env = this.envelope(answer, mutation, path, baseUrl);
      if (env.retCode === RET.OK) return env;
      if (env.retCode === RET.TIMESTAMP && attempt === 1 && answer.status < 500) {
        const call = { requestId, path, host: origin };
        if (await this.resyncAfterTimestampRefusal(baseUrl, call, "10002")) continue;
        throw this.applyMapped(origin, limitKey, mapRetCode(env, answer, this.ctx(mutation, path, baseUrl)));
      }
      const mapped = mapRetCode(env, answer, this.ctx(mutation, path, baseUrl));
      this.warnIfRateLimited(mapped.error, { requestId, host: origin, path, retCode: env.retCode });
      throw this.applyMapped(origin, limitKey, mapped);
    }
  }

  /** Parses the envelope of any answer; throws the mapped error for non-2XX answers without one. */
  private envelope(answer: HttpAnswer, mutation: boolean, path: string, baseUrl: string): BybitEnvelope {
    let env: BybitEnvelope | undefined;
    try {
      env = parseEnvelope(parseJsonExact(answer.body));
    } catch {
      env = undefined;
    }
    const ok = answer.status >= 200 && answer.status < 300;
    if (
      env !== undefined &&
      (ok || (answer.status >= 400 && answer.status < 500 && env.retCode !== RET.OK))
    ) {
      return env;
    }
    const origin = this.http.originOf(baseUrl);
    if (ok) throw malformedAnswer(answer.status, describeBody(answer.body, answer.headers), mutation);
    throw this.applyMapped(origin, undefined, mapHttpStatus(answer, this.ctx(mutation, path, baseUrl)));
  }

  private ctx(mutation: boolean, path: string, baseUrl: string) {
    return { mutation, path, nowMs: this.now(), offsetMs: this.clock.offset(baseUrl) ?? 0 };
  }

  private applyMapped(origin: string, limitKey: string | undefined, m: MappedBybitError): GatewayError {
    this.backoffs.apply(origin, limitKey, m.hostBackoffUntil, m.endpointBackoffUntil, m.error.message);
    return m.error;
  }

  /** When Bybit says no request is left for this endpoint, wait for its reset instead of earning a 10006. */
  private noteLimitHeaders(baseUrl: string, limitKey: string, headers: HeaderBag): void {
    const { remaining, resetAt } = limitHeaders(headers);
    if (remaining !== 0 || resetAt === undefined) return;
    const localReset = resetAt - (this.clock.offset(baseUrl) ?? 0);
    if (localReset > this.now()) {
      this.backoffs.extendKey(limitKey, localReset, "Bybit reported no requests left for this endpoint");
    }
  }

  private async publicGet(baseUrl: string, path: string, query = ""): Promise<BybitEnvelope> {
    const { origin, answer } = await this.publicGetAnswer(baseUrl, path, query);
    const env = this.envelope(answer, false, path, baseUrl);
    if (env.retCode === RET.OK) return env;
    throw this.applyMapped(origin, undefined, mapRetCode(env, answer, this.ctx(false, path, baseUrl)));
  }

  protected override async fetchServerTime(baseUrl: string): Promise<TimeSample> {
    const sentAt = this.now();
    const env = await this.publicGet(baseUrl, BYBIT.time);
    const receivedAt = this.now();
    return { serverTime: readPayload(env.result, false, parseServerTime), sentAt, receivedAt };
  }

  protected override async fetchScopeKeys(baseUrl: string): Promise<ExchangeInfo> {
    let coins: string[];
    try {
      coins = readPayload(
        (await this.publicGet(baseUrl, BYBIT.optionBaseCoins)).result,
        false,
        parseOptionBaseCoins,
      );
    } catch (err) {
      const notThere =
        isGatewayError(err) &&
        (err.extensions.exchangeCode === RET.ROUTE_NOT_FOUND || /HTTP 404/.test(err.message));
      if (!notThere) throw err;
      coins = await this.instrumentCoins(baseUrl);
    }
    if (coins.length === 0) throw new Error("Bybit lists no option base coins");
    return { underlyings: new Set(coins), weightLimit: undefined };
  }

  private async instrumentCoins(baseUrl: string): Promise<string[]> {
    const coins = new Set<string>();
    let cursor = "";
    for (let page = 0; page < MAX_INSTRUMENT_PAGES; page++) {
      const query = `category=option&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const env = await this.publicGet(baseUrl, BYBIT.instruments, query);
      const p = readPayload(env.result, false, parseInstrumentsPage);
      for (const c of p.coins) coins.add(c);
      if (p.nextPageCursor === "" || p.coins.length === 0) break;
      cursor = p.nextPageCursor;
    }
    return [...coins];
  }
}
