/**
 * Bybit behind the venue router: the gateway's settings in Bybit's terms (`baseCoin`, `window`,
 * `frozenPeriod`, limits with at most 2 decimal places), and Bybit's state as an MmpConfig with the
 * freeze Bybit reports. Bybit's Set MMP answers no data, so the config it then holds is read back
 * (one GET, Bybit's limit for it is separate from the change's).
 */
import type { ExchangeCredentials, MmpConfig, MmpSettings } from "../../domain";
import type { BybitClient } from "../bybit/bybit-client";
import type { ReadBudget } from "../exchange.port";
import type { BybitMmpState } from "../bybit/types";
import { readAfterChange, reportedFreeze, venueCredentials, type VenueMmpClient } from "./venue-client";

export class BybitVenue implements VenueMmpClient {
  constructor(private readonly bybit: BybitClient) {}

  async setMmp(account: ExchangeCredentials, s: MmpSettings): Promise<MmpConfig> {
    await this.bybit.setMmp(creds(account), {
      baseCoin: s.underlying,
      windowMs: s.windowTimeInMilliseconds,
      frozenPeriodMs: s.frozenTimeInMilliseconds,
      qtyLimit: s.qtyLimit,
      // venueSettings required it; an empty one is refused by the client before signing
      deltaLimit: s.deltaLimit ?? "",
      ...(s.vegaLimit === undefined ? {} : { vegaLimit: s.vegaLimit }),
    });
    return readAfterChange(() => this.getMmp(account, s.underlying));
  }

  async getMmp(account: ExchangeCredentials, underlying: string, budget?: ReadBudget): Promise<MmpConfig> {
    return bybitConfig(underlying, await this.bybit.getMmp(creds(account), underlying, budget));
  }

  async resetMmp(account: ExchangeCredentials, underlying: string): Promise<MmpConfig> {
    await this.bybit.resetMmp(creds(account), underlying);
    return readAfterChange(() => this.getMmp(account, underlying));
  }

  underlyings(baseUrl: string): Promise<ReadonlySet<string>> {
    return this.bybit.baseCoins(baseUrl);
  }

  close(): Promise<void> {
    return this.bybit.close();
  }
}

const creds = venueCredentials;

/** Bybit's state row as an MmpConfig (no row: no config, window 0). */
export function bybitConfig(underlying: string, s: BybitMmpState | null): MmpConfig {
  if (s === null) {
    return {
      venue: "bybit",
      underlyingId: 0,
      underlying,
      windowTimeInMilliseconds: 0,
      frozenTimeInMilliseconds: 0n,
      qtyLimit: null,
      deltaLimit: null,
      vegaLimit: null,
      maxQuoteQuantity: null,
      ...reportedFreeze(false, null, 0n),
    };
  }
  return {
    venue: "bybit",
    underlyingId: 0,
    underlying: s.baseCoin,
    windowTimeInMilliseconds: s.windowMs,
    frozenTimeInMilliseconds: s.frozenPeriodMs,
    qtyLimit: s.qtyLimit,
    deltaLimit: s.deltaLimit,
    vegaLimit: s.vegaLimit,
    maxQuoteQuantity: null,
    // frozenPeriod 0: frozen until a reset, whatever mmpFrozenUntil says
    ...reportedFreeze(s.mmpFrozen, s.frozenPeriodMs === 0n ? null : s.mmpFrozenUntil, s.frozenPeriodMs),
  };
}
