/**
 * The live view's Prometheus metrics, on the gateway's registry. Account and underlying labels are
 * bounded by the accounts an admin added and the underlyings the exchange lists.
 */
import { Counter, Gauge, type Registry } from "prom-client";

export const LIVE_METRIC = {
  triggers: "mmp_triggers_total",
  outsideChanges: "mmp_changes_outside_gateway_total",
  frozen: "mmp_frozen_underlyings",
  pollInterval: "mmp_poll_interval_seconds",
  pollConfigured: "mmp_poll_configured_interval_seconds",
  pollPairs: "mmp_poll_pairs",
  pollStretched: "mmp_poll_interval_stretched",
  pollFailures: "mmp_poll_read_failures_total",
  leader: "mmp_poll_leader",
  subscriptions: "mmp_event_subscriptions",
  exchangeReads: "mmp_live_exchange_reads_total",
  pushFeeds: "mmp_push_feeds",
  pushFeedsConnected: "mmp_push_feeds_connected",
} as const;

export interface LiveMetricSources {
  frozenCount: () => number;
  isLeader: () => boolean;
  subscriptions: () => number;
  /** trigger feeds held (Deribit accounts, on the leader) and how many are connected */
  pushFeeds: () => { held: number; connected: number };
  configuredIntervalMs: number;
}

export class LiveMetrics {
  readonly triggers: Counter<"account" | "underlying">;
  readonly outsideChanges: Counter<"account" | "underlying">;
  readonly exchangeReads: Counter;
  private readonly pollInterval: Gauge;
  private readonly pollPairs: Gauge;
  private readonly pollStretched: Gauge;
  private readonly pollFailures: Counter;

  constructor(registry: Registry, sources: LiveMetricSources) {
    const registers = [registry];
    this.triggers = new Counter({
      name: LIVE_METRIC.triggers,
      help: "MMP triggers detected (lastTriggerTime moved), per account and underlying",
      labelNames: ["account", "underlying"],
      registers,
    });
    this.outsideChanges = new Counter({
      name: LIVE_METRIC.outsideChanges,
      help: "MMP configs changed outside the gateway (exchange UI, another tool), per account and underlying",
      labelNames: ["account", "underlying"],
      registers,
    });
    this.exchangeReads = new Counter({
      name: LIVE_METRIC.exchangeReads,
      help: "GET /eapi/v1/mmp calls made for the live view (poller and reads past the maximum age)",
      registers,
    });
    new Gauge({
      name: LIVE_METRIC.frozen,
      help: "underlyings whose MMP is frozen now, per the live state",
      registers,
      collect() {
        this.set(sources.frozenCount());
      },
    });
    new Gauge({
      name: LIVE_METRIC.leader,
      help: "1 when this replica is the one polling the exchange",
      registers,
      collect() {
        this.set(sources.isLeader() ? 1 : 0);
      },
    });
    new Gauge({
      name: LIVE_METRIC.subscriptions,
      help: "open mmpEvents subscriptions on this replica",
      registers,
      collect() {
        this.set(sources.subscriptions());
      },
    });
    new Gauge({
      name: LIVE_METRIC.pushFeeds,
      help: "venue trigger feeds this replica holds (one per Deribit account, on the leader)",
      registers,
      collect() {
        this.set(sources.pushFeeds().held);
      },
    });
    new Gauge({
      name: LIVE_METRIC.pushFeedsConnected,
      help: "of those, connected and subscribed; fewer than held: triggers wait for the next poll",
      registers,
      collect() {
        this.set(sources.pushFeeds().connected);
      },
    });
    new Gauge({
      name: LIVE_METRIC.pollConfigured,
      help: "MMP_POLL_INTERVAL_MS, in seconds",
      registers,
    }).set(sources.configuredIntervalMs / 1000);
    this.pollInterval = new Gauge({
      name: LIVE_METRIC.pollInterval,
      help: "the poll interval in force; longer than configured when the read weight share requires",
      registers,
    });
    this.pollInterval.set(sources.configuredIntervalMs / 1000);
    this.pollPairs = new Gauge({
      name: LIVE_METRIC.pollPairs,
      help: "(account, underlying) pairs read in the last poll round",
      registers,
    });
    this.pollStretched = new Gauge({
      name: LIVE_METRIC.pollStretched,
      help: "1 when the poll interval was lengthened to stay within EXCHANGE_READ_WEIGHT_SHARE",
      registers,
    });
    this.pollFailures = new Counter({
      name: LIVE_METRIC.pollFailures,
      help: "poll reads that failed (the live state keeps its last observation)",
      registers,
    });
  }

  pollTick(t: { pairs: number; intervalMs: number; stretched: boolean; failures: number }): void {
    this.pollPairs.set(t.pairs);
    this.pollInterval.set(t.intervalMs / 1000);
    this.pollStretched.set(t.stretched ? 1 : 0);
    this.pollFailures.inc(t.failures);
  }
}
