/* eslint-disable */
// A/B of two gateway builds, interleaved: both gateways run side by side (each its own child process and
// fresh SQLite file, one upstream stub), warm up, then take turns in short slices at the same
// concurrency (order alternating), so that drifts in competing load on a shared machine hit both alike.
// Prints per build the median over slices of req/s, CPU ms per answer, p50 and p99, and the median of
// the per-slice ratios B/A. For "did this change help?" questions; `npm run bench` is the full report.
//
// Usage: node bench/ab.js <buildA> <buildB> [slices=12] [seconds per slice=2] [connections=32]
//   builds: directories like dist/ (a copy of an earlier build, e.g. `cp -r dist /tmp/before`; a build
//   outside the repository needs node_modules reachable from it, e.g. a symlink beside it)
//   BENCH_AB_DB: directory for the SQLite files (default: the OS temp dir, i.e. the work disk; /dev/shm
//   takes fsync out of the comparison)
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { randomBytes } = require("node:crypto");

const [A, B] = process.argv.slice(2, 4).map((d) => d && path.resolve(d));
if (!A || !B) {
  console.error("usage: node bench/ab.js <buildA> <buildB> [slices] [seconds] [connections]");
  process.exit(2);
}
const SLICES = Number(process.argv[4] || 12);
const SECONDS = Number(process.argv[5] || 2);
const CONNECTIONS = Number(process.argv[6] || 32);
const DB_DIR = process.env.BENCH_AB_DB || os.tmpdir();
// BENCH_AB_PG_URL: PostgreSQL instead of SQLite, a fresh schema per build (e.g. postgres://postgres@127.0.0.1:5432/test)
const PG_URL = process.env.BENCH_AB_PG_URL;

const { pgSchema } = require("./lib/pg-schema");
const { start, load } = require("./lib/children");

function cpuSeconds(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

async function main() {
  const up = await start("upstream-stub.js", {});
  const gws = [];
  for (const [side, dist] of [
    ["A", A],
    ["B", B],
  ]) {
    const nodeArgs = (process.env[`BENCH_AB_NODE_ARGS_${side}`] || "").split(",").filter(Boolean);
    // BENCH_AB_ENV_A / _B: more environment for one side, "NAME=value,NAME=value"
    const sideEnv = Object.fromEntries(
      (process.env[`BENCH_AB_ENV_${side}`] || "")
        .split(",")
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
    const file = path.join(DB_DIR, `mmp-bench-ab-${randomBytes(4).toString("hex")}.sqlite`);
    const pg = PG_URL ? await pgSchema(PG_URL, "mmp_bench_ab") : undefined;
    gws.push({
      dist,
      file,
      pg,
      ...(await start(
        "start-gateway.js",
        {
          DATABASE_URL: pg ? pg.url : `sqlite:${file}`,
          BENCH_UPSTREAM_URL: up.url,
          BENCH_API_KEY: up.apiKey,
          BENCH_API_SECRET: up.secret,
          BENCH_DIST: dist,
          BENCH_GATEWAY_LOG_LEVEL: "info",
          BENCH_ABLATE: process.env[`BENCH_AB_ABLATE_${side}`] || "",
          ...sideEnv,
        },
        nodeArgs,
      )),
    });
  }
  // Warm-up at c=32 (BENCH_AB_WARMUP seconds per build, 20): V8 keeps optimising the gateway for tens of
  // thousands of calls (bench/run.js, BENCH_WARMUP_REQUESTS). In alternating chunks, not one build after
  // the other: warmed up whole in turn, the build warmed up last measured 5-10% faster than an identical
  // build warmed up first, in three A/A runs out of five (and 5% slower with the order reversed), for
  // the whole of 12 slices.
  const warmup = Number(process.env.BENCH_AB_WARMUP || 20);
  const chunks = Math.max(2, Math.round(warmup / 5));
  for (let k = 0; k < chunks; k++) {
    for (const i of k % 2 ? [1, 0] : [0, 1]) await load(gws[i], 32, warmup / chunks);
  }
  const stats = [[], []];
  for (let s = 0; s < SLICES; s++) {
    for (const i of s % 2 ? [1, 0] : [0, 1]) {
      const gw = gws[i];
      const c0 = cpuSeconds(gw.child.pid);
      const { res, durations: lat } = await load(gw, CONNECTIONS, SECONDS);
      const c1 = cpuSeconds(gw.child.pid);
      stats[i].push({
        rps: lat.length / SECONDS,
        cpu: (1000 * (c1 - c0)) / Math.max(1, lat.length),
        p50: lat[lat.length >> 1],
        p99: lat[Math.floor(lat.length * 0.99)],
        bad: Math.max(res.non2xx, res.mismatches || 0) + res.errors + res.timeouts,
      });
    }
  }
  const where = PG_URL ? "PostgreSQL" : `SQLite in ${DB_DIR}`;
  console.log(`${SLICES} slices of ${SECONDS} s at c=${CONNECTIONS}, ${where}; medians:`);
  const peakRss = gws.map((gw) => {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${gw.child.pid}/status`, "utf8"));
    return m ? `${(Number(m[1]) / 1024).toFixed(0)} MB` : "?";
  });
  stats.forEach((st, i) =>
    console.log(
      `  ${"AB"[i]} ${gws[i].dist}: ${median(st.map((x) => x.rps)).toFixed(0)} req/s, ` +
        `CPU ${median(st.map((x) => x.cpu)).toFixed(3)} ms/req, p50 ${median(st.map((x) => x.p50)).toFixed(2)} ms, ` +
        `p99 ${median(st.map((x) => x.p99)).toFixed(2)} ms, bad answers ${st.reduce((a, x) => a + x.bad, 0)}, ` +
        `peak RSS ${peakRss[i]}`,
    ),
  );
  const ratios = (k) => stats[0].map((x, j) => stats[1][j][k] / x[k]).sort((a, b) => a - b);
  const ratio = (k) => median(ratios(k)).toFixed(3);
  console.log(`  B/A: req/s ${ratio("rps")}, CPU per request ${ratio("cpu")}, p99 ${ratio("p99")}`);
  // The spread says what a median of this many slices can resolve: A/A runs (the same build twice) on
  // this 2-core VM had per-slice req/s ratios from about 0.9 to 1.15, and 0.75 to 1.25 in a noisy hour.
  const r = ratios("rps");
  const q = (f) => r[Math.min(r.length - 1, Math.floor(f * r.length))].toFixed(2);
  console.log(
    `  per-slice req/s B/A: min ${q(0)}, quartiles ${q(0.25)} / ${q(0.75)}, max ${r[r.length - 1].toFixed(2)}`,
  );
  for (const gw of gws) {
    gw.child.send({ type: "stop" });
    for (const f of [gw.file, `${gw.file}-wal`, `${gw.file}-shm`]) fs.rmSync(f, { force: true });
    if (gw.pg) {
      await new Promise((resolve) => {
        gw.child.once("exit", resolve);
        setTimeout(resolve, 5000).unref();
      });
      await gw.pg.drop().catch(() => undefined);
    }
  }
  up.child.kill();
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => setTimeout(() => process.exit(), 2000).unref());
