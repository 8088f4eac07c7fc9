import type { ExchangeCredentials, MmpConfig } from "../../src/domain";
import { rateLimited } from "../../src/errors";
import { LiveMmpState } from "../../src/live/live-state";
import { MmpReader } from "../../src/live/mmp-reader";
import { RequestReadBudget } from "../../src/live/read-budget";

const account: ExchangeCredentials = {
  accountId: "desk-a",
  apiKey: "k",
  keyType: "hmac",
  secret: "s",
  baseUrl: "https://eapi.example",
};
const config = (qty: string): MmpConfig => ({
  underlyingId: 2,
  underlying: "BTCUSDT",
  windowTimeInMilliseconds: 3000,
  frozenTimeInMilliseconds: 0n,
  qtyLimit: qty,
  deltaLimit: "1",
  lastTriggerTime: 0n,
});

function setup(maxAgeMs = 1000) {
  let now = 1_000_000;
  const state = new LiveMmpState();
  const calls: string[] = [];
  let answer: () => Promise<MmpConfig> = async () => config("2");
  const reader = new MmpReader({
    state,
    maxAgeMs: () => maxAgeMs,
    now: () => now,
    observed: (o) => void state.apply(o),
    exchange: {
      getMmp: async (_a, u, budget) => {
        calls.push(`${u}:${budget}`);
        return answer();
      },
    },
  });
  return {
    reader,
    state,
    calls,
    tick: (ms: number) => (now += ms),
    answerWith: (f: () => Promise<MmpConfig>) => (answer = f),
  };
}

describe("reading through the live state", () => {
  it("shares one exchange read among concurrent readers, on the read budget", async () => {
    const t = setup();
    let release!: () => void;
    t.answerWith(() => new Promise((r) => (release = () => r(config("2")))));
    const reads = Array.from({ length: 25 }, () => t.reader.read(account, "BTCUSDT"));
    await Promise.resolve();
    release();
    const seen = await Promise.all(reads);
    expect(t.calls).toEqual(["BTCUSDT:read"]);
    expect(new Set(seen.map((o) => o.observedAt)).size).toBe(1);
  });

  it("answers from the state while younger than the maximum age, then reads again", async () => {
    const t = setup(1000);
    await t.reader.read(account, "BTCUSDT");
    t.tick(999);
    await t.reader.read(account, "BTCUSDT");
    expect(t.calls).toHaveLength(1);
    t.tick(1);
    await t.reader.read(account, "BTCUSDT");
    expect(t.calls).toHaveLength(2);
  });

  it("answers the last observation however old when the exchange may not be read", async () => {
    const t = setup(0);
    const first = await t.reader.read(account, "BTCUSDT");
    t.tick(60_000);
    t.answerWith(async () => {
      throw rateLimited(30, "reads stop at 50%");
    });
    await expect(t.reader.read(account, "BTCUSDT")).resolves.toEqual(first);
    await expect(t.reader.read(account, "ETHUSDT")).rejects.toMatchObject({ code: "RATE_LIMITED" });
  });

  it("stops one request's fan-out at its read budget", async () => {
    const t = setup(0);
    const budget = new RequestReadBudget(2);
    await t.reader.read(account, "BTCUSDT", budget);
    await t.reader.read(account, "ETHUSDT", budget);
    // known: answered from the state without a call; unknown: refused, nothing sent
    await expect(t.reader.read(account, "BTCUSDT", budget)).resolves.toMatchObject({ underlying: "BTCUSDT" });
    await expect(t.reader.read(account, "SOLUSDT", budget)).rejects.toMatchObject({ code: "RATE_LIMITED" });
    expect(t.calls).toHaveLength(2);
  });
});
