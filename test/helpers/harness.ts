/**
 * Starts the real gateway (startGateway, as `serve` does) on a fresh SQLite file or PostgreSQL schema,
 * against the simulator over real HTTP, seeded like the demo. Tests talk to it over HTTP only.
 *
 * End-to-end suites run once per store: `describe.each(e2eStoreTargets())`, then
 * `startHarness({ databaseUrl: (await target.create()).databaseUrl })`.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { startGateway, type Gateway } from "../../src/app";
import { Client } from "pg";
import { loadConfig, type Config } from "../../src/config";
import { AdminService } from "../../src/admin/admin.service";
import { openStore } from "../../src/store/open-store";
import type { AuditRecord } from "../../src/store/port";
import { openSealer } from "../../src/secrets";
import { ExchangeSimulator, type SimulatorOptions } from "../../src/simulator";
import { VenueSimulators } from "../../src/simulator/venue-simulators";
import { seedDemo, type DemoSeed } from "../../src/cli/demo";
import { postgresSkipped, postgresTarget } from "./store";

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: { message: string; extensions?: Record<string, unknown>; path?: string[] }[];
  };
}

export interface Harness {
  url: string;
  gateway: Gateway;
  sim: ExchangeSimulator;
  /** with `venues: true` */
  venues: VenueSimulators | undefined;
  tokens: Record<string, string>;
  accounts: DemoSeed["accounts"];
  /** the SQLite file (meaningless on PostgreSQL: use databaseText()) */
  dbFile: string;
  databaseUrl: string;
  /** the configuration the gateway runs with */
  config: Config;
  admin: AdminService;
  /** the key the seed data was sealed with */
  masterKey: string;
  logs: string[];
  /** everything the database holds, as text: the SQLite file and its WAL, or every row of the schema */
  databaseText(): Promise<string>;
  /** API key of a demo account in the simulator */
  apiKey(account: string): string;
  /** newest audit records of an account, newest first */
  audit(accountId: string, limit?: number): Promise<AuditRecord[]>;
  gql<T = Record<string, unknown>>(
    token: string | undefined,
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** default: a new SQLite file */
  databaseUrl?: string;
  /** the key the seed is sealed with; default: a new random key */
  masterKey?: string;
  /** overrides of the gateway's configuration (e.g. oidc, or another master key) */
  config?: Partial<Config>;
  /** environment for loadConfig (e.g. NODE_ENV), before `config` overrides */
  env?: NodeJS.ProcessEnv;
  /** the simulator's options (faults, limits…); default: a plain simulator */
  simulator?: Omit<SimulatorOptions, "accounts">;
  /** also start the other venues' simulators and seed desk-a's account on each (desk-a-bybit, …) */
  venues?: boolean;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const sim = new ExchangeSimulator(opts.simulator);
  const simUrl = await sim.start();
  const venues = opts.venues ? new VenueSimulators() : undefined;
  await venues?.start();
  const dir = mkdtempSync(join(tmpdir(), "mmp-e2e-"));
  const dbFile = join(dir, "gateway.sqlite");
  const databaseUrl = opts.databaseUrl ?? `sqlite:${dbFile}`;
  const masterKey = opts.masterKey ?? randomBytes(32).toString("base64");
  const store = openStore(databaseUrl);
  await store.migrate();
  const admin = new AdminService(store, () => openSealer(store, masterKey));
  const { tokens, accounts } = await seedDemo(admin, sim, simUrl, venues);

  const logs: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logs.push(line) });
  const loaded = loadConfig(opts.env ?? {});
  const config: Config = {
    ...loaded,
    // No poller and no cached reads unless a test asks: most suites count exchange calls exactly.
    live: { ...loaded.live, pollIntervalMs: 0, readMaxAgeMs: 0 },
    port: 0,
    databaseUrl,
    masterKey,
    binanceEapiUrl: simUrl,
    ...opts.config,
  };
  const gateway = await startGateway({ config, logger, store });
  const url = gateway.url;

  return {
    url,
    gateway,
    sim,
    venues,
    tokens,
    accounts,
    dbFile,
    databaseUrl,
    config,
    admin,
    masterKey,
    logs,
    databaseText: () =>
      store.kind === "sqlite" ? Promise.resolve(sqliteText(dbFile)) : postgresText(databaseUrl),
    apiKey(account) {
      const a = accounts.find((x) => x.name === account);
      if (!a) throw new Error(`no demo account ${account}`);
      return a.apiKey;
    },
    audit: (accountId, limit = 5) => store.listAudit({ accountIds: [accountId], limit }),
    async gql(token, query, variables, extra = {}) {
      const headers: Record<string, string> = { "content-type": "application/json", ...extra };
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      const res = await fetch(`${url}/graphql`, {
        method: "POST",
        headers,
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as GraphQLResponse["body"];
      return { status: res.status, headers: res.headers, body } as never;
    },
    async stop() {
      await gateway.stop();
      await store.close();
      await sim.stop();
      await venues?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function sqliteText(dbFile: string): string {
  let text = readFileSync(dbFile).toString("latin1");
  try {
    text += readFileSync(`${dbFile}-wal`).toString("latin1");
  } catch {
    // no WAL file: everything is checkpointed into the main file
  }
  return text;
}

/** Every row of every table in the schema the URL's search_path names. */
async function postgresText(databaseUrl: string): Promise<string> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()",
    );
    const parts: string[] = [];
    for (const { table_name } of tables.rows) {
      const rows = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${table_name}" t`);
      parts.push(...rows.rows.map((r) => r.row));
    }
    return parts.join("\n");
  } finally {
    await client.end();
  }
}

/** A database for one end-to-end suite: `databaseUrl` for startHarness, `drop()` after it stopped. */
export interface E2eDatabase {
  /** undefined: the harness creates (and removes) a SQLite file of its own */
  databaseUrl: string | undefined;
  drop(): Promise<void>;
}

export interface E2eStoreTarget {
  kind: "sqlite" | "postgres";
  create(): Promise<E2eDatabase>;
}

/**
 * The stores every end-to-end suite runs on: SQLite, and PostgreSQL in a schema of its own (created
 * here, dropped by drop()). As for the store suite, an unreachable PostgreSQL fails the run loudly unless
 * STORE_TESTS_SKIP_POSTGRES=1 says to skip it; STORE_TEST_POSTGRES_URL says where it is.
 */
export function e2eStoreTargets(): E2eStoreTarget[] {
  const sqlite: E2eStoreTarget = {
    kind: "sqlite",
    create: async () => ({ databaseUrl: undefined, drop: async () => undefined }),
  };
  const postgres: E2eStoreTarget = {
    kind: "postgres",
    async create() {
      const target = postgresTarget();
      // Left unmigrated: migrating is part of what the suite exercises on each store.
      const db = await target.fresh({ migrate: false });
      return { databaseUrl: db.location, drop: () => target.cleanup() };
    },
  };
  return postgresSkipped ? [sqlite] : [sqlite, postgres];
}

/** A valid setMmpConfig input for an account, with the given qtyLimit. */
export function mmpInput(accountId: string, qtyLimit = "2"): Record<string, unknown> {
  return {
    accountId,
    underlying: "BTCUSDT",
    windowTimeInMilliseconds: 3000,
    frozenTimeInMilliseconds: 300000,
    qtyLimit,
    deltaLimit: "2.3",
  };
}
