/**
 * Fixtures for the operations tests (Redis, metrics, replicas): a seeded database, the simulator,
 * in-process gateways with a chosen configuration and a captured structured log, gateway processes
 * (`node dist/cli/main.js serve`), a throw-away Redis key prefix, and a TCP proxy to cut Redis off.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import Redis from "ioredis";
import { startGateway, type Gateway } from "../../src/app";
import { AdminService } from "../../src/admin/admin.service";
import { seedDemo, type DemoSeed } from "../../src/cli/demo";
import { loadConfig, type Config } from "../../src/config";
import { createLogger } from "../../src/observability/logger";
import { openSealer } from "../../src/secrets";
import { ExchangeSimulator } from "../../src/simulator";
import { openStore } from "../../src/store/open-store";
import type { Store } from "../../src/store/port";
import { postgresTarget } from "./store";

export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export const CLI = resolve(__dirname, "../../dist/cli/main.js");

export const SET_MMP = `mutation Set($input: SetMmpConfigInput!) {
  setMmpConfig(input: $input) { accountId underlying qtyLimit deltaLimit }
}`;

export { mmpInput } from "./harness";

export interface GqlAnswer {
  status: number;
  requestId: string | null;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
}

export async function gql(
  url: string,
  token: string | undefined,
  query: string,
  variables?: Record<string, unknown>,
  extraHeaders: Record<string, string> = {},
): Promise<GqlAnswer> {
  const headers: Record<string, string> = { "content-type": "application/json", ...extraHeaders };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: res.status,
    requestId: res.headers.get("x-request-id"),
    body: (await res.json()) as GqlAnswer["body"],
  };
}

/** A random prefix per test, so tests sharing the Redis server never see each other's keys. */
export function redisPrefix(): string {
  return `mmpgw-test-${randomBytes(6).toString("hex")}:`;
}

/** Deletes every key under `prefix`. */
export async function dropRedisKeys(prefix: string): Promise<void> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== "0");
  } finally {
    r.disconnect();
  }
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 3000,
  everyMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Structured log lines, parsed. */
export class LogCapture {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim() === "") continue;
        this.raw.push(line);
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });

  matching(msg: RegExp): Record<string, unknown>[] {
    return this.lines.filter((l) => typeof l.msg === "string" && msg.test(l.msg));
  }
}

export interface SeededDatabase {
  databaseUrl: string;
  masterKey: string;
  seed: DemoSeed;
  admin: AdminService;
  store: Store;
  close(): Promise<void>;
}

/** A fresh SQLite database seeded like the demo, against `sim`. */
export async function seededSqlite(sim: ExchangeSimulator, simUrl: string): Promise<SeededDatabase> {
  const dir = mkdtempSync(join(tmpdir(), "mmp-ops-"));
  const databaseUrl = `sqlite:${join(dir, "gateway.sqlite")}`;
  const db = await seeded(databaseUrl, sim, simUrl);
  return {
    ...db,
    close: async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Seeds the database at `databaseUrl` (already empty) like the demo. */
export async function seeded(
  databaseUrl: string,
  sim: ExchangeSimulator,
  simUrl: string,
): Promise<SeededDatabase> {
  const masterKey = randomBytes(32).toString("base64");
  const store = openStore(databaseUrl);
  await store.migrate();
  const admin = new AdminService(store, () => openSealer(store, masterKey));
  const seed = await seedDemo(admin, sim, simUrl);
  return { databaseUrl, masterKey, seed, admin, store, close: () => store.close() };
}

export interface InProcessGateway {
  gateway: Gateway;
  url: string;
  logs: LogCapture;
  stop(): Promise<void>;
}

export async function startInProcess(
  db: SeededDatabase,
  simUrl: string,
  overrides: Partial<Config> = {},
): Promise<InProcessGateway> {
  const logs = new LogCapture();
  const loaded = loadConfig({});
  const config: Config = {
    ...loaded,
    // No poller and no cached reads unless a test asks: most suites count exchange calls exactly.
    live: { ...loaded.live, pollIntervalMs: 0, readMaxAgeMs: 0 },
    port: 0,
    databaseUrl: db.databaseUrl,
    masterKey: db.masterKey,
    binanceEapiUrl: simUrl,
    logLevel: "debug",
    ...overrides,
  };
  const gateway = await startGateway({ config, logger: createLogger(config.logLevel, logs.stream) });
  return { gateway, url: gateway.url, logs, stop: () => gateway.stop() };
}

export interface GatewayProcess {
  url: string;
  child: ChildProcessWithoutNullStreams;
  stdout: string[];
  stderr: string[];
  /** resolves with the exit code */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `mmp-gateway serve` as operators run it, from dist/ (npm test builds first). */
export async function spawnServe(env: NodeJS.ProcessEnv): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [CLI, "serve"], {
    env: { PATH: process.env.PATH, PORT: "0", LOG_LEVEL: "info", ...env },
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr.join("")}`)), 20_000);
    child.stdout.on("data", (d: Buffer) => {
      const text = d.toString();
      stdout.push(text);
      out += text;
      const m = /listening on (http:\/\/\S+)\/graphql/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    });
    child.stderr.on("data", (d: Buffer) => stderr.push(d.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited ${code}: ${stderr.join("")}`));
    });
  });
  return {
    url,
    child,
    stdout,
    stderr,
    exited,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A TCP proxy in front of Redis that a test can cut (as a network partition or a Redis restart). */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetPort = Number(new URL(REDIS_URL).port || 6379),
    private readonly targetHost = new URL(REDIS_URL).hostname,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((r) => server.listen(this.port, "127.0.0.1", () => r()));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Refuses new connections and cuts the open ones. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}

/**
 * What the multi-process end-to-end tests share: the simulator, a seeded PostgreSQL schema, a Redis key
 * prefix of their own, and the environment `mmp-gateway serve` needs for them; `stop()` kills every
 * process started through `serve()` and removes it all.
 */
export interface PostgresDeployment {
  sim: ExchangeSimulator;
  simUrl: string;
  db: SeededDatabase;
  prefix: string;
  /** DATABASE_URL, GATEWAY_MASTER_KEY, BINANCE_EAPI_URL, REDIS_URL, REDIS_KEY_PREFIX, LOG_LEVEL */
  env: NodeJS.ProcessEnv;
  serve(extra?: NodeJS.ProcessEnv): Promise<GatewayProcess>;
  stop(): Promise<void>;
}

export async function startPostgresDeployment(): Promise<PostgresDeployment> {
  const sim = new ExchangeSimulator();
  const simUrl = await sim.start();
  const pg = postgresTarget();
  const { location } = await pg.fresh();
  const db = await seeded(location, sim, simUrl);
  const prefix = redisPrefix();
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: location,
    GATEWAY_MASTER_KEY: db.masterKey,
    BINANCE_EAPI_URL: simUrl,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    LOG_LEVEL: "info",
  };
  const running: GatewayProcess[] = [];
  return {
    sim,
    simUrl,
    db,
    prefix,
    env,
    async serve(extra = {}) {
      const p = await spawnServe({ ...env, ...extra });
      running.push(p);
      return p;
    },
    async stop() {
      await Promise.all(running.map((p) => p.stop("SIGKILL")));
      await db.close();
      await pg.cleanup();
      await sim.stop();
      await dropRedisKeys(prefix);
    },
  };
}
