/** The Deribit MMP simulator: see README.md in this folder for its rules and choices. */
export { DeribitSimulator, DERIBIT_MSG, DEFAULT_DERIBIT_INDEX_NAMES } from "./deribit-simulator";
export {
  checkDeribitHttpSignature,
  checkDeribitWsSignature,
  parseDeribitAuthHeader,
  type DeribitAuthHeader,
} from "./verify";
export type {
  DeribitFaultOptions,
  DeribitRecordedRequest,
  DeribitRecordedWsMessage,
  DeribitSimAccount,
  DeribitSimConfig,
  DeribitSimFault,
  DeribitSimStatus,
  DeribitSimulatorOptions,
} from "./types";
