/**
 * The audit trail: what an entry holds, who sees which entries, cursor pagination that neither repeats
 * nor skips entries while new ones are written, and `mmp-gateway audit list`.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import type { Harness } from "../../helpers/harness";

const CLI = resolve(__dirname, "../../../dist/cli/main.js");

const SET = `mutation Set($input: SetMmpConfigInput!) { setMmpConfig(input: $input) { qtyLimit } }`;
const LOG = `query Log($accountId: ID, $first: Int, $after: String) {
  auditLog(accountId: $accountId, first: $first, after: $after) {
    edges { cursor node { id } }
    nodes {
      id at actor { id name } accountId action input previous outcome exchangeCode exchangeMessage durationMs result
    }
    pageInfo { endCursor hasNextPage }
  }
}`;

interface Entry {
  id: string;
  at: string;
  actor: { id: string; name: string } | null;
  accountId: string | null;
  action: string;
  input: Record<string, unknown>;
  previous: Record<string, unknown> | null;
  outcome: string;
  exchangeCode: number | null;
  exchangeMessage: string | null;
  durationMs: number | null;
  result: Record<string, unknown> | null;
}
interface Page {
  edges: { cursor: string; node: { id: string } }[];
  nodes: Entry[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
}

export function auditLogSuite(harness: () => Harness): void {
  let h: Harness;
  let n = 0;

  beforeAll(() => {
    h = harness();
  });

  /** A distinct, successful change each time, so every call writes one new entry. */
  async function change(token = h.tokens.alice, accountId = "desk-a") {
    n++;
    const res = await h.gql(token, SET, {
      input: {
        accountId,
        underlying: "BTCUSDT",
        windowTimeInMilliseconds: 3000,
        frozenTimeInMilliseconds: 300000,
        qtyLimit: `${n}.25`,
        deltaLimit: "2.3",
      },
    });
    expect(res.body.errors).toBeUndefined();
  }

  async function page(token: string | undefined, vars: Record<string, unknown>) {
    return h.gql<{ auditLog: Page }>(token, LOG, vars);
  }

  async function okPage(token: string | undefined, vars: Record<string, unknown>): Promise<Page> {
    const res = await page(token, vars);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.auditLog;
  }

  it("records who changed what, from what, with the outcome and the exchange's answer", async () => {
    await change();
    await change();
    const { nodes } = await okPage(h.tokens.rita, { accountId: "desk-a", first: 1 });
    const [entry] = nodes;
    expect(entry).toEqual({
      id: expect.stringMatching(/^\d+$/),
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      actor: { id: expect.any(String), name: "alice" },
      accountId: "desk-a",
      action: "SET_MMP",
      input: {
        accountId: "desk-a",
        underlying: "BTCUSDT",
        windowTimeInMilliseconds: 3000,
        frozenTimeInMilliseconds: "300000",
        qtyLimit: `${n}.25`,
        deltaLimit: "2.3",
      },
      previous: expect.objectContaining({ underlying: "BTCUSDT", qtyLimit: `${n - 1}.25` }),
      outcome: "SUCCEEDED",
      exchangeCode: null,
      exchangeMessage: null,
      durationMs: expect.any(Number),
      result: expect.objectContaining({ qtyLimit: `${n}.25`, lastTriggerTime: "0" }),
    });
  });

  it("pages newest first without repeating or skipping entries while new ones are written", async () => {
    for (let i = 0; i < 7; i++) await change();
    const existing = (await h.gateway.store.listAudit({ accountIds: ["desk-a"], limit: 1000 })).map((r) =>
      String(r.id),
    );

    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      // After the first page, which fixes where the listing starts, a trader keeps changing the
      // account while the next pages are read.
      const [p]: [Page, unknown] = await Promise.all([
        okPage(h.tokens.rita, { accountId: "desk-a", first: 3, after }),
        after === null ? undefined : change(),
      ]);
      expect(p.nodes.map((e) => e.id)).toEqual(p.edges.map((e) => e.node.id));
      seen.push(...p.nodes.map((e) => e.id));
      if (!p.pageInfo.hasNextPage) break;
      expect(p.pageInfo.endCursor).toBe(p.edges.at(-1)!.cursor);
      after = p.pageInfo.endCursor;
    }
    expect(seen).toEqual(existing);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("shows a trader only their accounts' entries and keeps other accounts FORBIDDEN", async () => {
    await change(h.tokens.bob, "desk-b");
    const mine = await okPage(h.tokens.alice, { first: 500 });
    const aliceAccounts = new Set(
      (
        await h.gql<{ me: { accounts: { account: { id: string } }[] } }>(
          h.tokens.alice,
          "{ me { accounts { account { id } } } }",
        )
      ).body.data!.me.accounts.map((a) => a.account.id),
    );
    expect(mine.nodes.length).toBeGreaterThan(0);
    expect(mine.nodes.every((e) => e.accountId !== null && aliceAccounts.has(e.accountId))).toBe(true);
    expect(mine.nodes.some((e) => e.accountId === "desk-b")).toBe(false);

    for (const accountId of ["desk-b", "no-such-account"]) {
      const res = await page(h.tokens.alice, { accountId });
      expect(res.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
  });

  it("lets a viewer read its accounts' entries but not the administration of users and teams", async () => {
    const rita = await okPage(h.tokens.rita, { first: 500 });
    expect(rita.nodes.some((e) => e.accountId === "desk-b")).toBe(true);
    expect(rita.nodes.every((e) => e.accountId !== null)).toBe(true);
  });

  it("shows admin users every entry, including user administration done with the CLI", async () => {
    const all = await okPage(h.tokens.root, { first: 500 });
    const userAdd = all.nodes.find((e) => e.action === "USER_ADD" && e.input.name === "alice");
    expect(userAdd).toMatchObject({ actor: null, accountId: null, outcome: "SUCCEEDED" });
    // an admin user may ask for any account id, e.g. one removed since: its history is kept
    expect((await page(h.tokens.root, { accountId: "never-existed" })).body.data?.auditLog.nodes).toEqual([]);
  });

  it.each([
    ["a cursor not issued by the gateway", { after: "bm90LWEtY3Vyc29y" }, "after"],
    ["a page size of 0", { first: 0 }, "first"],
    ["a page size above 500", { first: 501 }, "first"],
  ])("refuses %s with BAD_USER_INPUT", async (_name, vars, field) => {
    const res = await page(h.tokens.rita, vars);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
  });

  it("defaults to pages of 50", async () => {
    for (let i = 0; i < 3; i++) await change();
    const total = (await h.gateway.store.listAudit({ limit: 1000 })).length;
    const p = await okPage(h.tokens.root, { first: null });
    expect(p.nodes).toHaveLength(Math.min(50, total));
    expect(p.pageInfo.hasNextPage).toBe(total > 50);
  });

  it("prints the newest entries with `mmp-gateway audit list`, filtered by account", async () => {
    const env = { PATH: process.env.PATH, DATABASE_URL: h.databaseUrl, LOG_LEVEL: "warn" };
    const run = (args: string[]) =>
      spawnSync(process.execPath, [CLI, "audit", "list", ...args], {
        env,
        encoding: "utf8",
        timeout: 20_000,
      });

    const listed = run(["--account", "desk-b", "--limit", "2"]);
    expect(listed.stderr).toBe("");
    expect(listed.status).toBe(0);
    const lines = listed.stdout.trim().split("\n");
    const newest = await h.gateway.store.listAudit({ accountIds: ["desk-b"], limit: 2 });
    expect(lines.map((l) => l.split("\t").slice(0, 6))).toEqual(
      newest.map((r) => [
        String(r.id),
        r.at.toISOString(),
        r.actorName ?? "-",
        "desk-b",
        r.action,
        r.outcome,
      ]),
    );
    expect(JSON.parse(lines[0]!.split("\t")[7]!)).toEqual(JSON.parse(newest[0]!.input));

    const bad = run(["--limit", "many"]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toContain("--limit");
  });
}
