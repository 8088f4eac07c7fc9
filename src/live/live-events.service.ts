/**
 * The rules of the mmpEvents subscription: who may subscribe to what, and who receives each event.
 *
 * Authorisation happens twice: when subscribing (an account the caller cannot view, or that does not
 * exist, is FORBIDDEN) and again for every event, against the caller's roles at that moment, so that a
 * user removed from a team, a revoked grant or a disabled user stops receiving that account's events as
 * soon as the gateway's caches follow the change (within a second). A token that no longer
 * authenticates ends the subscription (and the WebSocket layer closes the connection).
 */
import { roleAtLeast, type Principal } from "../domain";
import { forbidden } from "../errors";
import type { AccountAuthorizer } from "../access/account-authorizer";
import type { LiveMmpService } from "./live-mmp.service";
import type { MmpEvent } from "./live-state.types";

/** Re-resolves the subscriber: the principal as of now, or null when its credentials no longer hold. */
export type Reauthenticate = () => Promise<Principal | null>;

export interface LiveEventsApi {
  subscribe(
    principal: Principal,
    accountIds: readonly string[] | undefined,
    reauthenticate: Reauthenticate,
  ): Promise<AsyncIterable<MmpEvent>>;
}

export class LiveEventsService implements LiveEventsApi {
  constructor(
    private readonly live: Pick<LiveMmpService, "events">,
    private readonly authorizer: Pick<AccountAuthorizer, "authorize">,
  ) {}

  async subscribe(
    principal: Principal,
    accountIds: readonly string[] | undefined,
    reauthenticate: Reauthenticate,
  ): Promise<AsyncIterable<MmpEvent>> {
    const wanted = accountIds === undefined ? undefined : new Set(accountIds);
    if (wanted !== undefined) {
      if (wanted.size === 0) throw forbidden();
      for (const id of wanted) await this.authorizer.authorize(principal, id, "viewer");
    }
    const source = this.live.events(wanted === undefined ? ["*"] : [...wanted]);
    return filtered(source, wanted, reauthenticate);
  }
}

async function* filtered(
  source: AsyncIterableIterator<MmpEvent>,
  wanted: ReadonlySet<string> | undefined,
  reauthenticate: Reauthenticate,
): AsyncGenerator<MmpEvent> {
  try {
    for await (const event of source) {
      if (wanted !== undefined && !wanted.has(event.accountId)) continue;
      const now = await reauthenticate();
      if (now === null) return;
      if (roleAtLeast(now.roles.get(event.accountId), "viewer")) yield event;
    }
  } finally {
    await source.return?.();
  }
}
