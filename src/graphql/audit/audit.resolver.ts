import { Args, Authorized, Ctx, Query, Resolver } from "type-graphql";
import { DEFAULT_AUDIT_PAGE } from "../../audit/audit-log.service";
import { requirePrincipal } from "../auth-checker";
import { serviceOf, type GatewayContext } from "../context.type";
import { AuditLogArgs } from "./audit-log.args";
import { AuditLogConnection, toConnection } from "./audit-log-connection.type";

@Resolver()
export class AuditResolver {
  @Authorized()
  @Query(() => AuditLogConnection, {
    description:
      "Who changed what, newest first. Viewers (and above) see the entries of their accounts; admin users " +
      "see every entry, including user and team administration. An accountId the caller cannot see is " +
      "FORBIDDEN. Cursor pagination: pass pageInfo.endCursor as `after` for the next (older) page; entries " +
      "written meanwhile never shift a page, they appear at the top of a fresh first page.",
  })
  async auditLog(
    @Args(() => AuditLogArgs) args: AuditLogArgs,
    @Ctx() ctx: GatewayContext,
  ): Promise<AuditLogConnection> {
    const page = await serviceOf(ctx, "auditLog").auditLog(requirePrincipal(ctx), {
      accountId: args.accountId,
      first: args.first ?? DEFAULT_AUDIT_PAGE,
      after: args.after,
    });
    return toConnection(page);
  }
}
