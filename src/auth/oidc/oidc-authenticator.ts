/**
 * Sign-in with JWTs issued by an OpenID Connect provider (Keycloak, Entra ID, Okta, Auth0, Dex…).
 *
 * What is checked, and why:
 * - The signature, against the provider's published key set (JWKS), fetched over https and cached by
 *   jose; an unknown `kid` triggers at most one re-fetch per cooldown, which is how the provider's key
 *   rotation is picked up without letting a stream of forged tokens hammer it.
 * - The algorithm, against an allowlist of asymmetric ones. `none` would accept an unsigned token, and the
 *   HMAC family would let anyone who knows the provider's *public* key (everybody) sign with it as a
 *   shared secret; neither can be configured.
 * - `iss` (exactly OIDC_ISSUER), `aud` (one of OIDC_AUDIENCE), `exp` (required), `nbf`, with a small
 *   clock tolerance for skew between the provider and us.
 * Only then are claims trusted: the user claim names a gateway user (created on first sign-in only when
 * OIDC_AUTO_CREATE_USERS=true, and never as an admin); the groups claim adds team memberships for groups
 * that name gateway teams. Which accounts a user may act on is still decided by the gateway's grants.
 *
 * A verified token's principal is cached until the token expires or any user, team, membership or grant
 * changes (ChangeWatcher), so a warm request costs a SHA-256 and a Map lookup: no signature check and no
 * database round trip.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from "jose";
import type { OidcConfig } from "../../config";
import type { Principal } from "../../domain";
import { unauthenticated } from "../../errors";
import type { ChangeWatcher } from "../../cache/change-watcher";
import { StoreConflictError, type GrantRecord, type Store, type UserRecord } from "../../store/port";
import type { Authenticator } from "../auth.types";
import { bearerCredential } from "../bearer";
import type { JwtAuthenticator } from "../composite-authenticator";
import { rolesFromGrants } from "../roles";
import { CredentialCache } from "../credential-cache";
import { hashToken } from "../tokens";
import { groupsFrom, tokenLifetimeSeconds, userNameFrom } from "./claims";
import { resolveJwksUrl } from "./discovery";

/** Asymmetric JWS algorithms only: see the module comment for why `none` and HS* are not here. */
export const OIDC_ALGORITHMS: readonly string[] = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
];
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
/** Real ID and access tokens are a few KB; anything far larger is refused before any parsing. */
const MAX_JWT_LENGTH = 16 * 1024;
/** a failed discovery is remembered this long, so an unreachable provider is not asked on every request */
const DISCOVERY_RETRY_MS = 5_000;

type Logger = { info(obj: object, msg: string): void; debug(obj: object, msg: string): void };
type KeySet = ReturnType<typeof createRemoteJWKSet>;
interface ResolvedKeySet {
  url: URL;
  keySet: KeySet;
}

export interface OidcAuthenticatorOptions {
  config: OidcConfig;
  store: Store;
  watcher: ChangeWatcher;
  logger: Logger;
  /** the clock for `exp`/`nbf` and cache expiry (tests) */
  now?: () => number;
  clockToleranceSeconds?: number;
  /** jose's remote key set settings (defaults: 5 s timeout, 30 s cooldown, 10 min max age) */
  keySet?: { timeoutMs?: number; cooldownMs?: number; cacheMaxAgeMs?: number };
}

interface TeamIndex {
  teams: ReadonlySet<string>;
  grantsByTeam: ReadonlyMap<string, GrantRecord[]>;
}

interface CachedPrincipal {
  principal: Principal;
  /** epoch ms after which the token would no longer verify */
  expiresAt: number;
}

/** jose errors that mean "this token is not acceptable", as opposed to "the provider could not be asked". */
const TOKEN_FAULTS = [
  errors.JWTExpired,
  errors.JWTClaimValidationFailed,
  errors.JWTInvalid,
  errors.JWSInvalid,
  errors.JWSSignatureVerificationFailed,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
  errors.JWKSNoMatchingKey,
  errors.JWKSMultipleMatchingKeys,
];

