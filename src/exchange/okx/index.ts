/** OKX v5 MMP: client, signing, validation and answer mapping (see docs/venues/okx.md). */
export { OkxClient, OKX, type OkxClientOptions } from "./okx-client";
export { createOkxSigner, OKX_HEADERS, okxSignText, okxTimestamp, type OkxSigner } from "./signer";
export {
  CANCEL_AFTER_MAX_SECONDS,
  CANCEL_AFTER_MIN_SECONDS,
  cancelAllAfterBody,
  checkCancelAfterSeconds,
  checkFrozenIntervalMs,
  checkInstFamily,
  checkQtyLimit,
  checkTimeIntervalMs,
  mmpConfigBody,
  mmpResetBody,
} from "./validate";
export { mapHttpStatus, mapOkxCode, OKX_CODE, okxAdvice, type MappedOkxError } from "./errors";
export { EndpointLimiter, OKX_LIMITS, type EndpointLimit } from "./limits";
export {
  EPOCH_MS_THRESHOLD,
  frozenUntilMs,
  itemError,
  parseCancelAllAfter,
  parseEnvelope,
  parseMmpConfigAnswer,
  parseMmpState,
  parseResetResult,
  parseServerTime,
  parseUnderlyings,
  type OkxEnvelope,
} from "./parse";
export type { OkxCancelAllAfter, OkxCredentials, OkxMmpConfig, OkxMmpSettings, OkxMmpState } from "./types";
