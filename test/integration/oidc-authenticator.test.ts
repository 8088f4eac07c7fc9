/**
 * The OIDC authenticator against a real SQLite store and a provider on 127.0.0.1: caching and its
 * limits, where keys come from, and which failures are the caller's (401) and which are not.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OidcAuthenticator, type OidcAuthenticatorOptions } from "../../src/auth/oidc/oidc-authenticator";
import { ChangeWatcher } from "../../src/cache/change-watcher";
import type { OidcConfig } from "../../src/config";
import { isGatewayError } from "../../src/errors";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store";
import { startIdentityProvider, type TestIdentityProvider } from "../helpers/oidc-provider";

let dir: string;
let store: SqliteStore;
let watcher: ChangeWatcher;
let idp: TestIdentityProvider;
const silent = { info: () => undefined, debug: () => undefined };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mmp-oidc-test-"));
  store = new SqliteStore(join(dir, "gateway.sqlite"));
  await store.migrate();
  await store.addUser("alice", false);
  await store.addTeam("desk-a");
  await store.addAccount({ id: "acc-a", apiKey: "k", keyType: "hmac", baseUrl: null, secretSealed: "x" });
  await store.grant("desk-a", "acc-a", "trader");
  await store.addMember("desk-a", "alice");
  watcher = new ChangeWatcher(store, 60_000);
  await watcher.start();
  idp = await startIdentityProvider();
});

afterAll(async () => {
  watcher.stop();
  await idp.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function authenticator(config: Partial<OidcConfig> = {}, opts: Partial<OidcAuthenticatorOptions> = {}) {
  return new OidcAuthenticator({
    config: {
      issuer: idp.issuer,
      audience: [idp.audience],
      jwksUrl: undefined,
      userClaim: "sub",
      groupsClaim: "groups",
      autoCreateUsers: false,
      maxTokenLifetimeSeconds: 12 * 3600,
      allowedGroups: undefined,
      ...config,
    },
    store,
    watcher,
    logger: silent,
    ...opts,
  });
}

/** a port nothing listens on */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("OidcAuthenticator", () => {
  it("keeps a verified principal until the token would stop verifying, then refuses it", async () => {
    const start = Date.now();
    let clock = start;
    const auth = authenticator({}, { now: () => clock, clockToleranceSeconds: 30 });
    const exp = Math.floor(start / 1000) + 60;
    const token = await idp.sign({ sub: "alice", exp });

    const first = await auth.authenticateJwt(token);
    expect(first.roles.get("acc-a")).toBe("trader");

    const lookups = jest.spyOn(store, "getUserByName");
    try {
      clock = (exp + 29) * 1000; // expired, but within the clock tolerance: still the cached principal
      expect(await auth.authenticateJwt(token)).toBe(first);
      expect(lookups).not.toHaveBeenCalled();

      clock = (exp + 31) * 1000;
      await expect(auth.authenticateJwt(token)).rejects.toMatchObject({
        extensions: { code: "UNAUTHENTICATED" },
        message: expect.stringContaining('"exp"'),
      });
    } finally {
      lookups.mockRestore();
    }
  });

  it("re-reads users, teams and grants after any auth change", async () => {
    const auth = authenticator();
    const token = await idp.sign({ sub: "alice", groups: ["late"] });
    expect((await auth.authenticateJwt(token)).roles.get("acc-a")).toBe("trader");

    await store.addTeam("late");
    await store.grant("late", "acc-a", "admin");
    await watcher.poll();
    expect((await auth.authenticateJwt(token)).roles.get("acc-a")).toBe("admin");
  });

  it("lists the stored teams plus the groups that name gateway teams, and no other group", async () => {
    await store.addTeam("by-group");
    await watcher.poll();
    const p = await authenticator().authenticateJwt(
      await idp.sign({ sub: "alice", groups: ["by-group", "desk-a", "provider-only"] }),
    );
    expect(p.teams).toEqual(["by-group", "desk-a"]);
  });

  it("takes the user from OIDC_USER_CLAIM and accepts a single-string groups claim", async () => {
    const auth = authenticator({ userClaim: "preferred_username", groupsClaim: "team" });
    const p = await auth.authenticateJwt(
      await idp.sign({ sub: "9b2f-uuid", preferred_username: "alice", team: "desk-a" }),
    );
    expect(p).toMatchObject({ userName: "alice", admin: false });
    expect(p.tokenId).toMatch(/^oidc:[0-9a-f]{16}$/);
  });

  it("uses OIDC_JWKS_URL as given, without discovery", async () => {
    const before = idp.requests.length;
    const auth = authenticator({ jwksUrl: idp.jwksUrl });
    await auth.authenticateJwt(await idp.sign({ sub: "alice" }));
    expect(idp.requests.slice(before)).toEqual(["/jwks"]);
  });

  it("refuses a discovery document that names another issuer", async () => {
    // The same discovery URL (trailing slashes are dropped to build it), but the document's issuer differs.
    const auth = authenticator({ issuer: `${idp.issuer}/` });
    await expect(auth.warmUp()).rejects.toThrow(/names the issuer .* not OIDC_ISSUER/);
  });

  it("treats an unreachable provider as a gateway fault (500), not the caller's (401)", async () => {
    const token = await idp.sign({ sub: "alice" });
    for (const config of [
      { issuer: `http://127.0.0.1:${await closedPort()}` },
      { jwksUrl: `http://127.0.0.1:${await closedPort()}/jwks` },
    ]) {
      const error = await authenticator(config)
        .authenticateJwt(token)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      // (fetch's errors come from another realm than jest's, hence no toBeInstanceOf(Error))
      expect(error).toHaveProperty("message");
      expect(isGatewayError(error)).toBe(false);
    }
  });

  it("refuses an absurdly long token before parsing it", async () => {
    const huge = `${"a".repeat(20_000)}.b.c`;
    await expect(authenticator().authenticateJwt(huge)).rejects.toMatchObject({
      extensions: { code: "UNAUTHENTICATED" },
    });
  });
});
