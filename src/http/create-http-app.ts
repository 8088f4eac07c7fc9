/**
 * The gateway's HTTP surface: Express 5 + Apollo Server 5.
 *
 * Routes
 * - `POST /graphql` (also `GET` for queries, as GraphQL over HTTP allows): JSON only, body at most
 *   `bodyLimit`. Every request is authenticated first (see graphql-context.ts): no valid bearer token,
 *   HTTP 401 UNAUTHENTICATED.
 * - `GET /healthz` → 200 `{"status":"ok"}`; `GET /readyz` → 200 or 503 `{"status","details"}`.
 * Every response carries `x-request-id`.
 *
 * Secure defaults, each on purpose:
 * - CSRF prevention on (Apollo's default, stated explicitly): a browser cannot send a "simple" request
 *   (form post, `<img>` GET) that executes an operation with a user's ambient credentials.
 * - Apollo's landing page is off: it loads Sandbox from a CDN, which we neither want to serve to traders'
 *   browsers nor depend on. The gateway serves its own console and a self-hosted GraphiQL at /console/
 *   (console.routes.ts, mounted through `routes`).
 * - Stack traces are never returned; unexpected errors are masked as INTERNAL_SERVER_ERROR and logged.
 * - No cache-control headers: responses of a trading gateway are not cacheable (Apollo's cache-control
 *   plugin is off, which also spares every field resolver its instrumentation wrapper).
 * - Usage and schema reporting to Apollo's cloud are disabled even if APOLLO_KEY is set in the
 *   environment: operation shapes of a trading system stay in-house.
 * - Automatic persisted queries are off: clients send full documents, and no client-fed cache exists.
 * - Introspection defaults to on: the schema is public anyway (schema.graphql) and reaching it needs a
 *   token. Pass `introspection: false` to turn it off.
 * - Depth, alias, cost, token and directive limits, no batching (hardening.ts); optional per-user and
 *   per-account mutation rate limits (src/ratelimit).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from "@apollo/server/plugin/disabled";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import express from "express";
import type { GraphQLSchema } from "graphql";
import type { Logger } from "pino";
import type { Authenticator } from "../auth/auth.types";
import type { GatewayContext, GatewayServices } from "../graphql/context.type";
import { createGatewayErrorHandling } from "../graphql/format-error";
import {
  MutationRateLimiter,
  mutationRateLimitPlugin,
  type MutationBudget,
} from "../ratelimit/mutation-rate-limit";
import type { RateSpec } from "../ratelimit/token-bucket";
import { createGraphQLContext } from "./graphql-context";
import { authenticateBeforeBody, serverTimeoutOptions, type HttpTimeouts } from "./slow-clients";
import { graphqlHardening, type GraphQLLimits } from "./hardening";
import { healthRoutes, type ReadinessCheck } from "./health.routes";
import { errorHandler, notFoundHandler } from "./http-errors";
import { bodyLimitBytes } from "./json-body";
import { requestIdMiddleware } from "./request-id";
import {
  createDirectGraphqlHandler,
  isDirectGraphqlRequest,
  NOT_RUNNING,
  sendJson,
  serveGraphQL,
} from "./direct-graphql";
import { attachGraphqlWebSocket } from "./graphql-websocket";

export interface HttpAppDeps {
  schema: GraphQLSchema;
  authenticator: Authenticator;
  services: GatewayServices;
  logger: Logger;
  /** Backs `GET /readyz`: database reachable, migrations applied. Given 2 s before it counts as not ready. */
  ready: ReadinessCheck;
  /** GraphQL introspection. Default: true (see the module comment). */
  introspection?: boolean;
  /** Largest accepted request body, in body-parser's notation. Default: "100kb". */
  bodyLimit?: string;
  /** How long `stop()` lets in-flight requests finish before closing their connections. Default: 10 000 ms. */
  stopGracePeriodMillis?: number;
  /**
   * More routes (e.g. metrics), mounted after the probes and before the 404 handler. POST /graphql
   * with a JSON body does not pass through them (see `createHttpApp`).
   */
  routes?: express.Router;
  /** More Apollo plugins (e.g. metrics), after the built-in ones. */
  plugins?: ApolloServerPlugin<GatewayContext>[];
  /** Overrides of the query limits in hardening.ts. */
  graphqlLimits?: Partial<GraphQLLimits>;
  /** Mutation rate limits; each absent one is off. Default: none. */
  mutationRateLimits?: { perUser?: RateSpec; perAccount?: RateSpec };
  /** Where those limits are kept; default: in this process. */
  mutationBudget?: MutationBudget;
  /** How long a client may take to send its request (slow-clients.ts). */
  httpTimeouts?: HttpTimeouts;
  /** GraphQL subscriptions over WebSocket on /graphql (graphql-websocket.ts). Default: off. */
  subscriptions?: boolean;
}

export interface ListenOptions {
  port: number;
  host: string;
}

export interface ListeningAddress {
  host: string;
  port: number;
  /** e.g. http://127.0.0.1:4000 (append /graphql for the endpoint) */
  url: string;
}

export interface HttpApp {
  /**
   * The Express app, complete (add routes through `deps.routes`); `app.listen()` would serve every route,
   * but without the direct POST /graphql path (see `createHttpApp`): prefer `listen()`.
   */
  readonly app: express.Express;
  readonly apollo: ApolloServer<GatewayContext>;
  /**
   * The Node server `listen()` uses, created up front so that `stop()` can drain it: the direct POST
   * /graphql path, then the Express app.
   */
  readonly httpServer: Server;
  /** Starts Apollo and opens /graphql (which answers 503 until then). Does not listen. Idempotent; not after stop(). */
  start(): Promise<void>;
  /**
   * `start()` if not done yet, then listens on `httpServer`. Port 0 picks a free port: read it from the
   * result. Prefer this to `app.listen()`: `stop()` then drains in-flight requests before closing.
   */
  listen(options: ListenOptions): Promise<ListeningAddress>;
  /**
   * Stops Apollo; if `listen()` was used, first stops accepting connections and lets in-flight requests
   * finish (up to `stopGracePeriodMillis`). Safe to call twice.
   */
  stop(): Promise<void>;
}

