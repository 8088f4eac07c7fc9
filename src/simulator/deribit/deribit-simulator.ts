/**
 * A loopback stand-in for Deribit's JSON-RPC API over HTTP (`/api/v2/{method}`) and WebSocket
 * (`/ws/api/v2`), covering what the gateway's Deribit client and trigger feed use: server time, index
 * names, MMP config/status/reset, `public/auth` with client_signature, heartbeats and the
 * `user.mmp_trigger.*` channels. It is meant to be at least as strict as Deribit: wrong signing bytes,
 * stale timestamps, reused nonces, JSON types, decimals or parameters fail here with Deribit's error code,
 * and every refusal is recorded with a `detail` saying why. Rules and choices: README.md in this folder.
 */
import type http from "node:http";
import { randomBytes } from "node:crypto";
import { WebSocketServer, WebSocket, type RawData } from "ws";
import {
  isJsonObject,
  JsonNumber,
  parseJsonExact,
  type JsonObject,
  type JsonValue,
} from "../../exchange/binance/json";
import {
  HttpVenueSimulator,
  isJsonContentType,
  parseStrictQuery,
  pushCapped,
  type VenueReply,
  type VenueRequest,
} from "../venue-sim";
import type {
  DeribitFaultOptions,
  DeribitRecordedRequest,
  DeribitRecordedWsMessage,
  DeribitSimAccount,
  DeribitSimConfig,
  DeribitSimFault,
  DeribitSimStatus,
  DeribitSimulatorOptions,
} from "./types";
import { checkDeribitHttpSignature, checkDeribitWsSignature, parseDeribitAuthHeader } from "./verify";

/** the index names of Deribit's set_mmp_config reference (index_name enum, without "all") */
export const DEFAULT_DERIBIT_INDEX_NAMES: readonly string[] = [
  "btc_usd",
  "eth_usd",
  "btc_usdc",
  "eth_usdc",
  "sol_usdc",
  "xrp_usdc",
  "avax_usdc",
  "btc_usdt",
  "eth_usdt",
];

/** Deribit's error messages (https://docs.deribit.com/articles/errors and the method pages) */
export const DERIBIT_MSG = {
  10028: "too_many_requests",
  13004: "invalid_credentials",
  13009: "unauthorized",
  13040: "mmp_required",
  [-32600]: "Invalid Request",
  [-32601]: "Method not found",
  [-32602]: "Invalid params",
  [-32700]: "Parse error",
} as const;
type Code = keyof typeof DERIBIT_MSG;

