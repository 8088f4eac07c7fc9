import { parseJsonExact } from "../../src/exchange/binance";
import {
  mapHttpStatus,
  mapRpcError,
  parseEnvelope,
  parseIndexNames,
  parseMmpConfigs,
  parseMmpStatuses,
  parseServerTime,
  parseTriggerData,
  plainDecimal,
} from "../../src/exchange/deribit";

const env = (text: string) => parseEnvelope(parseJsonExact(text));
const ctx = (mutation: boolean) => ({ mutation, method: "private/set_mmp_config", nowMs: 1_000_000 });

describe("Deribit answers", () => {
  it.each([
    ["1e-4", "0.0001"],
    ["1E-4", "0.0001"],
    ["2.5e3", "2500"],
    ["1.50e1", "15.0"],
    ["25e-1", "2.5"],
    ["0.05e1", "0.5"],
    ["2.5000", "2.5000"],
    ["3", "3"],
    ["1e+2", "100"],
    ["-1.5e-2", "-0.015"],
    ["123456789012345678901234567890", "123456789012345678901234567890"],
  ])("JSON number %s is exactly %s", (text, plain) => {
    expect(plainDecimal(text)).toBe(plain);
  });

  it("reads the documented get_mmp_config example (a list), keeping the digits", () => {
    const e = env(
      '{"jsonrpc":"2.0","id":7859,"result":[{"index_name":"btc_usd","interval":60,"frozen_time":0,"quantity_limit":0.5,"delta_limit":0.3,"vega_limit":0.1,"max_quote_quantity":0.4}],"usIn":1,"usOut":1700000000123456,"usDiff":1}',
    );
    expect(e.id).toBe(7859);
    expect(e.outAtMs).toBe(1700000000123);
    expect(parseMmpConfigs(e.result)).toEqual([
      {
        indexName: "btc_usd",
        intervalSeconds: 60,
        frozenTimeSeconds: 0,
        quantityLimit: "0.5",
        deltaLimit: "0.3",
        vegaLimit: "0.1",
        maxQuoteQuantity: "0.4",
      },
    ]);
  });

  it("scientific notation, absent limits as null, and group / Block RFQ entries left out", () => {
    const e = env(
      '{"jsonrpc":"2.0","id":1,"result":[{"index_name":"eth_usd","interval":6e1,"frozen_time":0,"delta_limit":1e-4,"max_quote_quantity":2.5E1},{"index_name":"eth_usd","mmp_group":"Bot7","interval":1,"frozen_time":1,"quantity_limit":1,"max_quote_quantity":1},{"index_name":"eth_usd","block_rfq":true,"interval":1,"frozen_time":1,"quantity_limit":1}]}',
    );
    expect(parseMmpConfigs(e.result)).toEqual([
      {
        indexName: "eth_usd",
        intervalSeconds: 60,
        frozenTimeSeconds: 0,
        quantityLimit: null,
        deltaLimit: "0.0001",
        vegaLimit: null,
        maxQuoteQuantity: "25",
      },
    ]);
  });

  it("set_mmp_config's result as one object (the docs' example) or as a list (the schema)", () => {
    const one = env(
      '{"jsonrpc":"2.0","id":7859,"method":"private/set_mmp_config","result":{"index_name":"btc_usd","interval":60,"frozen_time":0,"quantity_limit":3,"max_quote_quantity":2.5}}',
    );
    const list = env(
      '{"jsonrpc":"2.0","id":7859,"result":[{"index_name":"btc_usd","interval":60,"frozen_time":0,"quantity_limit":3,"max_quote_quantity":2.5}]}',
    );
    expect(parseMmpConfigs(one.result)).toEqual(parseMmpConfigs(list.result));
    expect(parseMmpConfigs(one.result)[0]).toMatchObject({ quantityLimit: "3", maxQuoteQuantity: "2.5" });
    expect(parseMmpConfigs(env('{"jsonrpc":"2.0","id":1,"result":[]}').result)).toEqual([]);
  });

  it("status: frozen_until exact beyond 2^53, 0 = until reset, group triggers left out", () => {
    const e = env(
      '{"jsonrpc":"2.0","id":1,"result":[{"index_name":"btc_usd","frozen_until":9007199254740993},{"index_name":"eth_usd","frozen_until":0},{"index_name":"btc_usd","mmp_group":"Bot7","frozen_until":5}]}',
    );
    expect(parseMmpStatuses(e.result)).toEqual([
      { indexName: "btc_usd", frozenUntil: 9007199254740993n },
      { indexName: "eth_usd", frozenUntil: 0n },
    ]);
    expect(parseTriggerData(parseJsonExact('{"index_name":"btc_usd","frozen_until":1744275841861}'))).toEqual(
      { indexName: "btc_usd", frozenUntil: 1744275841861n },
    );
    expect(
      parseTriggerData(parseJsonExact('{"index_name":"btc_usd","frozen_until":0,"block_rfq":true}')),
    ).toBeNull();
  });

  it("refuses malformed answers", () => {
    expect(() => env('{"id":1,"result":1}')).toThrow(/jsonrpc/);
    expect(() => env('{"jsonrpc":"2.0","id":1}')).toThrow(/neither result nor error/);
    expect(() =>
      parseMmpConfigs(
        env('{"jsonrpc":"2.0","id":1,"result":[{"index_name":"btc_usd","interval":"60"}]}').result,
      ),
    ).toThrow(/interval/);
    expect(() =>
      parseMmpConfigs(
        env('{"jsonrpc":"2.0","id":1,"result":[{"index_name":"btc_usd","interval":1.5,"frozen_time":0}]}')
          .result,
      ),
    ).toThrow(/interval/);
    expect(() => parseMmpStatuses(env('{"jsonrpc":"2.0","id":1,"result":{}}').result)).toThrow(/list/);
  });

  it("server time and index names (plain or extended objects)", () => {
    expect(parseServerTime(env('{"jsonrpc":"2.0","id":1,"result":1550147385946}').result)).toBe(
      1550147385946,
    );
    expect(parseIndexNames(parseJsonExact('["btc_usd","eth_usdc"]'))).toEqual(["btc_usd", "eth_usdc"]);
    expect(
      parseIndexNames(
        parseJsonExact(
          '[{"name":"btc_usd","future_combo_enabled":true,"option_combo_enabled":true},{"name":"sol_usdc"}]',
        ),
      ),
    ).toEqual(["btc_usd", "sol_usdc"]);
  });

  it("errors: 10028 RATE_LIMITED with a key back-off of at least 1 s", () => {
    const e = env('{"jsonrpc":"2.0","id":1,"error":{"code":10028,"message":"too_many_requests"}}');
    const m = mapRpcError(e.error!, ctx(true));
    expect(m.error.extensions).toEqual({ code: "RATE_LIMITED", retryAfterSeconds: 1 });
    expect(m.keyBackoffUntil).toBe(1_001_000);
  });

  it("errors: -32602 with data is EXCHANGE_REJECTED naming the param and reason; 13040 advises", () => {
    const e = env(
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":{"param":"interval","reason":"must be at most 3600"}}}',
    );
    const m = mapRpcError(e.error!, ctx(true));
    expect(m.error.extensions).toEqual({
      code: "EXCHANGE_REJECTED",
      exchangeCode: -32602,
      exchangeMessage: "Invalid params (param interval: must be at most 3600)",
    });
    const mmp = mapRpcError({ code: 13040, message: "mmp_required" }, ctx(true));
    expect(mmp.error.extensions).toMatchObject({ code: "EXCHANGE_REJECTED", exchangeCode: 13040 });
    expect(mmp.error.message).toMatch(/enabled for the account by Deribit/);
    for (const code of [13004, 13009, 13021, 11029]) {
      expect(mapRpcError({ code, message: "x" }, ctx(false)).error.code).toBe("EXCHANGE_REJECTED");
    }
  });

  it("errors: a platform timeout is UNKNOWN for a change, NOT_APPLIED for a read", () => {
    const t = { code: 13888, message: "timed_out" };
    expect(mapRpcError(t, ctx(true)).error.extensions).toMatchObject({
      code: "EXCHANGE_UNAVAILABLE",
      outcome: "UNKNOWN",
      exchangeCode: 13888,
    });
    expect(mapRpcError(t, ctx(false)).error.extensions.outcome).toBe("NOT_APPLIED");
  });

  it("HTTP: 429 RATE_LIMITED with a host back-off; 5XX HTML UNKNOWN for a change", () => {
    const r = mapHttpStatus({ status: 429, body: "", headers: { "retry-after": "3" } }, ctx(true));
    expect(r.error.extensions).toEqual({ code: "RATE_LIMITED", retryAfterSeconds: 3 });
    expect(r.hostBackoffUntil).toBe(1_003_000);
    expect(
      mapHttpStatus({ status: 502, body: "<html>", headers: { "content-type": "text/html" } }, ctx(true))
        .error.extensions,
    ).toEqual({ code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" });
  });
});
