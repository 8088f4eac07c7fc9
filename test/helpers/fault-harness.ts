/**
 * For the fault, rate-limit and hardening suites: the end-to-end harness (harness.ts) on a fresh SQLite
 * file, against a simulator built with the given options, with configuration overrides (short exchange
 * timeouts keep these suites fast). Talks to the gateway over HTTP only.
 */
import { startHarness, type GraphQLResponse, type Harness, type HarnessOptions } from "./harness";

export type GqlAnswer<T = Record<string, unknown>> = GraphQLResponse<T>;
export type FaultHarness = Harness;
export type FaultHarnessOptions = Pick<HarnessOptions, "simulator" | "config" | "env">;

export function startFaultHarness(opts: FaultHarnessOptions = {}): Promise<FaultHarness> {
  return startHarness(opts);
}

export const SET_MMP = `mutation Set($input: SetMmpConfigInput!) {
  setMmpConfig(input: $input) {
    accountId underlyingId underlying windowTimeInMilliseconds frozenTimeInMilliseconds qtyLimit deltaLimit lastTriggerTime
  }
}`;

/** A distinct valid input each call, so a test can tell its own change from an earlier one. */
let serial = 0;
export function freshInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  serial++;
  return {
    accountId: "desk-a",
    underlying: "BTCUSDT",
    windowTimeInMilliseconds: 1000 + (serial % 4000),
    frozenTimeInMilliseconds: String(60_000 + serial),
    qtyLimit: `${serial}.25`,
    deltaLimit: `0.${serial}5`,
    ...overrides,
  };
}