const API_PREFIX = "/api/v2/";
const WS_PATH = "/ws/api/v2";
const TIMESTAMP_WINDOW_MS = 60_000;
const MAX_BODY = 64 * 1024;
const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const NUMBER_TEXT = /^(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const INT_TEXT = /^(?:0|[1-9]\d{0,9})$/;
const MAX_SECONDS = 3600;
const LIMIT_FIELDS = ["quantity_limit", "delta_limit", "vega_limit"] as const;
const SET_FIELDS = [
  "index_name",
  "interval",
  "frozen_time",
  ...LIMIT_FIELDS,
  "max_quote_quantity",
  "mmp_group",
  "block_rfq",
];

class Refusal extends Error {
  constructor(
    readonly code: Code,
    readonly detail: string,
    readonly param?: string,
    readonly reason?: string,
  ) {
    super(`${code} ${detail}`);
  }
}

interface Trigger {
  at: number;
  /** 0 = until reset */
  frozenUntil: number;
}

interface AccountEntry {
  account: DeribitSimAccount;
  /** key: index_name + "\u0000" + group ("" = default orders group) */
  configs: Map<string, DeribitSimConfig>;
  triggers: Map<string, Trigger>;
  /** nonces seen (value: Deribit's clock when first seen) */
  nonces: Map<string, number>;
  tokens: number;
  tokensAt: number;
}

type Reply = VenueReply;

interface WsSession {
  socket: WebSocket;
  clientId: string | undefined;
  channels: Set<string>;
  heartbeat: NodeJS.Timeout | undefined;
  awaitingTest: boolean;
}

const key = (index: string, group: string | undefined) => `${index}\u0000${group ?? ""}`;

export class DeribitSimulator extends HttpVenueSimulator<DeribitSimFault, DeribitRecordedRequest> {
  private wss: WebSocketServer | undefined;
  private readonly accounts = new Map<string, AccountEntry>();
  private readonly wsRecorded: DeribitRecordedWsMessage[] = [];
  private readonly sessions = new Set<WsSession>();
  private readonly indexes: string[];
  private readonly rate: number;
  private readonly burst: number;
  private readonly heartbeatUnitMs: number;
  /** WebSocket connections accepted so far */
  wsConnections = 0;

  constructor(private readonly opts: DeribitSimulatorOptions = {}) {
    super("DeribitSimulator", "<html><body>502 Bad Gateway</body></html>", opts);
    this.indexes = [...(opts.indexNames ?? DEFAULT_DERIBIT_INDEX_NAMES)];
    this.rate = opts.ratePerSecond ?? 20;
    this.burst = opts.burst ?? 100;
    this.heartbeatUnitMs = opts.heartbeatUnitMs ?? 1000;
    for (const a of opts.accounts ?? []) this.addAccount(a);
  }

  // ---- lifecycle ----

  protected override attach(server: http.Server): void {
    const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY });
    server.on("upgrade", (req, socket, head) => {
      if ((req.url ?? "").split("?")[0] !== WS_PATH) {
        socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.onWsConnection(ws));
    });
    this.wss = wss;
  }

  protected override detach(): void {
    this.dropSockets();
    this.wss?.close();
    this.wss = undefined;
  }

  // ---- accounts, state, time ----

  /** Registers an account; re-registering a Client ID replaces its secret and flag and keeps its state. */
  addAccount(a: DeribitSimAccount): void {
    if (!CLIENT_ID.test(a.clientId)) throw new Error("DeribitSimulator: bad clientId");
    if (typeof a.secret !== "string" || a.secret.length === 0)
      throw new Error("DeribitSimulator: empty secret");
    const existing = this.accounts.get(a.clientId);
    if (existing) {
      existing.account = { ...a };
      return;
    }
    this.accounts.set(a.clientId, {
      account: { ...a },
      configs: new Map(),
      triggers: new Map(),
      nonces: new Map(),
      tokens: this.burst,
      tokensAt: this.serverTime(),
    });
  }

  get wsMessages(): DeribitRecordedWsMessage[] {
    return this.wsRecorded;
  }

  /** The configurations of an account (default group and groups), as held. */
  config(clientId: string, indexName?: string): DeribitSimConfig[] {
    const e = this.entry(clientId);
    return [...e.configs.values()].filter((c) => indexName === undefined || c.indexName === indexName);
  }

  /** The frozen indexes (and groups) of an account, as `private/get_mmp_status` would list them. */
  status(clientId: string): DeribitSimStatus[] {
    const e = this.entry(clientId);
    const out: DeribitSimStatus[] = [];
    for (const [k, t] of e.triggers) {
      if (!this.isFrozen(t)) continue;
      const [indexName = "", group = ""] = k.split("\u0000");
      out.push(
        group === ""
          ? { indexName, frozenUntil: t.frozenUntil }
          : { indexName, mmpGroup: group, frozenUntil: t.frozenUntil },
      );
    }
    return out;
  }

  /** A change made elsewhere (Deribit's web UI, another tool): replaces or adds a configuration. */
  setConfigOutside(clientId: string, c: DeribitSimConfig): void {
    const e = this.entry(clientId);
    e.configs.set(key(c.indexName, c.mmpGroup), { ...c });
  }

  /**
   * MMP triggers at `atMs` (default now, Deribit's clock): frozen until atMs + frozen_time s, or until a
   * reset when frozen_time is 0; the notification goes to subscribed sockets. Throws without a config.
   */
  trigger(clientId: string, indexName: string, atMs?: number, mmpGroup?: string): void {
    const e = this.entry(clientId);
    const c = e.configs.get(key(indexName, mmpGroup));
    if (!c) throw new Error(`DeribitSimulator: no MMP config for ${clientId} / ${indexName}`);
    const at = atMs ?? this.serverTime();
    const frozenUntil = c.frozenTime === 0 ? 0 : at + c.frozenTime * 1000;
    e.triggers.set(key(indexName, mmpGroup), { at, frozenUntil });
    const data: Record<string, unknown> = { index_name: indexName, frozen_until: frozenUntil };
    if (mmpGroup !== undefined) data.mmp_group = mmpGroup;
    for (const s of this.sessions) {
      if (s.clientId !== clientId) continue;
      for (const channel of [`user.mmp_trigger.${indexName}`, "user.mmp_trigger.any"]) {
        if (!s.channels.has(channel)) continue;
        this.wsSend(s, { jsonrpc: "2.0", method: "subscription", params: { channel, data } });
      }
    }
  }

  injectFault(fault: DeribitSimFault, options: DeribitFaultOptions = {}): void {
    this.queueFault(fault, options.times, options.method);
  }

  /** Closes every WebSocket at once, without a close handshake (a network cut). */
  dropSockets(): void {
    for (const s of this.sessions) {
      clearTimeout(s.heartbeat);
      s.socket.terminate();
    }
    this.sessions.clear();
  }

  /** Sockets authenticated and subscribed to at least one channel. */
  get subscribedSockets(): number {
    return [...this.sessions].filter((s) => s.channels.size > 0).length;
  }

  private entry(clientId: string): AccountEntry {
    const e = this.accounts.get(clientId);
    if (!e) throw new Error(`DeribitSimulator: no account ${clientId}`);
    return e;
  }

  private isFrozen(t: Trigger): boolean {
    return t.frozenUntil === 0 || this.serverTime() < t.frozenUntil;
  }

  // ---- HTTP ----

  protected override handle({ req, res, path, query, body, tooBig }: VenueRequest): void {
    const authHeader = req.headers.authorization;
    const auth = parseDeribitAuthHeader(authHeader);
    const rec: DeribitRecordedRequest = {
      at: this.serverTime(),
      httpMethod: req.method ?? "",
      path,
      query,
      body,
      rpcMethod: path.startsWith(API_PREFIX) ? path.slice(API_PREFIX.length) : "",
      contentType: req.headers["content-type"],
      clientId: auth?.id,
      timestamp: auth?.ts,
      nonce: auth?.nonce,
      sig: auth?.sig,
      status: 0,
      errorCode: undefined,
      errorMessage: undefined,
      applied: false,
    };
    const fault = this.arrive(rec, rec.rpcMethod);
    if (fault?.kind === "rateLimit") {
      const reply = this.error(undefined, new Refusal(10028, "injected rate limit"));
      reply.closeAfter = true;
      this.answer(req, res, rec, reply);
      return;
    }
    this.play(req, res, rec, fault, () => this.process(req, rec, body, tooBig, authHeader));
  }

  protected override recordCode(rec: DeribitRecordedRequest, reply: Reply): void {
    rec.errorCode = reply.code;
    rec.errorMessage = reply.msg;
  }

  private envelope(id: JsonValue | undefined, part: string): string {
    const usIn = this.serverTime() * 1000;
    const idText = id instanceof JsonNumber ? id.text : typeof id === "string" ? JSON.stringify(id) : "null";
    return `{"jsonrpc":"2.0","id":${idText},${part},"usIn":${usIn},"usOut":${usIn + 150},"usDiff":150,"testnet":true}`;
  }

  private ok(id: JsonValue | undefined, resultText: string, applied = false): Reply {
    return { status: 200, body: this.envelope(id, `"result":${resultText}`), headers: {}, applied };
  }

  private error(id: JsonValue | undefined, r: Refusal): Reply {
    const message = DERIBIT_MSG[r.code];
    const err: Record<string, unknown> = { code: r.code, message };
    if (r.param !== undefined || r.reason !== undefined) err.data = { param: r.param, reason: r.reason };
    return {
      status: 400,
      body: this.envelope(id, `"error":${JSON.stringify(err)}`),
      headers: {},
      code: r.code,
      msg: message,
      detail: r.detail,
      applied: false,
    };
  }

  private process(
    req: http.IncomingMessage,
    rec: DeribitRecordedRequest,
    body: string,
    tooBig: boolean,
    authHeader: string | undefined,
  ): Reply {
    let id: JsonValue | undefined;
    try {
      if (!rec.path.startsWith(API_PREFIX)) {
        return {
          status: 404,
          body: "Not Found",
          headers: { "Content-Type": "text/plain" },
          applied: false,
          detail: "no such path",
        };
      }
      const method = rec.rpcMethod;
      let params: JsonObject;
      if (req.method === "POST") {
        if (tooBig) throw new Refusal(-32600, "body too large");
        if (!isJsonContentType(rec.contentType)) {
          throw new Refusal(-32600, "Content-Type must be application/json");
        }
        if (rec.query !== "") throw new Refusal(-32600, "a POST carries its parameters in the JSON body");
        let v: JsonValue;
        try {
          v = parseJsonExact(body);
        } catch {
          throw new Refusal(-32700, "the body is not JSON");
        }
        if (!isJsonObject(v)) throw new Refusal(-32600, "the body is not a JSON object");
        id = v.id;
        if (v.jsonrpc !== "2.0") throw new Refusal(-32600, 'jsonrpc must be "2.0"');
        if (!(v.id instanceof JsonNumber) || !INT_TEXT.test(v.id.text))
          throw new Refusal(-32600, "id must be an integer");
        if (v.method !== undefined && v.method !== method)
          throw new Refusal(-32600, "method differs from the path");
        const p = v.params ?? Object.create(null);
        if (!isJsonObject(p)) throw new Refusal(-32602, "params is not an object");
        params = p;
      } else if (req.method === "GET") {
        if (body !== "") throw new Refusal(-32600, "a GET has no body");
        params = parseQuery(rec.query);
      } else {
        throw new Refusal(-32600, `HTTP ${req.method ?? "?"} is not supported`);
      }
      if (!this.knownMethod(method)) throw new Refusal(-32601, `no method ${method}`);
      if (method.startsWith("public/")) return this.publicMethod(id, method, params);
      const entry = this.authenticate(rec, authHeader, req.method ?? "", body);
      if (!this.takeCredit(entry)) {
        const r = this.error(id, new Refusal(10028, "credit pool empty"));
        r.closeAfter = true;
        return r;
      }
      if (entry.account.mmp === false) throw new Refusal(13040, "account is not an MMP user");
      return this.privateMethod(id, method, params, entry);
    } catch (e) {
      if (e instanceof Refusal) return this.error(id, e);
      throw e;
    }
  }

  private knownMethod(m: string): boolean {
    return [
      "public/get_time",
      "public/get_supported_index_names",
      "public/test",
      "private/set_mmp_config",
      "private/get_mmp_config",
      "private/get_mmp_status",
      "private/reset_mmp",
    ].includes(m);
  }

  private authenticate(
    rec: DeribitRecordedRequest,
    header: string | undefined,
    httpMethod: string,
    body: string,
  ): AccountEntry {
    if (header === undefined) throw new Refusal(13009, "no Authorization header");
    const auth = parseDeribitAuthHeader(header);
    if (!auth) throw new Refusal(13004, "Authorization is not deri-hmac-sha256 id=,ts=,sig=,nonce=");
    const entry = this.accounts.get(auth.id);
    if (!entry) throw new Refusal(13004, "unknown Client ID");
    this.checkFreshness(entry, auth.ts, auth.nonce);
    const uri = rec.path + (rec.query !== "" ? `?${rec.query}` : "");
    const bad = checkDeribitHttpSignature(entry.account.secret, auth, httpMethod, uri, body);
    if (bad !== undefined) throw new Refusal(13004, bad);
    entry.nonces.set(auth.nonce, this.serverTime());
    return entry;
  }

  /** timestamp within 60 s of Deribit's clock; nonce not seen in the window */
  private checkFreshness(entry: AccountEntry, ts: string, nonce: string): void {
    if (!/^\d{1,16}$/.test(ts)) throw new Refusal(13004, "timestamp is not epoch ms");
    const now = this.serverTime();
    if (Math.abs(Number(ts) - now) > TIMESTAMP_WINDOW_MS)
      throw new Refusal(13004, `timestamp ${ts} is more than 60 s from ${now}`);
    if (!/^[A-Za-z0-9]{1,64}$/.test(nonce)) throw new Refusal(13004, "nonce must be 1-64 letters/digits");
    for (const [n, at] of entry.nonces) if (at < now - 2 * TIMESTAMP_WINDOW_MS) entry.nonces.delete(n);
    if (entry.nonces.has(nonce)) throw new Refusal(13004, `nonce ${nonce} was used before`);
  }

  private takeCredit(e: AccountEntry): boolean {
    const now = this.serverTime();
    if (now > e.tokensAt) {
      e.tokens = Math.min(this.burst, e.tokens + ((now - e.tokensAt) * this.rate) / 1000);
      e.tokensAt = now;
    }
    if (e.tokens < 1) return false;
    e.tokens -= 1;
    return true;
  }

  private publicMethod(id: JsonValue | undefined, method: string, p: JsonObject): Reply {
    switch (method) {
      case "public/get_time":
        onlyParams(p, []);
        return this.ok(id, String(this.serverTime()));
      case "public/test":
        onlyParams(p, ["expected_result"]);
        return this.ok(id, '{"version":"sim-1.0"}');
      default: {
        onlyParams(p, ["type", "extended"]);
        const extended = p.extended === true || p.extended === "true";
        const list = extended
          ? this.indexes.map((name) => ({ name, future_combo_enabled: false, option_combo_enabled: true }))
          : this.indexes;
        return this.ok(id, JSON.stringify(list));
      }
    }
  }

  private privateMethod(id: JsonValue | undefined, method: string, p: JsonObject, e: AccountEntry): Reply {
    switch (method) {
      case "private/set_mmp_config":
        return this.setConfig(id, p, e);
      case "private/get_mmp_config": {
        onlyParams(p, ["index_name", "mmp_group", "block_rfq"]);
        const index = p.index_name === undefined ? undefined : this.indexName(p.index_name);
        const group = this.group(p, index);
        const list = [...e.configs.values()].filter(
          (c) => (index === undefined || c.indexName === index) && (c.mmpGroup ?? "") === (group ?? ""),
        );
        return this.ok(id, `[${list.map((c) => this.configText(c)).join(",")}]`);
      }
      case "private/get_mmp_status": {
        onlyParams(p, ["index_name", "mmp_group", "block_rfq"]);
        const index = p.index_name === undefined ? undefined : this.indexName(p.index_name);
        const group = this.group(p, index);
        const list = this.status(e.account.clientId).filter(
          (s) =>
            (index === undefined || s.indexName === index) && (group === undefined || s.mmpGroup === group),
        );
        const rows = list.map((s) => {
          const o: Record<string, unknown> = { index_name: s.indexName, frozen_until: s.frozenUntil };
          if (s.mmpGroup !== undefined) o.mmp_group = s.mmpGroup;
          return o;
        });
        return this.ok(id, JSON.stringify(rows));
      }
      default: {
        onlyParams(p, ["index_name", "mmp_group", "block_rfq"]);
        if (p.index_name === undefined)
          throw new Refusal(-32602, "index_name missing", "index_name", "must be present");
        const index = this.indexName(p.index_name);
        const group = this.group(p, index);
        e.triggers.delete(key(index, group));
        return this.ok(id, '"ok"', true);
      }
    }
  }

  private setConfig(id: JsonValue | undefined, p: JsonObject, e: AccountEntry): Reply {
    onlyParams(p, SET_FIELDS);
    if (p.index_name === undefined)
      throw new Refusal(-32602, "index_name missing", "index_name", "must be present");
    const index = this.indexName(p.index_name);
    const group = this.group(p, index);
    const interval = seconds(p, "interval");
    const frozen = seconds(p, "frozen_time");
    const limits: Partial<Record<(typeof LIMIT_FIELDS)[number], string>> = {};
    for (const f of LIMIT_FIELDS) {
      if (p[f] === undefined) continue;
      limits[f] = decimal(p, f, true);
    }
    if (Object.keys(limits).length === 0) {
      throw new Refusal(
        -32602,
        "no limit given",
        "quantity_limit",
        "at least one of quantity_limit, delta_limit, vega_limit is required",
      );
    }
    if (p.max_quote_quantity === undefined) {
      throw new Refusal(-32602, "max_quote_quantity missing", "max_quote_quantity", "must be present");
    }
    const mqq = decimal(p, "max_quote_quantity", false);
    const k = key(index, group);
    if (interval === 0) {
      e.configs.delete(k);
      return this.ok(id, "[]", true);
    }
    const c: DeribitSimConfig = { indexName: index, interval, frozenTime: frozen, maxQuoteQuantity: mqq };
    if (group !== undefined) c.mmpGroup = group;
    if (limits.quantity_limit !== undefined) c.quantityLimit = limits.quantity_limit;
    if (limits.delta_limit !== undefined) c.deltaLimit = limits.delta_limit;
    if (limits.vega_limit !== undefined) c.vegaLimit = limits.vega_limit;
    e.configs.set(k, c);
    const text = this.configText(c);
    return this.ok(id, this.opts.setResult === "array" ? `[${text}]` : text, true);
  }

  private configText(c: DeribitSimConfig): string {
    const n = (d: string) => (this.opts.scientificNumbers ? scientific(d) : d);
    const parts = [`"index_name":${JSON.stringify(c.indexName)}`];
    if (c.mmpGroup !== undefined) parts.push(`"mmp_group":${JSON.stringify(c.mmpGroup)}`);
    parts.push(`"interval":${c.interval}`, `"frozen_time":${c.frozenTime}`);
    if (c.quantityLimit !== undefined) parts.push(`"quantity_limit":${n(c.quantityLimit)}`);
    if (c.deltaLimit !== undefined) parts.push(`"delta_limit":${n(c.deltaLimit)}`);
    if (c.vegaLimit !== undefined) parts.push(`"vega_limit":${n(c.vegaLimit)}`);
    parts.push(`"max_quote_quantity":${n(c.maxQuoteQuantity)}`);
    return `{${parts.join(",")}}`;
  }

  private indexName(v: JsonValue): string {
    if (typeof v !== "string")
      throw new Refusal(-32602, "index_name not a string", "index_name", "must be a string");
    if (!this.indexes.includes(v))
      throw new Refusal(
        -32602,
        `index_name ${v} not listed`,
        "index_name",
        "value must be one of the supported index names",
      );
    return v;
  }

  private group(p: JsonObject, index: string | undefined): string | undefined {
    if (p.block_rfq !== undefined && p.block_rfq !== false) {
      throw new Refusal(-32602, "block_rfq is not simulated", "block_rfq", "not supported by the simulator");
    }
    if (p.mmp_group === undefined) return undefined;
    if (typeof p.mmp_group !== "string" || p.mmp_group === "")
      throw new Refusal(-32602, "bad mmp_group", "mmp_group", "must be a non-empty string");
    if (index === undefined)
      throw new Refusal(
        -32602,
        "mmp_group without index_name",
        "index_name",
        "must be present with mmp_group",
      );
    return p.mmp_group;
  }

  // ---- WebSocket ----

  private onWsConnection(socket: WebSocket): void {
    this.wsConnections++;
    const s: WsSession = {
      socket,
      clientId: undefined,
      channels: new Set(),
      heartbeat: undefined,
      awaitingTest: false,
    };
    this.sessions.add(s);
    socket.on("message", (raw: RawData) => this.onWsMessage(s, raw));
    socket.on("close", () => {
      clearTimeout(s.heartbeat);
      this.sessions.delete(s);
    });
    socket.on("error", () => undefined);
  }

  private wsSend(s: WsSession, msg: unknown): void {
    if (s.socket.readyState === WebSocket.OPEN)
      s.socket.send(typeof msg === "string" ? msg : JSON.stringify(msg));
  }

  private onWsMessage(s: WsSession, raw: RawData): void {
    const text = Buffer.isBuffer(raw)
      ? raw.toString("utf8")
      : Array.isArray(raw)
        ? Buffer.concat(raw).toString("utf8")
        : Buffer.from(raw).toString("utf8");
    const rec: DeribitRecordedWsMessage = {
      at: this.serverTime(),
      method: "",
      clientId: s.clientId,
      errorCode: undefined,
    };
    pushCapped(this.wsRecorded, rec, this.maxRecorded);
    let id: JsonValue | undefined;
    try {
      let v: JsonValue;
      try {
        v = parseJsonExact(text);
      } catch {
        throw new Refusal(-32700, "not JSON");
      }
      if (!isJsonObject(v) || v.jsonrpc !== "2.0" || typeof v.method !== "string")
        throw new Refusal(-32600, "not a JSON-RPC request");
      id = v.id;
      rec.method = v.method;
      const p = v.params ?? Object.create(null);
      if (!isJsonObject(p)) throw new Refusal(-32602, "params is not an object");
      const result = this.wsCall(s, v.method, p);
      rec.clientId = s.clientId;
      if (id !== undefined) this.wsSend(s, this.envelope(id, `"result":${result}`));
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      rec.errorCode = e.code;
      rec.detail = e.detail;
      const err: Record<string, unknown> = { code: e.code, message: DERIBIT_MSG[e.code] };
      if (e.param !== undefined) err.data = { param: e.param, reason: e.reason };
      this.wsSend(s, this.envelope(id, `"error":${JSON.stringify(err)}`));
    }
  }

  private wsCall(s: WsSession, method: string, p: JsonObject): string {
    switch (method) {
      case "public/auth":
        return this.wsAuth(s, p);
      case "public/set_heartbeat": {
        onlyParams(p, ["interval"]);
        const iv = p.interval;
        if (!(iv instanceof JsonNumber) || !INT_TEXT.test(iv.text) || Number(iv.text) < 10) {
          throw new Refusal(
            -32602,
            "interval must be an integer >= 10",
            "interval",
            "must be an integer of at least 10",
          );
        }
        this.armHeartbeat(s, Number(iv.text));
        return '"ok"';
      }
      case "public/test":
        s.awaitingTest = false;
        return '{"version":"sim-1.0"}';
      case "public/disable_heartbeat":
        clearTimeout(s.heartbeat);
        s.heartbeat = undefined;
        return '"ok"';
      case "private/subscribe": {
        if (s.clientId === undefined) throw new Refusal(13009, "not authenticated on this socket");
        onlyParams(p, ["channels", "label", "access_token"]);
        const ch = p.channels;
        if (!Array.isArray(ch) || ch.length === 0 || ch.some((c) => typeof c !== "string")) {
          throw new Refusal(
            -32602,
            "channels must be a list of strings",
            "channels",
            "must be a non-empty list of strings",
          );
        }
        const accepted: string[] = [];
        for (const c of ch as string[]) {
          const m = /^user\.mmp_trigger\.(.+)$/.exec(c);
          if (m !== null && (m[1] === "any" || this.indexes.includes(m[1]!))) {
            s.channels.add(c);
            accepted.push(c);
          }
        }
        return JSON.stringify(accepted);
      }
      case "private/unsubscribe_all":
      case "public/unsubscribe_all":
        s.channels.clear();
        return '"ok"';
      default:
        throw new Refusal(-32601, `no method ${method} on the simulator's WebSocket`);
    }
  }

  private wsAuth(s: WsSession, p: JsonObject): string {
    onlyParams(p, ["grant_type", "client_id", "timestamp", "signature", "nonce", "data", "scope"]);
    if (p.grant_type !== "client_signature") {
      throw new Refusal(
        -32602,
        "only client_signature is simulated",
        "grant_type",
        "must be client_signature",
      );
    }
    const clientId = p.client_id;
    if (typeof clientId !== "string") throw new Refusal(13004, "client_id missing");
    const entry = this.accounts.get(clientId);
    if (!entry) throw new Refusal(13004, "unknown Client ID");
    if (!(p.timestamp instanceof JsonNumber))
      throw new Refusal(13004, "timestamp must be a number (epoch ms)");
    if (typeof p.nonce !== "string" || typeof p.signature !== "string")
      throw new Refusal(13004, "nonce and signature are strings");
    const data = p.data === undefined ? "" : p.data;
    if (typeof data !== "string") throw new Refusal(13004, "data must be a string");
    this.checkFreshness(entry, p.timestamp.text, p.nonce);
    const bad = checkDeribitWsSignature(entry.account.secret, p.timestamp.text, p.nonce, data, p.signature);
    if (bad !== undefined) throw new Refusal(13004, bad);
    entry.nonces.set(p.nonce, this.serverTime());
    s.clientId = clientId;
    const token = randomBytes(12).toString("hex");
    return JSON.stringify({
      access_token: `sim.${token}`,
      expires_in: 31_536_000,
      refresh_token: `simr.${token}`,
      scope: "connection mainaccount trade:read_write",
      token_type: "bearer",
    });
  }

  /** sends test_request every interval; a socket that did not answer the previous one is closed */
  private armHeartbeat(s: WsSession, intervalSeconds: number): void {
    clearTimeout(s.heartbeat);
    const tick = () => {
      if (s.awaitingTest) {
        s.socket.terminate();
        return;
      }
      s.awaitingTest = true;
      this.wsSend(s, { jsonrpc: "2.0", method: "heartbeat", params: { type: "test_request" } });
      s.heartbeat = setTimeout(tick, intervalSeconds * this.heartbeatUnitMs);
    };
    s.awaitingTest = false;
    s.heartbeat = setTimeout(tick, intervalSeconds * this.heartbeatUnitMs);
  }
}

