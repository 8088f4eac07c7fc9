/**
 * For tests of the GraphQL and HTTP layers that exercise setMmpConfig only: the rest of the MMP
 * service fails loudly if a test reaches it (masked as INTERNAL_SERVER_ERROR, like an unwired service).
 */
import type { Principal } from "../../src/domain";
import type { AccountMmpConfig, MmpServiceApi, SetMmpConfigRequest } from "../../src/mmp/mmp.types";

const notWired = (name: string) => () => Promise.reject(new Error(`${name} is not wired in this test`));

export const NOT_WIRED_BEYOND_SET: Omit<MmpServiceApi, "setMmpConfig"> = {
  mmpConfig: notWired("mmpConfig"),
  mmpConfigs: notWired("mmpConfigs"),
  resetMmp: notWired("resetMmp"),
  setMmpConfigs: notWired("setMmpConfigs"),
};

/** Base class for fakes that implement setMmpConfig only. */
export abstract class SetOnlyMmpService implements MmpServiceApi {
  abstract setMmpConfig(principal: Principal, request: SetMmpConfigRequest): Promise<AccountMmpConfig>;
  readonly mmpConfig = NOT_WIRED_BEYOND_SET.mmpConfig;
  readonly mmpConfigs = NOT_WIRED_BEYOND_SET.mmpConfigs;
  readonly resetMmp = NOT_WIRED_BEYOND_SET.resetMmp;
  readonly setMmpConfigs = NOT_WIRED_BEYOND_SET.setMmpConfigs;
}
