/**
 * What the venue router needs of a venue's client, in the gateway's terms (MmpConfig, MmpSettings,
 * milliseconds). Binance's client is an ExchangeClient itself; Deribit's, OKX's and Bybit's speak
 * their venue's terms and are wrapped by an adapter in this folder. Failures follow the ExchangeClient
 * contract (exchange.port.ts).
 */
import type { ExchangeCredentials, MmpConfig, MmpSettings } from "../../domain";
import { exchangeUnavailable, isGatewayError } from "../../errors";
import type { ReadBudget } from "../exchange.port";

export interface VenueMmpClient {
  /** applies the settings and answers what the venue then holds */
  setMmp(account: ExchangeCredentials, settings: MmpSettings): Promise<MmpConfig>;
  /** what the venue holds; a scope without a config answers window 0 and null limits */
  getMmp(account: ExchangeCredentials, underlying: string, budget?: ReadBudget): Promise<MmpConfig>;
  /** unfreezes (and clears the venue's counters) and answers what the venue then holds */
  resetMmp(account: ExchangeCredentials, underlying: string): Promise<MmpConfig>;
  /** the venue's scope keys for options at baseUrl, cached per base URL */
  underlyings(baseUrl: string): Promise<ReadonlySet<string>>;
  close(): Promise<void>;
}

/** The freeze fields of a venue that reports its freeze and no trigger time (Deribit, OKX, Bybit). */
export function reportedFreeze(
  frozen: boolean,
  /** epoch ms; 0 or null: no end given (until a manual reset) */
  frozenUntil: bigint | null,
  frozenTimeMs: bigint,
): Pick<MmpConfig, "venueFreeze" | "lastTriggerTime"> {
  const until = frozen && frozenUntil !== null && frozenUntil > 0n ? frozenUntil : null;
  return {
    venueFreeze: { frozen, frozenUntil: until },
    // The start of a timed freeze is its end minus its length (the venue gives no trigger time).
    lastTriggerTime: until !== null && frozenTimeMs > 0n && until > frozenTimeMs ? until - frozenTimeMs : 0n,
  };
}

/**
 * The read that follows a change the venue accepted (Bybit and OKX answer a change without the frozen
 * state; a reset answers nothing). Its failure must not read as "not applied": a RATE_LIMITED or a
 * refused connection here would tell the caller and the audit log that nothing was sent. It becomes
 * EXCHANGE_UNAVAILABLE with outcome UNKNOWN, so the audit protocol reads the state back and settles.
 */
export async function readAfterChange(read: () => Promise<MmpConfig>): Promise<MmpConfig> {
  try {
    return await read();
  } catch (e) {
    const why = isGatewayError(e) ? e.code : "error";
    throw exchangeUnavailable("UNKNOWN", `the venue took the change; reading its state back failed: ${why}`);
  }
}

/** The credentials every venue client takes (OKX adds its passphrase). */
export interface VenueCredentials {
  accountId: string;
  apiKey: string;
  secret: string;
  baseUrl: string;
  requestId?: string;
}

export function venueCredentials(a: ExchangeCredentials): VenueCredentials {
  return {
    accountId: a.accountId,
    apiKey: a.apiKey,
    secret: a.secret,
    baseUrl: a.baseUrl,
    ...(a.requestId === undefined ? {} : { requestId: a.requestId }),
  };
}
