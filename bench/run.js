/* eslint-disable */
// `npm run bench`: the gateway's own cost per setMmpConfig, measured against a bare node reference proxy
// in front of the same upstream, on loopback, in one run. See bench/README.md.
//
// Targets, each a separate child process (so CPU and peak RSS are its own):
//   reference  bench/lib/reference-proxy.js: parse JSON, HMAC-sign, forward over keep-alive, answer
//   gateway    dist/ via bench/lib/start-gateway.js: auth, roles, validation, signing, audit; on a fresh SQLite
//              file and on a fresh PostgreSQL schema
// Upstreams, each a separate child process: bench/lib/upstream-stub.js (no verification) and the built-in
// simulator (dist/simulator, verifies every signature).
//
// Load: autocannon, in this process, at 32 connections and at 1. The machine is shared (other work may
// run beside the benchmark), so the measured time is split into rounds and the targets take turns within
// each round (order rotated): a ratio is computed from the gateway's and the reference's runs of the same
// round, and the median over rounds is reported. Latency percentiles come from every response's own
// duration (sub-millisecond), not from autocannon's whole-millisecond histogram.
// Then the gateway runs once more under `node --cpu-prof` and the profile's top self-time functions are
// printed (bench/profile/cpuprofile-summary.js).
//
// Environment (all optional):
//   BENCH_DURATION      seconds at 32 connections per target, split over the rounds (10)
//   BENCH_DURATION_C1   seconds at 1 connection per target, split over the rounds (half of BENCH_DURATION, >= 2)
//   BENCH_ROUNDS        rounds (5): the ratios are per round and their median is reported, so more
//                       and shorter rounds resist the machine drifting during a run
//   BENCH_WARMUP        most seconds of warm-up at 32 connections per target before measuring (30)
//   BENCH_WARMUP_REQUESTS  the warm-up ends sooner once the target has answered this many (60000): the
//                       gateway runs a lot of code per call, and V8 keeps optimising it for tens of
//                       thousands of calls (in one run its CPU per call relative to the reference's,
//                       slice by slice, fell from 4.5x at 20 000 answers to about 3.3x after 60 000; under valgrind, 5-16%
//                       of its instructions in a measured window were still V8's optimising compiler):
//                       the figures are a long-running gateway's, not a young one's
//   BENCH_CONNECTIONS   the concurrent connection count (32)
//   BENCH_UPSTREAMS     comma list of stub,sim (stub,sim)
//   BENCH_STORES        comma list of sqlite,postgres (sqlite,postgres)
//   BENCH_DIAG          diagnostic gateway rows on the first upstream, not judged against the targets, or 0:
//                       sqlite-tmpfs (the SQLite file on /dev/shm, where fsync costs nothing),
//                       postgres-nosync (synchronous_commit=off for the gateway's sessions) (sqlite-tmpfs)
//   BENCH_PG_URL        postgres://postgres@127.0.0.1:5432/test; a fresh schema per target, dropped after
//   BENCH_MEASURE       0 skips the measurements (profile only) (1)
//   BENCH_PROFILE       0 skips the profiling run (1)
//   BENCH_PROFILE_STORES  which gateway stores to profile, comma list (sqlite)
//   BENCH_PROFILE_DURATION  seconds of the profiled run at c=32 (6)
//   BENCH_PROFILE_CONNECTIONS  connections of the profiled run (BENCH_CONNECTIONS; 1 profiles the added latency)
//   BENCH_GATEWAY_LOG_LEVEL  the gateway's LOG_LEVEL (info, as deployed); its log goes to a file
//   BENCH_GATEWAY_NODE_ARGS  node options for the gateway processes, comma list (none), e.g.
//                       --max-semi-space-size=8 to compare heap settings
//   BENCH_DIST          the gateway build to measure, absolute or relative to the repository (dist)
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { fork } = require("node:child_process");
const { randomBytes } = require("node:crypto");
const autocannon = require("autocannon");
const { summarise } = require("./profile/cpuprofile-summary");
const { measureFlush, describeFlush, QUICK } = require("./disk-flush");
/** this machine's flush latency, measured at the start (bench/disk-flush.js) */
let diskFlush = [];

const ROOT = path.resolve(__dirname, "..");
const num = (v, d) => (v === undefined || v === "" || !Number.isFinite(Number(v)) ? d : Number(v));
const list = (v, d) =>
  (v === undefined || v === "" ? d : v)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
