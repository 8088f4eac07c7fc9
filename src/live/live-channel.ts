/**
 * Carries observations and events between replicas. Every replica listens; a message published by one
 * reaches each replica (itself included) once, so each local subscriber sees each event once.
 *
 * One class does the listening; what differs is how a message travels: within this process (the next
 * microtask, as after a Redis round trip, so a publisher never re-enters its own listener), or through
 * Redis pub/sub on two ioredis connections of its own (a subscribing connection can issue no other
 * command). Hand-written rather than through a generic event target: two fixed channels need a dozen
 * lines, and a publish that fails while Redis is down must be logged, never left as an unhandled
 * rejection. Reconnection and resubscription are ioredis's own.
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

type Topic = "observation" | "event";
const TOPICS: readonly Topic[] = ["observation", "event"];

/** How a message leaves this process; the channel hands what arrives to `deliver`. */
interface Transport {
  send(topic: Topic, message: unknown): void;
  close(): Promise<void>;
}

class TopicChannel implements LiveChannel {
  private readonly listeners = new Map<Topic, Set<Listener<never>>>(TOPICS.map((t) => [t, new Set()]));
  transport: Transport | undefined;

  publishObservation(o: ObservationMessage): void {
    this.transport?.send("observation", o);
  }

  publishEvent(e: MmpEventJson): void {
    this.transport?.send("event", e);
  }

  onObservation(listener: Listener<ObservationMessage>): void {
    this.listeners.get("observation")?.add(listener);
  }

  onEvent(listener: Listener<MmpEventJson>): void {
    this.listeners.get("event")?.add(listener);
  }

  deliver(topic: Topic, message: unknown): void {
    for (const listener of this.listeners.get(topic) ?? []) (listener as Listener<unknown>)(message);
  }

  async close(): Promise<void> {
    await this.transport?.close();
  }
}

/** In one process. */
export function memoryLiveChannel(): LiveChannel {
  const channel = new TopicChannel();
  channel.transport = {
    send: (topic, message) => queueMicrotask(() => channel.deliver(topic, message)),
    close: async () => undefined,
  };
  return channel;
}

export interface RedisLiveChannelOptions {
  url: string;
  keyPrefix: string;
  onError: (err: Error) => void;
}

/** Across replicas, through Redis pub/sub. */
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
  const channelOf = (topic: Topic) => `${opts.keyPrefix}live:${topic}`;
  const topicOf = new Map<string, Topic>(TOPICS.map((t) => [channelOf(t), t]));
  const channel = new TopicChannel();
  sub.on("message", (name: string, text: string) => {
    const topic = topicOf.get(name);
    if (topic === undefined) return;
    try {
      channel.deliver(topic, JSON.parse(text));
    } catch (err) {
      opts.onError(err as Error);
    }
  });
  await Promise.all([pub.connect().catch(opts.onError), sub.connect().catch(opts.onError)]);
  // Subscribed before start-up ends, so that nothing published right after is missed.
  await sub.subscribe(...topicOf.keys()).catch(opts.onError);
  channel.transport = {
    send: (topic, message) => {
      pub.publish(channelOf(topic), JSON.stringify(message)).catch(opts.onError);
    },
    close: async () => {
      sub.disconnect();
      await pub.quit().catch(() => undefined);
      pub.disconnect();
    },
  };
  return channel;
}
