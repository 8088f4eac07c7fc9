/**
 * The store methods the GraphQL admin API relies on, against every adapter on a real database: disabling
 * users, listing tokens and memberships, and errors that say what they are about.
 */
import { StoreConflictError, StoreNotFoundError, type Store } from "../../src/store/port";
import { storeTargets, type StoreTarget } from "../helpers/store";

describe.each(storeTargets())("Store admin additions on $kind", (target: StoreTarget) => {
  let store: Store;

  beforeEach(async () => {
    store = (await target.fresh()).store;
  });

  afterAll(() => target.cleanup());

  it("disables and enables a user, writing (and invalidating caches) only on a real change", async () => {
    const bob = await store.addUser("bob", false);
    const token = await store.addToken(bob.id, "b".repeat(64));
    expect(await store.setUserDisabled("nobody", true)).toBeNull();

    const v0 = await store.authVersion();
    expect(await store.setUserDisabled("bob", true)).toEqual({
      user: { ...bob, disabled: true },
      changed: true,
    });
    const v1 = await store.authVersion();
    expect(v1).toBeGreaterThan(v0);
    expect((await store.findTokenByHash(token.hash))?.user.disabled).toBe(true);

    expect(await store.setUserDisabled("bob", true)).toMatchObject({
      changed: false,
      user: { disabled: true },
    });
    expect(await store.authVersion()).toBe(v1);

    expect(await store.setUserDisabled("bob", false)).toMatchObject({
      changed: true,
      user: { disabled: false },
    });
    expect(await store.getUserByName("bob")).toMatchObject({ disabled: false });
    expect(await store.authVersion()).toBeGreaterThan(v1);
  });

  it("lists a user's tokens oldest first, revoked ones included, and no one else's", async () => {
    const bob = await store.addUser("bob", false);
    const ann = await store.addUser("ann", false);
    const first = await store.addToken(bob.id, "1".repeat(64));
    await new Promise((r) => setTimeout(r, 5));
    const second = await store.addToken(bob.id, "2".repeat(64));
    await store.addToken(ann.id, "3".repeat(64));
    await store.revokeToken(first.id);

    const tokens = await store.listTokens(bob.id);
    expect(tokens.map((t) => t.id)).toEqual([first.id, second.id]);
    expect(tokens[0]?.revokedAt).toBeInstanceOf(Date);
    expect(tokens[1]?.revokedAt).toBeNull();
    expect(await store.listTokens("u_missing")).toEqual([]);
  });

  it("lists memberships by team, then user name", async () => {
    const zed = await store.addUser("zed", false);
    const amy = await store.addUser("amy", false);
    await store.addTeam("desk-b");
    await store.addTeam("desk-a");
    await store.addMember("desk-b", "amy");
    await store.addMember("desk-a", "zed");
    await store.addMember("desk-a", "amy");
    expect(await store.listMemberships()).toEqual([
      { team: "desk-a", userId: amy.id, userName: "amy" },
      { team: "desk-a", userId: zed.id, userName: "zed" },
      { team: "desk-b", userId: amy.id, userName: "amy" },
    ]);
  });

  it("says what a conflict or a missing row is about", async () => {
    await store.addUser("bob", false);
    await store.addTeam("desk");
    const subjectOf = (p: Promise<unknown>) =>
      p.then(
        () => "resolved",
        (e: unknown) =>
          e instanceof StoreConflictError || e instanceof StoreNotFoundError ? e.subject : "other",
      );
    expect(await subjectOf(store.addUser("bob", false))).toBe("user");
    expect(await subjectOf(store.addTeam("desk"))).toBe("team");
    expect(await subjectOf(store.addMember("nope", "bob"))).toBe("team");
    expect(await subjectOf(store.addMember("desk", "nobody"))).toBe("user");
    await store.addMember("desk", "bob");
    expect(await subjectOf(store.addMember("desk", "bob"))).toBe("membership");
    expect(await subjectOf(store.grant("desk", "ghost", "viewer"))).toBe("account");
    expect(await subjectOf(store.rotateAccountKey("ghost", "k", "s"))).toBe("account");
  });
});
