/**
 * The audit protocol on the other venues, exactly as for Binance: a change whose answer is lost is
 * never sent again; the gateway reads the venue back, answers what it holds when the change is there
 * (SUCCEEDED) and says UNKNOWN only when it cannot tell; a change that never left is FAILED.
 */
import { startHarness, type Harness } from "../helpers/harness";

const SET = `mutation Set($input: SetMmpConfigInput!) {
  setMmpConfig(input: $input) { venue qtyLimit maxQuoteQuantity }
}`;

const DERIBIT = {
  accountId: "desk-a-deribit",
  underlying: "eth_usd",
  windowTimeInMilliseconds: 3000,
  frozenTimeInMilliseconds: 10000,
  qtyLimit: "7.5",
  maxQuoteQuantity: "2",
};
const OKX = {
  accountId: "desk-a-okx",
  underlying: "ETH-USD",
  windowTimeInMilliseconds: 3000,
  frozenTimeInMilliseconds: 10000,
  qtyLimit: "40",
};

describe("lost answers and unreachable venues, on Deribit and OKX", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ venues: true });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("Deribit: a set whose answer is lost (applied) is read back and answered; sent once", async () => {
    h.venues!.deribit.clearRequests();
    h.venues!.deribit.injectFault({ kind: "drop" }, { method: "private/set_mmp_config" });
    const res = await h.gql(h.tokens.alice, SET, { input: DERIBIT });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({
      setMmpConfig: { venue: "DERIBIT", qtyLimit: "7.5", maxQuoteQuantity: "2" },
    });
    const sets = h.venues!.deribit.requests.filter((r) => r.rpcMethod === "private/set_mmp_config");
    expect(sets).toHaveLength(1);
    expect(sets[0]!.fault).toBe("drop");
    const [record] = await h.audit("desk-a-deribit", 1);
    expect(record).toMatchObject({ action: "SET_MMP", outcome: "SUCCEEDED" });
  });

  it("OKX: a set whose answer is lost and that was not applied is UNKNOWN, never re-sent", async () => {
    h.venues!.okx.clearRequests();
    h.venues!.okx.injectFault({ kind: "drop", applied: false }, { path: "/api/v5/account/mmp-config" });
    const res = await h.gql(h.tokens.alice, SET, { input: OKX });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({
      code: "EXCHANGE_UNAVAILABLE",
      outcome: "UNKNOWN",
    });
    const sets = h.venues!.okx.requests.filter(
      (r) => r.method === "POST" && r.path === "/api/v5/account/mmp-config",
    );
    expect(sets).toHaveLength(1);
    expect(sets[0]!.fault).toBe("drop");
    const [record] = await h.audit("desk-a-okx", 1);
    expect(record).toMatchObject({ action: "SET_MMP", outcome: "UNKNOWN" });
  });

  it("a venue that cannot be reached is FAILED: nothing was applied", async () => {
    // the last test: the simulator stays down (connection refused)
    await h.venues!.okx.stop();
    const res = await h.gql(h.tokens.alice, SET, { input: OKX });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({
      code: "EXCHANGE_UNAVAILABLE",
      outcome: "NOT_APPLIED",
    });
    const [record] = await h.audit("desk-a-okx", 1);
    expect(record).toMatchObject({ action: "SET_MMP", outcome: "FAILED" });
  });
});

describe("one bulk change across venues", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ venues: true });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("applies each item by its venue's rules and answers one result per item, in order", async () => {
    const BULK = `mutation Bulk($inputs: [SetMmpConfigInput!]!) {
      setMmpConfigs(inputs: $inputs) {
        __typename
        ... on MmpConfig { accountId venue underlying qtyLimit deltaLimit }
        ... on MmpConfigError { accountId code field message }
      }
    }`;
    const common = { windowTimeInMilliseconds: 3000, frozenTimeInMilliseconds: 10000 };
    const res = await h.gql<{ setMmpConfigs: Record<string, unknown>[] }>(h.tokens.alice, BULK, {
      inputs: [
        { ...common, accountId: "desk-a", underlying: "BTCUSDT", qtyLimit: "2", deltaLimit: "2.3" },
        { ...common, accountId: "desk-a-okx", underlying: "BTC-USD", qtyLimit: "10" },
        {
          ...common,
          accountId: "desk-a-deribit",
          underlying: "btc_usd",
          qtyLimit: "1",
          windowTimeInMilliseconds: 2500,
          maxQuoteQuantity: "1",
        },
        { ...common, accountId: "desk-a-bybit", underlying: "BTC", qtyLimit: "3", deltaLimit: "1.5" },
      ],
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.setMmpConfigs).toEqual([
      {
        __typename: "MmpConfig",
        accountId: "desk-a",
        venue: "BINANCE",
        underlying: "BTCUSDT",
        qtyLimit: "2",
        deltaLimit: "2.3",
      },
      {
        __typename: "MmpConfig",
        accountId: "desk-a-okx",
        venue: "OKX",
        underlying: "BTC-USD",
        qtyLimit: "10",
        deltaLimit: null,
      },
      {
        __typename: "MmpConfigError",
        accountId: "desk-a-deribit",
        code: "BAD_USER_INPUT",
        field: "windowTimeInMilliseconds",
        message: expect.stringMatching(/Deribit takes whole seconds/),
      },
      {
        __typename: "MmpConfig",
        accountId: "desk-a-bybit",
        venue: "BYBIT",
        underlying: "BTC",
        qtyLimit: "3",
        deltaLimit: "1.5",
      },
    ]);
    expect(h.venues!.deribit.requests.filter((r) => r.rpcMethod === "private/set_mmp_config")).toHaveLength(
      0,
    );
  });
});
