/**
 * An axios adapter on raw node http/https with one keep-alive Agent per origin.
 *
 * Why: axios's default http adapter costs several hundred µs per call (follow-redirects, stream
 * plumbing, proxy detection); this one does the minimum. And why we need our own anyway: the gateway
 * must tell "never sent" (nothing can have been applied) from "sent, no clear answer" (may have been
 * applied), which the default adapter does not expose. The line is the moment the connection (and TLS
 * handshake) is established: before it, node has only buffered our bytes locally.
 *
 * Timeouts:
 * - connect timeout: from the call until the socket is connected, including waiting for a free socket
 *   in the pool and DNS; expiry is "not sent".
 * - response timeout (axios `timeout`, else the default): from connection until the whole answer is
 *   read; expiry is "sent".
 *
 * The adapter always answers with the body as a utf-8 string; callers parse it themselves.
 */
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import tls from "node:tls";
import zlib from "node:zlib";
import {
  AxiosError,
  AxiosHeaders,
  type AxiosAdapter,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from "axios";

export type TransportFailureKind =
  "connect-failed" | "connect-timeout" | "response-timeout" | "connection-lost" | "bad-answer" | "aborted";

/** A failure without an HTTP answer. `sent` false means the request certainly never left this process. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly kind: TransportFailureKind,
    readonly sent: boolean,
    readonly errorCode: string | undefined,
    /** the failure happened on a pooled socket: a stale keep-alive connection is the usual cause */
    readonly reusedSocket: boolean,
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
  /** idle pooled sockets are closed after this, before the server's own idle timeout closes them */
  freeSocketTimeoutMs?: number;
  maxResponseBytes?: number;
  /** extra trusted CA certificates (PEM), e.g. for a TLS-terminating simulator; public CAs stay trusted */
  ca?: string;
}

export interface NodeHttpTransport {
  adapter: AxiosAdapter;
  /** destroys every pooled socket */
  close(): void;
}

const DEFAULTS: Required<Omit<TransportOptions, "ca">> = {
  connectTimeoutMs: 2_000,
  responseTimeoutMs: 5_000,
  maxSockets: 64,
  freeSocketTimeoutMs: 30_000,
  maxResponseBytes: 32 * 1024 * 1024,
};

export function createNodeHttpTransport(options: TransportOptions = {}): NodeHttpTransport {
  const opts = { ...DEFAULTS, ...dropUndefined(options) };
  const agents = new Map<string, http.Agent>();

  function agentFor(origin: string, secure: boolean): http.Agent {
    let agent = agents.get(origin);
    if (agent === undefined) {
      const agentOptions: http.AgentOptions = {
        keepAlive: true,
        maxSockets: opts.maxSockets,
        maxFreeSockets: opts.maxSockets,
        timeout: opts.freeSocketTimeoutMs,
        // Most recently used first: keeps a few sockets hot instead of rotating through stale ones.
        scheduling: "lifo",
      };
      agent = secure
        ? new https.Agent({ ...agentOptions, ...(opts.ca ? { ca: [...tls.rootCertificates, opts.ca] } : {}) })
        : new http.Agent(agentOptions);
      agents.set(origin, agent);
    }
    return agent;
  }

  const targets = new TargetCache();

  const adapter: AxiosAdapter = (config) =>
    new Promise<AxiosResponse>((resolve, reject) => {
      const target = targets.resolve(fullUrl(config));
      if (typeof target === "string") {
        reject(new TransportError(target, "connect-failed", false, undefined, false));
        return;
      }
      const secure = target.secure;
      const body = bodyBuffer(config.data);
      const headers = outgoingHeaders(config, body);
      const responseTimeoutMs =
        config.timeout && config.timeout > 0 ? config.timeout : opts.responseTimeoutMs;
      const maxBytes =
        config.maxContentLength !== undefined && config.maxContentLength > 0
          ? config.maxContentLength
          : opts.maxResponseBytes;
      const signal = config.signal as AbortSignal | undefined; // axios's GenericAbortSignal is structurally an AbortSignal here

      let settled = false;
      let connected = false;
      let timer: NodeJS.Timeout | undefined;

      const req = (secure ? https : http).request({
        agent: agentFor(target.origin, secure),
        method: (config.method ?? "get").toUpperCase(),
        hostname: target.hostname,
        port: target.port,
        path: target.path,
        headers,
      });

      const finish = (): void => {
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const fail = (error: TransportError): void => {
        if (settled) return;
        finish();
        req.destroy();
        reject(error);
      };
      const onAbort = (): void =>
        fail(new TransportError("request aborted", "aborted", connected, undefined, req.reusedSocket));

      const onConnected = (): void => {
        if (settled || connected) return;
        connected = true;
        clearTimeout(timer);
        timer = setTimeout(
          () =>
            fail(
              new TransportError(
                `no complete answer within ${responseTimeoutMs} ms`,
                "response-timeout",
                true,
                undefined,
                req.reusedSocket,
              ),
            ),
          responseTimeoutMs,
        );
      };

      timer = setTimeout(
        () =>
          fail(
            new TransportError(
              `no connection within ${opts.connectTimeoutMs} ms`,
              "connect-timeout",
              false,
              undefined,
              false,
            ),
          ),
        opts.connectTimeoutMs,
      );

      if (signal) {
        if (signal.aborted) {
          fail(new TransportError("request aborted", "aborted", false, undefined, false));
          return;
        }
        signal.addEventListener("abort", onAbort, { once: true });
      }

      req.on("socket", (socket: Socket) => {
        if (req.reusedSocket || !socket.connecting) onConnected();
        else socket.once(secure ? "secureConnect" : "connect", onConnected);
      });

      req.on("error", (err: NodeJS.ErrnoException) =>
        fail(describeNetworkError(err, connected, req.reusedSocket)),
      );

      req.on("response", (res: http.IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            fail(
              new TransportError(
                `answer larger than ${maxBytes} bytes`,
                "bad-answer",
                true,
                undefined,
                false,
              ),
            );
            res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on("error", (err: NodeJS.ErrnoException) =>
          fail(describeNetworkError(err, true, req.reusedSocket)),
        );
        res.on("aborted", () =>
          fail(new TransportError("answer cut off", "connection-lost", true, "ECONNRESET", req.reusedSocket)),
        );
        res.on("end", () => {
          if (settled) return;
          decode(Buffer.concat(chunks, size), res.headers["content-encoding"], (err, text) => {
            if (err !== null) {
              fail(
                new TransportError("answer could not be decompressed", "bad-answer", true, undefined, false),
              );
              return;
            }
            if (settled) return;
            finish();
            const response: AxiosResponse = {
              data: text,
              status: res.statusCode ?? 0,
              statusText: res.statusMessage ?? "",
              headers: responseHeaders(res.headers),
              config,
              request: req,
            };
            settle(response, resolve, reject);
          });
        });
      });

      req.end(body);
    });

  return {
    adapter,
    close() {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    },
  };
}

interface Target {
  secure: boolean;
  origin: string;
  hostname: string;
  port: number;
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
    return { ...t, path: t.path + url.slice(q) };
  }
}

