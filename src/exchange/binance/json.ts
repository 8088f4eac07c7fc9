/**
 * A JSON parser that keeps every number as its source text.
 *
 * JSON.parse turns numbers into doubles: integers above 2^53 (a large frozenTimeInMilliseconds) would
 * be silently rounded, and a decimal sent as a JSON number would lose its exact digits. Answers from
 * the signed endpoints are a few hundred bytes, so a small hand-written parser costs microseconds; large
 * documents (exchangeInfo) still go through JSON.parse.
 */

/** A JSON number, exactly as written by the exchange. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

const MAX_DEPTH = 32;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

export function parseJsonExact(text: string): JsonValue {
  const parser = new Parser(text);
  const value = parser.value(0);
  parser.skipWhitespace();
  if (parser.pos !== text.length) parser.fail("unexpected trailing characters");
  return value;
}

export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !(v instanceof JsonNumber) && !Array.isArray(v);
}

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  fail(what: string): never {
    throw new SyntaxError(`invalid JSON at position ${this.pos}: ${what}`);
  }

  skipWhitespace(): void {
    WHITESPACE.lastIndex = this.pos;
    WHITESPACE.test(this.text);
    this.pos = WHITESPACE.lastIndex;
  }

  value(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail("nested too deeply");
    this.skipWhitespace();
    const c = this.text[this.pos];
    switch (c) {
      case "{":
        return this.object(depth);
      case "[":
        return this.array(depth);
      case '"':
        return this.string();
      case "t":
        return this.literal("true", true);
      case "f":
        return this.literal("false", false);
      case "n":
        return this.literal("null", null);
      default:
        return this.number();
    }
  }

  private literal<T extends JsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`expected ${word}`);
    this.pos += word.length;
    return value;
  }

  private number(): JsonNumber {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (m === null) this.fail(this.pos >= this.text.length ? "unexpected end" : "unexpected character");
    this.pos = NUMBER.lastIndex;
    return new JsonNumber(m[0]);
  }

  private string(): string {
    const start = this.pos;
    let escaped = false;
    let i = start + 1;
    for (; i < this.text.length; i++) {
      const ch = this.text.charCodeAt(i);
      if (ch === 0x5c /* \ */) {
        escaped = true;
        i++;
      } else if (ch === 0x22 /* " */) {
        break;
      } else if (ch < 0x20) {
        this.pos = i;
        this.fail("control character in string");
      }
    }
    if (i >= this.text.length) this.fail("unterminated string");
    this.pos = i + 1;
    // Escapes are rare in exchange answers; let the engine decode them rather than re-implement \uXXXX.
    return escaped ? (JSON.parse(this.text.slice(start, i + 1)) as string) : this.text.slice(start + 1, i);
  }

  private array(depth: number): JsonValue[] {
    this.pos++;
    const out: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.skipWhitespace();
      const c = this.text[this.pos++];
      if (c === "]") return out;
      if (c !== ",") this.fail("expected , or ]");
    }
  }

  private object(depth: number): JsonObject {
    this.pos++;
    // A null-prototype object: a "__proto__" key becomes an ordinary property, not a prototype swap.
    const out = Object.create(null) as JsonObject;
    this.skipWhitespace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail("expected a key");
      const key = this.string();
      this.skipWhitespace();
      if (this.text[this.pos++] !== ":") this.fail("expected :");
      out[key] = this.value(depth + 1);
      this.skipWhitespace();
      const c = this.text[this.pos++];
      if (c === "}") return out;
      if (c !== ",") this.fail("expected , or }");
    }
  }
}
