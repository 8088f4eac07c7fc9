/**
 * Domain types shared by every layer. They carry exact values: decimals are strings in plain notation,
 * 64-bit integers are bigint. Nothing here touches I/O.
 */

export type Role = "viewer" | "trader" | "admin";
export const ROLES: readonly Role[] = ["viewer", "trader", "admin"];
const ROLE_RANK: Record<Role, number> = { viewer: 1, trader: 2, admin: 3 };

export function roleAtLeast(have: Role | undefined, need: Role): boolean {
  return have !== undefined && ROLE_RANK[have] >= ROLE_RANK[need];
}

export function highestRole(roles: Iterable<Role>): Role | undefined {
  let best: Role | undefined;
  for (const r of roles) if (best === undefined || ROLE_RANK[r] > ROLE_RANK[best]) best = r;
  return best;
}

/** The options venues the gateway speaks to; each account belongs to one. */
export type Venue = "binance" | "deribit" | "okx" | "bybit";
export const VENUES: readonly Venue[] = ["binance", "deribit", "okx", "bybit"];

export type KeyType = "hmac" | "ed25519" | "rsa";
export const KEY_TYPES: readonly KeyType[] = ["hmac", "ed25519", "rsa"];

/**
 * The configuration of MMP for one underlying (the venue's scope key), exactly as the venue reports
 * it, in the gateway's units (milliseconds). A venue without a field leaves it null; Binance always
 * has qtyLimit and deltaLimit.
 */
export interface MmpConfig {
  /** absent: binance (the venue the gateway started with) */
  venue?: Venue;
  /** Binance's numeric id of the underlying; 0 on venues that have none */
  underlyingId: number;
  underlying: string;
  windowTimeInMilliseconds: number;
  frozenTimeInMilliseconds: bigint;
  /** plain-notation decimal string, as the venue sent it; null where the venue holds none (Deribit) */
  qtyLimit: string | null;
  /** null where the venue holds none (OKX has no delta limit; optional on Deribit) */
  deltaLimit: string | null;
  /** Deribit and Bybit; absent or null elsewhere */
  vegaLimit?: string | null;
  /** Deribit only */
  maxQuoteQuantity?: string | null;
  /**
   * epoch ms; 0 = never triggered. Venues that report no trigger time (Deribit, OKX, Bybit) give the
   * start of the freeze in force when it is timed (frozenUntil − frozenTime), else 0.
   */
  lastTriggerTime: bigint;
  /**
   * The freeze as the venue itself reports it (Deribit, OKX, Bybit); absent for Binance, whose freeze
   * is derived from lastTriggerTime. frozenUntil: epoch ms, null = until a manual reset.
   */
  venueFreeze?: { frozen: boolean; frozenUntil: bigint | null };
}

/** What a caller asks a venue to apply. Already validated against the venue's rules. */
export interface MmpSettings {
  underlying: string;
  windowTimeInMilliseconds: number;
  frozenTimeInMilliseconds: bigint;
  qtyLimit: string;
  /** required on Binance and Bybit; refused on OKX */
  deltaLimit?: string;
  /** Deribit and Bybit */
  vegaLimit?: string;
  /** Deribit (required there) */
  maxQuoteQuantity?: string;
}

/** An exchange account with its secret decrypted; lives only in memory. */
export interface ExchangeCredentials {
  accountId: string;
  /** absent: binance */
  venue?: Venue;
  apiKey: string;
  keyType: KeyType;
  /** HMAC secret, or PKCS#8 PEM private key for ed25519/rsa */
  secret: string;
  /** OKX only: the API key's passphrase */
  passphrase?: string;
  /** base URL of the exchange REST API, e.g. https://eapi.binance.com */
  baseUrl: string;
  /**
   * The request these credentials were handed out for (AccountAuthorizer copies the principal's), so
   * that the exchange client's log lines name it; absent outside requests (reconciliation).
   */
  requestId?: string;
}

/** Who is calling, resolved from a bearer token. */
export interface Principal {
  /**
   * The request being served, on the per-request copy the GraphQL context hands to resolvers (the
   * authenticators' principals are cached and shared): log lines written for it carry this id.
   */
  requestId?: string;
  userId: string;
  userName: string;
  admin: boolean;
  /** highest role per account id over the user's teams */
  roles: ReadonlyMap<string, Role>;
  tokenId: string;
  /**
   * The teams the roles came from, by name, when the authenticator knows them: stored memberships, plus
   * (OIDC) the groups naming existing teams. Absent: read the stored memberships.
   */
  teams?: readonly string[];
}

export type AuditAction =
  | "SET_MMP"
  | "RESET_MMP"
  | "SET_KILL_SWITCH"
  | "KILL_SWITCH_HEARTBEAT"
  | "MMP_TRIGGERED"
  | "MMP_CHANGED_OUTSIDE_GATEWAY"
  | "ACCOUNT_ADD"
  | "ACCOUNT_REMOVE"
  | "ACCOUNT_ROTATE_KEY"
  | "USER_ADD"
  | "USER_DISABLE"
  | "USER_ENABLE"
  | "TOKEN_CREATE"
  | "TOKEN_REVOKE"
  | "TEAM_ADD"
  | "TEAM_MEMBER_ADD"
  | "TEAM_MEMBER_REMOVE"
  | "GRANT"
  | "REVOKE";

/**
 * PENDING: written before the exchange call, not yet completed (a crash leaves it so).
 * SUCCEEDED / REJECTED: the exchange answered. UNKNOWN: it may have been applied.
 * FAILED: the request never reached the exchange (connection refused, local rate limit, bad input).
 */
export type AuditOutcome = "PENDING" | "SUCCEEDED" | "REJECTED" | "UNKNOWN" | "FAILED";
