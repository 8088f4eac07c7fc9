import { GatewayError } from "../../src/errors";
import {
  checkFrozenTimeSeconds,
  checkIndexName,
  checkIntervalSeconds,
  checkLimit,
  checkMaxQuoteQuantity,
  setMmpConfigParams,
  type DeribitMmpSettings,
} from "../../src/exchange/deribit";

const OK: DeribitMmpSettings = {
  indexName: "btc_usd",
  intervalSeconds: 60,
  frozenTimeSeconds: 30,
  quantityLimit: "10",
  maxQuoteQuantity: "5",
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

describe("Deribit MMP value rules", () => {
  it.each(["1", "0.0001", "12.5", "2.5000", "100000000", "123456789012.345"])(
    "takes limit %s unchanged",
    (v) => {
      expect(checkLimit("quantityLimit", v)).toBe(v);
    },
  );

  it("refuses a fifth decimal, naming the field and Deribit's rule, without rounding", () => {
    const e = refusal(() => checkLimit("deltaLimit", "1.23456"));
    expect(e.extensions).toEqual({ code: "BAD_USER_INPUT", field: "deltaLimit" });
    expect(e.message).toMatch(/at most 4 decimal places; 1\.23456 has 5/);
  });

  it.each(["0", "0.0", "0.0000"])("refuses a zero limit (%s): Deribit limits are above 0", (v) => {
    const e = refusal(() => checkLimit("vegaLimit", v));
    expect(e.extensions.field).toBe("vegaLimit");
    expect(e.message).toMatch(/above 0/);
  });

  it("max_quote_quantity may be 0 but follows the same decimal rule", () => {
    expect(checkMaxQuoteQuantity("maxQuoteQuantity", "0")).toBe("0");
    expect(refusal(() => checkMaxQuoteQuantity("maxQuoteQuantity", "0.00001")).extensions.field).toBe(
      "maxQuoteQuantity",
    );
  });

  it.each(["-1", "+1", "1e3", " 1", "1.", ".5", "01", "", "1,5", "NaN", "Infinity"])(
    "refuses malformed limit %j",
    (v) => {
      expect(refusal(() => checkLimit("quantityLimit", v)).extensions).toEqual({
        code: "BAD_USER_INPUT",
        field: "quantityLimit",
      });
    },
  );

  it("refuses more than 15 significant digits (a double would round it)", () => {
    expect(refusal(() => checkLimit("quantityLimit", "1234567890123.4567")).message).toMatch(
      /15 significant digits/,
    );
    expect(checkLimit("quantityLimit", "100000000000000000000")).toBe("100000000000000000000");
  });

  it("interval and frozen_time: whole seconds 0 to 3600", () => {
    expect(checkIntervalSeconds("intervalSeconds", 0)).toBe(0);
    expect(checkIntervalSeconds("intervalSeconds", 3600)).toBe(3600);
    expect(checkFrozenTimeSeconds("frozenTimeSeconds", 0)).toBe(0);
    for (const v of [-1, 3601, 1.5, Number.NaN, "60"]) {
      const e = refusal(() => checkIntervalSeconds("intervalSeconds", v));
      expect(e.extensions.field).toBe("intervalSeconds");
      expect(e.message).toMatch(/0 to 3600/);
      expect(refusal(() => checkFrozenTimeSeconds("frozenTimeSeconds", v)).extensions.field).toBe(
        "frozenTimeSeconds",
      );
    }
  });

  it.each(["BTC_USD", "btc", "btc-usd", "btc_usd ", "", "all"])("index_name %j is refused", (v) => {
    expect(refusal(() => checkIndexName("indexName", v)).extensions.field).toBe("indexName");
  });

  it("the params text: Deribit's names, raw number text, limits only when given", () => {
    expect(setMmpConfigParams({ ...OK, deltaLimit: "0.5000", vegaLimit: "3" })).toBe(
      '{"index_name":"btc_usd","interval":60,"frozen_time":30,"quantity_limit":10,"delta_limit":0.5000,"vega_limit":3,"max_quote_quantity":5}',
    );
    expect(JSON.parse(setMmpConfigParams(OK))).toEqual({
      index_name: "btc_usd",
      interval: 60,
      frozen_time: 30,
      quantity_limit: 10,
      max_quote_quantity: 5,
    });
  });

  it("at least one limit is required; max_quote_quantity is required", () => {
    const none = refusal(() => setMmpConfigParams({ ...OK, quantityLimit: undefined }));
    expect(none.extensions.field).toBe("quantityLimit");
    expect(none.message).toMatch(/at least one of quantityLimit, deltaLimit and vegaLimit/);
    const noMqq = refusal(() =>
      setMmpConfigParams({ ...OK, maxQuoteQuantity: undefined as unknown as string }),
    );
    expect(noMqq.extensions.field).toBe("maxQuoteQuantity");
  });
});
