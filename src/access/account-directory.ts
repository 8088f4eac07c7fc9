/**
 * Resolves a gateway account id to the credentials the exchange client signs with. Secrets are
 * opened (AES-256-GCM) once and kept in memory; the cache is dropped on any store change so a rotated
 * key or a removed account takes effect within a second.
 */
import type { ExchangeCredentials } from "../domain";
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
    private readonly defaultBaseUrl: string,
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
    return {
      accountId: a.id,
      apiKey: a.apiKey,
      keyType: a.keyType,
      secret: this.sealer.open(a.secretSealed, accountBinding(a.id)),
      baseUrl: (a.baseUrl ?? this.defaultBaseUrl).replace(/\/+$/, ""),
    };
  }
}