export class OidcAuthenticator implements Authenticator, JwtAuthenticator {
  private readonly cache: CredentialCache<CachedPrincipal>;
  private inflight = new Map<string, Promise<CachedPrincipal>>();
  private generation = 0;
  private teamIndexLoad: Promise<TeamIndex> | undefined;
  private keySet: Promise<ResolvedKeySet> | undefined;
  private readonly now: () => number;
  private readonly clockTolerance: number;

  constructor(private readonly opts: OidcAuthenticatorOptions) {
    this.now = opts.now ?? Date.now;
    this.clockTolerance = opts.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
    // Each entry gets its token's remaining lifetime as TTL (load); the default is never used alone.
    this.cache = new CredentialCache({ ttlMs: 60_000, now: this.now });
    opts.watcher.onChange(() => this.invalidate());
  }

  invalidate(): void {
    this.cache.clear();
    this.inflight = new Map();
    this.teamIndexLoad = undefined;
    this.generation++;
  }

  /** Resolves the key set's URL now (discovery), so that a misconfiguration shows at start-up. */
  async warmUp(): Promise<URL> {
    return (await this.keys()).url;
  }

  authenticate(authorizationHeader: string | undefined, requestId?: string): Promise<Principal> {
    return this.authenticateJwt(bearerCredential(authorizationHeader), requestId);
  }

