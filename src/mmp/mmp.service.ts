/**
 * The MMP rules: who may act on which account, what a valid request is, and the audit protocol
 * (src/audit/audit-protocol.ts) around every exchange call that changes MMP.
 *
 * Reads (mmpConfig, mmpConfigs) need role viewer; changes (setMmpConfig, setMmpConfigs, resetMmp) need
 * trader. Reads come from the live view (src/live) when it is wired: fresh state, or one shared exchange
 * read. Every config the gateway sees, read or written, becomes the "last known" config recorded as
 * `previous` in the next change's audit record; with the live view that is the shared live state (the
 * poller's and every replica's observations), otherwise this process's own memory.
 */
import { randomUUID } from "node:crypto";
import type { ExchangeCredentials, MmpConfig, MmpSettings, Principal, Role } from "../domain";
import { badUserInput, GatewayError, internalError, isGatewayError } from "../errors";
import type { ExchangeClient } from "../exchange/exchange.port";
import type { Store } from "../store/port";
import type { LiveMmpService } from "../live/live-mmp.service";
import type { RequestReadBudget } from "../live/read-budget";
import { configToJson } from "../live/live-state.types";
import type { AccountDirectory } from "../access/account-directory";
import { AccountAuthorizer } from "../access/account-authorizer";
import { AuditProtocol, type AuditLogger } from "../audit/audit-protocol";
import { mapBounded } from "../util/bounded-map";
import { freezeState } from "./mmp-freeze";
import type {
  AccountMmpConfig,
  MmpItemError,
  MmpItemResult,
  MmpServiceApi,
  ResetMmpRequest,
  SetMmpConfigRequest,
} from "./mmp.types";
import { sameDecimal } from "./mmp.validation";
import { checkAccountUnderlying, venueSettings } from "./venue-rules";

/**
 * Exchange calls in flight for one mmpConfigs read or one setMmpConfigs batch. Each call weighs 1 of
 * the 2400 per minute the exchange allows per IP; 4 keeps a full read of every underlying to about two
 * round trips while leaving room for other callers' changes.
 */
export const MMP_CONCURRENCY = 4;

/**
 * Most items in one setMmpConfigs call. A desk changes a few dozen account/underlying pairs at most when
 * the market turns; a cap keeps one request's weight (and its audit writes) bounded.
 */
export const MAX_BULK_ITEMS = 50;

export interface MmpServiceDeps {
  store: Store;
  exchange: ExchangeClient;
  accounts: AccountDirectory;
  /** the live view; without it every read calls the exchange (unit tests) */
  live?: LiveMmpService;
  now?: () => number;
  logger?: AuditLogger;
}

interface BatchPosition {
  id: string;
  index: number;
  size: number;
}

export class MmpService implements MmpServiceApi {
  /**
   * Without the live view only: the config this process last saw per account and underlying, recorded
   * as `previous` in the audit (with it, the live state is that memory, shared by every replica).
   */
  private readonly lastKnown = new Map<string, MmpConfig>();
  private readonly authorizer: AccountAuthorizer;
  private readonly audit: AuditProtocol;
  private readonly now: () => number;

  constructor(private readonly deps: MmpServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.authorizer = new AccountAuthorizer(deps.accounts);
    this.audit = new AuditProtocol({ store: deps.store, now: this.now, logger: deps.logger });
  }

  async setMmpConfig(principal: Principal, req: SetMmpConfigRequest): Promise<AccountMmpConfig> {
    const account = await this.authorize(principal, req.accountId, "trader");
    const settings = await this.validSettings(account, req);
    return this.apply(principal, account, settings, {});
  }

  async mmpConfig(
    principal: Principal,
    accountId: string,
    underlying: string,
    budget?: RequestReadBudget,
  ): Promise<AccountMmpConfig> {
    const account = await this.authorize(principal, accountId, "viewer");
    await checkAccountUnderlying(this.deps.exchange, account, "underlying", underlying);
    return this.read(account, underlying, budget);
  }

  async mmpConfigs(
    principal: Principal,
    accountId: string,
    budget?: RequestReadBudget,
  ): Promise<AccountMmpConfig[]> {
    const account = await this.authorize(principal, accountId, "viewer");
    const underlyings = [...(await this.deps.exchange.underlyings(account.baseUrl, account.venue))];
    // All or nothing: a partial list would read as "MMP not configured" for the missing underlyings.
    return mapBounded(underlyings, MMP_CONCURRENCY, (u) => this.read(account, u, budget));
  }

