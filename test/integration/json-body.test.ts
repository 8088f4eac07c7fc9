/**
 * The direct path's JSON body reader (json-body.ts) over real HTTP, side by side with the body-parser
 * middleware it stands in for (`express.json`). Two servers listen on 127.0.0.1: one whose handler calls
 * `readJsonBody` and one running `express.json({ limit })`; each request is sent to both, with raw
 * `node:http` requests, or raw `node:net` bytes where the framing itself is wrong, and what a client
 * sees (status, error type, parsed body) must be the same. Only the wording of error messages may differ.
 */
import express, { type ErrorRequestHandler } from "express";
import {
  Agent,
  createServer,
  request,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { bodyLimitBytes, JsonBodyError, parseStrictJson, readJsonBody } from "../../src/http/json-body";

const LIMIT = "1kb";
const LIMIT_BYTES = 1024;

/** What each server saw, recorded server-side (a client may never get the answer, e.g. on a broken request). */
interface Outcome {
  status: number;
  type?: string;
  hasBody?: boolean;
  body?: unknown;
}

/** What a client saw. */
interface Reply {
  status: number;
  json: Record<string, unknown> | undefined;
  socket: Socket;
  reusedSocket: boolean;
}

type Target = "direct" | "bodyParser";

const outcomes: Record<Target, Outcome[]> = { direct: [], bodyParser: [] };
const ports = {} as Record<Target, number>;
const servers: Server[] = [];
const agents: Agent[] = [];

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function directHandler(req: IncomingMessage, res: ServerResponse): void {
  let dataEvents = 0;
  readJsonBody(req, LIMIT_BYTES, (error, body) => {
    if (error !== null) {
      outcomes.direct.push({ status: error.status, type: error.type });
      return sendJson(res, error.status, {
        status: error.status,
        type: error.type,
        expose: error.expose,
        message: error.message,
      });
    }
    outcomes.direct.push({ status: 200, hasBody: body !== undefined, body });
    sendJson(res, 200, { ok: true, hasBody: body !== undefined, body, dataEvents });
  });
  // Counts how the body arrived, for the tests that split it on purpose. Only on request: a second
  // 'data' listener switches the request to flowing mode, and so would hide a refusal that forgot to
  // read off the rest of the body.
  if (req.headers["x-count-chunks"] !== undefined) req.on("data", () => void dataEvents++);
}

function bodyParserApp(): express.Express {
  const app = express();
  app.post("/", express.json({ limit: LIMIT }), (req, res) => {
    const body: unknown = req.body;
    outcomes.bodyParser.push({ status: 200, hasBody: body !== undefined, body });
    res.json({ ok: true, hasBody: body !== undefined, body });
  });
  const onError: ErrorRequestHandler = (
    err: { status?: number; type?: string; message?: string },
    _req,
    res,
    _next,
  ) => {
    const status = err.status ?? 500;
    outcomes.bodyParser.push({ status, type: err.type });
    res.status(status).json({ status, type: err.type, message: err.message });
  };
  app.use(onError);
  return app;
}

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  ports.direct = await listen(createServer(directHandler));
  ports.bodyParser = await listen(createServer(bodyParserApp()));
});

afterAll(async () => {
  for (const agent of agents) agent.destroy();
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
});

beforeEach(() => {
  outcomes.direct.length = 0;
  outcomes.bodyParser.length = 0;
});

interface PostOptions {
  headers?: OutgoingHttpHeaders;
  /** written one by one, GAP_MILLIS apart so that the server gets them as separate pieces */
  chunks?: (string | Buffer)[];
  agent?: Agent;
}

const GAP_MILLIS = 15;

/** POST / with node's http client; no Content-Length header means chunked transfer-encoding. */
function post(target: Target, options: PostOptions = {}): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: ports[target],
        method: "POST",
        path: "/",
        agent: options.agent ?? false,
        headers: { "content-type": "application/json", ...options.headers },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (part: Buffer) => parts.push(part));
        res.on("end", () => {
          const text = Buffer.concat(parts).toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            json: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>),
            socket: req.socket as Socket,
            reusedSocket: req.reusedSocket,
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    // Writes only once connected: a write before that is queued and would go out with the next one.
    req.on("socket", (socket) => {
      const write = async () => {
        for (const [i, chunk] of (options.chunks ?? []).entries()) {
          if (i > 0) await delay(GAP_MILLIS);
          req.write(chunk);
        }
        req.end();
      };
      if (socket.connecting) socket.once("connect", () => void write());
      else void write();
    });
  });
}

