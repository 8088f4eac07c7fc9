/**
 * The gateway's live MMP view: one shared picture of every watched (account, underlying), kept by one
 * poller per deployment, fed by every read and change, pushed to subscribers as events.
 *
 * Where things happen:
 * - Every observation (a poll, a read past the maximum age, a change's answer) is applied here and
 *   sent to the other replicas over the live channel, so all replicas serve the same state.
 * - Only the leader (the replica that polls) compares observations with what was known and writes the
 *   detections (MMP_TRIGGERED, MMP_CHANGED_OUTSIDE_GATEWAY) to the audit log, once per deployment. It
 *   sees every replica's observations through the channel, so a trigger first seen by a dashboard read
 *   on another replica is still detected.
 * - Events travel the channel once; each replica hands them to its own subscribers.
 */
import { randomUUID } from "node:crypto";
import { FixedBuffer, Repeater } from "@repeaterjs/repeater";
import type { ExchangeCredentials, MmpConfig } from "../domain";
import type { ExchangeClient } from "../exchange/exchange.port";
import { freezeState } from "../mmp/mmp-freeze";
import type { Store } from "../store/port";
import { detectChanges } from "./detect-changes";
import type { LeaderElection } from "./leader";
import type { LiveChannel } from "./live-channel";
import type { LiveMetrics, LiveMetricSources } from "./live-metrics";
import { LiveMmpState } from "./live-state";
import {
  configToJson,
  eventFromJson,
  eventToJson,
  observationFromJson,
  observationToJson,
  type MmpEvent,
  type MmpEventKind,
  type MmpObservation,
  type ObservationMessage,
} from "./live-state.types";
import { MmpReader } from "./mmp-reader";
import { setByGateway } from "./outside-change";
import { triggerRecorded } from "./trigger-record";
import { MmpPoller, type PollTick } from "./poller";
import { PushFeeds, type PushFeedFactory } from "./push-feeds";
import type { RequestReadBudget } from "./read-budget";

/** how long a read keeps its account polled at the full rate */
const WATCH_AFTER_READ_MS = 60_000;
/** events buffered for one slow subscriber before its subscription ends with an error */
const SUBSCRIBER_BUFFER = 256;

export interface LiveSettings {
  pollIntervalMs: number;
  readMaxAgeMs: number;
  readWeightShare: number;
}

export interface LiveLogger {
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
  error(o: object, m: string): void;
}

export interface LiveMmpDeps {
  store: Pick<Store, "auditBegin" | "auditComplete" | "listAudit" | "listAccounts">;
  exchange: Pick<ExchangeClient, "getMmp" | "underlyings">;
  credentials: (accountId: string) => Promise<ExchangeCredentials | null>;
  channel: LiveChannel;
  leader: LeaderElection;
  settings: LiveSettings;
  weightLimit: (baseUrl: string) => number;
  logger: LiveLogger;
  /** feeds of venues that push triggers (Deribit); held by the leader */
  pushFeeds?: PushFeedFactory;
  metrics?: (sources: Omit<LiveMetricSources, "configuredIntervalMs">) => LiveMetrics;
  now?: () => number;
}

type Origin = ObservationMessage["origin"];

export class LiveMmpService {
  readonly state = new LiveMmpState();
  readonly reader: MmpReader;
  readonly poller: MmpPoller;
  readonly pushes: PushFeeds | undefined;
  private readonly sinks = new Set<(e: MmpEvent) => void>();
  private readonly readAt = new Map<string, number>();
  private readonly subscribedAccounts = new Map<string, number>();
  private readonly metrics: LiveMetrics | undefined;
  private readonly now: () => number;
  /** detections in progress, so that stop() can wait for their audit writes */
  private readonly detecting = new Set<Promise<void>>();

  constructor(private readonly deps: LiveMmpDeps) {
    this.now = deps.now ?? Date.now;
    this.metrics = deps.metrics?.({
      frozenCount: () => this.frozenCount(),
      isLeader: () => deps.leader.isLeader(),
      subscriptions: () => this.sinks.size,
      pushFeeds: () => this.pushes?.counts() ?? { held: 0, connected: 0 },
    });
    this.reader = new MmpReader({
      state: this.state,
      exchange: deps.exchange,
      maxAgeMs: () => this.readMaxAgeMs(),
      now: this.now,
      observed: (o) => {
        this.metrics?.exchangeReads.inc();
        this.observe(o, "read");
      },
    });
    this.pushes =
      deps.pushFeeds &&
      new PushFeeds(deps.pushFeeds, (account, underlying) => {
        // A push is a hint: the venue's own answer, read now, is what the state and detection take.
        this.reader.refresh(account, underlying).catch((err: unknown) => {
          deps.logger.warn(
            { account: account.accountId, underlying, err: String(err) },
            "read after a pushed MMP trigger failed; the next poll reads it",
          );
        });
      });
    const pushes = this.pushes;
    this.poller = new MmpPoller({
      onAccounts: pushes && ((accounts) => pushes.sync(accounts)),
      state: this.state,
      accounts: () => this.allAccounts(),
      underlyings: (account) => deps.exchange.underlyings(account.baseUrl, account.venue),
      refresh: (account, underlying) => this.reader.refresh(account, underlying),
      isLeader: () => deps.leader.isLeader(),
      watched: (accountId) => this.watched(accountId),
      weightLimit: deps.weightLimit,
      intervalMs: deps.settings.pollIntervalMs,
      readShare: deps.settings.readWeightShare,
      logger: deps.logger,
      onTick: (t: PollTick) => this.metrics?.pollTick(t),
      now: this.now,
    });
    deps.channel.onObservation((m) => {
      const { origin, ...json } = m;
      this.apply(observationFromJson(json), origin);
    });
    deps.channel.onEvent((e) => {
      const event = eventFromJson(e);
      for (const sink of this.sinks) sink(event);
    });
  }

