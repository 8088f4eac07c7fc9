/**
 * What a slow or hostile client may cost the server before it has even sent its request.
 *
 * - Timeouts: the headers must arrive within `headersTimeoutMs` and the whole request, body included,
 *   within `requestTimeoutMs`, or the connection is closed (408). Node checks them only every
 *   `connectionsCheckingInterval`, 30 s by default, which is why a stalled header took 84 s to time
 *   out; it is checked every second here. Neither limits how long an answer may take (an exchange call
 *   and its read-back), which starts only once the request is in.
 * - Authenticate first: the bearer token is in the headers, so a caller without a valid one is answered
 *   401 without reading its body at all, and the connection is closed after the answer so the unread
 *   body is never drained. A body is read, within the timeouts above, only for a caller we know.
 */
import type { IncomingMessage, ServerOptions, ServerResponse } from "node:http";
import type { Authenticator } from "../auth/auth.types";
import { isGatewayError } from "../errors";
import { requestIdOf } from "./request-id";

export interface HttpTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };

/** How often Node looks for requests past their timeouts. */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

export function serverTimeoutOptions(t: HttpTimeouts = DEFAULT_HTTP_TIMEOUTS): ServerOptions {
  return {
    headersTimeout: t.headersTimeoutMs,
    requestTimeout: t.requestTimeoutMs,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
  };
}

/**
 * Calls `readBody` when the request's credentials are accepted (or could not be checked: the GraphQL
 * context reports that fault as usual), else `skipBody`, after marking the connection to close. Either
 * way the request then goes through Apollo, whose context function authenticates again (from the cache)
 * and gives a refusal its usual 401 answer, metrics and logs.
 */
export function authenticateBeforeBody(
  authenticator: Authenticator,
  req: IncomingMessage,
  res: ServerResponse,
  readBody: () => void,
  skipBody: () => void,
): void {
  authenticator.authenticate(req.headers.authorization, requestIdOf(res)).then(
    () => readBody(),
    (error: unknown) => {
      if (!isGatewayError(error) || error.code !== "UNAUTHENTICATED") return readBody();
      res.setHeader("connection", "close");
      (req as IncomingMessage & { body?: unknown }).body = {};
      skipBody();
    },
  );
}
