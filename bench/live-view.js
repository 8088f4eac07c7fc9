/* eslint-disable */
// `node bench/live-view.js`: the live MMP view (src/live) of the built gateway, in one run.
//
//   (a) exchange GET /eapi/v1/mmp calls per minute with 0 (the poller alone), 1, 10 and 100 concurrent
//       dashboards, each refreshing `{ accounts { id mmpConfigs { underlying qtyLimit observedAt } } }`
//       about every 500 ms, watching 5 accounts x 6 underlyings; the figure must be flat in the number
//       of dashboards. The poller's share: calls the poller itself started, counted in the gateway.
//   (b) requests/s of a cached `mmpConfigs` read against Apollo's trivial `{ __typename }` on the same
//       server, in interleaved rounds (autocannon in this process); target >= 0.8x.
//   (c) trigger-to-subscriber latency with 1,000 open `mmpEvents` subscriptions (50 users x 1 graphql-ws
//       connection x 20 subscriptions): MMP is triggered in the simulator, which runs in this process
//       (sim.trigger), and the arrival of the TRIGGERED event is timestamped at each subscriber, also in
//       this process; target p99 <= one poll interval + 50 ms.
//   (d) the gateway's peak RSS (VmHWM) with those 1,000 subscriptions open; target < 250 MB.
//
// Processes: this one runs the simulator, the dashboards, the subscribers and autocannon; the gateway is
// a child process (this same file with BENCH_LIVE_ROLE=gateway) on a fresh SQLite file, so its CPU and
// RSS are its own. Order: (c)+(d) first (so the peak RSS is the one with the subscriptions, not a load
// test's), then (a), then (b). A MISS is printed, it does not fail the run.
//
// Environment (all optional): MMP_POLL_INTERVAL_MS, MMP_READ_MAX_AGE_MS, EXCHANGE_READ_WEIGHT_SHARE (the
// gateway's own settings; defaults 2000, 1000, 0.5), BENCH_LIVE_DASHBOARDS (0,1,10,100),
// BENCH_LIVE_DASH_SECONDS (60: rows with dashboards are measured over whole clock minutes, the exchange's weight
// window), BENCH_LIVE_DASH_SETTLE (2, seconds the dashboards run before their row's first minute),
// BENCH_LIVE_DASH_PERIOD_MS (500), BENCH_LIVE_SUBSCRIPTIONS (1000), BENCH_LIVE_TRIGGERS (12),
// BENCH_LIVE_ROUNDS (5), BENCH_LIVE_SLICE (3, seconds per query per round), BENCH_LIVE_WARMUP (18 seconds,
// split over both queries), BENCH_LIVE_CONNECTIONS (32), BENCH_LIVE_PARTS (a,b,c: which parts to run),
// BENCH_GATEWAY_LOG_LEVEL (info; the log goes to a file in the work directory), BENCH_DIST (dist),
// BENCH_LIVE_GATEWAY_NODE_ARGS (node options for the gateway, comma list, e.g.
// `--cpu-prof,--cpu-prof-dir=/tmp/prof`, then `node bench/profile/cpuprofile-summary.js <file>`).
"use strict";
if (process.env.NODE_ENV === undefined) process.env.NODE_ENV = "production";
require("reflect-metadata");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { fork } = require("node:child_process");
const { randomBytes } = require("node:crypto");
const { performance } = require("node:perf_hooks");

const ROOT = path.resolve(__dirname, "..");
const DIST = path.resolve(ROOT, process.env.BENCH_DIST || "dist");
const num = (v, d) => (v === undefined || v === "" || !Number.isFinite(Number(v)) ? d : Number(v));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (process.env.BENCH_LIVE_ROLE === "gateway") {
  gatewayChild().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
    for (const c of children) c.kill("SIGKILL");
    setTimeout(() => process.exit(1), 500).unref();
  });
}

// ---- the gateway child ----------------------------------------------------------------------------

