/* eslint-disable */
// `npm run bench`: the gateway's own cost per setMmpConfig, measured against a bare node reference proxy
// in front of the same upstream, on loopback, in one run. See bench/README.md.
//
// Targets, each a separate child process (so CPU and peak RSS are its own):
//   reference  bench/reference-proxy.js: parse JSON, HMAC-sign, forward over keep-alive, answer
//   gateway    dist/ via bench/start-gateway.js: auth, roles, validation, signing, audit; SQLite file and
//              PostgreSQL schema
// Upstreams, each a separate child process: bench/upstream-stub.js (no verification) and the built-in
// simulator (dist/simulator, verifies every signature).
// Load: autocannon, in this process, at 32 connections and at 1; latency percentiles are computed from
// every response's own duration (sub-millisecond), not autocannon's whole-millisecond histogram.
// Then the gateway runs once more under `node --cpu-prof` and the profile's top self-time functions are
// printed (bench/cpuprofile-summary.js).
//
// Environment (all optional):
//   BENCH_DURATION      seconds at 32 connections (10)
//   BENCH_DURATION_C1   seconds at 1 connection (half of BENCH_DURATION, at least 2)
//   BENCH_WARMUP        seconds of warm-up at 32 connections before measuring each target (2)
//   BENCH_CONNECTIONS   the concurrent connection count (32)
//   BENCH_UPSTREAMS     comma list of stub,sim (stub,sim)
//   BENCH_STORES        comma list of sqlite,postgres (sqlite,postgres)
//   BENCH_PG_URL        postgres://postgres@127.0.0.1:5432/test; a fresh schema is made and dropped
//   BENCH_PROFILE       0 skips the profiling run (1)
//   BENCH_GATEWAY_LOG_LEVEL  the gateway's LOG_LEVEL (info, as deployed); its log goes to a file
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { fork } = require("node:child_process");
const { randomBytes } = require("node:crypto");
const autocannon = require("autocannon");
const { summarise } = require("./cpuprofile-summary");

const ROOT = path.resolve(__dirname, "..");
const num = (v, d) => (v === undefined || v === "" || !Number.isFinite(Number(v)) ? d : Number(v));
const DURATION = num(process.env.BENCH_DURATION, 10);
const DURATION_C1 = num(process.env.BENCH_DURATION_C1, Math.max(2, Math.round(DURATION / 2)));
const WARMUP = num(process.env.BENCH_WARMUP, 2);
const CONNECTIONS = num(process.env.BENCH_CONNECTIONS, 32);
const UPSTREAMS = (process.env.BENCH_UPSTREAMS || "stub,sim").split(",").map((s) => s.trim()).filter(Boolean);
const STORES = (process.env.BENCH_STORES || "sqlite,postgres").split(",").map((s) => s.trim()).filter(Boolean);
const PG_URL = process.env.BENCH_PG_URL || "postgres://postgres@127.0.0.1:5432/test";
const PROFILE = process.env.BENCH_PROFILE !== "0";
const GATEWAY_LOG_LEVEL = process.env.BENCH_GATEWAY_LOG_LEVEL || "info";

const TARGETS = {
  throughputPct: 50, // gateway req/s at c=32 >= 50% of the reference's
  p99Ratio: 2, // gateway p99 at c=32 <= 2x the reference's
  addedP50Ms: 0.5, // gateway p50 at c=1 minus the reference's <= 0.5 ms
  rssMb: 200, // gateway peak RSS < 200 MB
};

const QUERY =
  "mutation Set($input: SetMmpConfigInput!) { setMmpConfig(input: $input) { accountId underlyingId underlying " +
  "windowTimeInMilliseconds frozenTimeInMilliseconds qtyLimit deltaLimit lastTriggerTime } }";
const BODY = JSON.stringify({
  query: QUERY,
  operationName: "Set",
  variables: {
    input: {
      accountId: "desk-a",
      underlying: "BTCUSDT",
      windowTimeInMilliseconds: 3000,
      frozenTimeInMilliseconds: 300000,
      qtyLimit: "2",
      deltaLimit: "2.3",
    },
  },
});
const EXPECTED =
  '{"data":{"setMmpConfig":{"accountId":"desk-a","underlyingId":2,"underlying":"BTCUSDT",' +
  '"windowTimeInMilliseconds":3000,"frozenTimeInMilliseconds":300000,"qtyLimit":"2","deltaLimit":"2.3","lastTriggerTime":0}}}';
const okBody = (b) => typeof b === "string" && b.trim() === EXPECTED;

const work = fs.mkdtempSync(path.join(os.tmpdir(), "mmp-bench-"));
const children = new Set();

// ---- child processes ---------------------------------------------------------------------------

