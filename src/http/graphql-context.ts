/**
 * Authentication for /graphql, run by Apollo as the context function, before parsing and execution.
 *
 * Every request must carry a valid bearer token: a missing, malformed, unknown or revoked one is answered
 * with HTTP 401 and a GraphQL-shaped body `{"errors":[{"message":…,"extensions":{"code":"UNAUTHENTICATED"}}]}`,
 * so no resolver ever runs for an anonymous caller. Apollo turns an error thrown here into that response,
 * taking the HTTP status (and headers) from `extensions.http`; we add `WWW-Authenticate` as RFC 6750 asks.
 * A fault inside the authenticator (a database error…) is logged and answered with a masked 500.
 */
import { HeaderMap } from "@apollo/server";
import type { IncomingMessage, ServerResponse } from "node:http";
import { GraphQLError } from "graphql";
import type { Logger } from "pino";
import type { Authenticator } from "../auth/auth.types";
import { isGatewayError } from "../errors";
import type { GatewayContext, GatewayServices } from "../graphql/context.type";
import { INTERNAL_ERROR_MESSAGE } from "../graphql/format-error";
import { requestIdOf } from "./request-id";
import { RequestReadBudget } from "../live/read-budget";

export interface GraphQLContextDeps {
  authenticator: Authenticator;
  services: GatewayServices;
  logger: Logger;
}

/** the request and response the context is built for (Express's are these too) */
export interface GraphQLContextArgument {
  req: IncomingMessage;
  res: ServerResponse;
}

export function createGraphQLContext(
  deps: GraphQLContextDeps,
): (argument: GraphQLContextArgument) => Promise<GatewayContext> {
  return async ({ req, res }) => {
    const requestId = requestIdOf(res);
    try {
      const principal = await deps.authenticator.authenticate(req.headers.authorization, requestId);
      // The authenticator's principal is cached and shared between requests: this request's copy names
      // it, so that what the services log for it carries its id (see src/observability/logger.ts).
      return {
        principal: { ...principal, requestId },
        requestId,
        services: deps.services,
        readBudget: new RequestReadBudget(),
      };
    } catch (error) {
      throw toContextError(error, requestId, deps.logger);
    }
  };
}

function toContextError(error: unknown, requestId: string, logger: Logger): GraphQLError {
  if (isGatewayError(error)) {
    const headers = new HeaderMap();
    if (error.code === "UNAUTHENTICATED") headers.set("www-authenticate", 'Bearer realm="mmp-gateway"');
    const retryAfter = error.extensions.retryAfterSeconds;
    if (error.code === "RATE_LIMITED" && typeof retryAfter === "number") {
      headers.set("retry-after", String(Math.max(0, Math.ceil(retryAfter))));
    }
    // `originalError` keeps the GatewayError visible to formatError, which then shows its own extensions.
    return new GraphQLError(error.message, {
      originalError: error,
      extensions: { ...error.extensions, http: { status: error.httpStatus, headers } },
    });
  }
  logger.error({ err: error, requestId }, "authentication failed with an internal error");
  return new GraphQLError(INTERNAL_ERROR_MESSAGE, {
    extensions: { code: "INTERNAL_SERVER_ERROR", http: { status: 500 } },
  });
}
