/**
 * Routes each request's bearer credential by its shape: our API tokens (`mgw_…`) to the token
 * authenticator, JWTs to the OIDC authenticator. Routing by shape, not by trying one then the other, means
 * a credential is only ever checked by the authenticator that issued its kind, and a failure message
 * speaks about the right thing.
 */
import type { Principal } from "../domain";
import { unauthenticated } from "../errors";
import type { Authenticator } from "./auth.types";
import { looksLikeApiToken, looksLikeJwt, parseBearer } from "./bearer";

/** Authenticates a bare JWT (already taken out of its header). */
export interface JwtAuthenticator {
  authenticateJwt(jwt: string, requestId?: string): Promise<Principal>;
}

export class CompositeAuthenticator implements Authenticator {
  constructor(
    private readonly tokens: Authenticator,
    /** undefined when OIDC sign-in is not configured */
    private readonly jwt: JwtAuthenticator | undefined,
  ) {}

  authenticate(authorizationHeader: string | undefined, requestId?: string): Promise<Principal> {
    const credential = parseBearer(authorizationHeader);
    // Missing and malformed headers, and anything not JWT-shaped, get the token authenticator's answers.
    if (credential === undefined || looksLikeApiToken(credential) || !looksLikeJwt(credential)) {
      // API tokens are looked up without logging anything: no request id to pass.
      return this.tokens.authenticate(authorizationHeader);
    }
    if (this.jwt === undefined) {
      return Promise.reject(unauthenticated("JWT sign-in (OIDC) is not enabled on this gateway"));
    }
    return this.jwt.authenticateJwt(credential, requestId);
  }
}
