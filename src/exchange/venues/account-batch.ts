/**
 * One "every scope" read per account in flight, shared by the plain reads of its scopes that arrive
 * meanwhile. Deribit and OKX answer every index or family of an account in one call, and count each
 * call against small per-account limits (OKX: 5 reads per 2 s): a dashboard or a poll round reading N
 * scopes then costs one call, not N. Read-backs that settle a change never go through here: they must
 * see the venue after the change.
 */
export class AccountBatch<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  get(accountId: string, load: () => Promise<T>): Promise<T> {
    let pending = this.inFlight.get(accountId);
    if (pending === undefined) {
      pending = load().finally(() => this.inFlight.delete(accountId));
      this.inFlight.set(accountId, pending);
    }
    return pending;
  }
}
