/**
 * Resolves a gateway account id to the credentials the exchange client signs with. Secrets are
 * opened (AES-256-GCM) once and kept in memory; the cache is dropped on any store change so a rotated
 * key or a removed account takes effect within a second.
 */
import type { ExchangeCredentials, Venue } from "../domain";
import type { ChangeWatcher } from "../cache/change-watcher";
import { accountBinding } from "../secrets/sealer";
import type { Store } from "../store/port";

export interface SecretOpener {
  /** refuses a value not sealed for `binding` (another account's secret copied into this row) */
  open(sealed: string, binding: string): string;
}

export class AccountDirectory {
  private cache = new Map<string, Promise<ExchangeCredentials | null>>();

  constructor(
    private readonly store: Store,
    private readonly sealer: SecretOpener,
    private readonly defaultBaseUrl: (venue: Venue) => string,
    watcher: ChangeWatcher,
  ) {
    watcher.onChange(() => (this.cache = new Map()));
  }

  /** null when the account does not exist */
  get(accountId: string): Promise<ExchangeCredentials | null> {
    let hit = this.cache.get(accountId);
    if (!hit) {
      hit = this.load(accountId);
      this.cache.set(accountId, hit);
      // Failures are not cached: the next call retries.
      hit.catch(() => this.cache.delete(accountId));
    }
    return hit;
  }

  private async load(accountId: string): Promise<ExchangeCredentials | null> {
    const a = await this.store.getAccount(accountId);
    if (!a) return null;
    const opened = this.sealer.open(a.secretSealed, accountBinding(a.id));
    // OKX: the sealed value holds the secret, a newline, then the key's passphrase.
    const cut = a.venue === "okx" ? opened.indexOf("\n") : -1;
    return {
      accountId: a.id,
      venue: a.venue,
      apiKey: a.apiKey,
      keyType: a.keyType,
      secret: cut < 0 ? opened : opened.slice(0, cut),
      ...(cut < 0 ? {} : { passphrase: opened.slice(cut + 1) }),
      baseUrl: (a.baseUrl ?? this.defaultBaseUrl(a.venue)).replace(/\/+$/, ""),
    };
  }
}
