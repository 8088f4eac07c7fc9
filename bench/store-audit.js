/* eslint-disable */
// Cost of the audit protocol's two writes (auditBegin + auditComplete) per call, straight on the built
// stores (dist/store), with nothing else around: SQLite on the work disk (audit writes committed on the
// store's own connection, "inline", and by its worker thread, "thread"; see SqliteStoreOptions), SQLite
// on tmpfs (fsync free), PostgreSQL (and with synchronous_commit=off for the whole session). Sequential, then 32
// calls at a time. Wall time per pair, CPU time of this process (all threads) per pair, and for the 32
// at a time the longest the event loop was blocked (better-sqlite3 is synchronous: whatever runs on the
// main thread's connection blocks it, serving nobody).
// Usage: node bench/store-audit.js [pairs=400]   (BENCH_PG_URL as in bench/run.js)
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { randomBytes } = require("node:crypto");
// BENCH_DIST: another build of the gateway; default the repository's dist/
const dist = path.resolve(__dirname, "..", process.env.BENCH_DIST || "dist");
const { openStore } = require(path.join(dist, "store", "open-store"));
const { SqliteStore } = require(path.join(dist, "store", "sqlite", "sqlite-store"));
const { monitorEventLoopDelay } = require("node:perf_hooks");
const { pgSchema } = require("./lib/pg-schema");

const PAIRS = Number(process.argv[2] || 400);
const PG_URL = process.env.BENCH_PG_URL || "postgres://postgres@127.0.0.1:5432/test";

async function pairs(store, actorId, n, concurrency) {
  const one = async () => {
    const id = await store.auditBegin({
      actorId,
      accountId: "desk-a",
      action: "SET_MMP",
      input:
        '{"accountId":"desk-a","underlying":"BTCUSDT","windowTimeInMilliseconds":3000,"frozenTimeInMilliseconds":"300000","qtyLimit":"2","deltaLimit":"2.3"}',
      previous: null,
    });
    await store.auditComplete(id, { outcome: "SUCCEEDED", durationMs: 1, result: '{"underlyingId":2}' });
  };
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await one();
    }
  };
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  return {
    usPerPair: (1000 * ms) / n,
    cpuUsPerPair: (cpu.user + cpu.system) / n,
    pairsPerSec: (1000 * n) / ms,
    maxLoopDelayMs: loop.max / 1e6,
  };
}

async function measure(label, url, open = openStore) {
  const store = open(url);
  try {
    await store.migrate();
    const user = await store.addUser(`bench${randomBytes(3).toString("hex")}`, false);
    await pairs(store, user.id, 50, 1); // warm-up
    const seq = await pairs(store, user.id, PAIRS, 1);
    const par = await pairs(store, user.id, PAIRS, 32);
    console.log(
      `${label.padEnd(34)} sequential ${seq.usPerPair.toFixed(0).padStart(6)} µs/pair (CPU ${seq.cpuUsPerPair.toFixed(0).padStart(5)} µs)` +
        `   32 at a time ${par.pairsPerSec.toFixed(0).padStart(6)} pairs/s (CPU ${par.cpuUsPerPair.toFixed(0).padStart(5)} µs/pair,` +
        ` event loop blocked up to ${par.maxLoopDelayMs.toFixed(1).padStart(5)} ms)`,
    );
  } catch (e) {
    console.log(`${label.padEnd(34)} failed: ${e.message}`);
  } finally {
    await store.close();
  }
}

async function main() {
  console.log(
    `audit writes per call (auditBegin + auditComplete), ${PAIRS} pairs per case, node ${process.version}`,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmp-bench-audit-"));
  for (const mode of ["inline", "thread"]) {
    await measure(
      `sqlite, work disk, ${mode}`,
      path.join(dir, `${mode}.sqlite`),
      (file) => new SqliteStore(file, { auditWrites: mode }),
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
  if (fs.existsSync("/dev/shm")) {
    const shm = fs.mkdtempSync("/dev/shm/mmp-bench-audit-");
    await measure(
      "sqlite, tmpfs (fsync free), inline",
      path.join(shm, "a.sqlite"),
      (file) => new SqliteStore(file, { auditWrites: "inline" }),
    );
    fs.rmSync(shm, { recursive: true, force: true });
  }
  for (const [label, extra] of [
    ["postgres", ""],
    ["postgres, synchronous_commit=off", " -c synchronous_commit=off"],
  ]) {
    let s;
    try {
      s = await pgSchema(PG_URL, "mmp_bench_audit", extra);
    } catch (e) {
      console.log(`${label.padEnd(34)} skipped: ${e.message}`);
      continue;
    }
    try {
      await measure(label, s.url);
    } finally {
      await s.drop().catch(() => undefined);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
