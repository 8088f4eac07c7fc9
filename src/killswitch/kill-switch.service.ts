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
import type { Principal } from "../domain";
import { badUserInput } from "../errors";
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
import { checkAccountUnderlying } from "../mmp/mmp.validation";

/** Binance: countdownTime 0 disables, otherwise at least 5000 ms. */
export const MIN_COUNTDOWN_MS = 5000n;
const INT64_MAX = 2n ** 63n - 1n;

export interface KillSwitchServiceDeps {
  store: Store;
  exchange: ExchangeClient;
  accounts: AccountDirectory;
  now?: () => number;
  logger?: AuditLogger;
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
    return toAccountKillSwitch(account.accountId, set);
  }

  async killSwitches(principal: Principal, accountId: string): Promise<AccountKillSwitch[]> {
    const account = await this.authorizer.authorize(principal, accountId, "viewer");
    const timers = await this.deps.exchange.getKillSwitches(account);
    // Some answers list a disabled timer with countdown 0: only armed timers are "kill switches".
    const active = timers.filter((t) => t.countdownTime > 0n);
    this.lastKnown.set(account.accountId, {
      complete: true,
      countdowns: new Map(active.map((t) => [t.underlying, t.countdownTime])),
    });
    return active.map((t) => toAccountKillSwitch(account.accountId, t));
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
