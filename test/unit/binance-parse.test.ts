import { JsonNumber, parseJsonExact } from "../../src/exchange/binance/json";
import {
  MalformedAnswer,
  parseHeartbeat,
  parseKillSwitches,
  parseMmpConfig,
  parseServerTime,
} from "../../src/exchange/binance/parse";

const DOC =
  '{"underlyingId":2,"underlying":"BTCUSDT","windowTimeInMilliseconds":3000,' +
  '"frozenTimeInMilliseconds":300000,"qtyLimit":"2","deltaLimit":"2.3","lastTriggerTime":0}';

describe("parseJsonExact", () => {
  it("keeps numbers as their source text", () => {
    const v = parseJsonExact('{"a":12345678901234567890,"b":-0.10,"c":1e-7,"d":[1,2]}') as Record<
      string,
      unknown
    >;
    expect(v.a).toEqual(new JsonNumber("12345678901234567890"));
    expect(v.b).toEqual(new JsonNumber("-0.10"));
    expect(v.c).toEqual(new JsonNumber("1e-7"));
    expect(v.d).toEqual([new JsonNumber("1"), new JsonNumber("2")]);
  });

  it("handles strings with escapes, literals and whitespace", () => {
    expect(parseJsonExact(' { "s" : "a\\"b\\u00e9" , "t":true,"f":false,"n":null } ')).toEqual(
      Object.assign(Object.create(null), { s: 'a"bé', t: true, f: false, n: null }),
    );
  });

  it("does not let __proto__ change the prototype", () => {
    const v = parseJsonExact('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(v)).toEqual(["__proto__"]);
  });

  it.each(["", "{", '{"a":}', '{"a":1,}', "[1 2]", '"unterminated', "01", "<html>", '{"a":1} x', "NaN"])(
    "rejects %j",
    (text) => {
      expect(() => parseJsonExact(text)).toThrow(SyntaxError);
    },
  );

  it("rejects absurd nesting instead of overflowing the stack", () => {
    expect(() => parseJsonExact("[".repeat(10_000))).toThrow(/nested too deeply/);
  });
});

describe("parseMmpConfig", () => {
  it("parses the documented answer", () => {
    expect(parseMmpConfig(parseJsonExact(DOC))).toEqual({
      underlyingId: 2,
      underlying: "BTCUSDT",
      windowTimeInMilliseconds: 3000,
      frozenTimeInMilliseconds: 300000n,
      qtyLimit: "2",
      deltaLimit: "2.3",
      lastTriggerTime: 0n,
    });
  });

  it("keeps 64-bit integers and long decimals exact", () => {
    const cfg = parseMmpConfig(
      parseJsonExact(
        DOC.replace("300000", "9223372036854775807")
          .replace('"lastTriggerTime":0', '"lastTriggerTime":1700000000123')
          .replace('"2.3"', '"12345678.123456789"'),
      ),
    );
    expect(cfg.frozenTimeInMilliseconds).toBe(9223372036854775807n);
    expect(cfg.lastTriggerTime).toBe(1700000000123n);
    expect(cfg.deltaLimit).toBe("12345678.123456789");
  });

  it("refuses a value beyond 64 bits as a malformed answer", () => {
    expect(() => parseMmpConfig(parseJsonExact(DOC.replace("300000", "9223372036854775808")))).toThrow(
      /frozenTimeInMilliseconds is beyond 64 bits/,
    );
  });

  it("keeps the exchange's string (trailing zeros stripped or not)", () => {
    expect(parseMmpConfig(parseJsonExact(DOC.replace('"2.3"', '"2.30"'))).deltaLimit).toBe("2.30");
  });

  it("takes a limit sent as a JSON number exactly as written, never through a float", () => {
    const cfg = parseMmpConfig(
      parseJsonExact(
        DOC.replace('"qtyLimit":"2"', '"qtyLimit":12345678.123456789012').replace('"2.3"', "2.5E-7"),
      ),
    );
    expect(cfg.qtyLimit).toBe("12345678.123456789012");
    expect(cfg.deltaLimit).toBe("0.00000025");
  });

  it.each([
    ["deltaLimit in exponent form", DOC.replace('"2.3"', '"2.3e1"'), /deltaLimit/],
    ["deltaLimit negative", DOC.replace('"2.3"', '"-2.3"'), /deltaLimit/],
    ["missing lastTriggerTime", DOC.replace(',"lastTriggerTime":0', ""), /lastTriggerTime is missing/],
    ["fractional window", DOC.replace("3000", "3000.5"), /windowTimeInMilliseconds is not an integer/],
    ["window as string", DOC.replace("3000", '"3000"'), /windowTimeInMilliseconds/],
    [
      "unsafe underlyingId",
      DOC.replace('"underlyingId":2', '"underlyingId":12345678901234567890'),
      /out of range/,
    ],
    ["negative frozen time", DOC.replace("300000", "-1"), /negative/],
    ["empty underlying", DOC.replace('"BTCUSDT"', '""'), /underlying/],
  ])("%s → MalformedAnswer", (_name, text, message) => {
    expect(() => parseMmpConfig(parseJsonExact(text))).toThrow(MalformedAnswer);
    expect(() => parseMmpConfig(parseJsonExact(text))).toThrow(message);
  });

  it("a list or an error body is not a config", () => {
    expect(() => parseMmpConfig(parseJsonExact("[]"))).toThrow(MalformedAnswer);
    expect(() => parseMmpConfig(parseJsonExact('{"code":-1000,"msg":"x"}'))).toThrow(MalformedAnswer);
  });
});

describe("kill switch and time answers", () => {
  it("accepts one object or a list", () => {
    expect(parseKillSwitches(parseJsonExact('{"underlying":"ETHUSDT","countdownTime":30000}'))).toEqual([
      { underlying: "ETHUSDT", countdownTime: 30000n },
    ]);
    expect(
      parseKillSwitches(
        parseJsonExact(
          '[{"underlying":"ETHUSDT","countdownTime":30000},{"underlying":"BTCUSDT","countdownTime":5000}]',
        ),
      ),
    ).toHaveLength(2);
    expect(parseKillSwitches(parseJsonExact("[]"))).toEqual([]);
    expect(parseKillSwitches(parseJsonExact("{}"))).toEqual([]);
    expect(() => parseKillSwitches(parseJsonExact('[{"underlying":"X"}]'))).toThrow(
      /countdownTime is missing/,
    );
  });

  it("heartbeat answer lists the refreshed underlyings", () => {
    expect(parseHeartbeat(parseJsonExact('{"underlyings":["BTCUSDT","ETHUSDT"]}'))).toEqual([
      "BTCUSDT",
      "ETHUSDT",
    ]);
    expect(() => parseHeartbeat(parseJsonExact('{"underlyings":"BTCUSDT"}'))).toThrow(MalformedAnswer);
  });

  it("server time", () => {
    expect(parseServerTime(parseJsonExact('{"serverTime":1499827319559}'))).toBe(1499827319559);
    expect(() => parseServerTime(parseJsonExact('{"serverTime":"1"}'))).toThrow(MalformedAnswer);
  });
});
