/**
 * A GraphQL subscription client for tests: the `graphql-ws` client over `ws`, as a frontend or script
 * would use it, collecting what arrives.
 */
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export interface Subscriber<T> {
  /** payloads received, in order */
  received: T[];
  /** errors the subscription ended with (GraphQL errors, or a close event) */
  errors: unknown[];
  /** the close code, once the connection closed */
  closedWith: number | undefined;
  completed: boolean;
  stop(): Promise<void>;
}

export function wsUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, "ws")}/graphql`;
}

export function connect(
  httpUrl: string,
  token: string | undefined,
): { client: Client; closed: () => number | undefined } {
  let closedWith: number | undefined;
  const client = createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: WebSocket,
    connectionParams: token === undefined ? {} : { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    // the close is what the tests look at (closedWith); graphql-ws would print it to the console
    onNonLazyError: () => undefined,
    on: {
      closed: (e) => {
        closedWith = (e as { code?: number }).code;
      },
    },
  });
  return { client, closed: () => closedWith };
}

/** Subscribes and collects; `data` of each result is pushed to `received`. */
export function subscribe<T = Record<string, unknown>>(
  httpUrl: string,
  token: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
): Subscriber<T> {
  const { client, closed } = connect(httpUrl, token);
  const sub: Subscriber<T> = {
    received: [],
    errors: [],
    get closedWith() {
      return closed();
    },
    completed: false,
    async stop() {
      unsubscribe();
      await client.dispose();
    },
  };
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (r) => {
        if (r.errors) sub.errors.push(...r.errors);
        if (r.data) sub.received.push(r.data as T);
      },
      error: (e) => {
        sub.errors.push(e);
      },
      complete: () => {
        sub.completed = true;
      },
    },
  );
  return sub;
}
