// Per-call cost of the exchange transport, sequential calls against a local HTTP server:
//   raw node http (keep-alive)  vs  axios default http adapter (keep-alive)  vs  axios + our adapter
//   (configured like axios.create, and as BinanceClient builds it: an Axios of its own without axios's
//   global defaults, prebuilt headers)  vs the whole BinanceClient.getMmp (sign + build + send + parse).
// Usage: node bench/exchange-transport.js [calls=5000]
"use strict";
const http = require("node:http");
const path = require("node:path");
const fs = require("node:fs");
const { transformSync } = require("@swc/core");

// Load the TypeScript sources directly (no build step needed).
require.extensions[".ts"] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, "utf8"), {
    filename,
    jsc: { target: "es2022", parser: { syntax: "typescript" } },
    module: { type: "commonjs" },
  });
  module._compile(code, filename);
};
const axios = require("axios");
const { createNodeHttpTransport } = require(path.join(__dirname, "../src/exchange/binance/transport.ts"));
const { BinanceClient } = require(path.join(__dirname, "../src/exchange/binance/binance-client.ts"));

const CALLS = Number(process.argv[2] || 5000);
const MMP =
  '{"underlyingId":2,"underlying":"BTCUSDT","windowTimeInMilliseconds":3000,' +
  '"frozenTimeInMilliseconds":300000,"qtyLimit":"2","deltaLimit":"2.3","lastTriggerTime":0}';

async function main() {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const body = req.url.startsWith("/eapi/v1/time") ? `{"serverTime":${Date.now()}}` : MMP;
      res.writeHead(200, { "content-type": "application/json", "x-mbx-used-weight-1m": "1" });
      res.end(body);
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const url = `${base}/eapi/v1/mmp?underlying=BTCUSDT`;

  const rawAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const raw = () =>
    new Promise((resolve, reject) => {
      const req = http.get(url, { agent: rawAgent }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve(Buffer.concat(chunks).toString()));
      });
      req.on("error", reject);
    });

  const axiosDefault = axios.create({
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
    adapter: "http",
  });
  const transport = createNodeHttpTransport();
  const axiosOurs = axios.create({
    adapter: transport.adapter,
    validateStatus: () => true,
    transformRequest: [(d) => d],
    transformResponse: [(d) => d],
  });
  const axiosLean = new axios.Axios({ adapter: transport.adapter });
  const headers = Object.freeze({ "User-Agent": "mmp-gateway", "X-MBX-APIKEY": "k" });
  // Weight limits are irrelevant here; a high ratio keeps the local budget out of the way.
  const client = new BinanceClient({ weightSafetyRatio: 1e9 });
  const account = { accountId: "a", apiKey: "k", keyType: "hmac", secret: "s".repeat(64), baseUrl: base };

  const cases = [
    ["raw node http (keep-alive)", raw],
    ["axios default http adapter (keep-alive agent)", () => axiosDefault.get(url)],
    ["axios.create + our node-http adapter", () => axiosOurs.get(url)],
    ["own Axios, no global defaults + our adapter", () => axiosLean.request({ method: "GET", url, headers })],
    [
      "our adapter alone (no axios; attribution only)",
      () => transport.adapter({ url, method: "get", headers: new axios.AxiosHeaders() }),
    ],
    ["BinanceClient.getMmp (HMAC sign + parse)", () => client.getMmp(account, "BTCUSDT")],
  ];

  const results = {};
  for (let round = 0; round < 3; round++) {
    for (const [name, fn] of cases) {
      for (let i = 0; i < 500; i++) await fn(); // warm-up
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < CALLS; i++) await fn();
      const us = Number(process.hrtime.bigint() - t0) / 1000 / CALLS;
      (results[name] ||= []).push(us);
    }
  }
  console.log(`node ${process.version}, ${CALLS} sequential calls per round, 3 rounds; median µs/call:`);
  for (const [name, list] of Object.entries(results)) {
    const sorted = [...list].sort((a, b) => a - b);
    console.log(
      `  ${name.padEnd(48)} ${sorted[1].toFixed(0).padStart(5)} µs   (rounds: ${list.map((x) => x.toFixed(0)).join(", ")})`,
    );
  }
  rawAgent.destroy();
  transport.close();
  await client.close();
  server.closeAllConnections();
  server.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
