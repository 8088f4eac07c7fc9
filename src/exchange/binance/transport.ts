/**
 * An axios adapter on undici: one keep-alive connection pool per origin, driven through undici's
 * low-level dispatch API.
 *
 * Why undici: axios's default http adapter does much per call (follow-redirects, stream plumbing, proxy
 * detection), and node's own http client, which our earlier adapter used, spends more CPU per call
 * than undici's dispatch (measured with bench/exchange-transport.js; figures in docs/performance.md). The
 * exchange call is the largest cost centre of a mutation, so its client matters.
 *
 * Why our own adapter at all: the gateway must tell "never sent" (nothing can have been applied) from
 * "sent, no clear answer" (may have been applied), which no stock adapter exposes. The line is undici's
 * request start (`onRequestStart`): it fires on a connected socket (TLS handshake done) just before the
 * first byte of the request is written. Before it, the request has only waited in the pool's queue.
 *
 * Timeouts (ours, not undici's, so that the line above decides what expiry means):
 * - connect timeout: from the call until the request starts on a connected socket, including waiting
 *   for a free connection in the pool and DNS; expiry is "not sent" (a request still queued is
 *   cancelled when its turn comes, before anything is written).
 * - response timeout (axios `timeout`, else the default): from the request start until the whole
 *   answer is read; expiry is "sent".
 *
 * undici never re-sends a request that has started on a socket with one request per connection (no
 * pipelining, as configured here); should a request start a second time anyway, it is cancelled and
 * reported as possibly sent rather than sent twice.
 *
 * The adapter always answers with the body as a utf-8 string; callers parse it themselves.
 */
import type { IncomingHttpHeaders } from "node:http";
import tls from "node:tls";
import zlib from "node:zlib";
import { Pool, type Dispatcher } from "undici";
import {
  AxiosError,
  AxiosHeaders,
  type AxiosAdapter,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from "axios";

/**
 * `refused-locally`: the request was never attempted (a URL the transport cannot use, a closed transport,
 * an argument undici refuses): it says nothing about the exchange host, unlike `connect-failed`.
 */
export type TransportFailureKind =
  | "refused-locally"
  | "connect-failed"
  | "connect-timeout"
  | "response-timeout"
  | "connection-lost"
  | "bad-answer"
  | "aborted";

/** A failure without an HTTP answer. `sent` false means the request certainly never left this process. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly kind: TransportFailureKind,
    readonly sent: boolean,
    readonly errorCode: string | undefined,
  ) {
    super(message);
    this.name = "TransportError";
  }
}

export function isTransportError(e: unknown): e is TransportError {
  return e instanceof TransportError;
}

export interface TransportOptions {
  connectTimeoutMs?: number;
  /** used when the request config has no `timeout` */
  responseTimeoutMs?: number;
  /** per origin; bounds the connections (and so the load) we put on one exchange host */
  maxSockets?: number;
  /**
   * idle pooled connections are closed after this (or sooner when the server announces a shorter
   * keep-alive), before the server's own idle timeout closes them under a request
   */
  freeSocketTimeoutMs?: number;
  maxResponseBytes?: number;
  /** extra trusted CA certificates (PEM), e.g. for a TLS-terminating simulator; public CAs stay trusted */
  ca?: string;
}

export interface HttpTransport {
  adapter: AxiosAdapter;
  /** destroys every pooled connection; calls in flight fail */
  close(): void;
}

const DEFAULTS: Required<Omit<TransportOptions, "ca">> = {
  connectTimeoutMs: 2_000,
  responseTimeoutMs: 5_000,
  maxSockets: 64,
  freeSocketTimeoutMs: 30_000,
  maxResponseBytes: 32 * 1024 * 1024,
};

