/**
 * The grace period follows the exchange timeouts: every attempt a change can make after its PENDING
 * record is written, at its longest, plus a margin (src/audit/pending-grace.ts).
 */
import { loadConfig } from "../../src/config";
import { PENDING_GRACE_MARGIN_MS, pendingGraceMs, sweepIntervalMs } from "../../src/audit/pending-grace";

it("is 2 sends and 3 reads (each with its retries and pauses) at the configured timeouts, plus a margin", () => {
  // defaults: 2000 ms to connect, 5000 ms to answer; reads retried twice after 150 ms and 300 ms at most
  expect(pendingGraceMs(loadConfig({}).exchange)).toBe(2 * 7000 + 3 * (3 * 7000 + 450) + 1000);
  expect(PENDING_GRACE_MARGIN_MS).toBe(1000);
  // shorter timeouts, shorter grace
  const short = loadConfig({ EXCHANGE_CONNECT_TIMEOUT_MS: "100", EXCHANGE_TIMEOUT_MS: "400" }).exchange;
  expect(pendingGraceMs(short)).toBe(2 * 500 + 3 * (3 * 500 + 450) + 1000);
  // the retry rules count too
  expect(pendingGraceMs(short, { readRetries: 0, readRetryBaseMs: 100 })).toBe(2 * 500 + 3 * 500 + 1000);
});

it("sweeps four times per grace period", () => {
  expect(sweepIntervalMs(79_350)).toBe(19_838);
  expect(sweepIntervalMs(1)).toBe(1);
});
