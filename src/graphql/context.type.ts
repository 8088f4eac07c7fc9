/**
 * What every resolver receives as its GraphQL context. The HTTP layer builds it once per request.
 */
import type { AdminApiServiceApi } from "../admin/admin-api.types";
import type { Principal } from "../domain";
import type { AccessServiceApi } from "../access/access.types";
import type { AuditLogServiceApi } from "../audit/audit-log.types";
import type { KillSwitchServiceApi } from "../killswitch/kill-switch.types";
import type { MmpServiceApi } from "../mmp/mmp.types";
import type { RequestReadBudget } from "../live/read-budget";
import type { LiveEventsApi, Reauthenticate } from "../live/live-events.service";

/**
 * The services resolvers delegate to. Resolvers stay thin: every rule (roles on accounts, ranges,
 * auditing) lives behind these interfaces. Add a member here when a new feature's resolvers need one.
 *
 * Only `mmp` is required. The others are optional so that a test of one feature wires only the service
 * it exercises; the composition root (src/app.ts) builds `Required<GatewayServices>`, so a server can
 * never start with one missing. A resolver reaching an absent one fails as INTERNAL_SERVER_ERROR.
 */
export interface GatewayServices {
  /** setMmpConfig, setMmpConfigs, resetMmp, mmpConfig, mmpConfigs, ExchangeAccount.mmpConfigs */
  mmp: MmpServiceApi;
  /** setKillSwitch, killSwitches, killSwitchHeartbeat */
  killSwitch?: KillSwitchServiceApi;
  /** me.teams, me.accounts, accounts */
  access?: AccessServiceApi;
  /** auditLog */
  auditLog?: AuditLogServiceApi;
  /** users, teams, the admin mutations, Team.members/grants, User.tokens, other users' User fields */
  admin?: AdminApiServiceApi;
  /** Subscription.mmpEvents */
  liveEvents?: LiveEventsApi;
  /** Query.serverTime */
  clock?: ExchangeClockApi;
}

/** The exchange's clock as the gateway estimates it. */
export interface ExchangeClockApi {
  /** epoch ms on the exchange's clock */
  serverTime(): Promise<number>;
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
  /** how many more exchange reads this request may start (see src/live/read-budget.ts) */
  readBudget?: RequestReadBudget;
  /**
   * WebSocket subscriptions: the caller as of now, re-resolved from the connection's credentials, or
   * null once they no longer authenticate (see src/live/live-events.service.ts)
   */
  reauthenticate?: Reauthenticate;
}

/** The named service, or a gateway fault (masked as INTERNAL_SERVER_ERROR and logged) when unwired. */
export function serviceOf<K extends keyof GatewayServices>(
  context: GatewayContext,
  name: K,
): NonNullable<GatewayServices[K]> {
  const service = context.services[name];
  if (service === undefined || service === null) {
    throw new Error(`the ${name} service is not wired into the GraphQL context`);
  }
  return service;
}