async function gatewayChild() {
  const { startGateway } = require(path.join(DIST, "app"));
  const { loadConfig } = require(path.join(DIST, "config"));
  const { MmpReader } = require(path.join(DIST, "live", "mmp-reader"));
  // Which exchange reads the poller started (refresh() that joins no read in flight) and how many the
  // reader made in all (the poller's and the queries' past MMP_READ_MAX_AGE_MS); counted, not changed.
  const counters = { pollerCalls: 0, readerCalls: 0 };
  const refresh = MmpReader.prototype.refresh;
  MmpReader.prototype.refresh = function (account, underlying) {
    if (!this.inFlight.has(`${account.accountId}\u0000${underlying}`)) counters.pollerCalls++;
    return refresh.call(this, account, underlying);
  };
  const fetchOne = MmpReader.prototype.fetch;
  MmpReader.prototype.fetch = function (...args) {
    counters.readerCalls++;
    return fetchOne.apply(this, args);
  };

  // How long each detection's audit record took: the TRIGGERED event is published once it is written.
  const { LiveMmpService } = require(path.join(DIST, "live", "live-mmp.service"));
  counters.detectionAuditMs = [];
  const recordDetection = LiveMmpService.prototype.recordDetection;
  LiveMmpService.prototype.recordDetection = async function (...args) {
    const started = performance.now();
    try {
      return await recordDetection.apply(this, args);
    } finally {
      counters.detectionAuditMs.push(performance.now() - started);
    }
  };

  // When each TRIGGERED event was published (epoch ms, sub-ms): splits the gateway's part of a latency
  // into detection (exchange answer, comparison, audit record) and delivery to the subscribers.
  counters.published = [];
  const publish = LiveMmpService.prototype.publish;
  LiveMmpService.prototype.publish = function (e) {
    if (e.kind === "TRIGGERED")
      counters.published.push({ at: e.at, t: performance.timeOrigin + performance.now() });
    return publish.call(this, e);
  };

  const env = {};
  for (const [k, v] of Object.entries(process.env))
    if (/^(MMP_|EXCHANGE_|MUTATION_RATE_|HEAP_GROWTH_PERCENT$)/.test(k) && v) env[k] = v;
  const config = {
    ...loadConfig(env),
    port: 0,
    host: "127.0.0.1",
    databaseUrl: process.env.BENCH_LIVE_DATABASE_URL,
    masterKey: process.env.BENCH_LIVE_MASTER_KEY,
    binanceEapiUrl: process.env.BENCH_LIVE_SIM_URL,
    logLevel: process.env.BENCH_GATEWAY_LOG_LEVEL || "info",
  };
  const gateway = await startGateway({ config });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), 10_000).unref();
    gateway.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("message", (m) => {
    if (m && m.type === "stop") stop();
    else if (m && m.type === "counters") process.send({ type: "counters", ...counters });
  });
  process.on("disconnect", stop);
  process.on("SIGTERM", stop);
  process.send({
    type: "ready",
    url: gateway.url,
    pollIntervalMs: config.live.pollIntervalMs,
    readMaxAgeMs: config.live.readMaxAgeMs,
    readWeightShare: config.live.readWeightShare,
  });
}

// ---- the parent -----------------------------------------------------------------------------------

const children = new Set();
const ACCOUNTS = 5;
const VIEWERS = 50;
const SUBSCRIPTIONS = num(process.env.BENCH_LIVE_SUBSCRIPTIONS, 1000);
const DASHBOARDS = (process.env.BENCH_LIVE_DASHBOARDS || "0,1,10,100")
  .split(",")
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n >= 0);
const DASH_SECONDS = num(process.env.BENCH_LIVE_DASH_SECONDS, 60);
const DASH_SETTLE = num(process.env.BENCH_LIVE_DASH_SETTLE, 2);
const DASH_PERIOD_MS = num(process.env.BENCH_LIVE_DASH_PERIOD_MS, 500);
const TRIGGERS = num(process.env.BENCH_LIVE_TRIGGERS, 12);
const ROUNDS = Math.max(1, Math.floor(num(process.env.BENCH_LIVE_ROUNDS, 5)));
const SLICE = num(process.env.BENCH_LIVE_SLICE, 3);
const WARMUP = num(process.env.BENCH_LIVE_WARMUP, 18);
const CONNECTIONS = num(process.env.BENCH_LIVE_CONNECTIONS, 32);
const PARTS = new Set((process.env.BENCH_LIVE_PARTS || "a,b,c").split(",").map((s) => s.trim()));
const TARGETS = { ratio: 0.8, latencySlackMs: 50, rssMb: 250 };

const DASHBOARD_QUERY = "{ accounts { id mmpConfigs { underlying qtyLimit observedAt } } }";
const CACHED_QUERY = '{ mmpConfigs(accountId: "acct-0") { underlying qtyLimit deltaLimit observedAt } }';
const TRIVIAL_QUERY = "{ __typename }";
const SUBSCRIPTION =
  "subscription { mmpEvents { id kind accountId underlying at actor config { qtyLimit lastTriggerTime } } }";

