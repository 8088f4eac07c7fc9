/**
 * The live MMP view end to end, on one gateway (SQLite) against the simulator, over real HTTP and
 * WebSocket: reads served from the live state (one exchange read per account and underlying however
 * many readers), each event kind pushed to a subscriber and audited, per-event authorisation, and the
 * weight kept for changes and heartbeats when other traffic has used most of it.
 */
import { waitFor } from "../helpers/gateway-fixture";
import { startHarness, type Harness } from "../helpers/harness";
import { connect, subscribe, type Subscriber } from "../helpers/subscriptions";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { startGateway, type Gateway } from "../../src/app";
import { DEFAULT_UNDERLYINGS } from "../../src/simulator";

const EVENTS = `subscription Events($ids: [ID!]) {
  mmpEvents(accountIds: $ids) {
    id kind accountId underlying at actor
    config { accountId underlying qtyLimit deltaLimit frozenTimeInMilliseconds lastTriggerTime observedAt frozen }
  }
}`;
const SET = `mutation Set($input: SetMmpConfigInput!) { setMmpConfig(input: $input) { qtyLimit observedAt } }`;
const RESET = `mutation Reset($input: ResetMmpInput!) { resetMmp(input: $input) { lastTriggerTime } }`;
const READ_ALL = `query All($id: ID!) { mmpConfigs(accountId: $id) { underlying qtyLimit observedAt } }`;

interface Event {
  id: string;
  kind: string;
  accountId: string;
  underlying: string;
  at: number;
  actor: string | null;
  config: { qtyLimit: string; lastTriggerTime: number; observedAt: number; frozen: boolean } | null;
}
type Events = { mmpEvents: Event };

const POLL_MS = 150;
const quietLogger = () => pino({ level: "silent" });

async function subscriptions(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^mmp_event_subscriptions (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

async function subscribed<T>(url: string, n: number, sub: Subscriber<T>): Promise<Subscriber<T>> {
  await waitFor(`${n} subscription(s)`, async () => ((await subscriptions(url)) >= n ? true : undefined));
  return sub;
}

async function set(
  h: Harness,
  token: string,
  accountId: string,
  underlying: string,
  patch: Record<string, unknown> = {},
) {
  const res = await h.gql(token, SET, {
    input: {
      accountId,
      underlying,
      windowTimeInMilliseconds: 3000,
      frozenTimeInMilliseconds: 60000,
      qtyLimit: "2",
      deltaLimit: "2.3",
      ...patch,
    },
  });
  expect(res.body.errors).toBeUndefined();
  return res;
}

describe("reads from the live state", () => {
  it("costs one exchange read per account and underlying however many readers ask at once", async () => {
    const g = await startHarness({
      config: { live: { pollIntervalMs: 0, readMaxAgeMs: 5000, readWeightShare: 0.5, leaderTtlMs: 5000 } },
    });
    try {
      g.sim.clearRequests();
      const answers = await Promise.all(
        Array.from({ length: 40 }, () => g.gql(g.tokens.rita, READ_ALL, { id: "desk-a" })),
      );
      for (const a of answers) expect(a.body.errors).toBeUndefined();
      const reads = g.sim.requests.filter((r) => r.path === "/eapi/v1/mmp");
      expect(reads).toHaveLength(DEFAULT_UNDERLYINGS.length);
      // every reader saw the same observation
      const seen = new Set(answers.map((a) => JSON.stringify(a.body.data)));
      expect(seen.size).toBe(1);

      // fifteen aliases in one request: still nothing more while the state is fresh
      const aliases = Array.from(
        { length: 15 },
        (_, i) => `a${i}: mmpConfigs(accountId: "desk-a") { qtyLimit }`,
      );
      const storm = await g.gql(g.tokens.rita, `{ ${aliases.join(" ")} }`);
      expect(storm.body.errors).toBeUndefined();
      expect(g.sim.requests.filter((r) => r.path === "/eapi/v1/mmp")).toHaveLength(
        DEFAULT_UNDERLYINGS.length,
      );
    } finally {
      await g.stop();
    }
  });

  it("reads the kill switches once per account however many readers and aliases ask", async () => {
    const g = await startHarness({
      config: { live: { pollIntervalMs: 0, readMaxAgeMs: 5000, readWeightShare: 0.5, leaderTtlMs: 5000 } },
    });
    try {
      g.sim.clearRequests();
      const aliases = Array.from(
        { length: 15 },
        (_, i) => `k${i}: killSwitches(accountId: "desk-a") { underlying }`,
      );
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => g.gql(g.tokens.rita, `{ ${aliases.join(" ")} }`)),
      );
      for (const a of answers) expect(a.body.errors).toBeUndefined();
      expect(g.sim.requests.filter((r) => r.path === "/eapi/v1/countdownCancelAll")).toHaveLength(1);
    } finally {
      await g.stop();
    }
  });

  it("serves a change at once, with observedAt, without reading the exchange again", async () => {
    const g = await startHarness({
      config: { live: { pollIntervalMs: 0, readMaxAgeMs: 60_000, readWeightShare: 0.5, leaderTtlMs: 5000 } },
    });
    try {
      const before = Date.now();
      const res = await g.gql<{ setMmpConfig: { qtyLimit: string; observedAt: number } }>(
        g.tokens.alice,
        SET,
        {
          input: {
            accountId: "desk-a",
            underlying: "BTCUSDT",
            windowTimeInMilliseconds: 3000,
            frozenTimeInMilliseconds: 60000,
            qtyLimit: "7.25",
            deltaLimit: "2.3",
          },
        },
      );
      expect(res.body.data?.setMmpConfig.observedAt).toBeGreaterThanOrEqual(before);
      g.sim.clearRequests();
      const read = await g.gql<{ mmpConfig: { qtyLimit: string; observedAt: number } }>(
        g.tokens.rita,
        `{ mmpConfig(accountId: "desk-a", underlying: "BTCUSDT") { qtyLimit observedAt } }`,
      );
      expect(read.body.data?.mmpConfig).toEqual(res.body.data?.setMmpConfig);
      expect(g.sim.requests.filter((r) => r.path === "/eapi/v1/mmp")).toHaveLength(0);
    } finally {
      await g.stop();
    }
  });
});

