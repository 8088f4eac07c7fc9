/**
 * The live view across replicas: two `mmp-gateway serve` processes on one PostgreSQL schema and one
 * Redis. Exactly one polls; an event reaches each subscriber once, whichever replica it is connected
 * to and whichever replica saw it; kill -9 of the polling replica hands polling to the other.
 */
import {
  gql,
  mmpInput,
  SET_MMP,
  startPostgresDeployment,
  waitFor,
  type GatewayProcess,
  type PostgresDeployment,
} from "../helpers/gateway-fixture";
import { postgresSkipped } from "../helpers/store";
import { subscribe, type Subscriber } from "../helpers/subscriptions";

const describePg = postgresSkipped ? describe.skip : describe;
const EVENTS = `subscription { mmpEvents(accountIds: ["desk-a"]) { id kind underlying actor } }`;
type Events = { mmpEvents: { id: string; kind: string; underlying: string; actor: string | null } };
const LIVE_ENV = { MMP_POLL_INTERVAL_MS: "300", MMP_LEADER_TTL_MS: "1500" };

let d: PostgresDeployment;

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+(?:\\.\\d+)?)$`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

async function leaders(ps: GatewayProcess[]): Promise<GatewayProcess[]> {
  const flags = await Promise.all(ps.map((p) => metric(p.url, "mmp_poll_leader")));
  return ps.filter((_, i) => flags[i] === 1);
}

beforeAll(async () => {
  if (!postgresSkipped) d = await startPostgresDeployment();
});

afterAll(async () => {
  await d?.stop();
});

describePg("the live view on two replicas (PostgreSQL + Redis)", () => {
  let a: GatewayProcess;
  let b: GatewayProcess;
  let onA: Subscriber<Events>;
  let onB: Subscriber<Events>;

  beforeAll(async () => {
    [a, b] = await Promise.all([d.serve(LIVE_ENV), d.serve(LIVE_ENV)]);
    onA = subscribe<Events>(a.url, d.db.seed.tokens.rita, EVENTS);
    onB = subscribe<Events>(b.url, d.db.seed.tokens.rita, EVENTS);
    await waitFor("both subscriptions", async () =>
      (await metric(a.url, "mmp_event_subscriptions")) === 1 &&
      (await metric(b.url, "mmp_event_subscriptions")) === 1
        ? true
        : undefined,
    );
  });
  afterAll(async () => {
    await onA?.stop();
    await onB?.stop();
  });

  it("polls from exactly one replica", async () => {
    await waitFor("one leader", async () => ((await leaders([a, b])).length === 1 ? true : undefined), 5000);
    const [leader] = await leaders([a, b]);
    const follower = leader === a ? b : a;
    const before = await Promise.all([
      metric(leader!.url, "mmp_live_exchange_reads_total"),
      metric(follower.url, "mmp_live_exchange_reads_total"),
    ]);
    await new Promise((r) => setTimeout(r, 1500));
    const after = await Promise.all([
      metric(leader!.url, "mmp_live_exchange_reads_total"),
      metric(follower.url, "mmp_live_exchange_reads_total"),
    ]);
    expect(after[0]! - before[0]!).toBeGreaterThan(0);
    expect(after[1]! - before[1]!).toBe(0);
    expect((await leaders([a, b])).length).toBe(1);
  });

  it("delivers each event once to each subscriber, whichever replica made or saw it", async () => {
    const set = await gql(b.url, d.db.seed.tokens.alice, SET_MMP, { input: mmpInput("desk-a", "3.3") });
    expect(set.body.errors).toBeUndefined();
    await waitFor("CHANGED on both", () =>
      onA.received.some((e) => e.mmpEvents.kind === "CHANGED") &&
      onB.received.some((e) => e.mmpEvents.kind === "CHANGED")
        ? true
        : undefined,
    );
    await new Promise((r) => setTimeout(r, 700)); // a poll or two after the change
    d.sim.trigger(d.db.seed.accounts.find((x) => x.name === "desk-a")!.apiKey, "BTCUSDT");
    await waitFor(
      "TRIGGERED on both",
      () =>
        onA.received.some((e) => e.mmpEvents.kind === "TRIGGERED") &&
        onB.received.some((e) => e.mmpEvents.kind === "TRIGGERED")
          ? true
          : undefined,
      5000,
    );
    await new Promise((r) => setTimeout(r, 700));
    for (const sub of [onA, onB]) {
      const kinds = sub.received.map((e) => e.mmpEvents.kind);
      expect(kinds.filter((k) => k === "CHANGED")).toHaveLength(1);
      expect(kinds.filter((k) => k === "TRIGGERED")).toHaveLength(1);
      expect(kinds).not.toContain("CHANGED_OUTSIDE_GATEWAY");
    }
    expect(onA.received.map((e) => e.mmpEvents.id)).toEqual(onB.received.map((e) => e.mmpEvents.id));
    const log = await d.db.store.listAudit({ accountIds: ["desk-a"], limit: 50 });
    expect(log.filter((r) => r.action === "MMP_TRIGGERED")).toHaveLength(1);
  });

  it("hands polling over when the leader is killed (kill -9)", async () => {
    const [leader] = await leaders([a, b]);
    const survivor = leader === a ? b : a;
    const survivorSub = survivor === a ? onA : onB;
    const killedAt = Date.now();
    await leader!.stop("SIGKILL");
    await waitFor(
      "the survivor to lead",
      async () => ((await leaders([survivor])).length === 1 ? true : undefined),
      8000,
      100,
    );
    const tookOverMs = Date.now() - killedAt;
    expect(tookOverMs).toBeLessThan(5000);

    const seen = survivorSub.received.filter((e) => e.mmpEvents.kind === "TRIGGERED").length;
    const reset = await gql(
      survivor.url,
      d.db.seed.tokens.alice,
      `mutation { resetMmp(input: { accountId: "desk-a", underlying: "BTCUSDT" }) { lastTriggerTime } }`,
    );
    expect(reset.body.errors).toBeUndefined();
    await new Promise((r) => setTimeout(r, 700));
    d.sim.trigger(d.db.seed.accounts.find((x) => x.name === "desk-a")!.apiKey, "BTCUSDT");
    await waitFor(
      "a trigger seen by the new leader",
      () =>
        survivorSub.received.filter((e) => e.mmpEvents.kind === "TRIGGERED").length > seen ? true : undefined,
      5000,
    );
  });
});
