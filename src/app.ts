/**
 * The composition root: builds the gateway from its configuration. `serve`, `demo` and the end-to-end
 * tests all start the gateway through here, so what the tests exercise is what operators run.
 */
import type { Logger } from "pino";
import { Router } from "express";
import { DEFAULT_HEAP_GROWTH_PERCENT, defaultVenueUrl, type Config } from "./config";
import type { Venue } from "./domain";
import { ChangeWatcher } from "./cache/change-watcher";
import { TokenAuthenticator } from "./auth/token-authenticator";
import { CompositeAuthenticator } from "./auth/composite-authenticator";
import { AccountDirectory } from "./access/account-directory";
import { MmpService } from "./mmp/mmp.service";
import { KillSwitchService } from "./killswitch/kill-switch.service";
import { AccessService } from "./access/access.service";
import { AuditLogService } from "./audit/audit-log.service";
import { AdminApiService } from "./admin/admin-api.service";
import type { GatewayServices } from "./graphql/context.type";
import { BinanceClient, type HostRateSnapshot } from "./exchange/binance";
import type { ExchangeClient } from "./exchange/exchange.port";
import { BybitClient } from "./exchange/bybit";
import { BybitVenue } from "./exchange/venues/bybit-venue";
import { DeribitClient, DeribitTriggerFeed } from "./exchange/deribit";
import { DeribitVenue } from "./exchange/venues/deribit-venue";
import { OkxClient } from "./exchange/okx";
import { OkxVenue } from "./exchange/venues/okx-venue";
import { VenueRouter } from "./exchange/venues/venue-router";
import { openConfiguredStore } from "./store/open-store";
import type { Store } from "./store/port";
import { openSealer } from "./secrets";
import { buildGatewaySchema } from "./graphql/build-schema";
import { createHttpApp } from "./http/create-http-app";
import { pendingGraceMs, sweepIntervalMs } from "./audit/pending-grace";
import { PendingSweeper } from "./audit/pending-sweeper";
import type { ReconcileResult } from "./audit/reconcile";
import { consoleRoutes } from "./http/console.routes";
import { instanceId } from "./observability/instance-id";
import { applyHeapGrowth } from "./observability/heap";
import { createLogger } from "./observability/logger";
import { GatewayMetrics } from "./observability/metrics";
import { announcingAuthChanges } from "./cache/auth-changes";
import { startLiveView } from "./live/start-live-view";
import type { LiveMmpService } from "./live/live-mmp.service";
import { LiveEventsService } from "./live/live-events.service";
import { AccountAuthorizer } from "./access/account-authorizer";

/** The logger factory moved to src/observability/logger.ts; re-exported for existing importers. */
export { createLogger };

export interface GatewayOptions {
  config: Config;
  logger?: Logger;
  /** an already-open store (tests); otherwise opened from config.databaseUrl */
  store?: Store;
}

