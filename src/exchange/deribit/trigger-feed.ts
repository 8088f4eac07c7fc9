/**
 * Deribit's MMP trigger push for one account: a WebSocket to `{baseUrl as ws(s)}/ws/api/v2` that
 * authenticates with `public/auth` (grant_type `client_signature`), asks for heartbeats
 * (`public/set_heartbeat`) and subscribes to `user.mmp_trigger.any` with `private/subscribe`. Each
 * notification for the default orders group is handed to `onTrigger` as `{accountId, indexName,
 * frozenUntil}` (frozenUntil 0n = frozen until a manual reset).
 *
 * Sources: https://docs.deribit.com/subscriptions/user/usermmp_triggerindex_name (channel and data),
 * https://docs.deribit.com/articles/authentication (client_signature),
 * https://docs.deribit.com/api-reference/session-management/public-set_heartbeat (heartbeats: answer
 * each `test_request` with `public/test`), https://docs.deribit.com/articles/notifications.
 *
 * The socket is reopened after any loss with capped exponential back-off (with jitter); the count
 * restarts once a subscription is confirmed. A socket that stays silent for three heartbeat intervals
 * is closed and reopened. The secret, the signature and the nonce are never logged.
 */
import WebSocket, { type RawData } from "ws";
import { isJsonObject, JsonNumber, parseJsonExact, type JsonObject } from "../binance/json";
import type { ExchangeLogger } from "../binance/binance-client";
import { parseTriggerData } from "./parse";
import { createDeribitSigner, deribitNonce, deribitStringToSign, type DeribitSigner } from "./signer";
import type { DeribitCredentials, DeribitMmpTrigger } from "./types";

export const TRIGGER_CHANNEL = "user.mmp_trigger.any";
const WS_PATH = "/ws/api/v2";
const ID_AUTH = 1;
const ID_HEARTBEAT = 2;
const ID_SUBSCRIBE = 3;

export interface DeribitTriggerFeedOptions {
  logger?: ExchangeLogger;
  /** Deribit's clock for the auth timestamp, epoch ms (default: the local clock) */
  now?: () => number;
  /** first reconnect delay (500 ms), doubled per failed attempt up to reconnectMaxMs (30000 ms) */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** `public/set_heartbeat` interval in seconds, at least 10 (Deribit's minimum) (10) */
  heartbeatSeconds?: number;
  /** how long the opening handshake may take (5000 ms) */
  handshakeTimeoutMs?: number;
}

const silentLogger: ExchangeLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** `https://host[/p]` → `wss://host[/p]/ws/api/v2` (http → ws). */
export function wsUrlFor(baseUrl: string): string {
  const u = new URL(baseUrl);
  if (u.protocol === "https:") u.protocol = "wss:";
  else if (u.protocol === "http:") u.protocol = "ws:";
  else if (u.protocol !== "wss:" && u.protocol !== "ws:") throw new Error("unsupported base URL protocol");
  return `${u.origin.replace(/^http/, "ws")}${u.pathname.replace(/\/+$/, "")}${WS_PATH}`;
}

export class DeribitTriggerFeed {
  private socket: WebSocket | undefined;
  private readonly sign: DeribitSigner;
  private readonly url: string;
  private readonly logger: ExchangeLogger;
  private readonly now: () => number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly heartbeatSeconds: number;
  private readonly handshakeTimeoutMs: number;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private subscribed = false;
  private stopped = false;
  /** how many sockets were opened (for tests and metrics) */
  connects = 0;

  constructor(
    private readonly creds: DeribitCredentials,
    private readonly onTrigger: (t: DeribitMmpTrigger) => void,
    options: DeribitTriggerFeedOptions = {},
  ) {
    this.sign = createDeribitSigner(creds.secret);
    this.url = wsUrlFor(creds.baseUrl);
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.baseMs = options.reconnectBaseMs ?? 500;
    this.maxMs = options.reconnectMaxMs ?? 30_000;
    this.heartbeatSeconds = Math.max(10, Math.floor(options.heartbeatSeconds ?? 10));
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5000;
  }

  /** Authenticated and subscribed on an open socket. */
  get connected(): boolean {
    return this.subscribed && this.socket?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (this.stopped || this.socket !== undefined || this.reconnectTimer !== undefined) return;
    this.open();
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.subscribed = false;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    clearTimeout(this.watchdog);
    const s = this.socket;
    this.socket = undefined;
    if (s === undefined || s.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      s.once("close", () => resolve());
      if (s.readyState === WebSocket.CONNECTING) s.terminate();
      else s.close(1000);
      setTimeout(() => {
        s.terminate();
        resolve();
      }, 1000).unref();
    });
  }

  private log(): object {
    return { accountId: this.creds.accountId, requestId: this.creds.requestId };
  }

