/**
 * Public types of the built-in Binance eapi simulator. Kept apart from the server so that callers
 * (demo, tests, CLI) can import them without pulling in node:http.
 */
import type { KeyType } from "../domain";

export interface SimulatorAccount {
  /** what the caller sends in X-MBX-APIKEY; 1 to 128 ASCII letters/digits (Binance issues 64) */
  apiKey: string;
  keyType: KeyType;
  /** HMAC secret (keyType "hmac") */
  secret?: string;
  /** SPKI PEM public key (keyType "ed25519" or "rsa") */
  publicKeyPem?: string;
  /**
   * Default true. false models an account without market-maker rights: every private call is
   * answered like Binance does for such accounts (HTTP 401, -2015).
   */
  mmpEnabled?: boolean;
}

export interface SimulatorLogger {
  info(...args: unknown[]): void;
}

export interface SimulatorOptions {
  /** default 127.0.0.1 */
  host?: string;
  /** default 0: a random free port */
  port?: number;
  /** default BTCUSDT, ETHUSDT, BNBUSDT, SOLUSDT, XRPUSDT, DOGEUSDT */
  underlyings?: string[];
  accounts?: SimulatorAccount[];
  /** added to the host clock to give the server time: simulates skew between gateway and exchange */
  clockOffsetMs?: number;
  /** REQUEST_WEIGHT per IP per minute; default 2400 as Binance documents */
  weightLimitPerMinute?: number;
  logger?: SimulatorLogger;
  /**
   * The host clock, epoch ms (default Date.now). Tests substitute it to move time forward without
   * waiting (kill-switch expiry, MMP frozen windows, rate-limit minutes).
   */
  now?: () => number;
  /**
   * How many requests `requests` keeps, oldest dropped first (default 10,000), so a long demo or load
   * run does not grow without bound.
   */
  maxRecordedRequests?: number;
  /**
   * Serves `POST /__simulator/trigger?apiKey=<key>&underlying=<u>` (unsigned, not a Binance route), so the
   * demo can show a triggered, frozen config and its reset. Off by default.
   */
  controlRoutes?: boolean;
}

export type FaultKind =
  | "delay"
  | "reset"
  | "applyThenReset"
  | "applyThenDelay"
  | "status"
  | "html"
  | "malformedJson"
  | "rateLimit"
  | "timestampSkew";

/**
 * A fault the simulator plays instead of (or around) a normal answer. Faults that do not say "apply"
 * answer before the request is processed, so no state changes.
 */
export type SimFault =
  /** waits, then processes and answers normally */
  | { kind: "delay"; ms: number }
  /** destroys the connection without processing or answering */
  | { kind: "reset" }
  /** processes (a valid mutation is applied), then destroys the connection: the answer is lost */
  | { kind: "applyThenReset" }
  /** processes at once, answers after ms */
  | { kind: "applyThenDelay"; ms: number }
  /**
   * answers a 5XX with Binance's body for that status (or `body`); with applied: true the request is
   * processed first, as happens when Binance times out internally after executing.
   */
  | { kind: "status"; status: 500 | 502 | 503 | 504; body?: string; applied?: boolean }
  /** an HTML error page as a CDN/WAF in front of Binance sends it (default status 502) */
  | { kind: "html"; status?: number }
  /** processes, then answers the normal status with a truncated JSON body */
  | { kind: "malformedJson" }
  /** answers 429 (rate limit) or 418 (IP ban) with Retry-After, without processing */
  | { kind: "rateLimit"; status: 429 | 418; retryAfterSeconds: number }
  /** answers -1021 (timestamp outside recvWindow), without processing */
  | { kind: "timestampSkew" };

export interface FaultOptions {
  /** how many matching requests the fault affects; default 1 */
  times?: number;
  /** only requests to this exact path (e.g. "/eapi/v1/mmpSet"); default: any request, /time included */
  path?: string;
}

export interface RecordedRequest {
  method: string;
  /** path without the query string */
  path: string;
  /** the query string exactly as received, without the leading "?" */
  rawQuery: string;
  /** the body exactly as received (latin1, so bytes map 1:1 to chars) */
  rawBody: string;
  /** X-MBX-APIKEY header, if sent */
  apiKey?: string;
  /** true when the request passed every check and was executed (even if a fault then lost the answer) */
  accepted: boolean;
  /** HTTP status answered; 0 when the connection was destroyed without an answer */
  status: number;
  /** Binance error code answered, if any */
  errorCode?: number;
  errorMsg?: string;
  /** why the simulator rejected it, in more words than Binance gives: for debugging the gateway */
  detail?: string;
  /** decoded parameters, query winning over body (signature included) */
  params: Record<string, string>;
  /** request weight counted */
  weight: number;
  /** the injected fault that affected this request */
  fault?: FaultKind;
  /** host clock, epoch ms, when the request was received */
  at: number;
}

export interface SimMmpState {
  underlyingId: number;
  underlying: string;
  windowTimeInMilliseconds: number;
  frozenTimeInMilliseconds: bigint;
  /** exactly as received in mmpSet (not normalized) */
  qtyLimit: string;
  deltaLimit: string;
  /** epoch ms of the last trigger, 0 = never (or reset since) */
  lastTriggerTime: number;
  /** whether MMP orders are blocked now: triggered and the frozen time not over (frozenTime 0: until reset) */
  frozen: boolean;
}

export interface SimKillSwitchState {
  underlying: string;
  countdownTime: number;
  /** server time of the set call or the last heartbeat */
  lastHeartbeatAt: number;
  /** server time at which the countdown runs out */
  expiresAt: number;
  /** the countdown ran out: Binance has cancelled the open orders and rejects new ones until a heartbeat */
  fired: boolean;
}

/** A config set by a tool outside the gateway (see ExchangeSimulator.changeOutside). */
export interface SimOutsideChange {
  underlying: string;
  windowTimeInMilliseconds: number;
  frozenTimeInMilliseconds: bigint;
  qtyLimit: string;
  deltaLimit: string;
}
