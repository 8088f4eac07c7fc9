/** The OKX v5 MMP simulator: see README.md in this folder for its rules and choices. */
export { DEFAULT_OKX_INST_FAMILIES, OKX_MSG, OkxSimulator } from "./okx-simulator";
export { checkOkxSignature } from "./verify";
export type {
  OkxFaultOptions,
  OkxRecordedRequest,
  OkxSimAccount,
  OkxSimConfig,
  OkxSimFault,
  OkxSimMmpState,
  OkxSimulatorOptions,
} from "./types";