async function main() {
  const { ExchangeSimulator, DEFAULT_UNDERLYINGS, generateAccountKeys } = require(
    path.join(DIST, "simulator"),
  );
  const { openStore } = require(path.join(DIST, "store", "open-store"));
  const { AdminService } = require(path.join(DIST, "admin", "admin.service"));
  const { openSealer } = require(path.join(DIST, "secrets"));

  const work = fs.mkdtempSync(path.join(os.tmpdir(), "mmp-live-bench-"));
  const sim = new ExchangeSimulator({ maxRecordedRequests: 1_000_000 });
  const simUrl = await sim.start();
  const underlyings = [...DEFAULT_UNDERLYINGS];

  // seed: 5 HMAC accounts on the simulator, a trader on all of them, 50 viewers on all of them
  const databaseUrl = `sqlite:${path.join(work, "gateway.sqlite")}`;
  const masterKey = randomBytes(32).toString("base64");
  const store = openStore(databaseUrl);
  await store.migrate();
  const admin = new AdminService(store, () => openSealer(store, masterKey));
  const accounts = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const keys = generateAccountKeys("hmac");
    const name = `acct-${i}`;
    sim.addAccount({ apiKey: keys.apiKey, keyType: "hmac", secret: keys.secret });
    await admin.addAccount({
      name,
      apiKey: keys.apiKey,
      keyType: "hmac",
      baseUrl: simUrl,
      secret: keys.secret,
    });
    accounts.push({ name, apiKey: keys.apiKey });
  }
  await admin.addTeam("desk");
  await admin.addTeam("risk");
  const trader = (await admin.addUser("trader", false)).token;
  await admin.addMember("desk", "trader");
  const viewers = [];
  for (let i = 0; i < VIEWERS; i++) {
    const name = `viewer-${String(i).padStart(2, "0")}`;
    viewers.push((await admin.addUser(name, false)).token);
    await admin.addMember("risk", name);
  }
  for (const a of accounts) {
    await admin.grant("desk", a.name, "trader");
    await admin.grant("risk", a.name, "viewer");
  }
  await store.close();

  const logFile = path.join(work, "gateway.log");
  const gw = await startGatewayChild(logFile, {
    BENCH_LIVE_ROLE: "gateway",
    BENCH_LIVE_DATABASE_URL: databaseUrl,
    BENCH_LIVE_MASTER_KEY: masterKey,
    BENCH_LIVE_SIM_URL: simUrl,
  });
  const pid = gw.child.pid;
  const poll = gw.pollIntervalMs;
  console.log(
    `live view benchmark: ${os.cpus().length} cores (${os.cpus()[0].model}), node ${process.version}, ` +
      `work dir ${work}\n  gateway pid ${pid}: MMP_POLL_INTERVAL_MS ${poll}, MMP_READ_MAX_AGE_MS ${gw.readMaxAgeMs}, ` +
      `EXCHANGE_READ_WEIGHT_SHARE ${gw.readWeightShare}; ${ACCOUNTS} accounts x ${underlyings.length} underlyings`,
  );

  // every pair configured through the gateway (frozen 1 s after a trigger, so UNFROZEN follows too)
  for (const a of accounts)
    for (const u of underlyings) {
      const r = await gql(gw.url, trader, SET_MUTATION, {
        input: {
          accountId: a.name,
          underlying: u,
          windowTimeInMilliseconds: 3000,
          frozenTimeInMilliseconds: 1000,
          qtyLimit: "10",
          deltaLimit: "5",
        },
      });
      if (r.errors) throw new Error(`setMmpConfig ${a.name} ${u}: ${JSON.stringify(r.errors)}`);
    }
  await sleep(poll + 500);

  // the machine is shared: what other processes used of it during each part is printed with the part
  const part = async (name, fn) => {
    const m0 = machineSeconds();
    const g0 = cpuSeconds(pid);
    const s0 = process.cpuUsage();
    const r = await fn();
    const m1 = machineSeconds();
    const self = process.cpuUsage(s0);
    const gateway = cpuSeconds(pid) - g0;
    const bench = (self.user + self.system) / 1e6;
    const total = m1.total - m0.total;
    const others = Math.max(0, m1.busy - m0.busy - gateway - bench);
    const share = (x) => `${((100 * x) / total).toFixed(0)}%`;
    console.log(
      `  (${name}) CPU of the machine's ${os.cpus().length} cores: gateway ${share(gateway)}, this process ` +
        `(simulator, clients) ${share(bench)}, other processes ${share(others)}`,
    );
    if (r && typeof r === "object") r.othersPct = (100 * others) / total;
    return r;
  };
  const results = {};
  if (PARTS.has("c"))
    results.c = await part("c", () => subscriptionsPart(gw, sim, accounts, underlyings, viewers, pid));
  if (PARTS.has("a")) results.a = await part("a", () => dashboardsPart(gw, sim, viewers));
  if (PARTS.has("b")) results.b = await part("b", () => throughputPart(gw, viewers[0], pid));
  const end = procStatus(pid);

  // ---- summary ----
  console.log("\nsummary");
  const verdict = (ok) => (ok ? "PASS" : "MISS");
  if (results.a) {
    const rows = results.a.filter((r) => r.dashboards > 0);
    const rates = rows.map((r) => r.perMin);
    const spread = rates.length ? Math.max(...rates) / Math.max(1e-9, Math.min(...rates)) : NaN;
    // flat: the busiest row within 10% of the lightest (the calls do not grow with the dashboards)
    console.log(
      `  (a) ${verdict(spread <= 1.1)} exchange calls/min flat in dashboards: ` +
        rows.map((r) => `${r.dashboards}: ${r.perMin.toFixed(0)}`).join(", ") +
        ` (max/min ${spread.toFixed(2)}; poller alone ${results.a.find((r) => r.dashboards === 0)?.perMin.toFixed(0) ?? "-"}; ` +
        `poller's share ${rows.map((r) => `${(100 * r.pollerShare).toFixed(0)}%`).join(", ")}; ` +
        `oldest config shown to a dashboard ${rows.map((r) => `${fmt(r.maxAge)} ms`).join(", ")})${others(results.a)}`,
    );
  }
  if (results.b)
    console.log(
      `  (b) ${verdict(results.b.ratio >= TARGETS.ratio)} cached mmpConfigs / { __typename } req/s: ` +
        `${results.b.ratio.toFixed(2)}x (median of ${ROUNDS} rounds; ${results.b.cached.toFixed(0)} vs ${results.b.trivial.toFixed(0)} req/s; ` +
        `by CPU per answer ${results.b.cpuRatio.toFixed(2)}x), target >= ${TARGETS.ratio}x${others(results.b)}`,
    );
  if (results.c) {
    const limit = poll + TARGETS.latencySlackMs;
    console.log(
      `  (c) ${verdict(results.c.p99 <= limit)} trigger-to-subscriber latency with ${results.c.subscriptions} subscriptions: ` +
        `p50 ${results.c.p50.toFixed(0)} ms, p99 ${results.c.p99.toFixed(0)} ms, max ${results.c.max.toFixed(0)} ms ` +
        `(${results.c.samples} deliveries of ${results.c.triggers} triggers, ${results.c.missing} missing), target p99 <= ${limit} ms; ` +
        `the gateway's own part (poll read to subscriber) p50 ${fmt(results.c.ownP50)} ms, p99 ${fmt(results.c.ownP99)} ms ` +
        `(read to publish p50 ${fmt(results.c.detectionP50)} ms, publish to subscriber p99 ${fmt(results.c.deliveryP99)} ms)${others(results.c)}`,
    );
    console.log(
      `  (d) ${verdict(results.c.hwmMb < TARGETS.rssMb)} gateway peak RSS (VmHWM) with ${results.c.subscriptions} subscriptions open: ` +
        `${results.c.hwmMb.toFixed(0)} MB (RSS then ${results.c.rssMb.toFixed(0)} MB), target < ${TARGETS.rssMb} MB; ` +
        `VmHWM at the end of the run (after the load of (a) and (b)): ${end.hwmMb.toFixed(0)} MB`,
    );
  }
  await stopChild(gw.child);
  await sim.stop();
  console.log(`gateway log: ${logFile}`);
}

