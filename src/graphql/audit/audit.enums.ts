import { registerEnumType } from "type-graphql";
import type { AuditAction, AuditOutcome } from "../../domain";
import type { SameValues } from "../enum-values";

export enum AuditActionEnum {
  SET_MMP = "SET_MMP",
  RESET_MMP = "RESET_MMP",
  SET_KILL_SWITCH = "SET_KILL_SWITCH",
  KILL_SWITCH_HEARTBEAT = "KILL_SWITCH_HEARTBEAT",
  MMP_TRIGGERED = "MMP_TRIGGERED",
  MMP_CHANGED_OUTSIDE_GATEWAY = "MMP_CHANGED_OUTSIDE_GATEWAY",
  ACCOUNT_ADD = "ACCOUNT_ADD",
  ACCOUNT_REMOVE = "ACCOUNT_REMOVE",
  ACCOUNT_ROTATE_KEY = "ACCOUNT_ROTATE_KEY",
  USER_ADD = "USER_ADD",
  USER_DISABLE = "USER_DISABLE",
  USER_ENABLE = "USER_ENABLE",
  TOKEN_CREATE = "TOKEN_CREATE",
  TOKEN_REVOKE = "TOKEN_REVOKE",
  TEAM_ADD = "TEAM_ADD",
  TEAM_MEMBER_ADD = "TEAM_MEMBER_ADD",
  TEAM_MEMBER_REMOVE = "TEAM_MEMBER_REMOVE",
  GRANT = "GRANT",
  REVOKE = "REVOKE",
}
registerEnumType(AuditActionEnum, {
  name: "AuditAction",
  description:
    "What an audit entry records: an exchange call (the first four), what the gateway detected on the " +
    "exchange (MMP_TRIGGERED, MMP_CHANGED_OUTSIDE_GATEWAY; actor null) or an admin action.",
  valuesConfig: {
    SET_MMP: { description: "setMmpConfig, or one item of setMmpConfigs" },
    RESET_MMP: { description: "resetMmp" },
    SET_KILL_SWITCH: { description: "setKillSwitch" },
    KILL_SWITCH_HEARTBEAT: { description: "killSwitchHeartbeat" },
    MMP_TRIGGERED: {
      description:
        "detected by the poller: MMP triggered (lastTriggerTime moved); previous and result hold the config before and after",
    },
    MMP_CHANGED_OUTSIDE_GATEWAY: {
      description:
        "detected by the poller: the exchange holds a config the gateway did not set (the exchange's UI, another tool)",
    },
  },
});

export enum AuditOutcomeEnum {
  PENDING = "PENDING",
  SUCCEEDED = "SUCCEEDED",
  REJECTED = "REJECTED",
  UNKNOWN = "UNKNOWN",
  FAILED = "FAILED",
}
registerEnumType(AuditOutcomeEnum, {
  name: "AuditOutcome",
  description: "How an audited action ended.",
  valuesConfig: {
    PENDING: {
      description:
        "written before the exchange call and not completed yet; after a crash, settled by a later sweep " +
        "once the call cannot still be in flight",
    },
    SUCCEEDED: { description: "applied (the exchange answered, or a read-back confirmed it)" },
    REJECTED: { description: "the exchange refused it; see exchangeCode and exchangeMessage" },
    UNKNOWN: { description: "it may or may not have been applied; the exchange did not answer clearly" },
    FAILED: {
      description: "certainly not applied: refused by the gateway, or the exchange was never reached",
    },
  },
});

export const auditActionValuesMatch: SameValues<`${AuditActionEnum}`, AuditAction> = true;
export const auditOutcomeValuesMatch: SameValues<`${AuditOutcomeEnum}`, AuditOutcome> = true;