describe("events pushed to subscribers", () => {
  let g: Harness;
  beforeAll(async () => {
    g = await startHarness({
      config: {
        live: { pollIntervalMs: POLL_MS, readMaxAgeMs: 1000, readWeightShare: 0.5, leaderTtlMs: 5000 },
      },
    });
  });
  afterAll(async () => g?.stop());

  it("delivers CHANGED, TRIGGERED, RESET, UNFROZEN and CHANGED_OUTSIDE_GATEWAY, and audits the detections", async () => {
    const sub = await subscribed(
      g.url,
      1,
      subscribe<Events>(g.url, g.tokens.rita, EVENTS, { ids: ["desk-a"] }),
    );
    const kinds = () => sub.received.map((e) => e.mmpEvents.kind);
    const key = g.apiKey("desk-a");
    try {
      // CHANGED, by a gateway user
      await g.gql(g.tokens.alice, SET, {
        input: {
          accountId: "desk-a",
          underlying: "ETHUSDT",
          windowTimeInMilliseconds: 3000,
          frozenTimeInMilliseconds: "0",
          qtyLimit: "3.5",
          deltaLimit: "1",
        },
      });
      await waitFor("CHANGED", () => (kinds().includes("CHANGED") ? true : undefined));
      const changed = sub.received.find((e) => e.mmpEvents.kind === "CHANGED")!.mmpEvents;
      expect(changed).toMatchObject({ accountId: "desk-a", underlying: "ETHUSDT", actor: "alice" });
      expect(changed.config?.qtyLimit).toBe("3.5");

      // TRIGGERED: the exchange pushes nothing, the poller sees lastTriggerTime move
      await new Promise((r) => setTimeout(r, 2 * POLL_MS));
      g.sim.trigger(key, "ETHUSDT");
      await waitFor("TRIGGERED", () => (kinds().includes("TRIGGERED") ? true : undefined), 3000);
      const triggered = sub.received.find((e) => e.mmpEvents.kind === "TRIGGERED")!.mmpEvents;
      expect(triggered.actor).toBeNull();
      expect(triggered.at).toBe(g.sim.mmpState(key, "ETHUSDT")!.lastTriggerTime);
      expect(triggered.config?.frozen).toBe(true);

      // RESET, by a gateway user
      const reset = await g.gql(g.tokens.alice, RESET, {
        input: { accountId: "desk-a", underlying: "ETHUSDT" },
      });
      expect(reset.body.errors).toBeUndefined();
      await waitFor("RESET", () => (kinds().includes("RESET") ? true : undefined));

      // UNFROZEN: a short frozen time runs out
      await set(g, g.tokens.alice, "desk-a", "ETHUSDT", { frozenTimeInMilliseconds: 400 });
      await new Promise((r) => setTimeout(r, 2 * POLL_MS));
      g.sim.trigger(key, "ETHUSDT");
      await waitFor("UNFROZEN", () => (kinds().includes("UNFROZEN") ? true : undefined), 3000);
      expect(kinds().filter((k) => k === "TRIGGERED")).toHaveLength(2);

      // CHANGED_OUTSIDE_GATEWAY: the exchange's UI changes a limit
      g.sim.changeOutside(key, {
        underlying: "ETHUSDT",
        windowTimeInMilliseconds: 4000,
        frozenTimeInMilliseconds: 0n,
        qtyLimit: "99",
        deltaLimit: "1",
      });
      await waitFor("CHANGED_OUTSIDE_GATEWAY", () =>
        kinds().includes("CHANGED_OUTSIDE_GATEWAY") ? true : undefined,
      );
      const outside = sub.received.find((e) => e.mmpEvents.kind === "CHANGED_OUTSIDE_GATEWAY")!.mmpEvents;
      expect(outside).toMatchObject({ actor: null, underlying: "ETHUSDT" });
      expect(outside.config?.qtyLimit).toBe("99");

      // the gateway's own changes never read as outside changes
      expect(kinds().filter((k) => k === "CHANGED_OUTSIDE_GATEWAY")).toHaveLength(1);
      // each event once, with its own id
      expect(new Set(sub.received.map((e) => e.mmpEvents.id)).size).toBe(sub.received.length);

      // the detections are in the audit log, actor null, with the config before and after
      const log = await g.gateway.store.listAudit({ accountIds: ["desk-a"], limit: 50 });
      const triggers = log.filter((r) => r.action === "MMP_TRIGGERED");
      expect(triggers).toHaveLength(2);
      expect(triggers.every((r) => r.actorId === null && r.outcome === "SUCCEEDED")).toBe(true);
      const outsideRecord = log.find((r) => r.action === "MMP_CHANGED_OUTSIDE_GATEWAY")!;
      expect(JSON.parse(outsideRecord.previous!)).toMatchObject({
        qtyLimit: "2",
        frozenTimeInMilliseconds: "400",
      });
      expect(JSON.parse(outsideRecord.result!)).toMatchObject({
        qtyLimit: "99",
        windowTimeInMilliseconds: 4000,
      });

      // and counted in Prometheus
      const metrics = await (await fetch(`${g.url}/metrics`)).text();
      expect(metrics).toMatch(/mmp_triggers_total\{account="desk-a",underlying="ETHUSDT"\} 2/);
    } finally {
      await sub.stop();
    }
  });

  it("sends a viewer of another account nothing, and refuses to subscribe to it", async () => {
    const bob = await subscribed(g.url, 1, subscribe<Events>(g.url, g.tokens.bob, EVENTS));
    const rita = await subscribed(g.url, 2, subscribe<Events>(g.url, g.tokens.rita, EVENTS));
    try {
      await set(g, g.tokens.alice, "desk-a", "BNBUSDT", { qtyLimit: "4" });
      await waitFor("rita's event", () => (rita.received.length > 0 ? true : undefined));
      await new Promise((r) => setTimeout(r, 200));
      expect(bob.received).toHaveLength(0);

      const refused = subscribe<Events>(g.url, g.tokens.bob, EVENTS, { ids: ["desk-a"] });
      await waitFor("FORBIDDEN", () => (refused.errors.length > 0 ? true : undefined));
      expect(JSON.stringify(refused.errors)).toMatch(/FORBIDDEN/);
      const unknown = subscribe<Events>(g.url, g.tokens.bob, EVENTS, { ids: ["no-such-account"] });
      await waitFor("FORBIDDEN", () => (unknown.errors.length > 0 ? true : undefined));
      expect(JSON.stringify(unknown.errors)).toMatch(/FORBIDDEN/);
      await refused.stop();
      await unknown.stop();
    } finally {
      await bob.stop();
      await rita.stop();
    }
  });

  it("closes an unauthenticated connection with 4401 and refuses queries over the socket", async () => {
    const anon = subscribe<Events>(g.url, undefined, EVENTS);
    await waitFor("close", () => anon.closedWith);
    expect(anon.closedWith).toBe(4401);
    const bad = subscribe<Events>(g.url, "not-a-token", EVENTS);
    await waitFor("close", () => bad.closedWith);
    expect(bad.closedWith).toBe(4401);

    const query = subscribe(g.url, g.tokens.rita, `{ accounts { id } }`);
    await waitFor("refusal", () => (query.errors.length > 0 ? true : undefined));
    expect(JSON.stringify(query.errors)).toMatch(/only subscriptions run over WebSocket/);
    await query.stop();
  });

  it("caps subscriptions per connection and applies the HTTP query limits over the socket", async () => {
    const { client } = connect(g.url, g.tokens.rita);
    const errors: unknown[][] = [];
    const stops: (() => void)[] = [];
    for (let i = 0; i < 21; i++) {
      const errs: unknown[] = [];
      errors.push(errs);
      stops.push(
        client.subscribe(
          { query: EVENTS },
          { next: () => undefined, error: (e) => errs.push(e), complete: () => undefined },
        ),
      );
    }
    try {
      await waitFor("the 21st refused", () => (errors[20]!.length > 0 ? true : undefined));
      expect(JSON.stringify(errors[20])).toMatch(/RATE_LIMITED/);
      expect(errors.slice(0, 20).every((e) => e.length === 0)).toBe(true);

      // one root field (a valid subscription) with more aliases than the HTTP limit allows
      const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: id`).join(" ");
      const wide = subscribe(g.url, g.tokens.rita, `subscription { mmpEvents { ${aliases} } }`);
      await waitFor("alias limit", () => (wide.errors.length > 0 ? true : undefined));
      expect(JSON.stringify(wide.errors)).toMatch(/GRAPHQL_VALIDATION_FAILED/);
      expect(JSON.stringify(wide.errors)).toMatch(/[Aa]liases/);
      const within = subscribe(g.url, g.tokens.rita, `subscription { mmpEvents { a0: id a1: kind } }`);
      await waitFor("a subscription within the limits", async () =>
        (await subscriptions(g.url)) >= 21 ? true : undefined,
      );
      expect(within.errors).toEqual([]);
      await within.stop();
      await wide.stop();
    } finally {
      for (const stop of stops) stop();
      await client.dispose();
    }
  });

  it("stops a user's events once they leave the team, and closes the socket when their token is revoked", async () => {
    const user = await g.admin.addUser("viewer-x", false);
    await g.admin.addMember("risk", "viewer-x");
    await g.gateway.refreshCaches();
    const sub = await subscribed(g.url, 1, subscribe<Events>(g.url, user.token, EVENTS));
    const rita = await subscribed(g.url, 2, subscribe<Events>(g.url, g.tokens.rita, EVENTS));
    try {
      await set(g, g.tokens.alice, "desk-a", "SOLUSDT", { qtyLimit: "5" });
      await waitFor("first event", () => (sub.received.length > 0 ? true : undefined));
      const seen = sub.received.length;

      await g.admin.removeMember("risk", "viewer-x");
      await g.gateway.refreshCaches();
      await set(g, g.tokens.alice, "desk-a", "SOLUSDT", { qtyLimit: "6" });
      await waitFor("rita's second event", () =>
        rita.received.some((e) => e.mmpEvents.config?.qtyLimit === "6") ? true : undefined,
      );
      await new Promise((r) => setTimeout(r, 200));
      expect(sub.received).toHaveLength(seen);

      await g.admin.revokeToken(user.tokenRecord.id);
      await g.gateway.refreshCaches();
      await waitFor("close", () => sub.closedWith, 3000);
      expect(sub.closedWith).toBe(4401);
    } finally {
      await sub.stop();
      await rita.stop();
    }
  });
});

describe("weight kept for changes and heartbeats", () => {
  it("stops reads calling the exchange at the read share while a change and a heartbeat go through", async () => {
    const g = await startHarness({
      config: { live: { pollIntervalMs: 0, readMaxAgeMs: 0, readWeightShare: 0.5, leaderTtlMs: 5000 } },
    });
    try {
      // a first read fills the live state (and the kill switches' last list)
      const first = await g.gql(g.tokens.rita, READ_ALL, { id: "desk-a" });
      expect(first.body.errors).toBeUndefined();
      const KILL = `{ killSwitches(accountId: "desk-a") { underlying } }`;
      expect((await g.gql(g.tokens.rita, KILL)).body.errors).toBeUndefined();
      // other traffic from this IP has used 85% of the exchange's 2400 per minute
      g.sim.useWeight("127.0.0.1", 2040);
      await g.gql(g.tokens.rita, READ_ALL, { id: "desk-a" }); // learns the used weight from the header
      g.sim.clearRequests();

      const reads = await Promise.all(
        Array.from({ length: 10 }, () =>
          g.gql<{ mmpConfigs: { observedAt: number }[] }>(g.tokens.rita, READ_ALL, { id: "desk-a" }),
        ),
      );
      for (const r of reads) expect(r.body.errors).toBeUndefined();
      const kills = await Promise.all(Array.from({ length: 5 }, () => g.gql(g.tokens.rita, KILL)));
      for (const k of kills) expect(k.body.errors).toBeUndefined();
      expect(mmpReads()).toHaveLength(0);
      expect(g.sim.requests).toHaveLength(0);

      await set(g, g.tokens.alice, "desk-a", "BTCUSDT", { qtyLimit: "8" });
      const arm = await g.gql(
        g.tokens.alice,
        `mutation { setKillSwitch(input: { accountId: "desk-a", underlying: "BTCUSDT", countdownTimeInMilliseconds: 30000 }) { countdownTimeInMilliseconds } }`,
      );
      expect(arm.body.errors).toBeUndefined();
      const beat = await g.gql(
        g.tokens.alice,
        `mutation { killSwitchHeartbeat(input: { accountId: "desk-a", underlyings: ["BTCUSDT"] }) }`,
      );
      expect(beat.body.errors).toBeUndefined();
      expect(g.sim.requests.map((r) => r.path)).toEqual([
        "/eapi/v1/mmpSet",
        "/eapi/v1/countdownCancelAll",
        "/eapi/v1/countdownCancelAllHeartBeat",
      ]);
    } finally {
      await g.stop();
    }

    function mmpReads() {
      return g.sim.requests.filter((r) => r.path === "/eapi/v1/mmp");
    }
  });
});

describe("the account graph for frontends", () => {
  let g: Harness;
  beforeAll(async () => {
    g = await startHarness({
      config: { live: { pollIntervalMs: 0, readMaxAgeMs: 60_000, readWeightShare: 0.5, leaderTtlMs: 5000 } },
    });
  });
  afterAll(async () => g?.stop());

  const GRAPH = `{ serverTime accounts { id role mmpConfigs { underlying observedAt } killSwitches { underlying } } }`;

  it("answers every account the caller sees with its role, configs and kill switches in one query", async () => {
    const res = await g.gql<{
      serverTime: number;
      accounts: { id: string; role: string | null; mmpConfigs: unknown[]; killSwitches: unknown[] }[];
    }>(g.tokens.rita, GRAPH);
    expect(res.body.errors).toBeUndefined();
    expect(Math.abs(res.body.data!.serverTime - Date.now())).toBeLessThan(5000);
    expect(res.body.data!.accounts.map((a) => [a.id, a.role])).toEqual([
      ["desk-a", "VIEWER"],
      ["desk-b", "VIEWER"],
      ["desk-b-rsa", "VIEWER"],
    ]);
    for (const a of res.body.data!.accounts) expect(a.mmpConfigs).toHaveLength(DEFAULT_UNDERLYINGS.length);

    // a second pass while fresh costs no exchange read
    g.sim.clearRequests();
    const again = await g.gql(g.tokens.rita, GRAPH);
    expect(again.body.errors).toBeUndefined();
    expect(g.sim.requests.filter((r) => r.path === "/eapi/v1/mmp")).toHaveLength(0);
  });

  it("gives an admin user without a team role a null role and no configs", async () => {
    const admin = await g.admin.addUser("admin-only", true);
    await g.gateway.refreshCaches();
    const res = await g.gql<{ accounts: { id: string; role: string | null; mmpConfigs: unknown[] }[] }>(
      admin.token,
      `{ accounts { id role mmpConfigs { underlying } } }`,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.accounts.every((a) => a.role === null && a.mmpConfigs.length === 0)).toBe(true);
  });

  it("answers account(id) for a visible account and FORBIDDEN for others, existing or not", async () => {
    const ok = await g.gql<{ account: { id: string; role: string } }>(
      g.tokens.alice,
      `{ account(id: "desk-a") { id role } }`,
    );
    expect(ok.body.data?.account).toEqual({ id: "desk-a", role: "TRADER" });
    for (const id of ["desk-b", "no-such-account"]) {
      const res = await g.gql(g.tokens.alice, `query($id: ID!) { account(id: $id) { id } }`, { id });
      expect(res.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
  });

  it("exposes every metric the example alert rules use", async () => {
    const rules = readFileSync(join(__dirname, "../../deploy/prometheus-alerts.yml"), "utf8");
    const used = new Set(rules.match(/\bmmp_[a-z_]+/g));
    expect(used.size).toBeGreaterThan(3);
    const text = await (await fetch(`${g.url}/metrics`)).text();
    for (const name of used) expect(text).toMatch(new RegExp(`^# TYPE ${name} `, "m"));
  });
});

describe("a trigger while no gateway ran", () => {
  it("is audited once by the first poll after start-up, and never twice", async () => {
    const live = { pollIntervalMs: POLL_MS, readMaxAgeMs: 1000, readWeightShare: 0.5, leaderTtlMs: 5000 };
    const g = await startHarness({ config: { live } });
    let second: Gateway | undefined;
    let third: Gateway | undefined;
    try {
      await set(g, g.tokens.alice, "desk-a", "XRPUSDT", { frozenTimeInMilliseconds: 0 });
      const triggers = async () =>
        (await g.gateway.store.listAudit({ accountIds: ["desk-a"], limit: 100 })).filter(
          (r) => r.action === "MMP_TRIGGERED",
        );
      await g.gateway.stop();
      // MMP triggers while the gateway is down
      g.sim.trigger(g.apiKey("desk-a"), "XRPUSDT");
      const at = g.sim.mmpState(g.apiKey("desk-a"), "XRPUSDT")!.lastTriggerTime;

      second = await startGateway({ config: g.config, logger: quietLogger(), store: g.gateway.store });
      const found = await waitFor("the missed trigger's record", async () => {
        const t = await triggers();
        return t.length > 0 ? t : undefined;
      });
      expect(found).toHaveLength(1);
      expect(JSON.parse(found[0]!.input)).toMatchObject({
        underlying: "XRPUSDT",
        lastTriggerTime: String(at),
      });
      expect(found[0]!.previous).toBeNull();
      await second.stop();
      second = undefined;

      // the next start finds it recorded: nothing is written twice
      third = await startGateway({ config: g.config, logger: quietLogger(), store: g.gateway.store });
      await new Promise((r) => setTimeout(r, 6 * POLL_MS));
      expect(await triggers()).toHaveLength(1);
    } finally {
      await second?.stop();
      await third?.stop();
      await g.sim.stop();
      await g.gateway.store.close();
    }
  });
});