const SET_MUTATION =
  "mutation($input: SetMmpConfigInput!) { setMmpConfig(input: $input) { accountId underlying qtyLimit } }";

// ---- (c) + (d): subscriptions, triggers, RSS --------------------------------------------------------

async function subscriptionsPart(gw, sim, accounts, underlyings, viewers, pid) {
  const { createClient } = require("graphql-ws");
  const WebSocket = require("ws");
  const wsUrl = `${gw.url.replace(/^http/, "ws")}/graphql`;
  const perConnection = 20;
  const connections = Math.ceil(SUBSCRIPTIONS / perConnection);
  console.log(
    `\n(c) opening ${SUBSCRIPTIONS} subscriptions: ${connections} connections of ${viewers.length} viewer users, ` +
      `up to ${perConnection} per connection`,
  );
  // arrivals: trigger `at` -> list of arrival times (performance.now())
  const arrivals = new Map();
  const errors = [];
  const clients = [];
  const disposers = [];
  let opened = 0;
  for (let c = 0; c < connections; c++) {
    const token = viewers[c % viewers.length];
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: (e) => errors.push(e),
    });
    clients.push(client);
    for (let s = 0; s < perConnection && opened < SUBSCRIPTIONS; s++, opened++) {
      disposers.push(
        client.subscribe(
          { query: SUBSCRIPTION },
          {
            next: (r) => {
              const t = performance.now();
              const e = r.data && r.data.mmpEvents;
              if (r.errors) errors.push(r.errors);
              if (!e || e.kind !== "TRIGGERED") return;
              const list = arrivals.get(String(e.at));
              if (list) list.push(t);
            },
            error: (e) => errors.push(e),
            complete: () => undefined,
          },
        ),
      );
    }
  }
  const openedAt = Date.now();
  let gauge = 0;
  while (Date.now() - openedAt < 30_000) {
    gauge = await metric(gw.url, "mmp_event_subscriptions");
    if (gauge >= SUBSCRIPTIONS || errors.length) break;
    await sleep(200);
  }
  if (errors.length)
    console.log(`  errors while subscribing: ${String(errors[0].message || JSON.stringify(errors[0]))}`);
  console.log(
    `  ${gauge} subscriptions open (gateway's mmp_event_subscriptions) after ${Date.now() - openedAt} ms`,
  );
  await sleep(1000);

  // when the simulator received each read of a pair: splits a latency into the wait for the poller's
  // next read of the pair and the gateway's own part (that read to the subscriber)
  const reads = [];
  const onRequest = (req) => {
    if (req.method !== "GET" || !req.url.startsWith("/eapi/v1/mmp?")) return;
    const q = new URLSearchParams(req.url.slice(req.url.indexOf("?") + 1));
    reads.push({
      t: performance.now(),
      apiKey: req.headers["x-mbx-apikey"],
      underlying: q.get("underlying"),
    });
  };
  sim.server.on("request", onRequest);
  const poll = gw.pollIntervalMs;
  const latencies = [];
  const own = [];
  const triggered = [];
  let missing = 0;
  let lastAt = 0;
  for (let k = 0; k < TRIGGERS; k++) {
    // a random phase against the poller's rounds
    await sleep(Math.random() * poll);
    const a = accounts[k % accounts.length];
    const u = underlyings[Math.floor(k / accounts.length) % underlyings.length];
    const at = Math.max(Math.floor(sim.serverTime()), lastAt + 1);
    lastAt = at;
    const list = [];
    arrivals.set(String(at), list);
    const t0 = performance.now();
    sim.trigger(a.apiKey, u, at);
    const deadline = t0 + poll * 2 + 3000;
    while (list.length < gauge && performance.now() < deadline) await sleep(5);
    const got = list.map((t) => t - t0).sort((x, y) => x - y);
    missing += Math.max(0, gauge - got.length);
    latencies.push(...got);
    const read = reads.find((r) => r.t > t0 && r.apiKey === a.apiKey && r.underlying === u);
    const readAfter = read ? read.t - t0 : NaN;
    if (read) own.push(...got.map((x) => x - readAfter));
    triggered.push({ at, t0, readAfter, got });
    console.log(
      `  trigger ${String(k + 1).padStart(2)} ${a.name} ${u.padEnd(8)}: ${got.length} deliveries, ` +
        `first ${fmt(got[0])} ms, last ${fmt(got[got.length - 1])} ms; the pair's next read reached the exchange ` +
        `after ${fmt(readAfter)} ms, so the gateway's own part: ${fmt(got[0] - readAfter)}-${fmt(got[got.length - 1] - readAfter)} ms`,
    );
  }
  sim.server.off("request", onRequest);
  own.sort((x, y) => x - y);
  const after = await ask(gw.child, { type: "counters" });
  const audits = after.detectionAuditMs.sort((x, y) => x - y);
  // per trigger: the pair's read at the exchange -> the event published -> the subscribers
  const detection = [];
  const delivery = [];
  for (const tr of triggered) {
    const p = after.published.find((x) => x.at === tr.at);
    if (!p || !Number.isFinite(tr.readAfter)) continue;
    const publishedAfter = p.t - performance.timeOrigin - tr.t0;
    detection.push(publishedAfter - tr.readAfter);
    delivery.push(...tr.got.map((x) => x - publishedAfter));
  }
  detection.sort((x, y) => x - y);
  delivery.sort((x, y) => x - y);
  latencies.sort((x, y) => x - y);
  const status = procStatus(pid);
  const r = {
    subscriptions: gauge,
    triggers: TRIGGERS,
    samples: latencies.length,
    missing,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    hwmMb: status.hwmMb,
    rssMb: status.rssMb,
    ownP50: pct(own, 50),
    ownP99: pct(own, 99),
    detectionP50: pct(detection, 50),
    deliveryP99: pct(delivery, 99),
  };
  console.log(
    `  latency trigger -> subscriber: p50 ${fmt(r.p50)} ms, p90 ${fmt(pct(latencies, 90))} ms, p99 ${fmt(r.p99)} ms, ` +
      `max ${fmt(r.max)} ms over ${r.samples} deliveries (${missing} missing)`,
  );
  console.log(
    `  of which the gateway's own part (the poll's read of the pair to the subscriber): p50 ${fmt(r.ownP50)} ms, ` +
      `p99 ${fmt(r.ownP99)} ms; the rest is the wait for the poller's next read (0 to ${poll} ms by design)`,
  );
  console.log(
    `    the pair's read at the exchange to the event published (answer, comparison, audit record): p50 ` +
      `${fmt(pct(detection, 50))} ms, max ${fmt(detection[detection.length - 1])} ms; of which the audit record of the ` +
      `detection: p50 ${fmt(pct(audits, 50))} ms, max ${fmt(audits[audits.length - 1])} ms`,
  );
  console.log(
    `    published to the subscriber (per-event authorisation, WebSocket, client): p50 ${fmt(pct(delivery, 50))} ms, ` +
      `p99 ${fmt(pct(delivery, 99))} ms`,
  );
  console.log(
    `  (d) gateway VmHWM ${r.hwmMb.toFixed(1)} MB, VmRSS ${r.rssMb.toFixed(1)} MB with the subscriptions open`,
  );
  for (const d of disposers) d();
  await Promise.all(clients.map((c) => c.dispose()));
  await sleep(500);
  return r;
}