const DURATION = num(process.env.BENCH_DURATION, 10);
const DURATION_C1 = num(process.env.BENCH_DURATION_C1, Math.max(2, Math.round(DURATION / 2)));
const ROUNDS = Math.max(1, Math.floor(num(process.env.BENCH_ROUNDS, 5)));
const WARMUP = num(process.env.BENCH_WARMUP, 30);
const WARMUP_REQUESTS = num(process.env.BENCH_WARMUP_REQUESTS, 60000);
const CONNECTIONS = num(process.env.BENCH_CONNECTIONS, 32);
const UPSTREAMS = list(process.env.BENCH_UPSTREAMS, "stub,sim");
const STORES = list(process.env.BENCH_STORES, "sqlite,postgres");
const DIAG = process.env.BENCH_DIAG === "0" ? [] : list(process.env.BENCH_DIAG, "sqlite-tmpfs");
const PG_URL = process.env.BENCH_PG_URL || "postgres://postgres@127.0.0.1:5432/test";
const MEASURE = process.env.BENCH_MEASURE !== "0";
const PROFILE = process.env.BENCH_PROFILE !== "0";
const PROFILE_DURATION = num(process.env.BENCH_PROFILE_DURATION, 6);
const PROFILE_STORES = list(process.env.BENCH_PROFILE_STORES, "sqlite");
const PROFILE_CONNECTIONS = num(process.env.BENCH_PROFILE_CONNECTIONS, CONNECTIONS);
const DIST = path.resolve(ROOT, process.env.BENCH_DIST || "dist");
const GATEWAY_LOG_LEVEL = process.env.BENCH_GATEWAY_LOG_LEVEL || "info";
// node options for the gateway processes (e.g. "--max-semi-space-size=8"), to compare heap settings
const GATEWAY_NODE_ARGS = list(process.env.BENCH_GATEWAY_NODE_ARGS, "").join(",").split(",").filter(Boolean);

const TARGETS = {
  throughputPct: 50, // gateway req/s at c=32 >= 50% of the reference's
  p99Ratio: 2, // gateway p99 at c=32 <= 2x the reference's
  addedP50Ms: 0.5, // gateway p50 at c=1 minus the reference's <= 0.5 ms
  rssMb: 200, // gateway peak RSS < 200 MB
};

const { BODY, okBody } = require("./lib/request");
const { benchRequest } = require("./lib/children");

const work = fs.mkdtempSync(path.join(os.tmpdir(), "mmp-bench-"));
const children = new Set();

// ---- child processes ---------------------------------------------------------------------------

// Not children.js's start(): a run lasts long and is left unattended, so each child logs to a file (quoted
// when it fails), a start is bounded by a timeout, and every child is tracked to be stopped on interrupt.
function startChild(name, script, { env = {}, execArgv = [], timeoutMs = 60_000 } = {}) {
  const logFile = path.join(work, `${name}.log`);
  const fd = fs.openSync(logFile, "a");
  const child = fork(path.join(__dirname, "lib", script), [], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    execArgv,
    stdio: ["ignore", fd, fd, "ipc"],
  });
  fs.closeSync(fd);
  children.add(child);
  child.once("exit", () => children.delete(child));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} did not start within ${timeoutMs} ms; log: ${logFile}\n${tail(logFile)}`));
    }, timeoutMs);
    child.once("message", (m) => {
      clearTimeout(timer);
      resolve({ child, name, logFile, ...m });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready; log: ${logFile}\n${tail(logFile)}`));
    });
  });
}

function stopChild(c, timeoutMs = 15_000) {
  const child = c.child;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.send({ type: "stop" });
    else child.kill("SIGTERM");
  });
}

