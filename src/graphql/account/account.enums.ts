import { registerEnumType } from "type-graphql";
import type { KeyType, Role, Venue } from "../../domain";
import type { ExchangeEnvironment } from "../../access/access.types";
import type { SameValues } from "../enum-values";

// GraphQL names are upper case by convention; the internal values are the domain's, so services return
// domain values unchanged and the enum serializer maps them.

export enum RoleEnum {
  VIEWER = "viewer",
  TRADER = "trader",
  ADMIN = "admin",
}
registerEnumType(RoleEnum, {
  name: "Role",
  description: "A team's role on an exchange account; a user's role is the highest among their teams.",
  valuesConfig: {
    VIEWER: { description: "reads MMP configs, kill switches and the audit log" },
    TRADER: { description: "viewer, and sets/resets MMP and the kill switch" },
    ADMIN: { description: "trader, and manages the account and its grants" },
  },
});

export enum KeyTypeEnum {
  HMAC = "hmac",
  ED25519 = "ed25519",
  RSA = "rsa",
}
registerEnumType(KeyTypeEnum, {
  name: "KeyType",
  description: "How requests to the exchange are signed with the account's key.",
});

export enum ExchangeEnvironmentEnum {
  PRODUCTION = "production",
  TESTNET = "testnet",
  CUSTOM = "custom",
}
registerEnumType(ExchangeEnvironmentEnum, {
  name: "ExchangeEnvironment",
  description: "Which exchange an account talks to, from its base URL.",
  valuesConfig: {
    PRODUCTION: {
      description:
        "the venue's production host (eapi.binance.com, www.deribit.com, www.okx.com, api.bybit.com)",
    },
    TESTNET: {
      description:
        "the venue's test host (testnet.binancefuture.com, test.deribit.com, api-testnet.bybit.com)",
    },
    CUSTOM: { description: "any other base URL (e.g. the built-in simulator)" },
  },
});

export enum VenueEnum {
  BINANCE = "binance",
  DERIBIT = "deribit",
  OKX = "okx",
  BYBIT = "bybit",
}
registerEnumType(VenueEnum, {
  name: "Venue",
  description:
    "The options venue an exchange account trades on. Each venue scopes MMP by its own key (the " +
    "`underlying` of MmpConfig) and takes its own set of limits (see the venues page of the docs).",
  valuesConfig: {
    BINANCE: { description: "Binance options (underlying e.g. BTCUSDT); limits qty and delta" },
    DERIBIT: {
      description:
        "Deribit (index name e.g. btc_usd); whole seconds; qty, delta, vega; maxQuoteQuantity required",
    },
    OKX: { description: "OKX (instrument family e.g. BTC-USD); a quantity limit only, in contracts" },
    BYBIT: { description: "Bybit (base coin e.g. BTC); qty, delta, vega, at most 2 decimal places" },
  },
});

export const roleValuesMatch: SameValues<`${RoleEnum}`, Role> = true;
export const keyTypeValuesMatch: SameValues<`${KeyTypeEnum}`, KeyType> = true;
export const environmentValuesMatch: SameValues<`${ExchangeEnvironmentEnum}`, ExchangeEnvironment> = true;
export const venueValuesMatch: SameValues<`${VenueEnum}`, Venue> = true;
