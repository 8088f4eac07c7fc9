/**
 * The exchange's clock, per base URL, as an offset from the local clock.
 *
 * Binance refuses a signed call (-1021) when its timestamp is ahead of the server by 1 s or more, or
 * behind by more than recvWindow. The host clock is not trusted: the offset to GET /eapi/v1/time is
 * measured, assuming the server read its clock half-way through the round trip.
 *
 * - The first signed call to a base URL waits for a sync; concurrent first calls share it.
 * - Afterwards, a call that finds the offset older than the resync interval starts a resync in the
 *   background and proceeds with the current offset (drift over a minute is far below the margins).
 * - resync() forces one now (after a -1021).
 */

/** how long calls sign with the local clock after a failed first sync before trying to sync again */
const UNSYNCED_RETRY_MS = 5_000;

export interface TimeSample {
  serverTime: number;
  /** local clock just before sending and just after the answer */
  sentAt: number;
  receivedAt: number;
}

export interface ClockLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

interface Entry {
  offset: number | undefined;
  syncedAt: number;
  lastAttemptAt: number;
  inFlight: Promise<void> | undefined;
}

export class ServerClock {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly fetchTime: (baseUrl: string) => Promise<TimeSample>,
    private readonly now: () => number,
    private readonly resyncIntervalMs = 60_000,
    private readonly logger?: ClockLogger,
  ) {}

  /** The offset in ms (server - local), or undefined before the first successful sync. */
  offset(baseUrl: string): number | undefined {
    return this.entries.get(baseUrl)?.offset;
  }

  /** The exchange's current time for a signed call, syncing first if this base URL has no offset. */
  async timestamp(baseUrl: string): Promise<number> {
    let entry = this.entries.get(baseUrl);
    if (entry?.offset === undefined) {
      // No offset yet: sync first, unless a sync just failed (then do not make every call wait on it).
      const due = entry === undefined || entry.inFlight !== undefined;
      if (due || this.now() - entry!.lastAttemptAt >= UNSYNCED_RETRY_MS) {
        try {
          await this.resync(baseUrl);
        } catch (err) {
          // The host clock is second best, not nothing: an exchange (or a stand-in for it) whose /time
          // is missing or broken still gets a timestamp, and if the host clock is off the exchange
          // answers -1021, which is reported clearly. Calls keep retrying the sync every few seconds.
          this.logger?.warn(
            { baseUrl, err: errorText(err) },
            "server time unavailable; signing with the local clock until a sync succeeds",
          );
        }
        entry = this.entries.get(baseUrl);
      }
    } else {
      const now = this.now();
      // Retrying a failing background sync waits the same interval, so a down /time is not hammered.
      if (now - entry.lastAttemptAt >= this.resyncIntervalMs && entry.inFlight === undefined) {
        this.resync(baseUrl).catch((err: unknown) =>
          this.logger?.warn({ baseUrl, err: errorText(err) }, "background server-time resync failed"),
        );
      }
    }
    return Math.round(this.now() + (entry?.offset ?? 0));
  }

  /** Measures the offset now; concurrent callers share one request. Rejects if the sync fails. */
  resync(baseUrl: string): Promise<void> {
    let entry = this.entries.get(baseUrl);
    if (entry === undefined) {
      entry = { offset: undefined, syncedAt: 0, lastAttemptAt: 0, inFlight: undefined };
      this.entries.set(baseUrl, entry);
    }
    if (entry.inFlight !== undefined) return entry.inFlight;
    const e = entry;
    e.lastAttemptAt = this.now();
    e.inFlight = this.fetchTime(baseUrl)
      .then((sample) => {
        const offset = Math.round(sample.serverTime - (sample.sentAt + sample.receivedAt) / 2);
        this.logger?.debug(
          { baseUrl, offsetMs: offset, previousOffsetMs: e.offset, rttMs: sample.receivedAt - sample.sentAt },
          "server time synced",
        );
        e.offset = offset;
        e.syncedAt = sample.receivedAt;
      })
      .finally(() => {
        e.inFlight = undefined;
      });
    return e.inFlight;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