interface RawReply {
  /** 0 when the connection closed without any answer */
  status: number;
  text: string;
  json: Record<string, unknown> | undefined;
}

/** Raw bytes over TCP; reads until the server closes. `halfClose` ends the client side after writing. */
function raw(target: Target, bytes: string | Buffer, halfClose = false): Promise<RawReply> {
  return new Promise<RawReply>((resolve, reject) => {
    const socket = connect(ports[target], "127.0.0.1");
    const parts: Buffer[] = [];
    socket.on("data", (part: Buffer) => parts.push(part));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(parts).toString("utf8");
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      const separator = text.indexOf("\r\n\r\n");
      const payload = separator === -1 ? "" : text.slice(separator + 4);
      resolve({
        status: status === undefined ? 0 : Number(status),
        text,
        json: payload === "" ? undefined : (JSON.parse(payload) as Record<string, unknown>),
      });
    });
    socket.on("connect", () => {
      socket.write(bytes);
      if (halfClose) socket.end();
    });
  });
}

/** The part of an answer that must be the same from both servers (not the message wording). */
function visible(status: number, json: Record<string, unknown> | undefined): Record<string, unknown> {
  if (json === undefined) return { status };
  if (json.ok === true) return { status, ok: true, hasBody: json.hasBody, body: json.body };
  return { status, errorStatus: json.status, type: json.type };
}

/**
 * Sends the same request to both servers; checks they answer alike and returns the direct server's reply
 * (with body-parser's error message, to compare wording where it is meant to be the same).
 */
async function compare(options: PostOptions): Promise<Reply & { bodyParserMessage: unknown }> {
  const direct = await post("direct", options);
  const viaBodyParser = await post("bodyParser", options);
  expect(visible(direct.status, direct.json)).toEqual(visible(viaBodyParser.status, viaBodyParser.json));
  return { ...direct, bodyParserMessage: viaBodyParser.json?.message };
}

