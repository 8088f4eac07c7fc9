/** Public types of the Deribit MMP simulator (importable without node:http). */

export interface DeribitSimAccount {
  /** Client ID: 1 to 64 ASCII letters, digits, `_` or `-` */
  clientId: string;
  /** Client Secret */
  secret: string;
  /** default true; false: every private MMP call answers 13040 mmp_required */
  mmp?: boolean;
}

export interface DeribitSimulatorOptions {
  /** default 127.0.0.1 */
  host?: string;
  /** default 0 (a free port) */
  port?: number;
  /** index names listed (the valid index_name values); default DEFAULT_DERIBIT_INDEX_NAMES */
  indexNames?: string[];
  accounts?: DeribitSimAccount[];
  /** added to the host clock to give Deribit's clock */
  clockOffsetMs?: number;
  /** host clock, epoch ms (default Date.now) */
  now?: () => number;
  /** how many requests `requests` keeps (default 10,000) */
  maxRecordedRequests?: number;
  /** per Client ID credit bucket: requests per second (default 20) and burst (default 100) */
  ratePerSecond?: number;
  burst?: number;
  /** how `private/set_mmp_config` answers: one object (the docs' example, default) or a list (the schema) */
  setResult?: "object" | "array";
  /** true: every non-integer number in an answer is written in scientific notation (`25e-1`) */
  scientificNumbers?: boolean;
  /** ms per heartbeat second on the WebSocket (default 1000; tests shorten it) */
  heartbeatUnitMs?: number;
}

/** One MMP configuration as the simulator holds it (decimals canonical: no trailing zeros). */
export interface DeribitSimConfig {
  indexName: string;
  mmpGroup?: string;
  interval: number;
  frozenTime: number;
  quantityLimit?: string;
  deltaLimit?: string;
  vegaLimit?: string;
  maxQuoteQuantity: string;
}

/** A frozen index (or group) as `private/get_mmp_status` lists it. */
export interface DeribitSimStatus {
  indexName: string;
  mmpGroup?: string;
  /** epoch ms; 0 = frozen until a manual reset */
  frozenUntil: number;
}

export type DeribitSimFault =
  /** processes the call (applied unless `applied: false`), then answers after `ms` */
  | { kind: "delay"; ms: number; applied?: boolean }
  /** processes the call (unless `applied: false`) and never answers (until stop()) */
  | { kind: "hang"; applied?: boolean }
  /** processes the call (unless `applied: false`), then closes the connection without an answer */
  | { kind: "drop"; applied?: boolean }
  /** refuses with 10028 too_many_requests and closes the connection */
  | { kind: "rateLimit" }
  /** answers HTTP `status` with an HTML body; applied only with `applied: true` */
  | { kind: "status"; status: number; applied?: boolean };

export interface DeribitFaultOptions {
  /** how many matching requests the fault hits (default 1) */
  times?: number;
  /** only calls of this JSON-RPC method, e.g. "private/set_mmp_config" (default: any) */
  method?: string;
}

export interface DeribitRecordedRequest {
  /** Deribit's clock on arrival */
  at: number;
  httpMethod: string;
  path: string;
  /** raw query string ("" when none) */
  query: string;
  /** raw body as received */
  body: string;
  /** from the path */
  rpcMethod: string;
  contentType: string | undefined;
  /** from the Authorization header, when it parses */
  clientId: string | undefined;
  timestamp: string | undefined;
  nonce: string | undefined;
  sig: string | undefined;
  /** HTTP status answered (0 when no answer was given) */
  status: number;
  errorCode: number | undefined;
  errorMessage: string | undefined;
  /** the simulator's own explanation of a refusal (never sent to the client) */
  detail?: string;
  applied: boolean;
  fault?: DeribitSimFault["kind"];
}

/** A JSON-RPC request received on the WebSocket. */
export interface DeribitRecordedWsMessage {
  at: number;
  method: string;
  clientId: string | undefined;
  errorCode: number | undefined;
  detail?: string;
}
