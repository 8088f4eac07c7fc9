/**
 * OKX v5 MMP client: Set MMP (`POST /api/v5/account/mmp-config`), Get MMP Config
 * (`GET /api/v5/account/mmp-config`), Reset MMP Status (`POST /api/v5/account/mmp-reset`), Cancel All
 * After (`POST /api/v5/trade/cancel-all-after`), plus the public server time and the option instrument
 * families (the valid scope keys).
 *
 * One call: validation (a refusal signs and sends nothing) → admission (circuit breaker, host and
 * endpoint back-offs, OKX's per-endpoint limits kept locally: limits.ts) → OKX's clock (ServerClock on
 * `GET /api/v5/public/time`) → sign the exact bytes → send over the shared keep-alive transport → map
 * the envelope (errors.ts). Retries are narrow:
 * - 50102 (timestamp expired) is a refusal before processing, so after a clock resync the call is sent
 *   once more with a fresh timestamp and signature, even a change;
 * - a GET that failed to connect or lost its connection is sent again (at most `readRetries` times);
 * - nothing else: a change with an unclear fate is reported EXCHANGE_UNAVAILABLE UNKNOWN, never
 *   re-sent, and the caller reads the state back.
 * Secrets, passphrases, signatures and bodies are never logged.
 */
import type { RawAxiosRequestHeaders } from "axios";
import { exchangeUnavailable, type GatewayError } from "../../errors";
import type { ReadBudget } from "../exchange.port";
import type { ExchangeLogger } from "../binance/binance-client";
import type { TimeSample } from "../binance/clock";
import { describeBody, malformedAnswer, type HttpAnswer } from "../binance/errors";
import type { ExchangeInfo } from "../binance/exchange-info";
import { parseJsonExact } from "../binance/json";
import { admitEndpoint, endpointLimiter, type EndpointLimitOptions } from "../venue-http/endpoint-admission";
import { readPayload } from "../venue-http/errors";
import { SignerCache } from "../venue-http/signer-cache";
import { JSON_CONTENT_TYPE, joinUrl, USER_AGENT, type VenueHttpOptions } from "../venue-http/venue-http";
import { VenueHttpClient } from "../venue-http/venue-http-client";
import { mapHttpStatus, mapOkxCode, OKX_CODE, type MappedOkxError, type OkxMapContext } from "./errors";
import { OKX_LIMITS, type EndpointLimiter } from "./limits";
import {
  parseCancelAllAfter,
  parseEnvelope,
  parseMmpConfigAnswer,
  parseMmpState,
  parseMmpStates,
  parseResetResult,
  parseServerTime,
  parseUnderlyings,
  type OkxEnvelope,
} from "./parse";
import { createOkxSigner, OKX_HEADERS, okxSignText, okxTimestamp } from "./signer";
import type { OkxCancelAllAfter, OkxCredentials, OkxMmpConfig, OkxMmpSettings, OkxMmpState } from "./types";
import { cancelAllAfterBody, checkInstFamily, mmpConfigBody, mmpResetBody } from "./validate";

export const OKX = {
  time: "/api/v5/public/time",
  underlying: "/api/v5/public/underlying",
  mmpConfig: "/api/v5/account/mmp-config",
  mmpReset: "/api/v5/account/mmp-reset",
  cancelAllAfter: "/api/v5/trade/cancel-all-after",
} as const;

export interface OkxClientOptions extends VenueHttpOptions, EndpointLimitOptions {
  /** the instrument-family list older than this is refreshed in the background (300000) */
  familiesRefreshMs?: number;
}

interface Received {
  env: OkxEnvelope;
  /** the gateway's estimate of OKX's clock when the answer arrived */
  okxNow: number;
}

export class OkxClient extends VenueHttpClient {
  private readonly limiter: EndpointLimiter;
  private readonly signers = new SignerCache(createOkxSigner, this.logger, {
    log: "the account's OKX secret is unusable",
    error: "the account's OKX API secret is unusable",
  });

  constructor(options: OkxClientOptions = {}) {
    super("OKX", options, options.familiesRefreshMs);
    this.limiter = endpointLimiter(options, OKX_LIMITS);
  }

  // ---- MMP ----

  /**
   * Set MMP for one instrument family; answers the configuration OKX echoes. On
   * EXCHANGE_UNAVAILABLE with outcome UNKNOWN the change may have been applied: read it back.
   */
  async setMmp(creds: OkxCredentials, settings: OkxMmpSettings): Promise<OkxMmpConfig> {
    const body = mmpConfigBody(settings); // throws BAD_USER_INPUT before anything is signed
    const { env } = await this.signed(creds, "POST", OKX.mmpConfig, "", body);
    return readPayload(env.data, true, (d) => parseMmpConfigAnswer(d, settings.instFamily));
  }

