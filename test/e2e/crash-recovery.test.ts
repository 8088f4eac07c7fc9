/**
 * Crash recovery converges on PostgreSQL: gateway processes (`mmp-gateway serve` from dist/) under a
 * load of setMmpConfig, one killed with SIGKILL while its calls are in flight.
 *
 * - killed and restarted at once (as a supervisor does): no record stays PENDING after the grace period
 *   plus one sweep interval, none is settled before the grace period, every change the exchange applied
 *   has its record, and no record claims a success the exchange did not apply;
 * - one of two replicas killed, not restarted: the survivor settles the dead one's records, in the same
 *   time bound.
 *
 * Short exchange timeouts (through the environment, as operators set them) keep the grace period, and
 * so the test, to seconds. The simulator holds each mmpSet for a while, so calls are in flight at the kill.
 */
import { loadConfig } from "../../src/config";
import { pendingGraceMs, sweepIntervalMs } from "../../src/audit/pending-grace";
import { ExchangeSimulator } from "../../src/simulator";
import type { AuditRecord } from "../../src/store/port";
import {
  gql,
  mmpInput,
  seeded,
  SET_MMP,
  spawnServe,
  waitFor,
  type GatewayProcess,
  type SeededDatabase,
} from "../helpers/gateway-fixture";
import { postgresSkipped, postgresTarget, type StoreTarget } from "../helpers/store";

const describePg = postgresSkipped ? describe.skip : describe;

const TIMEOUTS = { EXCHANGE_CONNECT_TIMEOUT_MS: "100", EXCHANGE_TIMEOUT_MS: "300" };
const GRACE_MS = pendingGraceMs(loadConfig(TIMEOUTS).exchange);
const INTERVAL_MS = sweepIntervalMs(GRACE_MS);
/** the sweep's own read-backs and this test's polling, on a busy machine */
const SLACK_MS = 2000;
const CALLERS = 8;
const UNDERLYINGS = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT"];

let sim: ExchangeSimulator;
let simUrl: string;
let pg: StoreTarget;
let db: SeededDatabase;
let env: NodeJS.ProcessEnv;
const running: GatewayProcess[] = [];
let serial = 0;

async function serve(): Promise<GatewayProcess> {
  const p = await spawnServe(env);
  running.push(p);
  return p;
}

beforeAll(async () => {
  if (postgresSkipped) return;
  sim = new ExchangeSimulator();
  simUrl = await sim.start();
  pg = postgresTarget();
  const { location } = await pg.fresh();
  db = await seeded(location, sim, simUrl);
  env = {
    DATABASE_URL: location,
    GATEWAY_MASTER_KEY: db.masterKey,
    BINANCE_EAPI_URL: simUrl,
    MUTATION_RATE_PER_USER: "off",
    MUTATION_RATE_PER_ACCOUNT: "off",
    ...TIMEOUTS,
  };
});

// Each test's replicas alone sweep its records: the ones before are gone.
afterEach(async () => {
  sim?.clearFaults();
  await Promise.all(running.splice(0).map((p) => p.stop("SIGTERM")));
});

afterAll(async () => {
  if (postgresSkipped) return;
  await Promise.all(running.map((p) => p.stop("SIGKILL")));
  await db?.close();
  await pg?.cleanup();
  await sim?.stop();
});

/** CALLERS loops of setMmpConfig (each change unique by its qtyLimit) until the gateway dies. */
function load(gw: GatewayProcess): Promise<void> {
  const caller = async (i: number) => {
    for (;;) {
      const input = {
        accountId: "desk-a",
        underlying: UNDERLYINGS[i % UNDERLYINGS.length],
        windowTimeInMilliseconds: 3000,
        frozenTimeInMilliseconds: 300000,
        qtyLimit: `${++serial}.5`,
        deltaLimit: "2.3",
      };
      try {
        await gql(gw.url, db.seed.tokens.alice, SET_MMP, { input });
      } catch {
        return; // the gateway is gone
      }
    }
  };
  return Promise.all(Array.from({ length: CALLERS }, (_, i) => caller(i))).then(() => undefined);
}

