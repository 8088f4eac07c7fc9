import { GatewayError } from "../../src/errors";
import {
  checkBaseCoin,
  checkFrozenPeriodMs,
  checkLimit,
  checkWindowMs,
  mmpModifyBody,
} from "../../src/exchange/bybit";
import type { BybitMmpSettings } from "../../src/exchange/bybit";

const OK: BybitMmpSettings = {
  baseCoin: "BTC",
  windowMs: 5000,
  frozenPeriodMs: 100000n,
  qtyLimit: "100",
  deltaLimit: "100",
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

describe("Bybit MMP value rules", () => {
  it.each(["1", "0.01", "12.5", "12.50", "100000000", "500000"])("takes limit %s unchanged", (v) => {
    expect(checkLimit("qtyLimit", v)).toBe(v);
  });

  it("refuses a third decimal, naming the field and the rule, without rounding", () => {
    const e = refusal(() => checkLimit("deltaLimit", "1.234"));
    expect(e.extensions).toEqual({ code: "BAD_USER_INPUT", field: "deltaLimit" });
    expect(e.message).toMatch(/at most 2 decimal places; 1\.234 has 3/);
    expect(refusal(() => checkLimit("qtyLimit", "1.500")).extensions.field).toBe("qtyLimit");
  });

  it.each(["0", "0.0", "0.00"])("refuses zero (%s): Bybit limits are positive", (v) => {
    expect(refusal(() => checkLimit("qtyLimit", v)).message).toMatch(/positive/);
  });

  it.each(["-1", "+1", "1e3", " 1", "1.", ".5", "01", "", "1,5", "NaN"])(
    "refuses malformed limit %j",
    (v) => {
      expect(refusal(() => checkLimit("qtyLimit", v)).extensions.code).toBe("BAD_USER_INPUT");
    },
  );

  it("refuses a number where a decimal string is needed", () => {
    expect(refusal(() => checkLimit("qtyLimit", 1 as unknown as string)).extensions.field).toBe("qtyLimit");
  });

  it("window: positive whole milliseconds", () => {
    expect(checkWindowMs("windowMs", 1)).toBe("1");
    expect(checkWindowMs("windowMs", 5000)).toBe("5000");
    for (const v of [0, -1, 1.5, Number.NaN, 2 ** 53]) {
      expect(refusal(() => checkWindowMs("windowMs", v)).extensions.field).toBe("windowMs");
    }
  });

  it("frozenPeriod: whole milliseconds, 0 = until reset, beyond 2^53 kept exact", () => {
    expect(checkFrozenPeriodMs("frozenPeriodMs", 0n)).toBe("0");
    expect(checkFrozenPeriodMs("frozenPeriodMs", 9007199254740993n)).toBe("9007199254740993");
    expect(refusal(() => checkFrozenPeriodMs("frozenPeriodMs", -1n)).extensions.field).toBe("frozenPeriodMs");
    expect(refusal(() => checkFrozenPeriodMs("frozenPeriodMs", 2n ** 63n)).extensions.field).toBe(
      "frozenPeriodMs",
    );
    expect(
      refusal(() => checkFrozenPeriodMs("frozenPeriodMs", 100 as unknown as bigint)).extensions.code,
    ).toBe("BAD_USER_INPUT");
  });

  it.each(["btc", "Btc", "BTC-USD", "BTCUSDT ", "", "BTC_USD"])("baseCoin %j is refused", (c) => {
    expect(refusal(() => checkBaseCoin("baseCoin", c)).extensions.field).toBe("baseCoin");
  });

  it("the body: Bybit's names, every value a JSON string, vegaLimit only when given", () => {
    expect(JSON.parse(mmpModifyBody(OK))).toEqual({
      baseCoin: "BTC",
      window: "5000",
      frozenPeriod: "100000",
      qtyLimit: "100",
      deltaLimit: "100",
    });
    expect(mmpModifyBody({ ...OK, vegaLimit: "500000.25" })).toBe(
      '{"baseCoin":"BTC","window":"5000","frozenPeriod":"100000","qtyLimit":"100","deltaLimit":"100","vegaLimit":"500000.25"}',
    );
    expect(refusal(() => mmpModifyBody({ ...OK, vegaLimit: "1.001" })).extensions.field).toBe("vegaLimit");
  });
});
