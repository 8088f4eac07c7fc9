/**
 * Deribit MMP client over JSON-RPC on HTTP: `private/set_mmp_config`, `private/get_mmp_config`,
 * `private/get_mmp_status`, `private/reset_mmp`, plus `public/get_time` (the clock offset) and
 * `public/get_supported_index_names` (the valid scope keys). Every call is
 * `POST {baseUrl}/api/v2/{method}` with a JSON-RPC 2.0 body (https://docs.deribit.com/articles/json-rpc-overview).
 *
 * One call: validation (a refusal signs and sends nothing) → admission (circuit breaker, back-offs, the
 * key's local token bucket) → Deribit's clock (ServerClock on `public/get_time`) → a fresh nonce and
 * the signature over the exact bytes → send over the shared keep-alive transport → map the answer
 * (errors.ts). Retries are narrow:
 * - a read that failed to connect or lost its connection is sent again (at most `readRetries` times),
 *   with a new id, nonce and signature;
 * - nothing else. Deribit documents no error code that means "refused before processing because of the
 *   timestamp", so a change with an unclear fate is never re-sent: it is EXCHANGE_UNAVAILABLE UNKNOWN
 *   and the caller reads the state back. After 13004 invalid_credentials the clock is resynchronised in
 *   the background so that the caller's next attempt signs on a fresh offset.
 * Secrets, signatures, nonces and bodies are never logged.
 */
import type { RawAxiosRequestHeaders } from "axios";
import type { GatewayError } from "../../errors";
import type { TimeSample } from "../binance/clock";
import { describeBody, malformedAnswer, type HttpAnswer } from "../binance/errors";
import type { ExchangeInfo } from "../binance/exchange-info";
import { parseJsonExact } from "../binance/json";
import { errorText, readPayload } from "../venue-http/errors";
import { SignerCache } from "../venue-http/signer-cache";
import {
  JSON_CONTENT_TYPE,
  joinUrl,
  sleep,
  USER_AGENT,
  type VenueHttpOptions,
  type VenueRequest,
} from "../venue-http/venue-http";
import { VenueHttpClient } from "../venue-http/venue-http-client";
import { DERIBIT_CODE, mapHttpStatus, mapRpcError, type MappedDeribitError } from "./errors";
import { KeyRateLimiter, type DeribitBudget, type DeribitRateOptions } from "./limiter";
import {
  MalformedAnswer,
  parseEnvelope,
  parseIndexNames,
  parseMmpConfigs,
  parseMmpStatuses,
  parseOk,
  parseServerTime,
  type DeribitEnvelope,
} from "./parse";
import {
  createDeribitSigner,
  deribitAuthorization,
  deribitNonce,
  deribitRequestData,
  deribitStringToSign,
} from "./signer";
import type { DeribitCredentials, DeribitMmpConfig, DeribitMmpSettings, DeribitMmpStatus } from "./types";
import { checkIndexName, setMmpConfigParams } from "./validate";

export const DERIBIT_METHOD = {
  time: "public/get_time",
  indexNames: "public/get_supported_index_names",
  setMmpConfig: "private/set_mmp_config",
  getMmpConfig: "private/get_mmp_config",
  getMmpStatus: "private/get_mmp_status",
  resetMmp: "private/reset_mmp",
} as const;

export const DERIBIT_API_PREFIX = "/api/v2/";

export interface DeribitClientOptions extends VenueHttpOptions {
  /** the index-name list older than this is refreshed in the background (300000) */
  indexNamesRefreshMs?: number;
  /** the local pacing per key (limiter.ts) */
  rate?: DeribitRateOptions;
}

interface CallSpec {
  method: string;
  /** the `params` object as JSON text, exactly as it goes into the body */
  params: string;
  mutation: boolean;
  budget: DeribitBudget;
}

export class DeribitClient extends VenueHttpClient {
  private readonly limiter: KeyRateLimiter;
  private readonly signers = new SignerCache(createDeribitSigner, this.logger, {
    log: "the account's Deribit client secret is unusable",
    error: "the account's Deribit client secret is unusable",
  });
  private nextId = 1;

  constructor(options: DeribitClientOptions = {}) {
    super("Deribit", options, options.indexNamesRefreshMs);
    this.limiter = new KeyRateLimiter(options.rate);
  }

  // ---- MMP ----

