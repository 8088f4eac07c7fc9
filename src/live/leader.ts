/**
 * Which replica polls the exchange. Exactly one should: polling from every replica would multiply the
 * weight spent, and the detections (audit records, events) would be written once per replica.
 *
 * - One process (SQLite, or no coordination configured): always the leader.
 * - Redis: `SET key id NX PX ttl`, renewed every ttl/3 by a script that extends the key only while it
 *   still holds our id. A killed leader stops renewing; its key expires and the next replica to try
 *   takes over within ttl + ttl/3.
 * - PostgreSQL without Redis: a session-level advisory lock on a connection of its own. The server
 *   releases it the moment that connection drops (kill -9 closes the socket), so the next try wins.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

export interface LeaderElection {
  readonly kind: "single" | "redis" | "postgres";
  /** this process's id, also recorded in what the leader writes */
  readonly instanceId: string;
  isLeader(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface LeaderLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export function newInstanceId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

export class SingleProcessLeader implements LeaderElection {
  readonly kind = "single";
  constructor(readonly instanceId: string) {}
  isLeader(): boolean {
    return true;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

/** Base for the elections that retry on a timer. */
abstract class PolledLeader implements LeaderElection {
  abstract readonly kind: "redis" | "postgres";
  private leading = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    readonly instanceId: string,
    private readonly periodMs: number,
    protected readonly logger: LeaderLogger,
  ) {}

  isLeader(): boolean {
    return this.leading;
  }

  async start(): Promise<void> {
    await this.round();
    this.timer = setInterval(() => void this.round(), this.periodMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    const was = this.leading;
    this.leading = false;
    await this.release(was).catch(() => undefined);
  }

  /** true when this process holds (or just took) the leadership */
  protected abstract attempt(leading: boolean): Promise<boolean>;
  protected abstract release(leading: boolean): Promise<void>;

  private async round(): Promise<void> {
    if (this.stopped) return;
    let now: boolean;
    try {
      now = await this.attempt(this.leading);
    } catch (err) {
      // Unsure whether we still hold it: step down, so that two never poll at once for long.
      now = false;
      this.logger.warn({ err: String(err), instance: this.instanceId }, "leader election failed");
    }
    if (this.stopped) return;
    if (now !== this.leading) {
      this.logger.info(
        { instance: this.instanceId, election: this.kind },
        now
          ? "this replica now polls the exchange (leader)"
          : "this replica stopped polling (no longer leader)",
      );
    }
    this.leading = now;
  }
}

/** Extends the key only while it holds our id; 1 = still ours. */
const RENEW_SCRIPT = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_SCRIPT = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

export interface RedisLike {
  set(key: string, value: string, px: "PX", ttl: number, nx: "NX"): Promise<string | null>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
}

export class RedisLeader extends PolledLeader {
  readonly kind = "redis";

  constructor(
    instanceId: string,
    private readonly redis: RedisLike,
    private readonly key: string,
    private readonly ttlMs: number,
    logger: LeaderLogger,
  ) {
    super(instanceId, Math.max(100, Math.floor(ttlMs / 3)), logger);
  }

  protected async attempt(leading: boolean): Promise<boolean> {
    if (leading) {
      const renewed = await this.redis.eval(RENEW_SCRIPT, 1, this.key, this.instanceId, this.ttlMs);
      if (Number(renewed) === 1) return true;
    }
    return (await this.redis.set(this.key, this.instanceId, "PX", this.ttlMs, "NX")) === "OK";
  }

  protected async release(leading: boolean): Promise<void> {
    try {
      // Best effort: with Redis unreachable the lease simply runs out.
      if (leading) await this.redis.eval(RELEASE_SCRIPT, 1, this.key, this.instanceId);
      await this.redis.quit();
    } catch {
      // the connection is closed below either way
    } finally {
      // Always: a connection left reconnecting would keep the process alive after shutdown.
      this.redis.disconnect();
    }
  }
}

export interface PgLike {
  connect(): Promise<unknown>;
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
  on(event: "error", listener: (err: Error) => void): unknown;
}

/** A fixed 64-bit key: "mmp-live" in ASCII, so that it does not clash with other applications' locks. */
const ADVISORY_KEY = "7885546015845246309";

export class PostgresLeader extends PolledLeader {
  readonly kind = "postgres";
  private client: PgLike | undefined;

  constructor(
    instanceId: string,
    private readonly connect: () => PgLike,
    periodMs: number,
    logger: LeaderLogger,
  ) {
    super(instanceId, periodMs, logger);
  }

  protected async attempt(leading: boolean): Promise<boolean> {
    if (this.client === undefined) {
      const c = this.connect();
      // A dropped connection loses the lock: forget it, step down, reconnect next round.
      c.on("error", () => {
        if (this.client === c) this.client = undefined;
      });
      await c.connect();
      this.client = c;
    }
    const c = this.client;
    try {
      // While leading, the lock is ours as long as the session lives: a query proves it is alive.
      if (leading) return (await c.query("SELECT 1"), true);
      const r = await c.query("SELECT pg_try_advisory_lock($1::bigint) AS ok", [ADVISORY_KEY]);
      return r.rows[0]?.ok === true;
    } catch (err) {
      this.client = undefined;
      await c.end().catch(() => undefined);
      throw err;
    }
  }

  protected async release(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    // Ending the session releases the lock.
    await c?.end().catch(() => undefined);
  }
}
