/**
 * Runs `mmp-gateway secrets …` in-process: the real command (commander wiring, configuration from the
 * environment, store opened from DATABASE_URL) with standard input and output injected.
 */
import { Command } from "commander";
import { registerSecretsCommands } from "../../src/cli/commands/secrets.commands";

export interface CommandRun {
  /** lines the command printed */
  out: string[];
  /** what it failed with (the CLI prints its first line and exits non-zero) */
  error?: Error;
  /** whether the command asked for the new key on stdin */
  readStdin: boolean;
}

export async function runSecretsCommand(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin: string,
): Promise<CommandRun> {
  const run: CommandRun = { out: [], readStdin: false };
  const program = new Command("mmp-gateway").exitOverride();
  registerSecretsCommands(program, {
    env,
    readNewMasterKey: async () => {
      run.readStdin = true;
      return stdin;
    },
    print: (line) => run.out.push(line),
  });
  try {
    await program.parseAsync(["secrets", ...args], { from: "user" });
  } catch (e) {
    run.error = e as Error;
  }
  return run;
}
