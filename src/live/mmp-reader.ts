/**
 * Reads of one (account, underlying)'s config: from the live state while it is younger than the
 * maximum age, else one exchange read however many callers wait for it (single-flight: concurrent
 * requests, aliases in one query and the poller all share the call in flight).
 *
 * Reads draw on the read share of the exchange's weight. When the exchange refuses to be read (the
 * share is used, or a back-off), the live state answers however old it is; its `observedAt` says how
 * old. Only when there is no state at all does the caller get RATE_LIMITED.
 */
import type { ExchangeCredentials } from "../domain";
import { isGatewayError, rateLimited } from "../errors";
import type { ExchangeClient } from "../exchange/exchange.port";
import type { LiveMmpState } from "./live-state";
import type { MmpObservation } from "./live-state.types";
import type { RequestReadBudget } from "./read-budget";

export interface MmpReaderDeps {
  state: LiveMmpState;
  exchange: Pick<ExchangeClient, "getMmp">;
  /**
   * How old the live state may be before a read asks the exchange itself. A function, because while
   * the poller keeps a pair fresh a read must not race it (see LiveMmpService).
   */
  maxAgeMs: () => number;
  /** every observation the reader makes goes here first (applies it, tells other replicas) */
  observed: (o: MmpObservation) => void;
  now?: () => number;
}

export class MmpReader {
  private readonly inFlight = new Map<string, Promise<MmpObservation>>();
  private readonly now: () => number;
  /** exchange reads started (for tests and the benchmark) */
  exchangeReads = 0;

  constructor(private readonly deps: MmpReaderDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** what a query answers: fresh state, or a (shared) exchange read */
  async read(
    account: ExchangeCredentials,
    underlying: string,
    budget?: RequestReadBudget,
  ): Promise<MmpObservation> {
    const current = this.deps.state.get(account.accountId, underlying);
    if (current !== undefined && this.now() - current.observedAt < this.deps.maxAgeMs()) return current;
    const pending = this.inFlight.get(key(account.accountId, underlying));
    if (pending !== undefined) return this.orStale(pending, current);
    if (budget !== undefined && !budget.take()) {
      if (current !== undefined) return current;
      throw rateLimited(
        1,
        "this request asks for more exchange reads than one request may start; nothing sent. Ask for " +
          "fewer accounts per request, or read again: what was read is now in the live state",
      );
    }
    return this.orStale(this.fetch(account, underlying), current);
  }

  /** the poller's read: always asks the exchange (or joins the read in flight) */
  refresh(account: ExchangeCredentials, underlying: string): Promise<MmpObservation> {
    return this.inFlight.get(key(account.accountId, underlying)) ?? this.fetch(account, underlying);
  }

  private fetch(account: ExchangeCredentials, underlying: string): Promise<MmpObservation> {
    const k = key(account.accountId, underlying);
    const read = (async () => {
      const sentAt = this.now();
      this.exchangeReads += 1;
      const config = await this.deps.exchange.getMmp(account, underlying, "read");
      const o: MmpObservation = { accountId: account.accountId, underlying, config, observedAt: sentAt };
      this.deps.observed(o);
      // A newer observation (a change answered meanwhile) wins over what this read saw.
      return this.deps.state.get(account.accountId, underlying) ?? o;
    })();
    this.inFlight.set(k, read);
    const done = () => {
      if (this.inFlight.get(k) === read) this.inFlight.delete(k);
    };
    read.then(done, done);
    return read;
  }

  /** RATE_LIMITED from the exchange side: answer what is known instead, if anything */
  private async orStale(
    read: Promise<MmpObservation>,
    known: MmpObservation | undefined,
  ): Promise<MmpObservation> {
    try {
      return await read;
    } catch (err) {
      if (known !== undefined && isGatewayError(err) && err.code === "RATE_LIMITED") return known;
      throw err;
    }
  }
}

function key(accountId: string, underlying: string): string {
  return `${accountId}\u0000${underlying}`;
}
