/**
 * Signing in with a JWT from an OpenID Connect provider, end to end: a provider on 127.0.0.1 publishes
 * its keys; the gateway discovers them, verifies tokens, maps them to users and teams, and the request
 * reaches the exchange simulator only when everything checks out.
 */
import { startGateway, type Gateway } from "../../src/app";
import type { OidcConfig } from "../../src/config";
import { startHarness, type Harness } from "../helpers/harness";
import { startIdentityProvider, type TestIdentityProvider } from "../helpers/oidc-provider";

const SET = `mutation Set($input: SetMmpConfigInput!) {
  setMmpConfig(input: $input) { accountId qtyLimit deltaLimit }
}`;
const ME = "{ me { name admin } }";

const valid = {
  accountId: "desk-a",
  underlying: "BTCUSDT",
  windowTimeInMilliseconds: 3000,
  frozenTimeInMilliseconds: 300000,
  qtyLimit: "2",
  deltaLimit: "2.3",
};

let idp: TestIdentityProvider;
let h: Harness;

function oidcConfig(overrides: Partial<OidcConfig> = {}): OidcConfig {
  return {
    issuer: idp.issuer,
    audience: [idp.audience],
    jwksUrl: undefined,
    userClaim: "sub",
    groupsClaim: "groups",
    autoCreateUsers: false,
    maxTokenLifetimeSeconds: 12 * 3600,
    allowedGroups: undefined,
    ...overrides,
  };
}

beforeAll(async () => {
  idp = await startIdentityProvider();
  h = await startHarness({ config: { oidc: oidcConfig() } });
});
afterAll(async () => {
  await h?.stop();
  await idp?.stop();
});
beforeEach(() => h.sim.clearRequests());

const mmpSetRequests = () => h.sim.requests.filter((r) => r.path === "/eapi/v1/mmpSet");
const now = () => Math.floor(Date.now() / 1000);