  /** `requestId` names the request in what is logged; a load shared by several names the first. */
  async authenticateJwt(jwt: string, requestId?: string): Promise<Principal> {
    if (jwt.length > MAX_JWT_LENGTH) throw unauthenticated("Invalid token: too long");
    const key = hashToken(jwt);
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      if (hit.expiresAt > this.now()) return hit.principal;
      this.cache.delete(key);
    }
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.load(jwt, key, this.generation, requestId);
      this.inflight.set(key, pending);
    }
    return (await pending).principal;
  }

  private async load(
    jwt: string,
    key: string,
    generation: number,
    requestId: string | undefined,
  ): Promise<CachedPrincipal> {
    try {
      const payload = await this.verify(jwt, requestId);
      this.checkLifetime(payload, requestId);
      const user = await this.userFor(payload, requestId);
      const teams = new Set(await this.opts.store.teamsOfUser(user.id));
      const index = await this.teamIndex();
      // A group counts only when it names a gateway team, so `me.teams` never lists the provider's other
      // groups (which may be many, and are the provider's business), and, with OIDC_ALLOWED_GROUPS, only
      // when listed there: the provider's group names are otherwise trusted wholesale.
      const allowed = this.opts.config.allowedGroups;
      for (const group of groupsFrom(payload, this.opts.config.groupsClaim)) {
        if (index.teams.has(group) && (allowed === undefined || allowed.includes(group))) teams.add(group);
      }
      const principal: Principal = {
        userId: user.id,
        userName: user.name,
        admin: user.admin,
        roles: rolesFromGrants([...teams].flatMap((t) => index.grantsByTeam.get(t) ?? [])),
        // Names the credential in logs without being usable as one.
        tokenId: `oidc:${key.slice(0, 16)}`,
        teams: [...teams].sort(),
      };
      // verify() required `exp`; the entry lives exactly as long as the token would still verify.
      const cached = { principal, expiresAt: (payload.exp! + this.clockTolerance) * 1000 };
      // A change seen while loading makes this result possibly stale: use it once, do not cache it.
      if (generation === this.generation) this.cache.set(key, cached, cached.expiresAt - this.now());
      return cached;
    } finally {
      if (generation === this.generation) this.inflight.delete(key);
    }
  }

  private checkLifetime(payload: JWTPayload, requestId: string | undefined): void {
    const max = this.opts.config.maxTokenLifetimeSeconds;
    const lifetime = tokenLifetimeSeconds(payload, Math.floor(this.now() / 1000));
    if (lifetime > max) {
      const reason = `valid for ${lifetime} s, longer than the ${max} s OIDC_MAX_TOKEN_LIFETIME allows`;
      this.opts.logger.debug({ requestId, reason }, "OIDC token refused");
      throw unauthenticated(`Invalid token: ${reason}`);
    }
  }

  private async verify(jwt: string, requestId: string | undefined): Promise<JWTPayload> {
    const { keySet } = await this.keys();
    const { config } = this.opts;
    try {
      const { payload } = await jwtVerify(jwt, keySet, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: [...OIDC_ALGORITHMS],
        clockTolerance: this.clockTolerance,
        requiredClaims: ["exp"],
        currentDate: new Date(this.now()),
      });
      return payload;
    } catch (e) {
      if (TOKEN_FAULTS.some((fault) => e instanceof fault)) {
        const reason = (e as Error).message;
        this.opts.logger.debug({ requestId, reason }, "OIDC token refused");
        throw unauthenticated(`Invalid token: ${reason}`);
      }
      // The provider could not be asked for its keys: not the caller's fault, so not a 401.
      throw e;
    }
  }

  private async userFor(payload: JWTPayload, requestId: string | undefined): Promise<UserRecord> {
    const { config, store } = this.opts;
    const who = userNameFrom(payload, config.userClaim);
    if (!who.ok) throw unauthenticated(`Token accepted, but ${who.reason}`);
    let user = await store.getUserByName(who.name);
    if (user === null) {
      if (!config.autoCreateUsers) {
        throw unauthenticated(
          `No gateway user is named '${who.name}' (the token's '${config.userClaim}' claim); ask an admin to add it`,
        );
      }
      user = await this.createUser(who.name, requestId);
    }
    if (user.disabled) throw unauthenticated("This gateway user is disabled");
    return user;
  }

  private async createUser(name: string, requestId: string | undefined): Promise<UserRecord> {
    const { store, config, logger } = this.opts;
    let user: UserRecord;
    try {
      user = await store.addUser(name, false);
    } catch (e) {
      // Another request or replica created it first.
      if (!(e instanceof StoreConflictError)) throw e;
      const existing = await store.getUserByName(name);
      if (existing === null) throw e;
      return existing;
    }
    const auditId = await store.auditBegin({
      actorId: user.id,
      accountId: null,
      action: "USER_ADD",
      input: JSON.stringify({ name, admin: false, via: "oidc", issuer: config.issuer }),
    });
    await store.auditComplete(auditId, { outcome: "SUCCEEDED", durationMs: 0 });
    logger.info({ requestId, user: name }, "created a gateway user on first OIDC sign-in");
    return user;
  }

  /** Every team and every grant by team, loaded once per auth version and shared by all tokens' principals. */
  private teamIndex(): Promise<TeamIndex> {
    let pending = this.teamIndexLoad;
    if (pending === undefined) {
      const { store } = this.opts;
      const loading = Promise.all([store.listTeams(), store.listGrants()]).then(([names, grants]) => {
        const grantsByTeam = new Map<string, GrantRecord[]>();
        for (const g of grants) grantsByTeam.set(g.team, [...(grantsByTeam.get(g.team) ?? []), g]);
        return { teams: new Set(names), grantsByTeam };
      });
      loading.catch(() => {
        if (this.teamIndexLoad === loading) this.teamIndexLoad = undefined;
      });
      this.teamIndexLoad = pending = loading;
    }
    return pending;
  }

  private keys(): Promise<ResolvedKeySet> {
    let pending = this.keySet;
    if (pending === undefined) {
      const { config } = this.opts;
      const settings = this.opts.keySet ?? {};
      const resolving = resolveJwksUrl(config.issuer, config.jwksUrl, { timeoutMs: settings.timeoutMs }).then(
        (url) => ({
          url,
          keySet: createRemoteJWKSet(url, {
            timeoutDuration: settings.timeoutMs,
            cooldownDuration: settings.cooldownMs,
            cacheMaxAge: settings.cacheMaxAgeMs,
          }),
        }),
      );
      resolving.catch(() => {
        const retry = setTimeout(() => {
          if (this.keySet === resolving) this.keySet = undefined;
        }, DISCOVERY_RETRY_MS);
        retry.unref();
      });
      this.keySet = pending = resolving;
    }
    return pending;
  }
}