// ---- (a): dashboards ------------------------------------------------------------------------------

// The exchange counts weight per clock minute (x-mbx-used-weight-1m), and the gateway's read share is a
// share of that minute's limit: once reads have used it, neither queries nor the poller call the exchange
// until the minute ends. So a dashboard row is measured over whole clock minutes (BENCH_LIVE_DASH_SECONDS,
// rounded up to minutes), its dashboards started BENCH_LIVE_DASH_SETTLE s before the first one; the
// poller-alone row (0 dashboards) is measured from now until then.
async function dashboardsPart(gw, sim, viewers) {
  const minutes = Math.max(1, Math.ceil(DASH_SECONDS / 60));
  console.log(
    `\n(a) exchange GET /eapi/v1/mmp calls per minute; dashboards refresh ${DASHBOARD_QUERY} every ~${DASH_PERIOD_MS} ms; ` +
      `each row with dashboards measured over ${minutes} whole clock minute(s) (the exchange's weight window)`,
  );
  console.log(
    "  dashboards  seconds  calls/min  poller%  refused  refreshes/s  errors  mean age ms  max age ms  poll interval",
  );
  const rows = [];
  const nextMinute = (t) => Math.ceil((t + 1) / 60_000) * 60_000;
  let boundary = nextMinute(Date.now());
  if (boundary - Date.now() < 10_000 + DASH_SETTLE * 1000) boundary += 60_000;
  let previous; // the running row's dashboards
  for (const n of DASHBOARDS) {
    const stats = { ok: 0, errors: 0, ageSum: 0, ageN: 0, ageMax: 0, firstError: undefined };
    const state = { stop: false };
    const loops = [];
    let from;
    let until;
    if (n === 0) {
      // from now until the dashboards of the next row start
      from = Date.now();
      until = boundary - DASH_SETTLE * 1000;
    } else {
      await sleepUntil(boundary - DASH_SETTLE * 1000);
      for (let i = 0; i < n; i++) loops.push(dashboard(gw.url, viewers[i % viewers.length], state, stats));
      from = boundary;
      until = boundary + minutes * 60_000;
      boundary = until;
    }
    await sleepUntil(from);
    if (previous) previous.stop = true;
    for (const k of Object.keys(stats)) if (typeof stats[k] === "number") stats[k] = 0;
    const firstRequest = sim.requests.length;
    const before = await ask(gw.child, { type: "counters" });
    await sleepUntil(until);
    const lastRequest = sim.requests.length;
    const after = await ask(gw.child, { type: "counters" });
    const elapsedMin = (Date.now() - from) / 60_000;
    const calls = sim.requests
      .slice(firstRequest, lastRequest)
      .filter((q) => q.method === "GET" && q.path === "/eapi/v1/mmp");
    const refused = calls.filter((q) => q.status !== 200).length;
    const interval = await metric(gw.url, "mmp_poll_interval_seconds");
    const pollerCalls = after.pollerCalls - before.pollerCalls;
    const row = {
      dashboards: n,
      seconds: elapsedMin * 60,
      perMin: calls.length / elapsedMin,
      pollerShare: calls.length ? pollerCalls / calls.length : NaN,
      refused,
      refreshesPerS: stats.ok / (elapsedMin * 60),
      errors: stats.errors,
      meanAge: stats.ageN ? stats.ageSum / stats.ageN : NaN,
      maxAge: stats.ageMax,
    };
    rows.push(row);
    console.log(
      `  ${String(n).padStart(10)}  ${row.seconds.toFixed(0).padStart(7)}  ${row.perMin.toFixed(0).padStart(9)}` +
        `  ${(100 * row.pollerShare).toFixed(0).padStart(6)}%  ${String(refused).padStart(7)}  ${row.refreshesPerS.toFixed(1).padStart(11)}` +
        `  ${String(row.errors).padStart(6)}  ${fmt(row.meanAge).padStart(11)}  ${fmt(row.maxAge).padStart(10)}  ${(interval * 1000).toFixed(0)} ms` +
        (stats.firstError ? `  first error: ${stats.firstError}` : ""),
    );
    previous = state;
    previous.loops = loops;
  }
  if (previous) {
    previous.stop = true;
    await Promise.all(previous.loops);
  }
  return rows;
}

