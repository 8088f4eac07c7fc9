/**
 * One id per HTTP request, for logs and for the caller to quote when reporting a problem.
 *
 * A caller (or a proxy in front of us) may send its own `x-request-id` so that its logs and ours share
 * one id; we accept it only when it is short and made of safe characters, because it is written to logs
 * and echoed in a response header, where a crafted value could forge log lines or split headers.
 */
import { randomUUID } from "node:crypto";
import type { RequestHandler, Response } from "express";

export const REQUEST_ID_HEADER = "x-request-id";

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdMiddleware(): RequestHandler {
  return (req, res, next) => {
    const offered = req.get(REQUEST_ID_HEADER);
    const requestId = offered !== undefined && SANE_REQUEST_ID.test(offered) ? offered : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    next();
  };
}

/** The id `requestIdMiddleware` gave this request. */
export function requestIdOf(res: Response): string {
  const id: unknown = res.locals.requestId;
  return typeof id === "string" ? id : "unassigned";
}
