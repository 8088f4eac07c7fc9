/**
 * GraphQL subscriptions over WebSocket: the `graphql-ws` protocol on the same `/graphql` path as HTTP
 * (the `graphql-ws` server on a `ws` server sharing the HTTP server, as Apollo Server's subscriptions
 * guide sets it up).
 *
 * The same protections as HTTP, and a few of its own:
 * - Authentication from `connectionParams.authorization` ("Bearer <token>", API tokens and OIDC JWTs
 *   alike) in the connection_init message; none or an invalid one closes the socket with 4401. The
 *   credentials are checked again every second and before each event: once they no longer authenticate
 *   (revoked token, disabled user, expired JWT) the socket is closed with 4401.
 * - Only subscription operations: queries and mutations go over HTTP, where the mutation rate limits and
 *   the HTTP status codes live.
 * - The same parser token limit and validation rules (depth, aliases, cost, directives, masked field
 *   suggestions, introspection when disabled), and the same error masking (no internals).
 * - At most MAX_SUBSCRIPTIONS_PER_CONNECTION operations per connection and
 *   MAX_CONNECTIONS_PER_USER connections per user; keep-alive pings every KEEP_ALIVE_MS; a client that
 *   does not send connection_init within CONNECTION_INIT_TIMEOUT_MS is closed.
 */
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationRule,
} from "graphql";
import { useServer } from "graphql-ws/use/ws";
import type { Logger } from "pino";
import { WebSocketServer } from "ws";
import type { Authenticator } from "../auth/auth.types";
import type { Principal } from "../domain";
import { isGatewayError } from "../errors";
import type { GatewayContext, GatewayServices } from "../graphql/context.type";

export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 20;
export const MAX_CONNECTIONS_PER_USER = 20;
export const KEEP_ALIVE_MS = 12_000;
export const CONNECTION_INIT_TIMEOUT_MS = 5_000;
/** how often a connection's credentials are checked when no event arrives */
export const REAUTHENTICATE_EVERY_MS = 1_000;
/** close codes, beside graphql-ws's own (4400 bad request, 4403 forbidden, 4408 init timeout…) */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_TOO_MANY_CONNECTIONS = 4429;

export interface GraphqlWebSocketDeps {
  httpServer: Server;
  schema: GraphQLSchema;
  authenticator: Authenticator;
  services: GatewayServices;
  logger: Logger;
  validationRules: readonly ValidationRule[];
  parseOptions: ParseOptions;
  introspection: boolean;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** largest accepted message, in bytes (the HTTP body limit) */
  maxPayloadBytes: number;
}

interface ConnectionState {
  requestId: string;
  authorization: string;
  principal: Principal;
  timer: NodeJS.Timeout;
  operations: Set<string>;
}

export interface GraphqlWebSocket {
  /** open connections (metrics, tests) */
  connections(): number;
  close(): Promise<void>;
}