describe("OIDC sign-in", () => {
  it("lets a valid token set MMP end to end, found through the provider's discovery document", async () => {
    const token = await idp.sign({ sub: "alice" });
    const res = await h.gql(token, SET, { input: valid });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({
      setMmpConfig: { accountId: "desk-a", qtyLimit: "2", deltaLimit: "2.3" },
    });
    expect(mmpSetRequests()).toHaveLength(1);
    expect(idp.requests).toEqual(expect.arrayContaining(["/.well-known/openid-configuration", "/jwks"]));
    const [audit] = await h.gateway.store.listAudit({ accountIds: ["desk-a"], limit: 1 });
    expect(audit).toMatchObject({ action: "SET_MMP", actorName: "alice", outcome: "SUCCEEDED" });
  });

  it("keeps API tokens working beside it", async () => {
    const res = await h.gql(h.tokens.alice, ME);
    expect(res.body.data).toEqual({ me: { name: "alice", admin: false } });
  });

  const refused: [string, () => Promise<string> | string][] = [
    ["an expired token", () => idp.sign({ sub: "alice", iat: now() - 600, exp: now() - 120 })],
    ["a token not valid yet", () => idp.sign({ sub: "alice", nbf: now() + 600 })],
    ["a token without exp", () => idp.sign({ sub: "alice", exp: undefined })],
    ["a token for another audience", () => idp.sign({ sub: "alice", aud: "another-api" })],
    ["a token from another issuer", () => idp.sign({ sub: "alice", iss: "https://idp.example.com" })],
    [
      "a token signed by an unknown key under the provider's kid",
      () => idp.signWithUnknownKey({ sub: "alice" }),
    ],
    [
      "a token signed by an unknown key with its own kid",
      () => idp.signWithUnknownKey({ sub: "alice" }, "k9"),
    ],
    ["an unsigned token (alg: none)", () => idp.unsigned({ sub: "alice" })],
    ["HS256 signed with the provider's public key", () => idp.signHs256WithPublicKey({ sub: "alice" })],
    [
      "a valid token with an altered payload",
      async () => {
        const [header, , signature] = (await idp.sign({ sub: "bob" })).split(".");
        const payload = Buffer.from(
          JSON.stringify({ iss: idp.issuer, aud: idp.audience, sub: "alice", exp: now() + 300 }),
        ).toString("base64url");
        return `${header}.${payload}.${signature}`;
      },
    ],
    ["a token for a user the gateway does not know", () => idp.sign({ sub: "mallory" })],
    ["a token whose user claim is not a user name", () => idp.sign({ sub: "auth0|alice" })],
    ["a token without the user claim", () => idp.sign({ sub: undefined })],
    [
      "a token valid for longer than OIDC_MAX_TOKEN_LIFETIME (12 h)",
      () => idp.sign({ sub: "alice", iat: now(), exp: now() + 12 * 3600 + 60 }),
    ],
    [
      "a long-lived token without iat",
      () => idp.sign({ sub: "alice", iat: undefined, exp: now() + 30 * 24 * 3600 }),
    ],
    [
      "a long-lived token whose iat claims the future",
      () => idp.sign({ sub: "alice", iat: now() + 29 * 24 * 3600, exp: now() + 30 * 24 * 3600 }),
    ],
  ];

  it.each(refused)("refuses %s with 401 UNAUTHENTICATED and sends nothing", async (_name, mint) => {
    const res = await h.gql(await mint(), SET, { input: valid });
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(mmpSetRequests()).toHaveLength(0);
  });

  it("grants the roles of teams named in the groups claim, ignoring groups that are not teams", async () => {
    // rita is only a viewer on desk-a through her own team; the group makes her a trader there
    const token = await idp.sign({ sub: "rita", groups: ["desk-a", "no-such-team"] });
    expect((await h.gql(token, SET, { input: valid })).body.errors).toBeUndefined();
    const other = await h.gql(token, SET, { input: { ...valid, accountId: "desk-b" } });
    expect(other.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const withoutGroups = await h.gql(await idp.sign({ sub: "rita" }), SET, { input: valid });
    expect(withoutGroups.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("lists in me.teams the teams its groups name beside the stored ones, and no other group", async () => {
    const token = await idp.sign({ sub: "rita", groups: ["desk-a", "no-such-team"] });
    const res = await h.gql<{ me: { teams: { name: string }[] } }>(token, "{ me { teams { name } } }");
    expect(res.body.data?.me.teams).toEqual([{ name: "desk-a" }, { name: "risk" }]);
  });

  it("serves a warm token from memory, with no database round trip", async () => {
    const token = await idp.sign({ sub: "bob", groups: ["risk"] });
    await h.gateway.refreshCaches();
    const store = h.gateway.store;
    const spies = [
      jest.spyOn(store, "getUserByName"),
      jest.spyOn(store, "teamsOfUser"),
      jest.spyOn(store, "listGrants"),
    ];
    try {
      expect((await h.gql(token, ME)).body.data).toEqual({ me: { name: "bob", admin: false } });
      expect(spies[0]).toHaveBeenCalledTimes(1);
      for (const spy of spies) spy.mockClear();
      for (let i = 0; i < 3; i++) expect((await h.gql(token, ME)).status).toBe(200);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it("applies a grant given to a group's team within a second, to an already signed-in token", async () => {
    const token = await idp.sign({ sub: "bob", groups: ["late-team"] });
    const before = await h.gql(token, SET, { input: valid });
    expect(before.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");

    await h.admin.addTeam("late-team");
    await h.admin.grant("late-team", "desk-a", "trader");
    const granted = Date.now();
    let res = await h.gql(token, SET, { input: valid });
    while (res.body.errors !== undefined && Date.now() - granted < 1000) {
      await new Promise((r) => setTimeout(r, 50));
      res = await h.gql(token, SET, { input: valid });
    }
    expect(res.body.errors).toBeUndefined();
  });

  it("accepts a token of exactly the longest lifetime", async () => {
    const token = await idp.sign({ sub: "alice", iat: now(), exp: now() + 12 * 3600 });
    expect((await h.gql(token, ME)).body.data).toEqual({ me: { name: "alice", admin: false } });
  });

  describe("with OIDC_ALLOWED_GROUPS", () => {
    let restricted: Gateway;

    beforeAll(async () => {
      restricted = await startGateway({
        config: { ...h.config, port: 0, oidc: oidcConfig({ allowedGroups: ["desk-b"] }) },
        logger: h.gateway.logger,
        store: h.gateway.store,
      });
    });
    afterAll(async () => {
      await restricted?.stop();
    });

    it("maps only the listed groups to teams", async () => {
      const token = await idp.sign({ sub: "rita", groups: ["desk-a", "desk-b"] });
      const res = await fetch(`${restricted.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: "{ me { teams { name } } }" }),
      });
      const body = (await res.json()) as { data?: { me: { teams: { name: string }[] } } };
      expect(body.data?.me.teams).toEqual([{ name: "desk-b" }, { name: "risk" }]);
    });
  });

  describe("with OIDC_AUTO_CREATE_USERS=true", () => {
    let second: Gateway;
    const gql = async (token: string, query: string, variables?: Record<string, unknown>) => {
      const res = await fetch(`${second.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: (await res.json()) as Awaited<ReturnType<Harness["gql"]>>["body"] };
    };

    beforeAll(async () => {
      // A second replica on the same database, configured to create users.
      second = await startGateway({
        config: { ...h.config, port: 0, oidc: oidcConfig({ autoCreateUsers: true }) },
        logger: h.gateway.logger,
        store: h.gateway.store,
      });
    });
    afterAll(async () => {
      await second?.stop();
    });

    it("creates a non-admin user on first sign-in and audits it", async () => {
      expect(await h.gateway.store.getUserByName("carol")).toBeNull();
      const res = await gql(await idp.sign({ sub: "carol", admin: true }), ME);
      expect(res.body.data).toEqual({ me: { name: "carol", admin: false } });
      const carol = await h.gateway.store.getUserByName("carol");
      expect(carol).toMatchObject({ name: "carol", admin: false, disabled: false });
      const [audit] = await h.gateway.store.listAudit({ limit: 1 });
      expect(audit).toMatchObject({ action: "USER_ADD", actorId: carol!.id, outcome: "SUCCEEDED" });
      expect(JSON.parse(audit!.input)).toMatchObject({ name: "carol", via: "oidc" });
    });

    it("gives a created user no role beyond what their groups grant", async () => {
      const plain = await gql(await idp.sign({ sub: "dave" }), SET, { input: valid });
      expect(plain.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      const grouped = await gql(await idp.sign({ sub: "erin", groups: ["desk-b"] }), SET, {
        input: { ...valid, accountId: "desk-b" },
      });
      expect(grouped.body.errors).toBeUndefined();
    });

    it("creates one user when first sign-ins race", async () => {
      const tokens = await Promise.all([1, 2, 3, 4].map((i) => idp.sign({ sub: "frank", jti: `race-${i}` })));
      const answers = await Promise.all(tokens.map((t) => gql(t, ME)));
      for (const a of answers) expect(a.body.data).toEqual({ me: { name: "frank", admin: false } });
      expect((await h.gateway.store.listUsers()).filter((u) => u.name === "frank")).toHaveLength(1);
    });

    it("still refuses tokens that fail verification", async () => {
      const res = await gql(await idp.signWithUnknownKey({ sub: "grace" }), ME);
      expect(res.status).toBe(401);
      expect(await h.gateway.store.getUserByName("grace")).toBeNull();
    });
  });
});
