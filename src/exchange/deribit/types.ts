/**
 * Deribit MMP types as the gateway sees them. Decimals stay strings, exactly as sent or as Deribit wrote
 * them (scientific notation expanded digit for digit); durations are whole seconds as Deribit takes
 * them; `frozenUntil` is bigint epoch ms. Field meanings and sources: docs/venues/deribit.md.
 */

/** An account's Deribit API key with its secret decrypted; lives only in memory. */
export interface DeribitCredentials {
  accountId: string;
  /** Deribit "Client ID" */
  apiKey: string;
  /** Deribit "Client Secret" (HMAC key) */
  secret: string;
  /** e.g. https://www.deribit.com or https://test.deribit.com */
  baseUrl: string;
  /** the request these credentials serve, for log lines */
  requestId?: string;
}

/** What `private/set_mmp_config` is asked to apply (one index, the default MMP group). */
export interface DeribitMmpSettings {
  /** Deribit `index_name`, lowercase, e.g. "btc_usd" */
  indexName: string;
  /** Deribit `interval`: whole seconds 0–3600; 0 removes the configuration */
  intervalSeconds: number;
  /** Deribit `frozen_time`: whole seconds 0–3600; 0 = frozen until a manual reset */
  frozenTimeSeconds: number;
  /** Deribit `quantity_limit`: positive decimal, at most 4 decimal places */
  quantityLimit?: string;
  /** Deribit `delta_limit`: positive decimal, at most 4 decimal places */
  deltaLimit?: string;
  /** Deribit `vega_limit`: positive decimal, at most 4 decimal places */
  vegaLimit?: string;
  /** Deribit `max_quote_quantity` (required): decimal >= 0, at most 4 decimal places */
  maxQuoteQuantity: string;
}

/** One default-group entry of `private/get_mmp_config`. */
export interface DeribitMmpConfig {
  indexName: string;
  intervalSeconds: number;
  frozenTimeSeconds: number;
  quantityLimit: string | null;
  deltaLimit: string | null;
  vegaLimit: string | null;
  maxQuoteQuantity: string | null;
}

/** One default-group entry of `private/get_mmp_status` (listed only while MMP is triggered). */
export interface DeribitMmpStatus {
  indexName: string;
  /** epoch ms until which the index is frozen; 0n = frozen until a manual reset */
  frozenUntil: bigint;
}

/** What the trigger feed reports for a `user.mmp_trigger.*` notification. */
export interface DeribitMmpTrigger {
  accountId: string;
  indexName: string;
  /** epoch ms; 0n = frozen until a manual reset */
  frozenUntil: bigint;
}
