import { GatewayError } from "../../src/errors";
import {
  cancelAllAfterBody,
  checkCancelAfterSeconds,
  checkFrozenIntervalMs,
  checkInstFamily,
  checkQtyLimit,
  checkTimeIntervalMs,
  mmpConfigBody,
  mmpResetBody,
} from "../../src/exchange/okx";
import type { OkxMmpSettings } from "../../src/exchange/okx";

const OK: OkxMmpSettings = {
  instFamily: "BTC-USD",
  timeIntervalMs: 5000,
  frozenIntervalMs: 2000n,
  qtyLimit: "100",
};

function refusal(f: () => unknown): GatewayError {
  try {
    f();
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("OKX MMP value rules", () => {
  it.each(["1", "100", "0.5", "12.25", "100000000"])("qtyLimit %s is sent unchanged", (v) => {
    expect(checkQtyLimit("qtyLimit", v)).toBe(v);
  });

  it.each(["0", "0.0", "0.000"])("qtyLimit %s is refused: OKX requires > 0", (v) => {
    const e = refusal(() => checkQtyLimit("qtyLimit", v));
    expect(e.extensions).toEqual({ code: "BAD_USER_INPUT", field: "qtyLimit" });
    expect(e.message).toMatch(/qtyLimit > 0/);
  });

  it.each(["-1", "+1", "1e3", " 1", "1.", ".5", "01", "", "1,5", "NaN"])("qtyLimit %j is malformed", (v) => {
    const e = refusal(() => checkQtyLimit("qtyLimit", v));
    expect(e.extensions.field).toBe("qtyLimit");
    expect(e.message).toMatch(/plain decimal/);
  });

  it("a number where a decimal string is needed is refused", () => {
    expect(refusal(() => checkQtyLimit("qtyLimit", 100 as unknown as string)).extensions.field).toBe(
      "qtyLimit",
    );
  });

  it("timeInterval: whole ms, 0 allowed (OKX: disables MMP)", () => {
    expect(checkTimeIntervalMs("timeIntervalMs", 0)).toBe("0");
    expect(checkTimeIntervalMs("timeIntervalMs", 5000)).toBe("5000");
    for (const v of [-1, 1.5, Number.NaN, 2 ** 53, Infinity]) {
      const e = refusal(() => checkTimeIntervalMs("timeIntervalMs", v));
      expect(e.extensions.field).toBe("timeIntervalMs");
      expect(e.message).toMatch(/whole number of milliseconds, 0 \(MMP disabled\)/);
    }
  });

  it("frozenInterval: whole ms, 0 = until reset, beyond 2^53 kept exact", () => {
    expect(checkFrozenIntervalMs("frozenIntervalMs", 0n)).toBe("0");
    expect(checkFrozenIntervalMs("frozenIntervalMs", 9007199254740993n)).toBe("9007199254740993");
    for (const v of [-1n, 2n ** 63n, 100 as unknown as bigint]) {
      const e = refusal(() => checkFrozenIntervalMs("frozenIntervalMs", v));
      expect(e.extensions.field).toBe("frozenIntervalMs");
      expect(e.message).toMatch(/Reset MMP Status/);
    }
  });

  it.each(["BTC", "btc-usd", "BTC-usd", "BTC_USD", "BTC-USD-SWAP", " BTC-USD", "", "-USD"])(
    "instFamily %j is refused",
    (f) => {
      const e = refusal(() => checkInstFamily("instFamily", f));
      expect(e.extensions).toEqual({ code: "BAD_USER_INPUT", field: "instFamily" });
      expect(e.message).toMatch(/such as BTC-USD/);
    },
  );

  it.each(["BTC-USD", "ETH-USD", "BTC-USDC", "1000PEPE-USDT"])("instFamily %s is taken", (f) => {
    expect(checkInstFamily("instFamily", f)).toBe(f);
  });

  it("the set body: OKX's names and order, every value a JSON string; each field named on refusal", () => {
    expect(mmpConfigBody({ ...OK, qtyLimit: "2.5", frozenIntervalMs: 0n })).toBe(
      '{"instFamily":"BTC-USD","timeInterval":"5000","frozenInterval":"0","qtyLimit":"2.5"}',
    );
    expect(refusal(() => mmpConfigBody({ ...OK, instFamily: "BTC" })).extensions.field).toBe("instFamily");
    expect(refusal(() => mmpConfigBody({ ...OK, timeIntervalMs: -5 })).extensions.field).toBe(
      "timeIntervalMs",
    );
    expect(refusal(() => mmpConfigBody({ ...OK, frozenIntervalMs: -1n })).extensions.field).toBe(
      "frozenIntervalMs",
    );
    expect(refusal(() => mmpConfigBody({ ...OK, qtyLimit: "0" })).extensions.field).toBe("qtyLimit");
  });

  it("reset body names instType OPTION", () => {
    expect(mmpResetBody("ETH-USD")).toBe('{"instType":"OPTION","instFamily":"ETH-USD"}');
    expect(refusal(() => mmpResetBody("eth")).extensions.field).toBe("instFamily");
  });

  it("cancel-all-after: 0 or 10 to 120 whole seconds", () => {
    expect(cancelAllAfterBody(60)).toBe('{"timeOut":"60"}');
    expect(checkCancelAfterSeconds("t", 0)).toBe("0");
    expect(checkCancelAfterSeconds("t", 10)).toBe("10");
    expect(checkCancelAfterSeconds("t", 120)).toBe("120");
    for (const v of [1, 9, 121, 30.5, -10]) {
      const e = refusal(() => cancelAllAfterBody(v));
      expect(e.extensions.field).toBe("timeOutSeconds");
      expect(e.message).toMatch(/0 \(disabled\) or 10 to 120/);
    }
  });
});
