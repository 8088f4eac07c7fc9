/**
 * Records left PENDING by a crash are settled from what the exchange holds: SUCCEEDED when a read-back
 * shows the change, UNKNOWN otherwise (and always for heartbeats, which leave nothing to read).
 */
import pino from "pino";
import { ChangeWatcher } from "../../src/cache/change-watcher";
import { BinanceClient } from "../../src/exchange/binance";
import { AccountDirectory } from "../../src/access/account-directory";
import { reconcilePendingAudit } from "../../src/audit/reconcile";
import { openSealer } from "../../src/secrets";
import type { AuditBegin } from "../../src/store/port";
import { OkxClient } from "../../src/exchange/okx";
import { OkxVenue } from "../../src/exchange/venues/okx-venue";
import { VenueRouter } from "../../src/exchange/venues/venue-router";
import { startHarness, type Harness } from "../helpers/harness";

let h: Harness;
let exchange: BinanceClient;
let watcher: ChangeWatcher;
let accounts: AccountDirectory;

beforeAll(async () => {
  h = await startHarness({ venues: true });
  const store = h.gateway.store;
  watcher = new ChangeWatcher(store);
  await watcher.start();
  exchange = new BinanceClient();
  accounts = new AccountDirectory(
    store,
    await openSealer(store, h.masterKey),
    (venue) => (venue === "binance" ? h.config.binanceEapiUrl : h.venues!.url(venue)),
    watcher,
  );
});

afterAll(async () => {
  watcher?.stop();
  await exchange?.close();
  await h?.stop();
});

const SET = `mutation($input: SetMmpConfigInput!) { setMmpConfig(input: $input) { qtyLimit } }`;
const ARM = `mutation($input: SetKillSwitchInput!) { setKillSwitch(input: $input) { countdownTimeInMilliseconds } }`;

async function pending(e: Omit<AuditBegin, "actorId">): Promise<number> {
  return h.gateway.store.auditBegin({ actorId: null, ...e });
}

async function outcomeOf(id: number) {
  const [rec] = await h.gateway.store.listAudit({ beforeId: id + 1, limit: 1 });
  expect(rec?.id).toBe(id);
  return rec!;
}

it("settles each kind of pending exchange call from what the exchange holds", async () => {
  const mmp = {
    accountId: "desk-a",
    underlying: "ETHUSDT",
    windowTimeInMilliseconds: 1200,
    frozenTimeInMilliseconds: 0,
    qtyLimit: "4.5",
    deltaLimit: "1.25",
  };
  expect((await h.gql(h.tokens.alice, SET, { input: mmp })).body.errors).toBeUndefined();
  const arm = { accountId: "desk-a", underlying: "BTCUSDT", countdownTimeInMilliseconds: 30000 };
  expect((await h.gql(h.tokens.alice, ARM, { input: arm })).body.errors).toBeUndefined();

  const base = { accountId: "desk-a" };
  const setInput = { ...mmp, frozenTimeInMilliseconds: "0" };
  const applied = await pending({
    ...base,
    action: "SET_MMP",
    input: JSON.stringify({ ...setInput, qtyLimit: "4.50" }),
  });
  const notApplied = await pending({
    ...base,
    action: "SET_MMP",
    input: JSON.stringify({ ...setInput, qtyLimit: "9" }),
  });
  // ETHUSDT was never triggered, so it is unfrozen: a pending reset's goal holds
  const reset = await pending({
    ...base,
    action: "RESET_MMP",
    input: JSON.stringify({ underlying: "ETHUSDT" }),
  });
  const armed = await pending({
    ...base,
    action: "SET_KILL_SWITCH",
    input: JSON.stringify({ underlying: "BTCUSDT", countdownTimeInMilliseconds: "30000" }),
  });
  const heartbeat = await pending({
    ...base,
    action: "KILL_SWITCH_HEARTBEAT",
    input: JSON.stringify({ underlyings: ["BTCUSDT"] }),
  });
  const malformed = await pending({ ...base, action: "SET_MMP", input: "{not json" });

  const logger = pino({ level: "silent" });
  const { settled } = await reconcilePendingAudit({
    store: h.gateway.store,
    exchange,
    accounts,
    logger,
    settledBy: "replica-one",
    graceMs: 0,
  });
  expect(settled).toBe(6);

  expect(await outcomeOf(applied)).toMatchObject({
    outcome: "SUCCEEDED",
    exchangeMessage: "gateway stopped before the answer; confirmed by read-back; settled by replica-one",
  });
  expect(await outcomeOf(notApplied)).toMatchObject({ outcome: "UNKNOWN" });
  expect(await outcomeOf(reset)).toMatchObject({ outcome: "SUCCEEDED" });
  expect(await outcomeOf(armed)).toMatchObject({ outcome: "SUCCEEDED" });
  expect(await outcomeOf(heartbeat)).toMatchObject({ outcome: "UNKNOWN" });
  expect(await outcomeOf(malformed)).toMatchObject({ outcome: "UNKNOWN" });
  expect(await h.gateway.store.pendingAudit()).toEqual([]);
});

it("leaves records younger than the grace period to the replica that may still be running them", async () => {
  const id = await pending({
    accountId: "desk-a",
    action: "RESET_MMP",
    input: JSON.stringify({ underlying: "BTCUSDT" }),
  });
  const logger = pino({ level: "silent" });
  const { settled } = await reconcilePendingAudit({
    store: h.gateway.store,
    exchange,
    accounts,
    logger,
    settledBy: "replica-one",
    graceMs: 60_000,
  });
  expect(settled).toBe(0);
  expect(await outcomeOf(id)).toMatchObject({ outcome: "PENDING" });
});

it("settles a pending change on a venue with other limits (OKX: no delta limit) from what it holds", async () => {
  const okx = {
    accountId: "desk-a-okx",
    underlying: "BTC-USD",
    windowTimeInMilliseconds: 3000,
    frozenTimeInMilliseconds: 10000,
    qtyLimit: "40",
  };
  expect((await h.gql(h.tokens.alice, SET, { input: okx })).body.errors).toBeUndefined();
  const input = { ...okx, frozenTimeInMilliseconds: "10000" };
  const applied = await pending({ accountId: "desk-a-okx", action: "SET_MMP", input: JSON.stringify(input) });
  const notApplied = await pending({
    accountId: "desk-a-okx",
    action: "SET_MMP",
    input: JSON.stringify({ ...input, qtyLimit: "41" }),
  });
  const okxClient = new OkxClient();
  try {
    await reconcilePendingAudit({
      store: h.gateway.store,
      exchange: new VenueRouter(exchange, { okx: new OkxVenue(okxClient) }),
      accounts,
      logger: pino({ level: "silent" }),
      settledBy: "replica-one",
      graceMs: 0,
    });
  } finally {
    await okxClient.close();
  }
  expect(await outcomeOf(applied)).toMatchObject({ outcome: "SUCCEEDED" });
  expect(await outcomeOf(notApplied)).toMatchObject({ outcome: "UNKNOWN" });
});