export function createHttpTransport(options: TransportOptions = {}): HttpTransport {
  const opts = { ...DEFAULTS, ...dropUndefined(options) };
  const pools = new Map<string, Pool>();
  let closed = false;

  function poolFor(origin: string): Pool {
    let pool = pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: opts.maxSockets,
        // One request per connection at a time: a pipelined request behind a failed one would be re-sent.
        pipelining: 1,
        keepAliveTimeout: opts.freeSocketTimeoutMs,
        keepAliveMaxTimeout: opts.freeSocketTimeoutMs,
        // Our own timers decide (see the top of the file); undici's would report expiry without
        // saying whether the request had been sent.
        headersTimeout: 0,
        bodyTimeout: 0,
        connect: {
          // Only a safety net: the connect timeout above fires first and cancels the request.
          timeout: opts.connectTimeoutMs + 1_000,
          ...(opts.ca ? { ca: [...tls.rootCertificates, opts.ca] } : {}),
        },
      });
      pools.set(origin, pool);
    }
    return pool;
  }

  const targets = new TargetCache();

  const adapter: AxiosAdapter = (config) =>
    new Promise<AxiosResponse>((resolve, reject) => {
      if (closed) {
        reject(new TransportError("the transport is closed", "refused-locally", false, undefined));
        return;
      }
      const target = targets.resolve(fullUrl(config));
      if (typeof target === "string") {
        reject(new TransportError(target, "refused-locally", false, undefined));
        return;
      }
      const call = new Call(config, opts, resolve, reject);
      call.dispatch(poolFor(target.origin), target.path);
    });

  return {
    adapter,
    close() {
      closed = true;
      for (const pool of pools.values()) void pool.destroy().catch(() => undefined);
      pools.clear();
    },
  };
}

/** One HTTP exchange: undici's dispatch handler, our timers and the axios promise it settles. */
class Call implements Dispatcher.DispatchHandler {
  private settled = false;
  private started = false;
  private controller: Dispatcher.DispatchController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private status = 0;
  private statusText = "";
  private headers: IncomingHttpHeaders = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private readonly responseTimeoutMs: number;
  private readonly maxBytes: number;
  private readonly signal: AbortSignal | undefined;

  constructor(
    private readonly config: InternalAxiosRequestConfig,
    private readonly opts: Required<Omit<TransportOptions, "ca">>,
    private readonly resolve: (r: AxiosResponse) => void,
    private readonly reject: (e: unknown) => void,
  ) {
    this.responseTimeoutMs = config.timeout && config.timeout > 0 ? config.timeout : opts.responseTimeoutMs;
    this.maxBytes =
      config.maxContentLength !== undefined && config.maxContentLength > 0
        ? config.maxContentLength
        : opts.maxResponseBytes;
    this.signal = config.signal as AbortSignal | undefined; // axios's GenericAbortSignal is structurally an AbortSignal here
  }

  dispatch(pool: Pool, path: string): void {
    const signal = this.signal;
    if (signal?.aborted) {
      this.fail(new TransportError("request aborted", "aborted", false, undefined));
      return;
    }
    signal?.addEventListener("abort", this.onAbort, { once: true });
    this.timer = setTimeout(this.onConnectTimeout, this.opts.connectTimeoutMs);
    try {
      pool.dispatch(
        {
          method: (this.config.method ?? "get").toUpperCase() as Dispatcher.HttpMethod,
          path,
          headers: outgoingHeaders(this.config),
          body: requestBody(this.config.data),
        },
        this,
      );
    } catch (err) {
      this.fail(
        new TransportError(
          `request refused before sending: ${err instanceof Error ? err.message : String(err)}`,
          "connect-failed",
          false,
          undefined,
        ),
      );
    }
  }

