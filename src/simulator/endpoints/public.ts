/** The unsigned endpoints: server time and exchangeInfo. */
import type { Apply, EndpointContext } from "./endpoint";

export function time(ctx: EndpointContext): Apply {
  return () => JSON.stringify({ serverTime: ctx.serverTime() });
}

export function exchangeInfo(ctx: EndpointContext): Apply {
  return () => {
    const quoteAssets = [...new Set(ctx.contracts.map((c) => c.quoteAsset))];
    return JSON.stringify({
      timezone: "UTC",
      serverTime: ctx.serverTime(),
      optionContracts: ctx.contracts.map((c) => ({
        id: c.id,
        baseAsset: c.baseAsset,
        quoteAsset: c.quoteAsset,
        underlying: c.underlying,
        settleAsset: c.quoteAsset,
      })),
      optionAssets: quoteAssets.map((name, i) => ({ id: i + 1, name })),
      optionSymbols: [],
      rateLimits: [
        { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: ctx.weightLimit },
        { rateLimitType: "ORDERS", interval: "MINUTE", intervalNum: 1, limit: 1200 },
        { rateLimitType: "ORDERS", interval: "SECOND", intervalNum: 10, limit: 300 },
      ],
    });
  };
}
