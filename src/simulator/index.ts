/** The built-in Binance eapi simulator: see README.md in this folder for its rules and choices. */
export { ExchangeSimulator } from "./server";
export { DEFAULT_UNDERLYINGS } from "./contracts";
export { generateAccountKeys, randomAlnum, type GeneratedAccountKeys } from "./keys";
export { normalizeDecimal, MAX_DECIMAL_PLACES } from "./values";
export { BAN_AFTER_STRIKES, BAN_MS } from "./weights";
export type {
  FaultKind,
  FaultOptions,
  RecordedRequest,
  SimFault,
  SimKillSwitchState,
  SimMmpState,
  SimOutsideChange,
  SimulatorAccount,
  SimulatorLogger,
  SimulatorOptions,
} from "./types";
