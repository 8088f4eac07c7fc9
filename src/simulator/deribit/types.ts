/** Public types of the Deribit MMP simulator (importable without node:http). */
import type { FaultTimes, HttpFault, RecordedHttpRequest, VenueSimOptions } from "../venue-sim/types";

export interface DeribitSimAccount {
  /** Client ID: 1 to 64 ASCII letters, digits, `_` or `-` */
  clientId: string;
  /** Client Secret */
  secret: string;
  /** default true; false: every private MMP call answers 13040 mmp_required */
  mmp?: boolean;
}

export interface DeribitSimulatorOptions extends VenueSimOptions<DeribitSimAccount> {
  /** index names listed (the valid index_name values); default DEFAULT_DERIBIT_INDEX_NAMES */
  indexNames?: string[];
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
  | HttpFault
  /** refuses with 10028 too_many_requests and closes the connection */
  | { kind: "rateLimit" };

export interface DeribitFaultOptions extends FaultTimes {
  /** only calls of this JSON-RPC method, e.g. "private/set_mmp_config" (default: any) */
  method?: string;
}

export interface DeribitRecordedRequest extends RecordedHttpRequest<DeribitSimFault["kind"]> {
  httpMethod: string;
  /** from the path */
  rpcMethod: string;
  /** from the Authorization header, when it parses */
  clientId: string | undefined;
  timestamp: string | undefined;
  nonce: string | undefined;
  sig: string | undefined;
  errorCode: number | undefined;
  errorMessage: string | undefined;
}

/** A JSON-RPC request received on the WebSocket. */
export interface DeribitRecordedWsMessage {
  at: number;
  method: string;
  clientId: string | undefined;
  errorCode: number | undefined;
  detail?: string;
}