  private open(): void {
    this.connects++;
    const s = new WebSocket(this.url, { handshakeTimeout: this.handshakeTimeoutMs });
    this.socket = s;
    s.on("open", () => {
      this.logger.debug(this.log(), "Deribit trigger feed open; authenticating");
      const timestamp = Math.round(this.now());
      const nonce = deribitNonce();
      const data = "";
      const signature = this.sign(deribitStringToSign(timestamp, nonce, data));
      this.send(s, ID_AUTH, "public/auth", {
        grant_type: "client_signature",
        client_id: this.creds.apiKey,
        timestamp,
        signature,
        nonce,
        data,
      });
      this.armWatchdog(s);
    });
    s.on("message", (raw: RawData) => this.onMessage(s, raw));
    s.on("error", (err: Error) => {
      this.logger.warn({ ...this.log(), err: err.message }, "Deribit trigger feed socket error");
    });
    s.on("close", (code: number) => {
      if (this.socket !== s) return;
      this.socket = undefined;
      this.subscribed = false;
      clearTimeout(this.watchdog);
      if (this.stopped) return;
      const delay = this.nextDelay();
      this.logger.warn({ ...this.log(), code, reconnectInMs: delay }, "Deribit trigger feed closed");
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = undefined;
        if (!this.stopped) this.open();
      }, delay);
    });
  }

  private nextDelay(): number {
    const exp = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.attempt, 20));
    this.attempt++;
    return Math.round(exp * (0.5 + Math.random() / 2));
  }

  /** Closes a socket that stays silent for three heartbeat intervals (Deribit sends test_request each). */
  private armWatchdog(s: WebSocket): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      if (this.socket !== s) return;
      this.logger.warn(this.log(), "Deribit trigger feed silent for three heartbeat intervals; reconnecting");
      s.terminate();
    }, this.heartbeatSeconds * 3000);
    this.watchdog.unref();
  }

  private send(s: WebSocket, id: number | undefined, method: string, params: object): void {
    if (s.readyState !== WebSocket.OPEN) return;
    const msg =
      id === undefined ? { jsonrpc: "2.0", method, params } : { jsonrpc: "2.0", id, method, params };
    s.send(JSON.stringify(msg));
  }

  private onMessage(s: WebSocket, raw: RawData): void {
    if (this.socket !== s) return;
    this.armWatchdog(s);
    let msg: JsonObject;
    try {
      const v = parseJsonExact(rawText(raw));
      if (!isJsonObject(v)) throw new Error("not an object");
      msg = v;
    } catch {
      this.logger.warn(this.log(), "Deribit trigger feed: unreadable message ignored");
      return;
    }
    if (msg.method === "subscription") return this.onNotification(msg);
    if (msg.method === "heartbeat") {
      const p = msg.params;
      if (isJsonObject(p) && p.type === "test_request") this.send(s, undefined, "public/test", {});
      return;
    }
    const idText = msg.id instanceof JsonNumber ? msg.id.text : "";
    if (isJsonObject(msg.error)) {
      const code = msg.error.code instanceof JsonNumber ? msg.error.code.text : "";
      const message = typeof msg.error.message === "string" ? msg.error.message : "";
      this.logger.warn(
        { ...this.log(), requestIdRpc: idText, code, message },
        "Deribit trigger feed: a request was refused; reconnecting",
      );
      s.close(4000);
      return;
    }
    if (idText === String(ID_AUTH)) {
      this.send(s, ID_HEARTBEAT, "public/set_heartbeat", { interval: this.heartbeatSeconds });
      this.send(s, ID_SUBSCRIBE, "private/subscribe", { channels: [TRIGGER_CHANNEL] });
    } else if (idText === String(ID_SUBSCRIBE)) {
      const r = msg.result;
      if (Array.isArray(r) && r.includes(TRIGGER_CHANNEL)) {
        this.subscribed = true;
        this.attempt = 0;
        this.logger.info(this.log(), "Deribit trigger feed subscribed");
      } else {
        this.logger.warn(this.log(), "Deribit trigger feed: subscription not confirmed; reconnecting");
        s.close(4001);
      }
    }
  }

  private onNotification(msg: JsonObject): void {
    const p = msg.params;
    if (!isJsonObject(p) || typeof p.channel !== "string" || !p.channel.startsWith("user.mmp_trigger."))
      return;
    let t;
    try {
      t = parseTriggerData(p.data);
    } catch (err) {
      this.logger.warn(
        { ...this.log(), err: err instanceof Error ? err.message : String(err) },
        "Deribit trigger feed: unreadable trigger ignored",
      );
      return;
    }
    if (t === null) return;
    try {
      this.onTrigger({ accountId: this.creds.accountId, indexName: t.indexName, frozenUntil: t.frozenUntil });
    } catch (err) {
      this.logger.error(
        { ...this.log(), err: err instanceof Error ? err.message : String(err) },
        "Deribit trigger feed: the trigger handler failed",
      );
    }
  }
}

function rawText(raw: RawData): string {
  if (Buffer.isBuffer(raw)) return raw.toString("utf8");
  if (Array.isArray(raw)) return Buffer.concat(raw).toString("utf8");
  return Buffer.from(raw).toString("utf8");
}
