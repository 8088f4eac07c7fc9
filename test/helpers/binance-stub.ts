/**
 * A tiny Binance eapi stand-in for integration tests: node http on 127.0.0.1:0.
 *
 * It checks every signed call independently of the gateway's code (node crypto directly, over the raw
 * query + body bytes it received), enforces Binance's timestamp rule against its own (shiftable)
 * clock, reports a used-weight header, and can be scripted to misbehave per call.
 */
import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface StubRequest {
  method: string;
  path: string;
  rawQuery: string;
  rawBody: string;
  headers: http.IncomingHttpHeaders;
  remotePort: number;
  /** query and body parameters; the query's value wins, as on Binance */
  params: Map<string, string>;
  signed: boolean;
  signatureValid: boolean;
}

export interface StubReply {
  status?: number;
  body?: string | object;
  headers?: Record<string, string>;
  delayMs?: number;
  /** drop the connection instead of answering (after the request was fully received) */
  destroy?: boolean;
}

export type StubHandler = (req: StubRequest, stub: BinanceStub) => StubReply;

const WEIGHTS: Record<string, number> = { "/eapi/v1/countdownCancelAllHeartBeat": 10 };

export class BinanceStub {
  readonly requests: StubRequest[] = [];
  /** added to the stub's Date.now() to form its server time */
  serverOffsetMs = 0;
  /** value of x-mbx-used-weight-1m; grows with each request unless set */
  usedWeight = 0;
  weightLimit = 2400;
  underlyingsListed = ["BTCUSDT", "ETHUSDT"];
  readonly mmp = new Map<string, Record<string, unknown>>();
  private readonly scripted = new Map<string, StubReply[]>();
  private readonly handlers = new Map<string, StubHandler>();

  private readonly server = http.createServer((req, res) => this.handle(req, res));
  baseUrl = "";

  private constructor(
    readonly apiKey: string,
    readonly secret: string,
  ) {}

  static async start(apiKey = "test-api-key", secret = "test-secret"): Promise<BinanceStub> {
    const stub = new BinanceStub(apiKey, secret);
    await new Promise<void>((resolve) => stub.server.listen(0, "127.0.0.1", resolve));
    stub.baseUrl = `http://127.0.0.1:${(stub.server.address() as AddressInfo).port}`;
    return stub;
  }

  serverTime(): number {
    return Date.now() + this.serverOffsetMs;
  }

  /** queue one-shot replies for `METHOD path`, used before the default behaviour */
  script(method: string, path: string, ...replies: StubReply[]): void {
    const key = `${method} ${path}`;
    this.scripted.set(key, [...(this.scripted.get(key) ?? []), ...replies]);
  }

  /** replace the default behaviour of `METHOD path` */
  on(method: string, path: string, handler: StubHandler): void {
    this.handlers.set(`${method} ${path}`, handler);
  }

  count(method: string, path: string): number {
    return this.requests.filter((r) => r.method === method && r.path === path).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = req.url ?? "/";
      const q = url.indexOf("?");
      const path = q < 0 ? url : url.slice(0, q);
      const rawQuery = q < 0 ? "" : url.slice(q + 1);
      const rawBody = Buffer.concat(chunks).toString("utf8");
      const params = new Map<string, string>();
      for (const [k, v] of new URLSearchParams(rawBody)) params.set(k, v);
      for (const [k, v] of new URLSearchParams(rawQuery)) params.set(k, v);
      const stubReq: StubRequest = {
        method: req.method ?? "",
        path,
        rawQuery,
        rawBody,
        headers: req.headers,
        remotePort: req.socket.remotePort ?? 0,
        params,
        signed: params.has("signature"),
        signatureValid: this.verify(rawQuery, rawBody),
      };
      this.requests.push(stubReq);
      this.usedWeight += WEIGHTS[path] ?? 1;
      const reply = this.reply(stubReq);
      const send = (): void => {
        if (reply.destroy) {
          req.socket.destroy();
          return;
        }
        const body = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? {});
        res.writeHead(reply.status ?? 200, {
          "Content-Type": "application/json",
          "x-mbx-used-weight-1m": String(this.usedWeight),
          ...reply.headers,
        });
        res.end(body);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  }

