/**
 * The authenticators' caches under a flood of credentials: a user's warm entry survives, and refusals
 * are remembered only briefly and apart.
 */
import { ChangeWatcher } from "../../src/cache/change-watcher";
import { CREDENTIAL_CACHE_MAX, CredentialCache, REFUSAL_TTL_MS } from "../../src/auth/credential-cache";
import { TokenAuthenticator } from "../../src/auth/token-authenticator";
import { generateToken } from "../../src/auth/tokens";
import type { Store } from "../../src/store/port";

/** A store in which every token is valid, except those listed as revoked. */
function tokenStore(revoked: ReadonlySet<string> = new Set()) {
  const lookups = new Map<string, number>();
  const store = {
    async findTokenByHash(hash: string) {
      lookups.set(hash, (lookups.get(hash) ?? 0) + 1);
      return {
        token: { id: hash.slice(0, 8), userId: "u1", hash, createdAt: new Date(0), revokedAt: null },
        user: { id: "u1", name: "alice", admin: false, disabled: revoked.has(hash), createdAt: new Date(0) },
      };
    },
    grantsOfUser: async () => [],
    teamsOfUser: async () => [],
    authVersion: async () => 1,
  };
  return { store: store as unknown as Store, lookups };
}

describe("TokenAuthenticator under a flood of valid tokens", () => {
  it("keeps a user's warm token cached while more tokens than the cache holds go by", async () => {
    const { store, lookups } = tokenStore();
    const watcher = new ChangeWatcher(store);
    const auth = new TokenAuthenticator(store, watcher);
    const victim = generateToken();
    await auth.authenticate(`Bearer ${victim.token}`);
    for (let i = 0; i < CREDENTIAL_CACHE_MAX + 10; i++) {
      await auth.authenticate(`Bearer ${generateToken().token}`);
      // the victim keeps working meanwhile, as a busy desk's script does
      if (i % 500 === 0) await auth.authenticate(`Bearer ${victim.token}`);
    }
    await auth.authenticate(`Bearer ${victim.token}`);
    expect(lookups.get(victim.hash)).toBe(1);
  });

  it("remembers a refused token only briefly, and forgets it at once on a change", async () => {
    const revokedToken = generateToken();
    const { store, lookups } = tokenStore(new Set([revokedToken.hash]));
    const watcher = new ChangeWatcher(store);
    const auth = new TokenAuthenticator(store, watcher);
    for (let i = 0; i < 3; i++) {
      await expect(auth.authenticate(`Bearer ${revokedToken.token}`)).rejects.toMatchObject({
        extensions: { code: "UNAUTHENTICATED" },
      });
    }
    expect(lookups.get(revokedToken.hash)).toBe(1);
    auth.invalidate();
    await expect(auth.authenticate(`Bearer ${revokedToken.token}`)).rejects.toThrow();
    expect(lookups.get(revokedToken.hash)).toBe(2);
  });
});

describe("CredentialCache", () => {
  it("expires entries at their own TTL and refusals after a short one", () => {
    let now = 1_000_000;
    const cache = new CredentialCache<{ v: number }>({ ttlMs: 60_000, now: () => now });
    cache.set("a", { v: 1 }, 5_000);
    cache.set("b", { v: 2 });
    cache.refuse("c");
    now += REFUSAL_TTL_MS + 1;
    expect(cache.isRefused("c")).toBe(false);
    now += 5_000;
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("b")).toEqual({ v: 2 });
  });

  it("lets refusals push out only other refusals", () => {
    const cache = new CredentialCache<{ v: number }>({ ttlMs: 60_000, max: 10 });
    cache.set("warm", { v: 1 });
    for (let i = 0; i < 100; i++) cache.refuse(`spray-${i}`);
    expect(cache.get("warm")).toEqual({ v: 1 });
  });
});
