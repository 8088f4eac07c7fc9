import { RedisLeader, type RedisLike } from "../../src/live/leader";

const quiet = { info: () => undefined, warn: () => undefined };

describe("Redis lease shutdown", () => {
  it("closes its connection even when Redis is unreachable, so that shutdown never hangs", async () => {
    let disconnected = false;
    let leading = true;
    const down = () => Promise.reject(new Error("Stream isn't writeable"));
    const redis: RedisLike = {
      set: async () => (leading ? "OK" : null),
      eval: async () => (leading ? 1 : down()),
      quit: down,
      disconnect: () => {
        disconnected = true;
      },
    };
    const leader = new RedisLeader("a", redis, "k", 60_000, quiet);
    await leader.start();
    expect(leader.isLeader()).toBe(true);
    leading = false; // Redis goes away: the release script and QUIT fail
    await leader.stop();
    expect(leader.isLeader()).toBe(false);
    expect(disconnected).toBe(true);
  });
});
