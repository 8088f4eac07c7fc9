import { freshInput, SET_MMP, startFaultHarness } from "../helpers/fault-harness";
it("timing", async () => {
  const h = await startFaultHarness({ config: { mutationRateLimits: { perUser: undefined, perAccount: undefined } } });
  await h.gql(h.tokens.alice!, SET_MMP, { input: freshInput() });
  h.sim.clearRequests();
  const ts: number[] = [];
  for (let i = 0; i < 20; i++) { const t = performance.now(); await h.gql(h.tokens.alice!, SET_MMP, { input: freshInput() }); ts.push(Math.round(performance.now() - t)); }
  console.log("mutation ms", ts.join(","), h.sim.requests.map(r => r.path).join(","));
  await h.stop();
});