function startChild(name, script, { env = {}, execArgv = [], timeoutMs = 60_000 } = {}) {
  const logFile = path.join(work, `${name}.log`);
  const fd = fs.openSync(logFile, "a");
  const child = fork(path.join(__dirname, script), [], {
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
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
    }, timeoutMs);
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
function cpuSeconds(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime + stime
  } catch {
    return NaN;
  }
}

// ---- load ----------------------------------------------------------------------------------------

function load(url, headers, connections, duration, pids = []) {
  return new Promise((resolve, reject) => {
    const lat = [];
    const cpu0 = pids.map(cpuSeconds);
    const t0 = process.hrtime.bigint();
    let peakRss = 0;
    const sampler = setInterval(() => {
      const r = procStatus(pids[0]).rssMb;
      if (r > peakRss) peakRss = r;
    }, 200);
    const inst = autocannon(
      {
        url: `${url}/graphql`,
        method: "POST",
        headers,
        body: BODY,
        connections,
        duration,
        timeout: 10,
        verifyBody: okBody,
      },
      (err, res) => {
        clearInterval(sampler);
        if (err) return reject(err);
        const t1 = process.hrtime.bigint();
        const secs = Number(t1 - t0) / 1e9;
        lat.sort((a, b) => a - b);
        const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] : NaN);
        resolve({
          connections,
          requests: res.requests.total,
          rps: res.requests.total / res.duration,
          p50: q(50),
          p99: q(99),
          mean: lat.length ? lat.reduce((a, b) => a + b, 0) / lat.length : NaN,
          errors: res.errors,
          timeouts: res.timeouts,
          non2xx: res.non2xx,
          mismatches: res.mismatches,
          bad: res.errors + res.timeouts + res.non2xx + res.mismatches,
          cpuPct: pids.map((pid, i) => (100 * (cpuSeconds(pid) - cpu0[i])) / secs),
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

async function sanity(url, headers) {
  const res = await fetch(`${url}/graphql`, { method: "POST", headers, body: BODY });
  const text = await res.text();
  if (res.status !== 200 || !okBody(text)) throw new Error(`sanity request answered HTTP ${res.status}: ${text.slice(0, 400)}`);
}

/** warm-up, c=N, c=1 against one running target */
async function measure(t, headers, upstreamPid) {
  await sanity(t.url, headers);
  if (WARMUP > 0) await load(t.url, headers, CONNECTIONS, WARMUP, [t.child.pid]);
  const hi = await load(t.url, headers, CONNECTIONS, DURATION, [t.child.pid, upstreamPid, process.pid]);
  const one = await load(t.url, headers, 1, DURATION_C1, [t.child.pid, upstreamPid, process.pid]);
  const mem = procStatus(t.child.pid);
  return { hi, one, hwmMb: Math.max(mem.hwmMb, hi.peakRssSampled, one.peakRssSampled) };
}

// ---- PostgreSQL ----------------------------------------------------------------------------------

async function pgClient() {
  const { Client } = require("pg");
  const c = new Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  await c.connect();
  return c;
}

async function pgAvailable() {
  try {
    const c = await pgClient();
    await c.query("select 1");
    await c.end();
    return null;
  } catch (e) {
    return e.message;
  }
}

async function withPgSchema(prefix, fn) {
  const schema = `${prefix}_${randomBytes(4).toString("hex")}`;
  const c = await pgClient();
  await c.query(`CREATE SCHEMA ${schema}`);
  await c.end();
  const sep = PG_URL.includes("?") ? "&" : "?";
  try {
    return await fn(`${PG_URL}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`);
  } finally {
    const d = await pgClient();
    await d.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
    await d.end();
  }
}

// ---- formatting ----------------------------------------------------------------------------------

const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : "-");
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : "-");
const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : "-");
function table(head, rows) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join("  ");
  return [line(head), w.map((n) => "-".repeat(n)).join("  "), ...rows.map(line)].join("\n");
}

function machineFacts() {
  const cpus = os.cpus();
  return [
    `machine: ${cpus[0] ? cpus[0].model : "?"}, ${cpus.length} cores (os.availableParallelism ${os.availableParallelism ? os.availableParallelism() : "?"}), ` +
      `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}`,
    `node ${process.version} (v8 ${process.versions.v8}), autocannon ${require("autocannon/package.json").version}, ` +
      `load average at start ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`,
    `plan: ${WARMUP} s warm-up at c=${CONNECTIONS}, ${DURATION} s at c=${CONNECTIONS}, ${DURATION_C1} s at c=1, per target; ` +
      `upstreams ${UPSTREAMS.join(",")}; gateway stores ${STORES.join(",")}; profile ${PROFILE ? "on" : "off"}`,
    "note: the load generator (this process), the upstream and the target share these cores; all traffic is loopback.",
  ].join("\n");
}

// ---- main ----------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  if (!fs.existsSync(path.join(ROOT, "dist", "app.js"))) throw new Error("dist/ is missing: run `npm run build` first");
  console.log("mmp-gateway benchmark: setMmpConfig through the gateway vs a bare node reference proxy\n");
  console.log(machineFacts());
  console.log(`work dir (logs, profile): ${work}\n`);

  const pgProblem = STORES.includes("postgres") ? await pgAvailable() : "not requested";
  if (STORES.includes("postgres") && pgProblem) console.log(`NOTE: PostgreSQL at ${PG_URL} unreachable (${pgProblem}); skipping its rows.\n`);

  const results = []; // { upstream, target, hi, one, hwmMb, error }
  for (const upName of UPSTREAMS) {
    const script = upName === "stub" ? "upstream-stub.js" : upName === "sim" ? "sim-upstream.js" : null;
    if (!script) {
      console.log(`unknown upstream '${upName}' (stub or sim); skipped`);
      continue;
    }
    const up = await startChild(`upstream-${upName}`, script);
    const upLabel = upName === "stub" ? "stub (no verification)" : "simulator (verifies HMAC, timestamp, params)";
    console.log(`upstream ${upLabel}: ${up.url}`);
    const upstreamEnv = { BENCH_UPSTREAM_URL: up.url, BENCH_API_KEY: up.apiKey, BENCH_API_SECRET: up.secret };

    const targets = [
      {
        name: "reference",
        start: () => startChild(`reference-${upName}`, "reference-proxy.js", { env: upstreamEnv }),
      },
    ];
    for (const store of STORES) {
      if (store === "sqlite") {
        targets.push({
          name: "gateway sqlite",
          start: (dbUrl) => startGateway(`gateway-sqlite-${upName}`, upstreamEnv, dbUrl),
          db: (fn) => fn(`sqlite:${path.join(work, `gateway-${upName}.sqlite`)}`),
        });
      } else if (store === "postgres") {
        if (pgProblem) continue;
        targets.push({
          name: "gateway postgres",
          start: (dbUrl) => startGateway(`gateway-postgres-${upName}`, upstreamEnv, dbUrl),
          db: (fn) => withPgSchema(`mmp_bench_${upName}`, fn),
        });
      } else console.log(`unknown store '${store}' (sqlite or postgres); skipped`);
    }

    for (const tg of targets) {
      const run = async (dbUrl) => {
        let t;
        try {
          t = await tg.start(dbUrl);
          const headers = { "content-type": "application/json" };
          if (t.token) headers.authorization = `Bearer ${t.token}`;
          const m = await measure(t, headers, up.child.pid);
          results.push({ upstream: upName, target: tg.name, ...m });
          console.log(
            `  ${tg.name.padEnd(17)} c=${CONNECTIONS}: ${f1(m.hi.rps)} req/s p99 ${f2(m.hi.p99)} ms; c=1: p50 ${f3(m.one.p50)} ms; ` +
              `errors ${m.hi.bad + m.one.bad}; peak RSS ${f1(m.hwmMb)} MB`,
          );
        } catch (e) {
          results.push({ upstream: upName, target: tg.name, error: e.message });
          console.log(`  ${tg.name.padEnd(17)} FAILED: ${e.message.split("\n")[0]}`);
          if (t) console.log(`    log tail (${t.logFile}):\n${tail(t.logFile, 8).replace(/^/gm, "      ")}`);
        } finally {
          if (t) await stopChild(t);
        }
      };
      if (tg.db) await tg.db(run);
      else await run();
    }
    await stopChild(up);
  }

  printResults(results);

  if (PROFILE) {
    try {
      await profileRun();
    } catch (e) {
      console.log(`\nprofiling run failed: ${e.message}`);
    }
  }
  console.log(`\ntotal bench time ${((Date.now() - started) / 1000).toFixed(0)} s; logs and profile in ${work}`);
}

