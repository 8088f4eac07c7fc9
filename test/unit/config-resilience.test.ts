import { ConfigError, loadConfig } from "../../src/config";

describe("exchange and rate-limit settings", () => {
  it("defaults", () => {
    const c = loadConfig({});
    expect(c.exchange).toEqual({
      timeoutMs: 5000,
      connectTimeoutMs: 2000,
      circuitFailures: 5,
      circuitCooldownMs: 10_000,
    });
    expect(c.mutationRateLimits).toEqual({
      perUser: { capacity: 120, periodMs: 60_000 },
      perAccount: { capacity: 300, periodMs: 60_000 },
    });
  });

  it("reads each variable", () => {
    const c = loadConfig({
      EXCHANGE_TIMEOUT_MS: "1500",
      EXCHANGE_CONNECT_TIMEOUT_MS: "700",
      EXCHANGE_CIRCUIT_FAILURES: "0",
      EXCHANGE_CIRCUIT_COOLDOWN_MS: "30000",
      MUTATION_RATE_PER_USER: "10/s",
      MUTATION_RATE_PER_ACCOUNT: "off",
    });
    expect(c.exchange).toEqual({
      timeoutMs: 1500,
      connectTimeoutMs: 700,
      circuitFailures: 0,
      circuitCooldownMs: 30_000,
    });
    expect(c.mutationRateLimits).toEqual({
      perUser: { capacity: 10, periodMs: 1000 },
      perAccount: undefined,
    });
  });

  it.each([
    ["EXCHANGE_TIMEOUT_MS", "5s"],
    ["EXCHANGE_TIMEOUT_MS", "10"],
    ["EXCHANGE_CONNECT_TIMEOUT_MS", "1.5"],
    ["EXCHANGE_CIRCUIT_FAILURES", "-1"],
    ["EXCHANGE_CIRCUIT_COOLDOWN_MS", "0"],
    ["MUTATION_RATE_PER_USER", "60 per minute"],
    ["MUTATION_RATE_PER_ACCOUNT", "0/m"],
    ["DATABASE_PREPARED_STATEMENTS", "yes"],
    ["HEAP_GROWTH_PERCENT", "-1"],
    ["HEAP_GROWTH_PERCENT", "12.5"],
    ["HEAP_GROWTH_PERCENT", "401"],
  ])("a malformed %s stops start-up with one line naming it", (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name}`));
  });
});

describe("HEAP_GROWTH_PERCENT", () => {
  it("defaults to 100 and reads 0..400", () => {
    expect(loadConfig({}).heapGrowthPercent).toBe(100);
    expect(loadConfig({ HEAP_GROWTH_PERCENT: "30" }).heapGrowthPercent).toBe(30);
    expect(loadConfig({ HEAP_GROWTH_PERCENT: "0" }).heapGrowthPercent).toBe(0);
    expect(loadConfig({ HEAP_GROWTH_PERCENT: "100" }).heapGrowthPercent).toBe(100);
  });
});

describe("DATABASE_PREPARED_STATEMENTS", () => {
  it("defaults to true and reads true or false", () => {
    expect(loadConfig({}).databasePreparedStatements).toBe(true);
    expect(loadConfig({ DATABASE_PREPARED_STATEMENTS: "false" }).databasePreparedStatements).toBe(false);
    expect(loadConfig({ DATABASE_PREPARED_STATEMENTS: "true" }).databasePreparedStatements).toBe(true);
  });
});