function onlyParams(p: JsonObject, allowed: readonly string[]): void {
  for (const k of Object.keys(p)) {
    if (!allowed.includes(k)) throw new Refusal(-32602, `unknown parameter ${k}`, k, "unknown parameter");
  }
}

function seconds(p: JsonObject, field: string): number {
  const v = p[field];
  if (v === undefined) throw new Refusal(-32602, `${field} missing`, field, "must be present");
  if (!(v instanceof JsonNumber) || !INT_TEXT.test(v.text)) {
    throw new Refusal(-32602, `${field} not an integer`, field, "must be an integer");
  }
  const n = Number(v.text);
  if (n > MAX_SECONDS)
    throw new Refusal(-32602, `${field} above ${MAX_SECONDS}`, field, `must be at most ${MAX_SECONDS}`);
  return n;
}

/** A JSON number (not a string) >= 0 (> 0 when `positive`) with at most 4 decimal places; canonical text. */
function decimal(p: JsonObject, field: string, positive: boolean): string {
  const v = p[field];
  if (!(v instanceof JsonNumber) || !NUMBER_TEXT.test(v.text)) {
    throw new Refusal(
      -32602,
      `${field} not a non-negative JSON number`,
      field,
      "must be a non-negative number",
    );
  }
  const c = canonical(v.text);
  const dot = c.indexOf(".");
  if (dot >= 0 && c.length - dot - 1 > 4) {
    throw new Refusal(
      -32602,
      `${field} ${v.text} has more than 4 decimal places`,
      field,
      "at most 4 decimal places",
    );
  }
  if (positive && c === "0") throw new Refusal(-32602, `${field} is 0`, field, "must be greater than 0");
  return c;
}

