/**
 * The audit trail as callers read it: newest first, in pages, each entry with its JSON parsed.
 */
import type { AuditAction, AuditOutcome, Principal } from "../domain";

export interface AuditEntryView {
  id: string;
  at: Date;
  /** null for changes made with the local CLI, whose operator holds the database itself */
  actor: { id: string; name: string } | null;
  accountId: string | null;
  action: AuditAction;
  /** the caller's input, parsed from the stored JSON (decimals and 64-bit values are strings in it) */
  input: unknown;
  previous: unknown;
  outcome: AuditOutcome;
  exchangeCode: number | null;
  exchangeMessage: string | null;
  durationMs: number | null;
  result: unknown;
}

export interface AuditLogPage {
  edges: { cursor: string; node: AuditEntryView }[];
  endCursor: string | null;
  hasNextPage: boolean;
}

export interface AuditLogQuery {
  /** only this account's entries; null/undefined: every entry the caller may see */
  accountId?: string | null;
  first: number;
  /** a cursor from an earlier page: the entries after it (older) */
  after?: string | null;
}

export interface AuditLogServiceApi {
  auditLog(principal: Principal, query: AuditLogQuery): Promise<AuditLogPage>;
}
