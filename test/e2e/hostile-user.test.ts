/**
 * What a hostile but authenticated user tried against the gateway over HTTP (issue 14), one block per
 * attack. Each test fails on the gateway before its fix.
 */
import { startHarness, type Harness } from "../helpers/harness";

const BULK = `mutation Bulk($inputs: [SetMmpConfigInput!]!) {
  setMmpConfigs(inputs: $inputs) { __typename ... on MmpConfigError { accountId code } }
}`;

function item(accountId: string, patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    accountId,
    underlying: "BTCUSDT",
    windowTimeInMilliseconds: 3000,
    frozenTimeInMilliseconds: 300000,
    qtyLimit: "2",
    deltaLimit: "2.3",
    ...patch,
  };
}

describe("a hostile authenticated user", () => {
  let h: Harness;
  /** a user with no team and no role on any account */
  let mallory: string;

  beforeAll(async () => {
    h = await startHarness();
    mallory = (await h.admin.addUser("mallory", false)).token;
    await h.gateway.refreshCaches();
  });
  afterAll(async () => {
    await h?.stop();
  });
  beforeEach(() => h.sim.clearRequests());

  describe("audit pollution through setMmpConfigs refusals", () => {
    it("files refusals for accounts the caller cannot see under no account, and never creates history", async () => {
      const before = await h.audit("desk-b", 100);
      const inputs = [
        ...Array.from({ length: 20 }, (_, i) => item("desk-b", { underlying: `FAKE${i}USDT` })),
        item("not-yet-created"),
      ];
      const res = await h.gql<{ setMmpConfigs: { code: string }[] }>(mallory, BULK, { inputs });
      expect(res.body.data?.setMmpConfigs.every((r) => r.code === "FORBIDDEN")).toBe(true);

      expect(await h.audit("desk-b", 100)).toEqual(before);
      expect(await h.audit("not-yet-created", 100)).toEqual([]);
      const mine = (await h.gateway.store.listAudit({ limit: 100 })).filter((r) => r.actorName === "mallory");
      expect(mine).toHaveLength(inputs.length);
      expect(mine.every((r) => r.accountId === null && r.outcome === "FAILED")).toBe(true);
    });

    it("still files a refusal under an account the caller can see", async () => {
      const res = await h.gql<{ setMmpConfigs: { code: string }[] }>(h.tokens.rita, BULK, {
        inputs: [item("desk-a")],
      });
      expect(res.body.data?.setMmpConfigs[0]?.code).toBe("FORBIDDEN");
      const [latest] = await h.audit("desk-a", 1);
      expect(latest).toMatchObject({ actorName: "rita", outcome: "FAILED", accountId: "desk-a" });
    });
  });
});
