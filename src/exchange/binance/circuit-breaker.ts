/**
 * A per-host circuit breaker in front of the exchange.
 *
 * Why: when an exchange host is down, every call waits for a connect or response timeout before it
 * fails. Under load that ties up sockets and request handlers, and hammers a host that is trying to
 * recover. After `failureThreshold` consecutive "unavailable" outcomes (no answer, or a 5XX) the
 * circuit opens: calls fail at once with EXCHANGE_UNAVAILABLE NOT_APPLIED, nothing sent. After
 * `cooldownMs` one probe call is let through (half-open); its success closes the circuit, its failure
 * opens it for another cool-down.
 *
 * Any answer that is not a 5XX (a 2XX, a rejection, a 429) proves the host is up and resets the count:
 * rate limits have their own back-off (weight.ts), and a rejection says nothing about availability.
 */
import { exchangeUnavailable } from "../../errors";

export type CircuitState = "closed" | "open" | "half-open";

export interface CircuitBreakerOptions {
  /** consecutive unavailable outcomes that open the circuit (5); 0 disables the breaker */
  failureThreshold?: number;
  /** how long an open circuit refuses calls before one probe is let through (10000 ms) */
  cooldownMs?: number;
}

export interface CircuitSnapshot {
  host: string;
  state: CircuitState;
  consecutiveFailures: number;
  /** epoch ms at which an open circuit lets a probe through, or null */
  retryAt: number | null;
}

/** Given to a call the breaker admitted; hand it back through success/failure/abandon. */
export interface CircuitTicket {
  readonly host: string;
  readonly probe: boolean;
}

interface HostCircuit {
  consecutiveFailures: number;
  /** epoch ms until which the circuit is open; 0 when closed */
  openUntil: number;
  probeInFlight: boolean;
}

export class CircuitBreaker {
  private readonly hosts = new Map<string, HostCircuit>();
  readonly failureThreshold: number;
  readonly cooldownMs: number;

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? 5;
    this.cooldownMs = options.cooldownMs ?? 10_000;
    if (!Number.isSafeInteger(this.failureThreshold) || this.failureThreshold < 0) {
      throw new RangeError("failureThreshold must be a non-negative integer");
    }
    if (!Number.isFinite(this.cooldownMs) || this.cooldownMs <= 0) {
      throw new RangeError("cooldownMs must be a positive number");
    }
  }

  private circuit(host: string): HostCircuit {
    let c = this.hosts.get(host);
    if (c === undefined) {
      c = { consecutiveFailures: 0, openUntil: 0, probeInFlight: false };
      this.hosts.set(host, c);
    }
    return c;
  }

  /** Throws EXCHANGE_UNAVAILABLE NOT_APPLIED while the circuit is open, or half-open with a probe out. */
  admit(host: string, nowMs: number): CircuitTicket {
    if (this.failureThreshold === 0) return { host, probe: false };
    const c = this.circuit(host);
    if (c.openUntil === 0) return { host, probe: false };
    if (nowMs < c.openUntil || c.probeInFlight) {
      const seconds = Math.max(1, Math.ceil((Math.max(c.openUntil, nowMs + 1) - nowMs) / 1000));
      throw exchangeUnavailable(
        "NOT_APPLIED",
        `${c.consecutiveFailures} consecutive calls to the exchange failed; the gateway stops calling it ` +
          `for a while (circuit open, next attempt in about ${seconds} s); nothing sent`,
      );
    }
    c.probeInFlight = true;
    return { host, probe: true };
  }

  success(ticket: CircuitTicket): void {
    const c = this.hosts.get(ticket.host);
    if (c === undefined) return;
    c.consecutiveFailures = 0;
    c.openUntil = 0;
    if (ticket.probe) c.probeInFlight = false;
  }

  failure(ticket: CircuitTicket, nowMs: number): void {
    if (this.failureThreshold === 0) return;
    const c = this.circuit(ticket.host);
    c.consecutiveFailures++;
    if (ticket.probe) c.probeInFlight = false;
    // A failure that was in flight before the circuit opened must not push the probe time back.
    if (ticket.probe || (c.openUntil === 0 && c.consecutiveFailures >= this.failureThreshold)) {
      c.openUntil = nowMs + this.cooldownMs;
    }
  }

  /** The call was admitted but never sent (e.g. refused by the rate limiter): it proves nothing. */
  abandon(ticket: CircuitTicket): void {
    if (ticket.probe) {
      const c = this.hosts.get(ticket.host);
      if (c !== undefined) c.probeInFlight = false;
    }
  }

  state(host: string, nowMs: number): CircuitState {
    const c = this.hosts.get(host);
    if (c === undefined || c.openUntil === 0) return "closed";
    return nowMs < c.openUntil ? "open" : "half-open";
  }

  snapshot(nowMs: number): CircuitSnapshot[] {
    return [...this.hosts].map(([host, c]) => ({
      host,
      state: this.state(host, nowMs),
      consecutiveFailures: c.consecutiveFailures,
      retryAt: c.openUntil > nowMs ? c.openUntil : null,
    }));
  }
}
