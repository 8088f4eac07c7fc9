/**
 * The checks of a signed (TRADE) call, in Binance's order: API key, timestamp and recvWindow,
 * signature, then the account's permission.
 */
import { API_KEY_FORMAT, type AccountEntry } from "./accounts";
import { E } from "./errors";
import { extractSignature, type ParamReader, type ParsedParams } from "./params";
import { verifySignature } from "./signature";
import { parseEpochMs, parseLong } from "./values";

const DEFAULT_RECV_WINDOW = 5000n;
const MAX_RECV_WINDOW = 60000n;
const MAX_TIMESTAMP_AHEAD_MS = 1000;

export interface SignedCall {
  rawQuery: string;
  rawBody: string;
  apiKeyHeader: string | string[] | undefined;
  parsed: ParsedParams;
  reader: ParamReader;
}

export function authenticate(
  accounts: ReadonlyMap<string, AccountEntry>,
  serverTime: () => number,
  call: SignedCall,
): AccountEntry {
  const { rawQuery, rawBody, apiKeyHeader: header, parsed, reader } = call;
  if (header === undefined || header === "") throw E.badApiKeyFormat("X-MBX-APIKEY header missing or empty");
  if (Array.isArray(header) || !API_KEY_FORMAT.test(header)) {
    throw E.badApiKeyFormat("X-MBX-APIKEY is not one key of letters and digits");
  }
  const entry = accounts.get(header);
  if (!entry) throw E.rejectedKey("unknown API key");

  const timestamp = parseEpochMs("timestamp", reader.required("timestamp"));
  const rw = reader.optional("recvWindow");
  let recvWindow = DEFAULT_RECV_WINDOW;
  if (rw !== undefined) {
    recvWindow = parseLong("recvWindow", rw);
    if (recvWindow < 0n || recvWindow > MAX_RECV_WINDOW) {
      throw E.badRecvWindow(`recvWindow ${rw} is outside [0, ${MAX_RECV_WINDOW}]`);
    }
  }
  const now = serverTime();
  if (timestamp >= now + MAX_TIMESTAMP_AHEAD_MS) {
    throw E.timestampAhead(`timestamp ${timestamp} is ${timestamp - now} ms ahead of server time ${now}`);
  }
  if (BigInt(now - timestamp) > recvWindow) {
    throw E.timestampOutside(`timestamp ${timestamp} is ${now - timestamp} ms old; recvWindow ${recvWindow}`);
  }

  reader.consume("signature");
  const { payload, signature } = extractSignature(rawQuery, rawBody, parsed);
  verifySignature(entry.key, payload, signature);

  // Binance documents no code for "MMP not enabled"; accounts without the right report -2015.
  if (entry.account.mmpEnabled === false) {
    throw E.rejectedKey("the account has no market-maker (MMP) permission");
  }
  return entry;
}
