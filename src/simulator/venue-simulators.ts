/**
 * The simulators of the venues beside Binance, started and stopped together, so that the demo and the
 * tests run one desk with an account on every venue, offline. Each simulator checks signatures with
 * code of its own (never the gateway's signer) and applies its venue's rules (see each folder's README).
 */
import { randomBytes } from "node:crypto";
import type { Venue } from "../domain";
import { BybitSimulator } from "./bybit";

export type SimulatedVenue = Exclude<Venue, "binance">;

/** What an account on a simulated venue signs with. */
export interface VenueKeys {
  apiKey: string;
  secret: string;
  /** OKX only */
  passphrase?: string;
}

export class VenueSimulators {
  readonly bybit = new BybitSimulator();
  private readonly urls = new Map<SimulatedVenue, string>();

  /** the venues simulated here */
  get venues(): SimulatedVenue[] {
    return ["bybit"];
  }

  async start(): Promise<void> {
    this.urls.set("bybit", await this.bybit.start());
  }

  url(venue: SimulatedVenue): string {
    const url = this.urls.get(venue);
    if (url === undefined) throw new Error(`the ${venue} simulator is not started`);
    return url;
  }

  /** Registers a new account with MMP enabled on the venue's simulator and returns its keys. */
  newAccount(venue: SimulatedVenue): VenueKeys {
    switch (venue) {
      case "bybit": {
        const keys = {
          apiKey: `bybit${randomBytes(10).toString("hex")}`,
          secret: randomBytes(24).toString("hex"),
        };
        this.bybit.addAccount(keys);
        return keys;
      }
      default:
        throw new Error(`no simulator for ${venue} yet`);
    }
  }

  async stop(): Promise<void> {
    await this.bybit.stop();
  }
}
