import type { Principal } from "../domain";

export interface Authenticator {
  /**
   * Resolves an `Authorization` header value ("Bearer <token>") to a principal.
   * Throws GatewayError UNAUTHENTICATED when missing, malformed, unknown or revoked.
   */
  authenticate(authorizationHeader: string | undefined): Promise<Principal>;
}
