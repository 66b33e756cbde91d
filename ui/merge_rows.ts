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

/** The result of {@linkcode appendBatch}. */
export interface AppendedRows {
  /** Held rows and the batch's new ones, oldest first, at most `maxRows`. */
  rows: readonly PacketRow[];
  /** Of the batch's skipped packets, those the table does not hold. */
  skipped: number;
}

/**
 * Appends a streamed `packet` batch (`batchRows`, oldest first, and
 * `skipped` packets not sent as rows) to the `held` rows. Rows already held
 * (from a fetch) are not added twice. A batch whose rows are all held came
 * after a fetch that went past them: its skipped packets, which follow its
 * rows, were fetched too, and are not counted again (so a finished replay's
 * table, fetched whole, does not say packets were sampled out when a last
 * batch arrives after the fetch).
 */
export function appendBatch(
  held: readonly PacketRow[],
  batchRows: readonly PacketRow[],
  skipped: number,
  maxRows: number,
): AppendedRows {
  if (batchRows.length === 0) return { rows: held, skipped };
  const last = held.at(-1)?.n ?? 0;
  const fresh = batchRows[0]!.n > last
    ? batchRows
    : batchRows.filter((row) => row.n > last);
  if (fresh.length === 0) return { rows: held, skipped: 0 };
  const overflow = held.length + fresh.length - maxRows;
  return {
    rows: overflow > 0
      ? held.slice(overflow).concat(fresh.slice(-maxRows))
      : held.concat(fresh),
    skipped,
  };
}