function startGateway(name, upstreamEnv, databaseUrl, execArgv = []) {
  return startChild(name, "start-gateway.js", {
    env: { ...upstreamEnv, DATABASE_URL: databaseUrl, BENCH_GATEWAY_LOG_LEVEL: GATEWAY_LOG_LEVEL },
    execArgv,
  });
}

function printResults(results) {
  console.log(`\n=== Results (c=${CONNECTIONS}: ${DURATION} s; c=1: ${DURATION_C1} s; latency from each response's own duration) ===\n`);
  const rows = [];
  for (const r of results) {
    const label = `${r.upstream} / ${r.target}`;
    if (r.error) {
      rows.push([label, "ERROR", "", "", "", "", "", "", "", ""]);
      continue;
    }
    for (const x of [r.hi, r.one]) {
      rows.push([
        x === r.hi ? label : "",
        `c=${x.connections}`,
        f1(x.rps),
        f3(x.p50),
        f3(x.p99),
        f3(x.mean),
        `${x.bad}` + (x.bad ? ` (err ${x.errors} to ${x.timeouts} non2xx ${x.non2xx} body ${x.mismatches})` : ""),
        f1(x.cpuPct[0]) + "%",
        f1(x.cpuPct[1]) + "%",
        x === r.hi ? f1(r.hwmMb) : "",
      ]);
    }
  }
  console.log(
    table(["upstream / target", "conns", "req/s", "p50 ms", "p99 ms", "mean ms", "errors", "srv CPU", "upstr CPU", "peak RSS MB"], rows),
  );
  console.log("(srv CPU / upstr CPU: CPU time of the target / upstream process over the run; 100% = one core)");

  console.log(
    `\n=== Gateway vs reference (targets: throughput >= ${TARGETS.throughputPct}%, p99 <= ${TARGETS.p99Ratio}x, ` +
      `added p50 at c=1 <= ${TARGETS.addedP50Ms} ms, peak RSS < ${TARGETS.rssMb} MB, zero errors) ===\n`,
  );
  const cmp = [];
  const verdict = (ok) => (ok ? "PASS" : "MISS");
  for (const up of [...new Set(results.map((r) => r.upstream))]) {
    const ref = results.find((r) => r.upstream === up && r.target === "reference");
    for (const g of results.filter((r) => r.upstream === up && r.target !== "reference")) {
      const label = `${up} / ${g.target}`;
      if (!ref || ref.error || g.error) {
        cmp.push([label, "n/a", "", "", "", "", "", "", "", "", ""]);
        continue;
      }
      const thr = (100 * g.hi.rps) / ref.hi.rps;
      const p99r = g.hi.p99 / ref.hi.p99;
      const added = g.one.p50 - ref.one.p50;
      const bad = g.hi.bad + g.one.bad;
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
      ]);
    }
  }
  console.log(
    table(
      ["upstream / gateway", "throughput", "", "p99 ratio", "", "added p50 c=1", "", "peak RSS", "", "errors", ""],
      cmp,
    ),
  );
}