  async start(): Promise<void> {
    await this.deps.leader.start();
    // 0 (never from the environment, whose minimum is 100 ms) turns polling off: tests that count
    // exchange calls exactly run without it.
    if (this.deps.settings.pollIntervalMs > 0) this.poller.start();
  }

  async stop(): Promise<void> {
    await this.poller.stop();
    await this.pushes?.close();
    await Promise.all([...this.detecting]);
    await this.deps.leader.stop();
    await this.deps.channel.close();
  }

  // ---- reads ----

  /** the config as the live state knows it, reading the exchange when it is older than the maximum age */
  read(
    account: ExchangeCredentials,
    underlying: string,
    budget?: RequestReadBudget,
  ): Promise<MmpObservation> {
    this.readAt.set(account.accountId, this.now());
    return this.reader.read(account, underlying, budget);
  }

  // ---- changes made through the gateway ----

  /**
   * A change this replica made and the exchange confirmed: the state takes it at once (here, and on
   * the other replicas through the channel) and subscribers get a CHANGED or RESET event.
   */
  changed(
    kind: Extract<MmpEventKind, "CHANGED" | "RESET">,
    actor: string,
    accountId: string,
    config: MmpConfig,
  ): number {
    const observedAt = this.now();
    const o: MmpObservation = { accountId, underlying: config.underlying, config, observedAt };
    this.observe(o, "change");
    this.publish({
      kind,
      accountId,
      underlying: config.underlying,
      at: observedAt,
      actor,
      config,
      observedAt,
    });
    return observedAt;
  }

  // ---- subscriptions ----

  /** every event of every account, as this replica receives them; the caller filters per subscriber */
  events(accountIds: readonly string[]): AsyncIterableIterator<MmpEvent> {
    return new Repeater<MmpEvent>(async (push, stop) => {
      const sink = (e: MmpEvent) => {
        push(e).catch((err: unknown) => stop(err instanceof Error ? err : new Error(String(err))));
      };
      for (const id of accountIds)
        this.subscribedAccounts.set(id, (this.subscribedAccounts.get(id) ?? 0) + 1);
      this.sinks.add(sink);
      await stop;
      this.sinks.delete(sink);
      for (const id of accountIds) {
        const n = (this.subscribedAccounts.get(id) ?? 1) - 1;
        if (n <= 0) this.subscribedAccounts.delete(id);
        else this.subscribedAccounts.set(id, n);
      }
    }, new FixedBuffer(SUBSCRIBER_BUFFER));
  }

  get subscriptionCount(): number {
    return this.sinks.size;
  }

  // ---- internals ----

  private observe(o: MmpObservation, origin: Origin): void {
    this.apply(o, origin);
    this.deps.channel.publishObservation({ ...observationToJson(o), origin });
  }

  private apply(o: MmpObservation, origin: Origin): void {
    const result = this.state.apply(o);
    if (!result.applied || !this.deps.leader.isLeader()) return;
    const job = this.detect(result.previous, o, origin).catch((err: unknown) =>
      this.deps.logger.error(
        { err: String(err), accountId: o.accountId, underlying: o.underlying },
        "MMP detection failed",
      ),
    );
    this.detecting.add(job);
    void job.finally(() => this.detecting.delete(job));
  }