export const DEFAULT_BODY_LIMIT = "100kb";

// /graphql answers 503 until Apollo has started, and after it stopped.
type Phase =
  | { name: "created" }
  | { name: "starting"; started: Promise<void> }
  | { name: "started" }
  | { name: "stopped" };

/**
 * Express serves every route but one: `POST /graphql` with a JSON body takes a direct path
 * (direct-graphql.ts, where the reason is), with the same steps and answers.
 */
export function createHttpApp(deps: HttpAppDeps): HttpApp {
  const bodyLimit = deps.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = express();
  const jsonBody = express.json({ limit: bodyLimit });
  const maxMessageBytes = bodyLimitBytes(bodyLimit);
  const context = createGraphQLContext(deps);
  const httpServer = createServer(serverTimeoutOptions(deps.httpTimeouts), (req, res) => {
    if (isDirectGraphqlRequest(req)) direct(req, res);
    else app(req, res);
  });
  const errors = createGatewayErrorHandling(deps.logger);
  const hardening = graphqlHardening(deps.graphqlLimits);
  const rateLimiter = deps.mutationBudget ?? new MutationRateLimiter(deps.mutationRateLimits ?? {});
  const websocket = deps.subscriptions
    ? attachGraphqlWebSocket({
        httpServer,
        schema: deps.schema,
        authenticator: deps.authenticator,
        services: deps.services,
        logger: deps.logger,
        validationRules: hardening.validationRules,
        parseOptions: hardening.parseOptions,
        introspection: deps.introspection ?? true,
        formatError: errors.formatError,
        maxPayloadBytes: maxMessageBytes,
      })
    : undefined;

  const apollo = new ApolloServer<GatewayContext>({
    schema: deps.schema,
    introspection: deps.introspection ?? true,
    csrfPrevention: true,
    persistedQueries: false,
    allowBatchedHttpRequests: hardening.allowBatchedHttpRequests,
    validationRules: hardening.validationRules,
    parseOptions: hardening.parseOptions,
    // The CLI owns signals: it drains the server and audit writes, then exits 0. Apollo's own handler
    // would re-raise the signal after stopping, ending the process with 143 instead.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError: errors.formatError,
    logger: deps.logger.child({ component: "apollo" }),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // Apollo's default cache-control plugin computes a cache policy for every response (POST
      // responses are never cacheable anyway, and no type declares a hint), and, having a
      // willResolveField hook, makes Apollo wrap every field resolver of the schema for it.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: deps.stopGracePeriodMillis }),
      errors.plugin,
      ...(deps.plugins ?? []),
      ...hardening.plugins,
      mutationRateLimitPlugin(rateLimiter),
    ],
  });

  let phase: Phase = { name: "created" };
  const direct = createDirectGraphqlHandler({
    apollo,
    context,
    authenticator: deps.authenticator,
    logger: deps.logger,
    bodyLimit,
    running: () => phase.name === "started",
  });

  app.disable("x-powered-by");
  // GraphQL answers reflect the exchange's live state: nothing to revalidate, and hashing every answer
  // for an ETag costs a SHA-1 per response.
  app.set("etag", false);
  app.use(requestIdMiddleware());
  app.use((_req, res, next) => {
    res.setHeader("x-content-type-options", "nosniff");
    next();
  });
  app.use(healthRoutes({ ready: deps.ready, logger: deps.logger }));
  if (deps.routes) app.use(deps.routes);
  const graphqlRoute: express.RequestHandler = (req, res, next) => {
    if (phase.name !== "started") return sendJson(res, NOT_RUNNING);
    serveGraphQL(apollo, context, req, res).catch(next);
  };
  app.all(
    "/graphql",
    (req, res, next) =>
      authenticateBeforeBody(deps.authenticator, req, res, next, () => graphqlRoute(req, res, next)),
    jsonBody,
    graphqlRoute,
  );
  app.use(notFoundHandler());
  app.use(errorHandler({ logger: deps.logger, bodyLimit }));

  async function start(): Promise<void> {
    if (phase.name === "started") return;
    if (phase.name === "starting") return phase.started;
    if (phase.name !== "created") throw new Error(`cannot start the HTTP app: it is ${phase.name}`);
    const started = apollo.start();
    phase = { name: "starting", started };
    try {
      await started;
    } catch (error) {
      phase = { name: "stopped" };
      throw error;
    }
    // stop() may have been called meanwhile; it wins.
    if (phase.name === "starting") phase = { name: "started" };
  }

  return {
    app,
    apollo,
    httpServer,
    start,

    async listen(options) {
      if (phase.name !== "started") await start();
      return listenOn(httpServer, options);
    },

    async stop() {
      if (phase.name === "stopped") return;
      phase = { name: "stopped" };
      // Subscriptions end first: their sockets are not the HTTP server's to drain.
      await websocket?.close();
      // Apollo's shutdown runs the drain plugin, which closes httpServer if it is listening.
      await apollo.stop();
    },
  };
}

function listenOn(server: Server, { port, host }: ListenOptions): Promise<ListeningAddress> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      const bound = server.address() as AddressInfo;
      const urlHost = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
      resolve({ host: bound.address, port: bound.port, url: `http://${urlHost}:${bound.port}` });
    });
  });
}
