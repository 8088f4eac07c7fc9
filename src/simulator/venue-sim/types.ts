/** Public types shared by the venue simulators (importable without node:http). */

/** The faults every venue simulator plays alike; each venue adds its own refusals (rate limits, bans). */
export type HttpFault =
  /** processes the call (applied unless `applied: false`), then answers after `ms` */
  | { kind: "delay"; ms: number; applied?: boolean }
  /** processes the call (unless `applied: false`) and never answers (until stop()): a lost answer */
  | { kind: "hang"; applied?: boolean }
  /** processes the call (unless `applied: false`), then closes the connection without an answer */
  | { kind: "drop"; applied?: boolean }
  /** answers HTTP `status` (5XX) with an HTML body; applied only with `applied: true` */
  | { kind: "status"; status: number; applied?: boolean };

export interface FaultTimes {
  /** how many matching requests the fault hits (default 1) */
  times?: number;
}

export interface PathFaultOptions extends FaultTimes {
  /** only requests to this path (default: any, including public routes) */
  path?: string;
}

/** What every venue simulator is started with. */
export interface VenueSimOptions<Account> {
  /** default 127.0.0.1 */
  host?: string;
  /** default 0 (a free port) */
  port?: number;
  accounts?: Account[];
  /** added to the host clock to give the venue's clock */
  clockOffsetMs?: number;
  /** host clock, epoch ms (default Date.now) */
  now?: () => number;
  /** how many requests `requests` keeps (default 10,000) */
  maxRecordedRequests?: number;
}

/** What every venue simulator records of a request; each venue adds its headers and codes. */
export interface RecordedHttpRequest<FaultKind extends string> {
  /** the venue's clock on arrival */
  at: number;
  path: string;
  /** raw query string as received ("" when none) */
  query: string;
  /** raw body as received */
  body: string;
  contentType: string | undefined;
  /** HTTP status answered (0 when no answer was given) */
  status: number;
  /** the simulator's own explanation of a refusal (never sent to the client) */
  detail?: string;
  /** whether the call changed state */
  applied: boolean;
  fault?: FaultKind;
}
