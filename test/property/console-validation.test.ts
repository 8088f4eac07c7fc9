/**
 * The console checks MMP inputs before anything is sent (console/src/validation.ts): it must refuse
 * exactly what the gateway refuses (the Decimal and Long scalars, then src/mmp/mmp.validation.ts and each
 * venue's rules in src/mmp/venue-rules.ts), so a trader never sees a value pass the form and fail at the
 * gateway, nor a valid value blocked.
 */
import fc from "fast-check";
import { validateDraft, inputOf, longInput, type MmpDraft } from "../../console/src/validation";
import type { Venue as ConsoleVenue } from "../../console/src/venues";
import { venueSettings } from "../../src/mmp/venue-rules";
import type { Venue } from "../../src/domain";
import { parseDecimalText } from "../../src/graphql/scalars/decimal.scalar";
import { parseLongText } from "../../src/graphql/scalars/long.scalar";
import { checkFrozenTime, checkPositiveDecimal, checkWindow } from "../../src/mmp/mmp.validation";

const VALID: MmpDraft = {
  qtyLimit: "2.5",
  deltaLimit: "1",
  vegaLimit: "",
  maxQuoteQuantity: "",
  windowTimeInMilliseconds: "3000",
  frozenTimeInMilliseconds: "0",
};

const accepts = (f: () => unknown) => {
  try {
    f();
    return true;
  } catch {
    return false;
  }
};

/** strings shaped like what people type: digits, dots, signs, spaces, exponents, commas */
const typed = fc.oneof(
  fc.stringMatching(/^[-+ ]?[0-9]{0,22}(\.[0-9]{0,8})?(e[0-9])?[ ,]?$/),
  fc.string({ maxLength: 70 }),
  fc.constantFrom("", "0", "0.0", "00.5", "0.5", ".5", "5.", "1e3", "-1", "+1", " 1", "1,5", "9".repeat(65)),
);

describe("the console's MMP input checks match the gateway's (Binance)", () => {
  it("quantity and delta limits", () => {
    fc.assert(
      fc.property(typed, (text) => {
        const server = accepts(() => checkPositiveDecimal("qtyLimit", parseDecimalText(text)));
        const consoleOk =
          validateDraft("BINANCE", { ...VALID, qtyLimit: text, deltaLimit: text }).qtyLimit === undefined;
        expect(consoleOk).toBe(server);
        expect(validateDraft("BINANCE", { ...VALID, deltaLimit: text }).deltaLimit === undefined).toBe(
          server,
        );
      }),
      { numRuns: 2000 },
    );
  });

  it("window", () => {
    fc.assert(
      fc.property(fc.oneof(typed, fc.integer({ min: -10, max: 6000 }).map(String)), (text) => {
        // GraphQL Int: the console sends Number(text); the gateway then checks the range
        const asInt = /^-?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : NaN;
        const server =
          !Number.isNaN(asInt) && /^(0|[1-9]\d*)$/.test(text) && accepts(() => checkWindow("w", asInt));
        expect(
          validateDraft("BINANCE", { ...VALID, windowTimeInMilliseconds: text }).windowTimeInMilliseconds ===
            undefined,
        ).toBe(server);
      }),
      { numRuns: 2000 },
    );
  });

  it("frozen time, sent as the Long the gateway reads", () => {
    fc.assert(
      fc.property(fc.oneof(typed, fc.bigInt({ min: -5n, max: 2n ** 64n }).map(String)), (text) => {
        const consoleOk =
          validateDraft("BINANCE", { ...VALID, frozenTimeInMilliseconds: text }).frozenTimeInMilliseconds ===
          undefined;
        const server = accepts(() => checkFrozenTime("f", parseLongText(String(text))));
        // the console also refuses "-0" and leading zeros, which no one means as a time
        if (consoleOk) {
          expect(server).toBe(true);
          const sent = longInput(text);
          expect(BigInt(sent)).toBe(BigInt(text));
        } else if (!/^-0$|^-?0\d/.test(text)) {
          expect(server).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

/** a scope key each venue takes, so that only the fields decide */
const UNDERLYING: Record<ConsoleVenue, string> = {
  BINANCE: "BTCUSDT",
  BYBIT: "BTC",
  OKX: "BTC-USD",
  DERIBIT: "btc_usd",
};

/** mostly values a desk types (often valid, near every venue's bounds), sometimes anything */
const limitText = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[1-9][0-9]{0,3}(\.[0-9]{1,6})?$/) },
  { weight: 1, arbitrary: fc.constantFrom("", "0", "0.00", "1.10", "1.1000", "2.50000") },
  { weight: 1, arbitrary: typed },
);
const msText = fc.oneof(
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 3_700 }).map((s) => String(s * 1000)) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 6_000 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom("3600000", "3601000", "2147483647", "2147483648", "") },
  { weight: 1, arbitrary: typed },
);
const draft = fc.record<MmpDraft>({
  qtyLimit: limitText,
  deltaLimit: limitText,
  vegaLimit: limitText,
  maxQuoteQuantity: limitText,
  windowTimeInMilliseconds: msText,
  frozenTimeInMilliseconds: msText,
});

function sameLong(typed: bigint, sent: number | string): bigint {
  if (BigInt(sent) !== typed) throw new Error(`sent ${sent} for ${typed}`);
  return typed;
}

/** what the gateway does with what the console would send for the draft: its scalars, then the venue's rules */
function gatewayAccepts(venue: ConsoleVenue, d: MmpDraft): boolean {
  const input = inputOf({ accountId: "a", underlying: UNDERLYING[venue], venue }, d);
  const text = d.windowTimeInMilliseconds;
  // GraphQL Int (32-bit) from what the console would send; as above, "01" is refused by the console only
  const int = /^(0|[1-9]\d*)$/.test(text) ? Number(text) : NaN;
  if (!(Number.isInteger(int) && Math.abs(int) <= 2 ** 31 - 1 && int === input.windowTimeInMilliseconds))
    return false;
  const decimal = (v: string | null | undefined) => (v == null ? v : parseDecimalText(v));
  return accepts(() =>
    venueSettings(venue.toLowerCase() as Venue, {
      underlying: input.underlying,
      windowTimeInMilliseconds: int,
      // the Long as typed; what the console sends for it must be the same number
      frozenTimeInMilliseconds: sameLong(
        parseLongText(d.frozenTimeInMilliseconds),
        input.frozenTimeInMilliseconds,
      ),
      qtyLimit: parseDecimalText(input.qtyLimit),
      deltaLimit: decimal(input.deltaLimit),
      vegaLimit: decimal(input.vegaLimit),
      maxQuoteQuantity: decimal(input.maxQuoteQuantity),
    }),
  );
}

describe.each(["BINANCE", "BYBIT", "OKX", "DERIBIT"] as const)(
  "on %s the console refuses exactly what the gateway refuses",
  (venue) => {
    it("for whole drafts, sending only the venue's fields", () => {
      let accepted = 0;
      fc.assert(
        fc.property(draft, (d) => {
          const consoleOk = Object.keys(validateDraft(venue, d)).length === 0;
          // leading zeros and "-0" in times are refused by the console only: no one means them
          const odd = /^-0$|^-?0\d/.test(d.frozenTimeInMilliseconds);
          if (!odd) expect(consoleOk).toBe(gatewayAccepts(venue, d));
          else if (consoleOk) expect(gatewayAccepts(venue, d)).toBe(true);
          if (consoleOk) accepted++;
        }),
        { numRuns: 3000 },
      );
      // the generator reaches both sides
      expect(accepted).toBeGreaterThan(30);
    });
  },
);
