/**
 * Who am I and which accounts may I see: `me` and `accounts`, per role.
 */
import type { Harness } from "../../helpers/harness";

const ME = `{
  me {
    id name admin
    teams { id name }
    accounts { role account { id name environment keyType apiKeyHint } }
  }
}`;
const ACCOUNTS = "{ accounts { id name environment keyType apiKeyHint } }";

interface Account {
  id: string;
  name: string;
  environment: string;
  keyType: string;
  apiKeyHint: string;
}
interface Me {
  id: string;
  name: string;
  admin: boolean;
  teams: { id: string; name: string }[];
  accounts: { role: string; account: Account }[];
}

export function meSuite(harness: () => Harness): void {
  let h: Harness;

  beforeAll(async () => {
    h = harness();
    // Accounts no team holds a role on: only admin users see them.
    for (const [name, baseUrl] of [
      ["prod-x", "https://eapi.binance.com"],
      ["testnet-x", "https://testnet.binancefuture.com"],
    ] as const) {
      await h.admin.addAccount({
        name,
        apiKey: `${name.replace("-", "")}Key0000000000000000000000009876`,
        keyType: "hmac",
        baseUrl,
        secret: "an-hmac-secret-1",
      });
    }
  });

  function hintOf(name: string): string {
    return `…${h.accounts.find((a) => a.name === name)!.apiKey.slice(-4)}`;
  }

  async function me(token: string | undefined): Promise<Me> {
    const res = await h.gql<{ me: Me }>(token, ME);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.me;
  }

  async function accounts(token: string | undefined): Promise<Account[]> {
    const res = await h.gql<{ accounts: Account[] }>(token, ACCOUNTS);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.accounts;
  }

  it("tells a trader their team and only their team's account, with the role and a key hint", async () => {
    const alice = await me(h.tokens.alice);
    expect(alice).toEqual({
      id: expect.any(String),
      name: "alice",
      admin: false,
      teams: [{ id: "desk-a", name: "desk-a" }],
      accounts: [
        {
          role: "TRADER",
          account: {
            id: "desk-a",
            name: "desk-a",
            environment: "CUSTOM",
            keyType: "HMAC",
            apiKeyHint: hintOf("desk-a"),
          },
        },
      ],
    });
    expect((await accounts(h.tokens.alice)).map((a) => a.id)).toEqual(["desk-a"]);
  });

  it("shows each account's key type, and a viewer's role on every account it reads", async () => {
    const bob = await me(h.tokens.bob);
    expect(bob.accounts.map((a) => [a.account.id, a.account.keyType, a.role])).toEqual([
      ["desk-b", "ED25519", "TRADER"],
      ["desk-b-rsa", "RSA", "TRADER"],
    ]);
    const rita = await me(h.tokens.rita);
    expect(rita.teams.map((t) => t.name)).toEqual(["risk"]);
    expect(rita.accounts.map((a) => [a.account.id, a.role])).toEqual([
      ["desk-a", "VIEWER"],
      ["desk-b", "VIEWER"],
      ["desk-b-rsa", "VIEWER"],
    ]);
    expect((await accounts(h.tokens.rita)).map((a) => a.id)).toEqual(["desk-a", "desk-b", "desk-b-rsa"]);
  });

  it("shows admin users every account, with its environment from the base URL, but roles only where granted", async () => {
    const root = await me(h.tokens.root);
    expect(root.admin).toBe(true);
    expect(root.accounts.map((a) => [a.account.id, a.role])).toEqual([
      ["desk-a", "ADMIN"],
      ["desk-b", "ADMIN"],
      ["desk-b-rsa", "ADMIN"],
    ]);
    const all = await accounts(h.tokens.root);
    expect(all.map((a) => [a.id, a.environment])).toEqual([
      ["desk-a", "CUSTOM"],
      ["desk-b", "CUSTOM"],
      ["desk-b-rsa", "CUSTOM"],
      ["prod-x", "PRODUCTION"],
      ["testnet-x", "TESTNET"],
    ]);
    expect(all.find((a) => a.id === "prod-x")?.apiKeyHint).toBe("…9876");
  });

  it("never shows more of a key than its last four characters", async () => {
    const bodies = await Promise.all(
      ["alice", "bob", "rita", "root"].flatMap((u) => [
        h.gql(h.tokens[u], ME).then((r) => JSON.stringify(r.body)),
        h.gql(h.tokens[u], ACCOUNTS).then((r) => JSON.stringify(r.body)),
      ]),
    );
    for (const a of h.accounts) {
      for (const body of bodies) {
        expect(body).not.toContain(a.apiKey.slice(-8));
        expect(body).not.toContain(a.keyType === "hmac" ? a.secret : a.secret.split("\n")[1]!);
      }
    }
  });
}