function parseTarget(base: string): Target | string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return "invalid URL";
  }
  const secure = url.protocol === "https:";
  if (!secure && url.protocol !== "http:") return `unsupported protocol ${url.protocol}`;
  return {
    secure,
    origin: url.origin,
    hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
    port: url.port ? Number(url.port) : secure ? 443 : 80,
    path: url.pathname + url.search,
  };
}

/**
 * The answer's headers as axios hands them on. Given node's header object, axios would copy it into a
 * new AxiosHeaders, looking up every name case-insensitively among those already set (quadratic in the
 * header count; Binance answers carry a score of headers). Node has already validated the names and
 * values and lower-cased the names, so they are taken as they are, except a name that matches a member
 * of AxiosHeaders or Object (`get`, `set`, `constructor`, `__proto__`...): that one goes through axios's
 * own `set`, which stores it where it shadows nothing. (Not a subclass: its `constructor` would be a
 * plain property such a header could overwrite.)
 */
function responseHeaders(raw: http.IncomingHttpHeaders): AxiosHeaders {
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

function bodyBuffer(data: unknown): Buffer | undefined {
  if (data === undefined || data === null) return undefined;
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === "string") return Buffer.from(data, "utf8");
  // The Binance client only sends form strings; anything else means a caller bypassed it.
  throw new TypeError("the node http transport only sends string or Buffer bodies");
}

function outgoingHeaders(
  config: InternalAxiosRequestConfig,
  body: Buffer | undefined,
): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  // toJSON drops headers axios marked as unset (false/null).
  for (const [name, value] of Object.entries(config.headers.toJSON())) out[name] = value;
  if (body !== undefined) out["Content-Length"] = body.length;
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
  ECONNRESET: "connection reset",
  EPIPE: "connection closed while sending",
};

function describeNetworkError(err: NodeJS.ErrnoException, sent: boolean, reused: boolean): TransportError {
  const code = err.code;
  let what: string;
  if (err.message === "socket hang up") what = "connection closed before an answer";
  else if (code !== undefined && CONNECT_DESCRIPTIONS[code] !== undefined) what = CONNECT_DESCRIPTIONS[code];
  else if (code?.startsWith("ERR_TLS") || code?.includes("CERT")) what = "TLS handshake failed";
  else what = "network error";
  return new TransportError(
    code ? `${what} (${code})` : what,
    sent ? "connection-lost" : "connect-failed",
    sent,
    code,
    reused,
  );
}
