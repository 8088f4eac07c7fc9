// Gateway errors in words a trader understands (the codes are the gateway's; see the README's table).
import type { CombinedError } from "@urql/core";

export interface GatewayErrorFields {
  code?: string;
  message?: string;
  field?: string | null;
  exchangeCode?: number | null;
  exchangeMessage?: string | null;
  outcome?: string | null;
  retryAfterSeconds?: number | null;
}

/** what failed: a change (the default), or a read of what the exchange holds (nothing was to be applied) */
export type Attempt = "change" | "read";

export function explain(e: GatewayErrorFields, attempt: Attempt = "change"): string {
  if (attempt === "read") {
    switch (e.code) {
      case "RATE_LIMITED":
        return `Too many requests to the exchange: read again in ${e.retryAfterSeconds ?? "a few"} s.`;
      case "EXCHANGE_REJECTED":
        return `The exchange refused the read${e.exchangeCode != null ? ` (code ${e.exchangeCode})` : ""}: ${e.exchangeMessage ?? e.message ?? "no reason given"}.`;
      case "EXCHANGE_UNAVAILABLE":
        return "The exchange could not be reached or did not answer. It is read again at the next refresh.";
    }
  }
  switch (e.code) {
    case "RATE_LIMITED":
      return `Too many requests: the change was not applied. Wait ${e.retryAfterSeconds ?? "a few"} s, then try again.`;
    case "EXCHANGE_REJECTED":
      return `The exchange refused the change${e.exchangeCode != null ? ` (code ${e.exchangeCode})` : ""}: ${e.exchangeMessage ?? e.message ?? "no reason given"}. Nothing was changed.`;
    case "EXCHANGE_UNAVAILABLE":
      return e.outcome === "NOT_APPLIED"
        ? "The exchange could not be reached: the change was certainly not applied. Try again."
        : "The exchange did not answer clearly: the change may or may not have been applied. Check the current values in the table before trying again.";
    case "FORBIDDEN":
      return "You are not allowed to do this on this account.";
    case "BAD_USER_INPUT":
      return `The gateway refused the input${e.field ? ` (${e.field})` : ""}: ${e.message ?? ""}`;
    case "UNAUTHENTICATED":
      return "Your token is no longer valid. Sign in again.";
    default:
      return e.message ?? "Something went wrong.";
  }
}

/** the first gateway error of an urql error, in words */
export function explainCombined(error: CombinedError, attempt: Attempt = "change"): string {
  const first = error.graphQLErrors[0];
  if (first) return explain({ ...(first.extensions as GatewayErrorFields), message: first.message }, attempt);
  if (error.networkError) return "The gateway could not be reached. Check your connection.";
  return error.message;
}

export function isUnauthenticated(error: CombinedError): boolean {
  const status = (error.response as { status?: number } | undefined)?.status;
  return status === 401 || error.graphQLErrors.some((g) => g.extensions?.code === "UNAUTHENTICATED");
}

/** why a mutation's answer is unusable, in words; null when it carries data */
export function failureOf(answer: { error?: CombinedError; data?: unknown }): string | null {
  if (answer.error) return explainCombined(answer.error);
  return answer.data ? null : "No answer from the gateway.";
}
