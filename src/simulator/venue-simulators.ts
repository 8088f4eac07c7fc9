/**
 * The simulators of the venues beside Binance, started and stopped together, so that the demo and the
 * tests run one desk with an account on every venue, offline. Each simulator checks signatures with
 * code of its own (never the gateway's signer) and applies its venue's rules (see each folder's README).
 */
import { randomBytes } from "node:crypto";
import type { Venue } from "../domain";
import { BybitSimulator } from "./bybit";
import { DeribitSimulator } from "./deribit";
import { OkxSimulator } from "./okx";

export type SimulatedVenue = Exclude<Venue, "binance">;

/** What an account on a simulated venue signs with. */
export interface VenueKeys {
  apiKey: string;
  secret: string;
  /** OKX only */
  passphrase?: string;
}

export class VenueSimulators {
  readonly deribit = new DeribitSimulator();
  readonly okx = new OkxSimulator();
  readonly bybit = new BybitSimulator();
  private readonly urls = new Map<SimulatedVenue, string>();

  /** the venues simulated here */
  get venues(): SimulatedVenue[] {
    return ["deribit", "okx", "bybit"];
  }

  async start(): Promise<void> {
    this.urls.set("deribit", await this.deribit.start());
    this.urls.set("okx", await this.okx.start());
    this.urls.set("bybit", await this.bybit.start());
  }

  url(venue: SimulatedVenue): string {
    const url = this.urls.get(venue);
    if (url === undefined) throw new Error(`the ${venue} simulator is not started`);
    return url;
  }

  /** Registers a new account with MMP enabled on the venue's simulator and returns its keys. */
  newAccount(venue: SimulatedVenue): VenueKeys {
    const apiKey = `${venue}${randomBytes(10).toString("hex")}`;
    const secret = randomBytes(24).toString("hex");
    switch (venue) {
      case "deribit":
        this.deribit.addAccount({ clientId: apiKey, secret });
        return { apiKey, secret };
      case "okx": {
        const passphrase = `Pass-${randomBytes(6).toString("hex")}`;
        this.okx.addAccount({ apiKey, secret, passphrase });
        return { apiKey, secret, passphrase };
      }
      case "bybit":
        this.bybit.addAccount({ apiKey, secret });
        return { apiKey, secret };
    }
  }

  async stop(): Promise<void> {
    await Promise.all([this.deribit.stop(), this.okx.stop(), this.bybit.stop()]);
  }
}
