/**
 * The gateway's logger: JSON lines (pino) on stdout, one `requestId` on every line written while a
 * request is being handled, and secrets masked.
 *
 * The request id travels in an AsyncLocalStorage rather than in a child logger passed down the call
 * chain: the services and the exchange client log through the one logger they were built with, and
 * would otherwise each need the request's logger threaded through every signature. A pino `mixin` reads
 * the current request's id from the storage on every line.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { RequestHandler } from "express";
import pino, { type DestinationStream, type Logger } from "pino";
import type { Config } from "../config";
import { requestIdOf } from "../http/request-id";

export interface RequestScope {
  requestId: string;
}

const scope = new AsyncLocalStorage<RequestScope>();

/** The request being handled on this async path, if any. */
export function currentRequest(): RequestScope | undefined {
  return scope.getStore();
}

/** Runs `fn` (and everything it starts) as part of the request `requestId`. */
export function runInRequest<T>(requestId: string, fn: () => T): T {
  return scope.run({ requestId }, fn);
}

/**
 * Opens the request scope for the rest of the middleware chain. Mount it after the request-id
 * middleware (which assigns the id) and before the routes whose logs should carry it.
 */
export function requestScopeMiddleware(): RequestHandler {
  return (_req, res, next) => scope.run({ requestId: requestIdOf(res) }, next);
}

/**
 * Field paths masked wherever they appear at these depths. No code path logs them; this is the net
 * under a future mistake (logging a request's headers, an account record, a config object).
 */
export const REDACTED_PATHS = [
  "secret",
  "*.secret",
  "apiSecret",
  "*.apiSecret",
  "secretSealed",
  "*.secretSealed",
  "masterKey",
  "*.masterKey",
  "token",
  "*.token",
  "password",
  "*.password",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  'headers["x-mbx-apikey"]',
  '*.headers["x-mbx-apikey"]',
  // GraphQL variables of addExchangeAccount / rotateAccountKey ({ input: { secret } }), as a request's
  // variables, its body, or the request itself; nothing logs them today.
  "variables.input.secret",
  "*.variables.input.secret",
  "*.*.variables.input.secret",
];

export function createLogger(level: Config["logLevel"], destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "mmp-gateway" },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      // A field given at the call site (e.g. an explicit requestId) wins over the mixin's. A new object
      // each time: pino merges the line's fields into what the mixin returns.
      mixin: () => {
        const current = scope.getStore();
        return current === undefined ? {} : { requestId: current.requestId };
      },
    },
    destination,
  );
}
