/* eslint-disable */
// Starts the built gateway (dist/app startGateway, as `serve` does) in this process, for benchmarks:
// a fresh database (DATABASE_URL: a new SQLite file or a fresh PostgreSQL schema, migrated here), a new
// master key, one HMAC account "desk-a" whose base URL is the benchmark upstream, and one user "alice"
// who is trader on it through team "desk-a" (as the demo seeds, minus the simulator registration).
// Everything stays on: bearer-token authentication, role check, validation, signing, the audit record.
//
// Environment: DATABASE_URL, BENCH_UPSTREAM_URL, BENCH_API_KEY, BENCH_API_SECRET,
// BENCH_GATEWAY_LOG_LEVEL (default info). fork() it: it sends {type:"ready", url, token}; send
// {type:"stop"} (or SIGTERM) to stop it gracefully, which also lets `node --cpu-prof` write its profile.
"use strict";
// As deployed (Dockerfile, docker-compose.yml): NODE_ENV=production unless the environment says
// otherwise. Libraries read it once at load time (graphql-js, for one, swaps its cross-realm `instanceOf`
// check, run on every type test during execution, for a plain `instanceof`), so it is set before any of them loads.
if (process.env.NODE_ENV === undefined) process.env.NODE_ENV = "production";
// type-graphql's decorators need the metadata polyfill before any schema class loads (dist/cli/main does the same).
require("reflect-metadata");
const path = require("node:path");
const { randomBytes } = require("node:crypto");
// BENCH_DIST: another build of the gateway (e.g. of a given commit); default the repository's dist/
const dist = path.resolve(__dirname, "..", "..", process.env.BENCH_DIST || "dist");
const { startGateway } = require(path.join(dist, "app"));
const { loadConfig } = require(path.join(dist, "config"));
const { AdminService } = require(path.join(dist, "admin", "admin.service"));
const { openStore } = require(path.join(dist, "store", "open-store"));
const { openSealer } = require(path.join(dist, "secrets"));

// BENCH_ABLATE (comma list of axios, exchange, audit, graphql, metrics, ratelimit): a diagnostic, never a measured
// configuration. It takes one layer's per-call work out of this process, so that an A/B run
// (bench/ab.js with BENCH_AB_ABLATE_B) measures what the layer costs by its absence, where a profile
// spreads it over node core and library frames. Each patch replaces a module export or prototype method
// the built gateway reads at call time.
// - axios: BinanceClient's Axios instance calls its adapter (ours, in transport.js) directly, skipping
//   axios's config merging, header normalisation and promise chain;
// - exchange: setMmp answers what the stub would, without calling it (the whole exchange client and its HTTP);
// - audit: the store's audit writes answer at once and write nothing;
// - graphql: the benchmark request served by a direct call of the service, without Apollo, graphql-js or
//   type-graphql (authentication and all the service's work stay);
// - metrics: no GraphQL operations metrics plugin; ratelimit: no mutation rate limit plugin.
function ablate(layers) {
  for (const layer of layers) {
    if (layer === "axios") {
      const axios = require("axios");
      axios.Axios.prototype.request = function (config) {
        const headers = config.headers;
        return this.defaults.adapter({ ...config, headers: { toJSON: () => ({ ...headers }) } });
      };
    } else if (layer === "exchange") {
      // the stub's answer, without the exchange client (admission, signing, HTTP, parsing)
      const { BinanceClient } = require(path.join(dist, "exchange", "binance", "binance-client"));
      BinanceClient.prototype.setMmp = async (_account, s) => ({
        underlyingId: 2,
        underlying: s.underlying,
        windowTimeInMilliseconds: s.windowTimeInMilliseconds,
        frozenTimeInMilliseconds: s.frozenTimeInMilliseconds,
        qtyLimit: s.qtyLimit,
        deltaLimit: s.deltaLimit,
        lastTriggerTime: 0n,
      });
    } else if (layer === "audit") {
      for (const [file, name] of [
        [["store", "sqlite", "sqlite-store"], "SqliteStore"],
        [["store", "postgres", "postgres-store"], "PostgresStore"],
      ]) {
        const proto = require(path.join(dist, ...file))[name].prototype;
        proto.auditBegin = async () => 0;
        proto.auditComplete = async () => undefined;
      }
    } else if (layer === "graphql") {
      // The whole GraphQL layer (Apollo's request pipeline and its plugins, graphql-js parsing caches,
      // validation and execution, type-graphql's argument conversion and auth middleware) replaced by a
      // direct call of the same service for the benchmark request only, answering the same JSON. What
      // stays: HTTP, the JSON body parser, authentication (the context function), and everything the
      // service does (role check, validation, audit, signing, the exchange call).
      const { ApolloServer } = require("@apollo/server");
      const { HeaderMap } = require("@apollo/server");
      const long = (v) => (typeof v === "bigint" ? Number(v) : v);
      ApolloServer.prototype.executeHTTPGraphQLRequest = async function ({ httpGraphQLRequest, context }) {
        const ctx = await context();
        const input = httpGraphQLRequest.body.variables.input;
        const c = await ctx.services.mmp.setMmpConfig(ctx.principal, {
          accountId: input.accountId,
          underlying: input.underlying,
          windowTimeInMilliseconds: input.windowTimeInMilliseconds,
          frozenTimeInMilliseconds: BigInt(input.frozenTimeInMilliseconds),
          qtyLimit: input.qtyLimit,
          deltaLimit: input.deltaLimit,
        });
        const data = {
          setMmpConfig: {
            accountId: c.accountId,
            underlyingId: c.underlyingId,
            underlying: c.underlying,
            windowTimeInMilliseconds: c.windowTimeInMilliseconds,
            frozenTimeInMilliseconds: long(c.frozenTimeInMilliseconds),
            qtyLimit: c.qtyLimit,
            deltaLimit: c.deltaLimit,
            lastTriggerTime: long(c.lastTriggerTime),
          },
        };
        const headers = new HeaderMap([["content-type", "application/json; charset=utf-8"]]);
        return { status: 200, headers, body: { kind: "complete", string: JSON.stringify({ data }) } };
      };
    } else if (layer === "metrics") {
      require(path.join(dist, "observability", "metrics")).GatewayMetrics.prototype.apolloPlugin = () => ({});
    } else if (layer === "ratelimit") {
      require(path.join(dist, "ratelimit", "mutation-rate-limit")).mutationRateLimitPlugin = () => ({});
    } else {
      throw new Error(
        `BENCH_ABLATE: unknown layer ${layer} (axios, exchange, audit, graphql, metrics, ratelimit)`,
      );
    }
  }
}
ablate((process.env.BENCH_ABLATE || "").split(",").filter(Boolean));