function tail(file, lines = 15) {
  try {
    return fs.readFileSync(file, "utf8").trim().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

// ---- /proc sampling ----------------------------------------------------------------------------

const CLK_TCK = 100; // USER_HZ on Linux
function procStatus(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (k) => Number((new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(s) || [])[1] || 0);
    return { hwmMb: kb("VmHWM") / 1024, rssMb: kb("VmRSS") / 1024 };
  } catch {
    return { hwmMb: NaN, rssMb: NaN };
  }
}
/** user + system CPU seconds of a process */
function cpuSeconds(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}
/** CPU seconds per PostgreSQL server process on this machine (its work for the gateway), by pid */
function postgresCpuSeconds() {
  const byPid = new Map();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const name = s.slice(s.indexOf("(") + 1, s.lastIndexOf(")"));
      if (name !== "postgres") continue;
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
      byPid.set(d, (Number(f[11]) + Number(f[12])) / CLK_TCK);
    } catch {
      // gone meanwhile
    }
  }
  return byPid;
}
/** CPU seconds PostgreSQL processes used since `before` (processes that exited meanwhile are not counted) */
function postgresCpuSince(before) {
  let sum = 0;
  for (const [pid, s] of postgresCpuSeconds()) sum += s - (before.get(pid) || 0);
  return sum;
}
/** [busy, total] CPU seconds of the whole machine, all cores */
function machineSeconds() {
  try {
    const f = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return [(total - f[3] - (f[4] || 0)) / CLK_TCK, total / CLK_TCK];
  } catch {
    return [NaN, NaN];
  }
}

// ---- load ----------------------------------------------------------------------------------------

/**
 * One autocannon run. CPU is reported in % of one core over the run for: the target, the upstream,
 * PostgreSQL, this process (the load generator), and "others": everything else busy on the machine.
 */
function load(t, headers, connections, duration, upstreamPid) {
  return new Promise((resolve, reject) => {
    const lat = [];
    const pids = [t.child.pid, upstreamPid, process.pid];
    const cpu0 = pids.map(cpuSeconds);
    const pg0 = postgresCpuSeconds();
    const m0 = machineSeconds();
    const t0 = process.hrtime.bigint();
    let peakRss = 0;
    const sampler = setInterval(() => {
      const r = procStatus(t.child.pid).rssMb;
      if (r > peakRss) peakRss = r;
    }, 250);
    const inst = autocannon(
      { ...benchRequest(t), headers, connections, duration, timeout: 10 },
      (err, res) => {
        clearInterval(sampler);
        if (err) return reject(err);
        const t1 = process.hrtime.bigint();
        const secs = Number(t1 - t0) / 1e9;
        const m1 = machineSeconds();
        const cpu = pids.map((pid, i) => (100 * (cpuSeconds(pid) - cpu0[i])) / secs);
        const pg = (100 * postgresCpuSince(pg0)) / secs;
        const machine = (100 * (m1[0] - m0[0])) / secs; // % of one core, up to 100 x cores
        lat.sort((a, b) => a - b);
        const q = (p) =>
          lat.length ? lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] : NaN;
        // A non-2xx answer also fails verifyBody: count each bad response once.
        const badAnswers = Math.max(res.non2xx, res.mismatches);
        resolve({
          connections,
          requests: res.requests.total,
          rps: (res.requests.total - badAnswers) / res.duration, // good answers per second
          p50: q(50),
          p99: q(99),
          mean: lat.length ? lat.reduce((a, b) => a + b, 0) / lat.length : NaN,
          errors: res.errors,
          timeouts: res.timeouts,
          non2xx: res.non2xx,
          mismatches: res.mismatches,
          bad: res.errors + res.timeouts + badAnswers,
          cpu: {
            target: cpu[0],
            upstream: cpu[1],
            loadgen: cpu[2],
            postgres: pg,
            others: machine - cpu[0] - cpu[1] - cpu[2] - pg,
          },
          // CPU time the target spent per answered request, in ms: less sensitive to competing load than req/s
          cpuMsPerReq: (10 * cpu[0] * secs) / Math.max(1, res.requests.total - badAnswers),
          peakRssSampled: peakRss,
          startUs: Number(t0 / 1000n),
          endUs: Number(t1 / 1000n),
        });
      },
    );
    inst.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) lat.push(responseTime);
    });
  });
}

/** c=N load in steps of at most 1 s until WARMUP_REQUESTS answers or WARMUP seconds; {requests, secs} */
async function warmUp(t, headers, upstreamPid) {
  const started = Date.now();
  let requests = 0;
  for (;;) {
    const left = WARMUP - (Date.now() - started) / 1000;
    if (requests >= WARMUP_REQUESTS || left <= 0.05) break;
    const r = await load(t, headers, CONNECTIONS, Math.min(1, left), upstreamPid);
    requests += r.requests;
  }
  return { requests, secs: (Date.now() - started) / 1000 };
}

