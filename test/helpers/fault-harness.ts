/**
 * For the fault, rate-limit and hardening suites: the real gateway (startGateway) on a fresh SQLite
 * file, seeded like the demo, against a simulator built with the given options, with configuration
 * overrides (short exchange timeouts keep these suites fast). Talks to the gateway over HTTP only.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { startGateway, type Gateway } from "../../src/app";
import { loadConfig, type Config } from "../../src/config";
import { AdminService } from "../../src/admin/admin.service";
import { openStore } from "../../src/store/open-store";
import type { AuditRecord } from "../../src/store/port";
import { openSealer } from "../../src/secrets";
import { ExchangeSimulator, type SimulatorOptions } from "../../src/simulator";
import { seedDemo, type DemoSeed } from "../../src/cli/demo";

export interface GqlAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: { message: string; extensions?: Record<string, unknown>; path?: string[] }[];
  };
}

export interface FaultHarness {
  url: string;
  gateway: Gateway;
  sim: ExchangeSimulator;
  tokens: Record<string, string>;
  accounts: DemoSeed["accounts"];
  admin: AdminService;
  /** API key of a demo account in the simulator */
  apiKey(account: string): string;
  /** newest audit records of an account, newest first */
  audit(accountId: string, limit?: number): Promise<AuditRecord[]>;
  gql<T = Record<string, unknown>>(
    token: string | undefined,
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GqlAnswer<T>>;
  stop(): Promise<void>;
}

export interface FaultHarnessOptions {
  simulator?: Omit<SimulatorOptions, "accounts">;
  config?: Partial<Config>;
  /** environment for loadConfig (e.g. NODE_ENV), before `config` overrides */
  env?: NodeJS.ProcessEnv;
}

export async function startFaultHarness(opts: FaultHarnessOptions = {}): Promise<FaultHarness> {
  const sim = new ExchangeSimulator(opts.simulator);
  const simUrl = await sim.start();
  const dir = mkdtempSync(join(tmpdir(), "mmp-faults-"));
  const databaseUrl = `sqlite:${join(dir, "gateway.sqlite")}`;
  const masterKey = randomBytes(32).toString("base64");
  const store = openStore(databaseUrl);
  await store.migrate();
  const admin = new AdminService(store, () => openSealer(store, masterKey));
  const { tokens, accounts } = await seedDemo(admin, sim, simUrl);

  const logger = pino({ level: "silent" });
  const config: Config = {
    ...loadConfig(opts.env ?? {}),
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
    tokens,
    accounts,
    admin,
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
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: JSON.parse(text) as GqlAnswer<never>["body"] };
    },
    async stop() {
      await gateway.stop();
      await store.close();
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const SET_MMP = `mutation Set($input: SetMmpConfigInput!) {
  setMmpConfig(input: $input) {
    accountId underlyingId underlying windowTimeInMilliseconds frozenTimeInMilliseconds qtyLimit deltaLimit lastTriggerTime
  }
}`;

/** A distinct valid input each call, so a test can tell its own change from an earlier one. */
let serial = 0;
export function freshInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  serial++;
  return {
    accountId: "desk-a",
    underlying: "BTCUSDT",
    windowTimeInMilliseconds: 1000 + (serial % 4000),
    frozenTimeInMilliseconds: String(60_000 + serial),
    qtyLimit: `${serial}.25`,
    deltaLimit: `0.${serial}5`,
    ...overrides,
  };
}
