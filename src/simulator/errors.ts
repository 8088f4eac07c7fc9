/**
 * Binance error answers as the simulator produces them. Messages follow Binance's published wording
 * (codes are stable, messages vary on the real exchange too); `detail` is the simulator's own, longer
 * explanation, kept out of the HTTP answer (Binance would not give it) but recorded for debugging.
 */

export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly msg: string,
    readonly detail?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${code} ${msg}${detail ? ` (${detail})` : ""}`);
    this.name = "SimError";
  }

  body(): string {
    return JSON.stringify({ code: this.code, msg: this.msg });
  }
}

export const E = {
  unknown: () => new SimError(500, -1000, "An unknown error occurred while processing the request."),
  tooManyRequests: (limit: number, retryAfterSeconds: number) =>
    new SimError(
      429,
      -1008,
      `Too much request weight used; current limit is ${limit} request weight per 1 MINUTE. Please use the websocket for live updates to avoid polling the API.`,
      undefined,
      { "Retry-After": String(retryAfterSeconds) },
    ),
  banned: (untilMs: number, retryAfterSeconds: number) =>
    new SimError(
      418,
      -1008,
      `Way too much request weight used; IP banned until ${untilMs}. Please use the websocket for live updates to avoid bans.`,
      undefined,
      { "Retry-After": String(retryAfterSeconds) },
    ),
  timestampAhead: (detail: string) =>
    new SimError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.", detail),
  timestampOutside: (detail?: string) =>
    new SimError(400, -1021, "Timestamp for this request is outside of the recvWindow.", detail),
  badSignature: (detail: string) =>
    new SimError(400, -1022, "Signature for this request is not valid.", detail),
  illegalChars: (detail: string) =>
    new SimError(400, -1100, "Illegal characters found in a parameter.", detail),
  illegalCharsIn: (name: string, legal: string, detail?: string) =>
    new SimError(
      400,
      -1100,
      `Illegal characters found in parameter '${name}'; legal range is '${legal}'.`,
      detail,
    ),
  duplicate: (name: string) =>
    new SimError(
      400,
      -1101,
      "Duplicate values for a parameter detected.",
      `'${name}' is sent more than once`,
    ),
  mandatory: (name: string, detail?: string) =>
    new SimError(
      400,
      -1102,
      `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`,
      detail,
    ),
  malformedRequest: (detail: string) =>
    new SimError(400, -1102, "A mandatory parameter was not sent, was empty/null, or malformed.", detail),
  notAllRead: (read: number, sent: number, unread: string[]) =>
    new SimError(
      400,
      -1104,
      `Not all sent parameters were read; read '${read}' parameter(s) but was sent '${sent}'.`,
      `unexpected: ${unread.join(", ")}`,
    ),
  empty: (name: string) => new SimError(400, -1105, `Parameter '${name}' was empty.`),
  precision: (name: string, detail: string) =>
    new SimError(400, -1111, "Precision is over the maximum defined for this asset.", `${name}: ${detail}`),
  invalidUnderlying: (underlying: string) =>
    new SimError(400, -1128, "Invalid underlying.", `'${underlying}' is not listed in exchangeInfo`),
  invalidValue: (name: string, detail: string) =>
    new SimError(400, -1130, `Data sent for parameter '${name}' is not valid.`, detail),
  badRecvWindow: (detail: string) => new SimError(400, -1131, "recvWindow must be less than 60000", detail),
  badApiKeyFormat: (detail: string) => new SimError(401, -2014, "API-key format invalid.", detail),
  rejectedKey: (detail: string) =>
    new SimError(401, -2015, "Invalid API-key, IP, or permissions for action.", detail),
  noSuchPath: (method: string, path: string) =>
    new SimError(404, -5000, `Path ${path}, Method ${method} is invalid`),
  bodyTooLarge: () =>
    new SimError(413, -1000, "An unknown error occurred while processing the request.", "body > 64 KiB"),
};
