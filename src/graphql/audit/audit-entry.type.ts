import { GraphQLJSON } from "graphql-scalars";
import { Field, GraphQLISODateTime, ID, Int, ObjectType } from "type-graphql";
import type { AuditAction, AuditOutcome } from "../../domain";
import type { AuditEntryView } from "../../audit/audit-log.types";
import { AuditActionEnum, AuditOutcomeEnum } from "./audit.enums";

@ObjectType("AuditActor", { description: "Who performed an audited action." })
export class AuditActor {
  @Field(() => ID, { description: "The user's id." })
  id!: string;

  @Field(() => String, { description: "The user's name at the time of the action." })
  name!: string;
}

@ObjectType("AuditEntry", {
  description:
    "One audited action. Exchange calls are written before the call (PENDING) and completed after it. " +
    "`input`, `previous` and `result` are JSON objects in which decimals and 64-bit integers are strings " +
    '(e.g. {"qtyLimit": "2.5", "frozenTimeInMilliseconds": "300000"}), so no digit is lost.',
})
export class AuditEntry implements AuditEntryView {
  @Field(() => ID, { description: "The entry's id; ids increase with time." })
  id!: string;

  @Field(() => GraphQLISODateTime, { description: "When the action began (UTC)." })
  at!: Date;

  @Field(() => AuditActor, {
    nullable: true,
    description: "Who acted; null for the `mmp-gateway` CLI, run by whoever holds the database.",
  })
  actor!: AuditActor | null;

  @Field(() => ID, {
    nullable: true,
    description: "The exchange account acted on; null for user/team actions.",
  })
  accountId!: string | null;

  @Field(() => AuditActionEnum, { description: "What was done." })
  action!: AuditAction;

  @Field(() => GraphQLJSON, {
    description:
      "The caller's input as the gateway recorded it (never secrets). setMmpConfigs items also carry " +
      "`batch` { id, index, size }, shared by every item of one call.",
  })
  input!: unknown;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description:
      "The state the gateway last knew before the change (the MMP config or kill-switch countdown of that " +
      "account and underlying, as last read or set through this gateway process); null when not known.",
  })
  previous!: unknown;

  @Field(() => AuditOutcomeEnum, { description: "How it ended." })
  outcome!: AuditOutcome;

  @Field(() => Int, { nullable: true, description: "REJECTED: the exchange's error code." })
  exchangeCode!: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      "The exchange's message when REJECTED; otherwise the gateway's note (why it FAILED, why it is UNKNOWN, " +
      "or that a read-back confirmed it).",
  })
  exchangeMessage!: string | null;

  @Field(() => Int, {
    nullable: true,
    description: "How long the exchange call took, in ms; null while PENDING.",
  })
  durationMs!: number | null;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description:
      "SUCCEEDED: what the exchange answered (the config or countdown it then held, or the refreshed underlyings).",
  })
  result!: unknown;
}