export function attachGraphqlWebSocket(deps: GraphqlWebSocketDeps): GraphqlWebSocket {
  const wss = new WebSocketServer({
    server: deps.httpServer,
    path: "/graphql",
    maxPayload: deps.maxPayloadBytes,
  });
  const perUser = new Map<string, number>();
  const rules = [
    ...specifiedRules,
    ...deps.validationRules,
    ...(deps.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ];
  const log = deps.logger.child({ component: "websocket" });

  const format = (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    errors.map((e) => deps.formatError(e.toJSON(), e));

  function release(state: ConnectionState): void {
    clearInterval(state.timer);
    const n = (perUser.get(state.principal.userId) ?? 1) - 1;
    if (n <= 0) perUser.delete(state.principal.userId);
    else perUser.set(state.principal.userId, n);
  }

  const server = useServer<Record<string, unknown> | undefined, { state?: ConnectionState }>(
    {
      schema: deps.schema,
      connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
      onConnect: async (ctx) => {
        const requestId = randomUUID();
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const authorization = typeof raw === "string" ? raw : "";
        let principal: Principal;
        try {
          principal = await deps.authenticator.authenticate(authorization || undefined, requestId);
        } catch (err) {
          if (!isGatewayError(err))
            log.error({ err, requestId }, "authentication failed with an internal error");
          ctx.extra.socket.close(CLOSE_UNAUTHORIZED, "Unauthorized");
          return false;
        }
        const open = perUser.get(principal.userId) ?? 0;
        if (open >= MAX_CONNECTIONS_PER_USER) {
          ctx.extra.socket.close(CLOSE_TOO_MANY_CONNECTIONS, "Too many connections for this user");
          return false;
        }
        perUser.set(principal.userId, open + 1);
        const socket = ctx.extra.socket;
        const state: ConnectionState = {
          requestId,
          authorization,
          principal,
          operations: new Set(),
          timer: setInterval(() => void reauthenticate(state, socket), REAUTHENTICATE_EVERY_MS),
        };
        state.timer.unref();
        ctx.extra.state = state;
        return true;
      },
      onSubscribe: (ctx, id, payload) => {
        const state = ctx.extra.state;
        if (state === undefined) return [new GraphQLError("Not initialised")];
        if (state.operations.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
          return [
            new GraphQLError(
              `at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection; open another connection`,
              { extensions: { code: "RATE_LIMITED", retryAfterSeconds: 1 } },
            ),
          ];
        }
        let document: DocumentNode;
        try {
          document = parse(payload.query, deps.parseOptions);
        } catch (err) {
          const message = err instanceof GraphQLError ? err.message : "Syntax error";
          return [new GraphQLError(message, { extensions: { code: "GRAPHQL_PARSE_FAILED" } })];
        }
        const errors = validate(deps.schema, document, rules);
        // As over HTTP (Apollo's code for a document that does not validate).
        if (errors.length > 0) return errors.map(asValidationFailure);
        const operation = getOperationAST(document, payload.operationName);
        if (operation === null || operation === undefined) {
          return [new GraphQLError("the document names no operation to run", validationFailed)];
        }
        if (operation.operation !== "subscription") {
          return [
            new GraphQLError(
              "only subscriptions run over WebSocket; send queries and mutations as POST /graphql",
              validationFailed,
            ),
          ];
        }
        state.operations.add(id);
        const socket = ctx.extra.socket;
        const contextValue: GatewayContext = {
          principal: { ...state.principal, requestId: state.requestId },
          requestId: state.requestId,
          services: deps.services,
          reauthenticate: () => reauthenticate(state, socket),
        };
        return {
          schema: deps.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
        };
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: format(result.errors) } : result,
      onError: (_ctx, _id, _payload, errors) => format(errors),
      onComplete: (ctx, id) => {
        ctx.extra.state?.operations.delete(id);
      },
      onClose: (ctx) => {
        const state = ctx.extra.state;
        if (state !== undefined) release(state);
      },
    },
    wss,
    KEEP_ALIVE_MS,
  );

  async function reauthenticate(
    state: ConnectionState,
    socket: { close(code: number, reason: string): void },
  ) {
    try {
      state.principal = await deps.authenticator.authenticate(state.authorization, state.requestId);
      return state.principal;
    } catch (err) {
      if (isGatewayError(err) && err.code === "UNAUTHENTICATED") {
        socket.close(CLOSE_UNAUTHORIZED, "Unauthorized");
        return null;
      }
      // A database hiccup is not a revocation: keep the last known principal for now.
      log.warn({ err: String(err), requestId: state.requestId }, "re-authentication failed; retried");
      return state.principal;
    }
  }

  return {
    connections: () => wss.clients.size,
    async close() {
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

const validationFailed = { extensions: { code: "GRAPHQL_VALIDATION_FAILED" } };

function asValidationFailure(e: GraphQLError): GraphQLError {
  if (e.extensions.code !== undefined) return e;
  return new GraphQLError(e.message, { nodes: e.nodes, ...validationFailed });
}
