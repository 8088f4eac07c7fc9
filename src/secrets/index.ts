export {
  MASTER_KEY_ENV,
  MasterKeyError,
  PREVIOUS_MASTER_KEYS_ENV,
  generateMasterKey,
  masterKeyId,
  parseMasterKey,
  parsePreviousMasterKeys,
} from "./master-key";
export type { MasterKey } from "./master-key";
export {
  MASTER_KEY_CHECK_META,
  SealedSecretError,
  SecretSealer,
  accountBinding,
  metaBinding,
} from "./sealer";
export { bindSealedSecrets } from "./bind-sealed-secrets";
export { ensureMasterKeyCheck, openSealer } from "./open-sealer";
export { rotateMasterKey } from "./rotate-master-key";
export type { MasterKeyRotation } from "./rotate-master-key";
