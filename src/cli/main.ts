#!/usr/bin/env node
/**
 * The `mmp-gateway` command. Every failure ends as one line on stderr and a non-zero exit code:
 * operators script these commands, and a stack trace is noise to them (set DEBUG_CLI=1 to see one).
 */
import "reflect-metadata";
import { Command, CommanderError } from "commander";
import { registerAdminCommands } from "./commands/admin.commands";
import { registerAuditCommands } from "./commands/audit.commands";
import { registerServerCommands } from "./commands/server.commands";
import { registerSecretsCommands } from "./commands/secrets.commands";
import { terminalSafe } from "./terminal-safe";

export function buildProgram(): Command {
  const program = new Command("mmp-gateway")
    .description("GraphQL gateway for Binance options Market Maker Protection")
    .showHelpAfterError()
    .exitOverride();
  registerServerCommands(program);
  registerAdminCommands(program);
  registerAuditCommands(program);
  registerSecretsCommands(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander
      process.exitCode = err.exitCode;
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    console.error(`mmp-gateway: ${terminalSafe(message.split("\n")[0] ?? "")}`);
    if (process.env.DEBUG_CLI === "1" && err instanceof Error) console.error(err.stack);
    process.exitCode = 1;
  }
}

if (require.main === module) void main(process.argv);
