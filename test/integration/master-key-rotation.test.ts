/**
 * `mmp-gateway secrets rotate-master-key` on every store: all sealed values move to the new key in one
 * transaction, or none do.
 */
import { randomBytes } from "node:crypto";
import { AdminService } from "../../src/admin/admin.service";
import { buildProgram } from "../../src/cli/main";
import {
  accountBinding,
  MASTER_KEY_CHECK_META,
  SecretSealer,
  generateMasterKey,
  openSealer,
  parseMasterKey,
  rotateMasterKey,
} from "../../src/secrets";
import { generateAccountKeys } from "../../src/simulator/keys";
import type { Store } from "../../src/store/port";
import { runSecretsCommand } from "../helpers/secrets-cli";
import { storeTargets, type StoreTarget, type TestDatabase } from "../helpers/store";

const ROTATE = ["rotate-master-key"];

describe.each(storeTargets())("secrets rotate-master-key on $kind", (target: StoreTarget) => {
  let db: TestDatabase;
  let store: Store;
  let env: NodeJS.ProcessEnv;
  const OLD = generateMasterKey();
  const NEW = generateMasterKey();
  const secrets = new Map<string, string>();

  beforeEach(async () => {
    db = await target.fresh();
    store = db.store;
    const databaseUrl = target.kind === "sqlite" ? `sqlite:${db.location}` : db.location;
    env = { DATABASE_URL: databaseUrl, GATEWAY_MASTER_KEY: OLD };
    const admin = new AdminService(store, () => openSealer(store, OLD));
    secrets.clear();
    for (const [name, keyType] of [
      ["desk-a", "hmac"],
      ["desk-b", "ed25519"],
    ] as const) {
      const keys = generateAccountKeys(keyType);
      await admin.addAccount({ name, apiKey: keys.apiKey, keyType, secret: keys.secret });
      // stored as the admin service keeps it: trimmed
      secrets.set(name, keys.secret.trim());
    }
  });

  afterAll(() => target.cleanup());

  /** every account's secret opens under `key` alone, to what was stored */
  async function expectAllUnder(key: string): Promise<void> {
    const only = new SecretSealer(parseMasterKey(key));
    for (const a of await store.listAccounts()) {
      expect(only.keyIdOf(a.secretSealed)).toBe(only.currentKeyId);
      expect(only.open(a.secretSealed, accountBinding(a.id))).toBe(secrets.get(a.id));
    }
    only.verifyCheckValue((await store.getMeta(MASTER_KEY_CHECK_META))!);
  }

  it("re-seals every account secret and the check value under the new key", async () => {
    const run = await runSecretsCommand(ROTATE, env, `${NEW}\n`);
    expect(run.error).toBeUndefined();
    await expectAllUnder(NEW);
    await expect(openSealer(store, NEW)).resolves.toBeDefined();
    await expect(openSealer(store, OLD)).rejects.toThrow(/not the key this database was initialised with/);

    const printed = run.out.join("\n");
    expect(printed).toContain(`from key id ${parseMasterKey(OLD).id} to key id ${parseMasterKey(NEW).id}`);
    expect(printed).toContain("re-sealed 2 of 2 account secret(s) and the master key check value");
    // key ids only, never key material
    for (const key of [OLD, NEW]) expect(printed).not.toContain(key);
  });

  it("is resumable: running it again finds everything under the new key and changes nothing", async () => {
    expect((await runSecretsCommand(ROTATE, env, NEW)).error).toBeUndefined();
    const version = await store.authVersion();
    const again = await runSecretsCommand(ROTATE, env, NEW);
    expect(again.error).toBeUndefined();
    expect(again.out.join("\n")).toContain("re-sealed 0 of 2 account secret(s) (2 already under");
    expect(await store.authVersion()).toBe(version);
    await expectAllUnder(NEW);
  });

  it("also moves values an earlier rotation left under a key in GATEWAY_MASTER_KEY_PREVIOUS", async () => {
    const OLDER = generateMasterKey();
    const keys = generateAccountKeys("hmac");
    const older = new SecretSealer(parseMasterKey(OLDER));
    await store.addAccount({
      id: "desk-c",
      apiKey: keys.apiKey,
      keyType: "hmac",
      baseUrl: null,
      secretSealed: older.seal(keys.secret, accountBinding("desk-c")),
    });
    secrets.set("desk-c", keys.secret);
    const run = await runSecretsCommand(ROTATE, { ...env, GATEWAY_MASTER_KEY_PREVIOUS: OLDER }, NEW);
    expect(run.error).toBeUndefined();
    await expectAllUnder(NEW);
  });

  it("changes nothing when one value cannot be opened, and names it", async () => {
    const stray = new SecretSealer(parseMasterKey(generateMasterKey()));
    await store.addAccount({
      id: "desk-z",
      apiKey: "k",
      keyType: "hmac",
      baseUrl: null,
      secretSealed: stray.seal("a-secret-under-an-unknown-key", accountBinding("desk-z")),
    });
    const before = await store.listAccounts();
    const check = await store.getMeta(MASTER_KEY_CHECK_META);
    const run = await runSecretsCommand(ROTATE, env, NEW);
    expect(run.error?.message).toMatch(
      /^cannot re-seal the secret of account 'desk-z': .*; nothing was changed$/,
    );
    expect(await store.listAccounts()).toEqual(before);
    expect(await store.getMeta(MASTER_KEY_CHECK_META)).toBe(check);
  });

  it("refuses a GATEWAY_MASTER_KEY that is not the database's, changing nothing", async () => {
    const before = await store.listAccounts();
    const run = await runSecretsCommand(ROTATE, { ...env, GATEWAY_MASTER_KEY: generateMasterKey() }, NEW);
    expect(run.error?.message).toMatch(
      /^GATEWAY_MASTER_KEY is not this database's master key \(database: key id/,
    );
    expect(await store.listAccounts()).toEqual(before);
  });

  it.each([
    ["the current key", () => OLD, /is the current GATEWAY_MASTER_KEY/],
    ["a malformed key", () => "not-base64!", /^the new master key \(standard input\) is not valid base64/],
    ["a short key", () => randomBytes(16).toString("base64"), /decodes to 16 bytes, not 32/],
  ])("refuses %s as the new key", async (_name, newKey, message) => {
    const run = await runSecretsCommand(ROTATE, env, newKey());
    expect(run.error?.message).toMatch(message);
    expect(run.error?.message).not.toContain(newKey());
    await expectAllUnder(OLD);
  });

  it("reports an account written under the old key after the rotation committed", async () => {
    const reseal = store.resealSecrets.bind(store);
    const old = new SecretSealer(parseMasterKey(OLD));
    // A CLI that opened its sealer before the rotation and adds an account right after it commits.
    jest.spyOn(store, "resealSecrets").mockImplementationOnce(async (fn, metaKeys) => {
      const result = await reseal(fn, metaKeys);
      await store.addAccount({
        id: "late",
        apiKey: "k",
        keyType: "hmac",
        baseUrl: null,
        secretSealed: old.seal("s", accountBinding("late")),
      });
      return result;
    });
    const rotation = await rotateMasterKey(store, { currentBase64: OLD, newBase64: NEW });
    expect(rotation).toMatchObject({
      accounts: 2,
      accountsResealed: 2,
      checkValueResealed: true,
      stragglers: ["late"],
    });
  });

  it("refuses a missing GATEWAY_MASTER_KEY before asking for the new one", async () => {
    const run = await runSecretsCommand(ROTATE, { DATABASE_URL: env.DATABASE_URL }, NEW);
    expect(run.error?.message).toMatch(/^GATEWAY_MASTER_KEY is not set/);
    expect(run.readStdin).toBe(false);
  });
});

it("is part of the mmp-gateway command", () => {
  const secrets = buildProgram().commands.find((c) => c.name() === "secrets");
  expect(secrets?.commands.map((c) => c.name())).toContain("rotate-master-key");
});
