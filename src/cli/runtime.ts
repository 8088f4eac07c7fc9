/**
 * What the admin commands share: configuration, an open store and the secret sealer, opened once per
 * invocation and closed at exit.
 */
import { loadConfig, type Config } from "../config";
import { AdminService } from "../admin/admin.service";
import { openConfiguredStore } from "../store/open-store";
import type { Store } from "../store/port";
import { openSealer } from "../secrets";
import { announcingAuthChanges } from "../cache/auth-changes";

export interface CliRuntime {
  config: Config;
  store: Store;
  admin(): AdminService;
  close(): Promise<void>;
}

export async function openRuntime(): Promise<CliRuntime> {
  const config = loadConfig();
  const opened = openConfiguredStore(config);
  let changed = false;
  const store = announcingAuthChanges(opened, () => (changed = true));
  await store.migrate();
  return {
    config,
    store,
    // Only commands that touch secrets open the sealer (and so require GATEWAY_MASTER_KEY); opening it
    // checks the key against the database's check value.
    admin: () =>
      new AdminService(store, () => openSealer(store, config.masterKey, config.previousMasterKeys)),
    close: async () => {
      await store.close();
      if (changed && config.redisUrl !== undefined) await announce(config.redisUrl, config.redisKeyPrefix);
    },
  };
}

/**
 * Running gateways drop their auth caches at once instead of at their next database poll (at most a
 * second later), which is also what happens when Redis cannot be reached: the change stands either way.
 */
async function announce(url: string, keyPrefix: string): Promise<void> {
  // Loaded only here, so commands that change nothing do not pay for the Redis client.
  const { announceAuthChange } = await import("../cache/announce-auth-change");
  if (!(await announceAuthChange({ url, keyPrefix }))) {
    console.warn(
      "mmp-gateway: warning: Redis unreachable; running gateways pick the change up within a second",
    );
  }
}
