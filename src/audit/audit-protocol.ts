/**
 * The audit protocol around every exchange mutation ("nothing lost"), shared by the MMP and kill-switch
 * services.
 *
 * 1. A PENDING record is committed before the request leaves the gateway. If that write fails, nothing
 *    is sent: a change the log cannot show must not happen.
 * 2. The call runs. Its outcome is written to the same record: SUCCEEDED, REJECTED (the exchange said
 *    no), FAILED (it certainly did not apply) or UNKNOWN (it may have applied).
 * 3. An unclear answer (timeout after sending, reset, 5XX) is resolved by reading the exchange back when
 *    the call has a read-back ("the exchange is the source of truth"): if the exchange holds what was
 *    asked, the caller is told it succeeded; otherwise EXCHANGE_UNAVAILABLE with outcome UNKNOWN.
 *
 * The record always ends in the state the caller was told. Writing the outcome is best effort: the
 * caller hears the exchange's answer even when the database fails at that moment, and the record stays
 * PENDING for reconciliation (src/audit/pending-sweeper.ts), which is still "a record", never "no record".
 */
import type { AuditAction, Principal } from "../domain";
import { GatewayError, isGatewayError } from "../errors";
import type { AuditCompletion, Store } from "../store/port";

export interface AuditLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface AuditedCall<T> {
  principal: Principal;
  accountId: string;
  action: AuditAction;
  /** the caller's validated input, JSON-safe (64-bit values as strings); never secrets */
  input: Record<string, unknown>;
  /** what the gateway last knew of the state this call changes; omitted when unknown */
  previous?: Record<string, unknown>;
  call: () => Promise<T>;
  /**
   * Reads the exchange after an unclear answer: the state when it shows the call took effect, else
   * undefined. Omit it for calls whose effect cannot be observed (the heartbeat).
   */
  readBack?: () => Promise<T | undefined>;
  /** what is stored as the record's `result` */
  resultJson: (result: T) => unknown;
  /** appended to the caller's message when the outcome stays unknown, e.g. whether a retry is safe */
  unknownAdvice?: string;
}

export interface Refusal {
  principal: Principal;
  /** null when the caller's account id was not even well-formed */
  accountId: string | null;
  action: AuditAction;
  input: Record<string, unknown>;
  error: GatewayError;
}

export interface AuditProtocolDeps {
  store: Pick<Store, "auditBegin" | "auditComplete">;
  now?: () => number;
  logger?: AuditLogger;
}

type Completion = Omit<AuditCompletion, "durationMs">;

export class AuditProtocol {
  private readonly now: () => number;

  constructor(private readonly deps: AuditProtocolDeps) {
    this.now = deps.now ?? Date.now;
  }

  async run<T>(c: AuditedCall<T>): Promise<T> {
    const auditId = await this.deps.store.auditBegin({
      actorId: c.principal.userId,
      actorName: c.principal.userName,
      accountId: c.accountId,
      action: c.action,
      input: JSON.stringify({ accountId: c.accountId, ...c.input }),
      previous: c.previous ? JSON.stringify(c.previous) : null,
    });
    const started = this.now();
    const complete = (completion: Completion) =>
      this.completeQuietly(
        auditId,
        { ...completion, durationMs: this.now() - started },
        c.principal.requestId,
      );

    let result: T;
    try {
      result = await c.call();
    } catch (err) {
      if (!isGatewayError(err)) {
        // An unexpected fault after the request may have left: the outcome is unknown.
        await complete({ outcome: "UNKNOWN", exchangeMessage: "gateway fault" });
        throw err;
      }
      if (err.code === "EXCHANGE_UNAVAILABLE" && err.extensions.outcome === "UNKNOWN" && c.readBack) {
        const held = await this.tryReadBack(c.readBack, c.principal.requestId);
        if (held !== undefined) {
          await complete({
            outcome: "SUCCEEDED",
            exchangeMessage: "confirmed by read-back after an unclear answer",
            result: JSON.stringify(c.resultJson(held)),
          });
          return held;
        }
      }
      const completion = completionFor(err);
      await complete(completion);
      if (completion.outcome === "UNKNOWN" && c.unknownAdvice) {
        throw new GatewayError(err.code, `${err.message}. ${c.unknownAdvice}`, { ...err.extensions });
      }
      throw err;
    }
    await complete({ outcome: "SUCCEEDED", result: JSON.stringify(c.resultJson(result)) });
    return result;
  }

  /**
   * Records a request the gateway refused before calling the exchange (FORBIDDEN, BAD_USER_INPUT…) as
   * FAILED, with the refusal as its message. Used for bulk items, so that the log shows every item of a
   * batch, not only those that reached the exchange. Best effort: nothing was sent, so a failed write
   * only loses the trace of a refusal.
   */
  async recordRefusal(r: Refusal): Promise<void> {
    try {
      const id = await this.deps.store.auditBegin({
        actorId: r.principal.userId,
        actorName: r.principal.userName,
        accountId: r.accountId,
        action: r.action,
        input: JSON.stringify(r.input),
      });
      await this.deps.store.auditComplete(id, {
        outcome: "FAILED",
        exchangeMessage: `refused by the gateway (${r.error.code}): ${r.error.message}`,
        durationMs: 0,
      });
    } catch (err) {
      this.deps.logger?.error({ requestId: r.principal.requestId, err }, "could not audit a refused request");
    }
  }

  private async tryReadBack<T>(
    readBack: () => Promise<T | undefined>,
    requestId: string | undefined,
  ): Promise<T | undefined> {
    try {
      return await readBack();
    } catch (err) {
      const reason = isGatewayError(err) ? err.message : String(err);
      this.deps.logger?.warn({ requestId, err: reason }, "read-back failed");
      return undefined;
    }
  }

  private async completeQuietly(
    id: number,
    completion: AuditCompletion,
    requestId: string | undefined,
  ): Promise<void> {
    try {
      await this.deps.store.auditComplete(id, completion);
    } catch (err) {
      this.deps.logger?.error(
        { requestId, err, auditId: id },
        "audit completion failed; record stays PENDING",
      );
    }
  }
}

function completionFor(err: GatewayError): Completion {
  const ext = err.extensions;
  switch (err.code) {
    case "EXCHANGE_REJECTED":
      return {
        outcome: "REJECTED",
        exchangeCode: ext.exchangeCode ?? null,
        exchangeMessage: ext.exchangeMessage ?? null,
      };
    case "EXCHANGE_UNAVAILABLE":
      return { outcome: ext.outcome === "NOT_APPLIED" ? "FAILED" : "UNKNOWN", exchangeMessage: err.message };
    default:
      return { outcome: "FAILED", exchangeMessage: err.message };
  }
}
