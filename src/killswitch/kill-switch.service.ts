/**
 * Kill-switch rules: roles (read: viewer; arm, disarm, heartbeat: trader), the countdown's range, and
 * the audit protocol around both mutations.
 *
 * What an unknown outcome means here (the exchange answered unclearly, so the call may have applied):
 * - setKillSwitch is read back: GET countdownCancelAll shows the underlying's countdown. When it equals
 *   what was asked, the caller is told it succeeded. The read-back cannot show whether the timer was
 *   restarted (a timer already at that countdown looks the same), which is why callers heartbeat anyway.
 *   Otherwise UNKNOWN; setting the same countdown again is safe.
 * - the heartbeat cannot be read back: the exchange does not say when a timer was last refreshed. It
 *   stays UNKNOWN, and the caller is told that sending it again is safe (a heartbeat only refreshes
 *   timers; it costs weight 10). The gateway does not resend it itself: the exchange client never
 *   re-sends a mutation whose fate is unclear, and a heartbeating bot sends the next one anyway.
 */
import type { ExchangeCredentials, Principal } from "../domain";
import { badUserInput, isGatewayError, rateLimited } from "../errors";
import type { RequestReadBudget } from "../live/read-budget";
import type { ExchangeClient, KillSwitch } from "../exchange/exchange.port";
import type { Store } from "../store/port";
import type { AccountDirectory } from "../access/account-directory";
import { AccountAuthorizer } from "../access/account-authorizer";
import { AuditProtocol, type AuditLogger } from "../audit/audit-protocol";
import type {
  AccountKillSwitch,
  KillSwitchHeartbeatRequest,
  KillSwitchServiceApi,
  SetKillSwitchRequest,
} from "./kill-switch.types";
import { checkAccountUnderlying } from "../mmp/venue-rules";

/** Binance: countdownTime 0 disables, otherwise at least 5000 ms. */
export const MIN_COUNTDOWN_MS = 5000n;
const INT64_MAX = 2n ** 63n - 1n;

export interface KillSwitchServiceDeps {
  store: Store;
  exchange: ExchangeClient;
  accounts: AccountDirectory;
  now?: () => number;
  logger?: AuditLogger;
  /** MMP_READ_MAX_AGE_MS: a list of timers younger than this answers reads without the exchange */
  readMaxAgeMs?: number;
}

/** One account's armed timers as last read, for reads within the maximum age (see killSwitches). */
interface TimerRead {
  at: number;
  timers: AccountKillSwitch[];
}

/** What the gateway last saw of one account's timers; `complete` after a read of all of them. */
interface KnownTimers {
  complete: boolean;
  countdowns: Map<string, bigint>;
}

export class KillSwitchService implements KillSwitchServiceApi {
  private readonly authorizer: AccountAuthorizer;
  private readonly audit: AuditProtocol;
  private readonly lastKnown = new Map<string, KnownTimers>();
  private readonly reads = new Map<string, TimerRead>();
  private readonly readsInFlight = new Map<string, Promise<AccountKillSwitch[]>>();

  constructor(private readonly deps: KillSwitchServiceDeps) {
    this.authorizer = new AccountAuthorizer(deps.accounts);
    this.audit = new AuditProtocol({ store: deps.store, now: deps.now, logger: deps.logger });
  }

  async setKillSwitch(principal: Principal, req: SetKillSwitchRequest): Promise<AccountKillSwitch> {
    const account = await this.authorizer.authorize(principal, req.accountId, "trader");
    const countdown = checkCountdown("countdownTimeInMilliseconds", req.countdownTimeInMilliseconds);
    const underlying = await checkAccountUnderlying(
      this.deps.exchange,
      account,
      "underlying",
      req.underlying,
    );
    const previous = this.known(account.accountId, underlying);
    const set = await this.audit.run<KillSwitch>({
      principal,
      accountId: account.accountId,
      action: "SET_KILL_SWITCH",
      input: { underlying, countdownTimeInMilliseconds: countdown.toString() },
      previous:
        previous === undefined ? undefined : { underlying, countdownTimeInMilliseconds: previous.toString() },
      call: () => this.deps.exchange.setKillSwitch(account, underlying, countdown),
      readBack: async () => {
        const timers = await this.deps.exchange.getKillSwitches(account, underlying);
        const held = timers.find((t) => t.underlying === underlying)?.countdownTime ?? 0n;
        return held === countdown ? { underlying, countdownTime: held } : undefined;
      },
      resultJson: (k) => ({
        underlying: k.underlying,
        countdownTimeInMilliseconds: k.countdownTime.toString(),
      }),
      unknownAdvice: "Setting the same countdown again is safe; killSwitches shows what the exchange holds",
    });
    this.remember(account.accountId, set.underlying, set.countdownTime);
    // The list read before this change no longer holds: the next read asks the exchange.
    this.reads.delete(account.accountId);
    return toAccountKillSwitch(account.accountId, set);
  }

