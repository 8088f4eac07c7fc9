/* eslint-disable */
// Reads a callgrind dump of a node process (bench/profile/instructions.js with BENCH_INSTR_NODE_ARGS=--perf-basic-prof)
// and names the JIT-compiled JavaScript functions from node's /tmp/perf-<pid>.map, which callgrind only
// knows by address. Prints the functions with the most instructions of their own (self), and for the
// V8 builtins that signal slow paths (megamorphic property access, string lower-casing, generic
// property lookup) the functions that called them: a deterministic profile, where a sampling profile
// on this VM moves by several percent between runs.
//
// Usage: node bench/profile/callgrind-js.js <instructions.js work dir | callgrind dump> [top=30]
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const arg = process.argv[2];
const TOP = Number(process.argv[3] || 30);
if (!arg) {
  console.error("usage: node bench/profile/callgrind-js.js <dir or dump> [top]");
  process.exit(2);
}

function largestDump(dir) {
  const dumps = fs.readdirSync(dir).filter((f) => /^cg\.\d+\.\d+$/.test(f));
  if (dumps.length === 0) throw new Error(`no callgrind dump (cg.<pid>.<n>) in ${dir}`);
  return dumps.map((f) => path.join(dir, f)).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
}

const dump = fs.statSync(arg).isDirectory() ? largestDump(arg) : arg;
const pid = /cg\.(\d+)\.\d+$/.exec(dump)?.[1];

// perf map lines: "<start hex> <size hex> <name>"
const symbols = [];
const mapFile = `/tmp/perf-${pid}.map`;
if (fs.existsSync(mapFile)) {
  for (const line of fs.readFileSync(mapFile, "utf8").split("\n")) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (m) symbols.push([parseInt(m[1], 16), parseInt(m[2], 16), m[3]]);
  }
  symbols.sort((a, b) => a[0] - b[0]);
} else {
  console.log(`(no ${mapFile}: JIT-compiled functions stay addresses; run with --perf-basic-prof)`);
}

function resolve(name) {
  const m = /^0x([0-9a-f]+)$/.exec(name);
  if (!m || symbols.length === 0) return name;
  const a = parseInt(m[1], 16);
  let lo = 0;
  let hi = symbols.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (symbols[mid][0] <= a) lo = mid;
    else hi = mid - 1;
  }
  const [start, size, sym] = symbols[lo];
  return start <= a && a < start + size ? `JS ${sym.replace(/^JS:/, "")}` : name;
}

// callgrind's format: "fn=(id) name" (later "fn=(id)"), "cfn=" for a call's target, "calls=" followed by
// one line with the call's inclusive cost; other "<position> <Ir>" lines are the current fn's own cost.
const names = new Map();
const named = (token) => {
  const m = /^\((\d+)\)(?: (.*))?$/.exec(token);
  if (!m) return resolve(token);
  if (m[2] !== undefined) names.set(m[1], resolve(m[2]));
  return names.get(m[1]);
};
const self = new Map();
const callers = new Map();
let fn;
let cfn;
let afterCalls = false;
let total = 0;
for (const line of fs.readFileSync(dump, "utf8").split("\n")) {
  if (line.startsWith("fn=")) {
    fn = named(line.slice(3));
    afterCalls = false;
  } else if (line.startsWith("cfn=")) cfn = named(line.slice(4));
  else if (line.startsWith("calls=")) afterCalls = true;
  else if (/^[0-9+\-*]/.test(line)) {
    const cost = Number(line.split(" ")[1]);
    if (!Number.isFinite(cost)) continue;
    if (afterCalls) {
      const c = callers.get(cfn) ?? new Map();
      c.set(fn, (c.get(fn) ?? 0) + cost);
      callers.set(cfn, c);
      afterCalls = false;
    } else {
      self.set(fn, (self.get(fn) ?? 0) + cost);
      total += cost;
    }
  }
}

const pct = (n) => `${((100 * n) / total).toFixed(2).padStart(6)}%`;
const short = (s) => (s.length > 120 ? s.slice(0, 117) + "..." : s);
const top = (m, n) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);

console.log(`${dump}: ${(total / 1e6).toFixed(1)} M instructions`);
const jsSelf = [...self.entries()].filter(([k]) => k.startsWith("JS ")).reduce((a, [, v]) => a + v, 0);
console.log(`JIT-compiled JavaScript, own instructions: ${pct(jsSelf)}\n\nTop ${TOP} by own instructions:`);
for (const [name, cost] of top(self, TOP)) console.log(`${pct(cost)}  ${short(name)}`);

// A trampoline's callers are the JavaScript sites; look through it.
const callersOf = (target, depth = 0) => {
  const direct = callers.get(target) ?? new Map();
  const out = new Map();
  for (const [caller, cost] of direct) {
    if (depth < 2 && /Trampoline|Baseline$/.test(caller)) {
      for (const [c2, cost2] of callersOf(caller, depth + 1)) out.set(c2, (out.get(c2) ?? 0) + cost2);
    } else out.set(caller, (out.get(caller) ?? 0) + cost);
  }
  return out;
};
for (const target of [
  "Builtins_KeyedLoadIC_Megamorphic",
  "Builtins_KeyedStoreIC_Megamorphic",
  "Builtins_LoadIC_Megamorphic",
  "Builtins_StringToLowerCaseIntl",
  "Builtins_GetProperty",
]) {
  const c = callersOf(target);
  if (c.size === 0) continue;
  console.log(`\nCalls into ${target} (inclusive), by caller:`);
  for (const [name, cost] of top(c, 8)) console.log(`${pct(cost)}  ${short(name)}`);
}
