/**
 * Signers cached per account and key, so that the HMAC key is imported once and not on every call; a
 * rotated secret makes a new one. A secret that cannot be used is logged (never the secret itself) and
 * reported NOT_APPLIED: nothing was signed or sent.
 */
import { exchangeUnavailable } from "../../errors";
import type { ExchangeLogger } from "../binance/binance-client";
import { errorText } from "./errors";

export interface SignerOwner {
  accountId: string;
  apiKey: string;
  secret: string;
  requestId?: string;
}

export interface UnusableSecretText {
  /** the log line */
  log: string;
  /** the error's message */
  error: string;
}

export class SignerCache<S> {
  private readonly signers = new Map<string, { secret: string; sign: S }>();

  constructor(
    private readonly create: (secret: string) => S,
    private readonly logger: ExchangeLogger,
    private readonly unusable: UnusableSecretText,
  ) {}

  /**
   * The signer for these credentials. `check` runs only before a new signer is made: a cached signer's
   * credentials were checked when it was made.
   */
  signerFor(creds: SignerOwner, check?: () => void): S {
    const key = `${creds.accountId}\u0000${creds.apiKey}`;
    const cached = this.signers.get(key);
    if (cached !== undefined && cached.secret === creds.secret) return cached.sign;
    check?.();
    try {
      const sign = this.create(creds.secret);
      this.signers.set(key, { secret: creds.secret, sign });
      return sign;
    } catch (err) {
      this.logger.error(
        { requestId: creds.requestId, accountId: creds.accountId, err: errorText(err) },
        this.unusable.log,
      );
      throw exchangeUnavailable("NOT_APPLIED", this.unusable.error);
    }
  }
}