function sleepUntil(epochMs) {
  return sleep(Math.max(0, epochMs - Date.now()));
}

/** one dashboard: the query about every DASH_PERIOD_MS until state.stop; the age of the oldest config shown */
async function dashboard(url, token, state, stats) {
  await sleep(Math.random() * DASH_PERIOD_MS);
  while (!state.stop) {
    const started = performance.now();
    try {
      const r = await gql(url, token, DASHBOARD_QUERY);
      if (r.errors || !r.data) {
        stats.errors++;
        stats.firstError = stats.firstError || JSON.stringify(r.errors).slice(0, 200);
      } else {
        stats.ok++;
        const now = Date.now();
        let oldest = now;
        for (const a of r.data.accounts)
          for (const c of a.mmpConfigs) oldest = Math.min(oldest, Number(c.observedAt));
        const age = now - oldest;
        stats.ageSum += age;
        stats.ageN++;
        stats.ageMax = Math.max(stats.ageMax, age);
      }
    } catch (e) {
      stats.errors++;
      stats.firstError = stats.firstError || String(e);
    }
    await sleep(Math.max(0, DASH_PERIOD_MS - (performance.now() - started)));
  }
}

// ---- (b): throughput, cached read vs { __typename } ------------------------------------------------

async function throughputPart(gw, token, pid) {
  const autocannon = require("autocannon");
  const targets = { cached: CACHED_QUERY, trivial: TRIVIAL_QUERY };
  const okBody = {
    cached: (b) => b.startsWith('{"data":{"mmpConfigs":[') && !b.includes('"errors"'),
    trivial: (b) => b.trim() === '{"data":{"__typename":"Query"}}',
  };
  const run = (which, seconds) =>
    new Promise((resolve, reject) => {
      const cpu0 = cpuSeconds(pid);
      autocannon(
        {
          url: `${gw.url}/graphql`,
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: targets[which] }),
          verifyBody: okBody[which],
          connections: CONNECTIONS,
          duration: seconds,
        },
        (err, res) =>
          err
            ? reject(err)
            : resolve({
                // good answers only: HTTP 200 with the expected body
                rps: (res.requests.total - res.mismatches - res.non2xx) / seconds,
                good: res["2xx"],
                mismatches: res.mismatches,
                errors: res.errors + res.non2xx,
                p99: res.latency.p99,
                cpuMsPerReq: ((cpuSeconds(pid) - cpu0) * 1000) / Math.max(1, res.requests.total),
              }),
      );
    });
  console.log(
    `\n(b) throughput at ${CONNECTIONS} connections: ${CACHED_QUERY}  vs  ${TRIVIAL_QUERY}; warm-up ${WARMUP} s, ` +
      `then ${ROUNDS} rounds of ${SLICE} s each, order alternating`,
  );
  for (let w = 0; w < Math.max(1, Math.round(WARMUP / 6)); w++) {
    await run("cached", 3);
    await run("trivial", 3);
  }
  const ratios = [];
  // the gateway's CPU per answer, trivial / cached: the same ratio as the req/s one on a machine where
  // the gateway has a core to itself, and less sensitive to what other processes take of the CPU
  const cpuRatios = [];
  const sums = { cached: [], trivial: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ["cached", "trivial"] : ["trivial", "cached"];
    const got = {};
    for (const which of order) got[which] = await run(which, SLICE);
    ratios.push(got.cached.rps / got.trivial.rps);
    cpuRatios.push(got.trivial.cpuMsPerReq / got.cached.cpuMsPerReq);
    sums.cached.push(got.cached.rps);
    sums.trivial.push(got.trivial.rps);
    console.log(
      `  round ${r + 1}: cached ${got.cached.rps.toFixed(0)} req/s (p99 ${got.cached.p99} ms, ${got.cached.cpuMsPerReq.toFixed(3)} CPU ms/req, ` +
        `${got.cached.mismatches} bad, ${got.cached.errors} errors), trivial ${got.trivial.rps.toFixed(0)} req/s ` +
        `(p99 ${got.trivial.p99} ms, ${got.trivial.cpuMsPerReq.toFixed(3)} CPU ms/req, ${got.trivial.mismatches} bad, ` +
        `${got.trivial.errors} errors): ratio ${ratios[r].toFixed(2)}`,
    );
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const r = {
    ratio: median(ratios),
    cpuRatio: median(cpuRatios),
    cached: median(sums.cached),
    trivial: median(sums.trivial),
  };
  console.log(
    `  median ratio ${r.ratio.toFixed(2)}x; by the gateway's CPU per answer (trivial/cached) ${r.cpuRatio.toFixed(2)}x`,
  );
  return r;
}

