/**
 * The simulator's own check of Deribit signatures, written from Deribit's authentication article with
 * node:crypto and sharing no code with the gateway's signer (src/exchange/deribit/signer.ts): a shared
 * bug would sign and verify the same wrong bytes.
 *
 * HTTP: HMAC-SHA256 over ts "\n" nonce "\n" METHOD "\n" URI "\n" body "\n", lowercase hex.
 * WebSocket client_signature: HMAC-SHA256 over ts "\n" nonce "\n" data, lowercase hex.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const HEX_64 = /^[0-9a-f]{64}$/;

export interface DeribitAuthHeader {
  id: string;
  ts: string;
  sig: string;
  nonce: string;
}

/** `deri-hmac-sha256 id=..,ts=..,sig=..,nonce=..`; undefined when it does not parse. */
export function parseDeribitAuthHeader(header: string | undefined): DeribitAuthHeader | undefined {
  if (header === undefined) return undefined;
  const m = /^deri-hmac-sha256 (.+)$/.exec(header.trim());
  if (m === null) return undefined;
  const fields = new Map<string, string>();
  for (const part of m[1]!.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) return undefined;
    const k = part.slice(0, eq).trim();
    if (fields.has(k)) return undefined;
    fields.set(k, part.slice(eq + 1).trim());
  }
  const id = fields.get("id");
  const ts = fields.get("ts");
  const sig = fields.get("sig");
  const nonce = fields.get("nonce");
  if (!id || !ts || !sig || !nonce || fields.size !== 4) return undefined;
  return { id, ts, sig, nonce };
}

function matches(secret: string, plain: string, given: string): boolean {
  if (!HEX_64.test(given)) return false;
  const expected = Buffer.from(createHmac("sha256", Buffer.from(secret, "utf8")).update(plain).digest("hex"));
  const got = Buffer.from(given, "ascii");
  return expected.length === got.length && timingSafeEqual(expected, got);
}

/** undefined when valid, else why not */
export function checkDeribitHttpSignature(
  secret: string,
  auth: DeribitAuthHeader,
  httpMethod: string,
  uri: string,
  body: string,
): string | undefined {
  const plain = [auth.ts, auth.nonce, httpMethod.toUpperCase(), uri, body, ""].join("\n");
  if (!matches(secret, plain, auth.sig)) {
    return `HMAC-SHA256 mismatch over ts/nonce/${httpMethod.toUpperCase()} ${uri} and a ${body.length}-byte body`;
  }
  return undefined;
}

export function checkDeribitWsSignature(
  secret: string,
  ts: string,
  nonce: string,
  data: string,
  sig: string,
): string | undefined {
  return matches(secret, `${ts}\n${nonce}\n${data}`, sig) ? undefined : "client_signature mismatch";
}