  // ---- undici's handler ----

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.settled || this.started) {
      // Cancelled while queued (nothing written yet), or a second start, which would send it twice.
      const again = this.started;
      controller.abort(new Error(again ? "refusing to send a request twice" : "cancelled before sending"));
      if (again)
        this.fail(new TransportError("connection lost; not re-sent", "connection-lost", true, undefined));
      return;
    }
    this.started = true;
    this.controller = controller;
    clearTimeout(this.timer);
    this.timer = setTimeout(this.onResponseTimeout, this.responseTimeoutMs);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    // 1xx interim answers arrive here too; the final answer overwrites them.
    this.status = statusCode;
    this.headers = headers;
    this.statusText = statusMessage ?? "";
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      this.fail(
        new TransportError(`answer larger than ${this.maxBytes} bytes`, "bad-answer", true, undefined),
      );
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    const raw = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    decode(raw, headerText(this.headers["content-encoding"]), (err, text) => {
      if (this.settled) return;
      if (err !== null) {
        this.fail(new TransportError("answer could not be decompressed", "bad-answer", true, undefined));
        return;
      }
      this.finish();
      settle(
        {
          data: text,
          status: this.status,
          statusText: this.statusText,
          headers: responseHeaders(this.headers),
          config: this.config,
          request: undefined,
        },
        this.resolve,
        this.reject,
      );
    });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(describeNetworkError(error, this.started));
  }

  // ---- ours ----

  private readonly onConnectTimeout = (): void =>
    this.fail(
      new TransportError(
        `no connection within ${this.opts.connectTimeoutMs} ms`,
        "connect-timeout",
        false,
        undefined,
      ),
    );

  private readonly onResponseTimeout = (): void =>
    this.fail(
      new TransportError(
        `no complete answer within ${this.responseTimeoutMs} ms`,
        "response-timeout",
        true,
        undefined,
      ),
    );

  private readonly onAbort = (): void =>
    this.fail(new TransportError("request aborted", "aborted", this.started, undefined));

  private finish(): void {
    this.settled = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.signal?.removeEventListener("abort", this.onAbort);
  }

  /**
   * Settles with `error` once. A started request is aborted (its connection closed); one still queued
   * is cancelled when undici gets to it (onRequestStart above), before anything is written.
   */
  private fail(error: TransportError): void {
    if (this.settled) return;
    this.finish();
    if (this.controller !== undefined && !this.controller.aborted) this.controller.abort(error);
    this.reject(error);
  }
}

interface Target {
  /** scheme, host and port: one connection pool each */
  origin: string;
  /** path and query, as sent */
  path: string;
}

/**
 * Parses request URLs. The part before the query (origin and path: a handful per exchange account) is
 * parsed once and kept; the query (a GET's signed parameters, new each call) is appended as given. The
 * WHATWG parser would leave it unchanged anyway: it is percent-encoded by the request builder.
 */
class TargetCache {
  private readonly parsed = new Map<string, Target | string>();

  /** the target, or why the URL cannot be used */
  resolve(url: string): Target | string {
    const q = url.indexOf("?");
    const base = q < 0 ? url : url.slice(0, q);
    let t = this.parsed.get(base);
    if (t === undefined) {
      t = parseTarget(base);
      // Bounded: base URLs come from account settings, never from callers; this is only a safety net.
      if (this.parsed.size >= 1000) this.parsed.clear();
      this.parsed.set(base, t);
    }
    if (typeof t === "string" || q < 0) return t;
    return { origin: t.origin, path: t.path + url.slice(q) };
  }
}

function parseTarget(base: string): Target | string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return "invalid URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return `unsupported protocol ${url.protocol}`;
  if (url.username !== "" || url.password !== "") return "credentials in the URL are not supported";
  return { origin: url.origin, path: url.pathname + url.search };
}

/**
 * The answer's headers as axios hands them on. Given a plain header object, axios would copy it into a
 * new AxiosHeaders, looking up every name case-insensitively among those already set (quadratic in the
 * header count; Binance answers carry a score of headers). undici has already parsed the names and
 * lower-cased them, so they are taken as they are, except a name that matches a member of AxiosHeaders
 * or Object (`get`, `set`, `constructor`, `__proto__`...): that one goes through axios's own `set`,
 * which stores it where it shadows nothing. (Not a subclass: its `constructor` would be a plain
 * property such a header could overwrite.)
 */
