/**
 * Deribit behind the venue router. The gateway's milliseconds become Deribit's whole seconds (the venue
 * rules refused anything else before this point, so the division is exact); Deribit's config and its
 * separate frozen state (`private/get_mmp_status`, which lists only triggered indexes) become one
 * MmpConfig. Only the default MMP group (regular orders) is managed: mass-quote groups and Block RFQ
 * configs are left alone.
 */
import type { ExchangeCredentials, MmpConfig, MmpSettings } from "../../domain";
import { badUserInput } from "../../errors";
import type { DeribitClient } from "../deribit/deribit-client";
import type { DeribitMmpConfig, DeribitMmpStatus } from "../deribit/types";
import type { ReadBudget } from "../exchange.port";
import { AccountBatch } from "./account-batch";
import { readAfterChange, reportedFreeze, venueCredentials, type VenueMmpClient } from "./venue-client";

export class DeribitVenue implements VenueMmpClient {
  private readonly plainReads = new AccountBatch<[DeribitMmpConfig[], DeribitMmpStatus[]]>();

  constructor(private readonly deribit: DeribitClient) {}

  async setMmp(account: ExchangeCredentials, s: MmpSettings): Promise<MmpConfig> {
    if (s.maxQuoteQuantity === undefined) {
      throw badUserInput("maxQuoteQuantity", "Deribit requires maxQuoteQuantity");
    }
    const held = await this.deribit.setMmp(creds(account), {
      indexName: s.underlying,
      intervalSeconds: s.windowTimeInMilliseconds / 1000,
      frozenTimeSeconds: Number(s.frozenTimeInMilliseconds / 1000n),
      quantityLimit: s.qtyLimit,
      ...(s.deltaLimit === undefined ? {} : { deltaLimit: s.deltaLimit }),
      ...(s.vegaLimit === undefined ? {} : { vegaLimit: s.vegaLimit }),
      maxQuoteQuantity: s.maxQuoteQuantity,
    });
    return readAfterChange(async () =>
      deribitConfig(
        s.underlying,
        held,
        await this.deribit.getMmpStatus(creds(account), s.underlying, "change"),
      ),
    );
  }

  async getMmp(account: ExchangeCredentials, underlying: string, budget?: ReadBudget): Promise<MmpConfig> {
    if (budget === "read") {
      // every index of the account in two calls, shared by the reads of its other indexes meanwhile
      const [configs, statuses] = await this.plainReads.get(account.accountId, () =>
        Promise.all([
          this.deribit.getAllMmp(creds(account), "read"),
          this.deribit.getMmpStatus(creds(account), undefined, "read"),
        ]),
      );
      return deribitConfig(underlying, configs.find((c) => c.indexName === underlying) ?? null, statuses);
    }
    const [config, status] = await Promise.all([
      this.deribit.getMmp(creds(account), underlying, budget),
      this.deribit.getMmpStatus(creds(account), underlying, budget),
    ]);
    return deribitConfig(underlying, config, status);
  }

  async resetMmp(account: ExchangeCredentials, underlying: string): Promise<MmpConfig> {
    await this.deribit.resetMmp(creds(account), underlying);
    return readAfterChange(() => this.getMmp(account, underlying, "change"));
  }

  underlyings(baseUrl: string): Promise<ReadonlySet<string>> {
    return this.deribit.indexNames(baseUrl);
  }

  close(): Promise<void> {
    return this.deribit.close();
  }
}

const creds = venueCredentials;

/** Deribit's config (null: none) and its triggered statuses as one MmpConfig, in milliseconds. */
export function deribitConfig(
  underlying: string,
  c: DeribitMmpConfig | null,
  statuses: readonly DeribitMmpStatus[],
): MmpConfig {
  const status = statuses.find((s) => s.indexName === underlying);
  const frozenTimeMs = c === null ? 0n : BigInt(c.frozenTimeSeconds) * 1000n;
  return {
    venue: "deribit",
    underlyingId: 0,
    underlying,
    windowTimeInMilliseconds: c === null ? 0 : c.intervalSeconds * 1000,
    frozenTimeInMilliseconds: frozenTimeMs,
    qtyLimit: c?.quantityLimit ?? null,
    deltaLimit: c?.deltaLimit ?? null,
    vegaLimit: c?.vegaLimit ?? null,
    maxQuoteQuantity: c?.maxQuoteQuantity ?? null,
    // Listed = triggered; frozen_until 0 = until a manual reset.
    ...reportedFreeze(status !== undefined, status?.frozenUntil ?? null, frozenTimeMs),
  };
}
