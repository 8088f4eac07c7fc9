import { ExchangeSimulator } from "../../src/simulator";

describe("simulator control route and request log bound", () => {
  it("serves the trigger route only when enabled, and reports an unknown config clearly", async () => {
    const off = new ExchangeSimulator();
    const on = new ExchangeSimulator({ controlRoutes: true });
    try {
      const offUrl = await off.start();
      const onUrl = await on.start();
      const path = "/__simulator/trigger?apiKey=nobody&underlying=BTCUSDT";
      const offRes = await fetch(offUrl + path, { method: "POST" });
      expect(offRes.status).not.toBe(200);
      expect(offRes.status).not.toBe(400);
      const onRes = await fetch(onUrl + path, { method: "POST" });
      expect(onRes.status).toBe(400);
      expect(((await onRes.json()) as { error: string }).error).toContain("no MMP config");
    } finally {
      await off.stop();
      await on.stop();
    }
  });

  it("keeps only the newest requests", async () => {
    const sim = new ExchangeSimulator({ maxRecordedRequests: 3 });
    try {
      const url = await sim.start();
      for (let i = 0; i < 5; i++) await (await fetch(`${url}/eapi/v1/time`)).text();
      expect(sim.requests).toHaveLength(3);
    } finally {
      await sim.stop();
    }
  });
});
