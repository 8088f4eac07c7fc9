/**
 * A Bybit account behind the same schema as Binance's, end to end: GraphQL over HTTP → the gateway →
 * the Bybit simulator (its own signature check) and back, on SQLite and PostgreSQL.
 */
import { e2eStoreTargets, startHarness, type E2eDatabase, type Harness } from "../helpers/harness";

const FIELDS =
  "accountId venue underlyingId underlying windowTimeInMilliseconds frozenTimeInMilliseconds qtyLimit " +
  "deltaLimit vegaLimit maxQuoteQuantity lastTriggerTime frozen frozenUntil";
const SET = `mutation Set($input: SetMmpConfigInput!) { setMmpConfig(input: $input) { ${FIELDS} } }`;
const GET = `query Get($a: ID!, $u: String!) { mmpConfig(accountId: $a, underlying: $u) { ${FIELDS} } }`;
const RESET = `mutation Reset($input: ResetMmpInput!) { resetMmp(input: $input) { ${FIELDS} } }`;

const valid = {
  accountId: "desk-a-bybit",
  underlying: "ETH",
  windowTimeInMilliseconds: 5000,
  frozenTimeInMilliseconds: 100000,
  qtyLimit: "50",
  deltaLimit: "20.25",
  vegaLimit: "1000.5",
};

