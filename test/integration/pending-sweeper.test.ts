/**
 * The periodic sweep of abandoned PENDING audit records, on each store (real SQLite and PostgreSQL),
 * with a stand-in exchange whose answers the test chooses:
 * - a record older than the grace period is settled by a later sweep, without a restart;
 * - a record younger than it (a request in flight on a live replica) is never touched;
 * - two replicas sweeping one database at once settle each record exactly once, even when their
 *   read-backs disagree;
 * - stop() ends the sweeps.
 */
import type { ExchangeCredentials, MmpConfig } from "../../src/domain";
import { PendingSweeper, type PendingSweeperOptions } from "../../src/audit/pending-sweeper";
import type { Store } from "../../src/store/port";
import { waitFor } from "../helpers/gateway-fixture";
import { storeTargets, type StoreTarget, type TestDatabase } from "../helpers/store";

const ASKED = {
  accountId: "desk-a",
  underlying: "BTCUSDT",
  windowTimeInMilliseconds: 1000,
  frozenTimeInMilliseconds: "5000",
  qtyLimit: "1.5",
  deltaLimit: "2",
};

const CREDENTIALS: ExchangeCredentials = {
  accountId: "desk-a",
  apiKey: "key",
  keyType: "hmac",
  secret: "secret",
  baseUrl: "http://exchange.invalid",
};

/** What the exchange holds: what was asked (`applied`) or something else. */
function heldConfig(applied: boolean): MmpConfig {
  return {
    underlyingId: 1,
    underlying: ASKED.underlying,
    windowTimeInMilliseconds: ASKED.windowTimeInMilliseconds,
    frozenTimeInMilliseconds: 5000n,
    qtyLimit: applied ? ASKED.qtyLimit : "9",
    deltaLimit: ASKED.deltaLimit,
    lastTriggerTime: 0n,
  };
}

const silent = { info: () => undefined, warn: () => undefined };

function sweeper(
  store: Store,
  settledBy: string,
  o: { applied: boolean; readBackMs?: number } & Partial<PendingSweeperOptions>,
): PendingSweeper {
  const { applied, readBackMs = 0, ...rest } = o;
  return new PendingSweeper({
    store,
    exchange: {
      getMmp: async () => {
        await new Promise((r) => setTimeout(r, readBackMs));
        return heldConfig(applied);
      },
      getKillSwitches: async () => [],
    },
    accounts: { get: async () => CREDENTIALS },
    logger: silent,
    settledBy,
    graceMs: 60_000,
    intervalMs: 60_000,
    ...rest,
  });
}

/** The shared database's write of a request's intent, as the audit protocol makes it. */
function begin(store: Store): Promise<number> {
  return store.auditBegin({
    actorId: null,
    accountId: "desk-a",
    action: "SET_MMP",
    input: JSON.stringify(ASKED),
  });
}

