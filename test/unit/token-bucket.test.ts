import { parseRateSpec, TokenBuckets } from "../../src/ratelimit/token-bucket";
import { MutationRateLimiter } from "../../src/ratelimit/mutation-rate-limit";

describe("parseRateSpec", () => {
  it.each([
    ["60/m", { capacity: 60, periodMs: 60_000 }],
    ["5/s", { capacity: 5, periodMs: 1000 }],
    [" 1000 / h ", { capacity: 1000, periodMs: 3_600_000 }],
    ["off", undefined],
    ["0", undefined],
  ])("%s", (text, spec) => expect(parseRateSpec("X", text)).toEqual(spec));

  it.each(["", "60", "60/min", "-1/m", "0/m", "1.5/s", "1e3/m", "m"])(
    "refuses %j, naming the variable",
    (t) =>
      expect(() => parseRateSpec("MUTATION_RATE_PER_USER", t)).toThrow(/^MUTATION_RATE_PER_USER must be/),
  );
});

describe("TokenBuckets", () => {
  it("allows a burst of the capacity, then refills at capacity per period", () => {
    let now = 0;
    const b = new TokenBuckets({ capacity: 3, periodMs: 3000 }, () => now);
    for (let i = 0; i < 3; i++) {
      expect(b.waitSeconds("u", 1)).toBe(0);
      b.take("u", 1);
    }
    expect(b.waitSeconds("u", 1)).toBe(1);
    expect(b.waitSeconds("other", 1)).toBe(0);
    now = 999;
    expect(b.waitSeconds("u", 1)).toBe(1);
    now = 1000;
    expect(b.waitSeconds("u", 1)).toBe(0);
  });

  it("a cost above the capacity is charged as the capacity (slowed, never refused forever)", () => {
    let now = 0;
    const b = new TokenBuckets({ capacity: 2, periodMs: 2000 }, () => now);
    expect(b.waitSeconds("u", 10)).toBe(0);
    b.take("u", 10);
    expect(b.waitSeconds("u", 10)).toBe(2);
    now = 2000;
    expect(b.waitSeconds("u", 10)).toBe(0);
  });

  it("forgets full buckets", () => {
    let now = 0;
    const b = new TokenBuckets({ capacity: 1, periodMs: 10 }, () => now);
    for (let i = 0; i < 2048; i++) {
      b.take(`u${i}`, 1);
      now += 1;
    }
    expect(b.size).toBeLessThan(1100);
  });
});

describe("MutationRateLimiter", () => {
  it("checks every bucket before charging any", () => {
    const now = 0;
    const limiter = new MutationRateLimiter({
      perUser: { capacity: 10, periodMs: 60_000 },
      perAccount: { capacity: 2, periodMs: 60_000 },
      now: () => now,
    });
    expect(limiter.charge("alice", 2, new Map([["desk-a", 2]]))).toBeUndefined();
    const refused = limiter.charge("alice", 1, new Map([["desk-a", 1]]));
    expect(refused).toEqual({ retryAfterSeconds: 30, reason: "too many changes to account desk-a" });
    // alice was not charged for the refused call: 8 left
    expect(limiter.charge("alice", 8, new Map())).toBeUndefined();
    expect(limiter.charge("alice", 1, new Map())?.reason).toBe("too many changes from this user");
  });

  it("is disabled without limits", () => {
    expect(new MutationRateLimiter({}).enabled).toBe(false);
  });
});
