/**
 * One id per HTTP request, for logs and for the caller to quote when reporting a problem.
 *
 * A caller (or a proxy in front of us) may send its own `x-request-id` so that its logs and ours share
 * one id; we accept it only when it is short and made of safe characters, because it is written to logs
 * and echoed in a response header, where a crafted value could forge log lines or split headers.
 *
 * Plain node request and response types: the same functions serve Express's routes and the direct
 * POST /graphql path (create-http-app.ts).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";

export const REQUEST_ID_HEADER = "x-request-id";

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** where the id is kept on the response */
const REQUEST_ID = Symbol("requestId");
type Tagged = ServerResponse & { [REQUEST_ID]?: string };

/** Gives the request its id (the caller's, if sane) and echoes it in the response header. */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const offered = req.headers[REQUEST_ID_HEADER];
  const requestId = typeof offered === "string" && SANE_REQUEST_ID.test(offered) ? offered : randomUUID();
  (res as Tagged)[REQUEST_ID] = requestId;
  res.setHeader(REQUEST_ID_HEADER, requestId);
  return requestId;
}

export function requestIdMiddleware(): RequestHandler {
  return (req, res, next) => {
    assignRequestId(req, res);
    next();
  };
}

/** The id `assignRequestId` gave this request. */
export function requestIdOf(res: ServerResponse): string {
  return (res as Tagged)[REQUEST_ID] ?? "unassigned";
}
