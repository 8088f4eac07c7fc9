/**
 * Runs `fn` over `items` with at most `limit` calls in flight and returns the results in item order.
 *
 * Why bounded: every item is an exchange call that costs request weight, shared by every account behind
 * the gateway's IP. A small fixed concurrency keeps one caller's fan-out from crowding out the others'
 * calls (the client's admission control then refuses, with nothing sent, before the weight limit).
 *
 * The first failure stops new calls from starting; calls already in flight finish (they cannot be
 * recalled), then that first error is thrown. Callers that want every item's own outcome catch inside
 * `fn`.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError("limit must be a positive integer");
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;

  async function worker(): Promise<void> {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  }

  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, () => worker()));
  if (failure !== undefined) throw failure.error;
  return results;
}
