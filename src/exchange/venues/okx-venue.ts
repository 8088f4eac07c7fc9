/**
 * OKX behind the venue router: `instFamily`, `timeInterval` and `frozenInterval` in ms, and a quantity
 * limit in contracts; OKX has no delta or vega limit (the venue rules refused them before this point).
 * OKX's Set MMP answers the config without its frozen state, so the state is read back once.
 */
import type { ExchangeCredentials, MmpConfig, MmpSettings } from "../../domain";
import { exchangeUnavailable } from "../../errors";
import type { OkxClient } from "../okx/okx-client";
import type { OkxCredentials, OkxMmpState } from "../okx/types";
import type { ReadBudget } from "../exchange.port";
import { AccountBatch } from "./account-batch";
import { readAfterChange, reportedFreeze, venueCredentials, type VenueMmpClient } from "./venue-client";

export class OkxVenue implements VenueMmpClient {
  private readonly plainReads = new AccountBatch<OkxMmpState[]>();

  constructor(private readonly okx: OkxClient) {}

  async setMmp(account: ExchangeCredentials, s: MmpSettings): Promise<MmpConfig> {
    await this.okx.setMmp(creds(account), {
      instFamily: s.underlying,
      timeIntervalMs: s.windowTimeInMilliseconds,
      frozenIntervalMs: s.frozenTimeInMilliseconds,
      qtyLimit: s.qtyLimit,
    });
    return readAfterChange(() => this.getMmp(account, s.underlying, "change"));
  }

  async getMmp(account: ExchangeCredentials, underlying: string, budget?: ReadBudget): Promise<MmpConfig> {
    if (budget === "read") {
      // every family of the account in one call, shared by the reads of its other families meanwhile
      const all = await this.plainReads.get(account.accountId, () =>
        this.okx.getAllMmp(creds(account), "read"),
      );
      return okxConfig(underlying, all.find((s) => s.instFamily === underlying) ?? null);
    }
    return okxConfig(underlying, await this.okx.getMmp(creds(account), underlying, budget));
  }

  async resetMmp(account: ExchangeCredentials, underlying: string): Promise<MmpConfig> {
    await this.okx.resetMmp(creds(account), underlying);
    return readAfterChange(() => this.getMmp(account, underlying, "change"));
  }

  underlyings(baseUrl: string): Promise<ReadonlySet<string>> {
    return this.okx.instFamilies(baseUrl);
  }

  close(): Promise<void> {
    return this.okx.close();
  }
}

function creds(a: ExchangeCredentials): OkxCredentials {
  // The passphrase is sealed with the secret when the account is added; an account without one
  // cannot sign, and nothing is sent.
  if (a.passphrase === undefined)
    throw exchangeUnavailable("NOT_APPLIED", "the OKX account has no passphrase");
  return { ...venueCredentials(a), passphrase: a.passphrase };
}

/** OKX's row (null: none) as an MmpConfig; frozen-until 0 while frozen = until a reset. */
export function okxConfig(underlying: string, s: OkxMmpState | null): MmpConfig {
  return {
    venue: "okx",
    underlyingId: 0,
    underlying: s?.instFamily ?? underlying,
    windowTimeInMilliseconds: s?.timeIntervalMs ?? 0,
    frozenTimeInMilliseconds: s?.frozenIntervalMs ?? 0n,
    qtyLimit: s?.qtyLimit ?? null,
    deltaLimit: null,
    vegaLimit: null,
    maxQuoteQuantity: null,
    ...reportedFreeze(s?.mmpFrozen ?? false, s?.mmpFrozenUntil ?? null, s?.frozenIntervalMs ?? 0n),
  };
}
