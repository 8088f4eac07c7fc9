/**
 * Strict parsing of Binance request parameters: the raw query string and the form body.
 *
 * The raw strings are kept next to the decoded values because the signature covers the bytes as sent,
 * not the decoded parameters: a gateway that encodes differently from what it signed must fail here.
 */
import { E } from "./errors";

export type Source = "query" | "body";

export interface Segment {
  name: string;
  value: string;
  /** the segment exactly as sent, e.g. "signature=abc%2B" */
  raw: string;
  source: Source;
}

export interface ParsedParams {
  query: Segment[];
  body: Segment[];
  /** one entry per name; the query's segment wins when a name is in both */
  merged: Map<string, Segment>;
}

const NAME = /^[A-Za-z][A-Za-z0-9]*$/;
// Printable ASCII only: a raw space, control byte or UTF-8 byte means the client did not percent-encode.
const PRINTABLE_ASCII = /^[\x21-\x7e]*$/;

function decode(s: string, where: string): string {
  try {
    // Form encoding: '+' is a space (Binance's servlet container decodes the query string the same way).
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    throw E.illegalChars(`bad percent-encoding in ${where}: '${s}'`);
  }
}

export function parseSegments(raw: string, source: Source): Segment[] {
  if (raw === "") return [];
  if (!PRINTABLE_ASCII.test(raw))
    throw E.illegalChars(`unencoded space, control or non-ASCII byte in the ${source}`);
  const out: Segment[] = [];
  const seen = new Set<string>();
  for (const piece of raw.split("&")) {
    // "a=1&&b=2" or a trailing "&" would sign and parse differently on different stacks: refuse it.
    if (piece === "") throw E.illegalChars(`empty parameter in the ${source} (stray '&')`);
    const eq = piece.indexOf("=");
    const name = decode(eq < 0 ? piece : piece.slice(0, eq), `a parameter name in the ${source}`);
    const value = eq < 0 ? "" : decode(piece.slice(eq + 1), `parameter '${name}' in the ${source}`);
    if (!NAME.test(name)) throw E.illegalChars(`bad parameter name '${name}' in the ${source}`);
    if (seen.has(name)) throw E.duplicate(name);
    seen.add(name);
    out.push({ name, value, raw: piece, source });
  }
  return out;
}

export function parseParams(rawQuery: string, rawBody: string): ParsedParams {
  const query = parseSegments(rawQuery, "query");
  const body = parseSegments(rawBody, "body");
  const merged = new Map<string, Segment>();
  for (const s of body) merged.set(s.name, s);
  for (const s of query) {
    // A signature in both halves cannot be "the last parameter"; ambiguous, so refuse it.
    if (s.name === "signature" && merged.has("signature")) throw E.duplicate("signature");
    merged.set(s.name, s);
  }
  return { query, body, merged };
}

export interface SignedPayload {
  /** what the client must have signed: raw query + raw body, signature segment removed */
  payload: string;
  signature: Segment;
}

/**
 * Binance's rule: the payload is the query string followed directly by the body, and the signature is
 * the last parameter. We require it to be the last segment of the last non-empty half.
 */
export function extractSignature(rawQuery: string, rawBody: string, p: ParsedParams): SignedPayload {
  const sig = p.merged.get("signature");
  if (sig === undefined || sig.value === "") throw E.mandatory("signature");
  const lastHalf = rawBody !== "" ? p.body : p.query;
  const last = lastHalf[lastHalf.length - 1];
  if (last === undefined || last.name !== "signature") {
    throw E.badSignature(
      `'signature' must be the last parameter (of the body when there is one); it is in the ${sig.source}` +
        (last ? ` before '${last.name}'` : ""),
    );
  }
  const raw = rawBody !== "" ? rawBody : rawQuery;
  let stripped = raw.slice(0, raw.length - last.raw.length);
  if (stripped.endsWith("&")) stripped = stripped.slice(0, -1);
  const payload = rawBody !== "" ? rawQuery + stripped : stripped;
  return { payload, signature: last };
}

/**
 * Hands out parameter values and remembers which names were read, so that anything the client sent
 * and the endpoint never looked at is reported (-1104), as Binance does.
 */
export class ParamReader {
  private readonly read = new Set<string>();

  constructor(private readonly params: Map<string, Segment>) {}

  required(name: string): string {
    this.read.add(name);
    const s = this.params.get(name);
    if (s === undefined) throw E.mandatory(name, "not sent");
    if (s.value === "") throw E.mandatory(name, "empty");
    return s.value;
  }

  optional(name: string): string | undefined {
    this.read.add(name);
    const s = this.params.get(name);
    if (s === undefined) return undefined;
    if (s.value === "") throw E.empty(name);
    return s.value;
  }

  /** marks a name as consumed without reading it (the signature, checked separately) */
  consume(name: string): void {
    this.read.add(name);
  }

  assertAllRead(): void {
    const unread = [...this.params.keys()].filter((n) => !this.read.has(n));
    if (unread.length > 0) {
      throw E.notAllRead(this.params.size - unread.length, this.params.size, unread);
    }
  }
}
