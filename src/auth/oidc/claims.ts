/**
 * What the gateway takes from a verified token's claims: who the user is and which groups they are in.
 */
import type { JWTPayload } from "jose";

/** The rule for gateway user names (as `mmp-gateway user add` enforces), so a claim maps to a user. */
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** bounds the work a token with a huge groups claim can cause */
const MAX_GROUPS = 1000;

export type UserNameClaim = { ok: true; name: string } | { ok: false; reason: string };

export function userNameFrom(payload: JWTPayload, claim: string): UserNameClaim {
  const value = payload[claim];
  if (typeof value !== "string" || value === "")
    return { ok: false, reason: `the token has no '${claim}' claim` };
  if (!USER_NAME.test(value)) {
    return {
      ok: false,
      reason: `the token's '${claim}' claim is not a valid gateway user name (letters, digits, '.', '_', '-'; at most 64)`,
    };
  }
  return { ok: true, name: value };
}

/**
 * How long the token is valid for, in seconds: from its `iat` (or now, when it has none or claims a
 * later one) to its `exp`. verify() already required `exp`.
 */
export function tokenLifetimeSeconds(payload: JWTPayload, nowSeconds: number): number {
  const issued = typeof payload.iat === "number" ? Math.min(payload.iat, nowSeconds) : nowSeconds;
  return (payload.exp ?? nowSeconds) - issued;
}

/** A list of strings, or one string (some providers send a single group that way); anything else: none. */
export function groupsFrom(payload: JWTPayload, claim: string | undefined): string[] {
  if (claim === undefined) return [];
  const value = payload[claim];
  if (typeof value === "string") return [value];
  if (!Array.isArray(value)) return [];
  return value.filter((g): g is string => typeof g === "string").slice(0, MAX_GROUPS);
}