async function recordOf(store: Store, id: number) {
  const [rec] = await store.listAudit({ beforeId: id + 1, limit: 1 });
  expect(rec?.id).toBe(id);
  return rec!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(storeTargets())("the pending sweep on $kind", (target: StoreTarget) => {
  let db: TestDatabase;
  const started: PendingSweeper[] = [];

  beforeEach(async () => {
    db = await target.fresh();
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
  });

  afterAll(() => target.cleanup());

  function start(s: PendingSweeper) {
    started.push(s);
    return s.start();
  }

  it("settles a record once it is older than the grace period, at a later sweep", async () => {
    // a grace well above the 150 ms look below, so a busy machine cannot make "young" old
    const s = sweeper(db.store, "replica-a", { applied: true, graceMs: 800, intervalMs: 75 });
    expect(await start(s)).toEqual({ settled: 0, settledElsewhere: 0 });
    // before the write: the record's time is taken when the write is queued, before its commit
    const writtenAt = Date.now();
    const id = await begin(db.store);
    // young: the sweeps leave it to the request that may be running it
    await sleep(150);
    expect(await recordOf(db.store, id)).toMatchObject({ outcome: "PENDING" });

    const settled = await waitFor(
      "the sweep to settle the record",
      async () => {
        const r = await recordOf(db.store, id);
        return r.outcome === "PENDING" ? undefined : r;
      },
      3000,
      20,
    );
    // after grace, within grace + one interval (+ the sweep itself and this poll, on a busy machine)
    expect(Date.now() - writtenAt).toBeGreaterThanOrEqual(800);
    expect(Date.now() - writtenAt).toBeLessThan(800 + 75 + 1000);
    expect(settled).toMatchObject({
      outcome: "SUCCEEDED",
      exchangeMessage: "gateway stopped before the answer; confirmed by read-back; settled by replica-a",
    });
    expect(settled.durationMs).toBeGreaterThanOrEqual(300);
    expect(JSON.parse(settled.result!)).toMatchObject({ qtyLimit: "1.5", underlying: "BTCUSDT" });
  });

  it("never settles a record younger than the grace period: its request completes it", async () => {
    let sweeps = 0;
    const counting: Store = new Proxy(db.store, {
      get(t, p) {
        if (p === "pendingAudit") sweeps++;
        return Reflect.get(t, p, t) as unknown;
      },
    });
    const id = await begin(db.store);
    // a live replica's request, in flight: another replica sweeps often, with a start-up sweep too
    start(sweeper(counting, "replica-b", { applied: false, graceMs: 60_000, intervalMs: 10 }));
    await waitFor("several sweeps", () => (sweeps >= 5 ? true : undefined), 2000);
    expect(await recordOf(db.store, id)).toMatchObject({ outcome: "PENDING" });

    await db.store.auditComplete(id, { outcome: "REJECTED", exchangeMessage: "own answer", durationMs: 3 });
    const swept = sweeps;
    await waitFor("two more sweeps", () => (sweeps >= swept + 2 ? true : undefined), 2000);
    expect(await recordOf(db.store, id)).toMatchObject({
      outcome: "REJECTED",
      exchangeMessage: "own answer",
    });
  });

  it("settles each record exactly once when two replicas sweep at the same time", async () => {
    const other = db.reopen();
    await other.migrate();
    const ids: number[] = [];
    for (let i = 0; i < 8; i++) ids.push(await begin(db.store));
    // The read-backs take a while, so both replicas list every record before either settles one; and
    // they disagree (one sees the change applied, the other not): still one outcome per record.
    const [a, b] = await Promise.all([
      start(sweeper(db.store, "replica-a", { applied: true, startupGraceMs: 0, readBackMs: 40 })),
      start(sweeper(other, "replica-b", { applied: false, startupGraceMs: 0, readBackMs: 40 })),
    ]);
    expect(a.settled + b.settled).toBe(ids.length);
    expect(a.settled + a.settledElsewhere).toBe(ids.length);
    expect(b.settled + b.settledElsewhere).toBe(ids.length);

    const records = await Promise.all(ids.map((id) => recordOf(db.store, id)));
    const by = (r: { exchangeMessage: string | null }) =>
      /settled by (\S+)$/.exec(r.exchangeMessage ?? "")?.[1];
    expect(records.filter((r) => by(r) === "replica-a")).toHaveLength(a.settled);
    expect(records.filter((r) => by(r) === "replica-b")).toHaveLength(b.settled);
    for (const r of records) expect(r.outcome).toBe(by(r) === "replica-a" ? "SUCCEEDED" : "UNKNOWN");
    expect(await other.pendingAudit()).toEqual([]);
  });

  it("sweeps no more once stopped", async () => {
    let sweeps = 0;
    const counting: Store = new Proxy(db.store, {
      get(t, p) {
        if (p === "pendingAudit") sweeps++;
        return Reflect.get(t, p, t) as unknown;
      },
    });
    const s = sweeper(counting, "replica-c", { applied: true, graceMs: 100, intervalMs: 10 });
    await start(s);
    await waitFor("a few sweeps", () => (sweeps >= 3 ? true : undefined), 2000);
    await s.stop();
    const swept = sweeps;
    const id = await begin(db.store);
    await sleep(250);
    expect(sweeps).toBe(swept);
    expect(await recordOf(db.store, id)).toMatchObject({ outcome: "PENDING" });
  });

  it("schedules its sweeps on a timer that does not keep the process alive", async () => {
    const spy = jest.spyOn(globalThis, "setTimeout");
    try {
      const s = sweeper(db.store, "replica-d", {
        applied: true,
        graceMs: 5000,
        intervalMs: 4321,
        random: () => 0,
      });
      await start(s);
      await waitFor("the next sweep to be scheduled", () =>
        spy.mock.calls.some((c) => c[1] === 4321) ? true : undefined,
      );
      const i = spy.mock.calls.findIndex((c) => c[1] === 4321);
      const timer = spy.mock.results[i]?.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      await s.stop();
    } finally {
      spy.mockRestore();
    }
  });

  it("refuses an interval longer than the grace period", () => {
    expect(() => sweeper(db.store, "x", { applied: true, graceMs: 100, intervalMs: 101 })).toThrow(
      RangeError,
    );
  });
});
