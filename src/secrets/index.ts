export { MASTER_KEY_ENV, MasterKeyError, generateMasterKey, masterKeyId, parseMasterKey } from "./master-key";
export type { MasterKey } from "./master-key";
export { MASTER_KEY_CHECK_META, SealedSecretError, SecretSealer } from "./sealer";
export { ensureMasterKeyCheck, openSealer } from "./open-sealer";
