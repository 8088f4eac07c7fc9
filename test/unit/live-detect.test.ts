import type { MmpConfig } from "../../src/domain";
import { detectChanges, isConfigured } from "../../src/live/detect-changes";
import { LiveMmpState } from "../../src/live/live-state";
import type { MmpObservation } from "../../src/live/live-state.types";

const T = 1_800_000_000_000;
const base: MmpConfig = {
  underlyingId: 2,
  underlying: "BTCUSDT",
  windowTimeInMilliseconds: 3000,
  frozenTimeInMilliseconds: 60_000n,
  qtyLimit: "2",
  deltaLimit: "2.3",
  lastTriggerTime: 0n,
};
const obs = (config: Partial<MmpConfig>, observedAt: number): MmpObservation => ({
  accountId: "desk-a",
  underlying: "BTCUSDT",
  config: { ...base, ...config },
  observedAt,
});

describe("detecting what changed between two polls", () => {
  it("sees a trigger when lastTriggerTime moves, and nothing when it stays", () => {
    expect(detectChanges(obs({}, T), obs({ lastTriggerTime: BigInt(T + 500) }, T + 1000))).toEqual({
      triggered: true,
      unfrozen: false,
      configChanged: false,
    });
    const frozen = obs({ lastTriggerTime: BigInt(T + 500) }, T + 1000);
    expect(detectChanges(frozen, obs({ lastTriggerTime: BigInt(T + 500) }, T + 2000)).triggered).toBe(false);
  });

  it("sees an unfreeze when the frozen time runs out, and a reset to 0 as one too", () => {
    const trig = BigInt(T);
    const frozen = obs({ lastTriggerTime: trig }, T + 1000);
    expect(detectChanges(frozen, obs({ lastTriggerTime: trig }, T + 60_001)).unfrozen).toBe(true);
    expect(detectChanges(frozen, obs({ lastTriggerTime: trig }, T + 59_000)).unfrozen).toBe(false);
    expect(detectChanges(frozen, obs({ lastTriggerTime: 0n }, T + 2000))).toMatchObject({
      unfrozen: true,
      triggered: false,
    });
  });

  it("reports a trigger that already ran out between two polls as a trigger and an unfreeze", () => {
    const next = obs({ frozenTimeInMilliseconds: 300n, lastTriggerTime: BigInt(T + 100) }, T + 2000);
    expect(detectChanges(obs({ frozenTimeInMilliseconds: 300n }, T), next)).toMatchObject({
      triggered: true,
      unfrozen: true,
    });
  });

  it("compares limits as decimals, and sees any other difference as a change", () => {
    expect(detectChanges(obs({}, T), obs({ qtyLimit: "2.00" }, T + 1)).configChanged).toBe(false);
    expect(detectChanges(obs({}, T), obs({ qtyLimit: "2.01" }, T + 1)).configChanged).toBe(true);
    expect(detectChanges(obs({}, T), obs({ windowTimeInMilliseconds: 2999 }, T + 1)).configChanged).toBe(
      true,
    );
    expect(detectChanges(obs({}, T), obs({ frozenTimeInMilliseconds: 0n }, T + 1)).configChanged).toBe(true);
    expect(isConfigured({ ...base, windowTimeInMilliseconds: 0 })).toBe(false);
  });
});

describe("the live state", () => {
  it("never lets an older observation replace a newer one", () => {
    const state = new LiveMmpState();
    expect(state.apply(obs({ qtyLimit: "5" }, T + 10))).toEqual({ applied: true, previous: undefined });
    const older = state.apply(obs({ qtyLimit: "1" }, T + 5));
    expect(older.applied).toBe(false);
    expect(state.get("desk-a", "BTCUSDT")?.config.qtyLimit).toBe("5");
    const newer = state.apply(obs({ qtyLimit: "6" }, T + 20));
    expect(newer).toMatchObject({ applied: true, previous: { config: { qtyLimit: "5" } } });
  });

  it("forgets removed accounts", () => {
    const state = new LiveMmpState();
    state.apply(obs({}, T));
    state.apply({ ...obs({}, T), accountId: "desk-b" });
    state.retainAccounts(new Set(["desk-b"]));
    expect(state.get("desk-a", "BTCUSDT")).toBeUndefined();
    expect(state.size).toBe(1);
  });
});
