/* eslint-disable */
// A fresh PostgreSQL schema for one benchmark target, shared by run.js, ab.js and store-audit.js.
"use strict";
const { randomBytes } = require("node:crypto");

async function connect(baseUrl) {
  const { Client } = require("pg");
  const c = new Client({ connectionString: baseUrl, connectionTimeoutMillis: 3000 });
  await c.connect();
  return c;
}

/**
 * Creates a schema named `<prefix>_<random>` on the database `baseUrl` names; answers {url, drop()}: `url`
 * selects the schema (search_path, plus `extraOptions`, e.g. " -c synchronous_commit=off"), `drop()`
 * removes it with everything in it.
 */
async function pgSchema(baseUrl, prefix, extraOptions = "") {
  const schema = `${prefix.replace(/[^A-Za-z0-9]/g, "_")}_${randomBytes(4).toString("hex")}`;
  const c = await connect(baseUrl);
  await c.query(`CREATE SCHEMA ${schema}`);
  await c.end();
  const sep = baseUrl.includes("?") ? "&" : "?";
  return {
    url: `${baseUrl}${sep}options=${encodeURIComponent(`-c search_path=${schema}${extraOptions}`)}`,
    drop: async () => {
      const d = await connect(baseUrl);
      await d.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
      await d.end();
    },
  };
}

module.exports = { connect, pgSchema };
