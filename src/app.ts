/**
 * The composition root: builds the gateway from its configuration. `serve`, `demo` and the end-to-end
 * tests all start the gateway through here, so what the tests exercise is what operators run.
 */
import pino, { type Logger } from "pino";
import type { Config } from "./config";
import { ChangeWatcher } from "./cache/change-watcher";
import { TokenAuthenticator } from "./auth/token-authenticator";
import { AccountDirectory } from "./mmp/account-directory";
import { MmpService } from "./mmp/mmp.service";
import { BinanceClient } from "./exchange/binance";
import type { ExchangeClient } from "./exchange/exchange.port";
import { openStore } from "./store/open-store";
import type { Store } from "./store/port";
import { openSealer } from "./secrets";
import { buildGatewaySchema } from "./graphql/build-schema";
import { createHttpApp } from "./http/create-http-app";
import { reconcilePendingAudit } from "./mmp/reconcile";

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
  /** settles when start-up reconciliation of PENDING audit records is done */
  reconciled: Promise<{ settled: number }>;
  /** re-reads the store's auth version now instead of waiting for the poll (tests, in-process admin) */
  refreshCaches(): Promise<void>;
  stop(): Promise<void>;
}

export function createLogger(level: Config["logLevel"]): Logger {
  return pino({
    level,
    base: { service: "mmp-gateway" },
    // Defence in depth: no code path logs these, and if one ever does they are masked.
    redact: {
      paths: [
        "secret",
        "*.secret",
        "apiSecret",
        "*.apiSecret",
        "authorization",
        "*.authorization",
        "req.headers.authorization",
      ],
      censor: "[redacted]",
    },
  });
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger(config.logLevel);
  const store = opts.store ?? openStore(config.databaseUrl);
  const ownsStore = !opts.store;
  let exchange: ExchangeClient | undefined;
  let watcher: ChangeWatcher | undefined;
  try {
    await store.migrate();
    const sealer = await openSealer(store, config.masterKey);
    watcher = new ChangeWatcher(store, 250, (err) => logger.warn({ err }, "auth version poll failed"));
    await watcher.start();
    exchange = new BinanceClient({ logger });
    const accounts = new AccountDirectory(store, sealer, config.binanceEapiUrl, watcher);
    const authenticator = new TokenAuthenticator(store, watcher);
    const mmp = new MmpService({ store, exchange, accounts, logger });

    // An embedded SQLite file has one server, so whatever is PENDING at start-up was left by a crash.
    // A shared PostgreSQL may have another replica's request in flight: wait out its timeouts.
    const graceMs = store.kind === "sqlite" ? 0 : 30_000;
    // In the background: an unreachable exchange must not keep the gateway from starting.
    const reconciled = reconcilePendingAudit({ store, exchange, accounts, logger, graceMs }).catch((err) => {
      logger.warn({ err: String(err) }, "pending audit reconciliation failed");
      return { settled: 0 };
    });

    const schema = await buildGatewaySchema();
    const http = createHttpApp({
      schema,
      authenticator,
      services: { mmp },
      logger,
      introspection: config.introspection,
      ready: async () => {
        const db = await store.ready().catch(() => false);
        return { ok: db, details: { database: db ? "ok" : "unavailable" } };
      },
    });
    const listening = await http.listen({ port: config.port, host: config.host });
    // Keep-alive from load balancers must outlive Node's default 5 s idle timeout to avoid races.
    http.httpServer.keepAliveTimeout = 65_000;
    const url = listening.url;
    logger.info({ url, store: store.kind }, "mmp-gateway listening");

    const w = watcher;
    const ex = exchange;
    return {
      url,
      store,
      logger,
      reconciled,
      refreshCaches: () => w.poll(),
      stop: async () => {
        // Stop accepting, let in-flight requests (and their audit writes) finish, drop idle sockets.
        await http.stop();
        await reconciled;
        w.stop();
        await ex.close();
        if (ownsStore) await store.close();
      },
    };
  } catch (err) {
    watcher?.stop();
    await exchange?.close();
    if (ownsStore) await store.close().catch(() => undefined);
    throw err;
  }
}
