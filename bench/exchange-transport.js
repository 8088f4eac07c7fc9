// Per-call cost of the exchange transport against a local HTTP server (a child process, so the CPU
// figures are the client's own):
//   raw node http (keep-alive)  vs  raw undici  vs  axios default http adapter (keep-alive)  vs  axios + our adapter
//   (configured like axios.create, and as BinanceClient builds it: an Axios of its own without axios's
//   global defaults, prebuilt headers)  vs the whole BinanceClient.getMmp (sign + build + send + parse).
// Prints per case the median over 3 rounds of wall µs per call and of this process's CPU µs per call.
// Usage: node bench/exchange-transport.js [calls=5000] [concurrency=1]
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
const { createHttpTransport } = require(path.join(__dirname, "../src/exchange/binance/transport.ts"));
const { BinanceClient } = require(path.join(__dirname, "../src/exchange/binance/binance-client.ts"));

const { fork } = require("node:child_process");
const { Pool } = require("undici");

const CALLS = Number(process.argv[2] || 5000);
const CONCURRENCY = Number(process.argv[3] || 1);
const MMP =
  '{"underlyingId":2,"underlying":"BTCUSDT","windowTimeInMilliseconds":3000,' +
  '"frozenTimeInMilliseconds":300000,"qtyLimit":"2","deltaLimit":"2.3","lastTriggerTime":0}';

function serve() {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const body = req.url.startsWith("/eapi/v1/time") ? `{"serverTime":${Date.now()}}` : MMP;
      res.writeHead(200, { "content-type": "application/json", "x-mbx-used-weight-1m": "1" });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => process.send(server.address().port));
}

async function main() {
  const child = fork(__filename, ["serve"]);
  const port = await new Promise((r) => child.once("message", r));
  const base = `http://127.0.0.1:${port}`;
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

  const pool = new Pool(base, { connections: 64, pipelining: 1 });
  const rawUndici = async () => {
    const answer = await pool.request({ method: "GET", path: "/eapi/v1/mmp?underlying=BTCUSDT" });
    return answer.body.text();
  };

  const axiosDefault = axios.create({
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
    adapter: "http",
  });
  const transport = createHttpTransport();
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
    ["raw undici Pool.request (keep-alive)", rawUndici],
    ["axios default http adapter (keep-alive agent)", () => axiosDefault.get(url)],
    ["axios.create + our undici adapter", () => axiosOurs.get(url)],
    ["own Axios, no global defaults + our adapter", () => axiosLean.request({ method: "GET", url, headers })],
    [
      "our adapter alone (no axios; attribution only)",
      () => transport.adapter({ url, method: "get", headers: new axios.AxiosHeaders() }),
    ],
    ["BinanceClient.getMmp (HMAC sign + parse)", () => client.getMmp(account, "BTCUSDT")],
  ];

  // CONCURRENCY workers take calls from one counter until CALLS have been made
  const drive = async (fn, calls) => {
    let made = 0;
    const worker = async () => {
      while (made < calls) {
        made++;
        await fn();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };
  const results = {};
  for (let round = 0; round < 3; round++) {
    for (const [name, fn] of cases) {
      await drive(fn, 500); // warm-up
      const t0 = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      await drive(fn, CALLS);
      const cpu = process.cpuUsage(cpu0);
      const wall = Number(process.hrtime.bigint() - t0) / 1000 / CALLS;
      (results[name] ||= []).push({ wall, cpu: (cpu.user + cpu.system) / CALLS });
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[1];
  console.log(
    `node ${process.version}, ${CALLS} calls per round at concurrency ${CONCURRENCY}, 3 rounds; medians per call:`,
  );
  console.log(`  ${"".padEnd(48)} ${"wall".padStart(8)} ${"client CPU".padStart(11)}`);
  for (const [name, list] of Object.entries(results)) {
    const wall = median(list.map((r) => r.wall));
    const cpu = median(list.map((r) => r.cpu));
    console.log(`  ${name.padEnd(48)} ${wall.toFixed(0).padStart(5)} µs ${cpu.toFixed(0).padStart(8)} µs`);
  }
  rawAgent.destroy();
  await pool.close();
  transport.close();
  await client.close();
  child.kill();
}

if (process.argv[2] === "serve") serve();
else
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
