/**
 * Which services the protocol mix's legend lists: the largest first, none
 * whose share would read 0.0 %.
 *
 * @module
 */

import type { ProtocolShare } from "../detectors/stats/traffic_stats.ts";

/** Legend items shown at most. */
export const MAX_LEGEND_ITEMS = 12;
/** Smallest share listed, %: anything less reads 0.0 %. */
const MIN_LEGEND_PERCENT = 0.05;

/** The legend's services and how many were left out for their tiny share. */
export interface LegendShares {
  /** Listed, in `shares`' order. */
  listed: ProtocolShare[];
  /** Services with traffic not listed because their share reads 0.0 % (or past {@linkcode MAX_LEGEND_ITEMS}). */
  omitted: number;
}

/**
 * The legend of `shares` (largest first) by `metric`: services whose share
 * reads 0.0 % are left out unless `hidden` (so a service hidden from the
 * doughnut can always be shown again).
 */
export function legendShares(
  shares: readonly ProtocolShare[],
  metric: "packets" | "bytes",
  hidden: ReadonlySet<string>,
): LegendShares {
  const listed = shares.filter((share) =>
    hidden.has(share.name) ||
    (metric === "bytes" ? share.bytesPercent : share.packetsPercent) >=
      MIN_LEGEND_PERCENT
  ).slice(0, MAX_LEGEND_ITEMS);
  return { listed, omitted: shares.length - listed.length };
}
