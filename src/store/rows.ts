/**
 * What both SQL adapters share: the tables' row shapes, the column lists, the mapping from a row to a
 * record, and id generation. The two dialects store the same columns with different JS types (SQLite:
 * times as epoch milliseconds and booleans as 0/1; PostgreSQL: Date and boolean, and a bigint audit id
 * as a string), so the row types take those as parameters and each adapter passes its `RowCodec`. The
 * SQL itself (placeholders, collations, upserts, locking) stays in each adapter.
 */
import { randomBytes } from "node:crypto";
import type { AuditAction, AuditOutcome, KeyType, Role, Venue } from "../domain";
import type {
  AccountRecord,
  NewAccountRecord,
  AuditCompletion,
  AuditRecord,
  GrantRecord,
  MembershipRecord,
  TokenRecord,
  UserRecord,
} from "./port";

/** `T`: how the dialect returns a time; `B`: a boolean; `I`: the audit log's 64-bit id */
export interface RowCodec<T, B, I> {
  time(v: T): Date;
  bool(v: B): boolean;
  auditId(v: I): number;
}

export interface AccountRow<T> {
  id: string;
  api_key: string;
  key_type: KeyType;
  venue: Venue;
  base_url: string | null;
  secret_sealed: string;
  created_at: T;
}
export interface UserRow<T, B> {
  id: string;
  name: string;
  admin: B;
  disabled: B;
  created_at: T;
}
export interface TokenRow<T> {
  id: string;
  user_id: string;
  hash: string;
  created_at: T;
  revoked_at: T | null;
}
/** a token with its user's columns, as TOKEN_USER_SELECT returns them */
export type TokenUserRow<T, B> = TokenRow<T> & { u_name: string; u_admin: B; u_disabled: B; u_created_at: T };
export interface GrantRow {
  team: string;
  account_id: string;
  role: Role;
}
export interface MembershipRow {
  team: string;
  user_id: string;
  user_name: string;
}
export interface AuditRow<T, I> {
  id: I;
  at: T;
  actor_id: string | null;
  actor_name: string | null;
  account_id: string | null;
  action: AuditAction;
  input: string;
  previous: string | null;
  outcome: AuditOutcome;
  exchange_code: number | null;
  exchange_message: string | null;
  duration_ms: number | null;
  result: string | null;
}

export const ACCOUNT_COLUMNS = "id, api_key, key_type, base_url, secret_sealed, created_at, venue";
export const USER_COLUMNS = "id, name, admin, disabled, created_at";
export const TOKEN_COLUMNS = "id, user_id, hash, created_at, revoked_at";
export const AUDIT_COLUMNS =
  "id, at, actor_id, actor_name, account_id, action, input, previous, outcome, exchange_code, exchange_message, duration_ms, result";

/** a token joined with its user (TokenUserRow); the adapter appends `WHERE t.hash = <placeholder>` */
export const TOKEN_USER_SELECT = `SELECT t.id, t.user_id, t.hash, t.created_at, t.revoked_at,
              u.name AS u_name, u.admin AS u_admin, u.disabled AS u_disabled, u.created_at AS u_created_at
         FROM tokens t JOIN users u ON u.id = t.user_id`;

/** a new user or token id: the prefix, then 24 random hex digits */
export function newId(prefix: "u_" | "t_"): string {
  return prefix + randomBytes(12).toString("hex");
}

/** the record of an account just inserted */
export function insertedAccount(a: NewAccountRecord, createdAt: Date): AccountRecord {
  return {
    id: a.id,
    apiKey: a.apiKey,
    keyType: a.keyType,
    venue: a.venue ?? "binance",
    baseUrl: a.baseUrl,
    secretSealed: a.secretSealed,
    createdAt,
  };
}

/**
 * An audit completion's values, defaults applied, in the order of the update statements' SET clauses
 * (outcome, exchange_code, exchange_message, duration_ms, result).
 */
export function completionValues(
  c: AuditCompletion,
): [
  outcome: AuditCompletion["outcome"],
  exchangeCode: number | null,
  exchangeMessage: string | null,
  durationMs: number,
  result: string | null,
] {
  return [
    c.outcome,
    c.exchangeCode ?? null,
    c.exchangeMessage ?? null,
    Math.round(c.durationMs),
    c.result ?? null,
  ];
}

export function toMembership(r: MembershipRow): MembershipRecord {
  return { team: r.team, userId: r.user_id, userName: r.user_name };
}

export function toGrant(r: GrantRow): GrantRecord {
  return { team: r.team, accountId: r.account_id, role: r.role };
}

/** The mappers from a dialect's rows to records. */
export function rowMappers<T, B, I>(codec: RowCodec<T, B, I>) {
  const { time, bool } = codec;

  function toAccount(r: AccountRow<T>): AccountRecord {
    return {
      id: r.id,
      apiKey: r.api_key,
      keyType: r.key_type,
      venue: r.venue,
      baseUrl: r.base_url,
      secretSealed: r.secret_sealed,
      createdAt: time(r.created_at),
    };
  }

  function toUser(r: UserRow<T, B>): UserRecord {
    return {
      id: r.id,
      name: r.name,
      admin: bool(r.admin),
      disabled: bool(r.disabled),
      createdAt: time(r.created_at),
    };
  }

  function toToken(r: TokenRow<T>): TokenRecord {
    return {
      id: r.id,
      userId: r.user_id,
      hash: r.hash,
      createdAt: time(r.created_at),
      revokedAt: r.revoked_at === null ? null : time(r.revoked_at),
    };
  }

  function toTokenAndUser(r: TokenUserRow<T, B>): { token: TokenRecord; user: UserRecord } {
    return {
      token: toToken(r),
      user: toUser({
        id: r.user_id,
        name: r.u_name,
        admin: r.u_admin,
        disabled: r.u_disabled,
        created_at: r.u_created_at,
      }),
    };
  }

  function toAudit(r: AuditRow<T, I>): AuditRecord {
    return {
      id: codec.auditId(r.id),
      at: time(r.at),
      actorId: r.actor_id,
      actorName: r.actor_name,
      accountId: r.account_id,
      action: r.action,
      input: r.input,
      previous: r.previous,
      outcome: r.outcome,
      exchangeCode: r.exchange_code,
      exchangeMessage: r.exchange_message,
      durationMs: r.duration_ms,
      result: r.result,
    };
  }

  return { toAccount, toUser, toToken, toTokenAndUser, toAudit };
}