async function sanity(url, headers) {
  const res = await fetch(`${url}/graphql`, { method: "POST", headers, body: BODY });
  const text = await res.text();
  if (res.status !== 200 || !okBody(text))
    throw new Error(`sanity request answered HTTP ${res.status}: ${text.slice(0, 400)}`);
}

// ---- PostgreSQL ----------------------------------------------------------------------------------

const pg = require("./lib/pg-schema");
const pgClient = () => pg.connect(PG_URL);

async function pgAvailable() {
  try {
    const c = await pgClient();
    await c.query("select 1");
    await c.end();
    return null;
  } catch (e) {
    return e.message || String(e);
  }
}

/** a fresh database of a kind for one gateway: {url, drop()}, or null (skipped, with a note) */
async function freshDatabase(kind, label, pgProblem) {
  const sqliteIn = (dir) => {
    const file = path.join(dir, `mmp-bench-${label}-${randomBytes(4).toString("hex")}.sqlite`);
    return {
      url: `sqlite:${file}`,
      drop: async () => {
        for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
      },
    };
  };
  switch (kind) {
    case "sqlite":
      return sqliteIn(work);
    case "sqlite-tmpfs":
      if (!fs.existsSync("/dev/shm")) {
        console.log("  (no /dev/shm: sqlite-tmpfs skipped)");
        return null;
      }
      return sqliteIn("/dev/shm");
    case "postgres":
    case "postgres-nosync": {
      if (pgProblem) return null;
      const s = await pg.pgSchema(PG_URL, `mmp_bench_${label}`);
      if (kind === "postgres-nosync") s.url += encodeURIComponent(" -c synchronous_commit=off");
      return s;
    }
    default:
      console.log(`  unknown store '${kind}' (sqlite, postgres, sqlite-tmpfs, postgres-nosync); skipped`);
      return null;
  }
}

function startGateway(name, upstreamEnv, databaseUrl, execArgv = []) {
  return startChild(name, "start-gateway.js", {
    env: { ...upstreamEnv, DATABASE_URL: databaseUrl, BENCH_GATEWAY_LOG_LEVEL: GATEWAY_LOG_LEVEL },
    execArgv: [...GATEWAY_NODE_ARGS, ...execArgv],
  });
}

function startUpstream(kind, suffix = "") {
  const script = kind === "stub" ? "upstream-stub.js" : kind === "sim" ? "sim-upstream.js" : null;
  if (!script) throw new Error(`unknown upstream '${kind}' (stub or sim)`);
  return startChild(`upstream-${kind}${suffix}`, script);
}

// ---- statistics and formatting ------------------------------------------------------------------

const median = (xs) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : "-");
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : "-");
const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : "-");
function table(head, rows) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) =>
    r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join("  ");
  return [line(head), w.map((n) => "-".repeat(n)).join("  "), ...rows.map(line)].join("\n");
}

function gitHead() {
  try {
    const { execFileSync } = require("node:child_process");
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: ROOT,
      encoding: "utf8",
    }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src"], {
      cwd: ROOT,
      encoding: "utf8",
    }).trim();
    return `${head}${dirty ? " + uncommitted changes in src/" : ""}`;
  } catch {
    return "unknown";
  }
}

