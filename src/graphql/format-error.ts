/**
 * What a GraphQL caller may see of an error, and nothing more.
 *
 * Three kinds of error reach Apollo's `formatError`:
 * - Ours: a GatewayError (thrown by a service, the auth checker or the HTTP context function), or a
 *   GraphQLError carrying one of our codes. It passes with its message and `extensions`.
 * - The request's own faults, found by graphql-js or Apollo before execution: a syntax error, an unknown
 *   field, a bad value. They pass with Apollo's codes, except that every bad *input value* (a malformed
 *   scalar literal or variable, a missing or unknown input field, a value of the wrong type) becomes
 *   BAD_USER_INPUT with `extensions.field` naming the input field, the same shape the services use, so a
 *   client has one way to point at the field in its form.
 * - Everything else is a gateway fault (a bug, a database error, a serializer given a float): the caller
 *   gets INTERNAL_SERVER_ERROR "Internal server error" and nothing of the original, which may hold SQL,
 *   exchange responses or stack traces. The original is logged with the request id.
 *
 * How we tell them apart matters for security: Apollo gives every error without a code the code
 * INTERNAL_SERVER_ERROR in the formatted copy, so the decision is made on the original error, never on
 * the formatted one. An error with a `path` was thrown during execution, where only our codes are trusted;
 * one without a path was produced by graphql-js/Apollo (or our context function) about the request.
 *
 * formatError has no access to the request, so logging with the request id happens in a plugin's
 * `didEncounterErrors`; formatError logs only what that hook never saw (errors Apollo raises outside
 * the request pipeline), without a request id.
 */
import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloServerErrorCode } from "@apollo/server/errors";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import type { Logger } from "pino";
import {
  ERROR_CODES,
  INTERNAL_ERROR_MESSAGE,
  isGatewayError,
  type ErrorCode,
  type GatewayError,
} from "../errors";
import type { GatewayContext } from "./context.type";
import { literalInputError, variableInputField } from "./input-error-field";
import { withoutEchoedValue, withoutSecrets } from "./secret-scrub";

export { INTERNAL_ERROR_MESSAGE };

/**
 * graphql-js suggests names ("Did you mean the enum value "ADMIN"?", "Did you mean "qtyLimit"?") in
 * validation and variable errors alike. graphql-armor masks only field suggestions in validation, and
 * enum values or field names would still let a caller map the schema with introspection off, so every
 * suggestion is masked here, where every error passes.
 */
const SUGGESTION = /Did you mean [^?]*\?/g;
const SUGGESTION_MASK = "[Suggestion hidden]";

function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, SUGGESTION_MASK);
}

export type ClassifiedError =
  /** ours: passes with its message and extensions */
  | { kind: "gateway"; message: string; extensions: Record<string, unknown> }
  /** an invalid input value, re-coded BAD_USER_INPUT */
  | { kind: "badInput"; message: string; field: string | undefined }
  /** any other fault of the request (parse, validation, CSRF…): passes as Apollo formatted it */
  | { kind: "request" }
  /** a gateway fault: masked */
  | { kind: "internal"; cause: unknown };

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

function findGatewayError(error: unknown): GatewayError | undefined {
  let current: unknown = error;
  // graphql-js wraps a resolver's error once; Apollo may wrap that again. A few levels is plenty.
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (isGatewayError(current)) return current;
    current = current instanceof GraphQLError ? current.originalError : undefined;
  }
  return undefined;
}

/** Extensions that are transport details or debugging aids, never part of a client-facing error. */
function publicExtensions(extensions: Record<string, unknown>): Record<string, unknown> {
  const { http: _http, stacktrace: _stacktrace, ...rest } = extensions;
  return rest;
}

export function classifyError(error: unknown): ClassifiedError {
  const gatewayError = findGatewayError(error);
  if (gatewayError) {
    return { kind: "gateway", message: gatewayError.message, extensions: { ...gatewayError.extensions } };
  }
  if (!(error instanceof GraphQLError)) return { kind: "internal", cause: error };

  const code = error.extensions.code;
  if (error.path !== undefined) {
    // Thrown while resolving a field: trust only our own catalogue (e.g. a GatewayError from another copy
    // of the module, or a GraphQLError deliberately built with one of our codes).
    if (isErrorCode(code) && code !== "INTERNAL_SERVER_ERROR") {
      return {
        kind: "gateway",
        message: error.message,
        extensions: publicExtensions({ ...error.extensions }),
      };
    }
    return { kind: "internal", cause: error.originalError ?? error };
  }
  // Outside execution, an error without a code is something Apollo caught and wrapped (e.g. a context
  // function that threw a plain Error): its message is not safe to show.
  if (typeof code !== "string") return { kind: "internal", cause: error.originalError ?? error };
  if (code === ApolloServerErrorCode.BAD_USER_INPUT) {
    const field = variableInputField(error);
    return { kind: "badInput", message: withoutSecrets(field, withoutEchoedValue(error)), field };
  }
  if (code === ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED) {
    const literal = literalInputError(error);
    if (literal) {
      return {
        kind: "badInput",
        message: withoutSecrets(literal.field, error.message),
        field: literal.field,
      };
    }
  }
  return { kind: "request" };
}

/**
 * Maps one error for the response. Pure: `createGatewayErrorHandling` adds logging around it.
 * Signature of Apollo's `formatError` (formatted copy, original error).
 */
export function formatGatewayError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const classified = classifyError(error);
  const where = {
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
  };
  switch (classified.kind) {
    case "gateway":
      return { message: classified.message, ...where, extensions: publicExtensions(classified.extensions) };
    case "badInput":
      return {
        message: withoutSuggestions(
          classified.field ? `${classified.field}: ${classified.message}` : classified.message,
        ),
        ...where,
        extensions: {
          code: "BAD_USER_INPUT",
          ...(classified.field ? { field: classified.field } : {}),
        },
      };
    case "request":
      return {
        ...formatted,
        message: withoutSuggestions(formatted.message),
        extensions: publicExtensions({ ...formatted.extensions }),
      };
    case "internal":
      return { message: INTERNAL_ERROR_MESSAGE, ...where, extensions: { code: "INTERNAL_SERVER_ERROR" } };
  }
}

export interface GatewayErrorHandling {
  /** for ApolloServer's `formatError` */
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  /** logs masked errors with the request id; add to ApolloServer's `plugins` */
  plugin: ApolloServerPlugin<GatewayContext>;
}

export function createGatewayErrorHandling(logger: Logger): GatewayErrorHandling {
  // Errors already logged with their request id, so formatError does not log them a second time.
  const logged = new WeakSet<object>();

  function logInternal(error: unknown, cause: unknown, requestId: string | undefined): void {
    if (typeof error === "object" && error !== null) {
      if (logged.has(error)) return;
      logged.add(error);
    }
    const path = error instanceof GraphQLError ? error.path : undefined;
    logger.error({ err: cause, requestId, path }, "internal error while handling a GraphQL request");
  }

  return {
    formatError(formatted, error) {
      const classified = classifyError(error);
      if (classified.kind === "internal") logInternal(error, classified.cause, undefined);
      return formatGatewayError(formatted, error);
    },
    plugin: {
      async requestDidStart() {
        return {
          async didEncounterErrors(requestContext) {
            for (const error of requestContext.errors) {
              const classified = classifyError(error);
              if (classified.kind === "internal") {
                logInternal(error, classified.cause, requestContext.contextValue.requestId);
              }
            }
          },
        };
      },
    },
  };
}
