/**
 * One eapi call through Binance's checks, in order (weight, route, body framing, parameters, signed-call
 * checks, endpoint parameters, unread parameters), and executed only when all pass.
 */
import type { AccountEntry } from "./accounts";
import { authenticate } from "./auth";
import type { Apply, Endpoint } from "./endpoints";
import { E, SimError } from "./errors";
import { errorAnswer, isFormContentType, type Answer } from "./http";
import { ParamReader, parseParams } from "./params";
import type { RecordedRequest, SimulatorLogger } from "./types";
import type { WeightLimiter } from "./weights";

export interface ExecuteContext {
  limiter: WeightLimiter;
  accounts: ReadonlyMap<string, AccountEntry>;
  serverTime: () => number;
  logger: SimulatorLogger;
}

export interface Call {
  method: string;
  path: string;
  rawQuery: string;
  rawBody: string;
  apiKeyHeader: string | string[] | undefined;
  contentType: string | undefined;
  ip: string;
  endpoint: Endpoint | undefined;
  /** receives the decoded parameters */
  record: RecordedRequest;
}

export function executeCall(sim: ExecuteContext, call: Call): Answer {
  try {
    const admission = sim.limiter.admit(call.ip, sim.serverTime());
    if (!admission.ok) {
      throw admission.status === 429
        ? E.tooManyRequests(sim.limiter.limit, admission.retryAfterSeconds)
        : E.banned(admission.bannedUntil, admission.retryAfterSeconds);
    }
    const ep = call.endpoint;
    if (!ep) throw E.noSuchPath(call.method, call.path);
    if (call.rawBody !== "") {
      if (call.method !== "POST") throw E.malformedRequest("a GET request must not carry a body");
      if (!isFormContentType(call.contentType)) {
        throw E.malformedRequest(
          `a body needs Content-Type application/x-www-form-urlencoded, got '${call.contentType ?? ""}'`,
        );
      }
    }
    const parsed = parseParams(call.rawQuery, call.rawBody);
    call.record.params = Object.fromEntries([...parsed.merged].map(([name, s]) => [name, s.value]));
    const reader = new ParamReader(parsed.merged);
    let apply: Apply;
    if (ep.signed) {
      const account = authenticate(sim.accounts, sim.serverTime, { ...call, parsed, reader });
      apply = ep.prepare(reader, account);
    } else {
      apply = ep.prepare(reader);
    }
    // Binance reports parameters it never read (-1104), and then nothing is executed.
    reader.assertAllRead();
    return { status: 200, body: apply(), accepted: true };
  } catch (e) {
    if (e instanceof SimError) return errorAnswer(e);
    sim.logger.info("exchange simulator: unexpected error", e);
    return errorAnswer(E.unknown());
  }
}
