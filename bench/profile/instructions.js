/* eslint-disable */
// Instructions per request, counted by valgrind (callgrind): the work a target does per call, a figure
// that does not depend on the machine's load or speed (bench/ab.js's req/s and CPU times do, by 10-20%
// between runs here), though it varies by a few percent with the timing of JIT compilation, GC and
// batching (bench/README.md: run each build more than once, at c=1). It cannot see what costs time without costing instructions (cache misses, waits
// for the disk: the c=1 figures of `npm run bench` are two to three times c=32's for that reason), so it
// complements ab.js rather than replacing it: use it to tell whether a change does less work.
//
// Each target runs under valgrind with instrumentation off (about 5x slower than native) while it starts
// and warms up, so that V8 optimises what it will run; then `callgrind_control` turns instrumentation
// on, zeroes the counters, the measured requests run, and a dump gives the instructions executed in
// between, in all of the target's threads (the audit writer's thread included).
//
// Usage: node bench/profile/instructions.js [build...]   (default: dist; each build as for ab.js)
//   BENCH_INSTR_REQUESTS (300) measured requests, BENCH_INSTR_WARMUP (3000) requests before,
//   BENCH_INSTR_CONNECTIONS (1), BENCH_INSTR_REFERENCE (1: also the reference proxy; 0: not),
//   BENCH_INSTR_NODE_ARGS (node options for the targets, comma list). The dumps stay in the work dir
//   for callgrind_annotate.
// Needs valgrind (Debian package `valgrind`) and `npm run build`. About 2-3 minutes per target.
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const autocannon = require("autocannon");
const { start, benchRequest } = require("../lib/children");

const REQUESTS = Number(process.env.BENCH_INSTR_REQUESTS || 300);
const WARMUP = Number(process.env.BENCH_INSTR_WARMUP || 3000);
const CONNECTIONS = Number(process.env.BENCH_INSTR_CONNECTIONS || 1);
const WITH_REFERENCE = process.env.BENCH_INSTR_REFERENCE !== "0";
const builds = (process.argv.length > 2 ? process.argv.slice(2) : ["dist"]).map((d) => path.resolve(d));

/** `amount` requests at `connections`; resolves with the number of good answers */
function requests(target, amount, connections) {
  return new Promise((resolve, reject) => {
    let good = 0;
    const instance = autocannon({ ...benchRequest(target), connections, amount, timeout: 60 }, (err) =>
      err ? reject(err) : resolve(good),
    );
    instance.on("response", (_client, status) => status === 200 && good++);
  });
}

function control(pid, ...args) {
  execFileSync("callgrind_control", [...args, String(pid)], { stdio: "ignore", timeout: 120_000 });
}

/** the instruction total of the newest dump callgrind wrote for `pid` in `dir` */
function dumpedInstructions(dir, pid) {
  const dumps = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(`cg.${pid}.`))
    .sort((a, b) => Number(a.split(".").pop()) - Number(b.split(".").pop()));
  const text = fs.readFileSync(path.join(dir, dumps[dumps.length - 1]), "utf8");
  const m = /^(?:summary|totals):\s*(\d+)/m.exec(text);
  if (!m) throw new Error(`no instruction total in ${dumps[dumps.length - 1]}`);
  return Number(m[1]);
}

async function measure(label, script, env, dir) {
  const t0 = Date.now();
  const valgrind = [
    "--tool=callgrind",
    "--instr-atstart=no",
    "--smc-check=all-non-file",
    `--callgrind-out-file=${path.join(dir, "cg.%p")}`,
    `--log-file=${path.join(dir, "valgrind.%p.log")}`,
    process.execPath,
    // BENCH_INSTR_NODE_ARGS: node options for the targets, comma list (e.g. --perf-basic-prof, whose
    // /tmp/perf-<pid>.map names the JIT-compiled functions callgrind only knows by address)
    ...(process.env.BENCH_INSTR_NODE_ARGS || "").split(",").filter(Boolean),
  ];
  const target = await start(script, env, valgrind, "valgrind");
  const pid = target.child.pid;
  try {
    const warm = await requests(target, WARMUP, 32);
    control(pid, "--instr=on");
    control(pid, "--zero");
    const good = await requests(target, REQUESTS, CONNECTIONS);
    control(pid, "--dump");
    const total = dumpedInstructions(dir, pid);
    return { label, good, warm, perRequest: total / Math.max(1, good), seconds: (Date.now() - t0) / 1000 };
  } finally {
    target.child.send({ type: "stop" });
    await new Promise((r) => {
      const timer = setTimeout(() => {
        target.child.kill("SIGKILL");
        r();
      }, 20_000);
      target.child.once("exit", () => {
        clearTimeout(timer);
        r();
      });
    });
  }
}

async function main() {
  try {
    execFileSync("valgrind", ["--version"], { stdio: "ignore" });
  } catch {
    console.error("valgrind is not installed (Debian: apt-get install valgrind)");
    process.exit(2);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmp-instr-"));
  const up = await start("upstream-stub.js", {});
  const upstream = { BENCH_UPSTREAM_URL: up.url, BENCH_API_KEY: up.apiKey, BENCH_API_SECRET: up.secret };
  console.log(
    `instructions per request (valgrind callgrind), ${REQUESTS} requests at c=${CONNECTIONS} after ${WARMUP} at c=32; ` +
      `stub upstream; SQLite on ${os.tmpdir()}; work dir ${dir}`,
  );
  const results = [];
  try {
    if (WITH_REFERENCE) results.push(await measure("reference", "reference-proxy.js", upstream, dir));
    for (const build of builds) {
      const file = path.join(dir, `gateway-${results.length}.sqlite`);
      results.push(
        await measure(
          build,
          "start-gateway.js",
          { ...upstream, DATABASE_URL: `sqlite:${file}`, BENCH_DIST: build, BENCH_GATEWAY_LOG_LEVEL: "info" },
          dir,
        ),
      );
    }
  } finally {
    up.child.kill();
  }
  const ref = results.find((r) => r.label === "reference");
  const first = results.find((r) => r.label !== "reference");
  for (const r of results) {
    const vsRef = ref && r !== ref ? `, ${(r.perRequest / ref.perRequest).toFixed(2)}x the reference` : "";
    const vsFirst =
      first && r !== first && r !== ref
        ? `, ${(r.perRequest / first.perRequest).toFixed(3)}x the first build`
        : "";
    console.log(
      `  ${r.label.padEnd(40)} ${(r.perRequest / 1e6).toFixed(3).padStart(7)} M instructions/request${vsRef}${vsFirst}` +
        `  (${r.good}/${REQUESTS} good, ${r.seconds.toFixed(0)} s)`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
