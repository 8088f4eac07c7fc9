/**
 * What the venue simulators (Deribit, OKX, Bybit) share: the loopback server and its lifecycle, the
 * venue's clock, the recorded requests (capped), the queue of injected faults and how the faults every
 * venue has alike (delay, hang, drop, status) are played around a request. Each venue keeps its routes,
 * signature check, refusals and error codes in its own folder.
 */
import type http from "node:http";
import { splitUrl } from "../http";
import { LoopbackServer } from "./loopback-server";
import { PendingFaults } from "./pending-faults";
import { pushCapped, readCappedBody } from "./request";
import type { HttpFault, RecordedHttpRequest, VenueSimOptions } from "./types";

const MAX_BODY = 64 * 1024;

/** What a venue simulator answers to one request, before it is written and recorded. */
export interface VenueReply {
  status: number;
  body: string;
  headers: Record<string, string>;
  /** the venue's code and message, recorded with the request (each venue names them its way) */
  code?: number;
  msg?: string;
  /** the simulator's own explanation of a refusal (recorded, never sent) */
  detail?: string;
  applied: boolean;
  /** answered with `Connection: close` */
  closeAfter?: boolean;
}

/** One request as read: the URL split into the path and raw query string, the body read whole. */
export interface VenueRequest {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  path: string;
  /** raw query string ("" when none) */
  query: string;
  body: string;
  /** the body was over 64 KiB (then `body` holds none of it) */
  tooBig: boolean;
}

export abstract class HttpVenueSimulator<
  Fault extends { kind: string },
  Rec extends RecordedHttpRequest<Fault["kind"]>,
> {
  private readonly http: LoopbackServer;
  private readonly recorded: Rec[] = [];
  private readonly faults = new PendingFaults<Fault>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly hung = new Set<http.ServerResponse>();
  private clockOffsetMs: number;
  private readonly clock: () => number;
  protected readonly maxRecorded: number;

  /**
   * `name` prefixes the simulator's own errors; `statusPage` is the HTML body of an injected status
   * fault; host and port are read from `venueOpts` on start().
   */
  protected constructor(
    name: string,
    private readonly statusPage: string,
    private readonly venueOpts: VenueSimOptions<unknown>,
  ) {
    this.http = new LoopbackServer(name);
    this.clock = venueOpts.now ?? Date.now;
    this.clockOffsetMs = venueOpts.clockOffsetMs ?? 0;
    this.maxRecorded = venueOpts.maxRecordedRequests ?? 10_000;
  }

  // ---- lifecycle ----

  async start(): Promise<string> {
    return this.http.start(
      (req, res) =>
        readCappedBody(req, MAX_BODY, (body, tooBig) => {
          const { path, rawQuery: query } = splitUrl(req.url ?? "/");
          this.handle({ req, res, path, query, body, tooBig });
        }),
      this.venueOpts.host ?? "127.0.0.1",
      this.venueOpts.port ?? 0,
      (server) => this.attach?.(server),
    );
  }

  async stop(): Promise<void> {
    await this.http.stop(() => {
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      this.hung.clear();
      this.detach?.();
    });
  }

  get url(): string {
    return this.http.url;
  }

  /** more for the server before it listens (e.g. a WebSocket upgrade) */
  protected attach?(server: http.Server): void;

  /** more to end on stop(), before the server closes */
  protected detach?(): void;

  // ---- time, requests, faults ----

  /** the venue's clock: host clock + offset */
  serverTime(): number {
    return this.clock() + this.clockOffsetMs;
  }

  setClockOffset(ms: number): void {
    this.clockOffsetMs = ms;
  }

  get requests(): Rec[] {
    return this.recorded;
  }

  clearRequests(): void {
    this.recorded.length = 0;
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** queues `fault` for the next `times` requests to `target` (a path or method; undefined: any) */
  protected queueFault(fault: Fault, times: number | undefined, target: string | undefined): void {
    this.faults.add(fault, times ?? 1, target);
  }

  // ---- a request ----

  /** Answers one request. */
  protected abstract handle(r: VenueRequest): void;

  /** Copies the venue's code and message of a reply onto the record. */
  protected abstract recordCode(rec: Rec, reply: VenueReply): void;

  /** Records the request and takes the fault queued for `target`, noted on the record. */
  protected arrive(rec: Rec, target: string): Fault | undefined {
    pushCapped(this.recorded, rec, this.maxRecorded);
    const fault = this.faults.take(target);
    if (fault) rec.fault = fault.kind;
    return fault;
  }

  /**
   * Processes a request (`run`) under one of the faults every venue plays alike, or none: delay
   * (processed now or, with `applied: false`, when it ends), hang, drop, status (processed only with
   * `applied: true`).
   */
  protected play(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    rec: Rec,
    fault: HttpFault | undefined,
    run: () => VenueReply,
  ): void {
    if (fault?.kind === "delay" && fault.applied === false) {
      // not applied on arrival: processed when the delay ends (a request held up in transit)
      this.later(fault.ms, () => {
        const r = run();
        rec.applied = r.applied;
        this.send(res, r, rec);
      });
      return;
    }
    const skip =
      (fault?.kind === "status" && fault.applied !== true) ||
      ((fault?.kind === "hang" || fault?.kind === "drop") && fault.applied === false);
    const reply: VenueReply = skip ? { status: 0, body: "", headers: {}, applied: false } : run();
    this.answer(req, res, rec, reply, fault);
  }

  /** Answers `reply` (as `fault` has it: lost, cut, late or replaced) and records it. */
  protected answer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    rec: Rec,
    reply: VenueReply,
    fault?: HttpFault,
  ): void {
    rec.applied = reply.applied;
    switch (fault?.kind) {
      case "hang":
        this.hung.add(res);
        return;
      case "drop":
        req.socket.destroy();
        return;
      case "delay":
        this.later(fault.ms, () => this.send(res, reply, rec));
        return;
      case "status":
        this.send(
          res,
          {
            status: fault.status,
            body: this.statusPage,
            headers: { "Content-Type": "text/html" },
            applied: reply.applied,
          },
          rec,
        );
        return;
      default:
        this.send(res, reply, rec);
    }
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private send(res: http.ServerResponse, reply: VenueReply, rec: Rec): void {
    rec.status = reply.status;
    this.recordCode(rec, reply);
    if (reply.detail !== undefined) rec.detail = reply.detail;
    if (res.destroyed) return;
    const headers: Record<string, string> = { "Content-Type": "application/json", ...reply.headers };
    if (reply.closeAfter) headers.Connection = "close";
    res.writeHead(reply.status, headers);
    res.end(reply.body);
  }
}
