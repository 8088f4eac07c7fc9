/**
 * Bearer-token authentication with an in-memory cache (credential-cache.ts), so a warm request costs one
 * SHA-256 and a cache lookup and no database round trip. The cache is dropped whenever the store's auth
 * version changes (ChangeWatcher polls it several times a second), which is how a revoked token, a
 * disabled user or a changed grant takes effect within a second, in this process and in any other on
 * the same database.
 */
import type { Principal } from "../domain";
import { unauthenticated } from "../errors";
import type { ChangeWatcher } from "../cache/change-watcher";
import type { Store } from "../store/port";
import type { Authenticator } from "./auth.types";
import { CredentialCache } from "./credential-cache";
import { rolesFromGrants } from "./roles";
import { hashesEqual, hashToken, looksLikeToken } from "./tokens";

const BEARER = /^Bearer ([^\s]+)$/i;
/** a backstop only: changes reach the cache through the watcher within a second */
const TOKEN_TTL_MS = 60_000;

export class TokenAuthenticator implements Authenticator {
  private readonly cache = new CredentialCache<Principal>({ ttlMs: TOKEN_TTL_MS });
  private inflight = new Map<string, Promise<Principal | null>>();
  private generation = 0;

  constructor(
    private readonly store: Store,
    watcher: ChangeWatcher,
  ) {
    watcher.onChange(() => this.invalidate());
  }

  invalidate(): void {
    this.cache.clear();
    this.inflight = new Map();
    this.generation++;
  }

  async authenticate(authorizationHeader: string | undefined): Promise<Principal> {
    if (!authorizationHeader) throw unauthenticated();
    const m = BEARER.exec(authorizationHeader.trim());
    if (!m) throw unauthenticated("Malformed Authorization header: expected 'Bearer <token>'");
    const token = m[1]!;
    if (!looksLikeToken(token)) throw unauthenticated("Invalid or revoked token");
    const hash = hashToken(token);
    const cached = this.cache.get(hash);
    if (cached) return cached;
    if (this.cache.isRefused(hash)) throw unauthenticated("Invalid or revoked token");
    let pending = this.inflight.get(hash);
    if (!pending) {
      pending = this.load(hash, this.generation);
      this.inflight.set(hash, pending);
    }
    const principal = await pending;
    if (!principal) throw unauthenticated("Invalid or revoked token");
    return principal;
  }

  private async load(hash: string, generation: number): Promise<Principal | null> {
    try {
      const found = await this.store.findTokenByHash(hash);
      // The lookup is by hash, but compare again in constant time so correctness never rests on the
      // database's string comparison.
      if (!found || !hashesEqual(hash, found.token.hash) || found.token.revokedAt || found.user.disabled) {
        if (generation === this.generation) this.cache.refuse(hash);
        return null;
      }
      // Teams ride along with the roles so that `me.teams` is served from the same cache entry.
      const [grants, teams] = await Promise.all([
        this.store.grantsOfUser(found.user.id),
        this.store.teamsOfUser(found.user.id),
      ]);
      const principal: Principal = {
        userId: found.user.id,
        userName: found.user.name,
        admin: found.user.admin,
        roles: rolesFromGrants(grants),
        tokenId: found.token.id,
        teams,
      };
      // A change seen while loading makes this result possibly stale: use it once, do not cache it.
      if (generation === this.generation) this.cache.set(hash, principal);
      return principal;
    } finally {
      if (generation === this.generation) this.inflight.delete(hash);
    }
  }
}
