/**
 * Secrets at rest:
 * - `mmp-gateway serve` run as operators run it (from dist/), the master key and the database URL read
 *   from mounted files (`*_FILE`), as Docker and Kubernetes secrets provide them;
 * - each sealed secret bound to its account: one copied into another account's row does not open, and
 *   rows sealed before the binding are re-sealed bound when a gateway starts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseMasterKey } from "../../src/secrets";
import { ExchangeSimulator } from "../../src/simulator";
import {
  gql,
  mmpInput,
  seededSqlite,
  SET_MMP,
  spawnServe,
  startInProcess,
  type GatewayProcess,
  type SeededDatabase,
} from "../helpers/gateway-fixture";
import { sealV1 } from "../helpers/sealed-v1";

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

describe("sealed secrets bound to their account", () => {
  it("refuses another account's secret copied into a row: nothing is signed with it", async () => {
    const deskA = db.seed.accounts.find((a) => a.name === "desk-a")!;
    await db.admin.addAccount({
      name: "desk-c",
      apiKey: "deskCKey0000000000000000000000001",
      keyType: "hmac",
      baseUrl: simUrl,
      secret: "desk-c-secret-0001",
    });
    await db.admin.grant("desk-b", "desk-c", "trader");
    // someone with write access to the database: desk-a's key and sealed secret into desk-c's row
    const stolen = (await db.store.getAccount("desk-a"))!;
    await db.store.rotateAccountKey("desk-c", stolen.apiKey, stolen.secretSealed);

    const g = await startInProcess(db, simUrl);
    try {
      sim.clearRequests();
      const res = await gql(g.url, db.seed.tokens.bob, SET_MMP, {
        input: mmpInput("desk-c", "7.5"),
      });
      expect(res.body.errors?.[0]?.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
      expect(sim.requests.filter((r) => r.path === "/eapi/v1/mmpSet")).toHaveLength(0);
      expect(sim.mmpState(deskA.apiKey, "BTCUSDT")?.qtyLimit).not.toBe("7.5");
    } finally {
      await g.stop();
    }
  });

  it("re-seals rows written before the binding when a gateway starts, and they keep working", async () => {
    const deskB = db.seed.accounts.find((a) => a.name === "desk-b")!;
    const v1 = sealV1(parseMasterKey(db.masterKey), deskB.secret);
    await db.store.rotateAccountKey("desk-b", deskB.apiKey, v1);

    const g = await startInProcess(db, simUrl);
    try {
      expect((await db.store.getAccount("desk-b"))?.secretSealed).toMatch(/^v2\./);
      const res = await gql(g.url, db.seed.tokens.bob, SET_MMP, { input: mmpInput("desk-b", "3.25") });
      expect(res.body.errors).toBeUndefined();
      expect(sim.mmpState(deskB.apiKey, "BTCUSDT")?.qtyLimit).toBe("3.25");
    } finally {
      await g.stop();
    }
  });
});
