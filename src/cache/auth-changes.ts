/**
 * Announces auth changes made through a Store, so that other replicas drop their caches at once
 * instead of at their next auth-version poll.
 *
 * The hook sits on the store rather than on each caller (CLI, admin service, an admin API, OIDC
 * first sign-in), so no write path can forget it. Which methods count is decided by exclusion: every
 * method not known to leave users, tokens, teams, grants and accounts alone announces a change after it
 * succeeds. A store method added later therefore announces by default; an unneeded announcement only
 * costs other replicas one cache reload, a missing one would leave a revoked token working until the
 * poll catches it.
 */
import type { Store } from "../store/port";

/** The Redis channel every replica listens on for auth changes (see src/shared-state). */
export function invalidateChannel(keyPrefix: string): string {
  return `${keyPrefix}invalidate`;
}

/** Store methods that never change what authentication or authorization caches hold. */
const NOT_AUTH_CHANGES: ReadonlySet<string> = new Set([
  "migrate",
  "ready",
  "close",
  "getMeta",
  "setMeta",
  "authVersion",
  "teamsOfUser",
  "grantsOfUser",
  "auditBegin",
  "auditComplete",
  "auditSettle",
  "listAudit",
  "pendingAudit",
]);

const READ_PREFIXES = ["get", "list", "find", "count"];

export function isAuthChange(method: string): boolean {
  if (NOT_AUTH_CHANGES.has(method)) return false;
  return !READ_PREFIXES.some((p) => method.startsWith(p) && /^[A-Z]/.test(method.slice(p.length)));
}

/**
 * A view of `store` that calls `onChange` after every auth-changing method resolves (not when it
 * throws: nothing changed). Everything else passes through untouched.
 */
export function announcingAuthChanges<S extends Store>(store: S, onChange: () => void): S {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      let fn = wrapped.get(property);
      if (fn === undefined) {
        const method = value as (...args: unknown[]) => unknown;
        fn =
          typeof property === "string" && isAuthChange(property)
            ? async (...args: unknown[]) => {
                const result: unknown = await method.apply(target, args);
                try {
                  onChange();
                } catch {
                  // The write is done; failing to announce it is covered by the auth-version poll.
                }
                return result;
              }
            : // bound to the real store: adapters keep private state that a proxy receiver would not reach
              method.bind(target);
        wrapped.set(property, fn);
      }
      return fn;
    },
  });
}
