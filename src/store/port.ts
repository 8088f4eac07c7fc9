/**
 * The store port: everything the gateway persists, behind one interface that the SQLite adapter
 * (default, embedded) and the PostgreSQL adapter implement. Methods are async so that both fit;
 * the SQLite adapter resolves synchronously under the hood.
 *
 * Names are unique and are the ids users type: an account's name is its GraphQL `accountId`.
 * Secrets arrive here already encrypted (see src/secrets); the store never sees plaintext.
 */
import type { AuditAction, AuditOutcome, KeyType, Role, Venue } from "../domain";

export interface AccountRecord {
  /** the account's name, its id in GraphQL */
  id: string;
  apiKey: string;
  keyType: KeyType;
  venue: Venue;
  /**
   * OKX: the sealed value holds the secret and the passphrase, separated by a newline.
   * null: use the venue's default (BINANCE_EAPI_URL, DERIBIT_URL, OKX_URL, BYBIT_URL)
   */
  baseUrl: string | null;
  /** sealed by src/secrets (AES-256-GCM), opaque here */
  secretSealed: string;
  createdAt: Date;
}

export type NewAccountRecord = Omit<AccountRecord, "createdAt" | "venue"> & { venue?: Venue };

export interface UserRecord {
  id: string;
  name: string;
  admin: boolean;
  disabled: boolean;
  createdAt: Date;
}

export interface TokenRecord {
  id: string;
  userId: string;
  /** hex SHA-256 of the token; the token itself is never stored */
  hash: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface MembershipRecord {
  team: string;
  userId: string;
  userName: string;
}

export interface GrantRecord {
  team: string;
  accountId: string;
  role: Role;
}

export interface AuditRecord {
  /** monotonically increasing; also the pagination cursor's basis */
  id: number;
  at: Date;
  actorId: string | null;
  actorName: string | null;
  accountId: string | null;
  action: AuditAction;
  /** JSON text of the caller's input (never secrets) */
  input: string;
  /** JSON text of the config the gateway last knew before the change, when known */
  previous: string | null;
  outcome: AuditOutcome;
  exchangeCode: number | null;
  exchangeMessage: string | null;
  durationMs: number | null;
  /** JSON text of the exchange's answer on success */
  result: string | null;
}

export interface AuditBegin {
  actorId: string | null;
  /** the actor's name now (kept in the record as it was then); looked up by actorId when absent */
  actorName?: string | null;
  accountId: string | null;
  action: AuditAction;
  input: string;
  previous?: string | null;
}

export interface AuditCompletion {
  outcome: Exclude<AuditOutcome, "PENDING">;
  exchangeCode?: number | null;
  exchangeMessage?: string | null;
  durationMs: number;
  result?: string | null;
}

export interface AuditQuery {
  /** only these accounts (undefined: all) */
  accountIds?: readonly string[];
  /** entries with id strictly below this (newest first pagination) */
  beforeId?: number;
  limit: number;
}

/** Which stored value a sealed secret is: named in errors when one cannot be re-sealed. */
export type SealedValueOwner = { kind: "account"; id: string } | { kind: "meta"; key: string };

export interface ResealResult {
  /** accounts in the database */
  accounts: number;
  /** accounts whose secret was rewritten (the callback returned a different value) */
  accountsResealed: number;
  /** meta values rewritten */
  metaResealed: number;
}

/**
 * What a conflict or a missing row is about, so that a caller can point at its own input (the GraphQL
 * admin API names the field) without parsing the message. Undefined when the database could not say.
 */
export type StoreSubject = "account" | "user" | "token" | "team" | "membership" | "audit";

/** Thrown by adapters for a violated uniqueness or a missing referenced row; message is user-facing. */
export class StoreConflictError extends Error {
  constructor(
    message: string,
    readonly subject?: StoreSubject,
  ) {
    super(message);
    this.name = "StoreConflictError";
  }
}

export class StoreNotFoundError extends Error {
  constructor(
    message: string,
    readonly subject?: StoreSubject,
  ) {
    super(message);
    this.name = "StoreNotFoundError";
  }
}

export interface Store {
  readonly kind: "sqlite" | "postgres";

  /** applies pending versioned migrations; idempotent */
  migrate(): Promise<void>;
  /** true when the database answers and every migration is applied */
  ready(): Promise<boolean>;
  close(): Promise<void>;

