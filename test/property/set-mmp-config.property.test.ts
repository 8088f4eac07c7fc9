/**
 * setMmpConfig through the real HTTP endpoint with generated inputs (fast-check), against the simulator.
 *
 * - Valid inputs, sent as JSON strings, as JSON numbers (when exact) or as literals in the query text:
 *   the call succeeds, and what reached the simulator, what it holds and what the gateway answered all
 *   equal the input numerically.
 * - Hostile inputs (one field replaced by anything): never a 5XX or an internal error; a refusal names
 *   a known code; and if something does get through, it reached the exchange numerically unchanged.
 */
import { Decimal as DecimalJs } from "decimal.js";
import fc from "fast-check";
import { MAX_FROZEN_MS } from "../../src/mmp/mmp.validation";
import { DEFAULT_UNDERLYINGS } from "../../src/simulator";
import { SET_MMP, startFaultHarness, type FaultHarness, type GqlAnswer } from "../helpers/fault-harness";

let h: FaultHarness;
let apiKey: string;

beforeAll(async () => {
  h = await startFaultHarness({
    config: { mutationRateLimits: { perUser: undefined, perAccount: undefined } },
  });
  apiKey = h.apiKey("desk-a");
});
afterAll(() => h?.stop());

interface Valid {
  underlying: string;
  window: number;
  frozen: bigint;
  qty: string;
  delta: string;
}

/** Positive plain decimals the exchange accepts: at most 16 decimal places. */
const positiveDecimal = fc
  .tuple(
    fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 99n })),
    fc.option(fc.stringMatching(/^\d{1,16}$/), { nil: undefined }),
  )
  .map(([int, frac]) => `${int}${frac === undefined ? "" : `.${frac}`}`)
  .filter((t) => new DecimalJs(t).gt(0));

const validInput: fc.Arbitrary<Valid> = fc.record({
  underlying: fc.constantFrom(...DEFAULT_UNDERLYINGS),
  window: fc.integer({ min: 1, max: 5000 }),
  frozen: fc.oneof(fc.bigInt({ min: 0n, max: MAX_FROZEN_MS }), fc.bigInt({ min: 0n, max: 10n ** 7n })),
  qty: positiveDecimal,
  delta: positiveDecimal,
});

type Encoding = "strings" | "numbers" | "literal";

/** A decimal goes out as a JSON number only when that is exact (at most 15 significant digits). */
function decimalJson(text: string, encoding: Encoding): string | number {
  const digits = text.replace(".", "").replace(/^0+/, "").length;
  return encoding === "numbers" && digits <= 15 ? Number(text) : text;
}

function request(v: Valid, encoding: Encoding): { query: string; variables?: Record<string, unknown> } {
  if (encoding === "literal") {
    return {
      query: `mutation { setMmpConfig(input: {accountId: "desk-a", underlying: "${v.underlying}",
        windowTimeInMilliseconds: ${v.window}, frozenTimeInMilliseconds: ${v.frozen},
        qtyLimit: ${v.qty}, deltaLimit: "${v.delta}"}) {
        underlying windowTimeInMilliseconds frozenTimeInMilliseconds qtyLimit deltaLimit } }`,
    };
  }
  const safe = v.frozen <= BigInt(Number.MAX_SAFE_INTEGER);
  return {
    query: SET_MMP,
    variables: {
      input: {
        accountId: "desk-a",
        underlying: v.underlying,
        windowTimeInMilliseconds: v.window,
        frozenTimeInMilliseconds: encoding === "numbers" && safe ? Number(v.frozen) : v.frozen.toString(),
        qtyLimit: decimalJson(v.qty, encoding),
        deltaLimit: decimalJson(v.delta, encoding),
      },
    },
  };
}

const same = (a: unknown, b: string) => typeof a === "string" && new DecimalJs(a).eq(new DecimalJs(b));

function lastMmpSet() {
  const sent = h.sim.requests.filter((r) => r.path === "/eapi/v1/mmpSet");
  return sent[sent.length - 1];
}

