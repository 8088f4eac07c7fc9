import axios, { AxiosHeaders, type AxiosInstance } from "axios";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import {
  createHttpTransport,
  TransportError,
  type HttpTransport,
} from "../../src/exchange/binance/transport";

type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse) => void;

let server: http.Server;
let base: string;
let behaviour: Behaviour;
let received: Array<{ url: string; port: number; body: string }>;
let transport: HttpTransport;
let client: AxiosInstance;

function makeClient(options: Parameters<typeof createHttpTransport>[0] = {}): void {
  transport?.close();
  transport = createHttpTransport(options);
  client = axios.create({
    adapter: transport.adapter,
    validateStatus: () => true,
    transformRequest: [(d: unknown) => d],
    transformResponse: [(d: unknown) => d],
  });
}

async function rejection(p: Promise<unknown>): Promise<TransportError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TransportError) return e;
    throw e;
  }
  throw new Error("expected a rejection");
}

beforeEach(async () => {
  received = [];
  behaviour = (_req, res) => res.end("ok");
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        url: req.url ?? "",
        port: req.socket.remotePort ?? 0,
        body: Buffer.concat(chunks).toString(),
      });
      behaviour(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Generous for loopback: on a busy 2-core CI machine a 200 ms connect can miss.
  makeClient({ connectTimeoutMs: 1000, responseTimeoutMs: 1500 });
});

