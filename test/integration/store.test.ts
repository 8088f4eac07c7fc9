/**
 * One suite, run against every Store adapter on a real database: the adapters must be interchangeable,
 * down to error classes and messages.
 */
import { StoreConflictError, StoreNotFoundError, type Store } from "../../src/store/port";
import { storeTargets, type StoreTarget, type TestDatabase } from "../helpers/store";

const account = (id: string) => ({
  id,
  apiKey: `key-${id}`,
  keyType: "hmac" as const,
  baseUrl: null,
  secretSealed: `v1.00000000.sealed-${id}`,
});

async function rejectsWith(
  p: Promise<unknown>,
  cls: typeof StoreConflictError | typeof StoreNotFoundError,
  message: string,
) {
  await expect(p).rejects.toThrow(cls);
  await expect(p).rejects.toThrow(message);
}

describe.each(storeTargets())("Store on $kind", (target: StoreTarget) => {
  let db: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    db = await target.fresh();
    store = db.store;
  });

  afterAll(() => target.cleanup());

  it("reports its kind", () => {
    expect(store.kind).toBe(target.kind);
  });

  describe("migrations", () => {
    it("are not ready before migrate, ready after, and idempotent", async () => {
      const fresh = await target.fresh({ migrate: false });
      expect(await fresh.store.ready()).toBe(false);
      await fresh.store.migrate();
      expect(await fresh.store.ready()).toBe(true);
      await fresh.store.migrate();
      expect(await fresh.store.ready()).toBe(true);
    });

    it("survive re-opening: a new instance migrates to a no-op and keeps the data", async () => {
      await store.addTeam("desk");
      await store.close();
      const again = db.reopen();
      expect(await again.ready()).toBe(true);
      await again.migrate();
      expect(await again.listTeams()).toEqual(["desk"]);
    });

    it("migrate concurrently from two instances without failing", async () => {
      const fresh = await target.fresh({ migrate: false });
      const other = fresh.reopen();
      await Promise.all([fresh.store.migrate(), other.migrate()]);
      expect(await fresh.store.ready()).toBe(true);
      expect(await other.ready()).toBe(true);
    });

    it("ready() is false after close", async () => {
      await store.close();
      expect(await store.ready()).toBe(false);
    });
  });

  describe("meta", () => {
    it("gets, sets and overwrites", async () => {
      expect(await store.getMeta("k")).toBeNull();
      await store.setMeta("k", "one");
      expect(await store.getMeta("k")).toBe("one");
      await store.setMeta("k", "two");
      expect(await store.getMeta("k")).toBe("two");
    });
  });

  describe("accounts", () => {
    it("adds, gets and lists (by name)", async () => {
      const before = Date.now();
      const added = await store.addAccount({
        ...account("desk-b"),
        keyType: "ed25519",
        baseUrl: "https://x.test",
      });
      await store.addAccount(account("desk-a"));
      expect(added).toMatchObject({
        id: "desk-b",
        apiKey: "key-desk-b",
        keyType: "ed25519",
        baseUrl: "https://x.test",
      });
      expect(added.createdAt.getTime()).toBeGreaterThanOrEqual(before);
      expect(added.createdAt.getTime()).toBeLessThanOrEqual(Date.now());
      expect(await store.getAccount("desk-b")).toEqual(added);
      expect(await store.getAccount("nope")).toBeNull();
      const list = await store.listAccounts();
      expect(list.map((a) => a.id)).toEqual(["desk-a", "desk-b"]);
      expect(list[0]).toMatchObject({
        keyType: "hmac",
        baseUrl: null,
        secretSealed: "v1.00000000.sealed-desk-a",
      });
    });

    it("refuses a duplicate name", async () => {
      await store.addAccount(account("desk-a"));
      await rejectsWith(
        store.addAccount(account("desk-a")),
        StoreConflictError,
        "account 'desk-a' already exists",
      );
    });

    it("rotates the key, or says the account does not exist", async () => {
      await store.addAccount(account("desk-a"));
      await store.rotateAccountKey("desk-a", "new-key", "v1.00000000.new");
      expect(await store.getAccount("desk-a")).toMatchObject({
        apiKey: "new-key",
        secretSealed: "v1.00000000.new",
      });
      await rejectsWith(
        store.rotateAccountKey("nope", "k", "s"),
        StoreNotFoundError,
        "account 'nope' does not exist",
      );
    });

    it("removes, and says whether it existed", async () => {
      await store.addAccount(account("desk-a"));
      expect(await store.removeAccount("desk-a")).toBe(true);
      expect(await store.removeAccount("desk-a")).toBe(false);
      expect(await store.getAccount("desk-a")).toBeNull();
    });

    it("removing an account removes its grants (and only its)", async () => {
      await store.addAccount(account("desk-a"));
      await store.addAccount(account("desk-b"));
      await store.addTeam("t");
      await store.grant("t", "desk-a", "trader");
      await store.grant("t", "desk-b", "viewer");
      await store.removeAccount("desk-a");
      expect(await store.listGrants()).toEqual([{ team: "t", accountId: "desk-b", role: "viewer" }]);
      // a new account of the same name starts with no grants
      await store.addAccount(account("desk-a"));
      expect(await store.listGrants()).toHaveLength(1);
    });
  });

  describe("users and tokens", () => {
    it("adds users with random ids, finds them by id and name, lists by name", async () => {
      const bob = await store.addUser("bob", false);
      const alice = await store.addUser("alice", true);
      expect(bob.id).toMatch(/^u_[0-9a-f]+$/);
      expect(bob.id).not.toBe(alice.id);
      expect(bob).toMatchObject({ name: "bob", admin: false, disabled: false });
      expect(alice.admin).toBe(true);
      expect(await store.getUser(bob.id)).toEqual(bob);
      expect(await store.getUserByName("alice")).toEqual(alice);
      expect(await store.getUser("u_nope")).toBeNull();
      expect(await store.getUserByName("nope")).toBeNull();
      expect((await store.listUsers()).map((u) => u.name)).toEqual(["alice", "bob"]);
    });

    it("refuses a duplicate user name", async () => {
      await store.addUser("bob", false);
      await rejectsWith(store.addUser("bob", true), StoreConflictError, "user 'bob' already exists");
    });

    it("stores tokens by hash, finds them with their user, revokes once", async () => {
      const bob = await store.addUser("bob", false);
      const t1 = await store.addToken(bob.id, "a".repeat(64));
      const t2 = await store.addToken(bob.id, "b".repeat(64));
      expect(t1.id).not.toBe(t2.id);
      expect(t1).toMatchObject({ userId: bob.id, hash: "a".repeat(64), revokedAt: null });

      const found = await store.findTokenByHash("a".repeat(64));
      expect(found).toEqual({ token: t1, user: bob });
      expect(await store.findTokenByHash("c".repeat(64))).toBeNull();

      expect(await store.revokeToken(t1.id)).toBe(true);
      expect(await store.revokeToken(t1.id)).toBe(false);
      expect(await store.revokeToken("t_nope")).toBe(false);
      const revoked = await store.findTokenByHash("a".repeat(64));
      expect(revoked?.token.revokedAt).toBeInstanceOf(Date);
      expect((await store.findTokenByHash("b".repeat(64)))?.token.revokedAt).toBeNull();
    });

    it("refuses a token for a missing user, and a duplicate hash", async () => {
      await rejectsWith(
        store.addToken("u_nope", "a".repeat(64)),
        StoreNotFoundError,
        "user 'u_nope' does not exist",
      );
      const bob = await store.addUser("bob", false);
      await store.addToken(bob.id, "a".repeat(64));
      await expect(store.addToken(bob.id, "a".repeat(64))).rejects.toThrow(StoreConflictError);
    });
  });

  describe("teams, members and grants", () => {
    it("adds and lists teams; refuses duplicates", async () => {
      await store.addTeam("risk");
      await store.addTeam("desk");
      expect(await store.listTeams()).toEqual(["desk", "risk"]);
      await rejectsWith(store.addTeam("desk"), StoreConflictError, "team 'desk' already exists");
    });

    it("adds and removes members", async () => {
      const bob = await store.addUser("bob", false);
      await store.addTeam("desk");
      await store.addTeam("risk");
      await store.addMember("risk", "bob");
      await store.addMember("desk", "bob");
      expect(await store.teamsOfUser(bob.id)).toEqual(["desk", "risk"]);
      await rejectsWith(
        store.addMember("desk", "bob"),
        StoreConflictError,
        "user 'bob' is already a member of team 'desk'",
      );
      expect(await store.removeMember("desk", "bob")).toBe(true);
      expect(await store.removeMember("desk", "bob")).toBe(false);
      expect(await store.removeMember("nope", "nobody")).toBe(false);
      expect(await store.teamsOfUser(bob.id)).toEqual(["risk"]);
    });

    it("says which of team or user is missing (team first)", async () => {
      await store.addUser("bob", false);
      await store.addTeam("desk");
      await rejectsWith(store.addMember("nope", "bob"), StoreNotFoundError, "team 'nope' does not exist");
      await rejectsWith(store.addMember("desk", "carol"), StoreNotFoundError, "user 'carol' does not exist");
      await rejectsWith(store.addMember("nope", "carol"), StoreNotFoundError, "team 'nope' does not exist");
    });

    it("grants, replaces and revokes roles; lists them", async () => {
      await store.addAccount(account("desk-a"));
      await store.addAccount(account("desk-b"));
      await store.addTeam("desk");
      await store.addTeam("risk");
      await store.grant("risk", "desk-b", "viewer");
      await store.grant("desk", "desk-a", "viewer");
      await store.grant("desk", "desk-a", "trader");
      expect(await store.listGrants()).toEqual([
        { team: "desk", accountId: "desk-a", role: "trader" },
        { team: "risk", accountId: "desk-b", role: "viewer" },
      ]);
      expect(await store.revoke("desk", "desk-a")).toBe(true);
      expect(await store.revoke("desk", "desk-a")).toBe(false);
      expect(await store.listGrants()).toEqual([{ team: "risk", accountId: "desk-b", role: "viewer" }]);
    });

    it("says which of team or account is missing (team first)", async () => {
      await store.addAccount(account("desk-a"));
      await store.addTeam("desk");
      await rejectsWith(
        store.grant("nope", "desk-a", "viewer"),
        StoreNotFoundError,
        "team 'nope' does not exist",
      );
      await rejectsWith(
        store.grant("desk", "nope", "viewer"),
        StoreNotFoundError,
        "account 'nope' does not exist",
      );
      await rejectsWith(
        store.grant("nope", "nope", "viewer"),
        StoreNotFoundError,
        "team 'nope' does not exist",
      );
    });

    it("gives a user the grants of all their teams", async () => {
      const bob = await store.addUser("bob", false);
      const carol = await store.addUser("carol", false);
      await store.addAccount(account("desk-a"));
      await store.addAccount(account("desk-b"));
      await store.addTeam("desk");
      await store.addTeam("risk");
      await store.addMember("desk", "bob");
      await store.addMember("risk", "bob");
      await store.addMember("risk", "carol");
      await store.grant("desk", "desk-a", "trader");
      await store.grant("risk", "desk-a", "viewer");
      await store.grant("risk", "desk-b", "viewer");
      expect(await store.grantsOfUser(bob.id)).toEqual([
        { team: "desk", accountId: "desk-a", role: "trader" },
        { team: "risk", accountId: "desk-a", role: "viewer" },
        { team: "risk", accountId: "desk-b", role: "viewer" },
      ]);
      expect(await store.grantsOfUser(carol.id)).toEqual([
        { team: "risk", accountId: "desk-a", role: "viewer" },
        { team: "risk", accountId: "desk-b", role: "viewer" },
      ]);
      expect(await store.grantsOfUser("u_nope")).toEqual([]);
    });
  });

  describe("authVersion", () => {
    it("moves on every change to auth data, and only then", async () => {
      let last = await store.authVersion();
      const expectBump = async (what: string, change: () => Promise<unknown>) => {
        await change();
        const now = await store.authVersion();
        expect({ what, bumped: now > last }).toEqual({ what, bumped: true });
        last = now;
      };
      const expectNoBump = async (what: string, change: () => Promise<unknown>) => {
        await change();
        expect({ what, version: await store.authVersion() }).toEqual({ what, version: last });
      };

      await expectBump("addAccount", () => store.addAccount(account("desk-a")));
      await expectBump("rotateAccountKey", () => store.rotateAccountKey("desk-a", "k2", "s2"));
      const bob = await store.addUser("bob", false);
      last = await store.authVersion();
      await expectBump("addUser", () => store.addUser("carol", false));
      let tokenId = "";
      await expectBump("addToken", async () => (tokenId = (await store.addToken(bob.id, "a".repeat(64))).id));
      await expectBump("revokeToken", () => store.revokeToken(tokenId));
      await expectBump("addTeam", () => store.addTeam("desk"));
      await expectBump("addMember", () => store.addMember("desk", "bob"));
      await expectBump("grant", () => store.grant("desk", "desk-a", "viewer"));
      await expectBump("grant (new role)", () => store.grant("desk", "desk-a", "trader"));
      await expectBump("revoke", () => store.revoke("desk", "desk-a"));
      await expectBump("removeMember", () => store.removeMember("desk", "bob"));
      await store.grant("desk", "desk-a", "viewer");
      last = await store.authVersion();
      await expectBump("removeAccount (cascading to grants)", () => store.removeAccount("desk-a"));

      await expectNoBump("grant missing account", () =>
        store.grant("desk", "desk-a", "viewer").catch(() => 0),
      );
      await store.addAccount(account("desk-a"));
      await store.grant("desk", "desk-a", "viewer");
      last = await store.authVersion();
      await expectNoBump("grant (same role)", () => store.grant("desk", "desk-a", "viewer"));
      await expectNoBump("revoke missing grant", () => store.revoke("desk", "desk-b"));
      await expectNoBump("revoke revoked token", () => store.revokeToken(tokenId));
      await expectNoBump("removeMember non-member", () => store.removeMember("desk", "carol"));
      await expectNoBump("setMeta", () => store.setMeta("k", "v"));
      await expectNoBump("audit", async () => {
        const id = await store.auditBegin({
          actorId: bob.id,
          accountId: "desk-a",
          action: "SET_MMP",
          input: "{}",
        });
        await store.auditComplete(id, { outcome: "SUCCEEDED", durationMs: 3 });
      });
    });

    it("is shared between instances on the same database", async () => {
      const other = db.reopen();
      const v = await other.authVersion();
      await store.addTeam("desk");
      expect(await other.authVersion()).toBeGreaterThan(v);
    });
  });

  describe("audit log", () => {
    it("records an intent as PENDING with the actor's name at that time, then its outcome", async () => {
      const bob = await store.addUser("bob", false);
      const before = Date.now();
      const id = await store.auditBegin({
        actorId: bob.id,
        accountId: "desk-a",
        action: "SET_MMP",
        input: '{"qtyLimit":"2.3"}',
        previous: '{"qtyLimit":"1"}',
      });
      const [pending] = await store.listAudit({ limit: 10 });
      expect(pending).toEqual({
        id,
        at: expect.any(Date),
        actorId: bob.id,
        actorName: "bob",
        accountId: "desk-a",
        action: "SET_MMP",
        input: '{"qtyLimit":"2.3"}',
        previous: '{"qtyLimit":"1"}',
        outcome: "PENDING",
        exchangeCode: null,
        exchangeMessage: null,
        durationMs: null,
        result: null,
      });
      expect(pending?.at.getTime()).toBeGreaterThanOrEqual(before);

      await store.auditComplete(id, {
        outcome: "REJECTED",
        exchangeCode: -2010,
        exchangeMessage: "nope",
        durationMs: 42,
      });
      const [done] = await store.listAudit({ limit: 10 });
      expect(done).toMatchObject({
        id,
        outcome: "REJECTED",
        exchangeCode: -2010,
        exchangeMessage: "nope",
        durationMs: 42,
        result: null,
      });
    });

    it("accepts a missing actor and a missing account (history outlives both)", async () => {
      const id = await store.auditBegin({ actorId: null, accountId: null, action: "USER_ADD", input: "{}" });
      await store.auditBegin({ actorId: "u_gone", accountId: "gone", action: "SET_MMP", input: "{}" });
      const rows = await store.listAudit({ limit: 10 });
      expect(rows.map((r) => [r.actorId, r.actorName, r.accountId, r.previous])).toEqual([
        ["u_gone", null, "gone", null],
        [null, null, null, null],
      ]);
      expect(rows[1]?.id).toBe(id);
    });

    it("keeps a completion's result, and lets a later completion replace an earlier one", async () => {
      const id = await store.auditBegin({ actorId: null, accountId: "a", action: "SET_MMP", input: "{}" });
      await store.auditComplete(id, { outcome: "UNKNOWN", exchangeMessage: "timeout", durationMs: 10 });
      await store.auditComplete(id, { outcome: "SUCCEEDED", result: '{"ok":true}', durationMs: 12.6 });
      const [r] = await store.listAudit({ limit: 1 });
      expect(r).toMatchObject({ outcome: "SUCCEEDED", result: '{"ok":true}', durationMs: 13 });
    });

    it("says when the record to complete does not exist", async () => {
      await rejectsWith(
        store.auditComplete(987654, { outcome: "FAILED", durationMs: 1 }),
        StoreNotFoundError,
        "audit record 987654 does not exist",
      );
    });

    it("lists newest first, filters by account, paginates with beforeId", async () => {
      const ids: number[] = [];
      for (let i = 0; i < 7; i++) {
        ids.push(
          await store.auditBegin({
            actorId: null,
            accountId: `acc-${i % 3}`,
            action: "SET_MMP",
            input: `{"i":${i}}`,
          }),
        );
      }
      for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1] as number);
      const all = await store.listAudit({ limit: 100 });
      expect(all.map((r) => r.id)).toEqual([...ids].reverse());

      const page1 = await store.listAudit({ limit: 3 });
      const page2 = await store.listAudit({ limit: 3, beforeId: page1[2]?.id });
      const page3 = await store.listAudit({ limit: 3, beforeId: page2[2]?.id });
      expect([...page1, ...page2, ...page3].map((r) => r.id)).toEqual([...ids].reverse());
      expect(page3).toHaveLength(1);

      const of02 = await store.listAudit({ accountIds: ["acc-0", "acc-2"], limit: 100 });
      expect(of02.map((r) => r.input)).toEqual(['{"i":6}', '{"i":5}', '{"i":3}', '{"i":2}', '{"i":0}']);
      const of02page = await store.listAudit({
        accountIds: ["acc-0", "acc-2"],
        limit: 2,
        beforeId: of02[1]?.id,
      });
      expect(of02page.map((r) => r.input)).toEqual(['{"i":3}', '{"i":2}']);

      expect(await store.listAudit({ accountIds: [], limit: 100 })).toEqual([]);
      expect(await store.listAudit({ accountIds: ["acc-9"], limit: 100 })).toEqual([]);
      expect(await store.listAudit({ limit: 0 })).toEqual([]);
      expect(await store.listAudit({ limit: 100, beforeId: ids[0] })).toEqual([]);
    });

    it("settles a record only while it is PENDING", async () => {
      const id = await store.auditBegin({ actorId: null, accountId: "a", action: "SET_MMP", input: "{}" });
      const done = await store.auditBegin({ actorId: null, accountId: "a", action: "SET_MMP", input: "{}" });
      await store.auditComplete(done, { outcome: "REJECTED", exchangeMessage: "own answer", durationMs: 5 });

      expect(
        await store.auditSettle(id, { outcome: "UNKNOWN", exchangeMessage: "first", durationMs: 9.4 }),
      ).toBe(true);
      // a second settle (another replica's sweep) changes nothing
      expect(await store.auditSettle(id, { outcome: "SUCCEEDED", result: "{}", durationMs: 1 })).toBe(false);
      // nor does settling a record its own request completed, or one that does not exist
      expect(await store.auditSettle(done, { outcome: "UNKNOWN", durationMs: 1 })).toBe(false);
      expect(await store.auditSettle(987654, { outcome: "UNKNOWN", durationMs: 1 })).toBe(false);

      const [second, first] = await store.listAudit({ limit: 2 });
      expect(first).toMatchObject({ id, outcome: "UNKNOWN", exchangeMessage: "first", durationMs: 9 });
      expect(second).toMatchObject({ id: done, outcome: "REJECTED", exchangeMessage: "own answer" });
      // the request's own completion still wins over a settle, however late it comes
      await store.auditComplete(id, { outcome: "SUCCEEDED", result: '{"late":true}', durationMs: 3 });
      expect((await store.listAudit({ limit: 2 }))[1]).toMatchObject({ id, outcome: "SUCCEEDED" });
    });

    it("lists PENDING records oldest first", async () => {
      const a = await store.auditBegin({ actorId: null, accountId: "x", action: "SET_MMP", input: "{}" });
      const b = await store.auditBegin({ actorId: null, accountId: "x", action: "RESET_MMP", input: "{}" });
      const c = await store.auditBegin({
        actorId: null,
        accountId: "x",
        action: "SET_KILL_SWITCH",
        input: "{}",
      });
      await store.auditComplete(b, { outcome: "SUCCEEDED", durationMs: 1 });
      expect((await store.pendingAudit()).map((r) => [r.id, r.action, r.outcome])).toEqual([
        [a, "SET_MMP", "PENDING"],
        [c, "SET_KILL_SWITCH", "PENDING"],
      ]);
    });
  });

  describe("a second instance on the same database", () => {
    it("sees the writes of the first at once", async () => {
      const other = db.reopen();
      await other.migrate();
      await store.addAccount(account("desk-a"));
      const bob = await store.addUser("bob", false);
      await store.addToken(bob.id, "f".repeat(64));
      const id = await store.auditBegin({
        actorId: bob.id,
        accountId: "desk-a",
        action: "SET_MMP",
        input: "{}",
      });
      expect((await other.getAccount("desk-a"))?.apiKey).toBe("key-desk-a");
      expect((await other.findTokenByHash("f".repeat(64)))?.user.name).toBe("bob");
      expect((await other.pendingAudit()).map((r) => r.id)).toEqual([id]);
      await other.auditComplete(id, { outcome: "SUCCEEDED", durationMs: 1 });
      expect(await store.pendingAudit()).toEqual([]);
    });

    it("settles each PENDING record once when both settle it at the same time", async () => {
      const other = db.reopen();
      await other.migrate();
      const ids: number[] = [];
      for (let i = 0; i < 20; i++) {
        ids.push(await store.auditBegin({ actorId: null, accountId: "a", action: "SET_MMP", input: "{}" }));
      }
      const settle = (s: Store, by: string) =>
        Promise.all(
          ids.map((id) => s.auditSettle(id, { outcome: "UNKNOWN", exchangeMessage: by, durationMs: 1 })),
        );
      const [mine, theirs] = await Promise.all([settle(store, "one"), settle(other, "two")]);
      // exactly one of the two settled each record, and the record says which
      const records = new Map((await store.listAudit({ limit: 100 })).map((r) => [r.id, r]));
      ids.forEach((id, i) => {
        expect(mine[i] !== theirs[i]).toBe(true);
        expect(records.get(id)?.exchangeMessage).toBe(mine[i] ? "one" : "two");
      });
      expect(await other.pendingAudit()).toEqual([]);
    });
  });
});
