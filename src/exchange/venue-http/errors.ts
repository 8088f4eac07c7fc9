/** Error helpers the venue clients (Deribit, OKX, Bybit) map their answers with. */
import { exchangeUnavailable, type GatewayError } from "../../errors";
import { describeBody, malformedAnswer, outcomeFor, type HttpAnswer } from "../binance/errors";
import type { JsonValue } from "../binance/json";
import { MalformedAnswer } from "../binance/parse";

/**
 * A non-2XX answer without a venue error in it, past the venue's own rate-limit statuses: a 404 is a
 * wrong base URL or path (nothing applied, `notFound` says which), anything else leaves a change's fate
 * unknown.
 */
export function httpStatusError(answer: HttpAnswer, mutation: boolean, notFound: string): GatewayError {
  const { status } = answer;
  if (status === 404) return exchangeUnavailable("NOT_APPLIED", notFound);
  const what = status >= 300 && status < 400 ? `unexpected redirect HTTP ${status}` : `HTTP ${status}`;
  return exchangeUnavailable(
    outcomeFor(mutation),
    `${what} with ${describeBody(answer.body, answer.headers)}`,
  );
}

/** The venue said it could not process the call now: a change may or may not have happened. */
export function unavailableWithCode(
  mutation: boolean,
  text: string,
  code: number,
  message: string,
): GatewayError {
  const error = exchangeUnavailable(outcomeFor(mutation), text);
  error.extensions.exchangeCode = code;
  error.extensions.exchangeMessage = message;
  return error;
}

/**
 * Parses the payload of a successful answer; a payload of the wrong shape is an unreadable answer
 * (EXCHANGE_UNAVAILABLE, UNKNOWN for a change), anything else is thrown as it is.
 */
export function readPayload<T>(
  payload: JsonValue | undefined,
  mutation: boolean,
  parse: (payload: JsonValue | undefined) => T,
): T {
  try {
    return parse(payload);
  } catch (err) {
    if (err instanceof MalformedAnswer) throw malformedAnswer(200, err.message, mutation);
    throw err;
  }
}

/** An error's message for a log line (never the request, its body or a secret). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
