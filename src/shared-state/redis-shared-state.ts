/**
 * State shared by gateway replicas through Redis (REDIS_URL):
 *
 * - Exchange back-off / ban per host. A 418/429 seen by one replica is written as `ban:<host>` with a PX
 *   expiry at its Retry-After and announced on the `ban` channel. Every replica keeps the bans it knows
 *   in memory (pub/sub keeps that copy current; a SCAN on every (re)connect fills in what was missed),
 *   so checking before an exchange call is a Map lookup, never a Redis round trip.
 * - Used weight per host and minute window: `weight:<host>:<window>` is INCRBY'd by each replica with
 *   the weight it sent, expiring after two windows. Admission reads the last value this replica synced
 *   (the INCRBY reply, and a refresh every `weightSyncIntervalMs`), so between syncs it works from an
 *   estimate that can be up to one sync interval behind the other replicas.
 * - Cache invalidation: `invalidate` messages make every replica drop its auth caches at once; the
 *   store's auth-version poll stays as the fallback.
 *
 * Redis is an accelerator, never a dependency of a request: commands are not queued while disconnected
 * (enableOfflineQueue: false), time out quickly, are never awaited on the exchange hot path, and
 * reconnection happens in the background. While Redis is unreachable each replica works with its own
 * state, which is how a single gateway works anyway; the transition is logged once each way.
 *
 * Keys and channels are prefixed with `keyPrefix`, so several deployments (or tests) can share a server.
 */
import { randomBytes } from "node:crypto";
import Redis, { type RedisOptions, type Result } from "ioredis";
import { WEIGHT_WINDOW_MS, type SharedRateLimitState } from "../exchange/binance/weight";
import { invalidateChannel } from "../cache/auth-changes";

export interface SharedStateLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface RedisSharedStateOptions {
  /** redis:// or rediss:// URL; it may carry a password, so it is never logged */
  url: string;
  /** prepended to every key and channel ("mmp-gateway:") */
  keyPrefix?: string;
  logger: SharedStateLogger;
  /** a command without an answer after this many ms counts as failed (250) */
  commandTimeoutMs?: number;
  /** TCP connect timeout in ms (1000) */
  connectTimeoutMs?: number;
  /** how often the fleet's weight counters of hosts in use are re-read (1000 ms) */
  weightSyncIntervalMs?: number;
  /** how long start() waits for the first connection before going on without it (1000 ms) */
  startTimeoutMs?: number;
  /** epoch ms (Date.now) */
  now?: () => number;
}

export type SharedStateStatus = "ok" | "degraded";

interface Ban {
  untilMs: number;
  reason: string;
}

interface HostWeight {
  /** the window admission last asked about: the one the periodic sync refreshes */
  window: number;
  used: number;
  /** epoch ms of the last use, so hosts no longer called stop being synced */
  lastUsedAt: number;
}

/** Stored as "<untilMs>|<reason>" so that the Lua script can compare without a JSON parser. */
function encodeBan(b: Ban): string {
  return `${b.untilMs}|${b.reason}`;
}

function decodeBan(raw: string | null): Ban | undefined {
  if (raw === null) return undefined;
  const bar = raw.indexOf("|");
  const untilMs = Number(bar < 0 ? raw : raw.slice(0, bar));
  if (!Number.isSafeInteger(untilMs)) return undefined;
  return { untilMs, reason: bar < 0 ? "" : raw.slice(bar + 1) };
}

/**
 * Sets the ban unless a longer one is already stored (two replicas may hit 429s with different
 * Retry-After), and announces it in the same step, so no replica sees the key without the message.
 * KEYS[1] ban key; ARGV: untilMs, ttlMs, encoded ban, channel, message.
 */
const SET_BAN_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current then
  local current_until = tonumber(string.match(current, '^(%d+)'))
  if current_until and current_until >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[2])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