async function compareRaw(bytes: string | Buffer, halfClose = false): Promise<RawReply> {
  const direct = await raw("direct", bytes, halfClose);
  const viaBodyParser = await raw("bodyParser", bytes, halfClose);
  expect(visible(direct.status, direct.json)).toEqual(visible(viaBodyParser.status, viaBodyParser.json));
  return direct;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

/** `{"a":"xxx…"}` of exactly `size` bytes */
function objectOfSize(size: number): string {
  const text = `{"a":"${"x".repeat(size - 8)}"}`;
  expect(Buffer.byteLength(text)).toBe(size);
  return text;
}

/** splits a string into `count` pieces of about the same size */
function split(text: string, count: number): string[] {
  const size = Math.ceil(text.length / count);
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

function withLength(body: string | Buffer): PostOptions {
  return { headers: { "content-length": Buffer.byteLength(body) }, chunks: [body] };
}

const ok = (body: unknown) => ({ ok: true, hasBody: true, body, dataEvents: 0 });

describe("readJsonBody over HTTP, compared with body-parser's express.json", () => {
  describe("bodies it accepts", () => {
    it("parses an object body", async () => {
      const reply = await compare(withLength('{"query":"{ me { id } }","variables":{"n":1}}'));
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual(ok({ query: "{ me { id } }", variables: { n: 1 } }));
    });

    it("parses an array body (a batch)", async () => {
      const reply = await compare(withLength('[{"query":"{ a }"},{"query":"{ b }"}]'));
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual(ok([{ query: "{ a }" }, { query: "{ b }" }]));
    });

    it("allows JSON whitespace before the object", async () => {
      const reply = await compare(withLength(' \r\n\t {"a":1}'));
      expect(reply.json).toEqual(ok({ a: 1 }));
    });

    it("reads an empty body with Content-Length: 0 as {}", async () => {
      const reply = await compare({ headers: { "content-length": 0 } });
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual(ok({}));
    });

    it("reads an empty chunked body as {}", async () => {
      const reply = await compare({ headers: { "transfer-encoding": "chunked" } });
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual(ok({}));
    });

    it("leaves a request without any body (no Content-Length, no Transfer-Encoding) without a body", async () => {
      const request =
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
      const reply = await compareRaw(request);
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ ok: true, hasBody: false, dataEvents: 0 });
      expect(outcomes.direct).toEqual([{ status: 200, hasBody: false, body: undefined }]);
      expect(outcomes.bodyParser).toEqual([{ status: 200, hasBody: false, body: undefined }]);
    });

    it("reads a chunked body sent in several writes", async () => {
      const body = JSON.stringify({ query: "mutation { setMmpConfig { id } }", variables: { qty: "1.5" } });
      const reply = await compare({ headers: { "x-count-chunks": "1" }, chunks: split(body, 4) });
      expect(reply.status).toBe(200);
      expect(reply.json).toMatchObject({ ok: true, body: JSON.parse(body) });
      expect(reply.json?.dataEvents).toBeGreaterThanOrEqual(2);
    });

    it("drops a UTF-8 byte order mark", async () => {
      const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":"b"}')]);
      const reply = await compare(withLength(body));
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual(ok({ a: "b" }));
    });

    it("drops a UTF-8 byte order mark that arrives cut in two", async () => {
      const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":"b"}')]);
      const reply = await compare({
        headers: { "x-count-chunks": "1" },
        chunks: [body.subarray(0, 2), body.subarray(2)],
      });
      expect(reply.json).toMatchObject({ ok: true, body: { a: "b" } });
      expect(reply.json?.dataEvents).toBeGreaterThanOrEqual(2);
    });

    it("decodes a 3-byte UTF-8 character cut across two chunks (Content-Length)", async () => {
      const body = Buffer.from('{"price":"10€"}');
      const cut = body.indexOf(Buffer.from("€")) + 2; // after 0xE2 0x82, before 0xAC
      const reply = await compare({
        headers: { "content-length": body.length, "x-count-chunks": "1" },
        chunks: [body.subarray(0, cut), body.subarray(cut)],
      });
      expect(reply.json).toMatchObject({ ok: true, body: { price: "10€" } });
      expect(reply.json?.dataEvents).toBeGreaterThanOrEqual(2);
    });

    it("decodes 3- and 4-byte UTF-8 characters cut across chunks (chunked)", async () => {
      const body = Buffer.from('{"note":"€😀ü"}');
      const euro = body.indexOf(Buffer.from("€")) + 1;
      const emoji = body.indexOf(Buffer.from("😀")) + 3;
      const reply = await compare({
        headers: { "x-count-chunks": "1" },
        chunks: [body.subarray(0, euro), body.subarray(euro, emoji), body.subarray(emoji)],
      });
      expect(reply.json).toMatchObject({ ok: true, body: { note: "€😀ü" } });
      expect(reply.json?.dataEvents).toBeGreaterThanOrEqual(3);
    });

    it("replaces bytes that are not UTF-8 with U+FFFD, as body-parser's decoder does", async () => {
      const body = Buffer.concat([
        Buffer.from('{"a":"'),
        Buffer.from([0xff, 0xe2, 0x82]),
        Buffer.from('","b":1}'),
      ]);
      const reply = await compare(withLength(body));
      expect(reply.status).toBe(200);
      expect(reply.json).toMatchObject({ ok: true, body: { b: 1 } });
    });
  });

  describe("the size limit", () => {
    it("accepts a body of exactly the limit with a Content-Length", async () => {
      const body = objectOfSize(LIMIT_BYTES);
      const reply = await compare(withLength(body));
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual(ok(JSON.parse(body)));
    });

    it("refuses a body one byte over the limit with a Content-Length: 413 entity.too.large", async () => {
      const reply = await compare(withLength(objectOfSize(LIMIT_BYTES + 1)));
      expect(reply.status).toBe(413);
      expect(reply.json).toMatchObject({ status: 413, type: "entity.too.large", expose: true });
    });

    it("accepts a chunked body of exactly the limit", async () => {
      const body = objectOfSize(LIMIT_BYTES);
      const reply = await compare({ chunks: split(body, 3) });
      expect(reply.status).toBe(200);
      expect(reply.json).toMatchObject({ ok: true, body: JSON.parse(body) });
    });

    it("refuses a chunked body one byte over the limit: 413 entity.too.large", async () => {
      const reply = await compare({ chunks: split(objectOfSize(LIMIT_BYTES + 1), 3) });
      expect(reply.status).toBe(413);
      expect(reply.json).toMatchObject({ status: 413, type: "entity.too.large" });
    });

    it("counts bytes, not characters", async () => {
      // 1020 characters but 1025 bytes: five 2-byte characters
      const body = `{"a":"${"x".repeat(LIMIT_BYTES - 8 - 10 + 1)}ééééé"}`;
      expect(body.length).toBeLessThan(LIMIT_BYTES);
      expect(Buffer.byteLength(body)).toBe(LIMIT_BYTES + 1);
      const reply = await compare({ chunks: split(body, 2) });
      expect(reply.status).toBe(413);
    });

    it.each([
      ["a declared Content-Length over the limit", true],
      ["a chunked body that goes over the limit", false],
    ])("refuses %s with 413 and keeps the connection usable for the next request", async (_, declared) => {
      for (const target of ["direct", "bodyParser"] as const) {
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        agents.push(agent);
        const big = objectOfSize(4 * LIMIT_BYTES);
        const refused = await post(target, {
          agent,
          headers: declared ? { "content-length": big.length } : {},
          chunks: split(big, 4),
        });
        expect(refused.status).toBe(413);
        expect(refused.json).toMatchObject({ status: 413, type: "entity.too.large" });

        const next = await post(target, { agent, ...withLength('{"after":true}') });
        expect(next.status).toBe(200);
        expect(next.json).toMatchObject({ ok: true, body: { after: true } });
        expect(next.reusedSocket).toBe(true);
        expect(next.socket).toBe(refused.socket);
        agent.destroy();
      }
      expect(outcomes.direct).toEqual(outcomes.bodyParser);
    });
  });

  describe("strict mode: only an object or an array", () => {
    it.each([
      ["a string", '"text"', `Unexpected token '"', ""text"" is not valid JSON`],
      ["a number", "123", `Unexpected token '1', "123" is not valid JSON`],
      ["true", "true", `Unexpected token 't', "true" is not valid JSON`],
      ["null", "null", `Unexpected token 'n', "null" is not valid JSON`],
      ["a string after whitespace", '  "text"', `Unexpected token '"', "  "text"" is not valid JSON`],
    ])("refuses %s with 400 entity.parse.failed, in body-parser's words", async (_, body, message) => {
      const reply = await compare(withLength(body));
      expect(reply.status).toBe(400);
      expect(reply.json).toMatchObject({ status: 400, type: "entity.parse.failed", expose: true, message });
      expect(reply.bodyParserMessage).toBe(message);
    });

    it("refuses a whitespace-only body with 400 entity.parse.failed", async () => {
      const reply = await compare(withLength(" \r\n\t "));
      expect(reply.status).toBe(400);
      expect(reply.json).toMatchObject({
        status: 400,
        type: "entity.parse.failed",
        expose: true,
        message: "Unexpected end of JSON input",
      });
      expect(reply.bodyParserMessage).toBe("Unexpected end of JSON input");
    });

    it.each([
      ["cut short", '{"a":'],
      ["with a trailing comma", '{"a":1,}'],
      ["with single quotes", "{'a':1}"],
      ["followed by garbage", '{"a":1} x'],
    ])(
      "refuses malformed JSON (%s) with 400 entity.parse.failed, in body-parser's words",
      async (_, body) => {
        const reply = await compare(withLength(body));
        expect(reply.status).toBe(400);
        expect(reply.json).toMatchObject({ status: 400, type: "entity.parse.failed" });
        expect(reply.json?.message).toBe(reply.bodyParserMessage);
      },
    );

    it("refuses malformed JSON sent chunked", async () => {
      const reply = await compare({ chunks: ['{"a":', "[1,2"] });
      expect(reply.status).toBe(400);
      expect(reply.json).toMatchObject({ type: "entity.parse.failed" });
    });
  });

  describe("broken framing", () => {
    const head = (length: number) =>
      `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

    it("a Content-Length larger than the bytes sent, then a half-close: 400 and the request is dropped", async () => {
      const body = '{"a":1}';
      const reply = await compareRaw(head(body.length + 20) + body, true);
      // Node's HTTP parser sees the end of the stream inside the body: it answers 400 itself and
      // destroys the socket; the request is aborted, so neither reader gets to answer.
      expect(reply.status).toBe(400);
      expect(reply.json).toBeUndefined();
      await until(() => outcomes.direct.length === 1 && outcomes.bodyParser.length === 1, "both readers");
      expect(outcomes.direct).toEqual([{ status: 400, type: "request.aborted" }]);
      expect(outcomes.bodyParser).toEqual(outcomes.direct);
    });

    it("a client that goes away in the middle of a body: request.aborted", async () => {
      for (const target of ["direct", "bodyParser"] as const) {
        const socket = connect(ports[target], "127.0.0.1");
        await new Promise<void>((resolve) => socket.on("connect", resolve));
        socket.write(head(100) + '{"a":');
        await delay(GAP_MILLIS);
        socket.destroy();
      }
      await until(() => outcomes.direct.length === 1 && outcomes.bodyParser.length === 1, "both readers");
      expect(outcomes.direct).toEqual([{ status: 400, type: "request.aborted" }]);
      expect(outcomes.bodyParser).toEqual(outcomes.direct);
    });

    it("a declared Content-Length over the limit, then a half-close inside the body: both refuse, node answers 400", async () => {
      const reply = await compareRaw(head(4 * LIMIT_BYTES) + '{"a":', true);
      // Both readers refuse at once on the header, but by the time they answer, node's parser has seen
      // the end of the stream inside the body: the client gets node's own 400 and the socket is closed.
      expect(reply.status).toBe(400);
      expect(reply.json).toBeUndefined();
      await until(() => outcomes.direct.length === 1 && outcomes.bodyParser.length === 1, "both readers");
      expect(outcomes.direct).toEqual([{ status: 413, type: "entity.too.large" }]);
      expect(outcomes.bodyParser).toEqual(outcomes.direct);
    });
  });
});

describe("bodyLimitBytes", () => {
  it.each([
    ["100kb", 102400],
    ["100KB", 102400],
    ["1mb", 1048576],
    ["1.5kb", 1536],
    ["512", 512],
    ["2gb", 2 * 1024 ** 3],
  ])("reads %j as %d bytes, as body-parser does", (limit, expected) => {
    expect(bodyLimitBytes(limit)).toBe(expected);
  });

  it("takes a number as a number of bytes", () => {
    expect(bodyLimitBytes(2048)).toBe(2048);
    expect(bodyLimitBytes(0)).toBe(0);
  });

  it.each([["lots"], [""], ["kb"], [-1], [Number.NaN], [Number.POSITIVE_INFINITY]])(
    "refuses %j with a RangeError",
    (limit) => {
      expect(() => bodyLimitBytes(limit)).toThrow(RangeError);
    },
  );

  it("refuses the strings body-parser refuses", () => {
    for (const limit of ["lots", "", "kb"]) {
      expect(() => express.json({ limit })).toThrow();
    }
  });
});

describe("parseStrictJson", () => {
  it("parses objects and arrays", () => {
    expect(parseStrictJson('{"a":[1,{"b":null}]}')).toEqual({ a: [1, { b: null }] });
    expect(parseStrictJson("[]")).toEqual([]);
    expect(parseStrictJson(' \n\t\r{"a":1} \n')).toEqual({ a: 1 });
  });

  it("reads an empty body, or a byte order mark alone, as {}", () => {
    expect(parseStrictJson("")).toEqual({});
    expect(parseStrictJson("\ufeff")).toEqual({});
  });

  it("drops a leading byte order mark", () => {
    expect(parseStrictJson('\ufeff{"a":1}')).toEqual({ a: 1 });
  });

  it.each([['"text"'], ["123"], ["true"], ["false"], ["null"], ["   "], ["\n"], ['\ufeff"x"'], ["\u00a0{}"]])(
    "refuses %j with a SyntaxError",
    (text) => {
      expect(() => parseStrictJson(text)).toThrow(SyntaxError);
    },
  );

  it("refuses malformed JSON with JSON.parse's SyntaxError", () => {
    expect(() => parseStrictJson('{"a":')).toThrow(SyntaxError);
    expect(() => parseStrictJson("[1,]")).toThrow(SyntaxError);
  });

  it("says what is wrong with a body that is not an object or an array, as body-parser does", () => {
    expect(() => parseStrictJson('  "text"')).toThrow(`Unexpected token '"', "  "text"" is not valid JSON`);
    expect(() => parseStrictJson('{"a":')).toThrow("Unexpected end of JSON input");
  });
});

describe("JsonBodyError", () => {
  it("is an Error shaped like body-parser's http-errors", () => {
    const error = new JsonBodyError("request entity too large", 413, "entity.too.large");
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: "JsonBodyError",
      message: "request entity too large",
      status: 413,
      type: "entity.too.large",
      expose: true,
    });
  });
});