// ---- helpers --------------------------------------------------------------------------------------

function startGatewayChild(logFile, env) {
  const fd = fs.openSync(logFile, "a");
  const child = fork(__filename, [], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    execArgv: (process.env.BENCH_LIVE_GATEWAY_NODE_ARGS || "").split(",").filter(Boolean),
    stdio: ["ignore", fd, fd, "ipc"],
  });
  fs.closeSync(fd);
  children.add(child);
  child.once("exit", () => children.delete(child));
  return new Promise((resolve, reject) => {
    child.once("message", (m) => resolve({ child, ...m }));
    child.once("exit", (code) => reject(new Error(`gateway exited (${code}); log: ${logFile}`)));
  });
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.send({ type: "stop" });
  });
}

function ask(child, message) {
  return new Promise((resolve) => {
    child.once("message", resolve);
    child.send(message);
  });
}

async function gql(url, token, query, variables) {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return res.json();
}

/** the value of one unlabelled series of the gateway's /metrics */
async function metric(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} ([0-9.eE+-]+)$`, "m").exec(text);
  return m ? Number(m[1]) : NaN;
}

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
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** busy and total CPU seconds of the whole machine, all cores (/proc/stat, in USER_HZ = 100) */
function machineSeconds() {
  try {
    const f = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    const idle = f[3] + (f[4] || 0);
    return { busy: (total - idle) / 100, total: total / 100 };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

function others(r) {
  return Number.isFinite(r.othersPct)
    ? ` [other processes used ${r.othersPct.toFixed(0)}% of the machine's CPU]`
    : "";
}

function pct(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function fmt(x) {
  return x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(0);
}
