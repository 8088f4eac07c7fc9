/**
 * Secrets at rest, with `mmp-gateway serve` run as operators run it (from dist/): the master key and the
 * database URL read from mounted files (`*_FILE`), as Docker and Kubernetes secrets provide them.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExchangeSimulator } from "../../src/simulator";
import {
  gql,
  mmpInput,
  seededSqlite,
  SET_MMP,
  spawnServe,
  type GatewayProcess,
  type SeededDatabase,
} from "../helpers/gateway-fixture";

let sim: ExchangeSimulator;
let simUrl: string;
let db: SeededDatabase;
let dir: string;
const running: GatewayProcess[] = [];

beforeAll(async () => {
  sim = new ExchangeSimulator();
  simUrl = await sim.start();
  db = await seededSqlite(sim, simUrl);
  dir = mkdtempSync(join(tmpdir(), "mmp-secrets-"));
});
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  await db?.close();
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function secretFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

describe("*_FILE variables", () => {
  it("serves with the master key and the database URL read from files", async () => {
    const p = await spawnServe({
      GATEWAY_MASTER_KEY_FILE: secretFile("master_key", `${db.masterKey}\n`),
      DATABASE_URL_FILE: secretFile("database_url", `${db.databaseUrl}\n`),
      BINANCE_EAPI_URL: simUrl,
    });
    running.push(p);
    const res = await gql(p.url, db.seed.tokens.alice, SET_MMP, { input: mmpInput("desk-a") });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toMatchObject({ setMmpConfig: { accountId: "desk-a" } });
  });

  it.each([
    [
      "both a variable and its file",
      () => ({ GATEWAY_MASTER_KEY: db.masterKey, GATEWAY_MASTER_KEY_FILE: secretFile("k2", db.masterKey) }),
      /set GATEWAY_MASTER_KEY or GATEWAY_MASTER_KEY_FILE, not both/,
    ],
    [
      "a file that is missing",
      () => ({ GATEWAY_MASTER_KEY_FILE: join(dir, "nope") }),
      /GATEWAY_MASTER_KEY_FILE: cannot read .*nope \(ENOENT\)/,
    ],
    [
      "an empty file",
      () => ({ GATEWAY_MASTER_KEY_FILE: secretFile("empty", "\n") }),
      /GATEWAY_MASTER_KEY_FILE: .* is empty/,
    ],
  ])("refuses to start with %s, in one line naming the variable", async (_what, env, message) => {
    await expect(
      spawnServe({ DATABASE_URL: db.databaseUrl, BINANCE_EAPI_URL: simUrl, ...env() }),
    ).rejects.toThrow(message);
  });
});
