/**
 * Builds and starts the live view from the configuration: the channel (Redis pub/sub when REDIS_URL is
 * set, in-process otherwise), the leader election (Redis; else a PostgreSQL advisory lock; else this
 * process alone) and the service with its poller.
 */
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Config } from "../config";
import type { BinanceClient } from "../exchange/binance";
import type { ExchangeClient } from "../exchange/exchange.port";
import { DOCUMENTED_WEIGHT_LIMIT } from "../exchange/binance/weight";
import type { AccountDirectory } from "../access/account-directory";
import type { Store } from "../store/port";
import {
  newInstanceId,
  PostgresLeader,
  RedisLeader,
  SingleProcessLeader,
  type LeaderElection,
  type RedisLike,
} from "./leader";
import { memoryLiveChannel, redisLiveChannel, type LiveChannel } from "./live-channel";
import { LiveMetrics } from "./live-metrics";
import { LiveMmpService } from "./live-mmp.service";
import type { PushFeedFactory } from "./push-feeds";

export interface LiveViewDeps {
  config: Config;
  store: Store;
  /** every venue (the router) */
  exchange: ExchangeClient;
  /** Binance's weight limits as its answers report them; other venues' clients keep their own limits */
  binance: Pick<BinanceClient, "rateLimitSnapshot">;
  accounts: AccountDirectory;
  /** feeds of venues that push MMP triggers (Deribit) */
  pushFeeds?: PushFeedFactory;
  registry: Registry;
  logger: Logger;
}

export async function startLiveView(deps: LiveViewDeps): Promise<LiveMmpService> {
  const { config, logger } = deps;
  const instanceId = newInstanceId();
  const onRedisError = (err: Error) => logger.warn({ err: err.message }, "live view: Redis error");
  let channel: LiveChannel;
  let leader: LeaderElection;
  if (config.redisUrl !== undefined) {
    channel = await redisLiveChannel({
      url: config.redisUrl,
      keyPrefix: config.redisKeyPrefix,
      onError: onRedisError,
    });
    const { Redis } = await import("ioredis");
    const conn = new Redis(config.redisUrl, {
      connectionName: "mmp-gateway-leader",
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
      disconnectTimeout: 200,
    });
    conn.on("error", onRedisError);
    await new Promise<void>((resolve) => {
      conn.once("ready", resolve);
      setTimeout(resolve, 1000).unref();
    });
    leader = new RedisLeader(
      instanceId,
      conn as unknown as RedisLike, // ioredis's overloads are wider than the three calls used
      `${config.redisKeyPrefix}live:leader`,
      config.live.leaderTtlMs,
      logger,
    );
  } else {
    channel = memoryLiveChannel();
    if (deps.store.kind === "postgres") {
      const { Client } = await import("pg");
      leader = new PostgresLeader(
        instanceId,
        () => new Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: 2000 }),
        Math.max(100, Math.floor(config.live.leaderTtlMs / 3)),
        logger,
      );
    } else {
      leader = new SingleProcessLeader(instanceId);
    }
  }
  const origin = (baseUrl: string) => {
    try {
      return new URL(baseUrl).origin;
    } catch {
      return baseUrl;
    }
  };
  const live = new LiveMmpService({
    store: deps.store,
    exchange: deps.exchange,
    credentials: (id) => deps.accounts.get(id),
    channel,
    leader,
    settings: config.live,
    ...(deps.pushFeeds === undefined ? {} : { pushFeeds: deps.pushFeeds }),
    weightLimit: (baseUrl) =>
      deps.binance.rateLimitSnapshot().find((r) => r.host === origin(baseUrl))?.limit ??
      DOCUMENTED_WEIGHT_LIMIT,
    logger,
    metrics: (sources) =>
      new LiveMetrics(deps.registry, { ...sources, configuredIntervalMs: config.live.pollIntervalMs }),
  });
  await live.start();
  logger.info(
    { instance: instanceId, election: leader.kind, pollIntervalMs: config.live.pollIntervalMs },
    "live MMP view started",
  );
  return live;
}