  /**
   * Sets MMP for one index (the default orders group). Answers the configuration Deribit reports back
   * for that index, or null when it reports none (e.g. `interval` 0 removed it). On EXCHANGE_UNAVAILABLE
   * with outcome UNKNOWN the change may have been applied: read it back with getMmp.
   */
  async setMmp(creds: DeribitCredentials, settings: DeribitMmpSettings): Promise<DeribitMmpConfig | null> {
    const params = setMmpConfigParams(settings); // throws BAD_USER_INPUT before anything is signed
    const env = await this.signed(creds, {
      method: DERIBIT_METHOD.setMmpConfig,
      params,
      mutation: true,
      budget: "change",
    });
    const configs = readPayload(env.result, true, parseMmpConfigs);
    return configs.find((c) => c.indexName === settings.indexName) ?? null;
  }

  /** The default-group configuration of one index, or null when Deribit lists none. */
  async getMmp(
    creds: DeribitCredentials,
    indexName: string,
    budget: DeribitBudget = "change",
  ): Promise<DeribitMmpConfig | null> {
    const index = checkIndexName("indexName", indexName);
    const env = await this.signed(creds, {
      method: DERIBIT_METHOD.getMmpConfig,
      params: JSON.stringify({ index_name: index }),
      mutation: false,
      budget,
    });
    return readPayload(env.result, false, parseMmpConfigs).find((c) => c.indexName === index) ?? null;
  }

  /** Every default-group configuration in one call (`private/get_mmp_config` without an index). */
  async getAllMmp(creds: DeribitCredentials, budget: DeribitBudget = "change"): Promise<DeribitMmpConfig[]> {
    const env = await this.signed(creds, {
      method: DERIBIT_METHOD.getMmpConfig,
      params: "{}",
      mutation: false,
      budget,
    });
    return readPayload(env.result, false, parseMmpConfigs);
  }

  /** The triggered (frozen) indexes, of one index or all; an index not listed is not frozen. */
  async getMmpStatus(
    creds: DeribitCredentials,
    indexName?: string,
    budget: DeribitBudget = "change",
  ): Promise<DeribitMmpStatus[]> {
    const params =
      indexName === undefined ? "{}" : JSON.stringify({ index_name: checkIndexName("indexName", indexName) });
    const env = await this.signed(creds, {
      method: DERIBIT_METHOD.getMmpStatus,
      params,
      mutation: false,
      budget,
    });
    const all = readPayload(env.result, false, parseMmpStatuses);
    return indexName === undefined ? all : all.filter((s) => s.indexName === indexName);
  }

  /** Resets MMP for one index: unfreezes it. */
  async resetMmp(creds: DeribitCredentials, indexName: string): Promise<void> {
    const index = checkIndexName("indexName", indexName);
    const env = await this.signed(creds, {
      method: DERIBIT_METHOD.resetMmp,
      params: JSON.stringify({ index_name: index }),
      mutation: true,
      budget: "change",
    });
    readPayload(env.result, true, parseOk);
  }

  /**
   * The valid scope keys: Deribit's index names from `public/get_supported_index_names`, cached per base
   * URL (stale while revalidating).
   */
  async indexNames(baseUrl: string): Promise<ReadonlySet<string>> {
    return (await this.scopeKeys.get(baseUrl)).underlyings;
  }

  // ---- internals ----

  private async signed(creds: DeribitCredentials, spec: CallSpec): Promise<DeribitEnvelope> {
    const { baseUrl, requestId } = creds;
    const sign = this.signers.signerFor(creds);
    const origin = this.http.originOf(baseUrl);
    const url = joinUrl(baseUrl, DERIBIT_API_PREFIX + spec.method);
    const uri = new URL(url).pathname;
    const keyKey = `${creds.apiKey}\u0000${origin}`;
    for (let attempt = 1; ; attempt++) {
      this.backoffs.admit(origin, keyKey);
      const wait = this.limiter.take(keyKey, this.now(), spec.budget);
      if (wait > 0) await sleep(wait);
      const timestamp = await this.clock.timestamp(baseUrl);
      const nonce = deribitNonce();
      const id = this.nextId++;
      const body = rpcBody(id, spec.method, spec.params);
      const signature = sign(deribitStringToSign(timestamp, nonce, deribitRequestData("POST", uri, body)));
      const headers: RawAxiosRequestHeaders = {
        "User-Agent": USER_AGENT,
        "Content-Type": JSON_CONTENT_TYPE,
        Authorization: deribitAuthorization(creds.apiKey, timestamp, signature, nonce),
      };
      const request: VenueRequest = { method: "POST", url, body, headers };
      const label = { rpcMethod: spec.method };
      const answer = await this.http.attempt(attempt, spec.mutation, origin, request, label, requestId);
      if (answer === undefined) continue; // a read to send again, with a new id, nonce and signature
      const env = this.envelope(answer, spec, origin, id);
      if (env.error === undefined) return env;
      if (env.error.code === DERIBIT_CODE.INVALID_CREDENTIALS) {
        this.clock
          .resync(baseUrl)
          .catch((syncErr: unknown) =>
            this.logger.warn({ requestId, err: errorText(syncErr) }, "Deribit server-time resync failed"),
          );
      }
      const mapped = mapRpcError(env.error, this.ctx(spec));
      this.logger.warn(
        {
          requestId,
          host: origin,
          rpcMethod: spec.method,
          code: env.error.code,
          gatewayCode: mapped.error.code,
        },
        "Deribit refused the call",
      );
      throw this.applyMapped(origin, keyKey, mapped);
    }
  }

