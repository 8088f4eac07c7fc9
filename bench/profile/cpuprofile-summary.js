/* eslint-disable */
// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time aggregated by function + script, by
// script file and by package / gateway folder, plus inclusive (total) time of the gateway's own and its
// libraries' frames. Sample i lasts timeDeltas[i+1] (as Chrome DevTools counts it).
// Usage: node bench/profile/cpuprofile-summary.js <file.cpuprofile> [top=25]
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");

function shortUrl(url) {
  if (!url) return "";
  let u = url.startsWith("file://") ? decodeURIComponent(url.slice(7)) : url;
  if (u.startsWith(ROOT + "/")) u = u.slice(ROOT.length + 1);
  // A gateway build elsewhere (BENCH_DIST) reads as dist/… too; packages as node_modules/…
  const nm = u.lastIndexOf("/node_modules/");
  if (nm >= 0) return u.slice(nm + 1);
  const d = u.lastIndexOf("/dist/");
  if (u.startsWith("/") && d >= 0) return u.slice(d + 1);
  return u;
}

/** which package or gateway folder a script belongs to */
function areaOf(url, functionName) {
  const u = shortUrl(url);
  if (!u) return functionName.startsWith("(") ? functionName : "(native / V8 builtins)";
  const nm = u.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = u.slice(nm + "node_modules/".length).split("/");
    return "npm " + (rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]);
  }
  if (u.startsWith("node:"))
    return (
      "node core (" +
      u
        .split("/")
        .slice(0, 2)
        .join("/")
        .replace(/^node:internal\//, "internal/") +
      ")"
    );
  if (u.startsWith("dist/")) {
    const parts = u.split("/");
    return "gateway " + (parts.length > 2 ? `src/${parts[1]}` : `src/${parts[1]}`);
  }
  if (u.startsWith("bench/")) return "bench harness";
  return u;
}

function summarise(profile, top = 25) {
  const nodes = new Map();
  const parent = new Map();
  for (const n of profile.nodes) {
    nodes.set(n.id, n);
    for (const c of n.children || []) parent.set(c, n.id);
  }
  const { samples, timeDeltas } = profile;
  const selfByNode = new Map();
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const dt = i + 1 < timeDeltas.length ? Math.max(0, timeDeltas[i + 1]) : 0;
    selfByNode.set(samples[i], (selfByNode.get(samples[i]) || 0) + dt);
    total += dt;
  }
  const fnKey = (cf) => {
    const name = cf.functionName || "(anonymous)";
    const u = shortUrl(cf.url);
    return u ? `${name}  ${u}:${cf.lineNumber + 1}` : name;
  };
  const byFn = new Map();
  const byFile = new Map();
  const byArea = new Map();
  let idle = 0;
  for (const [id, us] of selfByNode) {
    const cf = nodes.get(id).callFrame;
    if (cf.functionName === "(idle)") idle += us;
    add(byFn, fnKey(cf), us);
    add(
      byFile,
      shortUrl(cf.url) || (cf.functionName.startsWith("(") ? cf.functionName : "(native / V8 builtins)"),
      us,
    );
    add(byArea, areaOf(cf.url, cf.functionName), us);
  }
  // Inclusive time per function key, counting a key once per sample even under recursion.
  const incl = new Map();
  const memo = new Map();
  const keysUp = (id) => {
    let ks = memo.get(id);
    if (ks) return ks;
    const set = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = nodes.get(cur).callFrame;
      if (cf.url && !cf.url.startsWith("node:")) set.add(fnKey(cf));
    }
    ks = [...set];
    memo.set(id, ks);
    return ks;
  };
  for (const [id, us] of selfByNode) for (const k of keysUp(id)) add(incl, k, us);

  const busy = total - idle;
  const lines = [];
  const ms = (us) => (us / 1000).toFixed(1).padStart(9);
  const pct = (us, of) => ((100 * us) / (of || 1)).toFixed(1).padStart(5) + "%";
  lines.push(
    `profile: ${(total / 1e6).toFixed(2)} s sampled, ${samples.length} samples; busy (not idle) ${(busy / 1e6).toFixed(2)} s ` +
      `(${pct(busy, total).trim()})`,
  );
  const table = (title, map, n, of) => {
    lines.push("", title, `  ${"self ms".padStart(9)} ${"% busy".padStart(6)}  name`);
    for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n))
      lines.push(`  ${ms(us)} ${pct(us, of)}  ${k}`);
  };
  table(`Top ${top} functions by self time (function  file:line)`, withoutIdle(byFn), top, busy);
  table("Self time by package / gateway folder", withoutIdle(byArea), 20, busy);
  table("Top 20 script files by self time", withoutIdle(byFile), 20, busy);
  const gw = new Map([...incl].filter(([k]) => k.includes(" dist/")));
  lines.push("");
  lines.push(
    "Inclusive (total) time of the gateway's own functions, top 20 (self + everything they call synchronously)",
  );
  lines.push(`  ${"total ms".padStart(9)} ${"% busy".padStart(6)}  name`);
  for (const [k, us] of [...gw].sort((a, b) => b[1] - a[1]).slice(0, 20))
    lines.push(`  ${ms(us)} ${pct(us, busy)}  ${k}`);
  return { text: lines.join("\n"), total, busy, byFn, byArea };
}

function withoutIdle(map) {
  return new Map([...map].filter(([k]) => k !== "(idle)"));
}

function add(map, k, v) {
  map.set(k, (map.get(k) || 0) + v);
}

module.exports = { summarise };

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: node bench/profile/cpuprofile-summary.js <file.cpuprofile> [top=25]");
    process.exit(2);
  }
  const profile = JSON.parse(fs.readFileSync(file, "utf8"));
  console.log(summarise(profile, Number(process.argv[3] || 25)).text);
}
