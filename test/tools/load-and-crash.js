/* eslint-disable */
// Load, then crash: the gateway under many concurrent users against the built-in simulator, then
// kill -9 in the middle of the load, restart, and check that nothing was lost.
//
//   npm run build && node test/tools/load-and-crash.js
//
// Phase 1 (load): USERS concurrent users (traders on three accounts) for LOAD_SECONDS send setMmpConfig
// (80%) and queries (20%) as fast as the gateway answers. Every answer must be a success: zero errors.
// The gateway's RSS is sampled every second (it runs as a child process: `mmp-gateway serve`).
// Phase 2 (crash): the same load; after CRASH_AFTER_SECONDS the gateway gets SIGKILL. Then it is started
// again at once, and its sweep of abandoned PENDING audit records settles them by reading the exchange
// back: at start-up on SQLite (one process), on PostgreSQL once they are older than the grace period
// (src/audit/pending-grace.ts, from the exchange timeouts), at the first sweep after that.
// Check: every mutation the simulator applied (phases 1 and 2) has an audit record, none stays PENDING
// past grace + one sweep interval after the kill, and every SUCCEEDED record matches a change the
// simulator applied.
//
// Environment: USERS (50), LOAD_SECONDS (20), CRASH_AFTER_SECONDS (3), BENCH_POSTGRES_URL (unset: a
// SQLite file; set, e.g. postgres://postgres@127.0.0.1:5432/test: a throw-away schema there), and the
// gateway's EXCHANGE_TIMEOUT_MS / EXCHANGE_CONNECT_TIMEOUT_MS, which set the grace period. Loopback
// only. The gateway's mutation rate limits are raised for the run (MUTATION_RATE_PER_*), as they would
// otherwise answer RATE_LIMITED by design; everything else (auth, roles, validation, signing, audit)
// runs as configured by default. Exit code 1 when a check fails.
"use strict";
require("reflect-metadata");
const path = require("node:path");
const fs = require("node:fs");
const os = require("node:os");
const http = require("node:http");
const net = require("node:net");
const { spawn } = require("node:child_process");
const { randomBytes } = require("node:crypto");

const dist = path.join(__dirname, "..", "..", "dist");
const { ExchangeSimulator } = require(path.join(dist, "simulator"));
const { AdminService } = require(path.join(dist, "admin", "admin.service"));
const { openStore } = require(path.join(dist, "store", "open-store"));
const { openSealer } = require(path.join(dist, "secrets"));
const { seedDemo } = require(path.join(dist, "cli", "demo"));
const { loadConfig } = require(path.join(dist, "config"));
const { pendingGraceMs, sweepIntervalMs } = require(path.join(dist, "audit", "pending-grace"));

const USERS = Number(process.env.USERS || 50);
const LOAD_SECONDS = Number(process.env.LOAD_SECONDS || 20);
const CRASH_AFTER_SECONDS = Number(process.env.CRASH_AFTER_SECONDS || 3);
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL;
const ACCOUNTS = ["desk-a", "desk-b", "desk-b-rsa"];
const UNDERLYINGS = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT"];

const SET = `mutation Set($input: SetMmpConfigInput!) { setMmpConfig(input: $input) {
  accountId underlying windowTimeInMilliseconds frozenTimeInMilliseconds qtyLimit deltaLimit lastTriggerTime } }`;