  /**
   * Parses the answer; throws the mapped error when there is no readable JSON-RPC answer, or for a 5XX
   * (even with a JSON-RPC error: it may have been applied).
   */
  private envelope(answer: HttpAnswer, spec: CallSpec, origin: string, id: number): DeribitEnvelope {
    let env: DeribitEnvelope | undefined;
    let why = "";
    try {
      env = parseEnvelope(parseJsonExact(answer.body));
    } catch (err) {
      env = undefined;
      why = err instanceof MalformedAnswer ? err.message : describeBody(answer.body, answer.headers);
    }
    const ok = answer.status >= 200 && answer.status < 300;
    if (env !== undefined && env.id !== undefined && env.id !== id) {
      throw malformedAnswer(
        answer.status,
        `the answer's id ${env.id} is not the request's ${id}`,
        spec.mutation,
      );
    }
    if (env !== undefined && answer.status < 500 && (ok || env.error !== undefined)) return env;
    if (ok) throw malformedAnswer(answer.status, why || "no result", spec.mutation);
    const mapped = mapHttpStatus(answer, this.ctx(spec));
    if (env?.error !== undefined) {
      mapped.error.extensions.exchangeCode = env.error.code;
      mapped.error.extensions.exchangeMessage = env.error.message;
    }
    throw this.applyMapped(origin, undefined, mapped);
  }

  private ctx(spec: CallSpec) {
    return { mutation: spec.mutation, method: spec.method, nowMs: this.now() };
  }

  private applyMapped(origin: string, keyKey: string | undefined, m: MappedDeribitError): GatewayError {
    this.backoffs.apply(origin, keyKey, m.hostBackoffUntil, m.keyBackoffUntil, m.error.message);
    return m.error;
  }

  private async publicCall(baseUrl: string, method: string, params: string): Promise<DeribitEnvelope> {
    const origin = this.http.originOf(baseUrl);
    const url = joinUrl(baseUrl, DERIBIT_API_PREFIX + method);
    const spec: CallSpec = { method, params, mutation: false, budget: "read" };
    let id = 0;
    const answer = await this.http.read(
      origin,
      () => this.backoffs.admit(origin, undefined),
      () => {
        id = this.nextId++; // every attempt has its own id
        return {
          method: "POST",
          url,
          body: rpcBody(id, method, params),
          headers: { "User-Agent": USER_AGENT, "Content-Type": JSON_CONTENT_TYPE },
        };
      },
      { rpcMethod: method },
    );
    const env = this.envelope(answer, spec, origin, id);
    if (env.error === undefined) return env;
    throw this.applyMapped(origin, undefined, mapRpcError(env.error, this.ctx(spec)));
  }

  protected override async fetchServerTime(baseUrl: string): Promise<TimeSample> {
    const sentAt = this.now();
    const env = await this.publicCall(baseUrl, DERIBIT_METHOD.time, "{}");
    const receivedAt = this.now();
    return { serverTime: readPayload(env.result, false, parseServerTime), sentAt, receivedAt };
  }

  protected override async fetchScopeKeys(baseUrl: string): Promise<ExchangeInfo> {
    const env = await this.publicCall(baseUrl, DERIBIT_METHOD.indexNames, "{}");
    const names = readPayload(env.result, false, parseIndexNames);
    if (names.length === 0) throw new Error("Deribit lists no index names");
    return { underlyings: new Set(names), weightLimit: undefined };
  }
}

/** The JSON-RPC 2.0 request body; `params` is inserted as given, so its number text is sent unchanged. */
export function rpcBody(id: number, method: string, params: string): string {
  return `{"jsonrpc":"2.0","id":${id},"method":${JSON.stringify(method)},"params":${params}}`;
}
