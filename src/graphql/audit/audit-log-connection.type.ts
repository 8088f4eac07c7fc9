import { Field, ObjectType } from "type-graphql";
import type { AuditEntryView, AuditLogPage } from "../../audit/audit-log.types";
import { AuditEntry } from "./audit-entry.type";

@ObjectType("AuditLogEdge", { description: "An audit entry with its cursor." })
export class AuditLogEdge {
  @Field(() => String, { description: "Pass as `after` to continue after this entry." })
  cursor!: string;

  @Field(() => AuditEntry, { description: "The entry." })
  node!: AuditEntryView;
}

@ObjectType("PageInfo", { description: "Where a page ends and whether more follow." })
export class PageInfo {
  @Field(() => String, {
    nullable: true,
    description: "The cursor of the page's last entry (pass as `after`); null for an empty page.",
  })
  endCursor!: string | null;

  @Field(() => Boolean, { description: "Whether older entries follow this page." })
  hasNextPage!: boolean;
}

@ObjectType("AuditLogConnection", { description: "A page of the audit log, newest first." })
export class AuditLogConnection {
  @Field(() => [AuditLogEdge], { description: "The entries with their cursors." })
  edges!: AuditLogEdge[];

  @Field(() => [AuditEntry], { description: "The entries, without cursors." })
  nodes!: AuditEntryView[];

  @Field(() => PageInfo, { description: "Where to continue." })
  pageInfo!: PageInfo;
}

export function toConnection(page: AuditLogPage): AuditLogConnection {
  return {
    edges: page.edges,
    nodes: page.edges.map((e) => e.node),
    pageInfo: { endCursor: page.endCursor, hasNextPage: page.hasNextPage },
  };
}
