/**
 * Limits that protect the exchange and the gateway, over HTTP through the real gateway:
 * - the per-host circuit breaker (and its state in /readyz),
 * - the request-weight budget (refused before the exchange's limit, never after),
 * - per-user and per-account mutation rate limits.
 */
import type { AuditRecord } from "../../src/store/port";
import {
  freshInput,
  SET_MMP,
  startFaultHarness,
  type FaultHarness,
  type GqlAnswer,
} from "../helpers/fault-harness";

const MINUTE = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type SetAnswer = GqlAnswer<{ setMmpConfig: Record<string, unknown> }>;

function setAs(h: FaultHarness, token: string, input: Record<string, unknown>): Promise<SetAnswer> {
  return h.gql(token, SET_MMP, { input });
}

async function lastAudit(h: FaultHarness, account = "desk-a"): Promise<AuditRecord | undefined> {
  return (await h.audit(account, 1))[0];
}

interface Readiness {
  status: string;
  details: { database: string; exchanges: { host: string; circuit: string; consecutiveFailures: number }[] };
}

async function readyz(h: FaultHarness): Promise<{ status: number; body: Readiness }> {
  const res = await fetch(`${h.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness };
}

describe("circuit breaker", () => {
  let h: FaultHarness;
  beforeAll(async () => {
    h = await startFaultHarness({
      config: {
        exchange: { timeoutMs: 300, connectTimeoutMs: 500, circuitFailures: 3, circuitCooldownMs: 1000 },
        mutationRateLimits: { perUser: undefined, perAccount: undefined },
      },
    });
    expect((await setAs(h, h.tokens.alice!, freshInput())).body.errors).toBeUndefined();
  });
  afterAll(() => h?.stop());

  it("opens after consecutive failures, answers without sending while open, probes and closes", async () => {
    const before = h.sim.mmpState(h.apiKey("desk-a"), "BTCUSDT");
    let ready = await readyz(h);
    expect(ready.body.details.exchanges).toEqual([
      expect.objectContaining({
        host: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        circuit: "closed",
      }),
    ]);

    // the exchange is down: every request gets a CDN error page
    h.sim.injectFault({ kind: "html", status: 502 }, { times: 1000 });
    const first = await setAs(h, h.tokens.alice!, freshInput());
    expect(first.body.errors?.[0]?.extensions).toMatchObject({
      code: "EXCHANGE_UNAVAILABLE",
      outcome: "UNKNOWN",
    });
    expect((await lastAudit(h))?.outcome).toBe("UNKNOWN");

    // open: /readyz reports it and stays ready (audit and other reads are still served)
    ready = await readyz(h);
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe("ok");
    expect(ready.body.details.exchanges[0]).toMatchObject({ circuit: "open" });
    expect(ready.body.details.exchanges[0]!.consecutiveFailures).toBeGreaterThanOrEqual(3);

    // while open: NOT_APPLIED at once, and not one request reaches the exchange, for any of its accounts
    h.sim.clearRequests();
    const during = await Promise.all([
      setAs(h, h.tokens.alice!, freshInput()),
      setAs(h, h.tokens.bob!, freshInput({ accountId: "desk-b" })),
    ]);
    for (const answer of during) {
      expect(answer.body.errors?.[0]?.extensions).toMatchObject({
        code: "EXCHANGE_UNAVAILABLE",
        outcome: "NOT_APPLIED",
      });
      expect(answer.body.errors?.[0]?.message).toMatch(/circuit open.*nothing sent/);
    }
    expect(h.sim.requests).toHaveLength(0);
    expect((await lastAudit(h))?.outcome).toBe("FAILED");
    const audited = await h.gql(
      h.tokens.alice!,
      '{ auditLog(accountId: "desk-a", first: 1) { nodes { outcome } } }',
    );
    expect(audited.body.errors).toBeUndefined(); // the gateway's own data is still served

    // the exchange recovers; after the cool-down one probe goes through and closes the circuit
    h.sim.clearFaults();
    await sleep(1050);
    const input = freshInput();
    const after = await setAs(h, h.tokens.alice!, input);
    expect(after.body.errors).toBeUndefined();
    expect(h.sim.mmpState(h.apiKey("desk-a"), "BTCUSDT")?.qtyLimit).toBe(input.qtyLimit);
    expect(before?.qtyLimit).not.toBe(input.qtyLimit);
    ready = await readyz(h);
    expect(ready.body.details.exchanges[0]).toMatchObject({ circuit: "closed", consecutiveFailures: 0 });
  });

  it("a failed probe opens the circuit again for another cool-down", async () => {
    h.sim.injectFault({ kind: "reset" }, { times: 1000 });
    for (let i = 0; i < 3; i++) await setAs(h, h.tokens.alice!, freshInput());
    expect((await readyz(h)).body.details.exchanges[0]).toMatchObject({ circuit: "open" });
    await sleep(1050);
    h.sim.clearRequests();
    const probe = await setAs(h, h.tokens.alice!, freshInput());
    expect(probe.body.errors?.[0]?.extensions).toMatchObject({ code: "EXCHANGE_UNAVAILABLE" });
    expect(h.sim.requests.filter((r) => r.path === "/eapi/v1/mmpSet")).toHaveLength(1); // just the probe
    expect((await readyz(h)).body.details.exchanges[0]).toMatchObject({ circuit: "open" });
    h.sim.clearFaults();
    await sleep(1050);
    expect((await setAs(h, h.tokens.alice!, freshInput())).body.errors).toBeUndefined();
  });
});

describe("request-weight budget", () => {
  let h: FaultHarness;
  beforeAll(async () => {
    h = await startFaultHarness({
      simulator: { weightLimitPerMinute: 40 },
      config: { mutationRateLimits: { perUser: undefined, perAccount: undefined } },
    });
  });
  afterAll(() => h?.stop());

  it("refuses before the exchange's limit (learned from exchangeInfo), so the exchange never answers 429", async () => {
    let refused: SetAnswer | undefined;
    let sent = 0;
    for (let i = 0; i < 100 && refused === undefined; i++) {
      const answer = await setAs(h, h.tokens.alice!, freshInput());
      if (answer.body.errors) refused = answer;
      else sent++;
    }
    expect(refused?.body.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED" });
    expect(refused?.body.errors?.[0]?.message).toMatch(/of 40 per minute.*avoid an IP ban; nothing sent/);
    const retry = refused?.body.errors?.[0]?.extensions?.retryAfterSeconds as number;
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(sent).toBeGreaterThan(20);
    expect(h.sim.requests.some((r) => r.status === 429 || r.status === 418)).toBe(false);
    expect((await lastAudit(h))?.outcome).toBe("FAILED");
    // the next minute window opens the budget again
    expect(retry * 1000).toBeLessThanOrEqual(MINUTE);
  });
});

describe("mutation rate limits per user and per account", () => {
  let h: FaultHarness;
  let carol: string;
  beforeAll(async () => {
    h = await startFaultHarness({
      config: {
        mutationRateLimits: {
          perUser: { capacity: 4, periodMs: MINUTE },
          perAccount: { capacity: 6, periodMs: MINUTE },
        },
      },
    });
    carol = (await h.admin.addUser("carol", false)).token;
    await h.admin.addMember("desk-a", "carol");
    await h.gateway.refreshCaches();
  });
  afterAll(() => h?.stop());

  function expectRefused(answer: SetAnswer, reason: RegExp): void {
    expect(answer.status).toBe(429);
    expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors?.[0]?.extensions).toEqual({
      code: "RATE_LIMITED",
      retryAfterSeconds: Number(answer.headers.get("retry-after")),
    });
    expect(answer.body.errors?.[0]?.message).toMatch(reason);
  }

  it("someone without the trader role cannot drain an account's budget", async () => {
    for (let i = 0; i < 4; i++) {
      const answer = await setAs(h, h.tokens.rita!, freshInput({ accountId: "desk-b" }));
      expect(answer.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
    // rita's own budget is spent...
    expectRefused(await setAs(h, h.tokens.rita!, freshInput({ accountId: "desk-b" })), /this user/);
    // ...but desk-b's is whole: bob uses his full user budget on it
    for (let i = 0; i < 4; i++) {
      expect(
        (await setAs(h, h.tokens.bob!, freshInput({ accountId: "desk-b" }))).body.errors,
      ).toBeUndefined();
    }
  });

  it("per user: refused before execution, nothing sent, nothing audited", async () => {
    for (let i = 0; i < 4; i++)
      expect((await setAs(h, h.tokens.alice!, freshInput())).body.errors).toBeUndefined();
    const auditBefore = await lastAudit(h);
    h.sim.clearRequests();
    const refused = await setAs(h, h.tokens.alice!, freshInput());
    expectRefused(refused, /too many changes from this user; nothing was sent/);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(15); // a token every 15 s
    expect(h.sim.requests).toHaveLength(0);
    expect(await lastAudit(h)).toEqual(auditBefore);
  });

  it("per account: another trader of the same account shares its budget", async () => {
    // desk-a has had 4 of its 6
    expect((await setAs(h, carol, freshInput())).body.errors).toBeUndefined();
    expect((await setAs(h, carol, freshInput())).body.errors).toBeUndefined();
    expectRefused(await setAs(h, carol, freshInput()), /too many changes to account desk-a/);
    // carol's own budget was not charged for the refused call: she may still change another account
    await h.admin.addMember("desk-b", "carol");
    await h.gateway.refreshCaches();
    expect((await setAs(h, carol, freshInput({ accountId: "desk-b-rsa" }))).body.errors).toBeUndefined();
  });

  it("queries are not limited", async () => {
    for (let i = 0; i < 10; i++) {
      expect((await h.gql(h.tokens.alice!, "{ me { id } }")).body.errors).toBeUndefined();
    }
  });
});
