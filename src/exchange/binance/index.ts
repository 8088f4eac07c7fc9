export {
  BinanceClient,
  DEFAULT_READ_RETRIES,
  DEFAULT_READ_RETRY_BASE_MS,
  EAPI,
  type BinanceClientOptions,
  type ExchangeCallEvent,
  type ExchangeLogger,
} from "./binance-client";
export { createSigner, SignerKeyError, type Signer } from "./signer";
export {
  buildSignedRequest,
  buildUnsignedRequest,
  encodeParams,
  FORM_CONTENT_TYPE,
  type HttpMethod,
  type Param,
  type WireRequest,
} from "./request";
export { ServerClock, type TimeSample } from "./clock";
export {
  createHttpTransport,
  isTransportError,
  TransportError,
  type HttpTransport,
  type TransportFailureKind,
  type TransportOptions,
} from "./transport";
export {
  adviceFor,
  DEFAULT_RETRY_AFTER_SECONDS,
  malformedAnswer,
  mapHttpError,
  mapTransportError,
  retryAfterSeconds,
  type HttpAnswer,
  type MappedHttpError,
} from "./errors";
export {
  DOCUMENTED_WEIGHT_LIMIT,
  RateLimitTracker,
  usedWeightFromHeaders,
  weightLimitFromExchangeInfo,
  type HostRateSnapshot,
  type SharedRateLimitState,
} from "./weight";
export {
  MalformedAnswer,
  parseHeartbeat,
  parseKillSwitch,
  parseKillSwitches,
  parseMmpConfig,
  parseServerTime,
} from "./parse";
export { ExchangeInfoCache, parseExchangeInfo, type ExchangeInfo } from "./exchange-info";
export { JsonNumber, parseJsonExact, type JsonValue } from "./json";