export interface Gateway {
  /** e.g. http://127.0.0.1:4000 */
  url: string;
  store: Store;
  logger: Logger;
  /** settles when the start-up sweep of abandoned PENDING audit records is done (more follow) */
  reconciled: Promise<ReconcileResult>;
  /** re-reads the store's auth version now instead of waiting for the poll (tests, in-process admin) */
  refreshCaches(): Promise<void>;
  stop(): Promise<void>;
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const { config } = opts;
  applyHeapGrowth(config.heapGrowthPercent ?? DEFAULT_HEAP_GROWTH_PERCENT);
  const logger = opts.logger ?? createLogger(config.logLevel);
  // Optional: without REDIS_URL each replica keeps its own exchange state, as a single gateway does.
  // Redis (ioredis) and OIDC (jose) are loaded only when configured: a gateway without them does not
  // carry their modules (about 15 MB of resident memory between them).
  const shared =
    config.redisUrl === undefined
      ? undefined
      : new (await import("./shared-state/redis-shared-state")).RedisSharedState({
          url: config.redisUrl,
          keyPrefix: config.redisKeyPrefix,
          logger: logger.child({ component: "redis" }),
        });
  const openedStore = opts.store ?? openConfiguredStore(config);
  // Auth changes written through this process are announced to the other replicas at once.
  const store = shared ? announcingAuthChanges(openedStore, () => shared.publishInvalidate()) : openedStore;
  const ownsStore = !opts.store;
  let exchange: ExchangeClient | undefined;
  let watcher: ChangeWatcher | undefined;
  let live: LiveMmpService | undefined;
  let sweeper: PendingSweeper | undefined;
  try {
    await store.migrate();
    const sealer = await openSealer(store, config.masterKey, config.previousMasterKeys);
    watcher = new ChangeWatcher(store, 250, (err) => logger.warn({ err }, "auth version poll failed"));
    await watcher.start();
    await shared?.start();
    const announced = watcher;
    shared?.onInvalidate(() => announced.notifyChanged());
    const metrics = new GatewayMetrics({
      rateLimits: (): HostRateSnapshot[] => binance.rateLimitSnapshot(),
      // Cheap: a partial index holds only PENDING rows (in flight, or left by a crash).
      pendingAudit: async () => (await store.pendingAudit()).length,
      redis: shared && (() => shared.status()),
      onCollectError: (what, err) => logger.warn({ err: String(err), what }, "metrics collection failed"),
    });
    const binance = new BinanceClient({
      logger,
      sharedRateLimits: shared,
      onExchangeCall: metrics.observeExchangeCall,
      readWeightShare: config.live.readWeightShare,
      defaultTimeoutMs: config.exchange.timeoutMs,
      connectTimeoutMs: config.exchange.connectTimeoutMs,
      circuitBreaker: {
        failureThreshold: config.exchange.circuitFailures,
        cooldownMs: config.exchange.circuitCooldownMs,
      },
    });
    // The other venues' clients share the exchange timeouts and circuit settings; each keeps its own
    // venue's rate limits (docs/venues.md).
    const venueOptions = {
      logger,
      defaultTimeoutMs: config.exchange.timeoutMs,
      connectTimeoutMs: config.exchange.connectTimeoutMs,
      circuitBreaker: {
        failureThreshold: config.exchange.circuitFailures,
        cooldownMs: config.exchange.circuitCooldownMs,
      },
    };
    const deribit = new DeribitClient(venueOptions);
    exchange = new VenueRouter(binance, {
      deribit: new DeribitVenue(deribit),
      okx: new OkxVenue(new OkxClient(venueOptions)),
      bybit: new BybitVenue(new BybitClient(venueOptions)),
    });
    const venueUrl = (venue: Venue): string => defaultVenueUrl(config, venue);
    const accounts = new AccountDirectory(store, sealer, venueUrl, watcher);
    const oidc =
      config.oidc &&
      new (await import("./auth/oidc/oidc-authenticator")).OidcAuthenticator({
        config: config.oidc,
        store,
        watcher,
        logger,
      });
    const authenticator = new CompositeAuthenticator(new TokenAuthenticator(store, watcher), oidc);
    // In the background, like reconciliation: an identity provider that is down must not stop API tokens.
    oidc?.warmUp().then(
      (jwksUrl) => logger.info({ jwksUrl: jwksUrl.href }, "OIDC sign-in enabled"),
      (err: unknown) =>
        logger.warn({ err: String(err) }, "OIDC key set not resolved yet; retried on sign-in"),
    );
    live = await startLiveView({
      config,
      store,
      exchange,
      binance,
      accounts,
      pushFeeds: (account, onTrigger) =>
        account.venue === "deribit"
          ? new DeribitTriggerFeed(account, (t) => onTrigger(t.indexName), {
              logger,
              // Deribit checks the auth timestamp against its own clock
              now: () => Date.now() + (deribit.clockOffset(account.baseUrl) ?? 0),
            })
          : undefined,
      registry: metrics.registry,
      logger: logger.child({ component: "live" }),
    });
    const mmp = new MmpService({ store, exchange, accounts, logger, live });
    const clockUrl = config.binanceEapiUrl;
    // Required: every feature's service is wired (the context type leaves them optional for tests).
    const services: Required<GatewayServices> = {
      mmp,
      killSwitch: new KillSwitchService({
        store,
        exchange,
        accounts,
        logger,
        readMaxAgeMs: config.live.readMaxAgeMs,
      }),
      access: new AccessService({ store, defaultBaseUrl: venueUrl }),
      auditLog: new AuditLogService(store),
      liveEvents: new LiveEventsService(live, new AccountAuthorizer(accounts)),
      clock: {
        serverTime: async () => {
          if (binance.clockOffset(clockUrl) === undefined)
            await binance.resyncClock(clockUrl).catch(() => undefined);
          return Date.now() + (binance.clockOffset(clockUrl) ?? 0);
        },
      },
      admin: new AdminApiService({
        store,
        sealer: async () => sealer,
        defaultBaseUrl: venueUrl,
        // This process's caches drop at once; other processes follow by poll (or Redis) within a second.
        afterChange: () => announced.notifyChanged(),
      }),
    };

    // Abandoned PENDING records are settled at start-up and then periodically, by every replica: one
    // that dies leaves records only the others can settle. A record is left alone until no request can
    // still be running it (the grace period, from the exchange timeouts: see pending-grace.ts). An
    // embedded SQLite file has one server, so whatever is PENDING at start-up was left by a crash.
    const graceMs = pendingGraceMs(config.exchange);
    sweeper = new PendingSweeper({
      store,
      exchange,
      accounts,
      logger,
      settledBy: instanceId(),
      graceMs,
      intervalMs: sweepIntervalMs(graceMs),
      startupGraceMs: store.kind === "sqlite" ? 0 : graceMs,
    });
    // In the background: an unreachable exchange must not keep the gateway from starting.
    const reconciled = sweeper.start();

    const schema = await buildGatewaySchema();
    const http = createHttpApp({
      schema,
      authenticator,
      services,
      logger,
      plugins: [metrics.apolloPlugin()],
      routes: Router()
        .use(metrics.router((err) => logger.error({ err }, "metrics scrape failed")))
        .use(
          consoleRoutes({
            oidcIssuer: config.oidc?.issuer,
            oidcClient: config.oidc?.consoleClientId
              ? {
                  clientId: config.oidc.consoleClientId,
                  providerName: config.oidc.consoleProviderName ?? "single sign-on",
                }
              : undefined,
          }),
        ),
      introspection: config.introspection,
      mutationRateLimits: config.mutationRateLimits,
      subscriptions: true,
      // With Redis, every replica charges the same budgets; without it, each keeps its own.
      mutationBudget:
        shared &&
        new (await import("./ratelimit/redis-mutation-budget")).RedisMutationBudget({
          redis: shared.commands,
          keyPrefix: config.redisKeyPrefix,
          ...config.mutationRateLimits,
        }),
      httpTimeouts: config.httpTimeouts,
      ready: async () => {
        const db = await store.ready().catch(() => false);
        // An exchange that is down or limiting does not make this replica unready: every replica shares
        // it, the gateway still serves reads of its own data, and answers fast instead of timing out.
        return {
          ok: db,
          details: {
            database: db ? "ok" : "unavailable",
            // Redis is optional and degrades to per-replica state, so it never makes a replica unready.
            ...(shared ? { redis: shared.status() } : {}),
            exchanges: exchangeHealth(binance),
          },
        };
      },
    });
    const listening = await http.listen({ port: config.port, host: config.host });
    // Keep-alive from load balancers must outlive Node's default 5 s idle timeout to avoid races.
    http.httpServer.keepAliveTimeout = 65_000;
    const url = listening.url;
    logger.info({ url, store: store.kind }, "mmp-gateway listening");

    const w = watcher;
    const ex = exchange;
    const lv = live;
    const sweep = sweeper;
    return {
      url,
      store,
      logger,
      reconciled,
      refreshCaches: () => w.poll(),
      stop: async () => {
        // Stop accepting, let in-flight requests (and their audit writes) finish, drop idle sockets.
        await http.stop();
        await sweep.stop();
        await lv.stop();
        w.stop();
        await ex.close();
        await shared?.close();
        if (ownsStore) await store.close();
      },
    };
  } catch (err) {
    await sweeper?.stop();
    await live?.stop().catch(() => undefined);
    watcher?.stop();
    await exchange?.close();
    await shared?.close();
    if (ownsStore) await store.close().catch(() => undefined);
    throw err;
  }
}

/** Per exchange host, for /readyz: circuit state and rate-limit back-off (hosts seen since start-up). */
function exchangeHealth(binance: BinanceClient): Record<string, unknown>[] {
  const now = Date.now();
  const limits = new Map(binance.rateLimitSnapshot().map((r) => [r.host, r]));
  const circuits = new Map(binance.circuitSnapshot().map((c) => [c.host, c]));
  return [...new Set([...limits.keys(), ...circuits.keys()])].sort().map((host) => {
    const c = circuits.get(host);
    const r = limits.get(host);
    const backoffUntil = r?.backoffUntil ?? null;
    return {
      host,
      circuit: c?.state ?? "closed",
      consecutiveFailures: c?.consecutiveFailures ?? 0,
      circuitRetryInSeconds: c?.retryAt ? Math.max(1, Math.ceil((c.retryAt - now) / 1000)) : null,
      rateLimitedForSeconds: backoffUntil ? Math.max(1, Math.ceil((backoffUntil - now) / 1000)) : null,
      usedWeight: r?.usedWeight ?? 0,
      weightLimit: r?.limit ?? null,
    };
  });
}
