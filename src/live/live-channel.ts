/**
 * Carries observations and events between replicas. Every replica listens; a message published by one
 * reaches each replica (itself included) once, so each local subscriber sees each event once.
 *
 * In one process it is an in-memory EventTarget; with REDIS_URL it is Redis pub/sub through
 * `@graphql-yoga/redis-event-target` (the event target GraphQL Yoga's PubSub uses), on two ioredis
 * connections of its own: a subscribing connection can issue no other command.
 */
import type { Redis } from "ioredis";
import type { MmpEventJson, ObservationMessage } from "./live-state.types";

type Listener<T> = (message: T) => void;

export interface LiveChannel {
  publishObservation(o: ObservationMessage): void;
  publishEvent(e: MmpEventJson): void;
  onObservation(listener: Listener<ObservationMessage>): void;
  onEvent(listener: Listener<MmpEventJson>): void;
  close(): Promise<void>;
}

interface TopicTarget {
  addEventListener(type: string, listener: (event: CustomEvent) => void): void;
  dispatchEvent(event: CustomEvent): boolean;
}

class EventTargetChannel implements LiveChannel {
  constructor(
    private readonly target: TopicTarget,
    private readonly topics: { observation: string; event: string },
    private readonly onClose: () => Promise<void> = async () => undefined,
  ) {}

  publishObservation(o: ObservationMessage): void {
    this.target.dispatchEvent(new CustomEvent(this.topics.observation, { detail: o }));
  }

  publishEvent(e: MmpEventJson): void {
    this.target.dispatchEvent(new CustomEvent(this.topics.event, { detail: e }));
  }

  onObservation(listener: Listener<ObservationMessage>): void {
    this.target.addEventListener(this.topics.observation, (ev) => listener(ev.detail as ObservationMessage));
  }

  onEvent(listener: Listener<MmpEventJson>): void {
    this.target.addEventListener(this.topics.event, (ev) => listener(ev.detail as MmpEventJson));
  }

  close(): Promise<void> {
    return this.onClose();
  }
}

const TOPICS = { observation: "live:observation", event: "live:event" };

/**
 * In one process. Listeners run in a later microtask, as they would after a Redis round trip, so that a
 * publisher never re-enters its own listener.
 */
export function memoryLiveChannel(): LiveChannel {
  const target = new EventTarget();
  const deferred: TopicTarget = {
    addEventListener: (type, listener) => target.addEventListener(type, (ev) => listener(ev as CustomEvent)),
    dispatchEvent: (ev) => {
      queueMicrotask(() => target.dispatchEvent(ev));
      return true;
    },
  };
  return new EventTargetChannel(deferred, TOPICS);
}

export interface RedisLiveChannelOptions {
  url: string;
  keyPrefix: string;
  onError: (err: Error) => void;
}

/**
 * Across replicas, through Redis pub/sub, on two ioredis connections of its own (a subscribing
 * connection can issue no other command). Hand-written rather than through a generic event target:
 * two fixed channels need a dozen lines, and a publish that fails while Redis is down must be logged,
 * never left as an unhandled rejection. Reconnection and resubscription are ioredis's own.
 */
export async function redisLiveChannel(opts: RedisLiveChannelOptions): Promise<LiveChannel> {
  const { Redis: RedisClient } = await import("ioredis");
  const options = {
    connectionName: "mmp-gateway-live",
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
    disconnectTimeout: 200,
  };
  // A publish while Redis is down is dropped rather than queued: the poller's next observation repairs
  // every replica's state, and a stale trigger alert delivered late is worse than the audit record alone.
  const pub: Redis = new RedisClient(opts.url, { ...options, enableOfflineQueue: false });
  const sub: Redis = new RedisClient(opts.url, options);
  for (const c of [pub, sub]) c.on("error", opts.onError);
  const topics = {
    observation: `${opts.keyPrefix}${TOPICS.observation}`,
    event: `${opts.keyPrefix}${TOPICS.event}`,
  };
  const listeners = new Map<string, Set<(ev: CustomEvent) => void>>();
  sub.on("message", (channel: string, message: string) => {
    const set = listeners.get(channel);
    if (set === undefined) return;
    let detail: unknown;
    try {
      detail = JSON.parse(message);
    } catch (err) {
      opts.onError(err as Error);
      return;
    }
    const ev = new CustomEvent(channel, { detail });
    for (const l of set) l(ev);
  });
  await Promise.all([pub.connect().catch(opts.onError), sub.connect().catch(opts.onError)]);
  // Subscribed before start-up ends, so that nothing published right after is missed.
  await sub.subscribe(topics.observation, topics.event).catch(opts.onError);
  const target: TopicTarget = {
    addEventListener: (type, listener) => {
      const set = listeners.get(type) ?? new Set();
      set.add(listener);
      listeners.set(type, set);
    },
    dispatchEvent: (ev) => {
      pub.publish(ev.type, JSON.stringify(ev.detail)).catch(opts.onError);
      return true;
    },
  };
  return new EventTargetChannel(target, topics, async () => {
    sub.disconnect();
    await pub.quit().catch(() => undefined);
    pub.disconnect();
  });
}
