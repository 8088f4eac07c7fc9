/**
 * The exchange's kill switch (countdown cancel-all) through the gateway, end to end over HTTP against
 * the simulator: arming, listing, heartbeats, the countdown's limits, roles, auditing and what an
 * unclear exchange answer means for each call.
 */
import type { Harness } from "../../helpers/harness";

const SET = `mutation Arm($input: SetKillSwitchInput!) {
  setKillSwitch(input: $input) { accountId underlying countdownTimeInMilliseconds }
}`;
const LIST = `query List($accountId: ID!) {
  killSwitches(accountId: $accountId) { accountId underlying countdownTimeInMilliseconds }
}`;
const HEARTBEAT = `mutation Beat($input: KillSwitchHeartbeatInput!) { killSwitchHeartbeat(input: $input) }`;

interface KillSwitch {
  accountId: string;
  underlying: string;
  countdownTimeInMilliseconds: number;
}

export function killSwitchSuite(harness: () => Harness): void {
  let h: Harness;
  let deskAKey: string;

  beforeAll(async () => {
    h = harness();
    deskAKey = h.accounts.find((a) => a.name === "desk-a")!.apiKey;
  });
  beforeEach(() => {
    h.sim.clearRequests();
    h.sim.clearFaults();
  });

  function arm(underlying: string, countdown: number | string, token = h.tokens.alice) {
    return h.gql<{ setKillSwitch: KillSwitch }>(token, SET, {
      input: { accountId: "desk-a", underlying, countdownTimeInMilliseconds: countdown },
    });
  }

  function beat(underlyings: string[], token = h.tokens.alice) {
    return h.gql<{ killSwitchHeartbeat: string[] }>(token, HEARTBEAT, {
      input: { accountId: "desk-a", underlyings },
    });
  }

  function sent(path: string) {
    return h.sim.requests.filter((r) => r.path === path);
  }

  async function latestAudit() {
    const [entry] = await h.gateway.store.listAudit({ accountIds: ["desk-a"], limit: 1 });
    return entry!;
  }

  describe("kill switch", () => {
    it("arms a timer, lists it for a viewer and refreshes it with a heartbeat", async () => {
      const armed = await arm("BTCUSDT", 30000);
      expect(armed.body.errors).toBeUndefined();
      expect(armed.body.data?.setKillSwitch).toEqual({
        accountId: "desk-a",
        underlying: "BTCUSDT",
        countdownTimeInMilliseconds: 30000,
      });
      expect(sent("/eapi/v1/countdownCancelAll")[0]?.params).toMatchObject({
        underlying: "BTCUSDT",
        countdownTime: "30000",
      });
      expect(await latestAudit()).toMatchObject({ action: "SET_KILL_SWITCH", outcome: "SUCCEEDED" });

      const listed = await h.gql<{ killSwitches: KillSwitch[] }>(h.tokens.rita, LIST, {
        accountId: "desk-a",
      });
      expect(listed.body.errors).toBeUndefined();
      expect(listed.body.data?.killSwitches).toEqual([
        { accountId: "desk-a", underlying: "BTCUSDT", countdownTimeInMilliseconds: 30000 },
      ]);

      const before = h.sim.killSwitchState(deskAKey, "BTCUSDT")!.lastHeartbeatAt;
      await new Promise((r) => setTimeout(r, 5));
      // repeats are sent once; ETHUSDT has no timer, so the exchange leaves it out
      const refreshed = await beat(["BTCUSDT", "ETHUSDT", "BTCUSDT"]);
      expect(refreshed.body.errors).toBeUndefined();
      expect(refreshed.body.data?.killSwitchHeartbeat).toEqual(["BTCUSDT"]);
      const heartbeats = sent("/eapi/v1/countdownCancelAllHeartBeat");
      expect(heartbeats).toHaveLength(1);
      expect(heartbeats[0]!.params).toMatchObject({ underlyings: "BTCUSDT,ETHUSDT" });
      expect(heartbeats[0]!.weight).toBe(10);
      expect(h.sim.killSwitchState(deskAKey, "BTCUSDT")!.lastHeartbeatAt).toBeGreaterThan(before);

      const entry = await latestAudit();
      expect(entry).toMatchObject({
        action: "KILL_SWITCH_HEARTBEAT",
        outcome: "SUCCEEDED",
        actorName: "alice",
      });
      expect(JSON.parse(entry.input)).toEqual({ accountId: "desk-a", underlyings: ["BTCUSDT", "ETHUSDT"] });
      expect(JSON.parse(entry.result!)).toEqual({ refreshed: ["BTCUSDT"] });
    });

    it("disarms with 0, after which the timer is no longer listed", async () => {
      await arm("ETHUSDT", 5000);
      const off = await arm("ETHUSDT", 0);
      expect(off.body.data?.setKillSwitch).toMatchObject({
        underlying: "ETHUSDT",
        countdownTimeInMilliseconds: 0,
      });
      const listed = await h.gql<{ killSwitches: KillSwitch[] }>(h.tokens.alice, LIST, {
        accountId: "desk-a",
      });
      expect(listed.body.data?.killSwitches.map((k) => k.underlying)).not.toContain("ETHUSDT");
      // the audit knows what it replaced
      expect(JSON.parse((await latestAudit()).previous!)).toEqual({
        underlying: "ETHUSDT",
        countdownTimeInMilliseconds: "5000",
      });
    });

    it.each([
      ["below the 5000 ms minimum", 4999],
      ["of 1 ms", 1],
      ["that is negative", -1],
    ])("refuses a countdown %s with BAD_USER_INPUT and sends nothing", async (_name, countdown) => {
      const res = await arm("BTCUSDT", countdown);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "countdownTimeInMilliseconds",
      });
      expect(sent("/eapi/v1/countdownCancelAll")).toHaveLength(0);
    });

    it.each([
      ["no underlying", []],
      ["an unlisted underlying", ["BTCUSDT", "NOPEUSDT"]],
      ["an underlying smuggling parameters", ["BTCUSDT,ETHUSDT"]],
      ["an empty underlying", [""]],
    ])("refuses a heartbeat naming %s with BAD_USER_INPUT and sends nothing", async (_name, underlyings) => {
      const res = await beat(underlyings);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "underlyings",
      });
      expect(sent("/eapi/v1/countdownCancelAllHeartBeat")).toHaveLength(0);
    });

    it("lets a viewer read timers but neither arm nor heartbeat, and keeps other teams out", async () => {
      expect((await arm("BTCUSDT", 30000, h.tokens.rita)).body.errors?.[0]?.extensions?.code).toBe(
        "FORBIDDEN",
      );
      expect((await beat(["BTCUSDT"], h.tokens.rita)).body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect((await arm("BTCUSDT", 30000, h.tokens.bob)).body.errors?.[0]?.extensions?.code).toBe(
        "FORBIDDEN",
      );
      const list = await h.gql(h.tokens.bob, LIST, { accountId: "desk-a" });
      expect(list.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect(h.sim.requests.filter((r) => r.path.startsWith("/eapi/v1/countdown"))).toHaveLength(0);
    });

    it("confirms an arming whose answer was lost by reading the countdown back", async () => {
      h.sim.injectFault({ kind: "applyThenReset" }, { path: "/eapi/v1/countdownCancelAll" });
      const res = await arm("SOLUSDT", 60000);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.setKillSwitch).toMatchObject({
        underlying: "SOLUSDT",
        countdownTimeInMilliseconds: 60000,
      });
      expect(await latestAudit()).toMatchObject({
        action: "SET_KILL_SWITCH",
        outcome: "SUCCEEDED",
        exchangeMessage: expect.stringContaining("read-back"),
      });
    });

    it("reports a heartbeat whose answer was lost as UNKNOWN, saying a retry is safe, and audits it so", async () => {
      h.sim.injectFault({ kind: "applyThenReset" }, { path: "/eapi/v1/countdownCancelAllHeartBeat" });
      const res = await beat(["BTCUSDT"]);
      const err = res.body.errors?.[0];
      expect(err?.extensions).toMatchObject({ code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" });
      expect(err?.message).toMatch(/sending it again is safe/);
      expect(await latestAudit()).toMatchObject({ action: "KILL_SWITCH_HEARTBEAT", outcome: "UNKNOWN" });
    });
  });
}
