/**
 * What a hostile but authenticated user tried against the gateway over HTTP, one block per
 * attack. Each test fails on the gateway before its fix.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openStore } from "../../src/store/open-store";
import { accountBinding, openSealer } from "../../src/secrets";
import { startHarness, type Harness } from "../helpers/harness";

const CLI = resolve(__dirname, "../../dist/cli/main.js");
/** what a terminal must never receive from stored data: every control character except the separators */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const SET = `mutation Set($input: SetMmpConfigInput!) {
  setMmpConfig(input: $input) { frozenTimeInMilliseconds }
}`;

const READ = `query Read($accountId: ID!, $underlying: String!) {
  mmpConfig(accountId: $accountId, underlying: $underlying) { frozen frozenUntil lastTriggerTime }
}`;

const ADD_ACCOUNT = `mutation Add($input: AddExchangeAccountInput!) {
  addExchangeAccount(input: $input) { id }
}`;

const BULK = `mutation Bulk($inputs: [SetMmpConfigInput!]!) {
  setMmpConfigs(inputs: $inputs) { __typename ... on MmpConfigError { accountId code } }
}`;

function item(accountId: string, patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    accountId,
    underlying: "BTCUSDT",
    windowTimeInMilliseconds: 3000,
    frozenTimeInMilliseconds: 300000,
    qtyLimit: "2",
    deltaLimit: "2.3",
    ...patch,
  };
}

