/**
 * The console checks MMP inputs before anything is sent (console/src/validation.ts): it must refuse
 * exactly what the gateway refuses (the Decimal and Long scalars, then src/mmp/mmp.validation.ts), so a
 * trader never sees a value pass the form and fail at the gateway, nor a valid value blocked.
 */
import fc from "fast-check";
import { validateDraft, longInput, type MmpDraft } from "../../console/src/validation";
import { parseDecimalText } from "../../src/graphql/scalars/decimal.scalar";
import { parseLongText } from "../../src/graphql/scalars/long.scalar";
import { checkFrozenTime, checkPositiveDecimal, checkWindow } from "../../src/mmp/mmp.validation";

const VALID: MmpDraft = {
  qtyLimit: "2.5",
  deltaLimit: "1",
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

describe("the console's MMP input checks match the gateway's", () => {
  it("quantity and delta limits", () => {
    fc.assert(
      fc.property(typed, (text) => {
        const server = accepts(() => checkPositiveDecimal("qtyLimit", parseDecimalText(text)));
        const consoleOk =
          validateDraft({ ...VALID, qtyLimit: text, deltaLimit: text }).qtyLimit === undefined;
        expect(consoleOk).toBe(server);
        expect(validateDraft({ ...VALID, deltaLimit: text }).deltaLimit === undefined).toBe(server);
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
          validateDraft({ ...VALID, windowTimeInMilliseconds: text }).windowTimeInMilliseconds === undefined,
        ).toBe(server);
      }),
      { numRuns: 2000 },
    );
  });

  it("frozen time, sent as the Long the gateway reads", () => {
    fc.assert(
      fc.property(fc.oneof(typed, fc.bigInt({ min: -5n, max: 2n ** 64n }).map(String)), (text) => {
        const consoleOk =
          validateDraft({ ...VALID, frozenTimeInMilliseconds: text }).frozenTimeInMilliseconds === undefined;
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
