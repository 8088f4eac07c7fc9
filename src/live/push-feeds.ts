/**
 * Venues that push MMP triggers (Deribit's `user.mmp_trigger` channel) tell the live view the moment
 * a trigger happens instead of at the next poll. The leader holds one feed per such account, while it
 * leads; a push makes it read that (account, underlying) at once, and detection proceeds as for a poll
 * (TRIGGERED, audited once). Polling goes on at its own pace regardless, so a socket that is down
 * costs only the speed-up: polling is the fallback.
 */
import { createHash } from "node:crypto";
import type { ExchangeCredentials } from "../domain";

export interface PushFeed {
  readonly connected: boolean;
  start(): void;
  close(): Promise<void>;
}

/** a feed for the account when its venue pushes triggers, else undefined */
export type PushFeedFactory = (
  account: ExchangeCredentials,
  onTrigger: (underlying: string) => void,
) => PushFeed | undefined;

export class PushFeeds {
  private readonly feeds = new Map<string, { feed: PushFeed; key: string }>();

  constructor(
    private readonly factory: PushFeedFactory,
    private readonly onTrigger: (account: ExchangeCredentials, underlying: string) => void,
  ) {}

  /** Keeps exactly one feed per pushing account in `accounts` (none when `accounts` is empty). */
  sync(accounts: readonly ExchangeCredentials[]): void {
    const wanted = new Map(accounts.map((a) => [a.accountId, a]));
    for (const [id, held] of this.feeds) {
      const a = wanted.get(id);
      // Gone, or its key, secret or URL changed (a rotation): the old feed goes.
      if (a === undefined || feedKey(a) !== held.key) {
        this.feeds.delete(id);
        void held.feed.close();
      }
    }
    for (const a of accounts) {
      if (this.feeds.has(a.accountId)) continue;
      const feed = this.factory(a, (underlying) => this.onTrigger(a, underlying));
      if (feed === undefined) continue;
      this.feeds.set(a.accountId, { feed, key: feedKey(a) });
      feed.start();
    }
  }

  /** how many feeds are held, and how many of them are open and subscribed */
  counts(): { held: number; connected: number } {
    let connected = 0;
    for (const { feed } of this.feeds.values()) if (feed.connected) connected++;
    return { held: this.feeds.size, connected };
  }

  async close(): Promise<void> {
    const all = [...this.feeds.values()];
    this.feeds.clear();
    await Promise.all(all.map(({ feed }) => feed.close()));
  }
}

/** what identifies a feed's session; hashed so that no secret sits in a map key */
function feedKey(a: ExchangeCredentials): string {
  return createHash("sha256").update(`${a.apiKey}\n${a.baseUrl}\n${a.secret}`).digest("hex");
}
