/**
 * What the admin commands share: configuration, an open store and the secret sealer, opened once per
 * invocation and closed at exit.
 */
import { loadConfig, type Config } from "../config";
import { AdminService } from "../admin/admin.service";
import { openStore } from "../store/open-store";
import type { Store } from "../store/port";
import { openSealer } from "../secrets";

export interface CliRuntime {
  config: Config;
  store: Store;
  admin(): AdminService;
  close(): Promise<void>;
}

export async function openRuntime(): Promise<CliRuntime> {
  const config = loadConfig();
  const store = openStore(config.databaseUrl);
  await store.migrate();
  return {
    config,
    store,
    // Only commands that touch secrets open the sealer (and so require GATEWAY_MASTER_KEY); opening it
    // checks the key against the database's check value.
    admin: () => new AdminService(store, () => openSealer(store, config.masterKey)),
    close: () => store.close(),
  };
}
