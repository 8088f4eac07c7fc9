/**
 * Reads the JSON body of a POST /graphql request on the direct path (create-http-app.ts), with the same
 * rules and answers as the body-parser middleware the Express routes use (`express.json`): a body over
 * the limit is 413 (refused at once when Content-Length says so), a body shorter or longer than its
 * Content-Length is 400, a body that is not JSON, or whose JSON is not an object or an array (strict
 * mode), is 400, an empty body is `{}`, a request without a body has none (`undefined`). On a refusal
 * the rest of the request is read off and dropped before answering, so the connection stays usable.
 *
 * Why not body-parser itself: the direct path only takes `application/json` in UTF-8 without a content
 * encoding (create-http-app.ts checks that first), and for that one case body-parser's generic machinery
 * (content-type parsing, charset decoders, raw-body's stream plumbing) cost about a twentieth of the
 * gateway's CPU per call. This is the plain case only; every other request still goes through Express and
 * body-parser.
 */
import type { IncomingMessage } from "node:http";
import bytes from "bytes";

/** A refusal the caller may see; shaped like the http-errors body-parser throws (status, expose, type). */
export class JsonBodyError extends Error {
  readonly expose = true;

  constructor(
    message: string,
    readonly status: number,
    readonly type: "entity.too.large" | "request.size.invalid" | "request.aborted" | "entity.parse.failed",
  ) {
    super(message);
    this.name = "JsonBodyError";
  }
}

export type JsonBodyCallback = (error: JsonBodyError | null, body?: unknown) => void;

/** body-parser's notation ("100kb", "1mb" or a number of bytes) as a number of bytes */
export function bodyLimitBytes(limit: string | number): number {
  const parsed = typeof limit === "number" ? limit : bytes.parse(limit);
  if (parsed === null || !Number.isFinite(parsed) || parsed < 0) {
    throw new RangeError(`body limit '${String(limit)}' is not a size such as "100kb"`);
  }
  return parsed;
}

/** Reads and parses the body; calls back once. `limit` in bytes (see bodyLimitBytes). */
export function readJsonBody(req: IncomingMessage, limit: number, callback: JsonBodyCallback): void {
  let answered = false;
  const answer: JsonBodyCallback = (error, body) => {
    if (answered) return;
    answered = true;
    callback(error, body);
  };
  const declaredHeader = req.headers["content-length"];
  const declared = declaredHeader === undefined ? undefined : Number.parseInt(declaredHeader, 10);
  const hasBody =
    req.headers["transfer-encoding"] !== undefined || (declared !== undefined && !Number.isNaN(declared));
  if (!hasBody) return answer(null, undefined);

  let done = false;
  const refuse = (error: JsonBodyError) => {
    if (done) return;
    done = true;
    req.removeListener("data", onData);
    req.removeListener("end", onEnd);
    // Read off the rest so that the answer is not sent over an unread body.
    if (req.complete || req.destroyed) return answer(error);
    req.once("end", () => answer(error));
    req.once("close", () => answer(error));
    req.resume();
  };

  let chunks: Buffer | Buffer[] | undefined;
  let received = 0;
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > limit) return refuse(tooLarge(limit));
    if (chunks === undefined) chunks = chunk;
    else if (Array.isArray(chunks)) chunks.push(chunk);
    else chunks = [chunks, chunk];
  };
  const onEnd = () => {
    if (done) return;
    if (declared !== undefined && !Number.isNaN(declared) && received !== declared) {
      return refuse(
        new JsonBodyError("request size did not match content length", 400, "request.size.invalid"),
      );
    }
    done = true;
    const raw =
      chunks === undefined ? undefined : Array.isArray(chunks) ? Buffer.concat(chunks, received) : chunks;
    let parsed: unknown;
    try {
      parsed = parseStrictJson(raw === undefined ? "" : raw.toString("utf8"));
    } catch (error) {
      return answer(
        new JsonBodyError(error instanceof Error ? error.message : String(error), 400, "entity.parse.failed"),
      );
    }
    answer(null, parsed);
  };
  if (declared !== undefined && declared > limit) return refuse(tooLarge(limit));
  req.on("data", onData);
  req.on("end", onEnd);
  req.once("aborted", () => refuse(new JsonBodyError("request aborted", 400, "request.aborted")));
}

function tooLarge(limit: number): JsonBodyError {
  return new JsonBodyError(`request entity too large (limit ${limit} bytes)`, 413, "entity.too.large");
}

/**
 * JSON.parse in body-parser's strict mode: an empty body is `{}` (a common client mistake it forgives),
 * anything but an object or an array is refused. A UTF-8 byte order mark is dropped, as its decoder does.
 */
export function parseStrictJson(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.length === 0) return {};
  const first = FIRST_NON_WHITESPACE.exec(body)?.[1] ?? "";
  // Whitespace only (first === ""): JSON.parse's own "end of input" error, as body-parser gives.
  if (first !== "" && first !== "{" && first !== "[") throw strictViolation(body, body.indexOf(first));
  return JSON.parse(body);
}

/**
 * The error body-parser gives for a strict-mode violation, word for word (clients and our tests compare
 * the direct path's answers with Express's): JSON.parse's own message for the body with everything from
 * the offending character on masked, then unmasked, so that it quotes the body as sent.
 */
function strictViolation(body: string, at: number): SyntaxError {
  const masked = body.slice(0, at) + "#".repeat(body.length - at);
  try {
    JSON.parse(masked);
  } catch (error) {
    if (error instanceof SyntaxError) {
      return new SyntaxError(error.message.replace(/#+/g, (run) => body.slice(at, at + run.length)));
    }
  }
  return new SyntaxError("the body must be a JSON object or array");
}

// JSON whitespace (RFC 8259): space, tab, line feed, carriage return
const FIRST_NON_WHITESPACE = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d]|$)/;
