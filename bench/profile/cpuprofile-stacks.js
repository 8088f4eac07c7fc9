/* eslint-disable */
// Groups a .cpuprofile's busy time by the layer a sample's call stack passes through (the first group in
// the list below that any frame of the stack matches), e.g. "how much of the CPU is under the exchange
// client, axios included?". Self-time summaries (cpuprofile-summary.js) scatter such a layer over many
// functions of node core and packages.
//
// The whole profile is read, start-up included (module compilation shows as `wrapSafe`); run.js's own
// summary keeps the measured window only.
//
// Usage: node bench/profile/cpuprofile-stacks.js <file.cpuprofile> [frame-regexp]
//   with a frame regexp: only the samples whose stack matches it, by leaf function (self time within it)
"use strict";
const fs = require("node:fs");

const GROUPS = [
  ["audit writes (SQLite)", /audit-writer|better-sqlite3/],
  ["exchange client (incl. axios, http agent)", /exchange\/binance|axios|_http_agent|_http_client/],
  ["mmp service", /dist\/mmp\//],
  ["authentication", /dist\/auth|graphql-context/],
  ["mutation rate limit", /ratelimit/],
  ["type-graphql", /type-graphql/],
  ["graphql-js", /node_modules\/graphql\//],
  ["Apollo Server", /@apollo\/server/],
  ["body-parser", /body-parser|raw-body/],
  ["gateway http layer", /dist\/http/],
  ["metrics", /prom-client|observability/],
];

function stacks(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const frames = (id) => {
    const out = [];
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur).callFrame;
      const url = f.url.includes("node_modules/")
        ? f.url.replace(/^.*node_modules\//, "node_modules/")
        : f.url.replace(/^.*\/dist\//, "dist/");
      out.push(`${url} ${f.functionName}`);
    }
    return out;
  };
  const out = [];
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    const leaf = byId.get(id).callFrame.functionName;
    if (leaf === "(idle)") continue;
    out.push({ leaf, frames: frames(id), us: profile.timeDeltas[i + 1] ?? 0 });
  }
  return out;
}

function main() {
  const [file, filter] = process.argv.slice(2);
  if (!file) {
    console.error("usage: node bench/profile/cpuprofile-stacks.js <file.cpuprofile> [frame-regexp]");
    process.exit(2);
  }
  const samples = stacks(JSON.parse(fs.readFileSync(file, "utf8")));
  const busy = samples.reduce((s, x) => s + x.us, 0);
  const totals = new Map();
  const add = (k, us) => totals.set(k, (totals.get(k) || 0) + us);
  if (filter) {
    const re = new RegExp(filter);
    let within = 0;
    for (const s of samples)
      if (s.frames.some((f) => re.test(f))) {
        within += s.us;
        add(s.frames[0], s.us);
      }
    console.log(`samples under /${filter}/: ${((100 * within) / busy).toFixed(1)}% of busy time; by leaf:`);
  } else {
    for (const s of samples) {
      if (s.leaf === "(garbage collector)") add("garbage collector", s.us);
      else
        add(
          (GROUPS.find(([, re]) => s.frames.some((f) => re.test(f))) || ["other (node core, V8)"])[0],
          s.us,
        );
    }
    console.log(`busy time ${(busy / 1000).toFixed(0)} ms, by the layer on the stack:`);
  }
  for (const [k, us] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 30))
    console.log(`${((100 * us) / busy).toFixed(1).padStart(6)}%  ${k}`);
}

main();