/** Puts the gateway under load, then kills it with calls in flight; the PENDING records it left. */
async function killUnderLoad(gw: GatewayProcess): Promise<{ killedAt: number; pending: AuditRecord[] }> {
  sim.injectFault({ kind: "delay", ms: 100 }, { path: "/eapi/v1/mmpSet", times: 1_000_000 });
  const before = (await db.store.listAudit({ limit: 1 }))[0]?.id ?? 0;
  const loading = load(gw);
  // a steady load: a few rounds of changes done, and some in flight (PENDING) now
  await waitFor(
    "a loaded gateway",
    async () => {
      const newer = (await db.store.listAudit({ limit: 3 * CALLERS })).filter((r) => r.id > before);
      const inFlight = (await db.store.pendingAudit()).length;
      return newer.length >= 3 * CALLERS && inFlight > 0 ? true : undefined;
    },
    10_000,
  );
  gw.child.kill("SIGKILL");
  const killedAt = Date.now();
  await gw.exited;
  await loading;
  return { killedAt, pending: await db.store.pendingAudit() };
}

async function allAudit(): Promise<AuditRecord[]> {
  return db.store.listAudit({ limit: 100_000 });
}

/** Waits until nothing is PENDING; the time from the kill. */
async function settledWithin(killedAt: number): Promise<number> {
  await waitFor(
    "every PENDING record to be settled",
    async () => ((await db.store.pendingAudit()).length === 0 ? true : undefined),
    GRACE_MS + INTERVAL_MS + SLACK_MS + 5_000,
    50,
  );
  return Date.now() - killedAt;
}

/** Every change the simulator applied has a record; every SUCCEEDED record is a change it applied. */
async function expectAuditMatchesExchange(): Promise<void> {
  sim.clearFaults();
  const applied = new Set(
    sim.requests.filter((q) => q.path === "/eapi/v1/mmpSet" && q.accepted).map((q) => q.params.qtyLimit),
  );
  const records = (await allAudit()).filter((r) => r.action === "SET_MMP");
  const qtyOf = (r: AuditRecord) => (JSON.parse(r.input) as { qtyLimit: string }).qtyLimit;
  const audited = new Set(records.map(qtyOf));
  expect([...applied].filter((q) => !audited.has(q))).toEqual([]);
  expect(records.filter((r) => r.outcome === "SUCCEEDED" && !applied.has(qtyOf(r)))).toEqual([]);
  expect(records.filter((r) => r.outcome === "PENDING")).toEqual([]);
}

describePg("a gateway killed under load on PostgreSQL", () => {
  it("and restarted at once: no record PENDING after grace + one sweep interval, none misreported", async () => {
    const gw = await serve();
    const { killedAt, pending } = await killUnderLoad(gw);
    expect(pending.length).toBeGreaterThan(0);

    const restarted = await serve();
    const took = await settledWithin(killedAt);
    expect(took).toBeLessThanOrEqual(GRACE_MS + INTERVAL_MS + SLACK_MS);

    const byId = new Map((await allAudit()).map((r) => [r.id, r]));
    for (const p of pending) {
      const r = byId.get(p.id)!;
      expect(r.outcome === "SUCCEEDED" || r.outcome === "UNKNOWN").toBe(true);
      // settled by the restarted process, and only once the request could no longer be in flight
      expect(r.exchangeMessage).toMatch(new RegExp(`settled by \\S+:${restarted.child.pid}:[0-9a-f]{6}$`));
      expect(r.durationMs).toBeGreaterThanOrEqual(GRACE_MS);
    }
    await expectAuditMatchesExchange();
  }, 60_000);

  it("while another replica runs: the survivor settles the dead one's records", async () => {
    const [victim, survivor] = await Promise.all([serve(), serve()]);
    const { killedAt, pending } = await killUnderLoad(victim);
    expect(pending.length).toBeGreaterThan(0);

    const took = await settledWithin(killedAt);
    expect(took).toBeLessThanOrEqual(GRACE_MS + INTERVAL_MS + SLACK_MS);
    const byId = new Map((await allAudit()).map((r) => [r.id, r]));
    for (const p of pending) {
      const r = byId.get(p.id)!;
      expect(r.exchangeMessage).toMatch(new RegExp(`settled by \\S+:${survivor.child.pid}:[0-9a-f]{6}$`));
      expect(r.durationMs).toBeGreaterThanOrEqual(GRACE_MS);
    }
    await expectAuditMatchesExchange();
    // the survivor still serves
    const answer = await gql(survivor.url, db.seed.tokens.alice, SET_MMP, {
      input: mmpInput("desk-a", "4"),
    });
    expect(answer.body.errors).toBeUndefined();
  }, 60_000);
});