// BENCH_TIMINGS=1 (bench/profile/call-timings.js): wall time spent in the stages of a call that wait (the audit
// writes, the exchange call), summed per stage; {type:"timings", action:"reset"|"read"} over IPC.
const timings = new Map();
const STAGES = [];
function addTiming(label, ns) {
  const t = timings.get(label) || { calls: 0, ns: 0n };
  t.calls++;
  t.ns += ns;
  timings.set(label, t);
}
if (process.env.BENCH_TIMINGS === "1") {
  const stage = (proto, method, label) => {
    STAGES.push(label);
    const original = proto[method];
    proto[method] = async function (...args) {
      const started = process.hrtime.bigint();
      try {
        return await original.apply(this, args);
      } finally {
        addTiming(label, process.hrtime.bigint() - started);
      }
    };
  };
  for (const [file, name] of [
    [["store", "sqlite", "sqlite-store"], "SqliteStore"],
    [["store", "postgres", "postgres-store"], "PostgresStore"],
  ]) {
    const proto = require(path.join(dist, ...file))[name].prototype;
    stage(proto, "auditBegin", "audit begin (PENDING record, flushed)");
    stage(proto, "auditComplete", "audit completion");
  }
  // SQLite: the commits made on the event loop (lone writes: every one at c=1), of begins and completions
  // alike; its mean is per batch, a part of both stages above
  const sqliteWriters = require(path.join(dist, "store", "sqlite", "audit-writer"));
  stage(
    sqliteWriters.InlineAuditWriter.prototype,
    "commitBatch",
    "  SQLite commits on the event loop (of both above)",
  );
  const { BinanceClient } = require(path.join(dist, "exchange", "binance", "binance-client"));
  stage(BinanceClient.prototype, "setMmp", "exchange call (setMmp: sign, send, parse)");
  // its private `send`: admission, the HTTP exchange through axios, weight accounting
  stage(BinanceClient.prototype, "send", "  of which send (axios, HTTP, weight)");
  const axios = require("axios");
  stage(axios.Axios.prototype, "request", "    of which axios.request");
  // undici's diagnostics: from the request's headers written to the answer's headers read
  const wire = "      of which on the wire (sent → answer's headers)";
  STAGES.push(wire);
  const dc = require("node:diagnostics_channel");
  const sentAt = new WeakMap();
  dc.subscribe("undici:client:sendHeaders", ({ request }) => sentAt.set(request, process.hrtime.bigint()));
  dc.subscribe("undici:request:headers", ({ request }) => {
    const started = sentAt.get(request);
    if (started !== undefined) addTiming(wire, process.hrtime.bigint() - started);
  });
}
function readTimings(reset) {
  // in the order the stages were declared, so that a nested one follows its parent
  const out = [...timings]
    .map(([stage, t]) => ({ stage, calls: t.calls, meanUs: Number(t.ns / 1000n) / t.calls }))
    .sort((a, b) => STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage));
  if (reset) timings.clear();
  return out;
}

