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
import {
  BREAK,
  GraphQLError,
  Kind,
  parse,
  visit,
  type ASTNode,
  type DocumentNode,
  type GraphQLFormattedError,
  type Source,
} from "graphql";
import type { Logger } from "pino";
import {
  ERROR_CODES,
  INTERNAL_ERROR_MESSAGE,
  isGatewayError,
  type ErrorCode,
  type GatewayError,
} from "../errors";
import type { GatewayContext } from "./context.type";

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

// ---------------------------------------------------------------------------------------------------
// Naming the input field of a bad input value.
//
// graphql-js reports bad values in two places, and neither carries the field name as data:
// - validation (rule ValuesOfCorrectType) for literals in the document: the error's node is the bad
//   value (or the input object missing a field, or the unknown field itself), so we locate that node in
//   the document and take the nearest enclosing input field or argument;
// - variable coercion, whose message embeds the path inside the variable (`at "input.qtyLimit"`).
// The message patterns below are graphql-js 16's (pinned in package.json); unit tests run them against
// real Apollo responses, so an upgrade that changes them fails loudly.
// ---------------------------------------------------------------------------------------------------

const NAME = "[_A-Za-z][_0-9A-Za-z]*";
/** `Field "SetMmpConfigInput.qtyLimit" of required type "Decimal!" was not provided.` (literal) or
 * `Field "qtyLimit" of required type …` (variable); `Field "foo" is not defined by type "X".` (both) */
const FIELD_MESSAGE = new RegExp(
  `^Field "(?:${NAME}\\.)?(${NAME})" (?:of required type|is not defined by type) `,
);
/** `Field "setMmpConfig" argument "input" of type "SetMmpConfigInput!" is required, but it was not provided.` */
const MISSING_ARGUMENT = new RegExp(
  `^Field "${NAME}" argument "(${NAME})" of type "[^"]+" is required, but it was not provided\\.$`,
);
/** `There can be only one input field named "qtyLimit".` */
const DUPLICATE_FIELD = new RegExp(`^There can be only one input field named "(${NAME})"\\.$`);
/** the end of a variable error's prefix: ` at "input.qtyLimit"` or ` at "input.items[0].qty"` */
const VARIABLE_PATH = new RegExp(` at "(${NAME}(?:\\.${NAME}|\\[\\d+\\])+)"$`);
const VARIABLE_NAME = new RegExp(`^Variable "\\$(${NAME})" `);

const VALUE_KINDS: ReadonlySet<string> = new Set([
  Kind.INT,
  Kind.FLOAT,
  Kind.STRING,
  Kind.BOOLEAN,
  Kind.NULL,
  Kind.ENUM,
  Kind.LIST,
  Kind.OBJECT,
]);

/** For a validation error: whether it is about an input value, and which field. */
function literalInputError(error: GraphQLError): { field: string | undefined } | undefined {
  const fromMessage = FIELD_MESSAGE.exec(error.message) ?? MISSING_ARGUMENT.exec(error.message);
  if (fromMessage) return { field: fromMessage[1] };
  const duplicate = DUPLICATE_FIELD.exec(error.message);
  if (duplicate) return { field: duplicate[1] };

  const node = error.nodes?.[0];
  if (!node) return undefined;
  if (node.kind === Kind.OBJECT_FIELD) return { field: node.name.value };
  if (!VALUE_KINDS.has(node.kind)) return undefined;
  const start = node.loc?.start;
  const document = start === undefined ? undefined : documentOf(error.source);
  const field =
    document && enclosingInputName(document, (n) => n.kind === node.kind && n.loc?.start === start);
  return { field: field || undefined };
}

