/**
 * Never echoing a secret.
 *
 * graphql-js quotes the offending value in its messages, and for a variable that is the *whole* variable:
 * a typo anywhere in addExchangeAccount's `$input` would send the account secret back in the error
 * (`Variable "$input" got invalid value { …, secret: "…" }; Field "nmae" is not defined…`). Clients
 * routinely ship GraphQL errors to their logs and error trackers, so the gateway drops the quoted
 * value from every variable error (the caller knows what they sent), and replaces the explanation of a
 * bad write-only field, which may quote it too.
 */
import type { GraphQLError } from "graphql";
import { NAME, VARIABLE_PATH } from "./input-error-field";

/** Input fields whose values are never repeated back: account secrets and private keys. */
const WRITE_ONLY_FIELDS: ReadonlySet<string> = new Set(["secret"]);
const ECHOED_VARIABLE = new RegExp(`^(Variable "\\$${NAME}") got invalid value `);

/** A variable error's message without the value graphql-js quotes in it. */
export function withoutEchoedValue(error: GraphQLError): string {
  const head = ECHOED_VARIABLE.exec(error.message);
  if (!head) return error.message;
  const inner = error.originalError instanceof Error ? error.originalError.message : undefined;
  const suffix = inner === undefined ? undefined : `; ${inner}`;
  if (suffix === undefined || !error.message.endsWith(suffix)) return `${head[1]} has an invalid value`;
  const path = VARIABLE_PATH.exec(error.message.slice(0, -suffix.length))?.[1];
  return `${head[1]}${path === undefined ? "" : ` at "${path}"`} is invalid: ${inner}`;
}

export function withoutSecrets(field: string | undefined, message: string): string {
  return field !== undefined && WRITE_ONLY_FIELDS.has(field)
    ? "must be given as a string (the value is never repeated: it is write-only)"
    : message;
}
