/** What the venue clients' integration tests share: a logger that keeps its lines, and awaiting a failure. */
import { GatewayError } from "../../src/errors";

export interface LogLine {
  level: string;
  obj: object;
  msg?: string;
}

/** An ExchangeLogger that hands every line to `sink` (tests prove what is, and is not, logged). */
export function capturingLogger(sink: (line: LogLine) => void) {
  const log =
    (level: string) =>
    (obj: object, msg?: string): void => {
      sink({ level, obj, msg });
    };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

/** The GatewayError `p` rejects with; fails the test when it resolves or throws anything else. */
export async function failure(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error("expected a failure");
}
