/**
 * Answers for what fails before Apollo sees a request (body too large, malformed JSON) and for anything
 * thrown by a route. Bodies use the GraphQL error shape so a /graphql client parses every failure the
 * same way; nothing internal is returned.
 */
import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "pino";
import { INTERNAL_ERROR_MESSAGE } from "../graphql/format-error";
import { requestIdOf } from "./request-id";

function errorBody(message: string, code: string) {
  return { errors: [{ message, extensions: { code } }] };
}

/** Status of an error that body-parser (or any http-errors user) marked as safe to show. */
function clientErrorStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  return typeof status === "number" && status >= 400 && status < 500 && expose === true ? status : undefined;
}

export function notFoundHandler(): RequestHandler {
  return (_req, res) => {
    res.status(404).json(errorBody("Not found", "NOT_FOUND"));
  };
}

export function errorHandler(deps: { logger: Logger; bodyLimit: string }): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = clientErrorStatus(error);
    if (status !== undefined) {
      const message =
        status === 413
          ? `Request body too large: at most ${deps.bodyLimit}`
          : `Malformed request: ${error instanceof Error ? error.message : "unreadable body"}`;
      res.status(status).json(errorBody(message, "BAD_REQUEST"));
      return;
    }
    deps.logger.error({ err: error, requestId: requestIdOf(res) }, "unhandled error in an HTTP route");
    res.status(500).json(errorBody(INTERNAL_ERROR_MESSAGE, "INTERNAL_SERVER_ERROR"));
  };
}