describe("a hostile authenticated user", () => {
  let h: Harness;
  /** a user with no team and no role on any account */
  let mallory: string;

  beforeAll(async () => {
    // as deployed: production mode, introspection off
    // short HTTP timeouts, so that the slow-client tests wait seconds, not the defaults
    h = await startHarness({
      env: { NODE_ENV: "production" },
      config: { httpTimeouts: { headersTimeoutMs: 1000, requestTimeoutMs: 2000 } },
    });
    mallory = (await h.admin.addUser("mallory", false)).token;
    await h.gateway.refreshCaches();
  });
  afterAll(async () => {
    await h?.stop();
  });
  beforeEach(() => h.sim.clearRequests());

  describe("audit pollution through setMmpConfigs refusals", () => {
    it("files refusals for accounts the caller cannot see under no account, and never creates history", async () => {
      const before = await h.audit("desk-b", 100);
      const inputs = [
        ...Array.from({ length: 20 }, (_, i) => item("desk-b", { underlying: `FAKE${i}USDT` })),
        item("not-yet-created"),
      ];
      const res = await h.gql<{ setMmpConfigs: { code: string }[] }>(mallory, BULK, { inputs });
      expect(res.body.data?.setMmpConfigs.every((r) => r.code === "FORBIDDEN")).toBe(true);

      expect(await h.audit("desk-b", 100)).toEqual(before);
      expect(await h.audit("not-yet-created", 100)).toEqual([]);
      const mine = (await h.gateway.store.listAudit({ limit: 100 })).filter((r) => r.actorName === "mallory");
      expect(mine).toHaveLength(inputs.length);
      expect(mine.every((r) => r.accountId === null && r.outcome === "FAILED")).toBe(true);
    });

    it("still files a refusal under an account the caller can see", async () => {
      const res = await h.gql<{ setMmpConfigs: { code: string }[] }>(h.tokens.rita, BULK, {
        inputs: [item("desk-a")],
      });
      expect(res.body.data?.setMmpConfigs[0]?.code).toBe("FORBIDDEN");
      const [latest] = await h.audit("desk-a", 1);
      expect(latest).toMatchObject({ actorName: "rita", outcome: "FAILED", accountId: "desk-a" });
    });
  });

  describe("64-bit overflow of frozenUntil", () => {
    it.each(["9223372036854775807", "2147483648"])(
      "refuses frozenTimeInMilliseconds %s with BAD_USER_INPUT and sends nothing",
      async (frozen) => {
        const res = await h.gql(h.tokens.alice, SET, {
          input: item("desk-a", { frozenTimeInMilliseconds: frozen }),
        });
        expect(res.body.errors?.[0]?.extensions).toMatchObject({
          code: "BAD_USER_INPUT",
          field: "frozenTimeInMilliseconds",
        });
        expect(h.sim.requests.filter((r) => r.path === "/eapi/v1/mmpSet")).toHaveLength(0);
      },
    );

    it("accepts the longest frozen time, and a trigger the sum of which passes 2^63 still reads", async () => {
      const set = await h.gql(h.tokens.alice, SET, {
        input: item("desk-a", { underlying: "ETHUSDT", frozenTimeInMilliseconds: 2147483647 }),
      });
      expect(set.body.errors).toBeUndefined();
      // an exchange answer the gateway does not control: a trigger time near the end of 64 bits
      h.sim.trigger(h.apiKey("desk-a"), "ETHUSDT", 9_223_372_036_854_000_000);
      const read = await h.gql(h.tokens.rita, READ, { accountId: "desk-a", underlying: "ETHUSDT" });
      expect(read.body.errors).toBeUndefined();
      expect(read.body.data).toEqual({
        mmpConfig: {
          frozen: true,
          frozenUntil: "9223372036854775807",
          lastTriggerTime: "9223372036854000000",
        },
      });
    });
  });

  describe("credentials and schemes in an account's base URL", () => {
    it.each([
      ["credentials", (sim: string) => sim.replace("http://", "http://user:hunter2pass@")],
      ["a user name alone", (sim: string) => sim.replace("http://", "http://hunter2pass@")],
      ["plain http to another host", () => "http://eapi.binance.com"],
      ["another scheme", () => "ftp://127.0.0.1/"],
    ])("refuses %s with BAD_USER_INPUT on baseUrl, storing nothing", async (_what, url) => {
      const res = await h.gql(h.tokens.root, ADD_ACCOUNT, {
        input: {
          name: "sneaky",
          apiKey: "k1234",
          baseUrl: url(h.config.binanceEapiUrl),
          secret: "a-secret-123",
        },
      });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "baseUrl" });
      expect(res.body.errors?.[0]?.message).not.toContain("hunter2pass");
      expect(await h.gateway.store.getAccount("sneaky")).toBeNull();
      expect(await h.databaseText()).not.toContain("hunter2pass");
    });

    it("keeps an https base URL, without a trailing slash", async () => {
      const res = await h.gql(h.tokens.root, ADD_ACCOUNT, {
        input: {
          name: "desk-t",
          apiKey: "k1234",
          baseUrl: "https://testnet.binancefuture.com/",
          secret: "a-secret-123",
        },
      });
      expect(res.body.errors).toBeUndefined();
      expect((await h.gateway.store.getAccount("desk-t"))?.baseUrl).toBe("https://testnet.binancefuture.com");
    });

    it("never counts a request that could not be sent against the host's circuit", async () => {
      // an account stored before base URLs were checked: its every call is refused before sending
      const sealer = await openSealer(h.gateway.store, h.masterKey);
      await h.gateway.store.addAccount({
        id: "legacy",
        apiKey: "legacyKey000000000000000000000001",
        keyType: "hmac",
        baseUrl: h.config.binanceEapiUrl.replace("http://", "http://user:pass@"),
        secretSealed: sealer.seal("legacy-secret-0001", accountBinding("legacy")),
      });
      await h.admin.grant("desk-a", "legacy", "trader");
      await h.gateway.refreshCaches();
      for (let i = 0; i < h.config.exchange.circuitFailures + 2; i++) {
        const refused = await h.gql(h.tokens.alice, SET, { input: item("legacy") });
        expect(refused.body.errors?.[0]?.extensions?.code).toBe("EXCHANGE_UNAVAILABLE");
      }
      const other = await h.gql(h.tokens.alice, SET, { input: item("desk-a") });
      expect(other.body.errors).toBeUndefined();
    });
  });

  describe("terminal injection through the CLI listings", () => {
    const hostile = "\u001b[2J\u001b]0;pwned\u0007\u009b31m\u202eX\tY\r\n";

    function cli(args: string[]) {
      return spawnSync(process.execPath, [CLI, ...args], {
        env: { PATH: process.env.PATH, DATABASE_URL: h.databaseUrl, LOG_LEVEL: "warn" },
        encoding: "utf8",
        timeout: 20_000,
      });
    }

    it("escapes every control character `audit list` would print", async () => {
      // a trader's refused item: its underlying is quoted in the refusal, its account id kept in the input
      await h.gql(h.tokens.alice, BULK, {
        inputs: [item("desk-a", { underlying: hostile }), item(`x${hostile}`)],
      });
      const listed = cli(["audit", "list", "--limit", "5"]);
      expect(listed.status).toBe(0);
      const lines = listed.stdout.split("\n").slice(0, -1);
      expect(lines).toHaveLength(5);
      for (const line of lines) {
        expect(line).not.toMatch(CONTROL);
        expect(line.split("\t")).toHaveLength(8);
      }
      expect(listed.stdout).toContain("\\u001b[2J");
      // the input column is still JSON, and reads back as what was sent
      const inputs = lines.map(
        (l) => JSON.parse(l.split("\t")[7]!) as { accountId: string; underlying: string },
      );
      expect(inputs.some((i) => i.underlying === hostile)).toBe(true);
    });

    it("escapes them in `account list` and in error lines", async () => {
      const sealer = await openSealer(h.gateway.store, h.masterKey);
      await h.gateway.store.addAccount({
        id: `evil${hostile}`,
        apiKey: "evilKey0000000000000000000000001",
        keyType: "hmac",
        baseUrl: `https://x.test/${hostile}`,
        secretSealed: sealer.seal("evil-secret-0001", accountBinding(`evil${hostile}`)),
      });
      const listed = cli(["account", "list"]);
      expect(listed.status).toBe(0);
      expect(listed.stdout.split("\n").some((l) => l.startsWith("evil\\u001b"))).toBe(true);
      expect(listed.stdout).not.toMatch(CONTROL);

      const failed = cli(["account", "remove", `nobody${hostile}`]);
      expect(failed.status).not.toBe(0);
      expect(failed.stderr).toContain("nobody\\u001b");
      expect(failed.stderr.trimEnd()).not.toMatch(CONTROL);
    });
  });

  describe("Decimals in exponent form", () => {
    it.each([
      ["qtyLimit", 1e21],
      ["deltaLimit", 1e-7],
      ["qtyLimit", "1e3"],
    ])("refuses %s %p with BAD_USER_INPUT naming the field and sends nothing", async (field, value) => {
      const res = await h.gql(h.tokens.alice, SET, { input: item("desk-a", { [field]: value }) });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
      expect(h.sim.requests.filter((r) => r.path === "/eapi/v1/mmpSet")).toHaveLength(0);
    });
  });

  describe("schema hints in production", () => {
    const GRANT = `mutation Grant($role: Role!) {
      grantRole(team: "desk-a", accountId: "desk-a", role: $role) { role }
    }`;
    const GRANT_LITERAL = `mutation { grantRole(team: "desk-a", accountId: "desk-a", role: ADMN) { role } }`;

    it("masks enum suggestions in the query text and in variables", async () => {
      const literal = await h.gql(mallory, GRANT_LITERAL);
      const variable = await h.gql(mallory, GRANT, { role: "ADMN" });
      for (const res of [literal, variable]) {
        const message = res.body.errors?.[0]?.message ?? "";
        expect(message).toMatch(/ADMN/);
        expect(message).not.toMatch(/ADMIN|Did you mean/);
      }
    });

    it("masks field suggestions too", async () => {
      const res = await h.gql(mallory, "{ me { nam } }");
      expect(res.body.errors?.[0]?.message).not.toMatch(/Did you mean|"name"/);
    });
  });

  describe("files at rest", () => {
    const mode = (path: string) => statSync(path).mode & 0o777;

    it("keeps the running gateway's SQLite file and its -wal/-shm owner-only", async () => {
      await h.gql(h.tokens.alice, SET, { input: item("desk-a") });
      for (const suffix of ["", "-wal", "-shm"]) {
        const path = `${h.dbFile}${suffix}`;
        if (suffix === "" || existsSync(path)) expect([path, mode(path)]).toEqual([path, 0o600]);
      }
    });

    it("creates them owner-only even with a umask of 000", async () => {
      const dir = mkdtempSync(join(tmpdir(), "mmp-umask-"));
      const previous = process.umask(0);
      try {
        const store = openStore(`sqlite:${join(dir, "g.sqlite")}`);
        await store.migrate();
        await store.addTeam("t1");
        for (const name of ["g.sqlite", "g.sqlite-wal", "g.sqlite-shm"]) {
          expect([name, mode(join(dir, name))]).toEqual([name, 0o600]);
        }
        await store.close();
      } finally {
        process.umask(previous);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("slow clients", () => {
    interface Outcome {
      /** what the server sent before closing */
      received: string;
      /** ms from connecting until the server closed the connection */
      closedAfterMs: number;
    }

    /** Sends `head`, then `trickle` one byte every `everyMs`, until the server closes the connection. */
    function slowRequest(head: string, trickle = "", everyMs = 300): Promise<Outcome> {
      const { port, hostname } = new URL(h.url);
      return new Promise((resolveOutcome, reject) => {
        const started = Date.now();
        const socket = connect(Number(port), hostname);
        let received = "";
        let sent = 0;
        const timer = setInterval(() => {
          if (sent < trickle.length) socket.write(trickle[sent++]!);
        }, everyMs);
        socket.on("data", (d: Buffer) => (received += d.toString("latin1")));
        socket.on("error", () => undefined);
        socket.on("close", () => {
          clearInterval(timer);
          resolveOutcome({ received, closedAfterMs: Date.now() - started });
        });
        socket.write(head);
        setTimeout(() => reject(new Error("the server kept the connection open")), 15_000).unref();
      });
    }

    const body = JSON.stringify({ query: "{ me { name } }" });
    const head = (authorization: string) =>
      "POST /graphql HTTP/1.1\r\nHost: gateway\r\ncontent-type: application/json\r\n" +
      `${authorization}content-length: ${body.length}\r\n\r\n`;

    it("closes a connection whose headers stall, within seconds", async () => {
      const outcome = await slowRequest("POST /graphql HTTP/1.1\r\nHost: gateway\r\n");
      expect(outcome.closedAfterMs).toBeLessThan(4000);
    });

    it("answers 401 without waiting for the body of a caller without a valid token", async () => {
      const outcome = await slowRequest(head("authorization: Bearer mgw_nope\r\n"));
      expect(outcome.received).toMatch(/^HTTP\/1\.1 401/);
      expect(outcome.received).toContain("UNAUTHENTICATED");
      expect(outcome.closedAfterMs).toBeLessThan(1000);
    });

    it("closes a known caller's connection whose body trickles, at the request timeout", async () => {
      const outcome = await slowRequest(head(`authorization: Bearer ${mallory}\r\n`), body);
      expect(outcome.received).toMatch(/^HTTP\/1\.1 408/);
      expect(outcome.closedAfterMs).toBeGreaterThanOrEqual(1900);
      expect(outcome.closedAfterMs).toBeLessThan(4000);
    });

    it("still serves a request that arrives in time", async () => {
      const res = await h.gql(mallory, "{ me { name } }");
      expect(res.body.data).toEqual({ me: { name: "mallory" } });
    });
  });
});