  /**
   * The configuration and freeze state of one family, or null when OKX lists none for it.
   * `budget` "read" (a plain view) may use only part of OKX's 5 / 2 s, "change" (default: a read-back
   * settling a change) all of it.
   */
  async getMmp(
    creds: OkxCredentials,
    instFamily: string,
    budget: ReadBudget = "change",
  ): Promise<OkxMmpState | null> {
    const family = checkInstFamily("instFamily", instFamily);
    const query = `instFamily=${encodeURIComponent(family)}`;
    const { env, okxNow } = await this.signed(creds, "GET", OKX.mmpConfig, query, "", budget);
    const state = readPayload(env.data, false, (d) => parseMmpState(d, family, okxNow));
    if (state !== null) state.observedAt = okxNow;
    return state;
  }

  /**
   * Every family's configuration and freeze state in one call (`GET /api/v5/account/mmp-config`
   * without `instFamily`): a dashboard of N families costs one of OKX's 5 reads per 2 s, not N.
   */
  async getAllMmp(creds: OkxCredentials, budget: ReadBudget = "change"): Promise<OkxMmpState[]> {
    const { env, okxNow } = await this.signed(creds, "GET", OKX.mmpConfig, "", "", budget);
    const states = readPayload(env.data, false, (d) => parseMmpStates(d, okxNow));
    for (const s of states) s.observedAt = okxNow;
    return states;
  }

  /** Reset MMP Status: unfreezes the family. */
  async resetMmp(creds: OkxCredentials, instFamily: string): Promise<void> {
    const body = mmpResetBody(instFamily);
    const { env } = await this.signed(creds, "POST", OKX.mmpReset, "", body);
    const ok = readPayload(env.data, true, parseResetResult);
    if (!ok) {
      throw exchangeUnavailable("NOT_APPLIED", "OKX answered result false: the MMP status was not reset");
    }
  }

  /**
   * Cancel All After (the kill switch): OKX cancels all the account's orders `timeOutSeconds` from
   * now unless called again; 0 disables it, otherwise 10 to 120 s.
   */
  async setCancelAllAfter(creds: OkxCredentials, timeOutSeconds: number): Promise<OkxCancelAllAfter> {
    const body = cancelAllAfterBody(timeOutSeconds);
    const { env } = await this.signed(creds, "POST", OKX.cancelAllAfter, "", body);
    return readPayload(env.data, true, parseCancelAllAfter);
  }

  /**
   * The valid scope keys: option instrument families (`GET /api/v5/public/underlying?instType=OPTION`),
   * cached per base URL (stale while revalidating).
   */
  async instFamilies(baseUrl: string): Promise<ReadonlySet<string>> {
    return (await this.scopeKeys.get(baseUrl)).underlyings;
  }

  // ---- internals ----

  private async signed(
    creds: OkxCredentials,
    method: "GET" | "POST",
    path: string,
    query: string,
    body: string,
    budget: ReadBudget = "change",
  ): Promise<Received> {
    const { baseUrl, requestId } = creds;
    // the passphrase is checked before a signer is made: without it OKX refuses every call
    const sign = this.signers.signerFor(creds, () => checkPassphrase(creds, this.logger));
    const mutation = method === "POST";
    const origin = this.http.originOf(baseUrl);
    const requestPath = path + (query !== "" ? `?${query}` : "");
    const url = joinUrl(baseUrl, requestPath);
    const endpoint = `${method} ${path}`;
    const user = `${creds.accountId}\u0000${creds.apiKey}\u0000${origin}`;
    const limitKey = `${user}\u0000${endpoint}`;
    for (let attempt = 1; ; attempt++) {
      this.backoffs.admit(origin, limitKey);
      const timestamp = okxTimestamp(await this.clock.timestamp(baseUrl));
      admitEndpoint(this.limiter, { user, endpoint, budget, requestId }, this.now(), this.logger, {
        venue: "OKX",
        log: "OKX call refused locally (endpoint limit)",
        per: " per user",
      });
      const headers: RawAxiosRequestHeaders = {
        "User-Agent": USER_AGENT,
        "Content-Type": JSON_CONTENT_TYPE,
        [OKX_HEADERS.apiKey]: creds.apiKey,
        [OKX_HEADERS.sign]: sign(okxSignText(timestamp, method, requestPath, body)),
        [OKX_HEADERS.timestamp]: timestamp,
        [OKX_HEADERS.passphrase]: creds.passphrase,
      };
      if (creds.simulated === true) headers[OKX_HEADERS.simulated] = "1";
      const request = { method, url, body: mutation ? body : undefined, headers };
      const answer = await this.http.attempt(attempt, mutation, origin, request, { method, path }, requestId);
      if (answer === undefined) continue; // a GET to send again, freshly signed
      const okxNow = this.now() + (this.clock.offset(baseUrl) ?? 0);
      const env = this.envelope(answer, mutation, path, baseUrl, endpoint);
      if (env.code === OKX_CODE.OK) return { env, okxNow };
      if (env.code === OKX_CODE.TIMESTAMP_EXPIRED && attempt === 1 && answer.status < 500) {
        const call = { requestId, path, host: origin };
        if (await this.resyncAfterTimestampRefusal(baseUrl, call, "50102")) continue;
        throw this.applyMapped(origin, limitKey, mapOkxCode(env, answer, this.ctx(mutation, path, endpoint)));
      }
      const mapped = mapOkxCode(env, answer, this.ctx(mutation, path, endpoint));
      this.warnIfRateLimited(mapped.error, { requestId, host: origin, path, code: env.code });
      throw this.applyMapped(origin, limitKey, mapped);
    }
  }

