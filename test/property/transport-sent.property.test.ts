/**
 * The exchange transport's promise to the audit protocol, under generated server misbehaviour: a call
 * reported "not sent" never put a byte in front of the exchange, and no call is ever sent twice.
 *
 * A raw TCP server stands in for the exchange, so that it can fail at any point of an HTTP exchange:
 * drop a connection as soon as it is accepted, after part of the request, after all of it, in the middle
 * of its answer, close its idle keep-alive connections just before a call, or never answer. Calls run one
 * at a time, so every byte the server reads during a call belongs to that call.
 */
import axios, { type Axios } from "axios";
import fc from "fast-check";
import net from "node:net";
import type { AddressInfo } from "node:net";
import {
  createHttpTransport,
  isTransportError,
  type HttpTransport,
} from "../../src/exchange/binance/transport";

type Behaviour =
  | "answer"
  | "drop-on-accept"
  | "drop-after-part"
  | "drop-after-request"
  | "cut-answer"
  | "close-idle-first"
  | "silent";

interface Step {
  behaviour: Behaviour;
  method: "GET" | "POST";
  /** where a partial read or answer stops, as a fraction of its length in thousandths */
  cut: number;
}

const RESPONSE_TIMEOUT_MS = 150;

let server: net.Server;
let port: number;
const sockets = new Set<net.Socket>();
/** what the next request meets */
let current: Step = { behaviour: "answer", method: "GET", cut: 0 };
/** every byte the server read, in order, across all connections */
let received = "";

function answerFor(marker: string): string {
  return `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${marker.length}\r\n\r\n${marker}`;
}

function onConnection(socket: net.Socket): void {
  if (current.behaviour === "drop-on-accept") {
    socket.destroy();
    return;
  }
  sockets.add(socket);
  socket.on("close", () => sockets.delete(socket));
  socket.on("error", () => undefined);
  let pending = "";
  let readThisCall = 0;
  socket.on("data", (chunk: Buffer) => {
    const text = chunk.toString("latin1");
    if (current.behaviour === "drop-after-part") {
      // Reads at most part of the request (at least one byte), then hangs up.
      const room = Math.max(1, Math.floor((current.cut / 1000) * 120)) - readThisCall;
      const taken = text.slice(0, Math.max(0, room));
      received += taken;
      readThisCall += taken.length;
      if (readThisCall >= Math.max(1, Math.floor((current.cut / 1000) * 120))) socket.destroy();
      return;
    }
    received += text;
    pending += text;
    const end = pending.indexOf("\r\n\r\n");
    if (end < 0) return;
    const head = pending.slice(0, end);
    const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (pending.length < end + 4 + length) return;
    const marker = /^\w+ (\S+)/.exec(head)?.[1] ?? "?";
    pending = pending.slice(end + 4 + length);
    switch (current.behaviour) {
      case "drop-after-request":
        socket.destroy();
        return;
      case "cut-answer": {
        const full = answerFor(marker);
        socket.write(full.slice(0, Math.floor((current.cut / 1000) * (full.length - 1))));
        setTimeout(() => socket.destroy(), 5);
        return;
      }
      case "silent":
        return;
      default:
        socket.write(answerFor(marker));
    }
  });
}

beforeAll(async () => {
  server = net.createServer(onConnection);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

const step: fc.Arbitrary<Step> = fc.record({
  behaviour: fc.oneof(
    { arbitrary: fc.constant<Behaviour>("answer"), weight: 5 },
    { arbitrary: fc.constant<Behaviour>("drop-on-accept"), weight: 2 },
    { arbitrary: fc.constant<Behaviour>("drop-after-part"), weight: 2 },
    { arbitrary: fc.constant<Behaviour>("drop-after-request"), weight: 2 },
    { arbitrary: fc.constant<Behaviour>("cut-answer"), weight: 2 },
    { arbitrary: fc.constant<Behaviour>("close-idle-first"), weight: 2 },
    { arbitrary: fc.constant<Behaviour>("silent"), weight: 1 },
  ),
  method: fc.constantFrom<"GET" | "POST">("GET", "POST"),
  cut: fc.integer({ min: 0, max: 1000 }),
});

let calls = 0;

async function runStep(http: Axios, s: Step): Promise<void> {
  const marker = `/call/${++calls}`;
  if (s.behaviour === "drop-on-accept" || s.behaviour === "close-idle-first") {
    // The server closes its kept-alive connections (the client may or may not have noticed yet).
    for (const socket of sockets) socket.destroy();
  }
  current = s;
  const before = received.length;
  let outcome: { ok: true; body: string } | { ok: false; error: unknown };
  try {
    const r = await http.request<string>({
      method: s.method,
      url: `http://127.0.0.1:${port}${marker}`,
      data: s.method === "POST" ? "symbol=BTCUSDT&qtyLimit=1.5&signature=abc" : undefined,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    outcome = { ok: true, body: r.data };
  } catch (error) {
    outcome = { ok: false, error };
  }
  // Let any straggling bytes of this call reach the server before judging.
  await new Promise((r) => setTimeout(r, 5));
  const during = received.slice(before);
  current = { behaviour: "answer", method: "GET", cut: 0 };

  // Never sent twice: the request line of this call appears at most once in all the server read.
  expect(received.split(`${s.method} ${marker} `).length - 1).toBeLessThanOrEqual(1);

  if (outcome.ok) {
    expect(outcome.body).toBe(marker);
    expect(["answer", "close-idle-first"]).toContain(s.behaviour);
    return;
  }
  const error = outcome.error;
  if (!isTransportError(error)) throw error;
  // The promise itself: "not sent" means the server read nothing of it.
  if (!error.sent) expect(during).toBe("");
  // Where the server certainly read something, the call must not claim otherwise.
  if (during.length > 0) expect(error.sent).toBe(true);
  if (s.behaviour === "answer") throw new Error(`a plain answer failed: ${error.message}`);
  if (s.behaviour === "silent") expect(error).toMatchObject({ kind: "response-timeout", sent: true });
  if (s.behaviour === "drop-after-request" || s.behaviour === "cut-answer") expect(error.sent).toBe(true);
}

it("'not sent' is never wrong and nothing is sent twice, whatever the server does", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
      const transport: HttpTransport = createHttpTransport({
        connectTimeoutMs: 500,
        responseTimeoutMs: RESPONSE_TIMEOUT_MS,
      });
      const http = new axios.Axios({ adapter: transport.adapter });
      try {
        for (const s of steps) await runStep(http, s);
        // Whatever happened before, the transport still works.
        await runStep(http, { behaviour: "answer", method: "POST", cut: 0 });
      } finally {
        transport.close();
      }
    }),
    { numRuns: 40 },
  );
});
