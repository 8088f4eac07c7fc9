/**
 * HEAP_GROWTH_PERCENT reaches V8 (src/observability/heap.ts). V8 ignores a flag it does not know without a
 * word, so the test also checks that this node's V8 still has it: an upgrade that drops it fails here.
 */
import { execFileSync } from "node:child_process";
import type * as V8Module from "node:v8";
import { applyHeapGrowth } from "../../src/observability/heap";

// The module object itself: a spy on it is what the code under test calls.
const v8 = jest.requireActual<typeof V8Module>("node:v8");

afterEach(() => jest.restoreAllMocks());

describe("applyHeapGrowth", () => {
  it("sets V8's heap growing factor, a flag this node's V8 knows", () => {
    const set = jest.spyOn(v8, "setFlagsFromString").mockImplementation(() => undefined);
    applyHeapGrowth(30);
    expect(set).toHaveBeenCalledWith("--heap-growing-percent=30");
    const flags = execFileSync(process.execPath, ["--v8-options"], { encoding: "utf8" });
    expect(flags).toContain("--heap-growing-percent ");
  });

  it("leaves V8's heuristics alone for 0", () => {
    const set = jest.spyOn(v8, "setFlagsFromString").mockImplementation(() => undefined);
    applyHeapGrowth(0);
    expect(set).not.toHaveBeenCalled();
  });

  it.each([-1, 1.5, Number.NaN])("refuses %p", (bad) => {
    expect(() => applyHeapGrowth(bad)).toThrow(RangeError);
  });
});
