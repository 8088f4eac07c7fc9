/**
 * The one poller of a deployment (see leader.ts): every interval it reads GET /eapi/v1/mmp for each
 * (account, underlying) that has MMP configured or that someone watches, and feeds the answers to the
 * live state, where they are compared with what was known (detections happen there).
 *
 * Unconfigured underlyings are still read, once per discovery period, so that a config created outside
 * the gateway is found. The poller draws on the read share of the exchange's weight: when the pairs it
 * must read per minute would pass that share, it lengthens its interval rather than exceed it, and says
 * so (log and metrics).
 */
import type { ExchangeCredentials } from "../domain";
import { isGatewayError } from "../errors";
import { mapBounded } from "../util/bounded-map";
import { isConfigured } from "./detect-changes";
import type { LiveMmpState } from "./live-state";
import type { MmpObservation } from "./live-state.types";

/** how often every underlying is read even when nothing is configured or watched there */
export const DISCOVERY_PERIOD_MS = 30_000;
/** reads in flight at once during a poll */
const POLL_CONCURRENCY = 4;

export interface PollerDeps {
  state: LiveMmpState;
  /** every account the gateway holds, with credentials */
  accounts: () => Promise<ExchangeCredentials[]>;
  /** the scope keys the account's venue lists */
  underlyings: (account: ExchangeCredentials) => Promise<ReadonlySet<string>>;
  refresh: (account: ExchangeCredentials, underlying: string) => Promise<MmpObservation>;
  isLeader: () => boolean;
  /** true while someone (a subscriber, a recent reader) watches the account */
  watched: (accountId: string) => boolean;
  /** the exchange's weight limit per minute for the account's host (exchangeInfo), if known */
  weightLimit: (baseUrl: string) => number;
  intervalMs: number;
  readShare: number;
  logger: { info(o: object, m: string): void; warn(o: object, m: string): void };
  onTick?: (t: PollTick) => void;
  /** every round: the accounts the leader polls, or none on a replica that does not lead */
  onAccounts?: (accounts: readonly ExchangeCredentials[]) => void;
  now?: () => number;
}

export interface PollTick {
  pairs: number;
  intervalMs: number;
  stretched: boolean;
  failures: number;
}

export class MmpPoller {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private running: Promise<void> | undefined;
  private intervalMs: number;
  private stretched = false;
  private readonly now: () => number;

  constructor(private readonly deps: PollerDeps) {
    this.intervalMs = deps.intervalMs;
    this.now = deps.now ?? Date.now;
  }

  /** the interval in force: the configured one, or longer when the weight budget requires */
  get currentIntervalMs(): number {
    return this.intervalMs;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** one round now (tests); resolves when its reads are done */
  async pollOnce(): Promise<PollTick> {
    const accounts = await this.deps.accounts();
    this.deps.onAccounts?.(accounts);
    const now = this.now();
    const perHost = new Map<string, number>();
    const jobs: { account: ExchangeCredentials; underlying: string }[] = [];
    for (const account of accounts) {
      const listed = await this.deps.underlyings(account).catch(() => new Set<string>());
      const watched = this.deps.watched(account.accountId);
      for (const underlying of listed) {
        perHost.set(account.baseUrl, (perHost.get(account.baseUrl) ?? 0) + 1);
        const known = this.deps.state.get(account.accountId, underlying);
        const due =
          known === undefined ||
          watched ||
          isConfigured(known.config) ||
          now - known.observedAt >= DISCOVERY_PERIOD_MS;
        if (due) jobs.push({ account, underlying });
      }
    }
    this.adjustInterval(perHost, jobs.length);
    let failures = 0;
    let refused = false;
    await mapBounded(jobs, POLL_CONCURRENCY, async ({ account, underlying }) => {
      // Once the exchange refuses reads, the rest of the round waits for the next one.
      if (refused || this.stopped) return;
      try {
        await this.deps.refresh(account, underlying);
      } catch (err) {
        failures += 1;
        if (isGatewayError(err) && err.code === "RATE_LIMITED") refused = true;
        if (failures === 1) {
          this.deps.logger.warn(
            { err: String(err), accountId: account.accountId, underlying },
            "MMP poll read failed; the live state keeps its last observation",
          );
        }
      }
    });
    const tick = { pairs: jobs.length, intervalMs: this.intervalMs, stretched: this.stretched, failures };
    this.deps.onTick?.(tick);
    return tick;
  }

  /**
   * Pairs of one host per minute at the configured interval must fit in the read share of that host's
   * limit (with a tenth kept for the dashboards' own reads); otherwise the interval grows to fit.
   */
  private adjustInterval(perHost: ReadonlyMap<string, number>, due: number): void {
    let needed = this.deps.intervalMs;
    for (const [baseUrl, pairs] of perHost) {
      const budgetPerMinute = this.deps.weightLimit(baseUrl) * this.deps.readShare * 0.9;
      if (budgetPerMinute <= 0) continue;
      needed = Math.max(needed, Math.ceil((pairs * 60_000) / budgetPerMinute));
    }
    const stretched = needed > this.deps.intervalMs;
    if (stretched !== this.stretched || (stretched && needed !== this.intervalMs)) {
      const log = { configuredMs: this.deps.intervalMs, intervalMs: needed, pairs: due };
      if (stretched)
        this.deps.logger.warn(log, "MMP poll interval lengthened to stay within the read weight share");
      else this.deps.logger.info(log, "MMP poll interval back to the configured one");
    }
    this.stretched = stretched;
    this.intervalMs = needed;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const started = this.now();
      const leads = this.deps.isLeader();
      if (!leads) this.deps.onAccounts?.([]);
      this.running = (leads ? this.pollOnce().then(() => undefined) : Promise.resolve())
        .catch((err: unknown) => this.deps.logger.warn({ err: String(err) }, "MMP poll round failed"))
        .finally(() => {
          this.running = undefined;
          // The interval is from start to start; a round longer than it starts the next at once.
          this.schedule(Math.max(0, this.intervalMs - (this.now() - started)));
        });
    }, delayMs);
    this.timer.unref();
  }
}
