/* eslint-disable */
// The reference for the gateway benchmark: the least a process can do for the same job with bare node
// http. It reads the same JSON request body the gateway gets ({query, variables}; only
// variables.input is used), builds the same form body Binance wants, adds recvWindow and timestamp,
// signs it with HMAC-SHA256, forwards it over a keep-alive http.Agent to the upstream's
// POST /eapi/v1/mmpSet and answers the same JSON shape: {"data":{"setMmpConfig":{...}}}.
// No authentication, authorisation, validation, audit, clock sync or weight tracking: the difference
// to the gateway is the cost of those (and of express, Apollo and type-graphql).
//
// Environment: BENCH_UPSTREAM_URL, BENCH_API_KEY, BENCH_API_SECRET. fork() it: sends {type:"ready",url}.
"use strict";
const http = require("node:http");
const { createHmac } = require("node:crypto");

function startReferenceProxy({ upstreamUrl, apiKey, secret, host = "127.0.0.1", port = 0 }) {
  const up = new URL(upstreamUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 64, scheduling: "lifo" });
  const enc = encodeURIComponent;

  function answer(res, status, obj) {
    const body = JSON.stringify(obj);
    res.writeHead(status, {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": Buffer.byteLength(body),
    });
    res.end(body);
  }
  const fail = (res, status, code, message) =>
    answer(res, status, { errors: [{ message, extensions: { code } }] });

  const server = http.createServer((req, res) => {
    if (req.method !== "POST" || req.url !== "/graphql") return fail(res, 404, "NOT_FOUND", "not found");
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      let input;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString("utf8")).variables.input;
        if (typeof input !== "object" || input === null) throw new Error("no input");
      } catch {
        return fail(res, 400, "BAD_REQUEST", "expected {query, variables: {input}}");
      }
      const form =
        `underlying=${enc(input.underlying)}&windowTimeInMilliseconds=${enc(input.windowTimeInMilliseconds)}` +
        `&frozenTimeInMilliseconds=${enc(input.frozenTimeInMilliseconds)}&qtyLimit=${enc(input.qtyLimit)}` +
        `&deltaLimit=${enc(input.deltaLimit)}&recvWindow=5000&timestamp=${Date.now()}`;
      const payload = `${form}&signature=${createHmac("sha256", secret).update(form).digest("hex")}`;
      const ureq = http.request(
        {
          agent,
          host: up.hostname,
          port: up.port,
          method: "POST",
          path: "/eapi/v1/mmpSet",
          headers: {
            "X-MBX-APIKEY": apiKey,
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": Buffer.byteLength(payload),
          },
        },
        (ures) => {
          const uchunks = [];
          ures.on("data", (c) => uchunks.push(c));
          ures.on("end", () => {
            const text = Buffer.concat(uchunks).toString("utf8");
            if (ures.statusCode !== 200) {
              return fail(
                res,
                200,
                "EXCHANGE_REJECTED",
                `upstream HTTP ${ures.statusCode}: ${text.slice(0, 200)}`,
              );
            }
            let r;
            try {
              r = JSON.parse(text);
            } catch {
              return fail(res, 200, "EXCHANGE_UNAVAILABLE", "upstream answer is not JSON");
            }
            answer(res, 200, {
              data: {
                setMmpConfig: {
                  accountId: input.accountId,
                  underlyingId: r.underlyingId,
                  underlying: r.underlying,
                  windowTimeInMilliseconds: r.windowTimeInMilliseconds,
                  frozenTimeInMilliseconds: r.frozenTimeInMilliseconds,
                  qtyLimit: r.qtyLimit,
                  deltaLimit: r.deltaLimit,
                  lastTriggerTime: r.lastTriggerTime,
                },
              },
            });
          });
          ures.on("error", () => fail(res, 200, "EXCHANGE_UNAVAILABLE", "upstream answer lost"));
        },
      );
      ureq.on("error", (e) => fail(res, 200, "EXCHANGE_UNAVAILABLE", `upstream: ${e.message}`));
      ureq.end(payload);
    });
  });
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const a = server.address();
      resolve({ server, agent, url: `http://${a.address}:${a.port}` });
    });
  });
}

module.exports = { startReferenceProxy };

if (require.main === module) {
  const upstreamUrl = process.env.BENCH_UPSTREAM_URL;
  if (!upstreamUrl) {
    console.error("BENCH_UPSTREAM_URL is required");
    process.exit(2);
  }
  startReferenceProxy({
    upstreamUrl,
    apiKey: process.env.BENCH_API_KEY || "benchStubKey",
    secret: process.env.BENCH_API_SECRET || "benchStubSecret0123456789",
    port: Number(process.env.PORT || 0),
  }).then(({ server, agent, url }) => {
    if (process.send) process.send({ type: "ready", url });
    else console.log(url);
    const stop = () => {
      agent.destroy();
      server.closeAllConnections();
      server.close(() => process.exit(0));
    };
    process.on("message", (m) => m && m.type === "stop" && stop());
    process.on("disconnect", stop);
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}
