/* eslint-disable */
// Where the gateway allocates, per setMmpConfig call: starts the upstream stub and the gateway (SQLite, a
// fresh file), warms up, then samples allocations (V8's sampling heap profiler, freed objects included)
// during a load at c=32 and prints the bytes allocated per answered request by function and by file.
//
//   node bench/profile/alloc-profile.js [seconds=8] [top=30]
//
// The young-generation collector's cost follows the allocation rate, so this is the list to shorten when
// the profile shows the garbage collector high. Build first (npm run build); BENCH_DIST picks another build.
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { start, ask, load } = require("../lib/children");

const SECONDS = Number(process.argv[2] || 8);
const TOP = Number(process.argv[3] || 30);

/** self bytes per call frame, summed over the sample tree */
function summarise(profile, requests) {
  const byFunction = new Map();
  const byFile = new Map();
  const walk = (node) => {
    const f = node.callFrame;
    const file = f.url ? f.url.replace(/^file:\/\//, "").replace(process.cwd() + "/", "") : "(native)";
    const self = node.selfSize;
    const key = `${f.functionName || "(anonymous)"}  ${file}:${f.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) || 0) + self);
    byFile.set(file, (byFile.get(file) || 0) + self);
    for (const c of node.children) walk(c);
  };
  walk(profile.head);
  const total = [...byFunction.values()].reduce((a, b) => a + b, 0);
  const print = (title, map) => {
    console.log(`\n${title}\n  bytes/req  share  site`);
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .forEach(([k, v]) =>
        console.log(
          `  ${(v / requests).toFixed(0).padStart(9)}  ${((100 * v) / total).toFixed(1).padStart(4)}%  ${k}`,
        ),
      );
  };
  console.log(`allocated ${(total / requests).toFixed(0)} bytes per answered request (sampled)`);
  print("By function", byFunction);
  print("By file", byFile);
}

async function main() {
  const up = await start("upstream-stub.js", {});
  const file = path.join(os.tmpdir(), `mmp-alloc-${process.pid}.sqlite`);
  const gw = await start("start-gateway.js", {
    DATABASE_URL: `sqlite:${file}`,
    BENCH_UPSTREAM_URL: up.url,
    BENCH_API_KEY: up.apiKey,
    BENCH_API_SECRET: up.secret,
  });
  try {
    await load(gw, 32, 6); // warm-up: optimised code allocates differently from cold code
    await ask(gw.child, { type: "heap-sampling", action: "start" });
    const { durations } = await load(gw, 32, SECONDS);
    const out = path.join(os.tmpdir(), `mmp-alloc-${process.pid}.heapprofile`);
    await ask(gw.child, { type: "heap-sampling", action: "stop", file: out });
    const good = durations.length;
    console.log(`${good} good answers in ${SECONDS} s at c=32; profile ${out}`);
    summarise(JSON.parse(fs.readFileSync(out, "utf8")), good);
  } finally {
    gw.child.send({ type: "stop" });
    up.child.kill();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
