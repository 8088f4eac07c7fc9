import { GatewayError } from "../../src/errors";
import {
  adviceFor,
  describeBody,
  malformedAnswer,
  mapHttpError,
  mapTransportError,
  retryAfterSeconds,
} from "../../src/exchange/binance/errors";
import { TransportError } from "../../src/exchange/binance/transport";

const NOW = 1_700_000_000_000;
const HTML =
  "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>cloudfront secret-ish</body></html>";

function map(
  status: number,
  body: string | object,
  opts: { mutation?: boolean; headers?: Record<string, string>; path?: string } = {},
) {
  return mapHttpError(
    { status, body: typeof body === "string" ? body : JSON.stringify(body), headers: opts.headers ?? {} },
    { mutation: opts.mutation ?? true, path: opts.path ?? "/eapi/v1/mmpSet", nowMs: NOW },
  );
}

describe("mapHttpError table", () => {
  type Row = [
    label: string,
    status: number,
    body: string | object,
    mutation: boolean,
    expected: Record<string, unknown>,
  ];
  const rows: Row[] = [
    [
      "4XX Binance body",
      400,
      { code: -1102, msg: "Mandatory parameter" },
      true,
      { code: "EXCHANGE_REJECTED", exchangeCode: -1102, exchangeMessage: "Mandatory parameter" },
    ],
    [
      "401 -2015",
      401,
      { code: -2015, msg: "Invalid API-key, IP, or permissions for action." },
      true,
      { code: "EXCHANGE_REJECTED", exchangeCode: -2015 },
    ],
    [
      "403 with a Binance body is a rejection",
      403,
      { code: -2015, msg: "x" },
      false,
      { code: "EXCHANGE_REJECTED", exchangeCode: -2015 },
    ],
    ["403 WAF (HTML)", 403, HTML, true, { code: "EXCHANGE_UNAVAILABLE", outcome: "NOT_APPLIED" }],
    ["404 HTML", 404, HTML, true, { code: "EXCHANGE_UNAVAILABLE", outcome: "NOT_APPLIED" }],
    ["400 HTML, mutation", 400, HTML, true, { code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" }],
    ["400 HTML, read", 400, HTML, false, { code: "EXCHANGE_UNAVAILABLE", outcome: "NOT_APPLIED" }],
    ["400 malformed JSON", 400, '{"code":-1102,', true, { code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" }],
    [
      "400 JSON without code",
      400,
      { error: "x" },
      true,
      { code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" },
    ],
    [
      "500 -1000, mutation",
      500,
      { code: -1000, msg: "An unknown error occurred" },
      true,
      { code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN", exchangeCode: -1000 },
    ],
    [
      "503 -1001, mutation",
      503,
      { code: -1001, msg: "Internal error; unable to process your request." },
      true,
      { code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN", exchangeCode: -1001 },
    ],
    ["502 HTML, mutation", 502, HTML, true, { code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" }],
    ["502 HTML, read", 502, HTML, false, { code: "EXCHANGE_UNAVAILABLE", outcome: "NOT_APPLIED" }],
    ["504 empty body", 504, "", true, { code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" }],
    ["302 redirect", 302, "", true, { code: "EXCHANGE_UNAVAILABLE", outcome: "UNKNOWN" }],
    [
      "429",
      429,
      { code: -1008, msg: "Too many requests" },
      true,
      { code: "RATE_LIMITED", retryAfterSeconds: 60 },
    ],
    ["418 HTML", 418, HTML, true, { code: "RATE_LIMITED", retryAfterSeconds: 60 }],
    ["400 -1008", 400, { code: -1008, msg: "Too many requests" }, true, { code: "RATE_LIMITED" }],
  ];
  it.each(rows)("%s", (_label, status, body, mutation, expected) => {
    const { error } = map(status, body, { mutation });
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.extensions).toMatchObject(expected);
    // never dump an HTML page into the message
    expect(error.message).not.toMatch(/<html|<!DOCTYPE|cloudfront/i);
  });

  it("429 honours Retry-After and asks for a back-off until then", () => {
    const mapped = map(429, "", { headers: { "retry-after": "7" } });
    expect(mapped.error.extensions.retryAfterSeconds).toBe(7);
    expect(mapped.backoffUntilMs).toBe(NOW + 7000);
    expect(mapped.error.message).toMatch(/rate limit/);
  });

  it("418 says the IP is banned and uses the long Retry-After", () => {
    const mapped = map(418, "", { headers: { "retry-after": "7200" } });
    expect(mapped.error.extensions.retryAfterSeconds).toBe(7200);
    expect(mapped.backoffUntilMs).toBe(NOW + 7_200_000);
    expect(mapped.error.message).toMatch(/banned/);
  });

  it("a 429 without Retry-After backs off for the default", () => {
    expect(map(429, "").backoffUntilMs).toBe(NOW + 60_000);
  });

  it("rejections and 5XX carry no back-off", () => {
    expect(map(400, { code: -1102, msg: "x" }).backoffUntilMs).toBeUndefined();
    expect(map(503, "").backoffUntilMs).toBeUndefined();
  });

  it("describes HTML and junk bodies without quoting them", () => {
    expect(map(502, HTML).error.message).toContain("HTTP 502 with an HTML page instead of JSON");
    expect(map(400, "garbage", { mutation: false }).error.message).toContain("not valid exchange JSON");
    expect(describeBody("  ", {})).toBe("an empty body");
    expect(describeBody('{"a":1}', { "content-type": "text/html; charset=utf-8" })).toContain("HTML");
  });

  it("5XX with a Binance body says the change may have applied and includes the code", () => {
    const { error } = map(500, { code: -1001, msg: "Internal error" });
    expect(error.message).toMatch(/may or may not have been applied/);
    expect(error.message).toContain("-1001");
  });

  it("truncates a very long exchange message", () => {
    const { error } = map(400, { code: -1130, msg: "x".repeat(5000) });
    expect((error.extensions.exchangeMessage as string).length).toBeLessThanOrEqual(201);
  });
});

describe("advice on rejections", () => {
  const keyAdvice = /API key, its permissions \(options trading\) and the IP whitelist/;
  const mmpAdvice =
    /MMP may not be enabled for this account \(only approved market-maker accounts can use MMP\)/;

  it.each([-1022, -2014, -1002])("%i → check key, permissions, IP whitelist", (code) => {
    const { error } = map(400, { code, msg: "m" });
    expect(error.message).toMatch(keyAdvice);
    expect(error.message).not.toMatch(mmpAdvice);
  });

  it("-2015 → key advice AND MMP may not be enabled", () => {
    const { error } = map(401, { code: -2015, msg: "m" });
    expect(error.message).toMatch(keyAdvice);
    expect(error.message).toMatch(mmpAdvice);
  });

  it("-1130 → MMP may not be enabled", () => {
    expect(map(400, { code: -1130, msg: "Data sent for parameter is not valid." }).error.message).toMatch(
      mmpAdvice,
    );
  });

  it("-1130 on a kill-switch call speaks of options rights, not MMP", () => {
    const { error } = map(400, { code: -1130, msg: "m" }, { path: "/eapi/v1/countdownCancelAll" });
    expect(error.message).toMatch(/options trading may not be enabled/);
  });

  it("-1021 → clock", () => {
    expect(map(400, { code: -1021, msg: "m" }).error.message).toMatch(/clock/);
  });

  it("-1111 → precision", () => {
    expect(map(400, { code: -1111, msg: "m" }).error.message).toMatch(/decimal has more places/);
  });

  it("covers the parameter family and leaves unknown codes alone", () => {
    expect(adviceFor(-1104)).toMatch(/parameter/);
    expect(adviceFor(-1128)).toMatch(/underlying/);
    expect(adviceFor(-9999)).toBeUndefined();
  });
});

describe("retryAfterSeconds", () => {
  it.each([
    [{ "retry-after": "30" }, 30],
    [{ "retry-after": "0" }, 1],
    [{ "retry-after": ["12"] }, 12],
    [{ "retry-after": new Date(NOW + 90_000).toUTCString() }, 90],
    [{ "retry-after": "soon" }, 60],
    [{}, 60],
  ])("%j → %i", (headers, expected) => {
    expect(retryAfterSeconds(headers, NOW, 60)).toBe(expected);
  });
});

describe("no answer at all", () => {
  it.each([
    [
      new TransportError("connection refused (ECONNREFUSED)", "connect-failed", false, "ECONNREFUSED"),
      true,
      "NOT_APPLIED",
    ],
    [
      new TransportError("no connection within 2000 ms", "connect-timeout", false, undefined),
      true,
      "NOT_APPLIED",
    ],
    [
      new TransportError("connection reset (ECONNRESET)", "connection-lost", true, "ECONNRESET"),
      true,
      "UNKNOWN",
    ],
    [
      new TransportError("no complete answer within 5000 ms", "response-timeout", true, undefined),
      true,
      "UNKNOWN",
    ],
    [
      new TransportError("no complete answer within 5000 ms", "response-timeout", true, undefined),
      false,
      "NOT_APPLIED",
    ],
  ])("%s (mutation %s) → %s", (err, mutation, outcome) => {
    const error = mapTransportError(err, mutation);
    expect(error.extensions).toMatchObject({ code: "EXCHANGE_UNAVAILABLE", outcome });
    expect(error.message).toContain(err.message);
  });

  it("a 200 we cannot read is UNKNOWN for a mutation", () => {
    expect(malformedAnswer(200, "qtyLimit is missing", true).extensions.outcome).toBe("UNKNOWN");
    expect(malformedAnswer(200, "qtyLimit is missing", false).extensions.outcome).toBe("NOT_APPLIED");
  });
});
