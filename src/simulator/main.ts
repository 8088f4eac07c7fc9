/**
 * Standalone runner: starts the simulator with accounts from a JSON file (an array of
 * SimulatorAccount) and prints where it listens. The CLI wires it in; it also runs directly:
 *   node dist/simulator/main.js --port 9090 [--host 127.0.0.1] [--accounts accounts.json]
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { generateAccountKeys } from "./keys";
import { ExchangeSimulator } from "./server";
import type { SimulatorAccount } from "./types";

export interface SimulatorCliOptions {
  port: number;
  host: string;
  /** JSON file: an array of SimulatorAccount; without it one HMAC account is generated and printed */
  accountsFile?: string;
  /** where to print; default process.stdout */
  out?: { write(s: string): unknown };
}

const accountSchema = z
  .object({
    apiKey: z.string().min(1),
    keyType: z.enum(["hmac", "ed25519", "rsa"]),
    secret: z.string().min(1).optional(),
    publicKeyPem: z.string().min(1).optional(),
    mmpEnabled: z.boolean().optional(),
  })
  .strict();
const accountsSchema = z.array(accountSchema);

export async function loadAccountsFile(file: string): Promise<SimulatorAccount[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new Error(`cannot read accounts file ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`accounts file ${file} is not JSON: ${(e as Error).message}`);
  }
  const parsed = accountsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `accounts file ${file}: expected an array of {apiKey, keyType, secret | publicKeyPem, mmpEnabled?}` +
        (issue ? ` (at ${issue.path.join(".") || "top level"}: ${issue.message})` : ""),
    );
  }
  return parsed.data;
}

/** Starts the simulator and resolves it once listening; the caller stops it (e.g. on SIGINT). */
export async function runSimulatorFromCli(opts: SimulatorCliOptions): Promise<ExchangeSimulator> {
  const out = opts.out ?? process.stdout;
  const lines: string[] = [];
  let accounts: SimulatorAccount[];
  if (opts.accountsFile !== undefined) {
    accounts = await loadAccountsFile(opts.accountsFile);
  } else {
    // Without accounts no signed call can succeed, so a person trying it out gets one ready to use.
    // These keys only open this simulator; printing them is the point.
    const k = generateAccountKeys("hmac");
    accounts = [{ apiKey: k.apiKey, keyType: "hmac", secret: k.secret }];
    lines.push("no accounts file given; generated an HMAC account for this simulator only:");
    lines.push(`  api key: ${k.apiKey}`);
    lines.push(`  secret:  ${k.secret}`);
  }
  const sim = new ExchangeSimulator({ host: opts.host, port: opts.port, accounts });
  const url = await sim.start();
  lines.unshift(`Binance eapi simulator with ${accounts.length} account(s)`);
  lines.push(`listening on ${url}`);
  out.write(lines.join("\n") + "\n");
  return sim;
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const port = Number(argValue(argv, "--port") ?? "0");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write("--port must be an integer in 0..65535\n");
    process.exit(2);
  }
  runSimulatorFromCli({
    port,
    host: argValue(argv, "--host") ?? "127.0.0.1",
    accountsFile: argValue(argv, "--accounts"),
  }).then(
    (sim) => {
      const shutdown = (): void => void sim.stop().then(() => process.exit(0));
      process.once("SIGINT", shutdown);
      process.once("SIGTERM", shutdown);
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
