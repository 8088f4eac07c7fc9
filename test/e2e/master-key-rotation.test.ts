/**
 * Rotating the master key under a running gateway, as docs/operations.md describes it: servers first run with
 * the new key and the old one in GATEWAY_MASTER_KEY_PREVIOUS, then `secrets rotate-master-key` re-seals
 * the database; MMP changes keep going through before, during and after.
 */
import { startGateway } from "../../src/app";
import { generateMasterKey } from "../../src/secrets";
import {
  e2eStoreTargets,
  mmpInput as input,
  startHarness,
  type E2eDatabase,
  type Harness,
} from "../helpers/harness";
import { runSecretsCommand } from "../helpers/secrets-cli";

const SET = `mutation Set($input: SetMmpConfigInput!) { setMmpConfig(input: $input) { accountId qtyLimit } }`;

describe.each(e2eStoreTargets())("master key rotation under a running gateway, on $kind", (target) => {
  const OLD = generateMasterKey();
  const NEW = generateMasterKey();
  let db: E2eDatabase | undefined;
  let h: Harness;

  beforeAll(async () => {
    db = await target.create();
    // The database is sealed under OLD; the server already runs with NEW, keeping OLD to open with.
    h = await startHarness({
      databaseUrl: db.databaseUrl,
      masterKey: OLD,
      config: { masterKey: NEW, previousMasterKeys: [OLD] },
    });
  });
  afterAll(async () => {
    await h?.stop();
    await db?.drop();
  });

  const setMmp = async (url: string, accountId: string, qtyLimit: string) => {
    const res = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${h.tokens.bob}` },
      body: JSON.stringify({ query: SET, variables: { input: input(accountId, qtyLimit) } }),
    });
    return (await res.json()) as { data?: unknown; errors?: unknown[] };
  };

  it("keeps serving while every secret moves to the new key", async () => {
    expect(await setMmp(h.url, "desk-b", "1")).toEqual({
      data: { setMmpConfig: { accountId: "desk-b", qtyLimit: "1" } },
    });

    const rotation = await runSecretsCommand(
      ["rotate-master-key"],
      { DATABASE_URL: h.databaseUrl, GATEWAY_MASTER_KEY: OLD },
      NEW,
    );
    expect(rotation.error).toBeUndefined();
    expect(rotation.out.join("\n")).toContain("re-sealed 3 of 3 account secret(s)");

    // The rotation changed the accounts table, so the server drops its decrypted credentials and
    // re-opens them, now under NEW.
    await h.gateway.refreshCaches();
    expect(await setMmp(h.url, "desk-b", "2")).toEqual({
      data: { setMmpConfig: { accountId: "desk-b", qtyLimit: "2" } },
    });
    expect(await setMmp(h.url, "desk-b-rsa", "3")).toEqual({
      data: { setMmpConfig: { accountId: "desk-b-rsa", qtyLimit: "3" } },
    });
  });

  it("then starts replicas with the new key alone, and refuses the old one", async () => {
    const base = { ...h.config, port: 0 };
    const store = h.gateway.store;
    const logger = h.gateway.logger;
    await expect(
      startGateway({ config: { ...base, masterKey: OLD, previousMasterKeys: [] }, store, logger }),
    ).rejects.toThrow(/GATEWAY_MASTER_KEY is not the key this database was initialised with/);

    const replica = await startGateway({
      config: { ...base, masterKey: NEW, previousMasterKeys: [] },
      store,
      logger,
    });
    try {
      expect(await setMmp(replica.url, "desk-b", "4")).toEqual({
        data: { setMmpConfig: { accountId: "desk-b", qtyLimit: "4" } },
      });
    } finally {
      await replica.stop();
    }
  });
});
