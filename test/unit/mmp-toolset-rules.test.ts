import { exchangeEnvironment } from "../../src/access/access.service";
import { decodeCursor, encodeCursor } from "../../src/audit/audit-log.service";
import { mapBounded } from "../../src/util/bounded-map";
import { checkCountdown } from "../../src/killswitch/kill-switch.service";
import { freezeState } from "../../src/mmp/mmp-freeze";

describe("freezeState", () => {
  const now = 1_700_000_000_000;
  it("is not frozen when MMP never triggered", () => {
    expect(freezeState({ lastTriggerTime: 0n, frozenTimeInMilliseconds: 0n }, now)).toEqual({
      frozen: false,
      frozenUntil: null,
    });
  });
  it("stays frozen without an end after a trigger when the frozen time is 0 (until a reset)", () => {
    expect(freezeState({ lastTriggerTime: BigInt(now - 10), frozenTimeInMilliseconds: 0n }, now)).toEqual({
      frozen: true,
      frozenUntil: null,
    });
  });
  it("is frozen until trigger time plus frozen time, and not after", () => {
    const c = { lastTriggerTime: BigInt(now - 1000), frozenTimeInMilliseconds: 5000n };
    expect(freezeState(c, now)).toEqual({ frozen: true, frozenUntil: BigInt(now + 4000) });
    expect(freezeState(c, now + 4000)).toEqual({ frozen: false, frozenUntil: null });
  });
  it("saturates frozenUntil at the largest Long instead of overflowing it", () => {
    const max = 2n ** 63n - 1n;
    const c = { lastTriggerTime: max - 10n, frozenTimeInMilliseconds: max };
    expect(freezeState(c, now)).toEqual({ frozen: true, frozenUntil: max });
  });
});

describe("mapBounded", () => {
  it("keeps input order and never runs more than the limit at once", async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapBounded([30, 5, 20, 1, 10, 2, 15], 3, async (ms, i) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return i;
    });
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(3);
  });

  it("starts nothing new after the first failure and throws it", async () => {
    const started: number[] = [];
    await expect(
      mapBounded([0, 1, 2, 3, 4, 5], 2, async (n) => {
        started.push(n);
        if (n === 1) throw new Error("boom");
        await new Promise((r) => setTimeout(r, 5));
        return n;
      }),
    ).rejects.toThrow("boom");
    expect(started.length).toBeLessThanOrEqual(3);
  });
});

describe("audit cursors", () => {
  it("round-trip the audit id and refuse anything not issued by the gateway", () => {
    expect(decodeCursor(encodeCursor(42))).toBe(42);
    for (const bad of ["", "42", encodeCursor(42) + "!", Buffer.from("audit:-1").toString("base64url")]) {
      expect(() => decodeCursor(bad)).toThrow(
        expect.objectContaining({ extensions: { code: "BAD_USER_INPUT", field: "after" } }),
      );
    }
  });
});

describe("exchange environment", () => {
  it.each([
    ["https://eapi.binance.com", "production"],
    ["https://EAPI.binance.com/", "production"],
    ["https://testnet.binancefuture.com", "testnet"],
    ["http://127.0.0.1:9000", "custom"],
    ["https://eapi.binance.com.evil.example", "custom"],
  ])("%s is %s", (url, env) => expect(exchangeEnvironment(url)).toBe(env));
});

describe("kill-switch countdown", () => {
  it.each([0n, 5000n, 86_400_000n])("accepts %s", (v) => expect(checkCountdown("c", v)).toBe(v));
  it.each([1n, 4999n, -1n])("refuses %s naming the field", (v) =>
    expect(() => checkCountdown("c", v)).toThrow(
      expect.objectContaining({ extensions: { code: "BAD_USER_INPUT", field: "c" } }),
    ),
  );
});