async function main() {
  const databaseUrl = process.env.DATABASE_URL;
  const upstream = process.env.BENCH_UPSTREAM_URL;
  if (!databaseUrl || !upstream) throw new Error("DATABASE_URL and BENCH_UPSTREAM_URL are required");
  const masterKey = randomBytes(32).toString("base64");

  const store = openStore(databaseUrl);
  await store.migrate();
  const admin = new AdminService(store, () => openSealer(store, masterKey));
  await admin.addAccount({
    name: "desk-a",
    apiKey: process.env.BENCH_API_KEY || "benchStubKey",
    keyType: "hmac",
    baseUrl: upstream,
    secret: process.env.BENCH_API_SECRET || "benchStubSecret0123456789",
  });
  const { token } = await admin.addUser("alice", false);
  await admin.addTeam("desk-a");
  await admin.addMember("desk-a", "alice");
  await admin.grant("desk-a", "desk-a", "trader");
  await store.close();

  // The per-user and per-account mutation rate limits (MUTATION_RATE_PER_USER 120/m and
  // MUTATION_RATE_PER_ACCOUNT 300/m by default) would make a throughput benchmark measure the limiter
  // refusing calls. They stay on (their cost per call is measured) with a budget no run can exhaust,
  // unless the environment sets them. Other settings come from the environment's EXCHANGE_* / MUTATION_* / HEAP_GROWTH_PERCENT.
  const env = { MUTATION_RATE_PER_USER: "999999999/s", MUTATION_RATE_PER_ACCOUNT: "999999999/s" };
  for (const [k, v] of Object.entries(process.env))
    if (/^(MUTATION_RATE_|EXCHANGE_|HEAP_GROWTH_PERCENT$)/.test(k) && v) env[k] = v;
  const config = {
    ...loadConfig(env),
    port: 0,
    host: "127.0.0.1",
    databaseUrl,
    masterKey,
    binanceEapiUrl: upstream,
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
      (e) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  process.on("message", (m) => {
    if (m && m.type === "stop") stop();
    else if (m && m.type === "timings")
      process.send({ type: "timings", stages: readTimings(m.action === "reset") });
    else if (m && m.type === "heap-sampling")
      heapSampling(m).then(
        (r) => process.send(r),
        (e) => process.send({ error: String(e) }),
      );
  });
  process.on("disconnect", stop);
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  if (process.send) process.send({ type: "ready", url: gateway.url, token });
  else console.error(JSON.stringify({ url: gateway.url, token }));
}

// V8's sampling heap profiler, driven by bench/profile/alloc-profile.js: {type:"heap-sampling", action:"start"},
// then {action:"stop", file}, which writes the profile (.heapprofile, as Chrome DevTools reads it).
// Objects that minor and major collections freed are kept in it: it shows the allocation rate by site, which is
// what the scavenger's share of the CPU follows.
let inspectorSession;
async function heapSampling({ action, file }) {
  const inspector = require("node:inspector");
  if (!inspectorSession) {
    inspectorSession = new inspector.Session();
    inspectorSession.connect();
  }
  const post = (method, params) =>
    new Promise((resolve, reject) =>
      inspectorSession.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
    );
  if (action === "start") {
    await post("HeapProfiler.startSampling", {
      samplingInterval: 1024,
      includeObjectsCollectedByMinorGC: true,
      includeObjectsCollectedByMajorGC: true,
    });
    return { type: "heap-sampling", started: true };
  }
  const { profile } = await post("HeapProfiler.stopSampling", {});
  require("node:fs").writeFileSync(file, JSON.stringify(profile));
  return { type: "heap-sampling", file };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
