// One urql client per signed-in token: queries and mutations over HTTP POST /graphql, subscriptions
// over graphql-ws on the same /graphql (same origin, so the page's CSP connect-src 'self' covers both).
import { Client, fetchExchange, mapExchange, subscriptionExchange } from "@urql/core";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";
import { isUnauthenticated } from "./errors";

export type LinkState = "connecting" | "live" | "reconnecting" | "stale";

/** after this long without a connected socket, the live view counts as stale */
export const STALE_AFTER_MS = 15_000;

export interface Connection {
  client: Client;
  ws: WsClient;
  /** the subscription socket's state, for the live/reconnecting/stale indicator */
  onState(listener: (state: LinkState) => void): () => void;
  close(): void;
}

export function graphqlUrl(): string {
  return new URL("/graphql", window.location.href).href;
}

export function websocketUrl(): string {
  const url = new URL("/graphql", window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

/** close code of a refused or revoked token (src/http/graphql-websocket.ts) */
const CLOSE_UNAUTHORIZED = 4401;

export function connect(token: string, onUnauthenticated: () => void): Connection {
  let state: LinkState = "connecting";
  let staleTimer: ReturnType<typeof setTimeout> | undefined;
  const listeners = new Set<(s: LinkState) => void>();
  const set = (next: LinkState) => {
    state = next;
    for (const l of listeners) l(next);
  };
  const ws = createWsClient({
    url: websocketUrl(),
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    // a refused token ends the socket for good; `closed` below signs out, nothing else to report
    onNonLazyError: () => {},
    keepAlive: 10_000,
    retryAttempts: Infinity,
    shouldRetry: (e) => !(e instanceof CloseEvent && e.code === CLOSE_UNAUTHORIZED),
    on: {
      connected: () => {
        clearTimeout(staleTimer);
        staleTimer = undefined;
        set("live");
      },
      closed: (e) => {
        if ((e as CloseEvent | undefined)?.code === CLOSE_UNAUTHORIZED) {
          onUnauthenticated();
          return;
        }
        if (state === "live" || state === "connecting") set("reconnecting");
        if (staleTimer === undefined) staleTimer = setTimeout(() => set("stale"), STALE_AFTER_MS);
      },
    },
  });
  const client = new Client({
    url: graphqlUrl(),
    requestPolicy: "network-only",
    // POST only: a GET carries the query in a URL, and Apollo's CSRF prevention refuses GETs without a preflight header
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { authorization: `Bearer ${token}` } }),
    exchanges: [
      mapExchange({
        onError(error) {
          if (isUnauthenticated(error)) onUnauthenticated();
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? "" };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  return {
    client,
    ws,
    onState(listener) {
      listeners.add(listener);
      listener(state);
      return () => listeners.delete(listener);
    },
    close() {
      clearTimeout(staleTimer);
      listeners.clear();
      // dispose() rethrows how a refused connection ended (a CloseEvent): already handled in `closed`
      Promise.resolve(ws.dispose()).catch(() => {});
    },
  };
}
