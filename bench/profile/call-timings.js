/* eslint-disable */
// Where one call's wall time goes: starts the upstream stub and the gateway (SQLite on the work disk
// unless DATABASE_URL says otherwise), warms up at c=32, then loads at the given concurrency and prints
// the mean wall time of the stages that wait (the audit begin, the exchange call, the audit completion)
// beside the mean latency of the whole request; the rest is the gateway's own work (HTTP, GraphQL,
// authentication, validation) and the event loop's queueing.
//
//   node bench/profile/call-timings.js [connections=1] [seconds=6]
//
// At c=1 this is the added latency's breakdown (the target is 0.5 ms over the reference). Build first.
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { start, ask, load } = require("../lib/children");
const { measureFlush, describeFlush, QUICK } = require("../disk-flush");

const CONNECTIONS = Number(process.argv[2] || 1);
const SECONDS = Number(process.argv[3] || 6);

function summary({ durations }) {
  const meanMs = durations.reduce((a, b) => a + b, 0) / Math.max(1, durations.length);
  return { good: durations.length, meanMs, p50Ms: durations[durations.length >> 1] ?? NaN };
}

async function main() {
  const up = await start("upstream-stub.js", {});
  const file = path.join(os.tmpdir(), `mmp-timings-${process.pid}.sqlite`);
  const env = { BENCH_UPSTREAM_URL: up.url, BENCH_API_KEY: up.apiKey, BENCH_API_SECRET: up.secret };
  const gw = await start("start-gateway.js", {
    DATABASE_URL: process.env.DATABASE_URL || `sqlite:${file}`,
    BENCH_TIMINGS: "1",
    ...env,
  });
  // the reference on the same upstream, for the added latency
  const ref = await start("reference-proxy.js", env);
  try {
    await load(gw, 32, 5);
    await load(ref, 32, 3);
    const refRun = summary(await load(ref, CONNECTIONS, SECONDS));
    await ask(gw.child, { type: "timings", action: "reset" });
    const run = summary(await load(gw, CONNECTIONS, SECONDS));
    const { stages } = await ask(gw.child, { type: "timings", action: "read" });
    console.log(
      `c=${CONNECTIONS}, ${SECONDS} s, ${process.env.DATABASE_URL ? "DATABASE_URL as given" : "SQLite on " + os.tmpdir()}: ` +
        `gateway ${(run.good / SECONDS).toFixed(0)} req/s, mean ${run.meanMs.toFixed(3)} ms (p50 ${run.p50Ms.toFixed(3)}); ` +
        `reference mean ${refRun.meanMs.toFixed(3)} ms (p50 ${refRun.p50Ms.toFixed(3)})`,
    );
    let waited = 0;
    for (const s of stages) {
      // nested stages (indented labels) are part of the one above them
      if (!s.stage.startsWith(" ")) waited += (s.meanUs * s.calls) / Math.max(1, run.good);
      console.log(`  ${s.stage.padEnd(44)} ${s.meanUs.toFixed(0).padStart(6)} µs mean (${s.calls} calls)`);
    }
    console.log(
      `  ${"the rest (HTTP, GraphQL, auth, queueing)".padEnd(44)} ${(run.meanMs * 1000 - waited).toFixed(0).padStart(6)} µs per request`,
    );
    if (!process.env.DATABASE_URL || process.env.DATABASE_URL.startsWith("sqlite:")) {
      // the audit begin waits for one flush: how long one takes on this disk, busy and after idling
      const dir = process.env.DATABASE_URL ? path.dirname(process.env.DATABASE_URL.slice(7)) : os.tmpdir();
      console.log(`  disk flush in ${dir}: ${describeFlush(measureFlush(dir, QUICK))}`);
    }
  } finally {
    for (const c of [gw.child, ref.child, up.child]) c.send({ type: "stop" });
    setTimeout(() => {
      for (const c of [gw.child, ref.child, up.child]) c.kill();
      for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
    }, 1500);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
