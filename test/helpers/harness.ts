/**
 * Starts the real gateway (startGateway, as `serve` does) on a fresh SQLite file or PostgreSQL schema,
 * against the simulator over real HTTP, seeded like the demo. Tests talk to it over HTTP only.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { startGateway, type Gateway } from "../../src/app";
import { loadConfig } from "../../src/config";
import { AdminService } from "../../src/admin/admin.service";
import { openStore } from "../../src/store/open-store";
import { openSealer } from "../../src/secrets";
import { ExchangeSimulator } from "../../src/simulator";
import { seedDemo, type DemoSeed } from "../../src/cli/demo";

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  body: {
    data?: T | null;
    errors?: { message: string; extensions?: Record<string, unknown>; path?: string[] }[];
  };
}

export interface Harness {
  url: string;
  gateway: Gateway;
  sim: ExchangeSimulator;
  tokens: Record<string, string>;
  accounts: DemoSeed["accounts"];
  dbFile: string;
  admin: AdminService;
  masterKey: string;
  logs: string[];
  gql<T = Record<string, unknown>>(
    token: string | undefined,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

export async function startHarness(opts: { databaseUrl?: string } = {}): Promise<Harness> {
  const sim = new ExchangeSimulator();
  const simUrl = await sim.start();
  const dir = mkdtempSync(join(tmpdir(), "mmp-e2e-"));
  const dbFile = join(dir, "gateway.sqlite");
  const databaseUrl = opts.databaseUrl ?? `sqlite:${dbFile}`;
  const masterKey = randomBytes(32).toString("base64");
  const store = openStore(databaseUrl);
  await store.migrate();
  const admin = new AdminService(store, () => openSealer(store, masterKey));
  const { tokens, accounts } = await seedDemo(admin, sim, simUrl);

  const logs: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logs.push(line) });
  const config = { ...loadConfig({}), port: 0, databaseUrl, masterKey, binanceEapiUrl: simUrl };
  const gateway = await startGateway({ config, logger, store });
  const url = gateway.url;

  return {
    url,
    gateway,
    sim,
    tokens,
    accounts,
    dbFile,
    admin,
    masterKey,
    logs,
    async gql(token, query, variables) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      const res = await fetch(`${url}/graphql`, {
        method: "POST",
        headers,
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: (await res.json()) as GraphQLResponse["body"] } as never;
    },
    async stop() {
      await gateway.stop();
      await store.close();
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
