/** openSealer against a real SQLite file: the start-up guard for a wrong GATEWAY_MASTER_KEY. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  accountBinding,
  generateMasterKey,
  MASTER_KEY_CHECK_META,
  openSealer,
  parseMasterKey,
} from "../../src/secrets";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store";

describe("openSealer", () => {
  let dir: string;
  let path: string;
  const stores: SqliteStore[] = [];
  const open = async () => {
    const s = new SqliteStore(path);
    stores.push(s);
    await s.migrate();
    return s;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "mmp-secrets-test-"));
    path = join(dir, "gateway.sqlite");
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("records the key's check value on first use and accepts the same key afterwards", async () => {
    const key = generateMasterKey();
    const store = await open();
    const sealer = await openSealer(store, key);
    const check = await store.getMeta(MASTER_KEY_CHECK_META);
    expect(check).toMatch(new RegExp(`^v2\\.${parseMasterKey(key).id}\\.`));

    const sealed = sealer.seal("hmac-secret", accountBinding("a"));
    await store.addAccount({ id: "a", apiKey: "k", keyType: "hmac", baseUrl: null, secretSealed: sealed });

    // another process (the CLI) on the same file, same key
    const again = await openSealer(await open(), key);
    const account = await (await open()).getAccount("a");
    expect(again.open(account?.secretSealed ?? "", accountBinding("a"))).toBe("hmac-secret");
    expect(await store.getMeta(MASTER_KEY_CHECK_META)).toBe(check);
  });

  it("refuses to start with a different key, naming GATEWAY_MASTER_KEY", async () => {
    await openSealer(await open(), generateMasterKey());
    await expect(openSealer(await open(), generateMasterKey())).rejects.toThrow(
      /^GATEWAY_MASTER_KEY is not the key this database was initialised with \(database: key id [0-9a-f]{8}; configured: key id [0-9a-f]{8}\)/,
    );
  });

  it("refuses a missing or malformed key before touching the database", async () => {
    const store = await open();
    await expect(openSealer(store, undefined)).rejects.toThrow(/^GATEWAY_MASTER_KEY is not set/);
    await expect(openSealer(store, "short")).rejects.toThrow(/^GATEWAY_MASTER_KEY /);
    expect(await store.getMeta(MASTER_KEY_CHECK_META)).toBeNull();
  });
});