/** exact canonical decimal of a non-negative JSON number: exponent applied, no trailing fraction zeros */
function canonical(text: string): string {
  const m = /^(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text)!;
  const int = m[1]!;
  const frac = m[2] ?? "";
  const exp = Number(m[3] ?? "0");
  if (Math.abs(exp) > 40)
    throw new Refusal(-32602, "exponent out of range", undefined, "number out of range");
  const digits = int + frac;
  const point = int.length + exp;
  let s: string;
  if (point <= 0) s = `0.${"0".repeat(-point)}${digits}`;
  else if (point >= digits.length) s = digits + "0".repeat(point - digits.length);
  else s = `${digits.slice(0, point)}.${digits.slice(point)}`;
  s = s.replace(/^0+(?=\d)/, "");
  if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  return s;
}

/** `2.5` → `25e-1`; integers unchanged */
function scientific(d: string): string {
  const dot = d.indexOf(".");
  if (dot < 0) return d;
  const places = d.length - dot - 1;
  const digits = (d.slice(0, dot) + d.slice(dot + 1)).replace(/^0+(?=\d)/, "");
  return `${digits}e-${places}`;
}

function parseQuery(query: string): JsonObject {
  const out = Object.create(null) as JsonObject;
  for (const [name, value] of parseStrictQuery(query, (detail) => new Refusal(-32600, detail))) {
    out[name] = NUMBER_TEXT.test(value)
      ? new JsonNumber(value)
      : value === "true"
        ? true
        : value === "false"
          ? false
          : value;
  }
  return out;
}