describe.each(e2eStoreTargets())("a Bybit account end to end, on $kind", (target) => {
  let db: E2eDatabase | undefined;
  let h: Harness;

  beforeAll(async () => {
    db = await target.create();
    h = await startHarness({ databaseUrl: db.databaseUrl, venues: true });
  });
  afterAll(async () => {
    await h?.stop();
    await db?.drop();
  });

  const bybit = () => h.venues!.bybit;
  const apiKey = () => h.apiKey("desk-a-bybit");
  const modifies = () => bybit().requests.filter((r) => r.path === "/v5/account/mmp-modify");

  beforeEach(() => bybit().clearRequests());

  it("lists the account with its venue", async () => {
    const res = await h.gql<{ accounts: { id: string; venue: string; environment: string }[] }>(
      h.tokens.alice,
      "{ accounts { id venue environment } }",
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.accounts).toEqual(
      expect.arrayContaining([
        { id: "desk-a", venue: "BINANCE", environment: "CUSTOM" },
        { id: "desk-a-bybit", venue: "BYBIT", environment: "CUSTOM" },
      ]),
    );
  });

  it("sets MMP with Bybit's names and units on the wire, digit for digit, and answers what Bybit holds", async () => {
    const res = await h.gql(h.tokens.alice, SET, { input: valid });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({
      setMmpConfig: {
        accountId: "desk-a-bybit",
        venue: "BYBIT",
        underlyingId: 0,
        underlying: "ETH",
        windowTimeInMilliseconds: 5000,
        frozenTimeInMilliseconds: 100000,
        qtyLimit: "50",
        deltaLimit: "20.25",
        vegaLimit: "1000.5",
        maxQuoteQuantity: null,
        lastTriggerTime: 0,
        frozen: false,
        frozenUntil: null,
      },
    });
    const sent = modifies();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.applied).toBe(true);
    expect(JSON.parse(sent[0]!.body)).toEqual({
      baseCoin: "ETH",
      window: "5000",
      frozenPeriod: "100000",
      qtyLimit: "50",
      deltaLimit: "20.25",
      vegaLimit: "1000.5",
    });
    expect(bybit().state(apiKey(), "ETH")).toMatchObject({
      window: "5000",
      qtyLimit: "50",
      deltaLimit: "20.25",
    });

    const [record] = await h.audit("desk-a-bybit", 1);
    expect(record).toMatchObject({ action: "SET_MMP", outcome: "SUCCEEDED", actorName: "alice" });
    expect(JSON.parse(record!.input)).toMatchObject({ underlying: "ETH", vegaLimit: "1000.5" });
  });

  it.each([
    [{ qtyLimit: "1.005" }, "qtyLimit", /Bybit takes at most 2 decimal places/],
    [{ deltaLimit: null }, "deltaLimit", /Bybit requires a delta limit/],
    [{ maxQuoteQuantity: "5" }, "maxQuoteQuantity", /Deribit only/],
    [{ underlying: "eth" }, "underlying", /Bybit base coin/],
    [{ underlying: "NOPE" }, "underlying", /not a scope key Bybit lists/],
  ])("refuses %j before signing (BAD_USER_INPUT on %s)", async (change, field, message) => {
    const res = await h.gql(h.tokens.alice, SET, { input: { ...valid, ...change } });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(res.body.errors?.[0]?.message).toMatch(message);
    expect(modifies()).toHaveLength(0);
  });

  it("shows a trigger as frozen with Bybit's frozen-until, and a reset unfreezes", async () => {
    await h.gql(h.tokens.alice, SET, { input: valid });
    const before = Date.now();
    bybit().trigger(apiKey(), "ETH");
    const until = BigInt(bybit().state(apiKey(), "ETH")!.mmpFrozenUntil);
    expect(Number(until)).toBeGreaterThanOrEqual(before + 100000 - 5);

    const read = await h.gql<{ mmpConfig: Record<string, unknown> }>(h.tokens.rita, GET, {
      a: "desk-a-bybit",
      u: "ETH",
    });
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data!.mmpConfig).toMatchObject({
      frozen: true,
      frozenUntil: Number(until),
      lastTriggerTime: Number(until - 100000n),
    });

    const reset = await h.gql<{ resetMmp: Record<string, unknown> }>(h.tokens.alice, RESET, {
      input: { accountId: "desk-a-bybit", underlying: "ETH" },
    });
    expect(reset.body.errors).toBeUndefined();
    expect(reset.body.data!.resetMmp).toMatchObject({ frozen: false, frozenUntil: null });
    expect(bybit().state(apiKey(), "ETH")!.mmpFrozen).toBe(false);
    const [record] = await h.audit("desk-a-bybit", 1);
    expect(record).toMatchObject({ action: "RESET_MMP", outcome: "SUCCEEDED" });
  });

  it("maps Bybit's refusal to EXCHANGE_REJECTED with its code and message, and audits it", async () => {
    const keys = h.accounts.find((a) => a.name === "desk-a-bybit")!;
    bybit().addAccount({ apiKey: keys.apiKey, secret: keys.secret, mmpEnabled: false });
    try {
      const res = await h.gql(h.tokens.alice, SET, { input: valid });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({
        code: "EXCHANGE_REJECTED",
        exchangeCode: 110065,
        exchangeMessage: expect.stringMatching(/MMP hasn't yet been enabled/),
      });
      const [record] = await h.audit("desk-a-bybit", 1);
      expect(record).toMatchObject({ action: "SET_MMP", outcome: "REJECTED", exchangeCode: 110065 });
    } finally {
      bybit().addAccount({ apiKey: keys.apiKey, secret: keys.secret });
    }
  });

  it("never reports a change Bybit took as not applied when only the state's read-back fails", async () => {
    bybit().injectFault({ kind: "rateLimit" }, { path: "/v5/account/mmp-state" });
    const res = await h.gql(h.tokens.alice, SET, { input: { ...valid, qtyLimit: "51" } });
    expect(bybit().state(apiKey(), "ETH")).toMatchObject({ qtyLimit: "51" });
    const [record] = await h.audit("desk-a-bybit", 1);
    // either the protocol's own read-back settled it, or it says it may have been applied
    if (res.body.errors) {
      expect(res.body.errors[0]?.extensions).toMatchObject({
        code: "EXCHANGE_UNAVAILABLE",
        outcome: "UNKNOWN",
      });
      expect(record!.outcome).toBe("UNKNOWN");
    } else {
      expect(record!.outcome).toBe("SUCCEEDED");
    }
  });

  it("maps Bybit's rate-limit answer to RATE_LIMITED, and audits it", async () => {
    bybit().injectFault({ kind: "rateLimit" }, { path: "/v5/account/mmp-modify" });
    const res = await h.gql(h.tokens.alice, SET, { input: valid });
    expect(res.body.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    const [record] = await h.audit("desk-a-bybit", 1);
    expect(record).toMatchObject({ action: "SET_MMP" });
    expect(record!.outcome).not.toBe("SUCCEEDED");
  });

  it("refuses a Bybit account to a user without a role on it, and the kill switch on Bybit", async () => {
    const bob = await h.gql(h.tokens.bob, SET, { input: valid });
    expect(bob.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const ks = await h.gql(
      h.tokens.alice,
      `mutation { setKillSwitch(input: {accountId: "desk-a-bybit", underlying: "ETH", countdownTimeInMilliseconds: 60000}) { underlying } }`,
    );
    expect(ks.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "accountId" });
    expect(ks.body.errors?.[0]?.message).toMatch(/Bybit has none/);
    expect(modifies()).toHaveLength(0);
  });

  it("never writes the Bybit secret to the logs or the database in the clear", async () => {
    const secret = h.accounts.find((a) => a.name === "desk-a-bybit")!.secret;
    await h.gql(h.tokens.alice, SET, { input: valid });
    expect(h.logs.join("\n")).not.toContain(secret);
    expect(await h.databaseText()).not.toContain(secret);
  });
});