function machineFacts() {
  const cpus = os.cpus();
  return [
    `machine: ${cpus[0] ? cpus[0].model : "?"}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ` +
      `${os.type()} ${os.release()}`,
    `node ${process.version} (v8 ${process.versions.v8}), autocannon ${require("autocannon/package.json").version}, ` +
      `load average at start ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
    `plan per target: warm-up at c=${CONNECTIONS} until ${WARMUP_REQUESTS} answers or ${WARMUP} s, then one unmeasured turn each; ${ROUNDS} rounds of ${f2(DURATION / ROUNDS)} s at c=${CONNECTIONS} ` +
      `and ${f2(DURATION_C1 / ROUNDS)} s at c=1, targets taking turns; upstreams ${UPSTREAMS.join(",")}; ` +
      `gateway stores ${STORES.join(",")}${DIAG.length ? `; diagnostics ${DIAG.join(",")}` : ""}; ` +
      `profile ${PROFILE ? PROFILE_STORES.join(",") : "off"}`,
    `gateway build: ${path.relative(ROOT, path.join(DIST, "app.js")) || path.join(DIST, "app.js")} of ` +
      `${fs.statSync(path.join(DIST, "app.js")).mtime.toISOString()}` +
      (process.env.BENCH_DIST ? "" : `, repository at git ${gitHead()}`),
    "note: the load generator (this process), the upstream, PostgreSQL and the target share these cores; loopback only.",
  ].join("\n");
}

// ---- one upstream: all its targets, interleaved ----------------------------------------------------

async function benchUpstream(upName, pgProblem, withDiag) {
  const up = await startUpstream(upName);
  const upLabel =
    upName === "stub" ? "stub (no verification)" : "simulator (verifies HMAC signature, timestamp, params)";
  console.log(`upstream ${upLabel}: ${up.url}`);
  const upstreamEnv = { BENCH_UPSTREAM_URL: up.url, BENCH_API_KEY: up.apiKey, BENCH_API_SECRET: up.secret };
  const targets = [];
  try {
    // Start every target (an idle one costs next to nothing), then warm each up.
    const specs = [{ name: "reference", kind: "reference" }];
    for (const s of STORES) specs.push({ name: `gateway ${s}`, kind: s });
    if (withDiag) for (const s of DIAG) specs.push({ name: `gateway ${s}`, kind: s, diagnostic: true });
    for (const spec of specs) {
      const tg = { ...spec, upstream: upName, hi: [], one: [] };
      try {
        if (spec.kind === "reference") {
          tg.t = await startChild(`reference-${upName}`, "reference-proxy.js", { env: upstreamEnv });
        } else {
          tg.db = await freshDatabase(spec.kind, `${upName}-${spec.kind}`, pgProblem);
          if (tg.db === null) continue;
          tg.t = await startGateway(`gateway-${spec.kind}-${upName}`, upstreamEnv, tg.db.url);
        }
        tg.headers = benchRequest(tg.t).headers;
        await sanity(tg.t.url, tg.headers);
        tg.warm = await warmUp(tg.t, tg.headers, up.child.pid);
      } catch (e) {
        tg.error = e.message;
        console.log(`  ${tg.name} FAILED: ${e.message.split("\n")[0]}`);
        if (tg.t)
          console.log(`    log tail (${tg.t.logFile}):\n${tail(tg.t.logFile, 8).replace(/^/gm, "      ")}`);
      }
      targets.push(tg);
    }
    const live = () => targets.filter((x) => !x.error);
    // One unmeasured turn each, as in a round, before measuring: warmed up one after the other, the
    // targets warmed up first would start the rounds after a minute or more of idling (bench/ab.js, warmed
    // up that way, measured the build warmed up last 5-10% faster than the same build warmed up first).
    for (const tg of live()) {
      await load(tg.t, tg.headers, CONNECTIONS, DURATION / ROUNDS, up.child.pid).catch(() => undefined);
    }
    for (const [key, conns, secs] of [
      ["hi", CONNECTIONS, DURATION / ROUNDS],
      ["one", 1, DURATION_C1 / ROUNDS],
    ]) {
      for (let r = 0; r < ROUNDS; r++) {
        const order = live();
        const rot = order.length ? r % order.length : 0;
        for (const tg of [...order.slice(rot), ...order.slice(0, rot)]) {
          try {
            const m = await load(tg.t, tg.headers, conns, secs, up.child.pid);
            tg[key][r] = m;
          } catch (e) {
            tg.error = `load run failed: ${e.message}`;
          }
        }
      }
    }
    for (const tg of live()) {
      tg.hwmMb = Math.max(
        procStatus(tg.t.child.pid).hwmMb,
        ...tg.hi.map((m) => m.peakRssSampled),
        ...tg.one.map((m) => m.peakRssSampled),
      );
      const hi = aggregate(tg.hi);
      const one = aggregate(tg.one);
      console.log(
        `  ${tg.name.padEnd(23)} c=${CONNECTIONS}: ${f1(hi.rps)} req/s, p99 ${f2(hi.p99)} ms; c=1: p50 ${f3(one.p50)} ms; ` +
          `errors ${hi.bad + one.bad}; peak RSS ${f1(tg.hwmMb)} MB; warm-up ${tg.warm.requests} answers in ${f1(tg.warm.secs)} s`,
      );
    }
  } finally {
    for (const tg of targets) {
      if (tg.t) await stopChild(tg.t);
      if (tg.db) await tg.db.drop().catch(() => undefined);
    }
    await stopChild(up);
  }
  return targets.map(({ t, db, headers, ...rest }) => rest);
}

/** medians over rounds of each figure; errors summed */
function aggregate(runs) {
  const ok = runs.filter(Boolean);
  const cpu = (k) => median(ok.map((m) => m.cpu[k]));
  return {
    rounds: ok.length,
    rps: median(ok.map((m) => m.rps)),
    p50: median(ok.map((m) => m.p50)),
    p99: median(ok.map((m) => m.p99)),
    mean: median(ok.map((m) => m.mean)),
    cpuMsPerReq: median(ok.map((m) => m.cpuMsPerReq)),
    bad: sum(ok.map((m) => m.bad)),
    errors: sum(ok.map((m) => m.errors)),
    timeouts: sum(ok.map((m) => m.timeouts)),
    non2xx: sum(ok.map((m) => m.non2xx)),
    mismatches: sum(ok.map((m) => m.mismatches)),
    requests: sum(ok.map((m) => m.requests)),
    cpu: {
      target: cpu("target"),
      upstream: cpu("upstream"),
      postgres: cpu("postgres"),
      loadgen: cpu("loadgen"),
      others: cpu("others"),
    },
  };
}

function printResults(all) {
  console.log(
    `\n=== Results: medians over ${ROUNDS} rounds (c=${CONNECTIONS}: ${f2(DURATION / ROUNDS)} s per round; c=1: ${f2(DURATION_C1 / ROUNDS)} s per round) ===\n`,
  );
  const rows = [];
  for (const tg of all) {
    const label = `${tg.upstream} / ${tg.name}${tg.diagnostic ? " (diag)" : ""}`;
    if (tg.error) {
      rows.push([
        label,
        "ERROR",
        tg.error.split("\n")[0].slice(0, 60),
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
      ]);
      continue;
    }
    for (const [key, runs] of [
      ["hi", tg.hi],
      ["one", tg.one],
    ]) {
      const x = aggregate(runs);
      rows.push([
        key === "hi" ? label : "",
        `c=${key === "hi" ? CONNECTIONS : 1}`,
        f1(x.rps),
        f3(x.p50),
        f3(x.p99),
        f3(x.mean),
        `${x.bad}/${x.requests}` +
          (x.bad ? ` (conn ${x.errors} timeout ${x.timeouts} non2xx ${x.non2xx} body ${x.mismatches})` : ""),
        f3(x.cpuMsPerReq),
        f1(x.cpu.target),
        f1(x.cpu.upstream),
        tg.kind.startsWith("postgres") ? f1(x.cpu.postgres) : "",
        f1(x.cpu.loadgen),
        f1(x.cpu.others),
        key === "hi" ? f1(tg.hwmMb) : "",
      ]);
    }
  }
  console.log(
    table(
      [
        "upstream / target",
        "conns",
        "req/s",
        "p50 ms",
        "p99 ms",
        "mean ms",
        "errors/requests",
        "CPU ms/req",
        "CPU%",
        "upstr%",
        "pg%",
        "loadgen%",
        "others%",
        "peak RSS MB",
      ],
      rows,
    ),
  );
  console.log(
    "(CPU ms/req: the target's CPU time per answered request. CPU% columns: % of one core over the run (200 = both\n" +
      " cores) for the target, the upstream, PostgreSQL, the load generator, and everything else on the machine:\n" +
      " others% well above 0 means other work competed for the cores. peak RSS: the target's VmHWM.)",
  );

  console.log(
    `\n=== Gateway vs reference, median of per-round ratios (targets: throughput >= ${TARGETS.throughputPct}%, ` +
      `p99 <= ${TARGETS.p99Ratio}x, added p50 at c=1 <= ${TARGETS.addedP50Ms} ms, peak RSS < ${TARGETS.rssMb} MB, zero errors) ===\n`,
  );
  const cmp = [];
  for (const up of [...new Set(all.map((r) => r.upstream))]) {
    const ref = all.find((r) => r.upstream === up && r.kind === "reference");
    for (const g of all.filter((r) => r.upstream === up && r.kind !== "reference")) {
      const label = `${up} / ${g.name}${g.diagnostic ? " (diag)" : ""}`;
      const verdict = (ok) => (g.diagnostic ? "-" : ok ? "PASS" : "MISS");
      if (!ref || ref.error || g.error) {
        cmp.push([label, "n/a", "", "", "", "", "", "", "", "", "", ""]);
        continue;
      }
      const per = (key, f) => ref[key].map((rm, i) => (rm && g[key][i] ? f(g[key][i], rm) : NaN));
      const thrs = per("hi", (a, b) => (100 * a.rps) / b.rps);
      const p99s = per("hi", (a, b) => a.p99 / b.p99);
      const addeds = per("one", (a, b) => a.p50 - b.p50);
      const [thr, p99r, added] = [median(thrs), median(p99s), median(addeds)];
      const bad = aggregate(g.hi).bad + aggregate(g.one).bad;
      cmp.push([
        label,
        `${f1(thr)}%`,
        verdict(thr >= TARGETS.throughputPct),
        `${f2(p99r)}x`,
        verdict(p99r <= TARGETS.p99Ratio),
        `${f3(added)} ms`,
        verdict(added <= TARGETS.addedP50Ms),
        `${f1(g.hwmMb)} MB`,
        verdict(g.hwmMb < TARGETS.rssMb),
        String(bad),
        verdict(bad === 0),
        `${thrs.map(f1).join("/")}% | ${p99s.map(f2).join("/")}x | ${addeds.map(f3).join("/")} ms`,
      ]);
    }
  }
  console.log(
    table(
      [
        "upstream / gateway",
        "throughput",
        "",
        "p99 ratio",
        "",
        "added p50 c=1",
        "",
        "peak RSS",
        "",
        "errors",
        "",
        "per round: thr | p99 | added p50",
      ],
      cmp,
    ),
  );
  const others = median(
    all
      .filter((r) => !r.error)
      .flatMap((r) => [...r.hi, ...r.one])
      .filter(Boolean)
      .map((m) => m.cpu.others),
  );
  if (others > 25) {
    console.log(
      `WARNING: other work on this machine used a median ${f1(others)}% of a core during the runs (others%): the absolute\n` +
        "figures are depressed and noisy; the per-round ratios are the fairer comparison. Rerun on a quiet machine.",
    );
  }
  // At c=1 each call's flush follows about a millisecond without disk I/O: if that alone takes half the
  // added-latency budget or more, say so beside the verdict rather than leave a MISS unexplained.
  const afterIdle = diskFlush.find((r) => r.gapMs === 1);
  if (afterIdle && afterIdle.p50Us / 1000 > TARGETS.addedP50Ms / 2) {
    console.log(
      `NOTE: a flush on this disk takes ${f3(afterIdle.p50Us / 1000)} ms (p50) after 1 ms without disk I/O, as at c=1 ` +
        `(back to back: ${f3(diskFlush[0].p50Us / 1000)} ms), and every audited\n` +
        "call waits for one before it is sent: the added p50 at c=1 cannot be below that here (the sqlite-tmpfs diagnostic row shows the rest).",
    );
  }
  if (all.some((r) => r.diagnostic)) {
    console.log(
      "(diag rows are not the product as deployed and are not judged: sqlite-tmpfs keeps the SQLite file on tmpfs,\n" +
        " where fsync costs nothing; postgres-nosync sets synchronous_commit=off. They show how much of the gap is\n" +
        " waiting for the disk rather than CPU.)",
    );
  }
}

// ---- profile ---------------------------------------------------------------------------------------

async function profileRun(store, pgProblem) {
  const upName = UPSTREAMS.includes("stub") ? "stub" : UPSTREAMS[0] || "stub";
  console.log(
    `\n=== CPU profile: gateway (${store}) on the ${upName} upstream under node --cpu-prof, c=${PROFILE_CONNECTIONS} for ${PROFILE_DURATION} s ` +
      `(start-up and warm-up samples left out) ===\n`,
  );
  const db = await freshDatabase(store, `${upName}-profile`, pgProblem);
  if (db === null) return;
  const up = await startUpstream(upName, "-profile");
  const profDir = path.join(work, `profile-${store}`);
  const upstreamEnv = { BENCH_UPSTREAM_URL: up.url, BENCH_API_KEY: up.apiKey, BENCH_API_SECRET: up.secret };
  const execArgv = ["--cpu-prof", "--cpu-prof-dir", profDir, "--cpu-prof-name", "gateway.cpuprofile"];
  let t;
  try {
    t = await startGateway(`gateway-${store}-profile`, upstreamEnv, db.url, execArgv);
    const headers = { "content-type": "application/json", authorization: `Bearer ${t.token}` };
    await sanity(t.url, headers);
    const warm = await warmUp(t, headers, up.child.pid);
    console.log(`warm-up: ${warm.requests} answers in ${f1(warm.secs)} s`);
    const hi = await load(t, headers, PROFILE_CONNECTIONS, PROFILE_DURATION, up.child.pid);
    await stopChild(t);
    console.log(
      `under the profiler: ${f1(hi.rps)} req/s, p50 ${f2(hi.p50)} ms, p99 ${f2(hi.p99)} ms, errors ${hi.bad}; ` +
        `gateway CPU ${f1(hi.cpu.target)}%, others on the machine ${f1(hi.cpu.others)}%`,
    );
    const file = path.join(profDir, "gateway.cpuprofile");
    const profile = JSON.parse(fs.readFileSync(file, "utf8"));
    console.log(`profile: ${file}\n`);
    console.log(summarise(windowed(profile, hi.startUs, hi.endUs), 25).text);
  } finally {
    if (t) await stopChild(t);
    await stopChild(up);
    await db.drop().catch(() => undefined);
  }
}

/**
 * Keeps the samples taken between startUs and endUs. V8's profile timestamps and process.hrtime are both
 * CLOCK_MONOTONIC microseconds on Linux, so this process's clock can cut the child's profile; if the
 * window misses the profile, the whole profile is used.
 */
function windowed(profile, startUs, endUs) {
  const { samples, timeDeltas } = profile;
  let t = profile.startTime;
  const keepS = [];
  const keepD = [];
  for (let i = 0; i < samples.length; i++) {
    t += timeDeltas[i];
    if (t >= startUs && t <= endUs) {
      keepS.push(samples[i]);
      keepD.push(keepD.length === 0 ? 0 : timeDeltas[i]);
    }
  }
  if (keepS.length < 10) {
    console.log("(the measurement window does not match the profile's clock; using the whole profile)");
    return profile;
  }
  return { ...profile, samples: keepS, timeDeltas: keepD };
}

// ---- main ----------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  if (!fs.existsSync(path.join(DIST, "app.js")))
    throw new Error(`${DIST}/app.js is missing: run \`npm run build\` first`);
  console.log("mmp-gateway benchmark: setMmpConfig through the gateway vs a bare node reference proxy\n");
  console.log(machineFacts());
  // The floor under the added latency at c=1: every call waits for one flush of its PENDING record.
  diskFlush = measureFlush(os.tmpdir(), QUICK);
  console.log(
    `disk flush in ${os.tmpdir()} (4 KiB write + fdatasync, bench/disk-flush.js): ${describeFlush(diskFlush)}`,
  );
  console.log(`work dir (logs, profiles): ${work}\n`);

  const wantPg = [...STORES, ...DIAG, ...(PROFILE ? PROFILE_STORES : [])].some((s) =>
    s.startsWith("postgres"),
  );
  const pgProblem = wantPg ? await pgAvailable() : "not requested";
  if (wantPg && pgProblem)
    console.log(`NOTE: PostgreSQL at ${PG_URL} unreachable (${pgProblem}); its rows are skipped.\n`);

  const all = [];
  for (const [i, upName] of (MEASURE ? UPSTREAMS : []).entries()) {
    try {
      all.push(...(await benchUpstream(upName, pgProblem, i === 0)));
    } catch (e) {
      console.log(`upstream ${upName} failed: ${e.message}`);
    }
  }
  if (MEASURE) printResults(all);

  if (PROFILE) {
    for (const store of PROFILE_STORES) {
      try {
        await profileRun(store, pgProblem);
      } catch (e) {
        console.log(`\nprofiling run (${store}) failed: ${e.message}`);
      }
    }
  }
  console.log(
    `\ntotal bench time ${((Date.now() - started) / 1000).toFixed(0)} s; logs and profiles in ${work}`,
  );
}

async function shutdownAll() {
  await Promise.all([...children].map((child) => stopChild({ child }, 5000)));
}

process.on("SIGINT", () => {
  console.log("\ninterrupted; stopping children");
  shutdownAll().then(() => process.exit(130));
});

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => shutdownAll());