/** For a variable coercion error (Apollo's BAD_USER_INPUT): the input field it names, if any. */
function variableInputField(error: GraphQLError): string | undefined {
  const inner = error.originalError;
  const innerMessage = inner instanceof Error ? inner.message : undefined;
  if (innerMessage !== undefined) {
    const fieldInMessage = FIELD_MESSAGE.exec(innerMessage);
    if (fieldInMessage) return fieldInMessage[1];
    // graphql-js builds the message as `${prefix}; ${inner.message}`: the path is at the prefix's end.
    const suffix = `; ${innerMessage}`;
    if (error.message.endsWith(suffix)) {
      const path = VARIABLE_PATH.exec(error.message.slice(0, -suffix.length));
      if (path?.[1]) {
        const names = path[1].split(/\.|\[\d+\]/).filter((segment) => segment !== "");
        // the first name is the variable's; the last name is the innermost field
        if (names.length > 1) return names[names.length - 1];
      }
    }
  }
  // The variable's value is bad as a whole (`$qty: Decimal!` given "1e3", or missing): name the argument
  // or input field the variable is used for.
  const variable = VARIABLE_NAME.exec(error.message)?.[1];
  const document = documentOf(error.source);
  if (variable === undefined || !document) return undefined;
  return enclosingInputName(
    document,
    (node, parent) =>
      node.kind === Kind.VARIABLE &&
      node.name.value === variable &&
      parent?.kind !== Kind.VARIABLE_DEFINITION,
  );
}

// ---------------------------------------------------------------------------------------------------
// Never echoing a secret.
//
// graphql-js quotes the offending value in its messages, and for a variable that is the *whole* variable:
// a typo anywhere in addExchangeAccount's `$input` would send the account secret back in the error
// (`Variable "$input" got invalid value { …, secret: "…" }; Field "nmae" is not defined…`). Clients
// routinely ship GraphQL errors to their logs and error trackers, so the gateway drops the quoted
// value from every variable error (the caller knows what they sent), and replaces the explanation of a
// bad write-only field, which may quote it too.
// ---------------------------------------------------------------------------------------------------

/** Input fields whose values are never repeated back: account secrets and private keys. */
const WRITE_ONLY_FIELDS: ReadonlySet<string> = new Set(["secret"]);
const ECHOED_VARIABLE = new RegExp(`^(Variable "\\$${NAME}") got invalid value `);

/** A variable error's message without the value graphql-js quotes in it. */
function withoutEchoedValue(error: GraphQLError): string {
  const head = ECHOED_VARIABLE.exec(error.message);
  if (!head) return error.message;
  const inner = error.originalError instanceof Error ? error.originalError.message : undefined;
  const suffix = inner === undefined ? undefined : `; ${inner}`;
  if (suffix === undefined || !error.message.endsWith(suffix)) return `${head[1]} has an invalid value`;
  const path = VARIABLE_PATH.exec(error.message.slice(0, -suffix.length))?.[1];
  return `${head[1]}${path === undefined ? "" : ` at "${path}"`} is invalid: ${inner}`;
}

function withoutSecrets(field: string | undefined, message: string): string {
  return field !== undefined && WRITE_ONLY_FIELDS.has(field)
    ? "must be given as a string (the value is never repeated: it is write-only)"
    : message;
}

// A request's errors share one Source: parse it once, however many errors point into it.
const parsedSources = new WeakMap<Source, DocumentNode | null>();

function documentOf(source: Source | undefined): DocumentNode | undefined {
  if (!source) return undefined;
  let document = parsedSources.get(source);
  if (document === undefined) {
    try {
      document = parse(source);
    } catch {
      document = null;
    }
    parsedSources.set(source, document);
  }
  return document ?? undefined;
}

function isNode(value: unknown): value is ASTNode {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "kind" in value;
}

/** The name of the input field or argument nearest around the first node that `matches`. */
function enclosingInputName(
  document: DocumentNode,
  matches: (node: ASTNode, parent: ASTNode | undefined) => boolean,
): string | undefined {
  let name: string | undefined;
  let found = false;
  visit(document, {
    enter(node, _key, parent, _path, ancestors) {
      const parentNode = isNode(parent) ? parent : undefined;
      if (!matches(node, parentNode)) return undefined;
      found = true;
      // graphql-js passes the parent separately from the other ancestors.
      const around = [...ancestors, ...(parent === undefined ? [] : [parent])];
      for (let i = around.length - 1; i >= 0 && name === undefined; i--) {
        const candidate = around[i];
        if (isNode(candidate) && (candidate.kind === Kind.OBJECT_FIELD || candidate.kind === Kind.ARGUMENT)) {
          name = candidate.name.value;
        }
      }
      return BREAK;
    },
  });
  return found ? name : undefined;
}
