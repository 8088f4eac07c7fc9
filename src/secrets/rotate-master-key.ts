/**
 * Master key rotation: every sealed value in the database (account secrets and the master key check
 * value) is opened and sealed again under a new key, in one store transaction, so the database is never
 * half under one key and half under the other.
 *
 * The rotation is resumable: a value already under the new key is left alone, and the database's key is
 * accepted whether it is still the current one or already the new one. Running the command again after
 * an interruption, or after a straggler was written under the old key, finishes the job.
 *
 * Servers are not stopped. They open values under every key they are configured with, so a server
 * started with the new key in GATEWAY_MASTER_KEY and the old one in GATEWAY_MASTER_KEY_PREVIOUS works
 * before, during and after the rotation (docs/operations.md, "Rotating the master key").
 */
import type { SealedValueOwner, Store } from "../store/port";
import { MASTER_KEY_ENV, parseMasterKey, parsePreviousMasterKeys } from "./master-key";
import {
  MASTER_KEY_CHECK_META,
  SealedSecretError,
  SecretSealer,
  accountBinding,
  metaBinding,
} from "./sealer";

export interface MasterKeyRotation {
  /** id of GATEWAY_MASTER_KEY, the key being retired */
  fromKeyId: string;
  /** id of the new key */
  toKeyId: string;
  accounts: number;
  accountsResealed: number;
  /** the check value was rewritten (false when it was already under the new key) */
  checkValueResealed: boolean;
  /**
   * Accounts found under another key after the commit: written by a process still sealing with the old
   * key once the rotation's lock was released. Empty unless someone added an account meanwhile.
   */
  stragglers: string[];
}

export interface RotateMasterKeyInput {
  /** GATEWAY_MASTER_KEY: the key the database is under now */
  currentBase64: string | undefined;
  /** GATEWAY_MASTER_KEY_PREVIOUS: still older keys, for values an interrupted earlier rotation left behind */
  previousBase64?: readonly string[];
  /** the new key; it arrived on standard input, never in argv or the environment */
  newBase64: string;
}

export const NEW_MASTER_KEY_SOURCE = "the new master key (standard input)";

export async function rotateMasterKey(store: Store, input: RotateMasterKeyInput): Promise<MasterKeyRotation> {
  const current = parseMasterKey(input.currentBase64, MASTER_KEY_ENV);
  const previous = parsePreviousMasterKeys(input.previousBase64 ?? []);
  const next = parseMasterKey(input.newBase64, NEW_MASTER_KEY_SOURCE);
  if (next.key.equals(current.key)) {
    throw new Error(
      `${NEW_MASTER_KEY_SOURCE} is the current ${MASTER_KEY_ENV}; generate a new one (openssl rand -base64 32)`,
    );
  }
  // Seals under the new key and opens under any of them.
  const sealer = new SecretSealer(next, [current, ...previous]);

  const stored = await store.getMeta(MASTER_KEY_CHECK_META);
  if (stored !== null) checkDatabaseKey(sealer, stored, current.id);

  const result = await store.resealSecrets(
    (sealed, owner) => {
      if (sealer.keyIdOf(sealed) === next.id && sealer.isBound(sealed)) return sealed;
      try {
        const binding = bindingOf(owner);
        return sealer.seal(sealer.openUnbound(sealed, binding), binding);
      } catch (e) {
        if (!(e instanceof SealedSecretError)) throw e;
        // Thrown inside the transaction: nothing is written, and the message says which value blocks it.
        throw new Error(`cannot re-seal ${describe(owner)}: ${e.message}; nothing was changed`);
      }
    },
    [MASTER_KEY_CHECK_META],
  );

  let checkValueResealed = result.metaResealed > 0;
  if (stored === null) {
    // A database no key was ever used on: record the new key as its key.
    await store.setMeta(MASTER_KEY_CHECK_META, sealer.checkValue());
    checkValueResealed = true;
  }

  const stragglers = (await store.listAccounts())
    .filter((a) => sealer.keyIdOf(a.secretSealed) !== next.id)
    .map((a) => a.id);

  return {
    fromKeyId: current.id,
    toKeyId: next.id,
    accounts: result.accounts,
    accountsResealed: result.accountsResealed,
    checkValueResealed,
    stragglers,
  };
}

function checkDatabaseKey(sealer: SecretSealer, stored: string, currentId: string): void {
  try {
    sealer.verifyCheckValue(stored);
  } catch {
    let databaseKey = "unknown";
    try {
      databaseKey = sealer.keyIdOf(stored);
    } catch {
      // the check value is malformed; "unknown" says as much
    }
    throw new Error(
      `${MASTER_KEY_ENV} is not this database's master key (database: key id ${databaseKey}; ` +
        `${MASTER_KEY_ENV}: key id ${currentId}); nothing was changed`,
    );
  }
}

/** Re-sealing binds v1 values too: a rotation leaves nothing unbound behind. */
export function bindingOf(owner: SealedValueOwner): string {
  return owner.kind === "account" ? accountBinding(owner.id) : metaBinding(owner.key);
}

function describe(owner: SealedValueOwner): string {
  return owner.kind === "account" ? `the secret of account '${owner.id}'` : `meta '${owner.key}'`;
}