`;

export const DEFAULT_KEY_PREFIX = "mmp-gateway:";
const WEIGHT_TTL_MS = 2 * WEIGHT_WINDOW_MS;
/** a host not called for this long is no longer synced */
const HOST_IDLE_MS = 2 * WEIGHT_WINDOW_MS;

export class RedisSharedState implements SharedRateLimitState {
  readonly keyPrefix: string;
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly logger: SharedStateLogger;
  private readonly now: () => number;
  private readonly channels: { ban: string; invalidate: string };
  /** tells our own ban messages from other replicas' */
  private readonly origin = randomBytes(6).toString("hex");
  private readonly bans = new Map<string, Ban>();
  private readonly weights = new Map<string, HostWeight>();
  private readonly invalidateListeners = new Set<() => void>();
  private readonly weightSyncIntervalMs: number;
  private readonly startTimeoutMs: number;
  private syncTimer: NodeJS.Timeout | undefined;
  /** undefined until the first connection attempt settles */
  private healthy: boolean | undefined;
  /** set once the subscriber has missed messages (a disconnect): caches are dropped when it is back */
  private missedMessages = false;
  private closed = false;
  /** in flight, so that start() can wait for what the 'ready' handlers began */
  private subscribing: Promise<void> | undefined;
  private banSync: Promise<void> | undefined;

  /** The command connection, for other state kept in Redis (the mutation rate limits). */
  get commands(): Redis {
    return this.cmd;
  }

  constructor(opts: RedisSharedStateOptions) {
    this.keyPrefix = opts.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.logger = opts.logger;
    this.now = opts.now ?? Date.now;
    this.weightSyncIntervalMs = opts.weightSyncIntervalMs ?? 1000;
    this.startTimeoutMs = opts.startTimeoutMs ?? 1000;
    this.channels = { ban: `${this.keyPrefix}ban`, invalidate: invalidateChannel(this.keyPrefix) };
    const options: RedisOptions = {
      lazyConnect: true,
      // A command issued while disconnected fails at once instead of waiting in a queue: nothing that
      // serves a request may wait for Redis to come back.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: opts.commandTimeoutMs ?? 250,
      connectTimeout: opts.connectTimeoutMs ?? 1000,
      // Keep reconnecting in the background for as long as the gateway runs, at most every 2 s.
      retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
      // Subscriptions are renewed by hand on every 'ready', together with a resync of what was missed.
      autoResubscribe: false,
      connectionName: "mmp-gateway",
      // how long a closing connection may linger before it is destroyed (shutdown should not wait on it)
      disconnectTimeout: 200,
    };
    this.cmd = new Redis(opts.url, options);
    this.sub = new Redis(opts.url, options);
    this.cmd.defineCommand("mmpSetBan", { numberOfKeys: 1, lua: SET_BAN_SCRIPT });

    for (const conn of [this.cmd, this.sub]) {
      // Without an 'error' listener ioredis prints every failed reconnect attempt itself.
      conn.on("error", (err: Error) => this.degraded(err));
      conn.on("close", () => this.degraded(undefined));
    }
    this.cmd.on("ready", () => {
      this.recovered();
      void this.syncBans();
    });
    this.sub.on("ready", () => {
      this.subscribing = this.subscribe();
    });
    this.sub.on("message", (channel: string, message: string) => this.onMessage(channel, message));
  }

  /**
   * Connects, waiting at most `startTimeoutMs` so that bans already in force are known before the first
   * request; never throws: without Redis the gateway starts anyway, degraded.
   */
  async start(): Promise<void> {
    const settled = (async () => {
      await Promise.all([
        this.cmd.connect().catch(() => undefined),
        this.sub.connect().catch(() => undefined),
      ]);
      // connect() resolves after 'ready', whose handlers started the subscription and the ban sync.
      await Promise.all([this.subscribing, this.cmd.status === "ready" ? this.syncBans() : undefined]);
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.startTimeoutMs);
    });
    await Promise.race([settled, timeout]);
    clearTimeout(timer);
    if (this.healthy === undefined) this.degraded(new Error("not connected within the start-up wait"));
    this.syncTimer = setInterval(() => void this.syncWeights(), this.weightSyncIntervalMs);
    this.syncTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.syncTimer) clearInterval(this.syncTimer);
    this.sub.disconnect();
    // QUIT lets pending replies arrive; if the connection is down it fails, and disconnect ends it.
    await this.cmd.quit().catch(() => undefined);
    this.cmd.disconnect();
  }

  /** "degraded" while either connection is down or commands fail; for /readyz and metrics */
  status(): SharedStateStatus {
    return this.healthy === true && this.cmd.status === "ready" && this.sub.status === "ready"
      ? "ok"
      : "degraded";
  }

  // ---- cache invalidation ----

  /** `listener` runs whenever any replica (or the CLI) announces an auth change, or messages were missed. */
  onInvalidate(listener: () => void): void {
    this.invalidateListeners.add(listener);
  }

  /** Announces that users, tokens, teams, grants or accounts changed. Fire-and-forget. */
  publishInvalidate(): void {
    if (!this.usable()) return;
    this.cmd.publish(this.channels.invalidate, this.origin).then(
      () => this.recovered(),
      (err: unknown) => this.degraded(err),
    );
  }

  // ---- SharedRateLimitState ----

  backoff(host: string, nowMs: number): Ban | undefined {
    const ban = this.bans.get(host);
    if (ban === undefined) return undefined;
    if (ban.untilMs <= nowMs) {
      this.bans.delete(host);
      return undefined;
    }
    return ban;
  }

  publishBackoff(host: string, untilMs: number, reason: string, nowMs: number): void {
    this.remember(host, { untilMs, reason });
    const ttlMs = Math.max(1, Math.ceil(untilMs - nowMs));
    if (!this.usable()) return;
    const message = JSON.stringify({ host, untilMs, reason, origin: this.origin });
    this.cmd
      .mmpSetBan(
        this.banKey(host),
        String(untilMs),
        String(ttlMs),
        encodeBan({ untilMs, reason }),
        this.channels.ban,
        message,
      )
      .then(
        () => this.recovered(),
        (err: unknown) => this.degraded(err),
      );
  }

  usedWeight(host: string, window: number): number {
    let w = this.weights.get(host);
    if (w === undefined) {
      w = { window, used: 0, lastUsedAt: 0 };
      this.weights.set(host, w);
    }
    w.lastUsedAt = this.now();
    // A new minute: nothing is known of it yet; the next sync (or INCRBY reply) reads it.
    if (window > w.window) {
      w.window = window;
      w.used = 0;
    }
    return window === w.window ? w.used : 0;
  }

  addWeight(host: string, window: number, weight: number): void {
    if (!this.usable() || weight <= 0) return;
    const key = this.weightKey(host, window);
    this.cmd
      .multi()
      .incrby(key, weight)
      .pexpire(key, WEIGHT_TTL_MS)
      .exec()
      .then(
        (replies) => {
          this.recovered();
          const total = Number(replies?.[0]?.[1]);
          if (Number.isSafeInteger(total)) this.learnWeight(host, window, total);
        },
        (err: unknown) => this.degraded(err),
      );
  }

  // ---- internals ----

  private banKey(host: string): string {
    return `${this.keyPrefix}ban:${host}`;
  }

  private weightKey(host: string, window: number): string {
    return `${this.keyPrefix}weight:${host}:${window}`;
  }

  private usable(): boolean {
    return !this.closed && this.cmd.status === "ready";
  }

  private remember(host: string, ban: Ban): void {
    const known = this.bans.get(host);
    if (known === undefined || ban.untilMs > known.untilMs) this.bans.set(host, ban);
  }

  private learnWeight(host: string, window: number, total: number): void {
    const w = this.weights.get(host);
    if (w === undefined) this.weights.set(host, { window, used: total, lastUsedAt: this.now() });
    else if (w.window === window) w.used = Math.max(w.used, total);
    else if (window > w.window) {
      w.window = window;
      w.used = total;
    }
  }

  private onMessage(channel: string, message: string): void {
    if (channel === this.channels.invalidate) {
      this.notifyInvalidate();
      return;
    }
    if (channel !== this.channels.ban) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return;
    }
    if (typeof parsed !== "object" || parsed === null) return;
    const { host, untilMs, reason, origin } = parsed as Record<string, unknown>;
    if (typeof host !== "string" || typeof untilMs !== "number" || !Number.isSafeInteger(untilMs)) return;
    if (origin === this.origin) return;
    const why = typeof reason === "string" && reason !== "" ? reason : "the exchange asked to back off";
    this.remember(host, { untilMs, reason: `${why}, seen by another gateway replica` });
    this.logger.info({ host, untilMs }, "exchange back-off announced by another replica");
  }

  private notifyInvalidate(): void {
    for (const listener of this.invalidateListeners) {
      try {
        listener();
      } catch (err) {
        this.logger.warn({ err: String(err) }, "cache invalidation listener failed");
      }
    }
  }

  private async subscribe(): Promise<void> {
    try {
      await this.sub.subscribe(this.channels.ban, this.channels.invalidate);
      this.recovered();
      if (this.missedMessages) {
        this.missedMessages = false;
        // Invalidations sent while we were away are lost: drop caches as if one had arrived.
        this.notifyInvalidate();
        void this.syncBans();
      }
    } catch (err) {
      this.degraded(err);
    }
  }

  /** Reads every ban in force: on connect, and after the subscriber missed messages. */
  private syncBans(): Promise<void> {
    this.banSync ??= this.readBans().finally(() => {
      this.banSync = undefined;
    });
    return this.banSync;
  }

  private async readBans(): Promise<void> {
    if (!this.usable()) return;
    try {
      const keys: string[] = [];
      let cursor = "0";
      do {
        const [next, batch] = await this.cmd.scan(cursor, "MATCH", `${this.keyPrefix}ban:*`, "COUNT", 200);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== "0");
      if (keys.length === 0) return;
      const values = await this.cmd.mget(...keys);
      const hostStart = `${this.keyPrefix}ban:`.length;
      keys.forEach((key, i) => {
        const ban = decodeBan(values[i] ?? null);
        if (ban !== undefined) this.remember(key.slice(hostStart), ban);
      });
    } catch (err) {
      this.degraded(err);
    }
  }

  /** Refreshes the fleet's count of the current window for hosts called recently. */
  private async syncWeights(): Promise<void> {
    if (!this.usable() || this.weights.size === 0) return;
    const now = this.now();
    const hosts: [string, HostWeight][] = [];
    for (const [host, w] of this.weights) {
      if (now - w.lastUsedAt > HOST_IDLE_MS) this.weights.delete(host);
      else hosts.push([host, w]);
    }
    if (hosts.length === 0) return;
    try {
      const values = await this.cmd.mget(...hosts.map(([host, w]) => this.weightKey(host, w.window)));
      hosts.forEach(([host, w], i) => {
        const n = Number(values[i] ?? 0);
        if (Number.isSafeInteger(n)) this.learnWeight(host, w.window, n);
      });
      this.recovered();
    } catch (err) {
      this.degraded(err);
    }
  }

  /** One warning when shared state is lost, not one per failed command or reconnect attempt. */
  private degraded(err: unknown): void {
    if (this.closed) return;
    if (this.sub.status !== "ready") this.missedMessages = true;
    if (this.healthy === false) return;
    this.healthy = false;
    this.logger.warn(
      { err: err instanceof Error ? err.message : err === undefined ? "connection closed" : String(err) },
      "Redis unavailable: exchange back-off, used weight and cache invalidation are per-process until it " +
        "returns; auth changes still reach this replica through the database poll",
    );
  }

  private recovered(): void {
    if (this.closed || this.healthy === true) return;
    if (this.cmd.status !== "ready" || this.sub.status !== "ready") return;
    const wasDegraded = this.healthy === false;
    this.healthy = true;
    if (wasDegraded) this.logger.info({}, "Redis available again: replicas share exchange state");
  }
}

declare module "ioredis" {
  interface RedisCommander<Context> {
    mmpSetBan(
      key: string,
      untilMs: string,
      ttlMs: string,
      value: string,
      channel: string,
      message: string,
    ): Result<number, Context>;
  }
}
