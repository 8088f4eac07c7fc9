/* eslint-disable */
// A minimal Binance eapi stand-in for benchmarks: answers GET /eapi/v1/time, GET /eapi/v1/exchangeInfo,
// POST /eapi/v1/mmpSet (and GET /eapi/v1/mmp, for a read-back) with the documented JSON shapes.
// No signature, timestamp or parameter verification: it exists to isolate the cost of whatever sits in
// front of it (the gateway, or the reference proxy). The mmpSet answer echoes the form body's values.
//
// exchangeInfo states a REQUEST_WEIGHT limit far above the documented 2400/min: the gateway budgets its
// calls against that limit (and stops at 90% of it), so the documented figure would cap a benchmark at
// ~2160 calls per minute. Every answer carries x-mbx-used-weight-1m like Binance's.
//
// Usage: node bench/lib/upstream-stub.js [port]   (prints its URL), or fork() it: it sends {type:"ready",url}.
"use strict";
const http = require("node:http");

const UNDERLYINGS = [
  ["BTCUSDT", 2, "BTC"],
  ["ETHUSDT", 3, "ETH"],
  ["BNBUSDT", 4, "BNB"],
  ["SOLUSDT", 5, "SOL"],
  ["XRPUSDT", 6, "XRP"],
  ["DOGEUSDT", 7, "DOGE"],
];
const ID = new Map(UNDERLYINGS.map(([u, id]) => [u, id]));
const WEIGHT_LIMIT = 1_000_000_000;

function exchangeInfo() {
  return JSON.stringify({
    timezone: "UTC",
    serverTime: Date.now(),
    optionContracts: UNDERLYINGS.map(([underlying, id, baseAsset]) => ({
      id,
      baseAsset,
      quoteAsset: "USDT",
      underlying,
      settleAsset: "USDT",
    })),
    optionAssets: [{ id: 1, name: "USDT" }],
    optionSymbols: [],
    rateLimits: [
      { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: WEIGHT_LIMIT },
      { rateLimitType: "ORDERS", interval: "MINUTE", intervalNum: 1, limit: 1200 },
      { rateLimitType: "ORDERS", interval: "SECOND", intervalNum: 10, limit: 300 },
    ],
  });
}

function mmpJson(p) {
  const underlying = p.get("underlying") || "BTCUSDT";
  // Numbers are written as they came (digits only), decimals as strings: the documented shape.
  return (
    `{"underlyingId":${ID.get(underlying) || 100},"underlying":${JSON.stringify(underlying)},` +
    `"windowTimeInMilliseconds":${Number(p.get("windowTimeInMilliseconds") || 0)},` +
    `"frozenTimeInMilliseconds":${/^\d+$/.test(p.get("frozenTimeInMilliseconds") || "") ? p.get("frozenTimeInMilliseconds") : 0},` +
    `"qtyLimit":${JSON.stringify(p.get("qtyLimit") || "0")},"deltaLimit":${JSON.stringify(p.get("deltaLimit") || "0")},` +
    `"lastTriggerTime":0}`
  );
}

function startStub({ host = "127.0.0.1", port = 0 } = {}) {
  let minute = 0;
  let used = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const m = Math.floor(Date.now() / 60_000);
      if (m !== minute) {
        minute = m;
        used = 0;
      }
      used++;
      const q = req.url.indexOf("?");
      const path = q < 0 ? req.url : req.url.slice(0, q);
      let status = 200;
      let body;
      if (req.method === "GET" && path === "/eapi/v1/time") body = `{"serverTime":${Date.now()}}`;
      else if (req.method === "GET" && path === "/eapi/v1/exchangeInfo") body = exchangeInfo();
      else if (req.method === "POST" && path === "/eapi/v1/mmpSet") {
        const params = new URLSearchParams(
          (q < 0 ? "" : req.url.slice(q + 1)) + "&" + Buffer.concat(chunks).toString("latin1"),
        );
        body = mmpJson(params);
      } else if (req.method === "GET" && path === "/eapi/v1/mmp") {
        body = mmpJson(new URLSearchParams(q < 0 ? "" : req.url.slice(q + 1)));
      } else {
        status = 404;
        body = '{"code":-5000,"msg":"Path not found"}';
      }
      res.writeHead(status, {
        "Content-Type": "application/json;charset=UTF-8",
        "Content-Length": Buffer.byteLength(body),
        "x-mbx-used-weight": String(used),
        "x-mbx-used-weight-1m": String(used),
      });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const a = server.address();
      resolve({ server, url: `http://${a.address}:${a.port}` });
    });
  });
}

module.exports = { startStub };

if (require.main === module) {
  startStub({ port: Number(process.argv[2] || 0) }).then(({ server, url }) => {
    if (process.send)
      process.send({ type: "ready", url, apiKey: "benchStubKey", secret: "benchStubSecret0123456789" });
    else console.log(url);
    const stop = () => {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    };
    process.on("message", (m) => m && m.type === "stop" && stop());
    process.on("disconnect", stop);
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}
