/**
 * The upgrade of sealed values written before they were bound to their account (format v1, see
 * sealer.ts): each is opened and re-sealed bound, under the current key, in one transaction. It needs the
 * master key, which schema migrations never see, so it runs when a sealer is opened (server start, CLI
 * commands that touch secrets); with nothing left to upgrade it changes nothing.
 *
 * A value that cannot be opened (sealed under a key that is not configured) is left as it is: the
 * account stays unusable as before, and the rotation tooling names it, rather than blocking start-up.
 */
import type { Store } from "../store/port";
import { bindingOf } from "./rotate-master-key";
import { MASTER_KEY_CHECK_META, SealedSecretError, type SecretSealer } from "./sealer";

export interface BindResult {
  /** account secrets re-sealed bound by this run */
  accountsBound: number;
}

export async function bindSealedSecrets(store: Store, sealer: SecretSealer): Promise<BindResult> {
  const result = await store.resealSecrets(
    (sealed, owner) => {
      try {
        if (sealer.isBound(sealed)) return sealed;
        const binding = bindingOf(owner);
        return sealer.seal(sealer.openUnbound(sealed, binding), binding);
      } catch (e) {
        if (e instanceof SealedSecretError) return sealed;
        throw e;
      }
    },
    [MASTER_KEY_CHECK_META],
  );
  return { accountsBound: result.accountsResealed };
}
