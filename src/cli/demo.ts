/**
 * `npm run demo`: the whole gateway against the built-in simulator, on a fresh SQLite file, seeded with
 * two desks, a risk team and an admin, so a newcomer can open the console (or paste one curl) and see MMP
 * being set.
 */
import { mkdtempSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../config";
import { startGateway, type Gateway } from "../app";
import { AdminService } from "../admin/admin.service";
import { openStore } from "../store/open-store";
import { openSealer } from "../secrets";
import { ExchangeSimulator } from "../simulator";
import { generateAccountKeys } from "../simulator/keys";
import type { KeyType, Role, Venue } from "../domain";
import { VenueSimulators } from "../simulator/venue-simulators";
import { startVenueControl } from "../simulator/venue-control";

export interface DemoSeed {
  tokens: Record<string, string>;
  /** what was seeded, secrets included: for tests that prove secrets never leak; never printed */
  accounts: {
    name: string;
    keyType: KeyType;
    venue: Venue;
    apiKey: string;
    secret: string;
    passphrase?: string;
  }[];
}

interface DemoAccount {
  name: string;
  keyType: KeyType;
}

const ACCOUNTS: DemoAccount[] = [
  { name: "desk-a", keyType: "hmac" },
  { name: "desk-b", keyType: "ed25519" },
  { name: "desk-b-rsa", keyType: "rsa" },
];

const TEAMS: { team: string; members: string[]; grants: [string, Role][] }[] = [
  { team: "desk-a", members: ["alice"], grants: [["desk-a", "trader"]] },
  {
    team: "desk-b",
    members: ["bob"],
    grants: [
      ["desk-b", "trader"],
      ["desk-b-rsa", "trader"],
    ],
  },
  {
    team: "risk",
    members: ["rita"],
    grants: [
      ["desk-a", "viewer"],
      ["desk-b", "viewer"],
      ["desk-b-rsa", "viewer"],
    ],
  },
  {
    team: "ops",
    members: ["root"],
    grants: [
      ["desk-a", "admin"],
      ["desk-b", "admin"],
      ["desk-b-rsa", "admin"],
    ],
  },
];

const VENUE_ACCOUNT_GRANTS: [string, Role][] = [
  ["desk-a", "trader"],
  ["risk", "viewer"],
  ["ops", "admin"],
];

const USERS: { name: string; admin: boolean; what: string }[] = [
  {
    name: "alice",
    admin: false,
    what: "trader on desk-a (Binance), desk-a-deribit, desk-a-okx and desk-a-bybit",
  },
  { name: "bob", admin: false, what: "trader on desk-b and desk-b-rsa" },
  { name: "rita", admin: false, what: "risk: viewer on every account" },
  { name: "root", admin: true, what: "admin user, admin role on every account" },
];

/**
 * Seeds accounts (registered with the simulator too), users, teams and grants; returns the tokens.
 * With `venues`, desk-a also gets an account on each simulated venue (`desk-a-bybit`, …): trader for
 * desk-a, viewer for risk, admin for ops.
 */
export async function seedDemo(
  admin: AdminService,
  sim: ExchangeSimulator,
  baseUrl: string,
  venues?: VenueSimulators,
): Promise<DemoSeed> {
  const accounts: DemoSeed["accounts"] = [];
  for (const [i, a] of ACCOUNTS.entries()) {
    const keys = generateAccountKeys(a.keyType);
    const apiKey = `demo${i}${randomBytes(30).toString("hex")}`;
    sim.addAccount({ apiKey, keyType: a.keyType, secret: keys.secret, publicKeyPem: keys.publicKeyPem });
    await admin.addAccount({ name: a.name, apiKey, keyType: a.keyType, baseUrl, secret: keys.secret });
    accounts.push({ name: a.name, keyType: a.keyType, venue: "binance", apiKey, secret: keys.secret });
  }
  const tokens: Record<string, string> = {};
  for (const u of USERS) tokens[u.name] = (await admin.addUser(u.name, u.admin)).token;
  for (const t of TEAMS) {
    await admin.addTeam(t.team);
    for (const m of t.members) await admin.addMember(t.team, m);
    for (const [account, role] of t.grants) await admin.grant(t.team, account, role);
  }
  for (const venue of venues?.venues ?? []) {
    const keys = venues!.newAccount(venue);
    const name = `desk-a-${venue}`;
    await admin.addAccount({ name, venue, keyType: "hmac", baseUrl: venues!.url(venue), ...keys });
    accounts.push({ name, keyType: "hmac", venue, ...keys });
    for (const [team, role] of VENUE_ACCOUNT_GRANTS) await admin.grant(team, name, role);
  }
  return { tokens, accounts };
}

export async function runDemo(): Promise<{ gateway: Gateway; stop: () => Promise<void> }> {
  const base = loadConfig();
  const sim = new ExchangeSimulator({ controlRoutes: true });
  const simUrl = await sim.start();
  const venues = new VenueSimulators();
  await venues.start();
  const control = await startVenueControl(venues);

  // A fresh database and master key per run: the demo never touches a real deployment's data.
  const dir = mkdtempSync(join(tmpdir(), "mmp-gateway-demo-"));
  const databaseUrl = `sqlite:${join(dir, "gateway.sqlite")}`;
  const masterKey = randomBytes(32).toString("base64");
  const config = { ...base, databaseUrl, masterKey, binanceEapiUrl: simUrl };

  const store = openStore(databaseUrl);
  await store.migrate();
  const admin = new AdminService(store, () => openSealer(store, masterKey));
  const { tokens, accounts } = await seedDemo(admin, sim, simUrl, venues);
  await store.close();

  const gateway = await startGateway({ config });
  const deskA = accounts.find((a) => a.name === "desk-a")!;
  const deribit = accounts.find((a) => a.name === "desk-a-deribit")!;
  printWelcome(gateway.url, simUrl, dir, tokens, deskA.apiKey, venues, [
    "Make a simulated venue trigger MMP (after setting it there), e.g. Deribit's btc_usd: Deribit pushes",
    "its triggers, so the TRIGGERED event arrives at once:",
    `  curl -s -X POST '${control.url}/trigger?venue=deribit&apiKey=${deribit.apiKey}&underlying=btc_usd'`,
    "",
  ]);
  return {
    gateway,
    stop: async () => {
      await gateway.stop();
      await sim.stop();
      await control.stop();
      await venues.stop();
    },
  };
}

/** A one-line subscriber with the gateway's own graphql-ws and ws packages: prints each event as JSON. */
function subscriptionClient(url: string, token: string): string {
  const query =
    "subscription { mmpEvents { kind accountId underlying at actor config { qtyLimit deltaLimit frozen observedAt } } }";
  return (
    `const {createClient}=require("graphql-ws");` +
    `createClient({url:"${url.replace(/^http/, "ws")}/graphql",webSocketImpl:require("ws"),` +
    `connectionParams:{authorization:"Bearer ${token}"}})` +
    `.subscribe({query:"${query}"},{next:(r)=>console.log(JSON.stringify(r)),error:(e)=>console.error(e),complete:()=>{}})`
  );
}

function printWelcome(
  url: string,
  simUrl: string,
  dir: string,
  tokens: Record<string, string>,
  deskAApiKey: string,
  venues: VenueSimulators,
  venueLines: string[],
): void {
  const mutation =
    'mutation { setMmpConfig(input: {accountId: \\"desk-a\\", underlying: \\"BTCUSDT\\", windowTimeInMilliseconds: 3000, ' +
    'frozenTimeInMilliseconds: 300000, qtyLimit: \\"2\\", deltaLimit: \\"2.3\\"}) { accountId underlying underlyingId ' +
    "windowTimeInMilliseconds frozenTimeInMilliseconds qtyLimit deltaLimit lastTriggerTime } }";
  const lines = [
    "",
    "mmp-gateway demo",
    `  Console:    ${url}/console/   (open it in a browser, paste a token below into "API token")`,
    `  GraphiQL:   ${url}/console/graphiql`,
    `  GraphQL:    ${url}/graphql`,
    `  simulator:  ${simUrl} (a built-in stand-in for Binance options)`,
    ...venues.venues.map((v) => `  ${v.padEnd(10)}  ${venues.url(v)} (simulated; account desk-a-${v})`),
    `  database:   ${join(dir, "gateway.sqlite")}`,
    "",
    "Users and their API tokens:",
    ...USERS.map((u) => `  ${u.name.padEnd(6)} ${u.what}\n         ${tokens[u.name]}`),
    "",
    "Try it (alice sets MMP on desk-a):",
    `  curl -s ${url}/graphql -H 'Content-Type: application/json' \\`,
    `    -H 'Authorization: Bearer ${tokens.alice}' \\`,
    `    -d '{"query": "${mutation}"}'`,
    "",
    "The same mutation on the other venues, each with its own scope key and limits (see docs/venues.md):",
    '  Deribit: {accountId: "desk-a-deribit", underlying: "btc_usd", windowTimeInMilliseconds: 5000, frozenTimeInMilliseconds: 60000, qtyLimit: "2.5", maxQuoteQuantity: "3"}',
    '  OKX:     {accountId: "desk-a-okx", underlying: "BTC-USD", windowTimeInMilliseconds: 5000, frozenTimeInMilliseconds: 60000, qtyLimit: "100"}',
    '  Bybit:   {accountId: "desk-a-bybit", underlying: "BTC", windowTimeInMilliseconds: 5000, frozenTimeInMilliseconds: 60000, qtyLimit: "5", deltaLimit: "2.5"}',
    "",
    "Watch MMP events live (rita, risk viewer; graphql-ws over WebSocket, in another terminal, from this folder):",
    `  node -e '${subscriptionClient(url, tokens.rita ?? "")}'`,
    "",
    "Make the simulator trigger MMP on desk-a BTCUSDT (after setting it): a TRIGGERED event arrives within",
    "one poll interval; then read and reset it (a RESET event):",
    `  curl -s -X POST '${simUrl}/__simulator/trigger?apiKey=${deskAApiKey}&underlying=BTCUSDT'`,
    `  query:    { mmpConfig(accountId: "desk-a", underlying: "BTCUSDT") { frozen frozenUntil lastTriggerTime observedAt } }`,
    `  mutation: mutation { resetMmp(input: {accountId: "desk-a", underlying: "BTCUSDT"}) { frozen } }`,
    "",
    "Change a limit as the exchange's own UI would (a CHANGED_OUTSIDE_GATEWAY event, and an audit record):",
    `  curl -s -X POST '${simUrl}/__simulator/outside-change?apiKey=${deskAApiKey}&underlying=BTCUSDT&windowTimeInMilliseconds=4000&frozenTimeInMilliseconds=0&qtyLimit=9&deltaLimit=1'`,
    "",
    ...venueLines,
    "Press Ctrl-C to stop.",
    "",
  ];
  console.log(lines.join("\n"));
}