  /** key-value settings (e.g. the master key check value) */
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;

  /** `venue` absent: binance */
  addAccount(a: NewAccountRecord): Promise<AccountRecord>;
  getAccount(id: string): Promise<AccountRecord | null>;
  listAccounts(): Promise<AccountRecord[]>;
  /** also removes the account's grants; false when it did not exist */
  removeAccount(id: string): Promise<boolean>;
  /** StoreNotFoundError when the account does not exist */
  rotateAccountKey(id: string, apiKey: string, secretSealed: string): Promise<void>;
  /**
   * Re-seals secrets in one transaction (a master key rotation): every account's secret and each of
   * `metaKeys` that is set is passed to `reseal`, and a changed value is written back. Other writers of
   * accounts and meta wait until it commits, so none slips a value sealed under the old key in between.
   * `reseal` is synchronous because SQLite's transactions cannot span an await; if it throws, nothing is
   * written.
   */
  resealSecrets(
    reseal: (sealed: string, owner: SealedValueOwner) => string,
    metaKeys: readonly string[],
  ): Promise<ResealResult>;

  addUser(name: string, admin: boolean): Promise<UserRecord>;
  getUser(id: string): Promise<UserRecord | null>;
  getUserByName(name: string): Promise<UserRecord | null>;
  listUsers(): Promise<UserRecord[]>;
  /**
   * Disables (or enables) the user: a disabled user's tokens and JWTs are refused. `changed` is false when
   * the user already was so (nothing written, caches stay warm); null when there is no such user.
   */
  setUserDisabled(name: string, disabled: boolean): Promise<{ user: UserRecord; changed: boolean } | null>;

  /** hash is the hex SHA-256 of the token's secret part; the secret itself is never stored */
  addToken(userId: string, hash: string): Promise<TokenRecord>;
  /** the token (revoked or not) and its user, or null */
  findTokenByHash(hash: string): Promise<{ token: TokenRecord; user: UserRecord } | null>;
  /** false when no such live token */
  revokeToken(tokenId: string): Promise<boolean>;
  /** the user's tokens, revoked ones included, oldest first */
  listTokens(userId: string): Promise<TokenRecord[]>;

  addTeam(name: string): Promise<void>;
  listTeams(): Promise<string[]>;
  /** StoreNotFoundError when team or user is missing; StoreConflictError when already a member */
  addMember(team: string, userName: string): Promise<void>;
  /** false when not a member */
  removeMember(team: string, userName: string): Promise<boolean>;
  teamsOfUser(userId: string): Promise<string[]>;
  /** every membership, by team then user name */
  listMemberships(): Promise<MembershipRecord[]>;
  /** replaces the team's role on the account; StoreNotFoundError when team or account is missing */
  grant(team: string, accountId: string, role: Role): Promise<void>;
  /** false when there was no grant */
  revoke(team: string, accountId: string): Promise<boolean>;
  /** every grant reaching the user through their teams */
  grantsOfUser(userId: string): Promise<GrantRecord[]>;
  listGrants(): Promise<GrantRecord[]>;

  /**
   * A counter bumped by every change to users, tokens, teams, memberships, grants and accounts.
   * Caches poll it to invalidate within a second, across processes sharing the database.
   */
  authVersion(): Promise<number>;

  auditBegin(e: AuditBegin): Promise<number>;
  /**
   * Writes the outcome. StoreNotFoundError when no such record. A later completion replaces an earlier
   * one, so a request's own (late) completion wins over reconciliation's guess.
   */
  auditComplete(id: number, c: AuditCompletion): Promise<void>;
  /**
   * Writes the outcome only if the record is still PENDING, in one conditional UPDATE: true when this
   * call settled it, false when it was settled already (by its own request or by another replica's
   * reconciliation) or does not exist. Reconciliation settles through this, so that replicas sweeping
   * the same database concurrently settle each record exactly once and never overwrite each other.
   */
  auditSettle(id: number, c: AuditCompletion): Promise<boolean>;
  /** newest first */
  listAudit(q: AuditQuery): Promise<AuditRecord[]>;
  /** PENDING records, oldest first (reconciliation, the pending-records gauge) */
  pendingAudit(): Promise<AuditRecord[]>;
}
