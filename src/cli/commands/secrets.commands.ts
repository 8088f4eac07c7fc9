/**
 * `mmp-gateway secrets rotate-master-key`: re-seals every stored exchange secret under a new master key.
 *
 * The new key is read from standard input only (argv is visible in `ps` and shell history; the
 * environment of a running process is readable in /proc); the current one comes from GATEWAY_MASTER_KEY
 * as for every other command. Only key ids (8 hex characters of SHA-256) are ever printed.
 */
import type { Command } from "commander";
import { loadConfig } from "../../config";
import { MASTER_KEY_ENV, PREVIOUS_MASTER_KEYS_ENV, parseMasterKey, rotateMasterKey } from "../../secrets";
import type { MasterKeyRotation } from "../../secrets";
import { openConfiguredStore } from "../../store/open-store";
import { readSecretFromStdin } from "../read-secret";

/** What the command reads and writes, injectable so tests run it in-process. */
export interface SecretsCommandsIo {
  env: NodeJS.ProcessEnv;
  readNewMasterKey(): Promise<string>;
  print(line: string): void;
}

const defaultIo: SecretsCommandsIo = {
  env: process.env,
  readNewMasterKey: () => readSecretFromStdin("new master key (base64): "),
  print: (line) => console.log(line),
};

export function registerSecretsCommands(program: Command, io: Partial<SecretsCommandsIo> = {}): void {
  const { env, readNewMasterKey, print } = { ...defaultIo, ...io };
  const secrets = program.command("secrets").description("manage the master key that seals exchange secrets");

  secrets
    .command("rotate-master-key")
    .description(
      `re-seal every exchange secret under a new master key read from stdin (current key: ${MASTER_KEY_ENV})`,
    )
    .action(async () => {
      const config = loadConfig(env);
      // Refuse a missing or malformed current key before prompting for the new one.
      parseMasterKey(config.masterKey, MASTER_KEY_ENV);
      const newKey = await readNewMasterKey();
      const store = openConfiguredStore(config);
      try {
        await store.migrate();
        const rotation = await rotateMasterKey(store, {
          currentBase64: config.masterKey,
          previousBase64: config.previousMasterKeys,
          newBase64: newKey,
        });
        for (const line of summary(rotation)) print(line);
        if (rotation.stragglers.length > 0) {
          throw new Error(
            `account(s) ${rotation.stragglers.join(", ")} were written under an older key during the rotation; ` +
              "run the command again",
          );
        }
      } finally {
        await store.close();
      }
    });
}

function summary(r: MasterKeyRotation): string[] {
  const already = r.accounts - r.accountsResealed;
  return [
    `master key rotated from key id ${r.fromKeyId} to key id ${r.toKeyId}`,
    `re-sealed ${r.accountsResealed} of ${r.accounts} account secret(s)` +
      (already > 0 ? ` (${already} already under ${r.toKeyId})` : "") +
      (r.checkValueResealed ? " and the master key check value" : "; the check value was already under it"),
    `next: make sure every server runs with ${MASTER_KEY_ENV} set to the new key (servers that have it, as ` +
      `${MASTER_KEY_ENV} or in ${PREVIOUS_MASTER_KEYS_ENV}, keep working; a server with only the old key ` +
      "can no longer open the secrets), then retire the old key",
  ];
}
