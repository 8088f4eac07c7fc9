/**
 * What every resolver receives as its GraphQL context. The HTTP layer builds it once per request.
 */
import type { Principal } from "../domain";
import type { MmpServiceApi } from "../mmp/mmp.types";

/**
 * The services resolvers delegate to. Resolvers stay thin: every rule (roles on accounts, ranges,
 * auditing) lives behind these interfaces. Add a member here when a new feature's resolvers need one.
 */
export interface GatewayServices {
  mmp: MmpServiceApi;
}

export interface GatewayContext {
  /**
   * Who is calling. The HTTP layer authenticates every /graphql request before GraphQL runs, so this is
   * non-null today; `null` is kept for operations that may one day allow anonymous callers, and
   * `@Authorized()` turns it into UNAUTHENTICATED.
   */
  principal: Principal | null;
  /** Correlates logs and the `x-request-id` response header. */
  requestId: string;
  services: GatewayServices;
}
