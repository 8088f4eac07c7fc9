/**
 * How many exchange reads one GraphQL request may start. The query cost limit counts fields; this
 * counts what they cost the desk: a request may ask for any number of configs, but past this many
 * reads the exchange is not called again and the live state answers (or RATE_LIMITED when it has
 * nothing), so aliases and nesting cannot turn one request into hundreds of exchange calls.
 */
export const MAX_EXCHANGE_READS_PER_REQUEST = 60;

export class RequestReadBudget {
  constructor(private left = MAX_EXCHANGE_READS_PER_REQUEST) {}

  /** takes one read; false when the request has used them all */
  take(): boolean {
    if (this.left <= 0) return false;
    this.left -= 1;
    return true;
  }
}
