/**
 * The GraphQL admin API end to end over HTTP, once per store (SQLite, PostgreSQL), against the simulator:
 * an admin user sets up a desk from nothing (user, team, account, grant) and the new trader sets MMP
 * through it; key rotation and disabling take effect at once; nobody else may administer; an account's
 * admins may manage that account's grants and key and nothing more; secrets never come back out; every
 * change is audited with its actor.
 *
 * The tests of one store share a gateway and run in order: later ones build on the desk set up first.
 */
import { generateAccountKeys } from "../../src/simulator/keys";
import {
  e2eStoreTargets,
  mmpInput,
  startHarness,
  type E2eDatabase,
  type GraphQLResponse,
  type Harness,
} from "../helpers/harness";

const CREATE_USER = `mutation($input: CreateUserInput!) {
  createUser(input: $input) { user { id name admin disabled } token { id token user { name } } }
}`;
const ME =
  "{ me { id name admin disabled teams { name } accounts { role account { id } } tokens { id revokedAt } } }";
const CREATE_TEAM = "mutation($name: String!) { createTeam(name: $name) { id name } }";
const ADD_MEMBER = `mutation($team: String!, $userName: String!) {
  addTeamMember(team: $team, userName: $userName) { name members { name } }
}`;
const REMOVE_MEMBER = `mutation($team: String!, $userName: String!) {
  removeTeamMember(team: $team, userName: $userName) { name members { name } }
}`;
const ADD_ACCOUNT = `mutation($input: AddExchangeAccountInput!) {
  addExchangeAccount(input: $input) { id name environment keyType apiKeyHint }
}`;
const ROTATE_KEY = `mutation($input: RotateAccountKeyInput!) {
  rotateAccountKey(input: $input) { id keyType apiKeyHint }
}`;
const REMOVE_ACCOUNT = "mutation($accountId: ID!) { removeExchangeAccount(accountId: $accountId) }";
const GRANT = `mutation($team: String!, $accountId: ID!, $role: Role!) {
  grantRole(team: $team, accountId: $accountId, role: $role) { team accountId role }
}`;
const REVOKE = "mutation($team: String!, $accountId: ID!) { revokeRole(team: $team, accountId: $accountId) }";
const DISABLE = "mutation($userName: String!) { disableUser(userName: $userName) { name disabled } }";
const ENABLE = "mutation($userName: String!) { enableUser(userName: $userName) { name disabled } }";
const CREATE_TOKEN =
  "mutation($userName: String!) { createToken(userName: $userName) { id token user { name } } }";
const REVOKE_TOKEN = "mutation($tokenId: ID!) { revokeToken(tokenId: $tokenId) }";
const USERS =
  "{ users { name admin disabled teams { name } accounts { role account { id } } tokens { id } } }";
const TEAMS = "{ teams { name members { name } grants { accountId role } } }";
const SET_MMP = `mutation($input: SetMmpConfigInput!) { setMmpConfig(input: $input) { accountId qtyLimit } }`;
const AUDIT = `{ auditLog(first: 200) { nodes { action actor { name } accountId input outcome } } }`;

interface AuditNode {
  action: string;
  actor: { name: string } | null;
  accountId: string | null;
  input: Record<string, unknown>;
  outcome: string;
}

