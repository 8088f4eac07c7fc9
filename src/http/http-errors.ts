/**
 * Answers for what fails before Apollo sees a request (body too large, malformed JSON) and for anything
 * thrown by a route. Bodies use the GraphQL error shape so a /graphql client parses every failure the
 * same way; nothing internal is returned.
 */
import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "pino";
import { INTERNAL_ERROR_MESSAGE, type ErrorCode } from "../errors";
import { requestIdOf } from "./request-id";

export function errorBody(message: string, code: ErrorCode) {
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

export interface ErrorAnswer {
  status: number;
  body: ReturnType<typeof errorBody>;
}

/**
 * The answer to an error raised before or outside GraphQL (body parser, route): a client error the
 * raiser marked as safe to show, or a logged and masked 500. Shared by `errorHandler` and the direct
 * POST /graphql path (create-http-app.ts).
 */
export function errorAnswer(
  error: unknown,
  deps: { logger: Logger; bodyLimit: string },
  requestId: string,
): ErrorAnswer {
  const status = clientErrorStatus(error);
  if (status !== undefined) {
    const message =
      status === 413
        ? `Request body too large: at most ${deps.bodyLimit}`
        : `Malformed request: ${error instanceof Error ? error.message : "unreadable body"}`;
    return { status, body: errorBody(message, "BAD_REQUEST") };
  }
  deps.logger.error({ err: error, requestId }, "unhandled error in an HTTP route");
  return { status: 500, body: errorBody(INTERNAL_ERROR_MESSAGE, "INTERNAL_SERVER_ERROR") };
}

export function errorHandler(deps: { logger: Logger; bodyLimit: string }): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const answer = errorAnswer(error, deps, requestIdOf(res));
    res.status(answer.status).json(answer.body);
  };
}
