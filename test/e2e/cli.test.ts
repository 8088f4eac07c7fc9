/**
 * The operator's path, as a new user would walk it: the built `mmp-gateway` command adds an account,
 * a user, a team and a grant, then `serve` runs against a strict stand-in for the exchange.
 * Runs dist/ (npm test builds first), so this is the artifact `npx mmp-gateway` runs.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ExchangeSimulator } from "../../src/simulator";
import { generateAccountKeys } from "../../src/simulator/keys";

const CLI = resolve(__dirname, "../../dist/cli/main.js");

let dir: string;
let env: NodeJS.ProcessEnv;
let sim: ExchangeSimulator;
let simUrl: string;
const apiKey = "cliTestKey" + randomBytes(8).toString("hex");
const keys = generateAccountKeys("hmac");

function cli(args: string[], input?: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: dir,
    env: { ...env, ...extraEnv },
    input: input ?? "",
    encoding: "utf8",
    timeout: 20_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mmp-cli-"));
  sim = new ExchangeSimulator();
  simUrl = await sim.start();
  sim.addAccount({ apiKey, keyType: "hmac", secret: keys.secret });
  env = {
    PATH: process.env.PATH,
    DATABASE_URL: "sqlite:./gw.sqlite",
    GATEWAY_MASTER_KEY: randomBytes(32).toString("base64"),
    LOG_LEVEL: "warn",
  };
});

afterAll(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("mmp-gateway CLI", () => {
  let server: ChildProcessWithoutNullStreams | undefined;
  afterEach(() => server?.kill("SIGKILL"));

  it("sets up an account, a user, a team and a grant, then serves signed MMP changes", async () => {
    const add = cli(
      ["account", "add", "desk-a", "--api-key", apiKey, "--base-url", simUrl],
      keys.secret + "\n",
    );
    expect(add).toMatchObject({ code: 0 });
    expect(add.stdout).toContain("desk-a");
    expect(add.stdout + add.stderr).not.toContain(keys.secret);

    const list = cli(["account", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain("desk-a");
    expect(list.stdout).not.toContain(apiKey);

    const user = cli(["user", "add", "alice"]);
    expect(user.code).toBe(0);
    const token = user.stdout.trim().split("\n").pop()!;
    expect(token).toMatch(/^mgw_/);

    for (const args of [
      ["team", "add", "desk-a-traders"],
      ["team", "member", "add", "desk-a-traders", "alice"],
      ["grant", "desk-a-traders", "desk-a", "trader"],
    ]) {
      expect(cli(args)).toMatchObject({ code: 0 });
    }

    server = spawn(process.execPath, [CLI, "serve"], { cwd: dir, env: { ...env, PORT: "0" } });
    const url = await new Promise<string>((resolveUrl, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error("serve did not start")), 15_000);
      server!.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)\/graphql/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolveUrl(m[1]!);
        }
      });
      server!.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`serve exited ${code}`));
      });
    });

    const gql = (t: string) =>
      fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${t}` },
        body: JSON.stringify({
          query: `mutation { setMmpConfig(input: {accountId: "desk-a", underlying: "BTCUSDT", windowTimeInMilliseconds: 3000,
            frozenTimeInMilliseconds: 300000, qtyLimit: "2", deltaLimit: "2.3"}) { qtyLimit deltaLimit underlyingId } }`,
        }),
      });
    const res = await gql(token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      data: { setMmpConfig: { qtyLimit: "2", deltaLimit: "2.3", underlyingId: 2 } },
    });
    expect(sim.requests.filter((r) => r.path === "/eapi/v1/mmpSet" && r.accepted)).toHaveLength(1);

    // a token revoked from the CLI stops working on the running server within a second
    const tokenId = /token id (\S+)/.exec(user.stdout)![1]!;
    expect(cli(["token", "revoke", tokenId]).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await gql(token)).status).toBe(401);

    const exited = new Promise<number | null>((r) => server!.once("exit", (code) => r(code)));
    server.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it.each([
    ["a grant to a missing team", ["grant", "nobody", "desk-a", "trader"], "team 'nobody' does not exist"],
    ["an unknown role", ["grant", "desk-a-traders", "desk-a", "owner"], "role must be one of"],
    ["a duplicate account", ["account", "add", "desk-a", "--api-key", "other"], "already exists"],
    ["an unknown token", ["token", "revoke", "t_nope"], "no live token"],
  ])("fails with one clear line on stderr for %s", (_name, args, message) => {
    const r = cli(args, "somesecretvalue\n");
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });

  it("refuses a master key other than the database's", () => {
    const r = cli(["account", "add", "desk-z", "--api-key", "zzz"], "somesecretvalue\n", {
      GATEWAY_MASTER_KEY: randomBytes(32).toString("base64"),
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("GATEWAY_MASTER_KEY");
  });

  it("names a malformed environment variable and stops", () => {
    const r = cli(["serve"], "", { PORT: "eighty" });
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toMatch(/^mmp-gateway: PORT/);
  });

  it("adds accounts on the other venues; OKX reads its passphrase from the second line of stdin", () => {
    const okx = cli(
      ["account", "add", "desk-okx", "--venue", "okx", "--api-key", "okxKey1"],
      "okx-secret-0123456789\nmy pass phrase\n",
    );
    expect(okx).toMatchObject({ code: 0 });
    expect(okx.stdout).toContain("desk-okx added (okx");
    expect(okx.stdout + okx.stderr).not.toContain("my pass phrase");
    expect(okx.stdout + okx.stderr).not.toContain("okx-secret-0123456789");

    const oneLine = cli(
      ["account", "add", "desk-okx2", "--venue", "okx", "--api-key", "okxKey2"],
      "okx-secret-0123456789\n",
    );
    expect(oneLine.code).not.toBe(0);
    expect(oneLine.stderr).toMatch(/two lines on standard input: the secret, then the passphrase/);

    const deribit = cli(
      ["account", "add", "desk-deribit", "--venue", "deribit", "--api-key", "clientId1"],
      "deribit-secret-0123\n",
    );
    expect(deribit).toMatchObject({ code: 0 });
    const bad = cli(
      ["account", "add", "desk-x", "--venue", "kraken", "--api-key", "k"],
      "secret-0123456789\n",
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--venue must be one of binance, deribit, okx, bybit/);

    const list = cli(["account", "list"]);
    const rows = list.stdout
      .trim()
      .split("\n")
      .map((l) => l.split("\t"));
    expect(rows.find((r) => r[0] === "desk-okx")).toEqual([
      "desk-okx",
      "hmac",
      expect.any(String),
      "(default) https://www.okx.com",
      "okx",
    ]);
    expect(rows.find((r) => r[0] === "desk-deribit")?.[4]).toBe("deribit");
    expect(rows.some((r) => r[0] === "desk-okx2" || r[0] === "desk-x")).toBe(false);
  });
});