  /**
   * Binance's rule, recomputed here: HMAC-SHA256 over query + body (no separator) without the
   * trailing signature parameter, which must be the last one.
   */
  private verify(rawQuery: string, rawBody: string): boolean {
    const all = rawQuery + rawBody;
    const at = all.lastIndexOf("&signature=");
    if (at < 0) return false;
    const signature = decodeURIComponent(all.slice(at + "&signature=".length));
    const expected = createHmac("sha256", this.secret).update(all.slice(0, at)).digest("hex");
    return signature === expected;
  }

  private reply(req: StubRequest): StubReply {
    const key = `${req.method} ${req.path}`;
    const queued = this.scripted.get(key);
    if (queued && queued.length > 0) return queued.shift()!;
    if (req.path === "/eapi/v1/time") return { body: `{"serverTime":${this.serverTime()}}` };
    if (req.path === "/eapi/v1/exchangeInfo") {
      return {
        body: {
          timezone: "UTC",
          serverTime: this.serverTime(),
          optionContracts: this.underlyingsListed.map((u, i) => ({ id: i + 1, underlying: u })),
          rateLimits: [
            { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: this.weightLimit },
            { rateLimitType: "ORDERS", interval: "MINUTE", intervalNum: 1, limit: 1200 },
          ],
        },
      };
    }
    if (!req.signed)
      return { status: 404, body: "<html>not found</html>", headers: { "Content-Type": "text/html" } };
    if (req.headers["x-mbx-apikey"] !== this.apiKey) {
      return { status: 401, body: { code: -2015, msg: "Invalid API-key, IP, or permissions for action." } };
    }
    if (!req.signatureValid) {
      return { status: 400, body: { code: -1022, msg: "Signature for this request is not valid." } };
    }
    const timestamp = Number(req.params.get("timestamp"));
    const recvWindow = Number(req.params.get("recvWindow") ?? "5000");
    const now = this.serverTime();
    if (!(timestamp < now + 1000 && now - timestamp <= recvWindow)) {
      return {
        status: 400,
        body: { code: -1021, msg: "Timestamp for this request is outside of the recvWindow." },
      };
    }
    const handler = this.handlers.get(key);
    if (handler) return handler(req, this);
    return this.defaultSigned(req);
  }

  private defaultSigned(req: StubRequest): StubReply {
    const p = req.params;
    const underlying = p.get("underlying") ?? "";
    const current = (): Record<string, unknown> =>
      this.mmp.get(underlying) ?? {
        underlyingId: 2,
        underlying,
        windowTimeInMilliseconds: 0,
        frozenTimeInMilliseconds: 0,
        qtyLimit: "0",
        deltaLimit: "0",
        lastTriggerTime: 0,
      };
    switch (`${req.method} ${req.path}`) {
      case "POST /eapi/v1/mmpSet": {
        const cfg = {
          underlyingId: 2,
          underlying,
          windowTimeInMilliseconds: Number(p.get("windowTimeInMilliseconds")),
          frozenTimeInMilliseconds: Number(p.get("frozenTimeInMilliseconds")),
          qtyLimit: p.get("qtyLimit"),
          deltaLimit: p.get("deltaLimit"),
          lastTriggerTime: 0,
        };
        this.mmp.set(underlying, cfg);
        return { body: cfg };
      }
      case "GET /eapi/v1/mmp":
      case "POST /eapi/v1/mmpReset":
        return { body: current() };
      case "POST /eapi/v1/countdownCancelAll":
        return { body: `{"underlying":"${underlying}","countdownTime":${p.get("countdownTime")}}` };
      case "GET /eapi/v1/countdownCancelAll":
        return { body: [{ underlying: "BTCUSDT", countdownTime: 30000 }] };
      case "POST /eapi/v1/countdownCancelAllHeartBeat":
        return { body: { underlyings: (p.get("underlyings") ?? "").split(",") } };
      default:
        return { status: 400, body: { code: -1100, msg: "unknown endpoint in stub" } };
    }
  }
}
