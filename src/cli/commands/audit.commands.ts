/**
 * `mmp-gateway audit list`: the audit trail for operators, read straight from the database (whoever
 * runs the CLI holds the database, so every entry is shown, as to an admin user in GraphQL).
 *
 * One entry per line, newest first, tab-separated so scripts can `cut` it:
 *   id  at (ISO 8601 UTC)  actor  account  action  outcome  note  input (JSON)
 * `actor` is "-" for the CLI itself; `note` is the exchange code and message, or the gateway's note.
 * Control characters in any field are printed as \uXXXX escapes (terminal-safe.ts).
 */
import type { Command } from "commander";
import type { AuditRecord } from "../../store/port";
import { openRuntime } from "../runtime";
import { terminalSafe } from "../terminal-safe";

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 10_000;

export function registerAuditCommands(program: Command): void {
  const audit = program.command("audit").description("read the audit log");
  audit
    .command("list")
    .description("print audit entries, newest first: id, at, actor, account, action, outcome, note, input")
    .option("--account <name>", "only this account's entries")
    .option("--limit <n>", `how many entries, 1 to ${MAX_LIMIT}`, String(DEFAULT_LIMIT))
    .action(async (opts: { account?: string; limit: string }) => {
      const limit = parseLimit(opts.limit);
      const rt = await openRuntime();
      try {
        const records = await rt.store.listAudit({
          accountIds: opts.account === undefined ? undefined : [opts.account],
          limit,
        });
        for (const r of records) console.log(formatLine(r));
      } finally {
        await rt.close();
      }
    });
}

function parseLimit(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw new Error(`--limit must be an integer from 1 to ${MAX_LIMIT}, got '${text}'`);
  }
  return n;
}

function formatLine(r: AuditRecord): string {
  const note =
    r.exchangeCode !== null
      ? `${r.exchangeCode} ${r.exchangeMessage ?? ""}`.trim()
      : (r.exchangeMessage ?? "");
  return [
    r.id,
    r.at.toISOString(),
    r.actorName ?? r.actorId ?? "-",
    r.accountId ?? "-",
    r.action,
    r.outcome,
    note || "-",
    r.input,
  ]
    .map((field) => terminalSafe(String(field)))
    .join("\t");
}