afterEach(async () => {
  transport.close();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

it("sends the body as given and answers with text, status and headers", async () => {
  behaviour = (_req, res) => {
    res.writeHead(201, { "x-mbx-used-weight-1m": "5", "content-type": "application/json" });
    res.end('{"a":1}');
  };
  const res = await client.post(`${base}/p?q=1`, "a=1&b=2", {
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  expect(res.status).toBe(201);
  expect(res.data).toBe('{"a":1}');
  expect(res.headers["x-mbx-used-weight-1m"]).toBe("5");
  expect(received[0]).toMatchObject({ url: "/p?q=1", body: "a=1&b=2" });
});

it("hands on the answer's headers as AxiosHeaders, even names that match its members", async () => {
  behaviour = (_req, res) => {
    res.setHeader("X-Mbx-Used-Weight-1m", "7");
    res.setHeader("get", "g");
    res.setHeader("constructor", "c");
    res.setHeader("__proto__", "p");
    res.setHeader("set-cookie", ["a=1", "b=2"]);
    res.end("ok");
  };
  const res = await client.get(`${base}/h`);
  expect(res.headers).toBeInstanceOf(AxiosHeaders);
  const headers = res.headers as AxiosHeaders;
  expect(headers["x-mbx-used-weight-1m"]).toBe("7");
  expect(headers.get("X-MBX-USED-WEIGHT-1M")).toBe("7");
  expect(headers.get("get")).toBe("g");
  expect(headers.get("constructor")).toBe("c");
  expect(headers.get("set-cookie")).toEqual(["a=1", "b=2"]);
  // the members those names match still work
  expect(headers.set("x-later", "1").get("x-later")).toBe("1");
  expect(headers.toJSON()).toMatchObject({ "x-mbx-used-weight-1m": "7" });
});

it("sends each call to its own path and query on the same origin", async () => {
  await client.get(`${base}/a?x=1`);
  await client.get(`${base}/a?x=2`);
  await client.post(`${base}/b`, "y=3");
  await client.get(`${base}/a`);
  expect(received.map((r) => r.url)).toEqual(["/a?x=1", "/a?x=2", "/b", "/a"]);
});

it("refuses a protocol it does not speak: not sent", async () => {
  const err = await rejection(client.get("ftp://127.0.0.1/x"));
  expect(err).toMatchObject({ sent: false, kind: "refused-locally" });
  expect(err.message).toBe("unsupported protocol ftp:");
});

// undici reuses a connection only a full event-loop turn after its answer (a server may close it despite
// keep-alive), so back-to-back calls alternate between two: still no new connection per call.
it("keeps connections alive across sequential calls", async () => {
  for (let i = 0; i < 10; i++) await client.get(`${base}/x`);
  expect(new Set(received.map((r) => r.port)).size).toBeLessThanOrEqual(2);
});

it("decompresses gzip", async () => {
  behaviour = (_req, res) => {
    res.writeHead(200, { "content-encoding": "gzip" });
    res.end(gzipSync(Buffer.from('{"big":true}')));
  };
  expect((await client.get(`${base}/x`, { headers: { "Accept-Encoding": "gzip" } })).data).toBe(
    '{"big":true}',
  );
});

it("reads a chunked answer, multi-byte characters split across chunks included", async () => {
  const text = '{"underlying":"BTCUSDT","note":"€ and ü"}';
  const bytes = Buffer.from(text, "utf8");
  const split = bytes.indexOf(Buffer.from("€", "utf8")) + 1; // inside the euro sign's three bytes
  behaviour = (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" }); // no length: chunked
    res.write(bytes.subarray(0, split));
    setTimeout(() => res.end(bytes.subarray(split)), 5);
  };
  const answer = await client.get(`${base}/x`);
  expect(answer.data).toBe(text);
  expect(answer.headers["transfer-encoding"]).toBe("chunked");
});

it("connection refused: not sent", async () => {
  const err = await rejection(client.get("http://127.0.0.1:1/x"));
  expect(err).toMatchObject({ sent: false, kind: "connect-failed", errorCode: "ECONNREFUSED" });
});

it("waiting for a pooled socket past the connect timeout: not sent, and never reaches the server", async () => {
  makeClient({ maxSockets: 1, connectTimeoutMs: 100, responseTimeoutMs: 2000 });
  behaviour = (req, res) => setTimeout(() => res.end("late"), req.url === "/slow" ? 400 : 0);
  const slow = client.get(`${base}/slow`);
  const err = await rejection(client.post(`${base}/queued`, "x=1"));
  expect(err).toMatchObject({ sent: false, kind: "connect-timeout" });
  await slow;
  await new Promise((r) => setTimeout(r, 50));
  expect(received.map((r) => r.url)).toEqual(["/slow"]);
});

it("no answer within the response timeout: sent", async () => {
  behaviour = () => {};
  const started = Date.now();
  const err = await rejection(client.post(`${base}/x`, "a=1"));
  expect(err).toMatchObject({ sent: true, kind: "response-timeout" });
  expect(Date.now() - started).toBeLessThan(3500);
});

it("the request's own axios timeout overrides the default response timeout", async () => {
  behaviour = () => {};
  const err = await rejection(client.get(`${base}/x`, { timeout: 50 }));
  expect(err.message).toBe("no complete answer within 50 ms");
});

it("connection dropped after the request arrived: sent", async () => {
  behaviour = (req) => req.socket.destroy();
  const err = await rejection(client.post(`${base}/x`, "a=1"));
  expect(err).toMatchObject({ sent: true, kind: "connection-lost" });
});

it("answer cut off mid-body: sent", async () => {
  behaviour = (req, res) => {
    res.writeHead(200, { "content-length": "100" });
    res.write("partial");
    setTimeout(() => req.socket.destroy(), 10);
  };
  const err = await rejection(client.post(`${base}/x`, "a=1"));
  expect(err).toMatchObject({ sent: true, kind: "connection-lost" });
});

it("refuses answers above the size cap", async () => {
  makeClient({ maxResponseBytes: 1024 });
  behaviour = (_req, res) => res.end("x".repeat(10_000));
  const err = await rejection(client.get(`${base}/x`));
  expect(err).toMatchObject({ sent: true, kind: "bad-answer" });
});

it("a kept-alive connection the server drops under a request: sent, not sent again", async () => {
  await client.get(`${base}/warm`);
  behaviour = (req) => req.socket.destroy();
  const err = await rejection(client.post(`${base}/x`, "a=1"));
  expect(err).toMatchObject({ sent: true, kind: "connection-lost" });
  await new Promise((r) => setTimeout(r, 50));
  expect(received.map((r) => r.url)).toEqual(["/warm", "/x"]);
});

it("an idle connection the server closed is not used for the next call", async () => {
  behaviour = (_req, res) => {
    res.setHeader("connection", "close");
    res.end("bye");
  };
  expect((await client.get(`${base}/a`)).data).toBe("bye");
  behaviour = (_req, res) => res.end("ok");
  expect((await client.post(`${base}/b`, "a=1")).data).toBe("ok");
});

it("an aborted call that has not started is never sent", async () => {
  makeClient({ maxSockets: 1, connectTimeoutMs: 2000, responseTimeoutMs: 2000 });
  behaviour = (req, res) => setTimeout(() => res.end("late"), req.url === "/slow" ? 200 : 0);
  const slow = client.get(`${base}/slow`);
  const ac = new AbortController();
  const queued = client.post(`${base}/queued`, "x=1", { signal: ac.signal });
  ac.abort();
  // axios reports any aborted call as its own CanceledError
  await expect(queued).rejects.toThrow(axios.CanceledError);
  await slow;
  await new Promise((r) => setTimeout(r, 50));
  expect(received.map((r) => r.url)).toEqual(["/slow"]);
});

it("a closed transport refuses calls without sending them", async () => {
  transport.close();
  const err = await rejection(client.post(`${base}/x`, "a=1"));
  expect(err).toMatchObject({ sent: false, kind: "refused-locally" });
  expect(received).toHaveLength(0);
});

describe("TLS", () => {
  // Self-signed for 127.0.0.1, valid until 2125; a test fixture only.
  const CERT = `-----BEGIN CERTIFICATE-----
MIIBkTCCATagAwIBAgIUdUKhB5S4TQDcjrdq1ddOfacri4IwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyNDAzMzIwMFoYDzIxMjYxMDMx
MDMzMjAwWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAATzYqDZ4xQPBlZY0PelSSSeYE0Mjzwqnz+esZDe5gkHfxJozrGFwCBN
H8Yrcx+KWhRrDR3cIS5dfj0xDJBkS9YHo2QwYjAdBgNVHQ4EFgQUvSufTpSggphL
+27FAIM7hQZ5PFwwHwYDVR0jBBgwFoAUvSufTpSggphL+27FAIM7hQZ5PFwwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0kAMEYC
IQCq6qwFjnWJwSYIOzqRP3eRgU7DEQVBWBMk7yWGRX9FWgIhAIxkAM50X7i9IWF5
mEJ24RZmJCFGSUNB6NDmkkEwl4eS
-----END CERTIFICATE-----`;
  const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQghU1PJd/WfUh3QQSH
k3ZPlYfvcbXs1DvFFZFBE7q2VrihRANCAATzYqDZ4xQPBlZY0PelSSSeYE0Mjzwq
nz+esZDe5gkHfxJozrGFwCBNH8Yrcx+KWhRrDR3cIS5dfj0xDJBkS9YH
-----END PRIVATE KEY-----`;
  let tlsServer: https.Server;
  let tlsBase: string;
  const ports: number[] = [];

  beforeEach(async () => {
    ports.length = 0;
    tlsServer = https.createServer({ cert: CERT, key: KEY }, (req, res) => {
      ports.push(req.socket.remotePort ?? 0);
      req.resume();
      req.on("end", () => res.end("tls ok"));
    });
    await new Promise<void>((r) => tlsServer.listen(0, "127.0.0.1", r));
    tlsBase = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    tlsServer.closeAllConnections();
    await new Promise<void>((r) => tlsServer.close(() => r()));
  });

  it("counts the connection as made only after the handshake, and keeps it alive", async () => {
    makeClient({ ca: CERT, connectTimeoutMs: 1000 });
    for (let i = 0; i < 5; i++) expect((await client.post(`${tlsBase}/x`, "a=1")).data).toBe("tls ok");
    expect(new Set(ports).size).toBeLessThanOrEqual(2);
  });

  it("an untrusted certificate fails the handshake: not sent", async () => {
    makeClient({ connectTimeoutMs: 1000 });
    const err = await rejection(client.post(`${tlsBase}/x`, "a=1"));
    expect(err).toMatchObject({ sent: false, kind: "connect-failed" });
    expect(err.message).toMatch(/TLS handshake failed/);
    expect(ports).toHaveLength(0);
  });
});
