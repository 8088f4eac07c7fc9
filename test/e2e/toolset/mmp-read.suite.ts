/**
 * Reading MMP state and unfreezing it, end to end over HTTP against the simulator: mmpConfig,
 * mmpConfigs, the derived frozen/frozenUntil fields, and resetMmp after a trigger.
 */
import { DEFAULT_UNDERLYINGS } from "../../../src/simulator";
import type { Harness } from "../../helpers/harness";

const FIELDS =
  "accountId underlyingId underlying windowTimeInMilliseconds frozenTimeInMilliseconds qtyLimit deltaLimit " +
  "lastTriggerTime frozen frozenUntil";
const SET = `mutation Set($input: SetMmpConfigInput!) { setMmpConfig(input: $input) { ${FIELDS} } }`;
const READ = `query Read($accountId: ID!, $underlying: String!) {
  mmpConfig(accountId: $accountId, underlying: $underlying) { ${FIELDS} }
}`;
const READ_ALL = `query ReadAll($accountId: ID!) { mmpConfigs(accountId: $accountId) { ${FIELDS} } }`;
const RESET = `mutation Reset($input: ResetMmpInput!) { resetMmp(input: $input) { ${FIELDS} } }`;

interface Config {
  accountId: string;
  underlying: string;
  windowTimeInMilliseconds: number;
  frozenTimeInMilliseconds: number;
  qtyLimit: string;
  deltaLimit: string;
  lastTriggerTime: number;
  frozen: boolean;
  frozenUntil: number | null;
}

