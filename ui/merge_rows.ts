/**
 * Merging packet rows fetched from `GET /api/packets` into the rows the
 * table already holds.
 *
 * @module
 */

import type { PacketRow } from "../server/packet_row.ts";

/** The result of {@linkcode mergeRows}. */
export interface MergedRows {
  /** Held and fetched rows, oldest first, without duplicates, at most `maxRows`. */
  rows: readonly PacketRow[];
  /** Fetched rows that were not held before (whether or not `maxRows` kept them). */
  added: number;
}

/**
 * Merges `fetched` into `held` by packet number. Both lists are oldest first
 * (ascending `n`, as within one session: the numbering restarts only after
 * a clear, which empties `held`); a number held already keeps the held row.
 * Only the newest `maxRows` rows are kept.
 *
 * @example Filling the gaps of a sampled table
 * ```ts ignore
 * // Held rows 1 and 4, fetched 2, 3 and 4, at most 3 rows:
 * const merged = mergeRows(held, fetched, 3);
 * // merged.rows: packets 2, 3, 4; merged.added: 2
 * ```
 */
export function mergeRows(
  held: readonly PacketRow[],
  fetched: readonly PacketRow[],
  maxRows: number,
): MergedRows {
  const out: PacketRow[] = [];
  let added = 0;
  let i = 0;
  let j = 0;
  while (i < held.length || j < fetched.length) {
    const a = held[i];
    const b = fetched[j];
    if (b === undefined || (a !== undefined && a.n < b.n)) {
      out.push(a!);
      i++;
    } else if (a === undefined || b.n < a.n) {
      out.push(b);
      added++;
      j++;
    } else {
      out.push(a);
      i++;
      j++;
    }
  }
  return {
    rows: out.length > maxRows ? out.slice(out.length - maxRows) : out,
    added,
  };
}
