/**
 * The exchange port over every venue: each call goes to the client of the account's venue. Binance's
 * client serves Binance accounts as it always has; Deribit, OKX and Bybit accounts go to their
 * adapters. A venue without a client here (not configured in this process) is refused before anything
 * is signed.
 *
 * Kill switches are Binance's countdown timers (per underlying, with a heartbeat). Deribit and Bybit
 * cancel on disconnect of a WebSocket session the gateway does not hold, and OKX's cancel-all-after is
 * one timer per account: none maps onto the per-underlying timers, so a kill-switch change on another
 * venue is refused, and its list of timers is empty.
 */
import type { ExchangeCredentials, MmpConfig, MmpSettings, Venue } from "../../domain";
import { badUserInput, exchangeUnavailable } from "../../errors";
import { venueName } from "../../mmp/venue-rules";
import type { ExchangeClient, KillSwitch, ReadBudget } from "../exchange.port";
import type { VenueMmpClient } from "./venue-client";

export type OtherVenue = Exclude<Venue, "binance">;

export class VenueRouter implements ExchangeClient {
  constructor(
    private readonly binance: ExchangeClient,
    private readonly others: Partial<Record<OtherVenue, VenueMmpClient>>,
  ) {}

  setMmp(account: ExchangeCredentials, settings: MmpSettings): Promise<MmpConfig> {
    return this.client(account.venue).setMmp(account, settings);
  }

  getMmp(account: ExchangeCredentials, underlying: string, budget?: ReadBudget): Promise<MmpConfig> {
    return this.client(account.venue).getMmp(account, underlying, budget);
  }

  resetMmp(account: ExchangeCredentials, underlying: string): Promise<MmpConfig> {
    return this.client(account.venue).resetMmp(account, underlying);
  }

  async setKillSwitch(account: ExchangeCredentials, underlying: string, ms: bigint): Promise<KillSwitch> {
    return this.binanceOnly(account).setKillSwitch(account, underlying, ms);
  }

  async getKillSwitches(
    account: ExchangeCredentials,
    underlying?: string,
    budget?: ReadBudget,
  ): Promise<KillSwitch[]> {
    if ((account.venue ?? "binance") !== "binance") return [];
    return this.binance.getKillSwitches(account, underlying, budget);
  }

  async killSwitchHeartbeat(account: ExchangeCredentials, underlyings: readonly string[]): Promise<string[]> {
    return this.binanceOnly(account).killSwitchHeartbeat(account, underlyings);
  }

  underlyings(baseUrl: string, venue: Venue = "binance"): Promise<ReadonlySet<string>> {
    return this.client(venue).underlyings(baseUrl);
  }

  async close(): Promise<void> {
    await Promise.all([this.binance.close(), ...Object.values(this.others).map((c) => c.close())]);
  }

  private client(venue: Venue | undefined): VenueMmpClient {
    if (venue === undefined || venue === "binance") return this.binance;
    const client = this.others[venue];
    if (!client) {
      throw exchangeUnavailable(
        "NOT_APPLIED",
        `${venueName(venue)} is not available in this gateway process`,
      );
    }
    return client;
  }

  private binanceOnly(account: ExchangeCredentials): ExchangeClient {
    const venue = account.venue ?? "binance";
    if (venue !== "binance") {
      throw badUserInput(
        "accountId",
        `the kill switch is Binance's countdown per underlying; ${venueName(venue)} has none the gateway ` +
          "can drive (see the venues page of the docs)",
      );
    }
    return this.binance;
  }
}
