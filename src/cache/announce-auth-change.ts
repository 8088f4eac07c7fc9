/**
 * For short-lived processes (the CLI): announces an auth change with one PUBLISH on a connection of its
 * own, giving up after `timeoutMs`. Resolves false when Redis could not be reached; running gateways
 * then see the change through their auth-version poll instead. Its own module so that only the CLI
 * loads ioredis for it.
 */
import { Redis } from "ioredis";
import { DEFAULT_KEY_PREFIX } from "../shared-state/redis-shared-state";
import { invalidateChannel } from "./auth-changes";

export async function announceAuthChange(opts: {
  url: string;
  keyPrefix?: string;
  timeoutMs?: number;
}): Promise<boolean> {
  const timeoutMs = opts.timeoutMs ?? 1000;
  const conn = new Redis(opts.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    retryStrategy: () => null,
    connectionName: "mmp-gateway-cli",
  });
  conn.on("error", () => undefined);
  try {
    await conn.connect();
    await conn.publish(invalidateChannel(opts.keyPrefix ?? DEFAULT_KEY_PREFIX), "cli");
    return true;
  } catch {
    return false;
  } finally {
    conn.disconnect();
  }
}
