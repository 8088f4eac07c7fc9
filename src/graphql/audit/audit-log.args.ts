import { ArgsType, Field, ID, Int } from "type-graphql";
import { DEFAULT_AUDIT_PAGE, MAX_AUDIT_PAGE } from "../../audit/audit-log.service";

// An ArgsType keeps the arguments in declaration order in the SDL (parameter decorators run last to first).
@ArgsType()
export class AuditLogArgs {
  @Field(() => ID, {
    nullable: true,
    description: "Only this account's entries (FORBIDDEN when the caller cannot see the account).",
  })
  accountId?: string | null;

  @Field(() => Int, {
    nullable: true,
    defaultValue: DEFAULT_AUDIT_PAGE,
    description: `How many entries, 1 to ${MAX_AUDIT_PAGE}; null means the default, ${DEFAULT_AUDIT_PAGE}.`,
  })
  first?: number | null;

  @Field(() => String, {
    nullable: true,
    description: "An endCursor (or edge cursor) from an earlier page: continue after it, with older entries.",
  })
  after?: string | null;
}