async function profileRun() {
  const upName = UPSTREAMS.includes("stub") ? "stub" : UPSTREAMS[0];
  const store = STORES.includes("sqlite") ? "sqlite" : "postgres";
  console.log(
    `\n=== CPU profile: gateway (${store}) on the ${upName} upstream, node --cpu-prof, c=${CONNECTIONS} for ${DURATION} s ` +
      `(samples outside that window, i.e. start-up and warm-up, are left out) ===\n`,
  );
  const up = await startChild(`upstream-${upName}-profile`, upName === "stub" ? "upstream-stub.js" : "sim-upstream.js");
  const profDir = path.join(work, "profile");
  const upstreamEnv = { BENCH_UPSTREAM_URL: up.url, BENCH_API_KEY: up.apiKey, BENCH_API_SECRET: up.secret };
  const execArgv = ["--cpu-prof", "--cpu-prof-dir", profDir, "--cpu-prof-name", "gateway.cpuprofile"];
  const go = async (dbUrl) => {
    const t = await startGateway(`gateway-${store}-profile`, upstreamEnv, dbUrl, execArgv);
    let hi;
    try {
      const headers = { "content-type": "application/json", authorization: `Bearer ${t.token}` };
      await sanity(t.url, headers);
      if (WARMUP > 0) await load(t.url, headers, CONNECTIONS, WARMUP, [t.child.pid]);
      hi = await load(t.url, headers, CONNECTIONS, DURATION, [t.child.pid, up.child.pid]);
    } finally {
      await stopChild(t);
    }
    console.log(
      `under the profiler: ${f1(hi.rps)} req/s, p50 ${f2(hi.p50)} ms, p99 ${f2(hi.p99)} ms, errors ${hi.bad}, gateway CPU ${f1(hi.cpuPct[0])}%`,
    );
    const file = path.join(profDir, "gateway.cpuprofile");
    const profile = JSON.parse(fs.readFileSync(file, "utf8"));
    console.log(`profile: ${file}\n`);
    console.log(summarise(windowed(profile, hi.startUs, hi.endUs), 25).text);
  };
  try {
    if (store === "sqlite") await go(`sqlite:${path.join(work, "gateway-profile.sqlite")}`);
    else await withPgSchema("mmp_bench_profile", go);
  } finally {
    await stopChild(up);
  }
}

/**
 * Keeps the samples taken between startUs and endUs. V8's profile timestamps and process.hrtime are both
 * CLOCK_MONOTONIC microseconds on Linux, so this process's clock can cut the child's profile; if the
 * window misses the profile entirely, the whole profile is used.
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