  private async detect(
    previous: MmpObservation | undefined,
    next: MmpObservation,
    origin: Origin,
  ): Promise<void> {
    if (previous === undefined) return this.firstObservation(next);
    const found = detectChanges(previous, next);
    const { accountId, underlying, config } = next;
    if (found.triggered) {
      this.metrics?.triggers.inc({ account: accountId, underlying });
      await this.recordDetection("MMP_TRIGGERED", previous, next);
      this.publishDetected("TRIGGERED", next, Number(config.lastTriggerTime));
    }
    // A change's own answer carries the gateway's change; its CHANGED or RESET event says the rest.
    if (origin === "change") return;
    if (found.unfrozen) this.publishDetected("UNFROZEN", next, next.observedAt);
    if (found.configChanged && !(await setByGateway(this.deps.store, accountId, config, this.now()))) {
      this.metrics?.outsideChanges.inc({ account: accountId, underlying });
      this.deps.logger.warn(
        { accountId, underlying, before: configToJson(previous.config), after: configToJson(config) },
        "MMP config changed outside the gateway",
      );
      await this.recordDetection("MMP_CHANGED_OUTSIDE_GATEWAY", previous, next);
      this.publishDetected("CHANGED_OUTSIDE_GATEWAY", next, next.observedAt);
    }
  }

  /**
   * The first observation of a pair since this process started: nothing to compare with, so a trigger
   * it shows is looked up in the audit log (trigger-record.ts) and recorded if no gateway saw it. Its
   * event goes out only while the underlying is still frozen: an old trigger found at start-up belongs
   * in the log, not in a trader's alerts.
   */
  private async firstObservation(next: MmpObservation): Promise<void> {
    const { accountId, underlying, config } = next;
    if (config.lastTriggerTime === 0n) return;
    if (await triggerRecorded(this.deps.store, accountId, underlying, config.lastTriggerTime)) return;
    this.metrics?.triggers.inc({ account: accountId, underlying });
    await this.recordDetection("MMP_TRIGGERED", undefined, next);
    if (freezeState(config, next.observedAt).frozen) {
      this.publishDetected("TRIGGERED", next, Number(config.lastTriggerTime));
    }
  }

  /** An event nobody in the gateway caused (actor null), about the state `next` shows. */
  private publishDetected(kind: MmpEventKind, next: MmpObservation, at: number): void {
    const { accountId, underlying, config, observedAt } = next;
    this.publish({ kind, accountId, underlying, at, actor: null, config, observedAt });
  }

  /** One complete audit record, actor null: what the exchange did, as this leader saw it. */
  private async recordDetection(
    action: "MMP_TRIGGERED" | "MMP_CHANGED_OUTSIDE_GATEWAY",
    previous: MmpObservation | undefined,
    next: MmpObservation,
  ): Promise<void> {
    const id = await this.deps.store.auditBegin({
      actorId: null,
      actorName: null,
      accountId: next.accountId,
      action,
      input: JSON.stringify({
        accountId: next.accountId,
        underlying: next.underlying,
        observedAt: next.observedAt,
        ...(action === "MMP_TRIGGERED" ? { lastTriggerTime: next.config.lastTriggerTime.toString() } : {}),
        detectedBy: this.deps.leader.instanceId,
      }),
      // unknown when the trigger was found at start-up, with nothing observed before it
      previous: previous === undefined ? null : JSON.stringify(configToJson(previous.config)),
    });
    await this.deps.store.auditComplete(id, {
      outcome: "SUCCEEDED",
      durationMs: 0,
      result: JSON.stringify(configToJson(next.config)),
    });
  }

  private publish(e: Omit<MmpEvent, "id">): void {
    this.deps.channel.publishEvent(eventToJson({ id: randomUUID(), ...e }));
  }

  /**
   * MMP_READ_MAX_AGE_MS on top of the poll interval in force while the poller runs: a read marks its
   * account watched, so the poller refreshes it every interval, and a dashboard that asked the exchange
   * itself each time the state passed MMP_READ_MAX_AGE_MS would spend the read share that the poller
   * needs (measured: one dashboard alone used it up 40 s into each minute, leaving the live view blind
   * for the rest). A state older than that (the poller lags, is refused, or runs on another replica
   * that does not poll this pair) is read from the exchange as before.
   */
  private readMaxAgeMs(): number {
    const { readMaxAgeMs, pollIntervalMs } = this.deps.settings;
    if (pollIntervalMs <= 0) return readMaxAgeMs;
    return readMaxAgeMs + Math.max(pollIntervalMs, this.poller.currentIntervalMs);
  }

  private watched(accountId: string): boolean {
    if (this.subscribedAccounts.has(accountId) || this.subscribedAccounts.has("*")) return true;
    const at = this.readAt.get(accountId);
    return at !== undefined && this.now() - at < WATCH_AFTER_READ_MS;
  }

  private async allAccounts(): Promise<ExchangeCredentials[]> {
    const records = await this.deps.store.listAccounts();
    this.state.retainAccounts(new Set(records.map((r) => r.id)));
    const creds = await Promise.all(records.map((r) => this.deps.credentials(r.id).catch(() => null)));
    return creds.filter((c): c is ExchangeCredentials => c !== null);
  }

  private frozenCount(): number {
    const now = this.now();
    let n = 0;
    for (const o of this.state.all()) if (freezeState(o.config, now).frozen) n += 1;
    return n;
  }
}