function responseHeaders(raw: IncomingHttpHeaders): AxiosHeaders {
  const headers = new AxiosHeaders();
  const slots = headers as unknown as Record<string, string | string[]>;
  for (const name of Object.keys(raw)) {
    const value = raw[name];
    if (value === undefined) continue;
    if (name in headers) headers.set(name, value);
    else slots[name] = value;
  }
  return headers;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(",") : value;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function fullUrl(config: InternalAxiosRequestConfig): string {
  const url = config.url ?? "";
  if (config.baseURL && !/^https?:\/\//i.test(url)) {
    return config.baseURL.replace(/\/+$/, "") + "/" + url.replace(/^\/+/, "");
  }
  return url;
}

function requestBody(data: unknown): string | Buffer | undefined {
  if (data === undefined || data === null) return undefined;
  if (typeof data === "string" || Buffer.isBuffer(data)) return data;
  // The Binance client only sends form strings; anything else means a caller bypassed it.
  throw new TypeError("the transport only sends string or Buffer bodies");
}

function outgoingHeaders(config: InternalAxiosRequestConfig): Record<string, string | string[]> {
  // toJSON drops headers axios marked as unset (false/null); undici sets Content-Length from the body.
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(config.headers.toJSON())) {
    if (name.toLowerCase() === "content-length") continue;
    out[name] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return out;
}

function decode(
  raw: Buffer,
  encoding: string | undefined,
  done: (err: Error | null, text: string) => void,
): void {
  const finish = (err: Error | null, buf: Buffer): void =>
    done(err, err === null ? buf.toString("utf8") : "");
  switch (encoding?.trim().toLowerCase()) {
    case undefined:
    case "":
    case "identity":
      done(null, raw.toString("utf8"));
      return;
    case "gzip":
    case "x-gzip":
      zlib.gunzip(raw, finish);
      return;
    case "deflate":
      zlib.inflate(raw, finish);
      return;
    case "br":
      zlib.brotliDecompress(raw, finish);
      return;
    default:
      done(new Error(`unsupported content-encoding ${encoding}`), "");
  }
}

function settle(
  response: AxiosResponse,
  resolve: (r: AxiosResponse) => void,
  reject: (e: unknown) => void,
): void {
  const validate = response.config.validateStatus;
  if (!validate || validate(response.status)) {
    resolve(response);
    return;
  }
  reject(
    new AxiosError(
      `Request failed with status code ${response.status}`,
      response.status < 500 ? AxiosError.ERR_BAD_REQUEST : AxiosError.ERR_BAD_RESPONSE,
      response.config,
      response.request,
      response,
    ),
  );
}

const CONNECT_DESCRIPTIONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "DNS lookup failed",
  EAI_AGAIN: "DNS lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  ECONNRESET: "connection reset",
  EPIPE: "connection closed while sending",
  UND_ERR_SOCKET: "connection closed",
  UND_ERR_DESTROYED: "the transport is closed",
  UND_ERR_CLOSED: "the transport is closed",
};

/** `started`: undici had begun writing the request, so it may have reached the exchange. */
function describeNetworkError(err: Error, started: boolean): TransportError {
  if (err instanceof TransportError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "UND_ERR_INVALID_ARG" || code === "UND_ERR_NOT_SUPPORTED") {
    return new TransportError(
      `request refused before sending: ${err.message}`,
      "refused-locally",
      false,
      code,
    );
  }
  if (code?.startsWith("HPE_") || code === "UND_ERR_RES_CONTENT_LENGTH_MISMATCH") {
    return new TransportError(`malformed answer (${code})`, "bad-answer", started, code);
  }
  let what: string;
  if (code !== undefined && CONNECT_DESCRIPTIONS[code] !== undefined) what = CONNECT_DESCRIPTIONS[code];
  else if (isTlsFailure(code)) what = "TLS handshake failed";
  else what = "network error";
  return new TransportError(
    code ? `${what} (${code})` : what,
    started ? "connection-lost" : "connect-failed",
    started,
    code,
  );
}

function isTlsFailure(code: string | undefined): boolean {
  if (code === undefined) return false;
  return (
    code.startsWith("ERR_TLS") ||
    code.startsWith("ERR_SSL") ||
    code.includes("CERT") ||
    code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE" ||
    code === "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"
  );
}