  async resetMmp(principal: Principal, req: ResetMmpRequest): Promise<AccountMmpConfig> {
    const account = await this.authorize(principal, req.accountId, "trader");
    const underlying = await checkAccountUnderlying(
      this.deps.exchange,
      account,
      "underlying",
      req.underlying,
    );
    const previous = this.known(account.accountId, underlying);
    const config = await this.audit.run({
      principal,
      accountId: account.accountId,
      action: "RESET_MMP",
      input: { underlying },
      previous: previous ? configJson(previous) : undefined,
      call: () => this.deps.exchange.resetMmp(account, underlying),
      // A reset exists to unfreeze: if the exchange shows the underlying unfrozen, the caller's goal holds,
      // whether this call or the frozen time running out did it.
      readBack: async () => {
        const held = await this.deps.exchange.getMmp(account, underlying);
        return freezeState(held, this.now()).frozen ? undefined : held;
      },
      resultJson: configJson,
    });
    return this.confirmed("RESET", principal, account.accountId, config);
  }

  async setMmpConfigs(
    principal: Principal,
    requests: readonly SetMmpConfigRequest[],
  ): Promise<MmpItemResult[]> {
    if (requests.length > MAX_BULK_ITEMS) {
      throw badUserInput(
        "inputs",
        `at most ${MAX_BULK_ITEMS} items per call, got ${requests.length}; split the batch`,
      );
    }
    const batchId = randomUUID();
    const firstIndex = new Map<string, number>();
    const duplicateOf = requests.map((r, i) => {
      const key = configKey(r.accountId, r.underlying);
      const first = firstIndex.get(key);
      if (first === undefined) firstIndex.set(key, i);
      return first;
    });
    return mapBounded(requests, MMP_CONCURRENCY, (req, index) =>
      this.bulkItem(principal, req, { id: batchId, index, size: requests.length }, duplicateOf[index]),
    );
  }

  /** Role check first, then existence: see AccountAuthorizer. */
  authorize(principal: Principal, accountId: string, need: Role): Promise<ExchangeCredentials> {
    return this.authorizer.authorize(principal, accountId, need);
  }

  // ---- internals ----

  private async validSettings(account: ExchangeCredentials, req: SetMmpConfigRequest): Promise<MmpSettings> {
    const settings = venueSettings(account.venue ?? "binance", req);
    await checkAccountUnderlying(this.deps.exchange, account, "underlying", settings.underlying);
    return settings;
  }

  private async apply(
    principal: Principal,
    account: ExchangeCredentials,
    settings: MmpSettings,
    extraInput: Record<string, unknown>,
  ): Promise<AccountMmpConfig> {
    const previous = this.known(account.accountId, settings.underlying);
    const config = await this.audit.run({
      principal,
      accountId: account.accountId,
      action: "SET_MMP",
      input: { ...settingsJson(settings), ...extraInput },
      previous: previous ? configJson(previous) : undefined,
      call: () => this.deps.exchange.setMmp(account, settings),
      readBack: async () => {
        const held = await this.deps.exchange.getMmp(account, settings.underlying);
        return holds(held, settings) ? held : undefined;
      },
      resultJson: configJson,
    });
    return this.confirmed("CHANGED", principal, account.accountId, config);
  }

  private async read(
    account: ExchangeCredentials,
    underlying: string,
    budget: RequestReadBudget | undefined,
  ): Promise<AccountMmpConfig> {
    if (this.deps.live !== undefined) {
      const o = await this.deps.live.read(account, underlying, budget);
      return { ...o.config, accountId: account.accountId, observedAt: o.observedAt };
    }
    const observedAt = this.now();
    const config = await this.deps.exchange.getMmp(account, underlying, "read");
    this.lastKnown.set(configKey(account.accountId, underlying), config);
    return { ...config, accountId: account.accountId, observedAt };
  }

  /** what the gateway last saw of this config: the live state, else this process's memory */
  private known(accountId: string, underlying: string): MmpConfig | undefined {
    return (
      this.deps.live?.state.get(accountId, underlying)?.config ??
      this.lastKnown.get(configKey(accountId, underlying))
    );
  }

  /** a change the exchange confirmed: into the live state (every replica) and out to subscribers */
  private confirmed(
    kind: "CHANGED" | "RESET",
    principal: Principal,
    accountId: string,
    config: MmpConfig,
  ): AccountMmpConfig {
    if (this.deps.live === undefined) {
      this.lastKnown.set(configKey(accountId, config.underlying), config);
      return { ...config, accountId, observedAt: this.now() };
    }
    const observedAt = this.deps.live.changed(kind, principal.userName, accountId, config);
    return { ...config, accountId, observedAt };
  }

