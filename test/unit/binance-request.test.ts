import { createHmac } from "node:crypto";
import {
  buildSignedRequest,
  buildUnsignedRequest,
  encodeParams,
  type Param,
} from "../../src/exchange/binance/request";
import { createSigner } from "../../src/exchange/binance/signer";

const SPOT_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
const hmac = createSigner("hmac", SPOT_SECRET);
const MMP_PARAMS: Param[] = [
  ["underlying", "BTCUSDT"],
  ["windowTimeInMilliseconds", "3000"],
  ["frozenTimeInMilliseconds", "300000"],
  ["qtyLimit", "2"],
  ["deltaLimit", "2.3"],
];

describe("encodeParams", () => {
  it("keeps the given order and percent-encodes like encodeURIComponent", () => {
    const params: Param[] = [
      ["z", "1"],
      ["a", "a b&c=d+e%f/g?h#i"],
      ["u", "é€"],
    ];
    expect(encodeParams(params)).toBe(
      `z=1&a=${encodeURIComponent("a b&c=d+e%f/g?h#i")}&u=${encodeURIComponent("é€")}`,
    );
    expect(encodeParams(params)).toBe("z=1&a=a%20b%26c%3Dd%2Be%25f%2Fg%3Fh%23i&u=%C3%A9%E2%82%AC");
  });

  it("sends decimals exactly as given (no float, no exponent)", () => {
    expect(
      encodeParams([
        ["qtyLimit", "12345678.123456789"],
        ["deltaLimit", "0.30000000000000000001"],
        ["big", "123456789012345678901234567890"],
      ]),
    ).toBe(
      "qtyLimit=12345678.123456789&deltaLimit=0.30000000000000000001&big=123456789012345678901234567890",
    );
  });

  it("round-trips through the decoding the server does", () => {
    const value = "a b+c&d=e%20";
    expect(new URLSearchParams(encodeParams([["v", value]])).get("v")).toBe(value);
  });
});

describe("buildSignedRequest", () => {
  it("POST: form body with recvWindow, timestamp, then signature last; empty query; the mmpSet vector built on Binance's documented signing example", () => {
    const wire = buildSignedRequest("POST", "https://eapi.binance.com", "/eapi/v1/mmpSet", MMP_PARAMS, {
      timestamp: 1499827319559,
      recvWindow: 5000,
      sign: hmac,
    });
    expect(wire.url).toBe("https://eapi.binance.com/eapi/v1/mmpSet");
    expect(wire.payload).toBe(
      "underlying=BTCUSDT&windowTimeInMilliseconds=3000&frozenTimeInMilliseconds=300000&qtyLimit=2&deltaLimit=2.3" +
        "&recvWindow=5000&timestamp=1499827319559",
    );
    expect(wire.body).toBe(
      `${wire.payload}&signature=3f52cc9e32689ef02dfe1b693091b8d95a974fb439fe2aebdfdf2a1254e71f56`,
    );
  });

  it("GET: everything in the query string, no body", () => {
    const wire = buildSignedRequest(
      "GET",
      "https://h.example/",
      "/eapi/v1/mmp",
      [["underlying", "BTCUSDT"]],
      {
        timestamp: 1,
        recvWindow: 4000,
        sign: hmac,
      },
    );
    expect(wire.body).toBeUndefined();
    const expectedSig = createHmac("sha256", SPOT_SECRET)
      .update("underlying=BTCUSDT&recvWindow=4000&timestamp=1")
      .digest("hex");
    expect(wire.url).toBe(
      `https://h.example/eapi/v1/mmp?underlying=BTCUSDT&recvWindow=4000&timestamp=1&signature=${expectedSig}`,
    );
  });

  it("signs exactly the encoded bytes that are sent", () => {
    const seen: string[] = [];
    const wire = buildSignedRequest("POST", "http://x", "/p", [["v", "a b&c"]], {
      timestamp: 7,
      recvWindow: 5000,
      sign: (p) => {
        seen.push(p);
        return "sig";
      },
    });
    expect(seen).toEqual(["v=a%20b%26c&recvWindow=5000&timestamp=7"]);
    expect(wire.body).toBe("v=a%20b%26c&recvWindow=5000&timestamp=7&signature=sig");
  });

  it("percent-encodes base64 signatures (+, /, =)", () => {
    const wire = buildSignedRequest("POST", "http://x", "/p", [], {
      timestamp: 7,
      recvWindow: 5000,
      sign: () => "a+b/c==",
    });
    expect(wire.body).toBe("recvWindow=5000&timestamp=7&signature=a%2Bb%2Fc%3D%3D");
    expect(new URLSearchParams(wire.body).get("signature")).toBe("a+b/c==");
  });
});

describe("buildUnsignedRequest", () => {
  it("joins base URL and path and omits an empty query", () => {
    expect(buildUnsignedRequest("http://h:1/", "/eapi/v1/time").url).toBe("http://h:1/eapi/v1/time");
    expect(buildUnsignedRequest("http://h:1", "/x", [["a", "b c"]]).url).toBe("http://h:1/x?a=b%20c");
  });
});
