/** Bybit V5 MMP: client, signing, validation and answer mapping (see docs/venues/bybit.md). */
export { BybitClient, BYBIT, type BybitClientOptions } from "./bybit-client";
export { BYBIT_HEADERS, bybitSignText, createBybitSigner, type BybitSigner } from "./signer";
export {
  checkBaseCoin,
  checkFrozenPeriodMs,
  checkLimit,
  checkWindowMs,
  MAX_DECIMAL_PLACES,
  mmpModifyBody,
} from "./validate";
export { bybitAdvice, IP_BAN_SECONDS, mapHttpStatus, mapRetCode, RET } from "./errors";
export {
  parseEnvelope,
  parseInstrumentsPage,
  parseMmpState,
  parseOptionBaseCoins,
  parseServerTime,
  type BybitEnvelope,
} from "./parse";
export type { BybitCredentials, BybitMmpSettings, BybitMmpState } from "./types";
