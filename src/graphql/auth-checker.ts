/**
 * type-graphql's `@Authorized()` gate, reduced to "is the caller authenticated".
 *
 * Account roles (viewer < trader < admin) depend on which account an operation touches, which only the
 * service knows after reading its input, so they are checked there and never as `@Authorized("trader")`.
 * We throw our own UNAUTHENTICATED instead of returning false: type-graphql would otherwise answer with
 * its own error and message, outside our catalogue.
 */
import type { AuthCheckerFn } from "type-graphql";
import type { Principal } from "../domain";
import { unauthenticated } from "../errors";
import type { GatewayContext } from "./context.type";

export const gatewayAuthChecker: AuthCheckerFn<GatewayContext, string> = ({ context }, roles) => {
  if (roles.length > 0) {
    // A programming error, not a caller's: fail loudly (masked and logged as INTERNAL_SERVER_ERROR).
    throw new Error(
      `@Authorized(${roles.join(", ")}) is not supported: account roles are checked in the services`,
    );
  }
  requirePrincipal(context);
  return true;
};

/** The authenticated caller; narrows the context's nullable principal for resolvers. */
export function requirePrincipal(context: GatewayContext): Principal {
  if (context.principal === null) throw unauthenticated();
  return context.principal;
}