  /** Parses the envelope of any answer; throws the mapped error for answers without a usable one. */
  private envelope(
    answer: HttpAnswer,
    mutation: boolean,
    path: string,
    baseUrl: string,
    endpoint: string,
  ): OkxEnvelope {
    let env: OkxEnvelope | undefined;
    try {
      env = parseEnvelope(parseJsonExact(answer.body));
    } catch {
      env = undefined;
    }
    const ok = answer.status >= 200 && answer.status < 300;
    if (env !== undefined && (ok || (answer.status >= 400 && env.code !== OKX_CODE.OK))) return env;
    if (ok) throw malformedAnswer(answer.status, describeBody(answer.body, answer.headers), mutation);
    throw this.applyMapped(
      this.http.originOf(baseUrl),
      undefined,
      mapHttpStatus(answer, this.ctx(mutation, path, endpoint)),
    );
  }

  private ctx(mutation: boolean, path: string, endpoint: string): OkxMapContext {
    const limit = this.limiter.limitOf(endpoint);
    return {
      mutation,
      path,
      nowMs: this.now(),
      windowSeconds: limit === undefined ? undefined : Math.ceil(limit.windowMs / 1000),
    };
  }

  private applyMapped(origin: string, limitKey: string | undefined, m: MappedOkxError): GatewayError {
    this.backoffs.apply(origin, limitKey, m.hostBackoffUntil, m.endpointBackoffUntil, m.error.message);
    return m.error;
  }

  private async publicGet(baseUrl: string, path: string, query = ""): Promise<OkxEnvelope> {
    const { origin, answer } = await this.publicGetAnswer(baseUrl, path, query);
    const endpoint = `GET ${path}`;
    const env = this.envelope(answer, false, path, baseUrl, endpoint);
    if (env.code === OKX_CODE.OK) return env;
    throw this.applyMapped(origin, undefined, mapOkxCode(env, answer, this.ctx(false, path, endpoint)));
  }

  protected override async fetchServerTime(baseUrl: string): Promise<TimeSample> {
    const sentAt = this.now();
    const env = await this.publicGet(baseUrl, OKX.time);
    const receivedAt = this.now();
    return { serverTime: readPayload(env.data, false, parseServerTime), sentAt, receivedAt };
  }

  protected override async fetchScopeKeys(baseUrl: string): Promise<ExchangeInfo> {
    const env = await this.publicGet(baseUrl, OKX.underlying, "instType=OPTION");
    const families = readPayload(env.data, false, parseUnderlyings);
    if (families.length === 0) throw new Error("OKX lists no option instrument families");
    return { underlyings: new Set(families), weightLimit: undefined };
  }
}

/** Logged (never the passphrase) and refused before anything is signed. */
function checkPassphrase(creds: OkxCredentials, logger: ExchangeLogger): void {
  if (typeof creds.passphrase !== "string" || creds.passphrase.length === 0) {
    logger.error(
      { requestId: creds.requestId, accountId: creds.accountId },
      "the account's OKX passphrase is empty",
    );
    throw exchangeUnavailable("NOT_APPLIED", "the account's OKX API passphrase is empty");
  }
}
