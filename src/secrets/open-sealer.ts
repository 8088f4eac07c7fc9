import type { Store } from "../store/port";
import { bindSealedSecrets } from "./bind-sealed-secrets";
import { MASTER_KEY_ENV, parseMasterKey, parsePreviousMasterKeys } from "./master-key";
import { MASTER_KEY_CHECK_META, SecretSealer } from "./sealer";

/**
 * The sealer for a database: parses the master key (an Error naming GATEWAY_MASTER_KEY when it is
 * missing or malformed) and checks it against the database (see ensureMasterKeyCheck), so that a wrong
 * key stops start-up instead of surfacing on the first exchange call.
 *
 * Then values sealed before secrets were bound to their account are re-sealed bound
 * (bind-sealed-secrets.ts).
 *
 * `previousBase64` (GATEWAY_MASTER_KEY_PREVIOUS) are keys from before a master key rotation: they only
 * open. With the new key current and the old one previous, a server works on either side of
 * `mmp-gateway secrets rotate-master-key`, which is what makes a rolling rotation possible.
 */
export async function openSealer(
  store: Store,
  masterKeyBase64: string | undefined,
  previousBase64: readonly string[] = [],
): Promise<SecretSealer> {
  const current = parseMasterKey(masterKeyBase64, MASTER_KEY_ENV);
  const sealer = new SecretSealer(current, parsePreviousMasterKeys(previousBase64));
  await ensureMasterKeyCheck(store, sealer);
  await bindSealedSecrets(store, sealer);
  return sealer;
}

/**
 * Records the master key's check value in a database that has none, and otherwise throws (a message
 * naming GATEWAY_MASTER_KEY) when the configured key is not the database's key.
 *
 * Two processes initialising one empty database at the same instant with different keys could both pass:
 * the re-read after writing narrows that to a window the port offers no primitive to close, and reaching
 * it takes an operator error (two keys for one database) in the first place.
 */
export async function ensureMasterKeyCheck(store: Store, sealer: SecretSealer): Promise<void> {
  const stored = await store.getMeta(MASTER_KEY_CHECK_META);
  if (stored !== null) {
    sealer.verifyCheckValue(stored);
    return;
  }
  await store.setMeta(MASTER_KEY_CHECK_META, sealer.checkValue());
  const after = await store.getMeta(MASTER_KEY_CHECK_META);
  if (after === null) throw new Error(`could not record meta '${MASTER_KEY_CHECK_META}' in the database`);
  sealer.verifyCheckValue(after);
}
