/* eslint-disable */
// What the benchmark scripts share (ab.js, profile/alloc-profile.js, profile/call-timings.js,
// profile/instructions.js; run.js for the request): starting the benchmark's servers as child processes,
// talking to them over IPC, and loading a target with the benchmark request.
"use strict";
const { fork } = require("node:child_process");
const path = require("node:path");
const autocannon = require("autocannon");
const { BODY, okBody } = require("./request");

/**
 * Forks bench/lib/<script> (a file beside this one) with `env` added; resolves with its "ready" message and
 * `child` once it sends it.
 * `execPath`: a program to run node under (e.g. valgrind, with node and its options as `execArgv`).
 */
function start(script, env = {}, execArgv = [], execPath = undefined) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, script), [], {
      env: { ...process.env, ...env },
      execArgv,
      ...(execPath ? { execPath } : {}),
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    child.once("message", (m) => resolve({ child, ...m }));
    child.once("exit", (code) => reject(new Error(`${script} exited (${code})`)));
  });
}

/** Sends a message to a child and resolves with its next message. */
function ask(child, message) {
  return new Promise((resolve) => {
    child.once("message", resolve);
    child.send(message);
  });
}

/**
 * Loads `target` ({url, token}) with the benchmark request at `connections` for `seconds`. An answer
 * counts only if it is exactly the expected one. Resolves with autocannon's result and the duration of
 * every good answer in ms, sorted (autocannon's own latency figures are whole milliseconds).
 */
function load(target, connections, seconds) {
  return new Promise((resolve, reject) => {
    const durations = [];
    const instance = autocannon({ ...benchRequest(target), connections, duration: seconds }, (err, res) =>
      err ? reject(err) : resolve({ res, durations: durations.sort((a, b) => a - b) }),
    );
    instance.on("response", (_client, status, _bytes, ms) => status === 200 && durations.push(ms));
  });
}

/** autocannon's options for the benchmark request to `target` ({url, token}); good answers only */
function benchRequest(target) {
  return {
    url: `${target.url}/graphql`,
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
    },
    body: BODY,
    verifyBody: okBody,
  };
}

module.exports = { start, ask, load, benchRequest };