/** Polls until `done` holds; the elapsed milliseconds, or a failure after `withinMs`. */
async function eventually(done: () => Promise<boolean>, withinMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await done()) return Date.now() - start;
    if (Date.now() - start > withinMs) throw new Error(`not within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(e2eStoreTargets())("admin API on $kind", (target) => {
  let db: E2eDatabase | undefined;
  let h: Harness;
  /** every response body, to prove no secret ever comes back */
  const responses: string[] = [];
  /** every account secret handed to the gateway in these tests */
  const secrets: string[] = [];
  let root: string;

  async function gql<T = Record<string, unknown>>(
    token: string | undefined,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<T>> {
    const res = await h.gql<T>(token, query, variables);
    responses.push(JSON.stringify(res.body));
    return res;
  }

  async function ok<T = Record<string, unknown>>(
    token: string | undefined,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<T> {
    const res = await gql<T>(token, query, variables);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!;
  }

  async function refused(
    token: string | undefined,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ code: unknown; field: unknown; message: string }> {
    const res = await gql(token, query, variables);
    const error = res.body.errors?.[0];
    expect(error).toBeDefined();
    return { code: error?.extensions?.code, field: error?.extensions?.field, message: error?.message ?? "" };
  }

  /** A new HMAC key the simulator accepts: what an operator gets from Binance. */
  function exchangeKey(): { apiKey: string; secret: string } {
    const keys = generateAccountKeys("hmac");
    h.sim.addAccount({ apiKey: keys.apiKey, keyType: "hmac", secret: keys.secret });
    secrets.push(keys.secret);
    return { apiKey: keys.apiKey, secret: keys.secret };
  }

  async function audit(): Promise<AuditNode[]> {
    return (await ok<{ auditLog: { nodes: AuditNode[] } }>(root, AUDIT)).auditLog.nodes;
  }

  beforeAll(async () => {
    db = await target.create();
    h = await startHarness({ databaseUrl: db.databaseUrl });
    root = h.tokens.root!;
  });
  afterAll(async () => {
    await h?.stop();
    await db?.drop();
  });

  describe("an admin user sets up a desk from nothing", () => {
    let dana: string;
    let danaTokenId: string;
    let firstKey: { apiKey: string; secret: string };

    it("creates a user whose token works at once", async () => {
      const created = await ok<{
        createUser: {
          user: { id: string; name: string; admin: boolean; disabled: boolean };
          token: { id: string; token: string; user: { name: string } };
        };
      }>(root, CREATE_USER, { input: { name: "dana" } });
      expect(created.createUser.user).toEqual({
        id: expect.any(String),
        name: "dana",
        admin: false,
        disabled: false,
      });
      expect(created.createUser.token).toEqual({
        id: expect.any(String),
        token: expect.stringMatching(/^mgw_/),
        user: { name: "dana" },
      });
      dana = created.createUser.token.token;
      danaTokenId = created.createUser.token.id;

      const me = await ok<{ me: { name: string; teams: unknown[]; tokens: { id: string }[] } }>(dana, ME);
      expect(me.me).toMatchObject({ name: "dana", teams: [], accounts: [], tokens: [{ id: danaTokenId }] });
    });

    it("creates a team, adds the user, adds an account (secret in, never out) and grants the team trader", async () => {
      expect(await ok(root, CREATE_TEAM, { name: "desk-d" })).toEqual({
        createTeam: { id: "desk-d", name: "desk-d" },
      });
      expect(await ok(root, ADD_MEMBER, { team: "desk-d", userName: "dana" })).toEqual({
        addTeamMember: { name: "desk-d", members: [{ name: "dana" }] },
      });
      firstKey = exchangeKey();
      const added = await ok(root, ADD_ACCOUNT, {
        input: {
          name: "desk-d",
          apiKey: firstKey.apiKey,
          keyType: "HMAC",
          baseUrl: h.sim.url,
          secret: firstKey.secret,
        },
      });
      expect(added).toEqual({
        addExchangeAccount: {
          id: "desk-d",
          name: "desk-d",
          environment: "CUSTOM",
          keyType: "HMAC",
          apiKeyHint: `…${firstKey.apiKey.slice(-4)}`,
        },
      });
      expect(await ok(root, GRANT, { team: "desk-d", accountId: "desk-d", role: "TRADER" })).toEqual({
        grantRole: { team: "desk-d", accountId: "desk-d", role: "TRADER" },
      });
    });

    it("lets the new trader set MMP on the new account, signed with its key", async () => {
      const me = await ok<{ me: unknown }>(dana, ME);
      expect(me.me).toMatchObject({
        teams: [{ name: "desk-d" }],
        accounts: [{ role: "TRADER", account: { id: "desk-d" } }],
      });
      h.sim.clearRequests();
      expect(await ok(dana, SET_MMP, { input: mmpInput("desk-d", "2") })).toEqual({
        setMmpConfig: { accountId: "desk-d", qtyLimit: "2" },
      });
      expect(h.sim.mmpState(firstKey.apiKey, "BTCUSDT")?.qtyLimit).toBe("2");
    });

    it("rotates the account's key: the next call signs with the new key", async () => {
      const next = exchangeKey();
      expect(
        await ok(root, ROTATE_KEY, {
          input: { accountId: "desk-d", apiKey: next.apiKey, secret: next.secret },
        }),
      ).toEqual({
        rotateAccountKey: { id: "desk-d", keyType: "HMAC", apiKeyHint: `…${next.apiKey.slice(-4)}` },
      });
      // Binance would refuse the old key once the operator deletes it there.
      h.sim.removeAccount(firstKey.apiKey);
      h.sim.clearRequests();
      expect(await ok(dana, SET_MMP, { input: mmpInput("desk-d", "3") })).toEqual({
        setMmpConfig: { accountId: "desk-d", qtyLimit: "3" },
      });
      expect(h.sim.requests.filter((r) => r.path === "/eapi/v1/mmpSet").map((r) => r.apiKey)).toEqual([
        next.apiKey,
      ]);
    });

    it("disables the user: their token is refused within a second; enabling restores it", async () => {
      expect(await ok(root, DISABLE, { userName: "dana" })).toEqual({
        disableUser: { name: "dana", disabled: true },
      });
      const elapsed = await eventually(async () => (await h.gql(dana, ME)).status === 401, 1000);
      expect(elapsed).toBeLessThan(1000);
      const res = await gql(dana, SET_MMP, { input: mmpInput("desk-d", "4") });
      expect(res.status).toBe(401);
      expect(res.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");

      // idempotent: a second disable changes (and audits) nothing
      expect(await ok(root, DISABLE, { userName: "dana" })).toEqual({
        disableUser: { name: "dana", disabled: true },
      });
      expect(await ok(root, ENABLE, { userName: "dana" })).toEqual({
        enableUser: { name: "dana", disabled: false },
      });
      await eventually(async () => (await h.gql(dana, ME)).status === 200, 1000);
    });

    it("refuses a user disabled by another process (the CLI, another replica) within a second", async () => {
      // The harness's AdminService writes through a connection of its own: only the store's auth version
      // tells the gateway, through its poll.
      await h.admin.setUserDisabled("dana", true);
      expect(await eventually(async () => (await h.gql(dana, ME)).status === 401, 1000)).toBeLessThan(1000);
      await h.admin.setUserDisabled("dana", false);
      await eventually(async () => (await h.gql(dana, ME)).status === 200, 1000);
    });

    it("issues and revokes further tokens", async () => {
      const issued = await ok<{ createToken: { id: string; token: string; user: { name: string } } }>(
        root,
        CREATE_TOKEN,
        { userName: "dana" },
      );
      expect(issued.createToken.user).toEqual({ name: "dana" });
      expect((await h.gql(issued.createToken.token, ME)).status).toBe(200);

      expect(await ok(root, REVOKE_TOKEN, { tokenId: issued.createToken.id })).toEqual({ revokeToken: true });
      await eventually(async () => (await h.gql(issued.createToken.token, ME)).status === 401, 1000);
      expect((await h.gql(dana, ME)).status).toBe(200);

      const again = await refused(root, REVOKE_TOKEN, { tokenId: issued.createToken.id });
      expect(again).toMatchObject({ code: "BAD_USER_INPUT", field: "tokenId" });
    });

    it("lists users and teams with their members, grants and tokens", async () => {
      const users = await ok<{ users: { name: string }[] }>(root, USERS);
      expect(users.users.map((u) => u.name)).toEqual(["alice", "bob", "dana", "rita", "root"]);
      expect(users.users.find((u) => u.name === "dana")).toEqual({
        name: "dana",
        admin: false,
        disabled: false,
        teams: [{ name: "desk-d" }],
        accounts: [{ role: "TRADER", account: { id: "desk-d" } }],
        tokens: [{ id: danaTokenId }, { id: expect.any(String) }],
      });
      expect(users.users.find((u) => u.name === "root")).toMatchObject({
        admin: true,
        teams: [{ name: "ops" }],
      });

      const teams = await ok<{ teams: { name: string }[] }>(root, TEAMS);
      expect(teams.teams.map((t) => t.name)).toEqual(["desk-a", "desk-b", "desk-d", "ops", "risk"]);
      expect(teams.teams.find((t) => t.name === "desk-d")).toEqual({
        name: "desk-d",
        members: [{ name: "dana" }],
        grants: [{ accountId: "desk-d", role: "TRADER" }],
      });
    });

    it("removes a member, revokes a grant and removes an account", async () => {
      expect(await ok(root, REMOVE_MEMBER, { team: "desk-d", userName: "dana" })).toEqual({
        removeTeamMember: { name: "desk-d", members: [] },
      });
      expect(await ok(root, ADD_MEMBER, { team: "desk-d", userName: "dana" })).toBeDefined();
      expect(await ok(root, REVOKE, { team: "desk-d", accountId: "desk-d" })).toEqual({ revokeRole: true });
      await eventually(async () => {
        const res = await h.gql(dana, SET_MMP, { input: mmpInput("desk-d", "5") });
        return res.body.errors?.[0]?.extensions?.code === "FORBIDDEN";
      }, 1000);

      const temp = exchangeKey();
      await ok(root, ADD_ACCOUNT, { input: { name: "desk-temp", apiKey: temp.apiKey, secret: temp.secret } });
      expect(await ok(root, REMOVE_ACCOUNT, { accountId: "desk-temp" })).toEqual({
        removeExchangeAccount: true,
      });
      const accounts = await ok<{ accounts: { id: string }[] }>(root, "{ accounts { id } }");
      expect(accounts.accounts.map((a) => a.id)).not.toContain("desk-temp");
    });
  });

  describe("refusals", () => {
    const EVERY_MUTATION: [string, string, Record<string, unknown>][] = [
      ["createUser", CREATE_USER, { input: { name: "mallory", admin: true } }],
      ["disableUser", DISABLE, { userName: "bob" }],
      ["enableUser", ENABLE, { userName: "bob" }],
      ["createToken", CREATE_TOKEN, { userName: "root" }],
      ["revokeToken", REVOKE_TOKEN, { tokenId: "t_0" }],
      ["createTeam", CREATE_TEAM, { name: "mallory-team" }],
      ["addTeamMember", ADD_MEMBER, { team: "ops", userName: "alice" }],
      ["removeTeamMember", REMOVE_MEMBER, { team: "desk-b", userName: "bob" }],
      ["grantRole", GRANT, { team: "desk-a", accountId: "desk-a", role: "ADMIN" }],
      ["revokeRole", REVOKE, { team: "desk-b", accountId: "desk-b" }],
      [
        "addExchangeAccount",
        ADD_ACCOUNT,
        { input: { name: "mallory-acc", apiKey: "k1234", keyType: "HMAC", secret: "mallory-secret-1" } },
      ],
      [
        "rotateAccountKey",
        ROTATE_KEY,
        { input: { accountId: "desk-a", apiKey: "k1234", secret: "mallory-secret-2" } },
      ],
      ["removeExchangeAccount", REMOVE_ACCOUNT, { accountId: "desk-a" }],
    ];

    it.each(EVERY_MUTATION)(
      "refuses %s to a user who is neither an admin user nor the account's admin",
      async (_name, query, variables) => {
        const before = (await audit()).length;
        // alice: trader on desk-a, no admin flag
        expect(await refused(h.tokens.alice, query, variables)).toMatchObject({ code: "FORBIDDEN" });
        expect((await audit()).length).toBe(before);
      },
    );

    it("refuses the users and teams queries, and other users' details, to non-admin users", async () => {
      expect(await refused(h.tokens.alice, USERS)).toMatchObject({ code: "FORBIDDEN" });
      expect(await refused(h.tokens.alice, TEAMS)).toMatchObject({ code: "FORBIDDEN" });
      expect(await refused(h.tokens.alice, "{ me { teams { members { name } } } }")).toMatchObject({
        code: "FORBIDDEN",
      });
      expect(await refused(h.tokens.alice, "{ me { teams { grants { role } } } }")).toMatchObject({
        code: "FORBIDDEN",
      });
      // one's own tokens are fine
      expect(
        (await ok<{ me: { tokens: unknown[] } }>(h.tokens.alice, "{ me { tokens { id } } }")).me.tokens,
      ).toHaveLength(1);
    });

    it("answers an unknown account exactly like a forbidden one", async () => {
      const real = await refused(h.tokens.alice, GRANT, {
        team: "desk-a",
        accountId: "desk-b",
        role: "VIEWER",
      });
      const ghost = await refused(h.tokens.alice, GRANT, {
        team: "desk-a",
        accountId: "ghost",
        role: "VIEWER",
      });
      expect(ghost).toEqual(real);
      expect(real.code).toBe("FORBIDDEN");
    });

    it("names the field of a bad value, a duplicate or a missing user, team, account or grant", async () => {
      const cases: [string, Record<string, unknown>, string, RegExp][] = [
        [CREATE_USER, { input: { name: "no spaces" } }, "name", /1-64 characters/],
        [CREATE_USER, { input: { name: "alice" } }, "name", /user 'alice' already exists/],
        [CREATE_TEAM, { name: "risk" }, "name", /team 'risk' already exists/],
        [ADD_MEMBER, { team: "risk", userName: "nobody" }, "userName", /user 'nobody' does not exist/],
        [ADD_MEMBER, { team: "nope", userName: "alice" }, "team", /team 'nope' does not exist/],
        [ADD_MEMBER, { team: "risk", userName: "rita" }, "userName", /already a member/],
        [REMOVE_MEMBER, { team: "risk", userName: "alice" }, "userName", /not a member/],
        [REMOVE_MEMBER, { team: "nope", userName: "alice" }, "team", /team 'nope' does not exist/],
        [GRANT, { team: "nope", accountId: "desk-a", role: "VIEWER" }, "team", /team 'nope' does not exist/],
        [
          GRANT,
          { team: "risk", accountId: "ghost", role: "VIEWER" },
          "accountId",
          /account 'ghost' does not exist/,
        ],
        [REVOKE, { team: "desk-b", accountId: "desk-a" }, "team", /has no role on account 'desk-a'/],
        [DISABLE, { userName: "nobody" }, "userName", /does not exist/],
        [DISABLE, { userName: "root" }, "userName", /cannot disable yourself/],
        [CREATE_TOKEN, { userName: "nobody" }, "userName", /does not exist/],
        [REMOVE_ACCOUNT, { accountId: "ghost" }, "accountId", /does not exist/],
        [
          ROTATE_KEY,
          { input: { accountId: "ghost", apiKey: "k1234", secret: "a-secret-123" } },
          "accountId",
          /does not exist/,
        ],
        [
          ADD_ACCOUNT,
          { input: { name: "desk-a", apiKey: "k1234", secret: "a-secret-123" } },
          "name",
          /account 'desk-a' already exists/,
        ],
        [
          ADD_ACCOUNT,
          { input: { name: "x1", apiKey: "has space", secret: "a-secret-123" } },
          "apiKey",
          /API key/,
        ],
        [
          ADD_ACCOUNT,
          { input: { name: "x1", apiKey: "k1234", baseUrl: "ftp://x", secret: "a-secret-123" } },
          "baseUrl",
          /base URL/,
        ],
        [
          ADD_ACCOUNT,
          { input: { name: "x1", apiKey: "k1234", keyType: "ED25519", secret: "not-a-pem-secret" } },
          "secret",
          /PKCS#8/,
        ],
        [ADD_ACCOUNT, { input: { name: "x1", apiKey: "k1234", secret: "short" } }, "secret", /8-512/],
      ];
      for (const [query, variables, field, message] of cases) {
        const error = await refused(root, query, variables);
        expect({ variables, ...error }).toMatchObject({ variables, code: "BAD_USER_INPUT", field });
        expect(error.message).toMatch(message);
      }
    });
  });

  describe("an account's admins", () => {
    let adam: string;

    beforeAll(async () => {
      // adam is no admin user; his team holds role ADMIN on desk-a only
      adam = (
        await ok<{ createUser: { token: { token: string } } }>(root, CREATE_USER, { input: { name: "adam" } })
      ).createUser.token.token;
      await ok(root, CREATE_TEAM, { name: "desk-a-admins" });
      await ok(root, ADD_MEMBER, { team: "desk-a-admins", userName: "adam" });
      await ok(root, GRANT, { team: "desk-a-admins", accountId: "desk-a", role: "ADMIN" });
      await eventually(
        async () =>
          (await h.gql<{ me: { accounts: unknown[] } }>(adam, ME)).body.data?.me.accounts.length === 1,
        1000,
      );
    });

    it("grant and revoke any role on that account, to any team", async () => {
      expect(await ok(adam, GRANT, { team: "desk-b", accountId: "desk-a", role: "VIEWER" })).toEqual({
        grantRole: { team: "desk-b", accountId: "desk-a", role: "VIEWER" },
      });
      await eventually(async () => {
        const res = await h.gql(h.tokens.bob, "query($a: ID!) { mmpConfigs(accountId: $a) { underlying } }", {
          a: "desk-a",
        });
        return res.body.errors === undefined;
      }, 1000);
      expect(await ok(adam, REVOKE, { team: "desk-b", accountId: "desk-a" })).toEqual({ revokeRole: true });
    });

    it("rotate that account's key", async () => {
      const next = exchangeKey();
      expect(
        await ok(adam, ROTATE_KEY, {
          input: { accountId: "desk-a", apiKey: next.apiKey, secret: next.secret },
        }),
      ).toEqual({
        rotateAccountKey: { id: "desk-a", keyType: "HMAC", apiKeyHint: `…${next.apiKey.slice(-4)}` },
      });
      await eventually(async () => {
        h.sim.clearRequests();
        const res = await h.gql(h.tokens.alice, SET_MMP, { input: mmpInput("desk-a", "6") });
        return res.body.errors === undefined && h.sim.requests.some((r) => r.apiKey === next.apiKey);
      }, 1000);
    });

    it("may not touch other accounts, remove the account, or manage users, teams and members", async () => {
      const refusedAs = async (query: string, variables: Record<string, unknown>) =>
        (await refused(adam, query, variables)).code;
      expect(await refusedAs(GRANT, { team: "desk-a-admins", accountId: "desk-b", role: "ADMIN" })).toBe(
        "FORBIDDEN",
      );
      expect(await refusedAs(REVOKE, { team: "desk-b", accountId: "desk-b" })).toBe("FORBIDDEN");
      expect(
        await refusedAs(ROTATE_KEY, {
          input: { accountId: "desk-b", apiKey: "k1234", secret: "x-secret-123" },
        }),
      ).toBe("FORBIDDEN");
      expect(await refusedAs(REMOVE_ACCOUNT, { accountId: "desk-a" })).toBe("FORBIDDEN");
      expect(await refusedAs(CREATE_TEAM, { name: "adams-team" })).toBe("FORBIDDEN");
      expect(await refusedAs(ADD_MEMBER, { team: "desk-a", userName: "adam" })).toBe("FORBIDDEN");
      expect(await refusedAs(CREATE_TOKEN, { userName: "alice" })).toBe("FORBIDDEN");
      expect((await refused(adam, USERS)).code).toBe("FORBIDDEN");
    });

    it("are audited as themselves, on the account", async () => {
      const mine = (await audit()).filter((e) => e.actor?.name === "adam");
      expect(mine.map((e) => [e.action, e.accountId])).toEqual([
        ["ACCOUNT_ROTATE_KEY", "desk-a"],
        ["REVOKE", "desk-a"],
        ["GRANT", "desk-a"],
      ]);
    });
  });

  describe("the audit trail and secrets", () => {
    it("records every admin action with the acting user", async () => {
      const byRoot = (await audit()).filter((e) => e.actor?.name === "root").reverse();
      const actions = byRoot.map((e) => e.action);
      for (const action of [
        "USER_ADD",
        "TOKEN_CREATE",
        "TEAM_ADD",
        "TEAM_MEMBER_ADD",
        "ACCOUNT_ADD",
        "GRANT",
        "ACCOUNT_ROTATE_KEY",
        "USER_DISABLE",
        "USER_ENABLE",
        "TOKEN_REVOKE",
        "TEAM_MEMBER_REMOVE",
        "REVOKE",
        "ACCOUNT_REMOVE",
      ]) {
        expect(actions).toContain(action);
      }
      // the repeated disable changed nothing and is not recorded
      expect(actions.filter((a) => a === "USER_DISABLE")).toHaveLength(1);
      expect(byRoot.every((e) => e.outcome === "SUCCEEDED")).toBe(true);
      const added = byRoot.find((e) => e.action === "ACCOUNT_ADD" && e.accountId === "desk-d");
      expect(added?.input).toEqual({
        name: "desk-d",
        venue: "binance",
        keyType: "hmac",
        baseUrl: h.sim.url,
        apiKeyHint: expect.any(String),
      });
    });

    it("never echoes a secret in an error about the input that carries it", async () => {
      const secret = "echo-me-not-7f3a9c";
      secrets.push(secret);
      const base = { name: "x2", apiKey: "k1234", keyType: "HMAC", secret };
      for (const input of [
        { ...base, nmae: "typo" },
        { ...base, name: undefined },
        { ...base, keyType: "HMAC256" },
        { ...base, secret: 123456789 },
      ]) {
        const res = await gql(root, ADD_ACCOUNT, { input });
        expect(res.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
        expect(JSON.stringify(res.body)).not.toContain(secret);
        expect(JSON.stringify(res.body)).not.toContain("123456789");
      }
    });

    it("keeps every secret out of responses, logs and the database's text", async () => {
      expect(secrets.length).toBeGreaterThanOrEqual(4);
      const logs = h.logs.join("\n");
      const database = await h.databaseText();
      const answered = responses.join("\n");
      for (const secret of secrets) {
        expect(answered).not.toContain(secret);
        expect(logs).not.toContain(secret);
        expect(database).not.toContain(secret);
      }
    });
  });
});
