/** The Bybit V5 MMP simulator: see README.md in this folder for its rules and choices. */
export { BybitSimulator, BYBIT_MSG, DEFAULT_BYBIT_BASE_COINS } from "./bybit-simulator";
export { checkBybitSignature } from "./verify";
export type {
  BybitFaultOptions,
  BybitRecordedRequest,
  BybitSimAccount,
  BybitSimFault,
  BybitSimMmpState,
  BybitSimulatorOptions,
} from "./types";
