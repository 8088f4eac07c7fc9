import { e2eStoreTargets, startHarness, type E2eDatabase, type Harness } from "../helpers/harness";

const SET = `mutation Set($input: SetMmpConfigInput!) {
  setMmpConfig(input: $input) {
    accountId underlyingId underlying windowTimeInMilliseconds frozenTimeInMilliseconds qtyLimit deltaLimit lastTriggerTime
  }
}`;

const valid = {
  accountId: "desk-a",
  underlying: "BTCUSDT",
  windowTimeInMilliseconds: 3000,
  frozenTimeInMilliseconds: 300000,
  qtyLimit: "2",
  deltaLimit: "2.3",
};

describe.each(e2eStoreTargets())("setMmpConfig end to end against the simulator, on $kind", (target) => {
  let db: E2eDatabase | undefined;
  let h: Harness;

  beforeAll(async () => {
    db = await target.create();
    h = await startHarness({ databaseUrl: db.databaseUrl });
  });
  afterAll(async () => {
    await h?.stop();
    await db?.drop();
  });
  beforeEach(() => h.sim.clearRequests());

  function mmpSetRequests() {
    return h.sim.requests.filter((r) => r.path === "/eapi/v1/mmpSet");
  }

  it("applies the demo's example and the simulator saw exactly one correctly signed request", async () => {
    const res = await h.gql(h.tokens.alice, SET, { input: valid });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({
      setMmpConfig: {
        accountId: "desk-a",
        underlyingId: expect.any(Number),
        underlying: "BTCUSDT",
        windowTimeInMilliseconds: 3000,
        frozenTimeInMilliseconds: 300000,
        qtyLimit: "2",
        deltaLimit: "2.3",
        lastTriggerTime: 0,
      },
    });
    const sent = mmpSetRequests();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.accepted).toBe(true);
    expect(sent[0]!.params).toMatchObject({
      underlying: "BTCUSDT",
      windowTimeInMilliseconds: "3000",
      frozenTimeInMilliseconds: "300000",
      qtyLimit: "2",
      deltaLimit: "2.3",
    });
  });

  it("sends decimals exactly as written, from variables and from literals", async () => {
    const res = await h.gql(h.tokens.alice, SET, {
      input: { ...valid, qtyLimit: "12345678.123456789", deltaLimit: "0.000001" },
    });
    expect(res.body.errors).toBeUndefined();
    expect(mmpSetRequests()[0]!.params).toMatchObject({
      qtyLimit: "12345678.123456789",
      deltaLimit: "0.000001",
    });

    h.sim.clearRequests();
    const literal = await h.gql(
      h.tokens.alice,
      `mutation { setMmpConfig(input: {accountId: "desk-a", underlying: "ETHUSDT", windowTimeInMilliseconds: 5000,
        frozenTimeInMilliseconds: 0, qtyLimit: 0.30, deltaLimit: 1.10}) { qtyLimit deltaLimit frozenTimeInMilliseconds } }`,
    );
    expect(literal.body.errors).toBeUndefined();
    expect(mmpSetRequests()[0]!.params).toMatchObject({
      qtyLimit: "0.30",
      deltaLimit: "1.10",
      frozenTimeInMilliseconds: "0",
    });
    // the exchange strips trailing zeros; the gateway reports what the exchange holds
    expect(literal.body.data).toEqual({
      setMmpConfig: { qtyLimit: "0.3", deltaLimit: "1.1", frozenTimeInMilliseconds: 0 },
    });
  });

  const badInputs: [string, Record<string, unknown>, string][] = [
    ["window 0", { windowTimeInMilliseconds: 0 }, "windowTimeInMilliseconds"],
    ["window above 5000", { windowTimeInMilliseconds: 5001 }, "windowTimeInMilliseconds"],
    ["negative frozen time", { frozenTimeInMilliseconds: -1 }, "frozenTimeInMilliseconds"],
    ["fractional frozen time", { frozenTimeInMilliseconds: 1.5 }, "frozenTimeInMilliseconds"],
    ["zero qtyLimit", { qtyLimit: "0" }, "qtyLimit"],
    ["negative deltaLimit", { deltaLimit: "-2" }, "deltaLimit"],
    ["exponent notation", { qtyLimit: "1e3" }, "qtyLimit"],
    ["not a number", { deltaLimit: "abc" }, "deltaLimit"],
    ["a float that lost digits", { qtyLimit: 0.1 + 0.2 }, "qtyLimit"],
    ["an underlying smuggling parameters", { underlying: "BTCUSDT&recvWindow=59999" }, "underlying"],
    ["an unlisted underlying", { underlying: "NOPEUSDT" }, "underlying"],
    ["lower-case underlying", { underlying: "btcusdt" }, "underlying"],
  ];

  it.each(badInputs)(
    "rejects %s with BAD_USER_INPUT naming the field and sends nothing",
    async (_name, patch, field) => {
      const res = await h.gql(h.tokens.alice, SET, { input: { ...valid, ...patch } });
      expect(res.body.data ?? null).toBeNull();
      const err = res.body.errors?.[0];
      expect(err?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(err?.extensions?.field).toBe(field);
      expect(err?.message).toContain(field);
      expect(mmpSetRequests()).toHaveLength(0);
    },
  );

  it("answers 401 UNAUTHENTICATED without a token and with a forged one", async () => {
    for (const token of [undefined, "mgw_" + "A".repeat(43), "not-a-token"]) {
      const res = await h.gql(token, SET, { input: valid });
      expect(res.status).toBe(401);
      expect(res.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
    expect(mmpSetRequests()).toHaveLength(0);
  });

  it("forbids viewers, other teams' accounts and unknown accounts alike", async () => {
    const cases: [string, string][] = [
      [h.tokens.rita!, "desk-a"], // viewer
      [h.tokens.alice!, "desk-b"], // another team's account
      [h.tokens.alice!, "no-such-account"],
    ];
    const messages = new Set<string>();
    for (const [token, accountId] of cases) {
      const res = await h.gql(token, SET, { input: { ...valid, accountId } });
      expect(res.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      messages.add(res.body.errors![0]!.message);
    }
    // an unknown account is indistinguishable from a forbidden one
    expect(messages.size).toBe(1);
    expect(mmpSetRequests()).toHaveLength(0);
  });

  it.each([
    ["Ed25519", "desk-b"],
    ["RSA", "desk-b-rsa"],
  ])("signs with an %s account's key", async (_kind, accountId) => {
    const res = await h.gql(h.tokens.bob, SET, { input: { ...valid, accountId, qtyLimit: "7.25" } });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toMatchObject({ setMmpConfig: { accountId, qtyLimit: "7.25" } });
    expect(mmpSetRequests()).toHaveLength(1);
    expect(mmpSetRequests()[0]!.accepted).toBe(true);
  });

  it("records an audit entry that is completed with the outcome", async () => {
    await h.gql(h.tokens.alice, SET, { input: { ...valid, qtyLimit: "3.5" } });
    const [latest] = await h.gateway.store.listAudit({ accountIds: ["desk-a"], limit: 1 });
    expect(latest).toMatchObject({ action: "SET_MMP", accountId: "desk-a", outcome: "SUCCEEDED" });
    expect(JSON.parse(latest!.input)).toMatchObject({ qtyLimit: "3.5", underlying: "BTCUSDT" });
    expect(latest!.durationMs).toEqual(expect.any(Number));
  });

  it("stops accepting a revoked token within a second", async () => {
    const { token, tokenRecord } = await h.admin.createToken("alice");
    expect((await h.gql(token, SET, { input: valid })).status).toBe(200);
    await h.admin.revokeToken(tokenRecord.id);
    // Polled rather than slept: the promise is "within a second", and it usually takes a quarter of one.
    const revokedAt = Date.now();
    while (Date.now() - revokedAt < 1000 && (await h.gql(token, "{ me { name } }")).status !== 401) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const res = await h.gql(token, SET, { input: valid });
    expect(res.status).toBe(401);
  });

  it("never exposes an account secret in responses, logs or the database", async () => {
    await h.gql(h.tokens.alice, SET, { input: valid });
    const dump = await h.databaseText();
    // not vacuous: the dump holds the accounts, whose API keys are stored in the clear
    expect(dump).toContain(h.accounts[0]!.apiKey);
    const logs = h.logs.join("\n");
    for (const a of h.accounts) {
      const needle = a.keyType === "hmac" ? a.secret : a.secret.split("\n")[1]!;
      expect(dump.includes(needle)).toBe(false);
      expect(logs.includes(needle)).toBe(false);
    }
    const me = await h.gql(h.tokens.root, "{ __schema { types { name } } }");
    expect(JSON.stringify(me.body)).not.toContain(h.accounts[0]!.secret);
  });
});
