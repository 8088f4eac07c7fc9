/**
 * How much the V8 heap may grow between full collections.
 *
 * Under load, part of every in-flight request (its GraphQL execution state, the axios config of its
 * exchange call, the audit record being written) is alive when a young-generation collection runs and is
 * promoted to the old generation, where it dies a few milliseconds later. The old generation then fills
 * with such dead objects until the next full (mark-compact) collection, and V8's own heuristics let it
 * grow to several times the live set first, which is what drives peak RSS under load. Limiting the
 * growth makes full collections come sooner (each one is cheap: the live set is small). Too small a
 * factor collects so often that the pauses cost more CPU and a longer p99 than they save in memory;
 * the default factor of 2 (100%) is the measured balance (figures in docs/performance.md).
 *
 * V8 reads the flag each time it sizes the next limit, so setting it at start-up takes effect. It cannot
 * be given through NODE_OPTIONS (node refuses V8 flags there), hence this setting.
 */
import { setFlagsFromString } from "node:v8";

/** Applies HEAP_GROWTH_PERCENT to this process; 0 leaves V8's heuristics alone. */
export function applyHeapGrowth(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0) {
    throw new RangeError(`heap growth percent must be a non-negative integer, got ${percent}`);
  }
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
