/** Reading a venue request: its body (capped), headers, query string and Content-Type. */
import type http from "node:http";

/** Reads the whole body; past `maxBytes` the rest is read and dropped and `tooBig` is true. */
export function readCappedBody(
  req: http.IncomingMessage,
  maxBytes: number,
  done: (body: string, tooBig: boolean) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooBig = false;
  req.on("data", (c: Buffer) => {
    size += c.length;
    if (size > maxBytes) tooBig = true;
    else chunks.push(c);
  });
  req.on("end", () => done(Buffer.concat(chunks).toString("utf8"), tooBig));
}

/** A header as sent; repeated headers joined with commas. */
export function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}

/** application/json, optionally with charset=utf-8 (any case) */
export function isJsonContentType(contentType: string | undefined): boolean {
  return /^application\/json(?:\s*;\s*charset=utf-8)?$/i.test(contentType ?? "");
}

/**
 * Strict query parsing: name=value pairs, strict percent-encoding, no duplicates, no empty segments.
 * `refuse` makes the venue's error: `param` is "query" for a malformed segment, else the repeated name.
 */
export function parseStrictQuery(
  query: string,
  refuse: (detail: string, param: string) => Error,
): Map<string, string> {
  const out = new Map<string, string>();
  if (query === "") return out;
  for (const seg of query.split("&")) {
    const eq = seg.indexOf("=");
    if (seg === "" || eq <= 0) throw refuse(`malformed query segment '${seg}'`, "query");
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(seg.slice(0, eq));
      value = decodeURIComponent(seg.slice(eq + 1));
    } catch {
      throw refuse(`bad percent-encoding in '${seg}'`, "query");
    }
    if (out.has(name)) throw refuse(`duplicate parameter ${name}`, name);
    out.set(name, value);
  }
  return out;
}

/** Adds `item`, dropping the oldest beyond `max`. */
export function pushCapped<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

/** The body as a JSON object; `refuse` makes the venue's error ("the body is not JSON" / "... a JSON object"). */
export function parseJsonObjectBody(
  body: string,
  refuse: (detail: string) => Error,
): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    throw refuse("the body is not JSON");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw refuse("the body is not a JSON object");
  return v as Record<string, unknown>;
}
