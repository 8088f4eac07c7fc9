/**
 * The administration commands (accounts, users, tokens, teams, grants, audit; listed in README.md's CLI
 * section). Each prints a short confirmation; `user add` and
 * `token create` print the new token as the LAST line of stdout so scripts can take it with `tail -1`.
 */
import type { Command } from "commander";
import { VENUES, type KeyType, type Venue } from "../../domain";
import { defaultVenueUrl } from "../../config";
import { hint } from "../../admin/admin.service";
import { readSecretFromStdin } from "../read-secret";
import { openRuntime, type CliRuntime } from "../runtime";
import { terminalSafe } from "../terminal-safe";

async function withRuntime<T>(fn: (rt: CliRuntime) => Promise<T>): Promise<T> {
  const rt = await openRuntime();
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

function notFound(what: string): never {
  throw new Error(what);
}

export function registerAdminCommands(program: Command): void {
  const account = program
    .command("account")
    .description("manage exchange accounts (keys stay inside the gateway)");

  account
    .command("add <name>")
    .description(
      "add an exchange account; the secret (HMAC) or PKCS#8 PEM private key is read from stdin " +
        "(OKX: the secret on the first line, the passphrase on the second)",
    )
    .requiredOption("--api-key <key>", "the exchange API key (Deribit: the client id)")
    .option("--venue <venue>", VENUES.join(" | "), "binance")
    .option("--key-type <type>", "hmac | ed25519 | rsa (Deribit, OKX, Bybit: hmac)", "hmac")
    .option(
      "--base-url <url>",
      "exchange REST base URL for this account, e.g. a testnet (default: the venue's " +
        "BINANCE_EAPI_URL, DERIBIT_URL, OKX_URL or BYBIT_URL)",
    )
    .action(
      async (name: string, opts: { apiKey: string; venue: string; keyType: string; baseUrl?: string }) => {
        const venue = parseVenue(opts.venue);
        const input = await readSecretFromStdin(
          venue === "okx"
            ? "API secret, newline, passphrase: "
            : opts.keyType === "hmac"
              ? "API secret: "
              : "PKCS#8 PEM private key: ",
        );
        const { secret, passphrase } = venue === "okx" ? splitOkxInput(input) : { secret: input };
        await withRuntime(async (rt) => {
          const admin = rt.admin();
          const a = await admin.addAccount({
            name,
            apiKey: opts.apiKey,
            keyType: opts.keyType as KeyType,
            venue,
            baseUrl: opts.baseUrl ?? null,
            secret,
            passphrase,
          });
          console.log(
            `account ${a.id} added (${a.venue}, ${a.keyType}, key ${hint(a.apiKey)}, ` +
              `${a.baseUrl ?? defaultVenueUrl(rt.config, a.venue)})`,
          );
        });
      },
    );

  account
    .command("list")
    .description("list exchange accounts (never their secrets)")
    .action(() =>
      withRuntime(async (rt) => {
        const accounts = await rt.store.listAccounts();
        for (const a of accounts) {
          const fields = [
            a.id,
            a.keyType,
            hint(a.apiKey),
            a.baseUrl ?? `(default) ${defaultVenueUrl(rt.config, a.venue)}`,
            a.venue,
          ];
          console.log(fields.map(terminalSafe).join("\t"));
        }
      }),
    );

  account
    .command("remove <name>")
    .description("remove an exchange account and its grants")
    .action((name: string) =>
      withRuntime(async (rt) => {
        if (!(await rt.admin().removeAccount(name))) notFound(`account '${name}' does not exist`);
        console.log(`account ${name} removed`);
      }),
    );

  account
    .command("rotate-key <name>")
    .description(
      "replace an account's API key; the new secret or private key is read from stdin " +
        "(OKX: the secret on the first line, the passphrase on the second)",
    )
    .requiredOption("--api-key <key>", "the new exchange API key")
    .action(async (name: string, opts: { apiKey: string }) => {
      const input = await readSecretFromStdin("new secret (OKX: newline, then passphrase): ");
      await withRuntime(async (rt) => {
        const account = await rt.store.getAccount(name);
        const { secret, passphrase } =
          account?.venue === "okx" ? splitOkxInput(input) : { secret: input, passphrase: undefined };
        await rt.admin().rotateAccountKey(name, opts.apiKey, secret, passphrase);
        console.log(`account ${name} now uses key ${hint(opts.apiKey)}`);
      });
    });

  const user = program.command("user").description("manage gateway users");
  user
    .command("add <name>")
    .description("create a user; prints a new API token as the last line")
    .option("--admin", "the user manages users, teams and accounts", false)
    .action((name: string, opts: { admin: boolean }) =>
      withRuntime(async (rt) => {
        const { user: u, tokenRecord, token } = await rt.admin().addUser(name, opts.admin);
        console.log(`user ${u.name} added${u.admin ? " (admin)" : ""}; token id ${tokenRecord.id}`);
        console.log(token);
      }),
    );

  const token = program.command("token").description("manage API tokens");
  token
    .command("create <user>")
    .description("issue a new API token for a user; prints it as the last line")
    .action((userName: string) =>
      withRuntime(async (rt) => {
        const { tokenRecord, token: t } = await rt.admin().createToken(userName);
        console.log(`token id ${tokenRecord.id} for ${userName}`);
        console.log(t);
      }),
    );
  token
    .command("revoke <token-id>")
    .description("revoke a token; it stops working within a second")
    .action((tokenId: string) =>
      withRuntime(async (rt) => {
        if (!(await rt.admin().revokeToken(tokenId))) notFound(`no live token with id '${tokenId}'`);
        console.log(`token ${tokenId} revoked`);
      }),
    );

  const team = program.command("team").description("manage teams");
  team
    .command("add <name>")
    .description("create a team")
    .action((name: string) =>
      withRuntime(async (rt) => {
        await rt.admin().addTeam(name);
        console.log(`team ${name} added`);
      }),
    );
  const member = team.command("member").description("manage team membership");
  member
    .command("add <team> <user>")
    .description("add a user to a team")
    .action((teamName: string, userName: string) =>
      withRuntime(async (rt) => {
        await rt.admin().addMember(teamName, userName);
        console.log(`${userName} is now a member of ${teamName}`);
      }),
    );
  member
    .command("remove <team> <user>")
    .description("remove a user from a team")
    .action((teamName: string, userName: string) =>
      withRuntime(async (rt) => {
        if (!(await rt.admin().removeMember(teamName, userName))) {
          notFound(`${userName} is not a member of ${teamName}`);
        }
        console.log(`${userName} removed from ${teamName}`);
      }),
    );

  program
    .command("grant <team> <account> <role>")
    .description("give a team a role (viewer | trader | admin) on an account, replacing any previous one")
    .action((teamName: string, accountId: string, role: string) =>
      withRuntime(async (rt) => {
        await rt.admin().grant(teamName, accountId, role);
        console.log(`${teamName} is ${role} on ${accountId}`);
      }),
    );
  program
    .command("revoke <team> <account>")
    .description("remove a team's role on an account")
    .action((teamName: string, accountId: string) =>
      withRuntime(async (rt) => {
        if (!(await rt.admin().revoke(teamName, accountId))) {
          notFound(`${teamName} has no role on ${accountId}`);
        }
        console.log(`${teamName} no longer has a role on ${accountId}`);
      }),
    );
}

function parseVenue(raw: string): Venue {
  const venue = VENUES.find((v) => v === raw.toLowerCase());
  if (!venue) throw new Error(`--venue must be one of ${VENUES.join(", ")}`);
  return venue;
}

/** OKX keys come with a passphrase: the secret on the first line of standard input, it on the second. */
function splitOkxInput(input: string): { secret: string; passphrase: string } {
  const [secret = "", passphrase = "", ...rest] = input.split(/\r?\n/);
  if (passphrase === "" || rest.some((l) => l.trim() !== "")) {
    throw new Error("an OKX key needs two lines on standard input: the secret, then the passphrase");
  }
  return { secret, passphrase };
}
