/**
 * The MMP toolset end to end over HTTP against the simulator, once per store (SQLite, PostgreSQL):
 * reads and reset, the kill switch, bulk changes, who-am-I, and the audit trail.
 *
 * The feature suites (test/e2e/toolset/*.suite.ts) share one gateway per store, because starting one
 * (and loading the server's modules) dominates their run time. They run in the order below and each
 * tolerates what earlier ones left: `me` runs before `setMmpConfigs` grants desk-a's team a further
 * account, and the audit suite only asserts on entries it can enumerate itself.
 */
import { e2eStoreTargets, startHarness, type E2eDatabase, type Harness } from "../helpers/harness";
import { auditLogSuite } from "./toolset/audit-log.suite";
import { bulkSuite } from "./toolset/bulk.suite";
import { killSwitchSuite } from "./toolset/kill-switch.suite";
import { meSuite } from "./toolset/me.suite";
import { mmpReadSuite } from "./toolset/mmp-read.suite";

describe.each(e2eStoreTargets())("MMP toolset on $kind", (target) => {
  let db: E2eDatabase | undefined;
  let h: Harness | undefined;
  const harness = (): Harness => {
    if (!h) throw new Error("the harness did not start");
    return h;
  };

  beforeAll(async () => {
    db = await target.create();
    h = await startHarness({ databaseUrl: db.databaseUrl });
  });
  afterAll(async () => {
    await h?.stop();
    await db?.drop();
  });

  describe("me and accounts", () => meSuite(harness));
  describe("mmpConfig, mmpConfigs and resetMmp", () => mmpReadSuite(harness));
  describe("kill switch", () => killSwitchSuite(harness));
  describe("setMmpConfigs", () => bulkSuite(harness));
  describe("auditLog", () => auditLogSuite(harness));
});
