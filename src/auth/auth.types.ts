import type { Principal } from "../domain";

export interface Authenticator {
  /**
   * Resolves an `Authorization` header value ("Bearer <token>") to a principal.
   * Throws GatewayError UNAUTHENTICATED when missing, malformed, unknown or revoked. `requestId`: the
   * request being served, named in what the authenticator logs meanwhile.
   */
  authenticate(authorizationHeader: string | undefined, requestId?: string): Promise<Principal>;
}
