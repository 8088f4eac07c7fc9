/* eslint-disable */
// The built-in simulator (dist/simulator) as a benchmark upstream, in its own process: the strict one,
// which verifies timestamps, HMAC signatures and every parameter, so it costs more per call than the
// stub. One generated HMAC account; a weight limit far above Binance's 2400/min so that neither the
// simulator nor the gateway's own budget (90% of exchangeInfo's limit) throttles the benchmark; the
// request log the simulator keeps for tests is cleared every second so it does not grow without bound.
// fork() it: it sends {type:"ready", url, apiKey, secret}.
"use strict";
const path = require("node:path");
// BENCH_DIST: another build of the gateway (e.g. of a given commit); default the repository's dist/
const dist = path.resolve(__dirname, "..", "..", process.env.BENCH_DIST || "dist");
const { ExchangeSimulator, generateAccountKeys } = require(path.join(dist, "simulator"));

async function main() {
  const k = generateAccountKeys("hmac");
  const sim = new ExchangeSimulator({
    accounts: [{ apiKey: k.apiKey, keyType: "hmac", secret: k.secret }],
    weightLimitPerMinute: 1_000_000_000,
  });
  const url = await sim.start();
  const sweep = setInterval(() => sim.clearRequests(), 1000);
  sweep.unref();
  const stop = () => {
    clearInterval(sweep);
    sim.stop().then(() => process.exit(0));
  };
  process.on("message", (m) => m && m.type === "stop" && stop());
  process.on("disconnect", stop);
  process.on("SIGTERM", stop);
  if (process.send) process.send({ type: "ready", url, apiKey: k.apiKey, secret: k.secret });
  else console.log(JSON.stringify({ url, apiKey: k.apiKey, secret: k.secret }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
