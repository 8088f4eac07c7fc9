/**
 * Reading the audit trail.
 *
 * Visibility: an entry is visible to a caller with any role (viewer and above) on its account; admin
 * users see every entry, including those without an account (users, tokens, teams). Asking for an
 * account the caller cannot see is FORBIDDEN, like every other account-scoped call, so ids cannot be
 * probed. Admin users may ask for any account id, including one removed since (its history stays).
 *
 * Pagination: newest first, keyset over the audit id, which only grows (the PostgreSQL adapter makes ids
 * visible in increasing order). A cursor names the last id seen and the next page is "ids below it", so
 * entries written while a client pages never shift, repeat or hide the entries it has yet to read; they
 * appear at the top, for a fresh first page. Cursors are opaque: base64url of "audit:<id>".
 */
import { roleAtLeast, type Principal } from "../domain";
import { badUserInput, forbidden } from "../errors";
import type { AuditRecord, Store } from "../store/port";
import type { AuditEntryView, AuditLogPage, AuditLogQuery, AuditLogServiceApi } from "./audit-log.types";
import { checkAccountId } from "../mmp/mmp.validation";

export const DEFAULT_AUDIT_PAGE = 50;
export const MAX_AUDIT_PAGE = 500;
const CURSOR_PREFIX = "audit:";

export class AuditLogService implements AuditLogServiceApi {
  constructor(private readonly store: Pick<Store, "listAudit">) {}

  async auditLog(principal: Principal, q: AuditLogQuery): Promise<AuditLogPage> {
    if (!Number.isInteger(q.first) || q.first < 1 || q.first > MAX_AUDIT_PAGE) {
      throw badUserInput("first", `must be an integer from 1 to ${MAX_AUDIT_PAGE}, got ${q.first}`);
    }
    const beforeId = q.after == null ? undefined : decodeCursor(q.after);
    const records = await this.store.listAudit({
      accountIds: visibleAccounts(principal, q.accountId ?? undefined),
      beforeId,
      limit: q.first + 1,
    });
    const page = records.slice(0, q.first);
    const edges = page.map((r) => ({ cursor: encodeCursor(r.id), node: toView(r) }));
    return {
      edges,
      endCursor: edges.at(-1)?.cursor ?? null,
      hasNextPage: records.length > q.first,
    };
  }
}

/** The store's account filter for this caller: undefined = all (admin users only). */
function visibleAccounts(principal: Principal, accountId: string | undefined): readonly string[] | undefined {
  if (accountId !== undefined) {
    checkAccountId("accountId", accountId);
    if (!principal.admin && !roleAtLeast(principal.roles.get(accountId), "viewer")) throw forbidden();
    return [accountId];
  }
  if (principal.admin) return undefined;
  return [...principal.roles.keys()];
}

export function encodeCursor(id: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${id}`, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): number {
  const text = cursor.length <= 64 ? Buffer.from(cursor, "base64url").toString("utf8") : "";
  const id = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(id) || id < 1 || encodeCursor(id) !== cursor) {
    throw badUserInput("after", "is not a cursor returned by auditLog");
  }
  return id;
}

function toView(r: AuditRecord): AuditEntryView {
  return {
    id: String(r.id),
    at: r.at,
    actor: r.actorId === null ? null : { id: r.actorId, name: r.actorName ?? r.actorId },
    accountId: r.accountId,
    action: r.action,
    input: parseJson(r.input),
    previous: r.previous === null ? null : parseJson(r.previous),
    outcome: r.outcome,
    exchangeCode: r.exchangeCode,
    exchangeMessage: r.exchangeMessage,
    durationMs: r.durationMs,
    result: r.result === null ? null : parseJson(r.result),
  };
}

/** Stored JSON was written by the gateway; a damaged value is shown as its text rather than failing the page. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