  /**
   * Reads are protected like MMP reads (src/live): one exchange read per account however many requests
   * ask at once, none while the last one is younger than the maximum age, drawn on the read share of
   * the exchange's weight and on the request's allowance of exchange reads. Past either, the last list
   * read answers, however old; RATE_LIMITED only when there is none. A viewer's query loop can then
   * never spend the weight that heartbeats need.
   */
  async killSwitches(
    principal: Principal,
    accountId: string,
    budget?: RequestReadBudget,
  ): Promise<AccountKillSwitch[]> {
    const account = await this.authorizer.authorize(principal, accountId, "viewer");
    const now = (this.deps.now ?? Date.now)();
    const last = this.reads.get(account.accountId);
    if (last !== undefined && now - last.at < (this.deps.readMaxAgeMs ?? 0)) return last.timers;
    const pending = this.readsInFlight.get(account.accountId);
    if (pending !== undefined) return pending;
    if (budget !== undefined && !budget.take()) {
      if (last !== undefined) return last.timers;
      throw rateLimited(
        1,
        "this request asks for more exchange reads than one request may start; nothing sent",
      );
    }
    const read = this.readTimers(account, now);
    this.readsInFlight.set(account.accountId, read);
    const done = () => this.readsInFlight.delete(account.accountId);
    read.then(done, done);
    try {
      return await read;
    } catch (err) {
      if (last !== undefined && isGatewayError(err) && err.code === "RATE_LIMITED") return last.timers;
      throw err;
    }
  }

  private async readTimers(account: ExchangeCredentials, sentAt: number): Promise<AccountKillSwitch[]> {
    const timers = await this.deps.exchange.getKillSwitches(account, undefined, "read");
    // Some answers list a disabled timer with countdown 0: only armed timers are "kill switches".
    const active = timers.filter((t) => t.countdownTime > 0n);
    this.lastKnown.set(account.accountId, {
      complete: true,
      countdowns: new Map(active.map((t) => [t.underlying, t.countdownTime])),
    });
    const answer = active.map((t) => toAccountKillSwitch(account.accountId, t));
    this.reads.set(account.accountId, { at: sentAt, timers: answer });
    return answer;
  }

  async killSwitchHeartbeat(principal: Principal, req: KillSwitchHeartbeatRequest): Promise<string[]> {
    const account = await this.authorizer.authorize(principal, req.accountId, "trader");
    if (req.underlyings.length === 0) throw badUserInput("underlyings", "name at least one underlying");
    const underlyings = [...new Set(req.underlyings)];
    for (const u of underlyings) await checkAccountUnderlying(this.deps.exchange, account, "underlyings", u);
    return this.audit.run({
      principal,
      accountId: account.accountId,
      action: "KILL_SWITCH_HEARTBEAT",
      input: { underlyings },
      call: () => this.deps.exchange.killSwitchHeartbeat(account, underlyings),
      resultJson: (refreshed) => ({ refreshed }),
      unknownAdvice:
        "A heartbeat only refreshes timers, so sending it again is safe (it costs request weight 10)",
    });
  }

  // ---- internals ----

  private known(accountId: string, underlying: string): bigint | undefined {
    const timers = this.lastKnown.get(accountId);
    if (!timers) return undefined;
    return timers.countdowns.get(underlying) ?? (timers.complete ? 0n : undefined);
  }

  private remember(accountId: string, underlying: string, countdown: bigint): void {
    let timers = this.lastKnown.get(accountId);
    if (!timers) {
      timers = { complete: false, countdowns: new Map() };
      this.lastKnown.set(accountId, timers);
    }
    timers.countdowns.set(underlying, countdown);
  }
}

export function checkCountdown(field: string, value: bigint): bigint {
  if (value !== 0n && (value < MIN_COUNTDOWN_MS || value > INT64_MAX)) {
    throw badUserInput(
      field,
      `must be 0 (disables the kill switch) or at least ${MIN_COUNTDOWN_MS} milliseconds, got ${value}`,
    );
  }
  return value;
}

function toAccountKillSwitch(accountId: string, k: KillSwitch): AccountKillSwitch {
  return { accountId, underlying: k.underlying, countdownTimeInMilliseconds: k.countdownTime };
}
