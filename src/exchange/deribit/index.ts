/** Deribit MMP: client, trigger feed, signing, validation and answer mapping (see docs/venues/deribit.md). */
export {
  DeribitClient,
  DERIBIT_API_PREFIX,
  DERIBIT_METHOD,
  rpcBody,
  type DeribitClientOptions,
} from "./deribit-client";
export { DeribitTriggerFeed, type DeribitTriggerFeedOptions, wsUrlFor } from "./trigger-feed";
export {
  createDeribitSigner,
  DERIBIT_AUTH_SCHEME,
  deribitAuthorization,
  deribitNonce,
  deribitRequestData,
  deribitStringToSign,
  type DeribitSigner,
} from "./signer";
export {
  checkFrozenTimeSeconds,
  checkIndexName,
  checkIntervalSeconds,
  checkLimit,
  checkMaxQuoteQuantity,
  MAX_DECIMAL_PLACES,
  MAX_SECONDS,
  MAX_SIGNIFICANT_DIGITS,
  setMmpConfigParams,
} from "./validate";
export {
  DERIBIT_CODE,
  deribitAdvice,
  mapHttpStatus,
  mapRpcError,
  rpcErrorText,
  TOO_MANY_REQUESTS_BACKOFF_SECONDS,
  type MappedDeribitError,
} from "./errors";
export {
  parseEnvelope,
  parseIndexNames,
  parseMmpConfigs,
  parseMmpStatuses,
  parseOk,
  parseServerTime,
  parseTriggerData,
  plainDecimal,
  type DeribitEnvelope,
  type DeribitRpcError,
} from "./parse";
export { KeyRateLimiter, type DeribitBudget, type DeribitRateOptions } from "./limiter";
export type {
  DeribitCredentials,
  DeribitMmpConfig,
  DeribitMmpSettings,
  DeribitMmpStatus,
  DeribitMmpTrigger,
} from "./types";
