/**
 * The one catalogue of gateway error codes.
 *
 * Every error a client can see is a GatewayError: its `extensions` object is what GraphQL puts in the
 * response's `errors[].extensions` (graphql-js copies `originalError.extensions`), and `httpStatus` is
 * what the HTTP layer answers when the error happens outside GraphQL execution (authentication runs in
 * Apollo's context function, so an UNAUTHENTICATED error there becomes HTTP 401). Inside execution
 * (a resolver throws) the answer is HTTP 200 with the error in `errors[]`, as GraphQL over HTTP has it:
 * `inExecution` says which codes can arise there at all. NOT_FOUND and BAD_REQUEST come only from the
 * HTTP layer (no such route; a body too large or not JSON), in the same `errors[]` shape.
 *
 * Anything thrown that is not a GatewayError is an internal fault: the GraphQL layer masks it as
 * INTERNAL_SERVER_ERROR and logs it, so no stack trace, SQL or exchange detail leaks to a caller.
 */

export const ERROR_CODES = {
  UNAUTHENTICATED: {
    httpStatus: 401,
    inExecution: false,
    meaning: "missing, malformed, unknown, expired or revoked credentials",
  },
  FORBIDDEN: {
    httpStatus: 403,
    inExecution: true,
    meaning: "the caller lacks the role, or the account does not exist (indistinguishable on purpose)",
  },
  BAD_USER_INPUT: {
    httpStatus: 400,
    inExecution: true,
    meaning: "an input failed validation; `field` names it; nothing was sent",
  },
  EXCHANGE_REJECTED: {
    httpStatus: 200,
    inExecution: true,
    meaning: "the exchange answered with an error; `exchangeCode` and `exchangeMessage` carry it",
  },
  EXCHANGE_UNAVAILABLE: {
    httpStatus: 200,
    inExecution: true,
    meaning:
      "the exchange could not be reached or answered badly; `outcome` says whether it may have applied",
  },
  RATE_LIMITED: {
    httpStatus: 429,
    inExecution: true,
    meaning: "too many requests; retry after `retryAfterSeconds`",
  },
  INTERNAL_SERVER_ERROR: {
    httpStatus: 500,
    inExecution: true,
    meaning: "a gateway fault; details are logged, never returned",
  },
  NOT_FOUND: {
    httpStatus: 404,
    inExecution: false,
    meaning: "no such HTTP route (only /graphql and the probes)",
  },
  BAD_REQUEST: {
    httpStatus: 400,
    inExecution: false,
    meaning: "the HTTP request itself is unreadable: a body too large, not JSON, or malformed",
  },
} as const;

/** The one message an internal fault is answered with, wherever it happens. */
export const INTERNAL_ERROR_MESSAGE = "Internal server error";

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Whether a failed exchange call may have changed exchange state.
 * - NOT_APPLIED: the request certainly did not take effect (never sent, or refused before processing).
 * - UNKNOWN: it may have taken effect (timeout after sending, connection reset, 5XX).
 */
export type ExchangeOutcome = "NOT_APPLIED" | "UNKNOWN";

export interface GatewayErrorExtensions {
  code: ErrorCode;
  field?: string;
  exchangeCode?: number;
  exchangeMessage?: string;
  outcome?: ExchangeOutcome;
  retryAfterSeconds?: number;
  [key: string]: unknown;
}

export class GatewayError extends Error {
  readonly extensions: GatewayErrorExtensions;

  constructor(code: ErrorCode, message: string, extra: Omit<GatewayErrorExtensions, "code"> = {}) {
    super(message);
    this.name = "GatewayError";
    this.extensions = { code, ...extra };
  }

  get code(): ErrorCode {
    return this.extensions.code;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].httpStatus;
  }
}

export function isGatewayError(e: unknown): e is GatewayError {
  return e instanceof GatewayError;
}

export const unauthenticated = (message = "Authentication required: send Authorization: Bearer <token>") =>
  new GatewayError("UNAUTHENTICATED", message);

export const forbidden = (
  message = "Not allowed: you have no sufficient role on this account, or it does not exist",
) => new GatewayError("FORBIDDEN", message);

export const badUserInput = (field: string, message: string) =>
  new GatewayError("BAD_USER_INPUT", `${field}: ${message}`, { field });

export const exchangeRejected = (exchangeCode: number, exchangeMessage: string, advice?: string) =>
  new GatewayError(
    "EXCHANGE_REJECTED",
    `The exchange rejected the request (${exchangeCode}: ${exchangeMessage})${advice ? `. ${advice}` : ""}`,
    { exchangeCode, exchangeMessage },
  );

export const exchangeUnavailable = (outcome: ExchangeOutcome, reason: string) =>
  new GatewayError(
    "EXCHANGE_UNAVAILABLE",
    outcome === "UNKNOWN"
      ? `The exchange did not answer clearly (${reason}); the change may or may not have been applied`
      : `The exchange could not be reached (${reason}); nothing was applied`,
    { outcome },
  );

export const rateLimited = (retryAfterSeconds: number, reason: string) =>
  new GatewayError("RATE_LIMITED", `Rate limited (${reason}); retry after ${retryAfterSeconds} s`, {
    retryAfterSeconds,
  });

export const internalError = () => new GatewayError("INTERNAL_SERVER_ERROR", INTERNAL_ERROR_MESSAGE);
