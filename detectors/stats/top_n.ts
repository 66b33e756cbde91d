/**
 * Top-N selection for snapshots: one pass over a table keeping the N best in
 * a small sorted array (O(M·N) worst case, O(M) typical), instead of sorting
 * every entry or ranking per packet.
 *
 * @module
 */

/**
 * Returns the `n` items with the highest positive `score`, highest first;
 * equal scores keep iteration order. `score` is called once per item.
 */
export function topN<T>(
  items: Iterable<T>,
  n: number,
  score: (item: T) => number,
): { item: T; score: number }[] {
  const best: { item: T; score: number }[] = [];
  if (n <= 0) return best;
  for (const item of items) {
    const value = score(item);
    if (!(value > 0)) continue;
    if (best.length === n && value <= best[n - 1]!.score) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]!.score < value) at--;
    best.splice(at, 0, { item, score: value });
    if (best.length > n) best.pop();
  }
  return best;
}
