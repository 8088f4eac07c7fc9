/**
 * setMmpConfigs: many account/underlying changes in one call, each item authorised, validated, sent and
 * audited on its own, with one result per input in input order.
 */
import { MAX_BULK_ITEMS } from "../../../src/mmp/mmp.service";
import type { Harness } from "../../helpers/harness";

const BULK = `mutation Bulk($inputs: [SetMmpConfigInput!]!) {
  setMmpConfigs(inputs: $inputs) {
    __typename
    ... on MmpConfig { accountId underlying qtyLimit deltaLimit windowTimeInMilliseconds }
    ... on MmpConfigError {
      accountId underlying code message field exchangeCode exchangeMessage outcome retryAfterSeconds
    }
  }
}`;

type Result = Record<string, unknown> & { __typename: "MmpConfig" | "MmpConfigError" };

export function bulkSuite(harness: () => Harness): void {
  let h: Harness;

  beforeAll(async () => {
    h = harness();
    // An account the exchange does not know: its every call is rejected (-2015), as for a revoked key.
    await h.admin.addAccount({
      name: "ghost",
      apiKey: "ghostKey0000000000000000000000001",
      keyType: "hmac",
      baseUrl: h.config.binanceEapiUrl,
      secret: "ghost-secret-0001",
    });
    await h.admin.grant("desk-a", "ghost", "trader");
    await h.gateway.refreshCaches();
  });
  beforeEach(() => h.sim.clearRequests());

  function item(accountId: string, underlying: string, patch: Record<string, unknown> = {}) {
    return {
      accountId,
      underlying,
      windowTimeInMilliseconds: 3000,
      frozenTimeInMilliseconds: 300000,
      qtyLimit: "2",
      deltaLimit: "2.3",
      ...patch,
    };
  }

  function mmpSetRequests() {
    return h.sim.requests.filter((r) => r.path === "/eapi/v1/mmpSet");
  }

  describe("setMmpConfigs", () => {
    it("answers one result per input, in order, with successes beside every kind of failure", async () => {
      const inputs = [
        item("desk-a", "BTCUSDT", { qtyLimit: "1.50" }),
        item("desk-b", "BTCUSDT"), // another team's account
        item("desk-a", "ETHUSDT", { windowTimeInMilliseconds: 0 }), // invalid
        item("ghost", "BTCUSDT"), // rejected by the exchange
        item("desk-a", "SOLUSDT", { deltaLimit: "0.25" }),
        item("desk-a", "BTCUSDT", { qtyLimit: "9" }), // repeats the first item's account and underlying
        item("no-such-account", "BTCUSDT"),
      ];
      const res = await h.gql<{ setMmpConfigs: Result[] }>(h.tokens.alice, BULK, { inputs });
      expect(res.body.errors).toBeUndefined();
      const results = res.body.data!.setMmpConfigs;
      expect(results).toHaveLength(inputs.length);

      expect(results[0]).toEqual({
        __typename: "MmpConfig",
        accountId: "desk-a",
        underlying: "BTCUSDT",
        qtyLimit: "1.5",
        deltaLimit: "2.3",
        windowTimeInMilliseconds: 3000,
      });
      expect(results[1]).toMatchObject({
        __typename: "MmpConfigError",
        accountId: "desk-b",
        underlying: "BTCUSDT",
        code: "FORBIDDEN",
        exchangeCode: null,
      });
      expect(results[2]).toMatchObject({
        __typename: "MmpConfigError",
        code: "BAD_USER_INPUT",
        field: "windowTimeInMilliseconds",
      });
      expect(results[3]).toMatchObject({
        __typename: "MmpConfigError",
        accountId: "ghost",
        code: "EXCHANGE_REJECTED",
        exchangeCode: -2015,
      });
      expect(results[4]).toMatchObject({
        __typename: "MmpConfig",
        underlying: "SOLUSDT",
        deltaLimit: "0.25",
      });
      expect(results[5]).toMatchObject({
        __typename: "MmpConfigError",
        code: "BAD_USER_INPUT",
        field: "underlying",
      });
      expect(results[5]!.message).toMatch(/repeats .* item 0/);
      // an unknown account reads exactly like a forbidden one
      expect(results[6]).toMatchObject({ code: "FORBIDDEN", message: results[1]!.message });

      // only the three items that passed the gateway's checks reached the exchange
      expect(mmpSetRequests()).toHaveLength(3);
      expect(mmpSetRequests().map((r) => r.params.qtyLimit)).toContain("1.50");
    });

    it("audits every item, refused ones as FAILED, all tied to one batch", async () => {
      const inputs = [
        item("desk-a", "XRPUSDT"),
        item("desk-b", "XRPUSDT"),
        item("desk-a", "DOGEUSDT", { qtyLimit: "0" }),
      ];
      await h.gql(h.tokens.alice, BULK, { inputs });
      const records = (await h.gateway.store.listAudit({ limit: 3 })).reverse();
      // alice cannot see desk-b's log, so her refusal there is filed under no account
      expect(records.map((r) => [r.accountId, r.action, r.outcome])).toEqual(
        expect.arrayContaining([
          ["desk-a", "SET_MMP", "SUCCEEDED"],
          [null, "SET_MMP", "FAILED"],
          ["desk-a", "SET_MMP", "FAILED"],
        ]),
      );
      const inputsRecorded = records.map(
        (r) => JSON.parse(r.input) as { batch: { id: string; index: number; size: number } },
      );
      expect(new Set(inputsRecorded.map((i) => i.batch.id)).size).toBe(1);
      expect(inputsRecorded.map((i) => i.batch.index).sort()).toEqual([0, 1, 2]);
      const refusedForRole = records.find((r) => r.accountId === null)!;
      expect(refusedForRole.exchangeMessage).toMatch(/refused by the gateway \(FORBIDDEN\)/);
      expect(refusedForRole.actorName).toBe("alice");
      const refusedForInput = records.find((r) => r.outcome === "FAILED" && r.accountId === "desk-a")!;
      expect(refusedForInput.exchangeMessage).toMatch(/BAD_USER_INPUT.*qtyLimit/);
    });

    it(`refuses more than ${MAX_BULK_ITEMS} items as a whole, sending and auditing nothing`, async () => {
      const before = await h.gateway.store.listAudit({ limit: 1 });
      const inputs = Array.from({ length: MAX_BULK_ITEMS + 1 }, () => item("desk-a", "BTCUSDT"));
      const res = await h.gql(h.tokens.alice, BULK, { inputs });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "inputs" });
      expect(mmpSetRequests()).toHaveLength(0);
      expect(await h.gateway.store.listAudit({ limit: 1 })).toEqual(before);
    });

    it("lets a viewer send a batch but applies none of it", async () => {
      const res = await h.gql<{ setMmpConfigs: Result[] }>(h.tokens.rita, BULK, {
        inputs: [item("desk-a", "BTCUSDT"), item("desk-b", "ETHUSDT")],
      });
      expect(res.body.data?.setMmpConfigs.map((r) => r.code)).toEqual(["FORBIDDEN", "FORBIDDEN"]);
      expect(mmpSetRequests()).toHaveLength(0);
    });

    it("applies a full batch across accounts", async () => {
      const underlyings = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT"];
      const inputs = ["desk-b", "desk-b-rsa"].flatMap((account) =>
        underlyings.map((u, i) => item(account, u, { qtyLimit: `${i + 1}.5` })),
      );
      const res = await h.gql<{ setMmpConfigs: Result[] }>(h.tokens.bob, BULK, { inputs });
      expect(res.body.errors).toBeUndefined();
      expect(
        res.body.data!.setMmpConfigs.map((r) => [r.__typename, r.accountId, r.underlying, r.qtyLimit]),
      ).toEqual(inputs.map((i) => ["MmpConfig", i.accountId, i.underlying, i.qtyLimit]));
      expect(mmpSetRequests()).toHaveLength(inputs.length);
    });
  });
}