  /**
   * One bulk item; never throws. An item the gateway refuses before calling the exchange (role, input,
   * a repeated account and underlying) is audited as a FAILED SET_MMP record whose message names the
   * refusal, so the log holds every item of a batch; the `batch` object in each record's input ties them
   * together. A refusal is filed under the account only when the caller can see that account's log;
   * otherwise under no account (admin users see it), so nobody writes into another team's log.
   */
  private async bulkItem(
    principal: Principal,
    req: SetMmpConfigRequest,
    batch: BatchPosition,
    duplicateOf: number | undefined,
  ): Promise<MmpItemResult> {
    let account: ExchangeCredentials;
    let settings: MmpSettings;
    try {
      if (duplicateOf !== undefined) {
        throw badUserInput(
          "underlying",
          `item ${batch.index} repeats the account and underlying of item ${duplicateOf}; ` +
            "a batch may change each account and underlying once",
        );
      }
      account = await this.authorize(principal, req.accountId, "trader");
      settings = await this.validSettings(account, req);
    } catch (err) {
      const error = this.asGatewayError(err, principal, "bulk item refused with an internal error");
      await this.audit.recordRefusal({
        principal,
        accountId: await this.authorizer.refusalAccountId(principal, req.accountId),
        action: "SET_MMP",
        input: { ...refusedInputJson(req), batch },
        error,
      });
      return { ok: false, error: itemError(req, error) };
    }
    try {
      return { ok: true, config: await this.apply(principal, account, settings, { batch }) };
    } catch (err) {
      return {
        ok: false,
        error: itemError(req, this.asGatewayError(err, principal, "bulk item failed with an internal error")),
      };
    }
  }

  /** Anything that is not ours is a gateway fault: logged here, masked for the caller. */
  private asGatewayError(err: unknown, principal: Principal, logMessage: string): GatewayError {
    if (isGatewayError(err)) return err;
    this.deps.logger?.error({ requestId: principal.requestId, err }, logMessage);
    return internalError();
  }
}

function configKey(accountId: string, underlying: string): string {
  return `${accountId}\u0000${underlying}`;
}

function itemError(req: SetMmpConfigRequest, err: GatewayError): MmpItemError {
  const ext = err.extensions;
  return {
    accountId: req.accountId,
    underlying: req.underlying,
    code: err.code,
    message: err.message,
    field: ext.field ?? null,
    exchangeCode: ext.exchangeCode ?? null,
    exchangeMessage: ext.exchangeMessage ?? null,
    outcome: ext.outcome ?? null,
    retryAfterSeconds: ext.retryAfterSeconds ?? null,
  };
}

/** A refused item's input as sent, with long strings cut: a refusal must not let anyone bloat the log. */
function refusedInputJson(req: SetMmpConfigRequest): Record<string, unknown> {
  const cut = (s: string) => (s.length > 64 ? `${s.slice(0, 64)}…` : s);
  return {
    accountId: cut(req.accountId),
    underlying: cut(req.underlying),
    windowTimeInMilliseconds: req.windowTimeInMilliseconds,
    frozenTimeInMilliseconds: req.frozenTimeInMilliseconds.toString(),
    qtyLimit: cut(req.qtyLimit),
    ...(req.deltaLimit == null ? {} : { deltaLimit: cut(req.deltaLimit) }),
    ...(req.vegaLimit == null ? {} : { vegaLimit: cut(req.vegaLimit) }),
    ...(req.maxQuoteQuantity == null ? {} : { maxQuoteQuantity: cut(req.maxQuoteQuantity) }),
  };
}

/** True when the exchange holds what was asked; decimals compared numerically (zeros are stripped). */
export function holds(held: MmpConfig, asked: MmpSettings): boolean {
  return (
    held.underlying === asked.underlying &&
    held.windowTimeInMilliseconds === asked.windowTimeInMilliseconds &&
    held.frozenTimeInMilliseconds === asked.frozenTimeInMilliseconds &&
    sameDecimal(held.qtyLimit, asked.qtyLimit) &&
    // A limit not asked for is the venue's to keep (Bybit keeps its vega limit) or absent (OKX delta).
    (asked.deltaLimit === undefined || sameDecimal(held.deltaLimit, asked.deltaLimit)) &&
    (asked.vegaLimit === undefined || sameDecimal(held.vegaLimit, asked.vegaLimit)) &&
    (asked.maxQuoteQuantity === undefined || sameDecimal(held.maxQuoteQuantity, asked.maxQuoteQuantity))
  );
}

function settingsJson(s: MmpSettings): Record<string, unknown> {
  return { ...s, frozenTimeInMilliseconds: s.frozenTimeInMilliseconds.toString() };
}

export function configJson(c: MmpConfig): Record<string, unknown> {
  return { ...configToJson(c) };
}
