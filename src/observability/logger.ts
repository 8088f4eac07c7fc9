/**
 * The gateway's logger: JSON lines (pino) on stdout, the request's `requestId` on every line written
 * for a request, and secrets masked.
 *
 * The request id is passed along, not looked up: the GraphQL context hands resolvers a per-request copy
 * of the principal that names the request (`Principal.requestId`), AccountAuthorizer copies it into the
 * credentials it hands out (`ExchangeCredentials.requestId`), and whatever logs for a request (audit
 * protocol, services, exchange client, authenticators, HTTP error handlers) writes it as a field. An
 * AsyncLocalStorage would find it without the passing, but keeping one alive turns on async hooks for
 * every promise in the process, a large share of the gateway's CPU per call (docs/performance.md). Work shared by many requests (server-time sync, exchangeInfo refresh, cache reloads) is
 * logged without a request id: it is no one request's.
 */
import pino, { type DestinationStream, type Logger } from "pino";
import type { Config } from "../config";

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
    },
    destination,
  );
}