export function mmpReadSuite(harness: () => Harness): void {
  let h: Harness;
  let deskAKey: string;

  beforeAll(async () => {
    h = harness();
    deskAKey = h.accounts.find((a) => a.name === "desk-a")!.apiKey;
  });
  beforeEach(() => h.sim.clearRequests());

  async function set(underlying: string, patch: Record<string, unknown> = {}) {
    const res = await h.gql<{ setMmpConfig: Config }>(h.tokens.alice, SET, {
      input: {
        accountId: "desk-a",
        underlying,
        windowTimeInMilliseconds: 3000,
        frozenTimeInMilliseconds: 300000,
        qtyLimit: "2",
        deltaLimit: "2.3",
        ...patch,
      },
    });
    expect(res.body.errors).toBeUndefined();
    return res;
  }

  function sent(path: string) {
    return h.sim.requests.filter((r) => r.path === path);
  }

  describe("mmpConfig and mmpConfigs", () => {
    it("lets a viewer read what a trader set, as the exchange holds it", async () => {
      expect((await set("ETHUSDT", { qtyLimit: "15.50" })).body.errors).toBeUndefined();
      const res = await h.gql<{ mmpConfig: Config }>(h.tokens.rita, READ, {
        accountId: "desk-a",
        underlying: "ETHUSDT",
      });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.mmpConfig).toEqual({
        accountId: "desk-a",
        underlyingId: 3,
        underlying: "ETHUSDT",
        windowTimeInMilliseconds: 3000,
        frozenTimeInMilliseconds: 300000,
        qtyLimit: "15.5",
        deltaLimit: "2.3",
        lastTriggerTime: 0,
        frozen: false,
        frozenUntil: null,
      });
      expect(sent("/eapi/v1/mmp")).toHaveLength(1);
    });

    it("reads every listed underlying, unconfigured ones as zeros, in the exchange's order", async () => {
      await set("BTCUSDT");
      h.sim.clearRequests();
      const res = await h.gql<{ mmpConfigs: Config[] }>(h.tokens.rita, READ_ALL, { accountId: "desk-a" });
      expect(res.body.errors).toBeUndefined();
      const configs = res.body.data!.mmpConfigs;
      expect(configs.map((c) => c.underlying)).toEqual([...DEFAULT_UNDERLYINGS]);
      expect(configs.every((c) => c.accountId === "desk-a")).toBe(true);
      expect(configs.find((c) => c.underlying === "BTCUSDT")).toMatchObject({
        qtyLimit: "2",
        deltaLimit: "2.3",
      });
      expect(configs.find((c) => c.underlying === "DOGEUSDT")).toMatchObject({
        windowTimeInMilliseconds: 0,
        qtyLimit: "0",
        frozen: false,
      });
      expect(sent("/eapi/v1/mmp")).toHaveLength(DEFAULT_UNDERLYINGS.length);
    });

    it("answers FORBIDDEN for another team's account and an unknown one, and BAD_USER_INPUT for an unlisted underlying", async () => {
      for (const [query, vars] of [
        [READ, { accountId: "desk-b", underlying: "BTCUSDT" }],
        [READ, { accountId: "no-such-account", underlying: "BTCUSDT" }],
        [READ_ALL, { accountId: "desk-b" }],
      ] as const) {
        const res = await h.gql(h.tokens.alice, query, vars);
        expect(res.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      }
      const unlisted = await h.gql(h.tokens.alice, READ, { accountId: "desk-a", underlying: "NOPEUSDT" });
      expect(unlisted.body.errors?.[0]?.extensions).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "underlying",
      });
      expect(sent("/eapi/v1/mmp")).toHaveLength(0);
    });

    it("fails the whole list with the exchange's error rather than answering part of it, and stops reading", async () => {
      h.sim.injectFault({ kind: "malformedJson" }, { path: "/eapi/v1/mmp" });
      const res = await h.gql(h.tokens.rita, READ_ALL, { accountId: "desk-a" });
      expect(res.body.data ?? null).toBeNull();
      expect(res.body.errors?.[0]?.extensions?.code).toBe("EXCHANGE_UNAVAILABLE");
      // the reads already in flight finish; none is started after the failure
      expect(sent("/eapi/v1/mmp").length).toBeLessThan(DEFAULT_UNDERLYINGS.length);
    });
  });

  describe("frozen state and resetMmp", () => {
    it("shows a triggered config frozen until reset, refuses the viewer's reset, and unfreezes on the trader's", async () => {
      await set("SOLUSDT", { frozenTimeInMilliseconds: 0 });
      const triggeredAt = h.sim.serverTime() - 1000;
      h.sim.trigger(deskAKey, "SOLUSDT", triggeredAt);

      const frozen = await h.gql<{ mmpConfig: Config }>(h.tokens.rita, READ, {
        accountId: "desk-a",
        underlying: "SOLUSDT",
      });
      expect(frozen.body.data?.mmpConfig).toMatchObject({
        lastTriggerTime: triggeredAt,
        frozen: true,
        frozenUntil: null,
      });

      const byViewer = await h.gql(h.tokens.rita, RESET, {
        input: { accountId: "desk-a", underlying: "SOLUSDT" },
      });
      expect(byViewer.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      const byOtherTeam = await h.gql(h.tokens.bob, RESET, {
        input: { accountId: "desk-a", underlying: "SOLUSDT" },
      });
      expect(byOtherTeam.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect(sent("/eapi/v1/mmpReset")).toHaveLength(0);
      expect(h.sim.mmpState(deskAKey, "SOLUSDT")?.frozen).toBe(true);

      const reset = await h.gql<{ resetMmp: Config }>(h.tokens.alice, RESET, {
        input: { accountId: "desk-a", underlying: "SOLUSDT" },
      });
      expect(reset.body.errors).toBeUndefined();
      expect(reset.body.data?.resetMmp).toMatchObject({
        accountId: "desk-a",
        underlying: "SOLUSDT",
        lastTriggerTime: 0,
        frozen: false,
        frozenUntil: null,
      });
      expect(h.sim.mmpState(deskAKey, "SOLUSDT")?.frozen).toBe(false);

      const [entry] = await h.gateway.store.listAudit({ accountIds: ["desk-a"], limit: 1 });
      expect(entry).toMatchObject({ action: "RESET_MMP", outcome: "SUCCEEDED", actorName: "alice" });
      expect(JSON.parse(entry!.input)).toEqual({ accountId: "desk-a", underlying: "SOLUSDT" });
      // the triggered config the viewer read is what the gateway knew before the reset
      expect(JSON.parse(entry!.previous!)).toMatchObject({ lastTriggerTime: String(triggeredAt) });
    });

    it("reports a frozen time still running with its end, and one that ran out as not frozen", async () => {
      await set("XRPUSDT", { frozenTimeInMilliseconds: 60000 });
      const recent = h.sim.serverTime() - 1000;
      h.sim.trigger(deskAKey, "XRPUSDT", recent);
      const running = await h.gql<{ mmpConfig: Config }>(h.tokens.alice, READ, {
        accountId: "desk-a",
        underlying: "XRPUSDT",
      });
      expect(running.body.data?.mmpConfig).toMatchObject({ frozen: true, frozenUntil: recent + 60000 });

      h.sim.trigger(deskAKey, "XRPUSDT", h.sim.serverTime() - 120000);
      const over = await h.gql<{ mmpConfig: Config }>(h.tokens.alice, READ, {
        accountId: "desk-a",
        underlying: "XRPUSDT",
      });
      expect(over.body.data?.mmpConfig).toMatchObject({ frozen: false, frozenUntil: null });
    });

    it("confirms a reset whose answer was lost by reading the config back", async () => {
      await set("BNBUSDT", { frozenTimeInMilliseconds: 0 });
      h.sim.trigger(deskAKey, "BNBUSDT");
      h.sim.injectFault({ kind: "applyThenReset" }, { path: "/eapi/v1/mmpReset" });
      const res = await h.gql<{ resetMmp: Config }>(h.tokens.alice, RESET, {
        input: { accountId: "desk-a", underlying: "BNBUSDT" },
      });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.resetMmp).toMatchObject({ frozen: false });
      const [entry] = await h.gateway.store.listAudit({ accountIds: ["desk-a"], limit: 1 });
      expect(entry).toMatchObject({
        action: "RESET_MMP",
        outcome: "SUCCEEDED",
        exchangeMessage: expect.stringContaining("read-back"),
      });
    });

    it("rejects a reset with an invalid underlying before anything is sent", async () => {
      const res = await h.gql(h.tokens.alice, RESET, {
        input: { accountId: "desk-a", underlying: "BTC&x=1" },
      });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "underlying" });
      expect(sent("/eapi/v1/mmpReset")).toHaveLength(0);
    });
  });
}
