/**
 * Injected faults: the queue tests fill, and what a fault does to one request, before it is processed
 * (answer or reset in its place, or wait) and after (lose, delay, replace or damage the answer).
 */
import { E, SimError } from "./errors";
import { errorAnswer, type Answer } from "./http";
import type { FaultOptions, SimFault } from "./types";

interface FaultEntry {
  fault: SimFault;
  remaining: number;
  path?: string;
}

export class FaultQueue {
  private faults: FaultEntry[] = [];

  /** Queues a fault; faults are consumed in the order injected, first matching one per request. */
  inject(fault: SimFault, opts: FaultOptions = {}): void {
    const times = opts.times ?? 1;
    if (!Number.isInteger(times) || times < 1)
      throw new Error("injectFault: times must be a positive integer");
    if ((fault.kind === "delay" || fault.kind === "applyThenDelay") && !(fault.ms >= 0)) {
      throw new Error("injectFault: ms must be >= 0");
    }
    if (
      fault.kind === "rateLimit" &&
      !(Number.isInteger(fault.retryAfterSeconds) && fault.retryAfterSeconds >= 0)
    ) {
      throw new Error("injectFault: retryAfterSeconds must be a non-negative integer");
    }
    this.faults.push({ fault: { ...fault }, remaining: times, path: opts.path });
  }

  clear(): void {
    this.faults = [];
  }

  take(path: string): SimFault | undefined {
    const entry = this.faults.find((f) => f.path === undefined || f.path === path);
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.faults = this.faults.filter((f) => f !== entry);
    return entry.fault;
  }
}

export type BeforeProcessing =
  { step: "process" } | { step: "wait"; ms: number } | { step: "reset" } | { step: "answer"; answer: Answer };

/** What a fault does before the request is processed; `serverTime` is read only when needed. */
export function beforeProcessing(
  fault: SimFault | undefined,
  weightLimit: number,
  serverTime: () => number,
): BeforeProcessing {
  switch (fault?.kind) {
    case "reset":
      return { step: "reset" };
    case "html":
      return { step: "answer", answer: htmlAnswer(fault.status ?? 502) };
    case "rateLimit": {
      const err =
        fault.status === 429
          ? E.tooManyRequests(weightLimit, fault.retryAfterSeconds)
          : E.banned(serverTime() + fault.retryAfterSeconds * 1000, fault.retryAfterSeconds);
      return { step: "answer", answer: errorAnswer(err) };
    }
    case "timestampSkew":
      return { step: "answer", answer: errorAnswer(E.timestampOutside("injected fault: timestampSkew")) };
    case "status":
      return fault.applied ? { step: "process" } : { step: "answer", answer: statusAnswer(fault) };
    case "delay":
      return { step: "wait", ms: fault.ms };
    default:
      return { step: "process" };
  }
}

export type AfterProcessing = { step: "reset" } | { step: "answer"; answer: Answer; delayMs?: number };

/** What a fault does to the answer of a request that was processed (and possibly applied). */
export function afterProcessing(fault: SimFault | undefined, answer: Answer): AfterProcessing {
  switch (fault?.kind) {
    case "applyThenReset":
      return { step: "reset" };
    case "applyThenDelay":
      return { step: "answer", answer, delayMs: fault.ms };
    case "status":
      return { step: "answer", answer: { ...statusAnswer(fault), accepted: answer.accepted } };
    case "malformedJson":
      return {
        step: "answer",
        answer: { ...answer, body: answer.body.slice(0, Math.max(1, answer.body.length >> 1)) },
      };
    default:
      return { step: "answer", answer };
  }
}

const STATUS_BODIES: Record<number, { code: number; msg: string }> = {
  500: { code: -1000, msg: "An unknown error occurred while processing the request." },
  502: { code: -1001, msg: "Internal error; unable to process your request. Please try again." },
  503: { code: -1001, msg: "Service Unavailable." },
  504: {
    code: -1007,
    msg: "Timeout waiting for response from backend server. Send status unknown; execution status unknown.",
  },
};

function statusAnswer(f: Extract<SimFault, { kind: "status" }>): Answer {
  // Binance's 503 after executing says the outcome is unknown, a 503 before says "Service Unavailable.".
  const std =
    f.status === 503 && f.applied
      ? { code: -1000, msg: "Unknown error, please check your request or try again later." }
      : (STATUS_BODIES[f.status] ?? STATUS_BODIES[500]);
  const error = std ? new SimError(f.status, std.code, std.msg, "injected fault") : undefined;
  return { status: f.status, body: f.body ?? error?.body() ?? "", accepted: false, error };
}

function htmlAnswer(status: number): Answer {
  const body =
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${status} ERROR</title></head>` +
    `<body><h1>${status} ERROR</h1><h2>The request could not be satisfied.</h2>` +
    `<p>The server is temporarily unable to service your request. Please try again later.</p>` +
    `<hr><p>Generated by the edge proxy (simulated)</p></body></html>\n`;
  return { status, body, contentType: "text/html; charset=utf-8", accepted: false };
}