/** What reached the simulator equals what was asked, numerically; and so does what it now holds. */
function expectReachedExactly(v: Valid): void {
  const sent = lastMmpSet();
  expect(sent?.accepted).toBe(true);
  expect(sent?.params.underlying).toBe(v.underlying);
  expect(sent?.params.windowTimeInMilliseconds).toBe(String(v.window));
  expect(sent?.params.frozenTimeInMilliseconds).toBe(v.frozen.toString());
  expect(same(sent?.params.qtyLimit, v.qty)).toBe(true);
  expect(same(sent?.params.deltaLimit, v.delta)).toBe(true);
  const held = h.sim.mmpState(apiKey, v.underlying);
  expect(held?.frozenTimeInMilliseconds).toBe(v.frozen);
  expect(same(held?.qtyLimit, v.qty) && same(held?.deltaLimit, v.delta)).toBe(true);
}

async function post(body: { query: string; variables?: Record<string, unknown> }): Promise<GqlAnswer> {
  return h.gql(h.tokens.alice!, body.query, body.variables);
}

it("valid inputs in every encoding reach the exchange numerically unchanged (200 runs)", async () => {
  await fc.assert(
    fc.asyncProperty(
      validInput,
      fc.constantFrom<Encoding>("strings", "numbers", "literal"),
      async (v, enc) => {
        h.sim.clearRequests();
        const answer = await post(request(v, enc));
        expect(answer.status).toBe(200);
        expect(answer.body.errors).toBeUndefined();
        const cfg = (answer.body.data as { setMmpConfig: Record<string, unknown> }).setMmpConfig;
        expect(cfg.windowTimeInMilliseconds).toBe(v.window);
        expect(BigInt(cfg.frozenTimeInMilliseconds as number | string)).toBe(v.frozen);
        expect(same(cfg.qtyLimit, v.qty) && same(cfg.deltaLimit, v.delta)).toBe(true);
        expectReachedExactly(v);
      },
    ),
    { numRuns: 200 },
  );
});

const FIELDS = [
  "underlying",
  "windowTimeInMilliseconds",
  "frozenTimeInMilliseconds",
  "qtyLimit",
  "deltaLimit",
] as const;

const hostileValue = fc.oneof(
  fc.string(),
  fc.constantFrom(
    "1e3",
    "-1",
    "0",
    "0.0",
    "+1",
    " 1",
    "1 ",
    "0x10",
    "NaN",
    "Infinity",
    ".5",
    "5.",
    "00.5",
    "１",
    "1\u0000",
    "1.00000000000000001",
    "9223372036854775808",
    "-9223372036854775809",
    "BTCUSDT&recvWindow=59999",
    "btcusdt",
    "",
    "5001",
    "0.1+0.2",
  ),
  fc.double(),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.constantFrom(null, true, [], {}),
  fc.stringMatching(/^\d{1,3}\.\d{17,30}$/), // more places than the exchange accepts
);

it("hostile inputs: no 5XX, no internal error, and whatever gets through is exact (100 runs)", async () => {
  await fc.assert(
    fc.asyncProperty(validInput, fc.constantFrom(...FIELDS), hostileValue, async (v, field, bad) => {
      h.sim.clearRequests();
      const { query, variables } = request(v, "strings");
      const input = { ...(variables!.input as Record<string, unknown>), [field]: bad };
      const answer = await post({ query, variables: { input } });
      expect(answer.status).toBeLessThan(500);
      const codes = (answer.body.errors ?? []).map((e) => e.extensions?.code);
      for (const code of codes) expect(["BAD_USER_INPUT", "EXCHANGE_REJECTED"]).toContain(code);
      if (codes.includes("BAD_USER_INPUT")) {
        expect(answer.body.errors?.[0]?.extensions?.field).toBe(field);
        expect(lastMmpSet()).toBeUndefined(); // refused before anything was signed
      }
      if (codes.length === 0) {
        // it was a valid value after all (e.g. a JSON number that is an exact decimal): it is exact
        const sent = lastMmpSet()!;
        const asked = String(bad);
        if (field === "qtyLimit" || field === "deltaLimit")
          expect(same(sent.params[field], asked)).toBe(true);
        else expect(sent.params[field]).toBe(asked);
      }
    }),
    { numRuns: 100 },
  );
  // and the gateway is still serving
  expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
});
