/* eslint-disable */
// How long a durable write takes on this machine's disk, and how that depends on what came before it.
//
//   node bench/disk-flush.js [directory=os.tmpdir()] [writes per row=1500]
//
// The gateway flushes the PENDING audit record to disk before it sends anything to the exchange (SQLite
// synchronous=FULL, or PostgreSQL's WAL flush at commit), so at one call at a time every call waits for
// one flush, and the added latency at c=1 cannot be smaller than that flush. This writes 4 KiB into a
// preallocated file (no metadata change, as a SQLite WAL frame overwriting a recycled WAL) and
// fdatasyncs it, back to back and after the thread slept for a short gap first (Atomics.wait, so that
// the CPU really idles, as the gateway does between calls at c=1 while it waits for the next request or
// for the exchange's answer).
//
// On the 2-core Firecracker VMs the figures in docs/performance.md came from, a flush is fast when the disk is
// kept busy (p50 25-45 µs back to back) and slower after any idle spell, by an amount that changed from
// hour to hour: 0.05-0.43 ms after 0.2 ms, 0.1-0.95 ms after 1 ms. Part of it is waking idle virtual
// CPUs (in one test, two spinning processes keeping both busy brought the after-idle figure to ~0.17 ms),
// part the VM's I/O path. On local NVMe hardware a flush is tens of microseconds whatever came before.
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const DEFAULT_GAPS_MS = [0, 0.05, 0.2, 0.5, 1];
/** the short measurement the other benchmarks print in their reports (a few seconds) */
const QUICK = { gapsMs: [0, 0.2, 1], writes: 500 };

/**
 * p50/p90 in µs of a 4 KiB write + fdatasync in `dir`, for each idle gap before it (ms; 0 = back to back).
 * Synchronous and short (about writes x (gap + flush) per row).
 */
function measureFlush(dir = os.tmpdir(), { gapsMs = DEFAULT_GAPS_MS, writes = 1500 } = {}) {
  const file = path.join(dir, `mmp-flush-${process.pid}-${Date.now()}.bin`);
  const fd = fs.openSync(file, "w+");
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const block = Buffer.alloc(4096, 0x5a);
  const slots = 64;
  try {
    for (let i = 0; i < slots; i++) fs.writeSync(fd, block, 0, block.length, i * block.length);
    fs.fsyncSync(fd);
    return gapsMs.map((gapMs) => {
      const us = [];
      for (let i = 0; i < writes; i++) {
        if (gapMs > 0) Atomics.wait(sleeper, 0, 0, gapMs);
        const started = process.hrtime.bigint();
        fs.writeSync(fd, block, 0, block.length, (i % slots) * block.length);
        fs.fdatasyncSync(fd);
        us.push(Number(process.hrtime.bigint() - started) / 1000);
      }
      us.sort((a, b) => a - b);
      return { gapMs, p50Us: us[us.length >> 1], p90Us: us[Math.floor(us.length * 0.9)] };
    });
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
}

const label = (r) => (r.gapMs === 0 ? "back to back" : `after ${r.gapMs} ms idle`);

/** one line for a report: "back to back p50 38 µs (p90 42); after 1 ms idle p50 790 µs (p90 1300); …" */
function describeFlush(rows) {
  return rows.map((r) => `${label(r)} p50 ${r.p50Us.toFixed(0)} µs (p90 ${r.p90Us.toFixed(0)})`).join("; ");
}

module.exports = { measureFlush, describeFlush, QUICK };

if (require.main === module) {
  const dir = process.argv[2] || os.tmpdir();
  const writes = Number(process.argv[3] || 1500);
  console.log(`4 KiB write + fdatasync in ${dir}, ${writes} per row:`);
  for (const r of measureFlush(dir, { writes })) {
    console.log(
      `  ${label(r).padEnd(20)} p50 ${r.p50Us.toFixed(0).padStart(5)} µs   p90 ${r.p90Us.toFixed(0).padStart(5)} µs`,
    );
  }
}
