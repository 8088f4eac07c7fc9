/**
 * The live view over the other venues: Deribit's trigger push reaches subscribers without waiting for
 * a poll, and a polled venue (Bybit) reports a freeze as TRIGGERED and its end as UNFROZEN, each
 * audited once.
 */
import { waitFor } from "../helpers/gateway-fixture";
import { startHarness, type Harness } from "../helpers/harness";
import { subscribe } from "../helpers/subscriptions";

interface Event {
  mmpEvents: { kind: string; accountId: string; underlying: string; config: { frozen: boolean } | null };
}
const EVENTS = "subscription { mmpEvents { kind accountId underlying config { frozen frozenUntil } } }";
const SET = `mutation Set($input: SetMmpConfigInput!) { setMmpConfig(input: $input) { frozen } }`;

async function subscriptions(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^mmp_event_subscriptions (\d+)/m.exec(text)?.[1] ?? 0);
}

function kindsOf(events: Event[], accountId: string): string[] {
  return events.filter((e) => e.mmpEvents.accountId === accountId).map((e) => e.mmpEvents.kind);
}

describe("the live view on Deribit, OKX and Bybit accounts", () => {
  let h: Harness;

  afterEach(async () => {
    await h?.stop();
  });

  it("takes Deribit's trigger push at once, long before the next poll, and audits it once", async () => {
    // One poll at start-up, then none for a minute: only the push can bring the trigger in time.
    h = await startHarness({
      venues: true,
      config: { live: { pollIntervalMs: 60_000, readMaxAgeMs: 0, readWeightShare: 0.5, leaderTtlMs: 5000 } },
    });
    const deribit = h.venues!.deribit;
    await waitFor(
      "the gateway's Deribit feed",
      () => (deribit.subscribedSockets > 0 ? true : undefined),
      5000,
    );
    // the feed's own view of it, as an operator sees it
    const metrics = await waitFor("the feed in the metrics", async () => {
      const text = await (await fetch(`${h.url}/metrics`)).text();
      return /^mmp_push_feeds_connected 1$/m.test(text) ? text : undefined;
    });
    expect(metrics).toMatch(/^mmp_push_feeds 1$/m);
    const set = await h.gql(h.tokens.alice, SET, {
      input: {
        accountId: "desk-a-deribit",
        underlying: "eth_usd",
        windowTimeInMilliseconds: 2000,
        frozenTimeInMilliseconds: 30000,
        qtyLimit: "10",
        maxQuoteQuantity: "5",
      },
    });
    expect(set.body.errors).toBeUndefined();
    const sub = subscribe<Event>(h.url, h.tokens.rita, EVENTS);
    try {
      await waitFor("subscribed", async () => ((await subscriptions(h.url)) > 0 ? true : undefined));
      const pushedAt = Date.now();
      deribit.trigger(h.apiKey("desk-a-deribit"), "eth_usd");
      await waitFor(
        "TRIGGERED",
        () => (kindsOf(sub.received, "desk-a-deribit").includes("TRIGGERED") ? true : undefined),
        5000,
      );
      expect(Date.now() - pushedAt).toBeLessThan(5000);
      const event = sub.received.find((e) => e.mmpEvents.kind === "TRIGGERED")!.mmpEvents;
      expect(event).toMatchObject({ underlying: "eth_usd", config: { frozen: true } });
      const records = (await h.audit("desk-a-deribit", 10)).filter((r) => r.action === "MMP_TRIGGERED");
      expect(records).toHaveLength(1);
    } finally {
      await sub.stop();
    }
  });

  it("polls Bybit: a freeze until reset is TRIGGERED and audited once, then RESET", async () => {
    h = await startHarness({
      venues: true,
      // 6 base coins a round (a subscriber watches them all), every second: the poll takes the plain
      // reads' share of Bybit's state reads, which leaves room for the reset's own read of the result
      config: { live: { pollIntervalMs: 1000, readMaxAgeMs: 0, readWeightShare: 0.5, leaderTtlMs: 5000 } },
    });
    const bybit = h.venues!.bybit;
    const set = await h.gql(h.tokens.alice, SET, {
      input: {
        accountId: "desk-a-bybit",
        underlying: "BTC",
        windowTimeInMilliseconds: 5000,
        frozenTimeInMilliseconds: 0,
        qtyLimit: "5",
        deltaLimit: "5",
      },
    });
    expect(set.body.errors).toBeUndefined();
    const sub = subscribe<Event>(h.url, h.tokens.rita, EVENTS);
    try {
      await waitFor("subscribed", async () => ((await subscriptions(h.url)) > 0 ? true : undefined));
      bybit.trigger(h.apiKey("desk-a-bybit"), "BTC");
      await waitFor(
        "TRIGGERED",
        () => (kindsOf(sub.received, "desk-a-bybit").includes("TRIGGERED") ? true : undefined),
        5000,
      );
      const triggered = sub.received.find((e) => e.mmpEvents.kind === "TRIGGERED")!.mmpEvents;
      // frozen period 0: frozen until a reset, with no end
      expect(triggered.config).toEqual({ frozen: true, frozenUntil: null });
      const reset = await h.gql(
        h.tokens.alice,
        `mutation { resetMmp(input: {accountId: "desk-a-bybit", underlying: "BTC"}) { frozen } }`,
      );
      expect(reset.body).toEqual({ data: { resetMmp: { frozen: false } } });
      await waitFor(
        "RESET",
        () => (kindsOf(sub.received, "desk-a-bybit").includes("RESET") ? true : undefined),
        5000,
      );
      const triggers = (await h.audit("desk-a-bybit", 20)).filter((r) => r.action === "MMP_TRIGGERED");
      expect(triggers).toHaveLength(1);
    } finally {
      await sub.stop();
    }
  });
});
