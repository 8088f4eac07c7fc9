/** HTTP plumbing: reading a request body, checking its Content-Type, writing an answer. */
import type http from "node:http";
import type { SimError } from "./errors";

const MAX_BODY_BYTES = 64 * 1024;
const JSON_TYPE = "application/json;charset=UTF-8";

/** What the simulator answers to one request, before it is written. */
export interface Answer {
  status: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
  accepted: boolean;
  error?: SimError;
}

export function errorAnswer(e: SimError): Answer {
  return { status: e.status, body: e.body(), headers: e.headers, accepted: false, error: e };
}

/** The raw path and query string of a request URL, both exactly as sent. */
export function splitUrl(rawUrl: string): { path: string; rawQuery: string } {
  const q = rawUrl.indexOf("?");
  return { path: q < 0 ? rawUrl : rawUrl.slice(0, q), rawQuery: q < 0 ? "" : rawUrl.slice(q + 1) };
}

/** The whole body, or undefined when it is over MAX_BODY_BYTES (still read to the end). */
export function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on("end", () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function isFormContentType(header: string | undefined): boolean {
  if (!header) return false;
  const [type = "", ...params] = header.split(";").map((s) => s.trim().toLowerCase());
  if (type !== "application/x-www-form-urlencoded") return false;
  return params.every((p) => !p.startsWith("charset=") || p === "charset=utf-8" || p === 'charset="utf-8"');
}

/** Writes the answer with the IP's used weight, as Binance reports it on every answer. */
export function writeAnswer(res: http.ServerResponse, a: Answer, usedWeight: number): void {
  const used = String(usedWeight);
  res.writeHead(a.status, {
    "Content-Type": a.contentType ?? JSON_TYPE,
    "Content-Length": Buffer.byteLength(a.body),
    "x-mbx-used-weight": used,
    "x-mbx-used-weight-1m": used,
    ...a.headers,
  });
  res.end(a.body);
}

/** Plain JSON for the simulator's own routes (not Binance's). */
export function writeJson(res: http.ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

export function resetConnection(req: http.IncomingMessage): void {
  // An RST rather than a FIN, as a dropped connection through a load balancer looks to the client.
  req.socket.resetAndDestroy();
}