const QUERIES = [
  "{ me { id name accounts { role account { id } } } }",
  '{ auditLog(accountId: "desk-a", first: 5) { nodes { id outcome } } }',
  "{ accounts { id name } }",
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let failed = false;
function check(ok, what) {
  console.log(`${ok ? "  ok  " : "  FAIL"} ${what}`);
  if (!ok) failed = true;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ---- the gateway as a child process ------------------------------------------------------------

function startGateway(env, logFile) {
  const out = fs.openSync(logFile, "a");
  const child = spawn(process.execPath, [path.join(dist, "cli", "main.js"), "serve"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", out, out],
  });
  fs.closeSync(out);
  return child;
}

async function waitReady(url, ms = 20_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`gateway not ready at ${url} within ${ms} ms`);
}

// ---- load --------------------------------------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: USERS + 8 });

function post(port, token, body) {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: "/graphql",
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": data.length,
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
          } catch (e) {
            reject(e);
          }
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

let serial = 0;
function mutationInput() {
  serial++;
  const r = randomBytes(4).readUInt32BE(0);
  return {
    accountId: ACCOUNTS[r % ACCOUNTS.length],
    underlying: UNDERLYINGS[(r >>> 4) % UNDERLYINGS.length],
    windowTimeInMilliseconds: 1 + (r % 5000),
    frozenTimeInMilliseconds: String(r % 600_000),
    // unique per mutation: this is how a simulator-applied change is matched to its audit record
    qtyLimit: `${serial}.${r % 1000}`,
    deltaLimit: `0.${(r % 9000) + 1000}`,
  };
}

/** Runs `users` loops until `stop()` says so; returns counters. */
async function runLoad(port, tokens, stop) {
  const stats = {
    requests: 0,
    mutations: 0,
    queries: 0,
    errors: 0,
    errorKinds: {},
    latencies: [],
    transportErrors: 0,
  };
  const user = async (token) => {
    while (!stop()) {
      const isMutation = Math.random() < 0.8;
      const body = isMutation
        ? { query: SET, variables: { input: mutationInput() } }
        : { query: QUERIES[Math.floor(Math.random() * QUERIES.length)] };
      const started = performance.now();
      let answer;
      try {
        answer = await post(port, token, body);
      } catch (e) {
        stats.transportErrors++;
        if (stop()) return;
        await sleep(50);
        continue;
      }
      stats.latencies.push(performance.now() - started);
      stats.requests++;
      if (isMutation) stats.mutations++;
      else stats.queries++;
      if (answer.status !== 200 || answer.body.errors) {
        stats.errors++;
        const code = answer.body.errors?.[0]?.extensions?.code ?? `HTTP ${answer.status}`;
        stats.errorKinds[code] = (stats.errorKinds[code] ?? 0) + 1;
      }
    }
  };
  await Promise.all(tokens.map((t) => user(t)));
  stats.latencies.sort((a, b) => a - b);
  return stats;
}

// ---- audit ↔ simulator -------------------------------------------------------------------------

async function allAudit(databaseUrl) {
  const store = openStore(databaseUrl);
  try {
    const out = [];
    let beforeId;
    for (;;) {
      const page = await store.listAudit({ limit: 1000, beforeId });
      out.push(...page);
      if (page.length < 1000) break;
      beforeId = page[page.length - 1].id;
    }
    return out;
  } finally {
    await store.close();
  }
}

function auditKey(accountId, underlying, qtyLimit, deltaLimit) {
  return `${accountId}|${underlying}|${qtyLimit}|${deltaLimit}`;
}

/** A throw-away schema on the PostgreSQL server: its URL and how to drop it. */
async function postgresSchema(url) {
  const { Client } = require("pg");
  const client = new Client({ connectionString: url });
  await client.connect();
  const schema = `bench_${randomBytes(6).toString("hex")}`;
  await client.query(`CREATE SCHEMA ${schema}`);
  const u = new URL(url);
  u.searchParams.set("options", `-c search_path=${schema}`);
  return {
    databaseUrl: u.toString(),
    drop: async () => {
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

// ---- main --------------------------------------------------------------------------------------

async function main() {
  const sim = new ExchangeSimulator({ weightLimitPerMinute: 100_000_000 });
  const simUrl = await sim.start();
  // The simulator keeps a bounded list of the requests it received: move the applied changes out of it
  // as they come (a request is recorded and executed in the same tick, so `accepted` is final here).
  const applied = [];
  const drain = () => {
    for (const q of sim.requests) {
      if (q.path === "/eapi/v1/mmpSet" && q.accepted) {
        const { underlying, qtyLimit, deltaLimit } = q.params;
        applied.push({ apiKey: q.apiKey, underlying, qtyLimit, deltaLimit });
      }
    }
    sim.clearRequests();
  };
  const drainer = setInterval(drain, 200);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmp-load-crash-"));
  const pg = POSTGRES_URL ? await postgresSchema(POSTGRES_URL) : undefined;
  const databaseUrl = pg ? pg.databaseUrl : `sqlite:${path.join(dir, "gateway.sqlite")}`;
  const masterKey = randomBytes(32).toString("base64");
  const logFile = path.join(dir, "gateway.log");

  // seed: the demo's accounts (registered with the simulator) and USERS traders on all of them
  const store = openStore(databaseUrl);
  await store.migrate();
  const admin = new AdminService(store, () => openSealer(store, masterKey));
  const { accounts } = await seedDemo(admin, sim, simUrl);
  await admin.addTeam("load");
  for (const a of ACCOUNTS) await admin.grant("load", a, "trader");
  const tokens = [];
  for (let i = 0; i < USERS; i++) {
    const name = `user${i}`;
    tokens.push((await admin.addUser(name, false)).token);
    await admin.addMember("load", name);
  }
  await store.close();
  const accountOfKey = new Map(accounts.map((a) => [a.apiKey, a.name]));

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    PORT: String(port),
    HOST: "127.0.0.1",
    DATABASE_URL: databaseUrl,
    GATEWAY_MASTER_KEY: masterKey,
    BINANCE_EAPI_URL: simUrl,
    LOG_LEVEL: "info",
    NODE_ENV: "production",
    MUTATION_RATE_PER_USER: "1000000/m",
    MUTATION_RATE_PER_ACCOUNT: "1000000/m",
  };

  const exchangeSettings = loadConfig(process.env).exchange;
  const graceMs = pendingGraceMs(exchangeSettings);
  const intervalMs = sweepIntervalMs(graceMs);
  console.log(
    `mmp-gateway load-and-crash: ${USERS} users, ${LOAD_SECONDS} s load, ${pg ? "PostgreSQL" : "SQLite"}, node ${process.version}, ${os.cpus().length} CPUs`,
  );
  console.log(
    `  exchange timeouts ${exchangeSettings.connectTimeoutMs} + ${exchangeSettings.timeoutMs} ms: grace ${graceMs} ms, sweep every ${intervalMs} ms`,
  );
  console.log(`  work dir ${dir}`);

  // ---- phase 1: load ----
  let gw = startGateway(env, logFile);
  await waitReady(url);
  // warm-up (JIT, pools, exchangeInfo, clock offsets) before measuring memory
  const warmUntil = Date.now() + 3000;
  await runLoad(port, tokens.slice(0, 10), () => Date.now() > warmUntil);

  const rss = [];
  const sampler = setInterval(() => rss.push(rssKiB(gw.pid)), 1000);
  const loadUntil = Date.now() + LOAD_SECONDS * 1000;
  const t0 = performance.now();
  const load = await runLoad(port, tokens, () => Date.now() > loadUntil);
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  rss.push(rssKiB(gw.pid));

  console.log("\nphase 1: load");
  console.log(
    `  requests ${load.requests} (${load.mutations} setMmpConfig, ${load.queries} queries) in ${seconds.toFixed(1)} s = ${(load.requests / seconds).toFixed(0)} req/s`,
  );
  console.log(
    `  latency ms p50 ${percentile(load.latencies, 50).toFixed(1)}  p95 ${percentile(load.latencies, 95).toFixed(1)}  p99 ${percentile(load.latencies, 99).toFixed(1)}  max ${load.latencies[load.latencies.length - 1]?.toFixed(1)}`,
  );
  console.log(
    `  errors ${load.errors} ${JSON.stringify(load.errorKinds)}, transport errors ${load.transportErrors}`,
  );
  const mib = rss.filter((x) => x !== undefined).map((k) => k / 1024);
  console.log(`  gateway RSS MiB, every second: ${mib.map((m) => m.toFixed(0)).join(" ")}`);
  // RSS saws up and down with garbage collection; a leak shows as a rising floor. So compare the lowest
  // sample of the middle third (past warm-up growth) with the lowest of the last third.
  const third = Math.max(1, Math.floor(mib.length / 3));
  const floors = [mib.slice(0, third), mib.slice(third, 2 * third), mib.slice(2 * third)].map((xs) =>
    Math.min(...xs),
  );
  const growth = ((floors[2] - floors[1]) / floors[1]) * 100;
  console.log(
    `  RSS floor per third ${floors.map((f) => f.toFixed(0)).join(" / ")} MiB, peak ${Math.max(...mib).toFixed(0)} MiB; ` +
      `last third vs middle: ${growth >= 0 ? "+" : ""}${growth.toFixed(1)}%`,
  );
  check(load.errors === 0 && load.transportErrors === 0, "zero errors under load");
  check(growth < 10, "flat memory (the RSS floor of the last third within 10% of the middle third's)");

  // ---- phase 2: crash mid-load ----
  console.log(`\nphase 2: kill -9 after ${CRASH_AFTER_SECONDS} s of load`);
  let killed = false;
  const crashLoad = runLoad(port, tokens, () => killed);
  await sleep(CRASH_AFTER_SECONDS * 1000);
  const killedAt = Date.now();
  gw.kill("SIGKILL");
  await new Promise((r) => gw.once("exit", r));
  killed = true;
  const crash = await crashLoad;
  console.log(
    `  answered before the kill: ${crash.requests} (${crash.mutations} setMmpConfig); cut off by the kill: ${crash.transportErrors}`,
  );

  const atKill = await allAudit(databaseUrl);
  const pendingAtKill = atKill.filter((r) => r.outcome === "PENDING");
  console.log(`  audit records ${atKill.length}, PENDING after the kill ${pendingAtKill.length}`);

  // ---- restart at once; the sweeps settle what the kill left ----
  // The simulator counts request weight per IP and minute as Binance does, and reports it; this load
  // sends far more than Binance's 2400 per minute (the simulator is configured not to mind). A fresh
  // gateway assumes Binance's documented 2400 until it has read exchangeInfo, so it would rightly refuse
  // its first calls until the minute ends. Forget the count, as a new minute would.
  sim.resetRateLimits();
  const restartAt = Date.now();
  gw = startGateway(env, logFile);
  await waitReady(url);
  const readyAt = Date.now();
  // SQLite settles at start-up; PostgreSQL within grace + one interval of the kill (the records are older
  // than the kill). Wait that long and 10 s more before calling a record stuck.
  const waitUntil = killedAt + (pg ? graceMs + intervalMs : 0) + 10_000;
  let after;
  for (;;) {
    after = await allAudit(databaseUrl);
    if (!after.some((r) => r.outcome === "PENDING") || Date.now() > waitUntil) break;
    await sleep(100);
  }
  const settledAt = Date.now();
  const settleMs = settledAt - restartAt;
  const byId = new Map(after.map((r) => [r.id, r]));
  const settledOutcomes = {};
  for (const p of pendingAtKill) {
    const o = byId.get(p.id)?.outcome ?? "missing";
    settledOutcomes[o] = (settledOutcomes[o] ?? 0) + 1;
  }
  console.log(
    `  restarted and ready in ${readyAt - restartAt} ms; PENDING settled within ${settleMs} ms of the restart, ` +
      `${settledAt - killedAt} ms of the kill (bound: ${pg ? graceMs + intervalMs : 0} ms + the sweep): ${JSON.stringify(settledOutcomes)}`,
  );
  const settledLine = fs
    .readFileSync(logFile, "utf8")
    .split("\n")
    .find((l) => l.includes("settled pending audit records"));
  if (settledLine) console.log(`  gateway log: ${settledLine.slice(0, 200)}`);

  // ---- the check: every change the exchange applied has an audit record ----
  const audited = new Map();
  for (const r of after) {
    if (r.action !== "SET_MMP") continue;
    const i = JSON.parse(r.input);
    audited.set(auditKey(i.accountId, i.underlying, i.qtyLimit, i.deltaLimit), r);
  }
  drain();
  let missing = 0;
  const outcomesOfApplied = {};
  const appliedKeys = new Set();
  for (const q of applied) {
    const key = auditKey(accountOfKey.get(q.apiKey), q.underlying, q.qtyLimit, q.deltaLimit);
    appliedKeys.add(key);
    const rec = audited.get(key);
    if (!rec) missing++;
    else outcomesOfApplied[rec.outcome] = (outcomesOfApplied[rec.outcome] ?? 0) + 1;
  }
  const succeededNotApplied = [...audited].filter(
    ([k, r]) => r.outcome === "SUCCEEDED" && !appliedKeys.has(k),
  ).length;
  console.log(`\nresult`);
  console.log(
    `  mutations the simulator applied: ${applied.length}; with an audit record: ${applied.length - missing}; outcomes ${JSON.stringify(outcomesOfApplied)}`,
  );
  check(missing === 0, "every mutation the simulator applied has an audit record");
  check(
    !after.some((r) => r.outcome === "PENDING"),
    "no audit record left PENDING after the restart (within grace + one sweep interval of the kill)",
  );
  check(succeededNotApplied === 0, "every SUCCEEDED record is a change the simulator applied");
  const smoke = await post(port, tokens[0], { query: SET, variables: { input: mutationInput() } });
  check(smoke.status === 200 && !smoke.body.errors, "the restarted gateway serves mutations");
  if (smoke.body.errors) console.log(`  ${JSON.stringify(smoke.body.errors)}`);
  if (process.env.DEBUG_PENDING) {
    for (const p of pendingAtKill) {
      const i = JSON.parse(p.input);
      const held = sim.mmpState(accounts.find((a) => a.name === i.accountId).apiKey, i.underlying);
      const rec = byId.get(p.id);
      console.log(
        JSON.stringify({
          input: i,
          held: held && { ...held, frozenTimeInMilliseconds: String(held.frozenTimeInMilliseconds) },
          after: rec.outcome,
          msg: rec.exchangeMessage,
        }),
      );
    }
  }
  console.log(`  (kill at ${new Date(killedAt).toISOString()})`);

  clearInterval(drainer);
  gw.kill("SIGTERM");
  await new Promise((r) => gw.once("exit", r));
  agent.destroy();
  await sim.stop();
  await pg?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
