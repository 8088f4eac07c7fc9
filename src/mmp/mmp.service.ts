/**
 * The MMP rules: who may act on which account, what a valid request is, and the audit protocol around
 * every exchange call.
 *
 * Audit protocol ("nothing lost"): a PENDING record is committed before the request leaves the
 * gateway and completed after the answer. A crash in between leaves PENDING, never nothing; start-up
 * reconciliation turns those into UNKNOWN and reads the exchange back.
 *
 * Unknown outcomes ("the exchange is the source of truth"): when a mutation may have been applied
 * (timeout after sending, reset, 5XX), the service reads the config back once. If the exchange holds
 * exactly what was asked, the caller is told it succeeded; otherwise EXCHANGE_UNAVAILABLE with
 * outcome UNKNOWN. The audit record ends in the state the caller was told.
 */
import type { AuditAction, ExchangeCredentials, MmpConfig, MmpSettings, Principal, Role } from "../domain";
import { roleAtLeast } from "../domain";
import { forbidden, GatewayError, isGatewayError } from "../errors";
import type { ExchangeClient } from "../exchange/exchange.port";
import type { AuditCompletion, Store } from "../store/port";
import type { AccountDirectory } from "./account-directory";
import type { AccountMmpConfig, MmpServiceApi, SetMmpConfigRequest } from "./mmp.types";
import {
  checkAccountId,
  checkListedUnderlying,
  checkNonNegativeLong,
  checkPositiveDecimal,
  checkUnderlyingShape,
  checkWindow,
  sameDecimal,
} from "./mmp.validation";

export interface MmpServiceDeps {
  store: Store;
  exchange: ExchangeClient;
  accounts: AccountDirectory;
  now?: () => number;
  logger?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

export class MmpService implements MmpServiceApi {
  /** the config the gateway last saw per account and underlying, recorded as `previous` in the audit */
  private readonly lastKnown = new Map<string, MmpConfig>();
  private readonly now: () => number;

  constructor(private readonly deps: MmpServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  async setMmpConfig(principal: Principal, req: SetMmpConfigRequest): Promise<AccountMmpConfig> {
    const account = await this.authorize(principal, req.accountId, "trader");
    const settings: MmpSettings = {
      underlying: checkUnderlyingShape("underlying", req.underlying),
      windowTimeInMilliseconds: checkWindow("windowTimeInMilliseconds", req.windowTimeInMilliseconds),
      frozenTimeInMilliseconds: checkNonNegativeLong(
        "frozenTimeInMilliseconds",
        req.frozenTimeInMilliseconds,
      ),
      qtyLimit: checkPositiveDecimal("qtyLimit", req.qtyLimit),
      deltaLimit: checkPositiveDecimal("deltaLimit", req.deltaLimit),
    };
    checkListedUnderlying(
      "underlying",
      settings.underlying,
      await this.deps.exchange.underlyings(account.baseUrl),
    );

    const config = await this.audited(
      principal,
      account,
      "SET_MMP",
      settings.underlying,
      settingsJson(settings),
      {
        call: () => this.deps.exchange.setMmp(account, settings),
        readBack: async () => {
          const held = await this.deps.exchange.getMmp(account, settings.underlying);
          return holds(held, settings) ? held : undefined;
        },
      },
    );
    return { ...config, accountId: account.accountId };
  }

  /**
   * Role check first, then existence: an account the caller has no role on answers FORBIDDEN whether
   * or not it exists, so ids cannot be enumerated.
   */
  async authorize(principal: Principal, accountId: string, need: Role): Promise<ExchangeCredentials> {
    checkAccountId("accountId", accountId);
    if (!roleAtLeast(principal.roles.get(accountId), need)) throw forbidden();
    const account = await this.deps.accounts.get(accountId);
    if (!account) throw forbidden();
    return account;
  }

  private async audited(
    principal: Principal,
    account: ExchangeCredentials,
    action: AuditAction,
    underlying: string,
    input: Record<string, unknown>,
    ops: { call: () => Promise<MmpConfig>; readBack?: () => Promise<MmpConfig | undefined> },
  ): Promise<MmpConfig> {
    const key = `${account.accountId}\u0000${underlying}`;
    const previous = this.lastKnown.get(key);
    const auditId = await this.deps.store.auditBegin({
      actorId: principal.userId,
      accountId: account.accountId,
      action,
      input: JSON.stringify({ accountId: account.accountId, ...input }),
      previous: previous ? JSON.stringify(configJson(previous)) : null,
    });
    const started = this.now();
    const complete = (c: Omit<AuditCompletion, "durationMs">) =>
      this.deps.store.auditComplete(auditId, { ...c, durationMs: this.now() - started });

    try {
      const result = await ops.call();
      this.lastKnown.set(key, result);
      await complete({ outcome: "SUCCEEDED", result: JSON.stringify(configJson(result)) });
      return result;
    } catch (err) {
      if (!isGatewayError(err)) {
        // An unexpected fault after the request may have left: the outcome is unknown.
        await this.completeQuietly(complete, { outcome: "UNKNOWN", exchangeMessage: "gateway fault" });
        throw err;
      }
      if (err.code === "EXCHANGE_UNAVAILABLE" && err.extensions.outcome === "UNKNOWN" && ops.readBack) {
        const held = await this.tryReadBack(ops.readBack);
        if (held) {
          this.lastKnown.set(key, held);
          await complete({
            outcome: "SUCCEEDED",
            exchangeMessage: "confirmed by read-back after an unclear answer",
            result: JSON.stringify(configJson(held)),
          });
          return held;
        }
      }
      await this.completeQuietly(complete, completionFor(err));
      throw err;
    }
  }

  private async tryReadBack(readBack: () => Promise<MmpConfig | undefined>): Promise<MmpConfig | undefined> {
    try {
      return await readBack();
    } catch (err) {
      this.deps.logger?.warn({ err: isGatewayError(err) ? err.message : String(err) }, "read-back failed");
      return undefined;
    }
  }

  /** The caller must hear the exchange's answer even if the audit completion fails; PENDING stays. */
  private async completeQuietly(
    complete: (c: Omit<AuditCompletion, "durationMs">) => Promise<void>,
    c: Omit<AuditCompletion, "durationMs">,
  ): Promise<void> {
    try {
      await complete(c);
    } catch (err) {
      this.deps.logger?.error({ err }, "audit completion failed; record stays PENDING");
    }
  }
}

function completionFor(err: GatewayError): Omit<AuditCompletion, "durationMs"> {
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

/** True when the exchange holds what was asked; decimals compared numerically (zeros are stripped). */
export function holds(held: MmpConfig, asked: MmpSettings): boolean {
  return (
    held.underlying === asked.underlying &&
    held.windowTimeInMilliseconds === asked.windowTimeInMilliseconds &&
    held.frozenTimeInMilliseconds === asked.frozenTimeInMilliseconds &&
    sameDecimal(held.qtyLimit, asked.qtyLimit) &&
    sameDecimal(held.deltaLimit, asked.deltaLimit)
  );
}

function settingsJson(s: MmpSettings): Record<string, unknown> {
  return { ...s, frozenTimeInMilliseconds: s.frozenTimeInMilliseconds.toString() };
}

export function configJson(c: MmpConfig): Record<string, unknown> {
  return {
    ...c,
    frozenTimeInMilliseconds: c.frozenTimeInMilliseconds.toString(),
    lastTriggerTime: c.lastTriggerTime.toString(),
  };
}
