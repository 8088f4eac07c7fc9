/**
 * The operator console (console/, served at /console/) in a real browser: Debian's Chromium driven by
 * playwright-core. Elements are found as a user finds them, by role and accessible name. One browser,
 * one gateway (poller on), a page per user; every page is watched for requests to any host but
 * loopback, Content-Security-Policy violations and uncaught errors.
 *
 * Needs `npm run build` first (npm test does it) and Chromium: `apt-get install -y chromium fonts-liberation`.
 * The screenshots in docs/ (console-*.png) are taken by this run.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { startHarness, type Harness } from "../helpers/harness";
import { startIdentityProvider } from "../helpers/oidc-provider";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const INSTALL = "apt-get install -y chromium fonts-liberation";
const CONSOLE_DIR = join(__dirname, "..", "..", "dist", "console");
const DOCS = join(__dirname, "..", "..", "docs");
// generous: npm test runs other suites beside this one on few cores
const WAIT = { timeout: 15_000 };

jest.setTimeout(90_000);

describe("operator console (real browser)", () => {
  let h: Harness;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** what no page may do: leave loopback, violate the CSP, throw */
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is missing at ${CHROMIUM} (CHROMIUM_PATH). Install it with: ${INSTALL}`);
    }
    if (!existsSync(join(CONSOLE_DIR, "index.html"))) {
      throw new Error(`the console is not built (${CONSOLE_DIR}): run npm run build`);
    }
    [h, browser] = await Promise.all([
      startHarness({
        config: {
          live: { pollIntervalMs: 150, readMaxAgeMs: 1000, readWeightShare: 0.5, leaderTtlMs: 5000 },
        },
      }),
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
        ],
      }),
    ]);
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await h?.stop();
  });

  /** a fresh tab (own sessionStorage), watched for foreign requests, CSP violations and errors */
  async function newPage(width = 1280, height = 900): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height } });
    contexts.push(context);
    const page = await context.newPage();
    page.on("request", (r) => {
      const host = new URL(r.url()).hostname;
      if (!["127.0.0.1", "localhost", "[::1]"].includes(host)) problems.push(`request to ${r.url()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message} ${e.stack ?? ""}`));
    page.on("console", (m) => {
      const text = m.text();
      if (process.env.CONSOLE_DEBUG) console.log(`[${m.type()}] ${text}`);
      if (/Content.Security.Policy|Refused to/i.test(text)) problems.push(`CSP: ${text}`);
    });
    // (page code as strings: the test's tsconfig has no DOM types)
    await page.addInitScript({
      content: `document.addEventListener("securitypolicyviolation", (e) =>
        console.error("Content-Security-Policy violation: " + e.violatedDirective + " " + e.blockedURI));`,
    });
    return page;
  }

  async function signIn(page: Page, token: string, url = h.url): Promise<void> {
    await page.goto(`${url}/console/`);
    await page.getByLabel("API token").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page
      .getByRole("heading", { name: "Overview" })
      .waitFor(WAIT)
      .catch(async (e: unknown) => {
        if (process.env.CONSOLE_DEBUG) console.log(await page.content());
        throw e;
      });
  }

  const accountTable = (page: Page, account: string) =>
    page.getByRole("table", { name: `MMP of ${account}, per underlying` });
  const row = (page: Page, account: string, underlying: string) =>
    accountTable(page, account)
      .getByRole("row")
      .filter({ has: page.getByRole("rowheader", { name: underlying }) });

  async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const mmpSets = () => h.sim.requests.filter((r) => r.method === "POST" && r.path === "/eapi/v1/mmpSet");

  it("serves the console with strict security headers and cacheable hashed assets", async () => {
    const page = await fetch(`${h.url}/console/overview-deep-link`);
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-cache");
    const csp = page.headers.get("content-security-policy") ?? "";
    for (const d of [
      "default-src 'self'",
      "script-src 'self'",
      "connect-src 'self'",
      "frame-ancestors 'none'",
      "object-src 'none'",
      "base-uri 'none'",
    ]) {
      expect(csp).toContain(d);
    }
    expect(csp).not.toContain("unsafe-inline");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await page.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${h.url}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await fetch(`${h.url}/console/assets/missing-123.js`)).status).toBe(404);
    const graphiql = await fetch(`${h.url}/console/graphiql`);
    expect(graphiql.headers.get("content-security-policy")).toContain("style-src 'self' 'unsafe-inline'");
  });

  it("a trader signs in, edits one row through review and confirm, sees a trigger as an alert and resets it", async () => {
    const page = await newPage();
    await page.goto(`${h.url}/console/`);
    // a token the gateway refuses: back at sign-in with a message
    await page.getByLabel("API token").fill("mgw_not-a-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "not accepted" }).waitFor(WAIT);

    await signIn(page, h.tokens.alice!);
    await accountTable(page, "desk-a").waitFor(WAIT);
    await page.getByRole("status").filter({ hasText: "Live" }).waitFor(WAIT);
    expect(await page.getByRole("heading", { name: /^desk-a / }).textContent()).toMatch(/Your role: trader/);
    await row(page, "desk-a", "BTCUSDT").getByText("Not configured").waitFor(WAIT);
    // the page must not reload from here on: rows and alerts arrive live
    await page.evaluate("window.marker = 42");

    await row(page, "desk-a", "BTCUSDT").getByRole("button", { name: "Edit" }).click();
    const qty = page.getByRole("textbox", { name: "Quantity limit" });
    expect(await qty.getAttribute("inputmode")).toBe("decimal");
    await qty.fill("1,5");
    await page.getByRole("textbox", { name: "Delta limit" }).fill("2.3");
    await page.getByRole("textbox", { name: "Window (ms)" }).fill("9000");
    await page.getByRole("textbox", { name: "Frozen time (ms)" }).fill("300000");
    await page.getByRole("button", { name: "Review" }).click();
    // invalid: inline errors, still editing, nothing sent
    await page.getByText(/Type a plain decimal/).waitFor(WAIT);
    await page.getByText(/from 1 to 5000/).waitFor(WAIT);
    expect(await qty.getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByRole("button", { name: "Confirm" }).count()).toBe(0);
    await qty.fill("1.50");
    await page.getByRole("textbox", { name: "Window (ms)" }).fill("3000");
    await page.getByRole("button", { name: "Review" }).click();

    const review = page.getByRole("table").filter({ hasText: "Nothing is sent until you confirm" });
    await review.waitFor(WAIT);
    const qtyRow = review
      .getByRole("row")
      .filter({ has: page.getByRole("rowheader", { name: "Quantity limit" }) });
    expect(await qtyRow.getByRole("cell").allTextContents()).toEqual(["not set", "1.50 (changed)"]);
    expect(mmpSets()).toHaveLength(0);
    await page.screenshot({ path: join(DOCS, "console-review.png") });

    await page.getByRole("button", { name: "Confirm" }).click();
    await until(() => mmpSets().length === 1, "POST /eapi/v1/mmpSet");
    const sent = new URLSearchParams(mmpSets()[0]!.rawBody || mmpSets()[0]!.rawQuery);
    expect(sent.get("qtyLimit")).toBe("1.50");
    expect(sent.get("deltaLimit")).toBe("2.3");
    expect(sent.get("windowTimeInMilliseconds")).toBe("3000");
    expect(sent.get("frozenTimeInMilliseconds")).toBe("300000");
    const btc = row(page, "desk-a", "BTCUSDT");
    await btc.getByText("Active").waitFor(WAIT);
    await page
      .getByRole("status")
      .filter({
        hasText: "Saved desk-a · BTCUSDT: the exchange now holds quantity limit 1.5, delta limit 2.3",
      })
      .waitFor(WAIT);
    // as the exchange holds it: "1.50" comes back as "1.5"
    expect(await btc.getByRole("cell").allTextContents()).toEqual(
      expect.arrayContaining(["3000 ms", "300000 ms", "1.5", "2.3"]),
    );
    await page.screenshot({ path: join(DOCS, "console-overview.png"), fullPage: true });

    // the exchange triggers MMP: an alert at once, the row frozen with a countdown, no reload
    h.sim.trigger(h.apiKey("desk-a"), "BTCUSDT");
    const alert = page.getByRole("alert").filter({ hasText: "MMP triggered on desk-a · BTCUSDT" });
    await alert.waitFor(WAIT);
    await btc.getByText(/Frozen \(unfreezes in \d+ min/).waitFor(WAIT);
    expect(await page.evaluate("window.marker")).toBe(42);
    expect(await page.title()).toBe("(1 frozen) MMP console");
    await page.screenshot({ path: join(DOCS, "console-alert.png") });

    // reset, with a confirmation
    await btc.getByRole("button", { name: "Reset MMP" }).click();
    const dialog = page.getByRole("dialog", { name: /Reset MMP of desk-a · BTCUSDT/ });
    await dialog.waitFor(WAIT);
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await btc.getByText("Active").waitFor(WAIT);
    expect(h.sim.requests.some((r) => r.method === "POST" && r.path === "/eapi/v1/mmpReset")).toBe(true);
    expect(await btc.getByRole("button", { name: "Reset MMP" }).count()).toBe(0);

    // the kill switch: armed and disarmed behind a confirmation
    const ks = page.getByRole("region", { name: "Kill switch of desk-a" });
    await ks.getByText(/never sends heartbeats/).waitFor(WAIT);
    // the trading system's heartbeat, through the gateway: shown, never sent by the console
    const beat = await h.gql(
      h.tokens.alice,
      `mutation { killSwitchHeartbeat(input: { accountId: "desk-a", underlyings: ["BTCUSDT"] }) }`,
    );
    expect(beat.body.errors).toBeUndefined();
    const heartbeatsBefore = h.sim.requests.filter(
      (r) => r.path === "/eapi/v1/countdownCancelAllHeartBeat",
    ).length;
    await ks.getByRole("combobox", { name: "Underlying" }).selectOption("BTCUSDT");
    await ks.getByRole("textbox", { name: "Countdown (ms)" }).fill("30000");
    await ks.getByRole("button", { name: "Arm kill switch" }).click();
    const arm = page.getByRole("dialog", { name: /Arm the kill switch of desk-a · BTCUSDT/ });
    await arm.getByRole("button", { name: "Confirm" }).click();
    await ks.getByText("BTCUSDT: armed, countdown 30000 ms").waitFor(WAIT);
    await ks.getByText(/last heartbeat through the gateway .* by alice \(succeeded\)/).waitFor(WAIT);
    expect(h.sim.requests.filter((r) => r.path === "/eapi/v1/countdownCancelAllHeartBeat")).toHaveLength(
      heartbeatsBefore,
    );
    await ks.getByRole("button", { name: "Disarm" }).click();
    await page
      .getByRole("dialog", { name: /Disarm/ })
      .getByRole("button", { name: "Confirm" })
      .click();
    await ks.getByText("No kill switch is armed.").waitFor(WAIT);

    // a change made outside the gateway (the exchange's own UI): an alert, the row updated
    h.sim.changeOutside(h.apiKey("desk-a"), {
      underlying: "BTCUSDT",
      windowTimeInMilliseconds: 4000,
      frozenTimeInMilliseconds: 0n,
      qtyLimit: "9",
      deltaLimit: "1",
    });
    await page
      .getByRole("alert")
      .filter({ hasText: "MMP of desk-a · BTCUSDT was changed outside the gateway" })
      .waitFor(WAIT);
    await btc.getByRole("cell", { name: "4000 ms" }).waitFor(WAIT);

    // a slipped digit is flagged in the review (9 → 90)
    await btc.getByRole("button", { name: "Edit" }).click();
    await page.getByRole("textbox", { name: "Quantity limit" }).fill("90");
    await page.getByRole("button", { name: "Review" }).click();
    await page.getByText("⚠ 10× the current value").waitFor(WAIT);
    await page.getByRole("button", { name: "Cancel" }).click();

    // several rows at once through setMmpConfigs, each item's result shown
    await page.getByRole("button", { name: "Edit several" }).click();
    const values: Record<string, [string, string, string, string]> = {
      SOLUSDT: ["0.25", "1", "2000", "60000"],
      XRPUSDT: ["7.10", "2", "2000", "0"],
    };
    for (const [u, [q, d, w, f]] of Object.entries(values)) {
      await page.getByRole("checkbox", { name: `Change ${u}` }).check();
      await page.getByRole("textbox", { name: `${u} quantity limit` }).fill(q);
      await page.getByRole("textbox", { name: `${u} delta limit` }).fill(d);
      await page.getByRole("textbox", { name: `${u} window (ms)` }).fill(w);
      await page.getByRole("textbox", { name: `${u} frozen time (ms)` }).fill(f);
    }
    await page.getByRole("button", { name: "Review" }).click();
    await page.getByRole("table").filter({ hasText: "Each line shows now → new" }).waitFor(WAIT);
    const before = mmpSets().length;
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.getByRole("listitem").filter({ hasText: "SOLUSDT: ✓ Applied." }).waitFor(WAIT);
    await page.getByRole("listitem").filter({ hasText: "XRPUSDT: ✓ Applied." }).waitFor(WAIT);
    const bulkSent = mmpSets()
      .slice(before)
      .map((r) => new URLSearchParams(r.rawBody || r.rawQuery).get("qtyLimit"));
    expect(bulkSent.sort()).toEqual(["0.25", "7.10"]);
    await page.getByRole("button", { name: "Close" }).click();
    await row(page, "desk-a", "XRPUSDT").getByText("Active").waitFor(WAIT);

    // a gateway error in words: the exchange limits the rate, nothing applied, the wait named
    await row(page, "desk-a", "ETHUSDT").getByRole("button", { name: "Edit" }).click();
    await page.getByRole("textbox", { name: "Quantity limit" }).fill("3");
    await page.getByRole("textbox", { name: "Delta limit" }).fill("4");
    await page.getByRole("textbox", { name: "Window (ms)" }).fill("1000");
    await page.getByRole("textbox", { name: "Frozen time (ms)" }).fill("0");
    await page.getByRole("button", { name: "Review" }).click();
    h.sim.injectFault({ kind: "rateLimit", status: 429, retryAfterSeconds: 1 }, { path: "/eapi/v1/mmpSet" });
    await page.getByRole("button", { name: "Confirm" }).click();
    const refused = page.getByRole("alert").filter({ hasText: /not applied/ });
    await refused.waitFor(WAIT);
    expect(await refused.textContent()).toMatch(/Wait 1 s/);
    await page.getByRole("button", { name: "Cancel" }).click();

    // the audit page, the gateway's detection marked
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("heading", { name: "Audit log" }).waitFor(WAIT);
    const audit = page.getByRole("table", { name: /Newest first/ });
    await audit
      .getByRole("row")
      .filter({ hasText: "MMP triggered" })
      .filter({ hasText: "Detected" })
      .waitFor(WAIT);
    await audit.getByRole("row").filter({ hasText: "Set MMP · BTCUSDT" }).first().waitFor(WAIT);
    await audit.getByRole("row").filter({ hasText: "Reset MMP" }).first().waitFor(WAIT);
    await page.getByLabel("Action").selectOption("MMP_TRIGGERED");
    expect(await audit.getByRole("row").filter({ hasText: "Set MMP" }).count()).toBe(0);
    await page.getByLabel("Action").selectOption("");
    await page.screenshot({ path: join(DOCS, "console-audit.png"), fullPage: true });

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API token").waitFor(WAIT);
    expect(await page.evaluate("sessionStorage.length")).toBe(0);
  });

  it("a viewer sees every account and no control to change anything, at phone width too", async () => {
    const page = await newPage(390, 844);
    await signIn(page, h.tokens.rita!);
    for (const account of ["desk-a", "desk-b", "desk-b-rsa"]) await accountTable(page, account).waitFor(WAIT);
    expect(await page.getByRole("heading", { name: /^desk-a / }).textContent()).toMatch(/Your role: viewer/);
    for (const name of ["Edit", "Reset MMP", "Arm kill switch", "Disarm", "Confirm"]) {
      expect(await page.getByRole("button", { name }).count()).toBe(0);
    }
    expect(await page.getByRole("textbox").count()).toBe(0);
    expect(await page.getByRole("link", { name: "Administration" }).count()).toBe(0);
    // the page fits: nothing but the tables scrolls sideways
    const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(DOCS, "console-phone.png") });
  });

  it("an admin user creates a user, sees the token once, and adds the user to a team", async () => {
    const page = await newPage();
    await signIn(page, h.tokens.root!);
    await page.getByRole("link", { name: "Administration" }).click();
    await page.getByRole("heading", { name: "Administration" }).waitFor(WAIT);
    await page.getByRole("textbox", { name: "New user" }).fill("carol");
    await page.getByRole("button", { name: "Create user" }).click();
    const shown = page.getByRole("status").filter({ hasText: "shown this once" });
    await shown.waitFor(WAIT);
    const token = (await shown.locator("code").textContent()) ?? "";
    expect(token).toMatch(/^mgw_/);
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("rowheader", { name: "carol" }).waitFor(WAIT);
    await page.getByRole("combobox", { name: "Team" }).first().selectOption("desk-a");
    await page.getByRole("combobox", { name: "User" }).selectOption("carol");
    await page.getByRole("button", { name: "Add member" }).click();
    await page.getByRole("status").filter({ hasText: "carol added to desk-a" }).waitFor(WAIT);
    // the new token works: carol holds desk-a's role
    const me = await h.gql<{ me: { name: string; accounts: { role: string }[] } }>(
      token,
      "{ me { name accounts { role } } }",
    );
    expect(me.body.data?.me).toEqual({ name: "carol", accounts: [{ role: "TRADER" }] });
  });

  it("a revoked token returns to sign-in with a message", async () => {
    const issued = await h.gql<{ createToken: { id: string; token: string } }>(
      h.tokens.root,
      `mutation { createToken(userName: "bob") { id token } }`,
    );
    const { id, token } = issued.body.data!.createToken;
    const page = await newPage();
    await signIn(page, token);
    await page.getByRole("status").filter({ hasText: "Live" }).waitFor(WAIT);
    await h.gql(h.tokens.root, `mutation($id: ID!) { revokeToken(tokenId: $id) }`, { id });
    await page.getByRole("alert").filter({ hasText: "expired or was revoked" }).waitFor({ timeout: 15_000 });
    await page.getByLabel("API token").waitFor(WAIT);
  });

  it("GraphiQL at /console/graphiql runs a query with the signed-in token, and a subscription over its WebSocket", async () => {
    const page = await newPage();
    await signIn(page, h.tokens.alice!);
    // GraphiQL's page opens its own socket: watch it from the start
    const frames: string[] = [];
    const sent: string[] = [];
    page.on("websocket", (ws) => {
      ws.on("framereceived", (f) => frames.push(String(f.payload)));
      ws.on("framesent", (f) => sent.push(String(f.payload)));
    });
    await page.getByRole("link", { name: "GraphiQL" }).click();
    const run = page.getByRole("button", { name: /Execute query/i });
    await run.waitFor({ timeout: 30_000 });
    // the editor shows the default query once Monaco is up; a click before that runs nothing
    await page.getByText("serverTime", { exact: true }).first().waitFor({ timeout: 30_000 });
    const answered = page.waitForResponse(
      (r) =>
        r.url() === `${h.url}/graphql` &&
        r.request().method() === "POST" &&
        /serverTime/.test(r.request().postData() ?? ""),
      { timeout: 30_000 },
    );
    await run.click();
    const response = await answered;
    expect(response.status()).toBe(200);
    const body = (await response.json()) as { data?: { serverTime: number; accounts: { id: string }[] } };
    expect(body.data?.accounts.map((a) => a.id)).toEqual(["desk-a"]);

    // a subscription runs over the console's own WebSocket (/graphql, graphql-ws)
    await page.locator(".graphiql-query-editor .monaco-editor").first().click();
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Delete");
    await page.keyboard.insertText('subscription { mmpEvents(accountIds: ["desk-a"]) { kind underlying } }');
    await run.click();
    await until(
      () => sent.some((f) => f.includes('"type":"subscribe"') && f.includes("mmpEvents")),
      "subscribe",
    );
    const set = await h.gql(
      h.tokens.alice,
      `mutation { setMmpConfig(input: { accountId: "desk-a", underlying: "BNBUSDT", windowTimeInMilliseconds: 1000, frozenTimeInMilliseconds: 0, qtyLimit: "5", deltaLimit: "5" }) { qtyLimit } }`,
    );
    expect(set.body.errors).toBeUndefined();
    await until(
      () => frames.some((f) => f.includes('"underlying":"BNBUSDT"')),
      "the event in GraphiQL's socket",
    );
  });

  it("signs in through the OpenID Connect provider (authorization code with PKCE)", async () => {
    const idp = await startIdentityProvider({ audience: "mmp-console", signInAs: "alice" });
    const g = await startHarness({
      config: {
        oidc: {
          issuer: idp.issuer,
          audience: [idp.audience],
          jwksUrl: undefined,
          userClaim: "sub",
          groupsClaim: undefined,
          autoCreateUsers: false,
          maxTokenLifetimeSeconds: 12 * 3600,
          allowedGroups: undefined,
          consoleClientId: "mmp-console",
          consoleProviderName: "Test IdP",
        },
      },
    });
    try {
      const csp = (await fetch(`${g.url}/console/`)).headers.get("content-security-policy") ?? "";
      expect(csp).toContain(`connect-src 'self' ${idp.issuer}`);
      const page = await newPage();
      await page.goto(`${g.url}/console/`);
      await page.getByRole("button", { name: "Sign in with Test IdP" }).click();
      await page.getByRole("heading", { name: "Overview" }).waitFor(WAIT);
      await accountTable(page, "desk-a").waitFor(WAIT);
      await page.getByText("alice", { exact: true }).waitFor(WAIT);
      // the code came back in the fragment, was exchanged once, and is gone from the address bar
      expect(page.url()).toBe(`${g.url}/console/`);
      expect(idp.requests.filter((r) => r.startsWith("/authorize"))).toHaveLength(1);
      expect(idp.requests.filter((r) => r === "/token")).toHaveLength(1);
    } finally {
      await g.stop();
      await idp.stop();
    }
  });

  it("shows each account's venue and only its fields; a Bybit edit is checked by Bybit's rules in the browser and reaches Bybit digit for digit", async () => {
    // Reads answer from the live view for a while, as in production: every overview read would otherwise
    // ask Bybit for each coin, and the gateway's Bybit budget would make a change's read-back wait.
    const g = await startHarness({
      venues: true,
      config: { live: { ...h.config.live, pollIntervalMs: 0, readMaxAgeMs: 10_000 } },
    });
    try {
      const bybit = g.venues!.bybit;
      const modifies = () => bybit.requests.filter((r) => r.path === "/v5/account/mmp-modify");
      const page = await newPage();
      await page.goto(`${g.url}/console/`);
      await page.getByLabel("API token").fill(g.tokens.alice!);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: /^desk-a-bybit · Bybit / }).waitFor(WAIT);
      await page.getByRole("heading", { name: /^desk-a · Binance / }).waitFor(WAIT);
      // every venue's account loads in the same overview (Deribit's nine indexes in a few shared reads)
      await page.getByRole("heading", { name: /^desk-a-deribit · Deribit / }).waitFor(WAIT);
      await page.getByRole("heading", { name: /^desk-a-okx · OKX / }).waitFor(WAIT);

      // the kill switch is Binance's only: desk-a has its controls, desk-a-bybit a note and none
      const deskA = page.getByRole("region", { name: "Kill switch of desk-a", exact: true });
      await deskA.getByRole("button", { name: "Arm kill switch" }).waitFor(WAIT);
      const bybitSection = page.getByRole("region", { name: /^desk-a-bybit · Bybit/ });
      await bybitSection
        .getByText("Kill switch: Binance only — Bybit cancels on the disconnect of a WebSocket session")
        .waitFor(WAIT);
      expect(await bybitSection.getByRole("region", { name: /Kill switch/ }).count()).toBe(0);
      for (const name of ["Arm kill switch", "Disarm"]) {
        expect(await bybitSection.getByRole("button", { name }).count()).toBe(0);
      }
      expect(await bybitSection.getByRole("textbox", { name: "Countdown (ms)" }).count()).toBe(0);

      // each table has its venue's columns only
      const heads = async (account: string) =>
        accountTable(page, account).getByRole("columnheader").allTextContents();
      await accountTable(page, "desk-a-bybit").getByRole("row").nth(1).waitFor(WAIT);
      expect(await heads("desk-a-bybit")).toEqual(
        expect.arrayContaining(["Quantity limit", "Delta limit", "Vega limit"]),
      );
      expect(await heads("desk-a-bybit")).not.toContain("Max quote quantity");
      expect(await heads("desk-a")).toEqual(expect.arrayContaining(["Quantity limit", "Delta limit"]));
      expect(await heads("desk-a")).not.toContain("Vega limit");

      const btc = row(page, "desk-a-bybit", "BTC");
      await btc.getByRole("button", { name: "Edit" }).click();
      const field = (name: string) => page.getByRole("textbox", { name, exact: true });
      await field("Vega limit").waitFor(WAIT);
      expect(await field("Max quote quantity").count()).toBe(0);

      // a third decimal place is refused before anything is sent
      bybit.clearRequests();
      await field("Quantity limit").fill("1.005");
      await field("Delta limit").fill("20.25");
      await field("Vega limit").fill("1000.50");
      await field("Window (ms)").fill("3000");
      await field("Frozen time (ms)").fill("60000");
      await page.getByRole("button", { name: "Review" }).click();
      await page.getByText('Bybit takes at most 2 decimal places; "1.005" has 3').waitFor(WAIT);
      expect(await page.getByRole("button", { name: "Confirm" }).count()).toBe(0);
      expect(modifies()).toHaveLength(0);

      // a valid change reaches Bybit with the decimals exactly as typed
      await field("Quantity limit").fill("1.50");
      await page.getByRole("button", { name: "Review" }).click();
      const review = page.getByRole("table").filter({ hasText: "Nothing is sent until you confirm" });
      await review.getByRole("rowheader", { name: "Vega limit" }).waitFor(WAIT);
      expect(modifies()).toHaveLength(0);
      await page.getByRole("button", { name: "Confirm" }).click();
      await page
        .getByRole("status")
        .filter({ hasText: "Saved desk-a-bybit · BTC: the exchange now holds quantity limit" })
        .waitFor(WAIT);
      expect(modifies()).toHaveLength(1);
      expect(JSON.parse(modifies()[0]!.body)).toEqual({
        baseCoin: "BTC",
        window: "3000",
        frozenPeriod: "60000",
        qtyLimit: "1.50",
        deltaLimit: "20.25",
        vegaLimit: "1000.50",
      });
      expect(await btc.getByRole("cell").allTextContents()).toEqual(
        expect.arrayContaining(["3000 ms", "60000 ms"]),
      );
      await page.screenshot({ path: join(DOCS, "console-venues.png"), fullPage: true });

      // an empty (optional) vega limit is left out: Bybit keeps its own
      await btc.getByRole("button", { name: "Edit" }).click();
      await field("Vega limit").fill("");
      await page.getByRole("button", { name: "Review" }).click();
      await page.getByText("empty: Bybit keeps its current one").waitFor(WAIT);
      await page.getByRole("button", { name: "Confirm" }).click();
      await until(() => modifies().length === 2, "the second mmp-modify");
      expect(JSON.parse(modifies()[1]!.body)).not.toHaveProperty("vegaLimit");
      await page
        .getByRole("heading", { name: "Review the change to desk-a-bybit · BTC" })
        .waitFor({ ...WAIT, state: "detached" });

      // several underlyings of the Bybit account: its columns, its rules
      const section = page.getByRole("region", { name: /^desk-a-bybit · Bybit/ });
      await section.getByRole("button", { name: "Edit several" }).click();
      await section.getByRole("checkbox", { name: "Change ETH" }).check();
      const cell = (name: string) => section.getByRole("textbox", { name: `ETH ${name}`, exact: true });
      await cell("vega limit").waitFor(WAIT);
      expect(await section.getByRole("textbox", { name: /max quote/ }).count()).toBe(0);
      await cell("quantity limit").fill("5.125");
      await cell("delta limit").fill("3.3");
      await cell("window (ms)").fill("1000");
      await cell("frozen time (ms)").fill("0");
      await section.getByRole("button", { name: "Review" }).click();
      await section.getByText('Bybit takes at most 2 decimal places; "5.125" has 3').waitFor(WAIT);
      expect(modifies()).toHaveLength(2);
      await cell("quantity limit").fill("5.10");
      await section.getByRole("button", { name: "Review" }).click();
      await section.getByRole("button", { name: "Confirm" }).click();
      await section.getByRole("listitem").filter({ hasText: "ETH: ✓ Applied." }).waitFor(WAIT);
      expect(JSON.parse(modifies()[2]!.body)).toEqual({
        baseCoin: "ETH",
        window: "1000",
        frozenPeriod: "0",
        qtyLimit: "5.10",
        deltaLimit: "3.3",
      });
    } finally {
      await g.stop();
    }
  });

  it("a venue that cannot be read fails its own section only: the other venues stay visible and editable", async () => {
    const g = await startHarness({
      venues: true,
      config: { live: { ...h.config.live, pollIntervalMs: 0, readMaxAgeMs: 10_000 } },
    });
    try {
      // Deribit is down before anyone reads it: nothing cached, every read of desk-a-deribit fails
      await g.venues!.deribit.stop();
      const page = await newPage();
      await signIn(page, g.tokens.alice!, g.url);
      const deribit = page.getByRole("region", { name: /^desk-a-deribit · Deribit/ });
      const failed = deribit
        .getByRole("alert")
        .filter({ hasText: "Could not read desk-a-deribit (Deribit):" });
      await failed.waitFor(WAIT);
      expect(await failed.textContent()).toMatch(/could not be reached/);
      expect(await accountTable(page, "desk-a-deribit").count()).toBe(0);
      // the others load and work as ever; the failure shows in the Deribit section only
      await row(page, "desk-a", "BTCUSDT").waitFor(WAIT);
      await accountTable(page, "desk-a-bybit").getByRole("row").nth(1).waitFor(WAIT);
      await accountTable(page, "desk-a-okx").getByRole("row").nth(1).waitFor(WAIT);
      expect(await page.getByRole("alert").filter({ hasText: "Could not" }).count()).toBe(1);

      const sets = () => g.sim.requests.filter((r) => r.method === "POST" && r.path === "/eapi/v1/mmpSet");
      expect(sets()).toHaveLength(0);
      await row(page, "desk-a", "BTCUSDT").getByRole("button", { name: "Edit" }).click();
      await page.getByRole("textbox", { name: "Quantity limit" }).fill("2");
      await page.getByRole("textbox", { name: "Delta limit" }).fill("3");
      await page.getByRole("textbox", { name: "Window (ms)" }).fill("3000");
      await page.getByRole("textbox", { name: "Frozen time (ms)" }).fill("60000");
      await page.getByRole("button", { name: "Review" }).click();
      await page.getByRole("button", { name: "Confirm" }).click();
      await page
        .getByRole("status")
        .filter({ hasText: "Saved desk-a · BTCUSDT: the exchange now holds quantity limit 2" })
        .waitFor(WAIT);
      expect(sets()).toHaveLength(1);
      await row(page, "desk-a", "BTCUSDT").getByText("Active").waitFor(WAIT);
      expect(await failed.count()).toBe(1);
    } finally {
      await g.stop();
    }
  });

  it("an admin user adds an OKX account with its passphrase; the form offers HMAC only off Binance", async () => {
    const g = await startHarness({
      venues: true,
      config: { live: { ...h.config.live, pollIntervalMs: 0, readMaxAgeMs: 10_000 } },
    });
    try {
      const keys = g.venues!.newAccount("okx");
      const page = await newPage();
      await signIn(page, g.tokens.root!, g.url);
      await page.getByRole("link", { name: "Administration" }).click();
      await page.getByRole("heading", { name: "Add an exchange account" }).waitFor(WAIT);
      const venue = page.getByRole("combobox", { name: "Venue" });
      const keyTypes = () =>
        page.getByRole("combobox", { name: "Key type" }).locator("option").allTextContents();
      expect(await venue.inputValue()).toBe("BINANCE");
      expect(await keyTypes()).toEqual(["HMAC", "Ed25519", "RSA"]);
      expect(await page.getByLabel("Passphrase").count()).toBe(0);
      // Deribit: the key is the client id, the secret the client secret
      await venue.selectOption("DERIBIT");
      await page.getByRole("textbox", { name: /client secret/ }).waitFor(WAIT);
      expect(await page.getByRole("textbox", { name: /client id/ }).count()).toBe(1);
      expect(await keyTypes()).toEqual(["HMAC"]);
      expect(await page.getByLabel("Passphrase").count()).toBe(0);

      await venue.selectOption("OKX");
      const passphrase = page.getByLabel("Passphrase");
      await passphrase.waitFor(WAIT);
      expect(await passphrase.getAttribute("type")).toBe("password");
      expect(await passphrase.getAttribute("required")).not.toBeNull();
      expect(await keyTypes()).toEqual(["HMAC"]);
      await page.getByRole("textbox", { name: "Account name" }).fill("desk-c-okx");
      await page.getByRole("textbox", { name: "API key" }).fill(keys.apiKey);
      await page.getByRole("textbox", { name: /^Base URL/ }).fill(g.venues!.url("okx"));
      await page.getByRole("textbox", { name: /^Secret/ }).fill(keys.secret);
      await passphrase.fill(keys.passphrase!);
      await page.getByRole("button", { name: "Add account" }).click();
      await page.getByRole("status").filter({ hasText: "Account desk-c-okx added" }).waitFor(WAIT);
      const added = page
        .getByRole("table", { name: /Keys are sealed/ })
        .getByRole("row")
        .filter({ has: page.getByRole("rowheader", { name: "desk-c-okx" }) });
      await added.getByRole("cell", { name: "OKX", exact: true }).waitFor(WAIT);
      // the form is back at Binance, the passphrase gone from the page
      expect(await venue.inputValue()).toBe("BINANCE");
      expect(await page.getByLabel("Passphrase").count()).toBe(0);

      const listed = await g.gql<{ accounts: { id: string; venue: string }[] }>(
        g.tokens.root,
        "{ accounts { id venue } }",
      );
      expect(listed.body.data?.accounts).toContainEqual({ id: "desk-c-okx", venue: "OKX" });
      // the passphrase went in sealed with the key: OKX (the simulator) accepts the gateway's reads
      const granted = await g.gql(
        g.tokens.root,
        `mutation { grantRole(team: "ops", accountId: "desk-c-okx", role: ADMIN) { team } }`,
      );
      expect(granted.body.errors).toBeUndefined();
      const read = await g.gql<{ account: { venue: string; mmpConfigs: unknown[] } }>(
        g.tokens.root,
        `{ account(id: "desk-c-okx") { venue mmpConfigs { underlying } } }`,
      );
      expect(read.body.errors).toBeUndefined();
      expect(read.body.data?.account.venue).toBe("OKX");

      // on the overview: its venue, and a kill-switch note instead of controls
      await page.getByRole("link", { name: "Overview" }).click();
      const section = page.getByRole("region", { name: /^desk-c-okx · OKX/ });
      await section.getByText("Kill switch: Binance only — OKX's cancel-all-after").waitFor(WAIT);
      expect(await section.getByRole("button", { name: "Arm kill switch" }).count()).toBe(0);
    } finally {
      await g.stop();
    }
  });

  it("no page left loopback, violated the CSP or threw", () => {
    expect(problems).toEqual([]);
  });
});

mkdirSync(DOCS, { recursive: true });
