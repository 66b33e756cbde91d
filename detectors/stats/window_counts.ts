/**
 * Per-second counters of one table entry over a sliding window of packet
 * time, stored sparsely: one record (second, packets, bytes, extra bytes)
 * per second in which the entry was seen, so an entry seen once costs a few
 * numbers and a busy one at most `windowSeconds` records. A plain array (not
 * a typed array) so creating one per new host stays cheap on the hot path.
 *
 * @module
 */

/** Channel of the packet count in {@linkcode WindowCounts.sum}. */
export const WINDOW_PACKETS = 1;
/** Channel of the byte count. */
export const WINDOW_BYTES = 2;
/** Channel of the extra byte count (e.g. bytes sent by a host). */
export const WINDOW_EXTRA_BYTES = 3;

const STRIDE = 4;

/** Dropped numbers at the front of the records array that trigger a compaction. */
const COMPACT_AT = 16 * STRIDE;

/**
 * Packets, bytes and extra bytes for the seconds of the last `windowSeconds`
 * in which something was added, oldest first. Memory: at most
 * 4 × (windowSeconds + 16) numbers. Dropping old seconds only moves a start
 * index; the array is compacted once 16 records have been dropped, so
 * neither dropping nor clearing allocates.
 */
export class WindowCounts {
  /** Flat records from `#first` on: second, packets, bytes, extra bytes. */
  readonly #records: number[] = [];
  /** Index of the oldest live record (the ones before it were dropped). */
  #first = 0;

  /** Seconds with a record now (≤ windowSeconds). */
  get recordCount(): number {
    return (this.#records.length - this.#first) / STRIDE;
  }

  /**
   * Adds counts to `second`, dropping records that left the window of
   * `windowSeconds` ending at `second`. A late second (older than the newest
   * record but inside the window) gets its own record, in order; one older
   * than the window is ignored.
   */
  add(
    second: number,
    windowSeconds: number,
    packets: number,
    bytes: number,
    extraBytes: number,
  ): void {
    const records = this.#records;
    let at = records.length - STRIDE;
    if (at < this.#first || records[at]! < second) {
      this.#drop(second - windowSeconds);
      at = records.length;
      records.push(second, 0, 0, 0);
    } else if (records[at] !== second) {
      if (second <= records[at]! - windowSeconds) return;
      const first = this.#first;
      while (at >= first && records[at]! > second) at -= STRIDE;
      if (at < first || records[at] !== second) {
        at += STRIDE;
        records.splice(at, 0, second, 0, 0, 0);
      }
    }
    records[at + 1]! += packets;
    records[at + 2]! += bytes;
    records[at + 3]! += extraBytes;
  }

  /** Sum of `channel` over the `windowSeconds` seconds ending at `endSecond` (inclusive). */
  sum(endSecond: number, windowSeconds: number, channel: number): number {
    const records = this.#records;
    const first = this.#first;
    let total = 0;
    for (let at = records.length - STRIDE; at >= first; at -= STRIDE) {
      const second = records[at]!;
      if (second <= endSecond - windowSeconds) break;
      if (second <= endSecond) total += records[at + channel]!;
    }
    return total;
  }

  /** Removes every record (for an entry reused under a new key). */
  clear(): void {
    this.#first = this.#records.length;
    this.#compact();
  }

  /** Removes the records of seconds ≤ `oldestDroppedSecond`. */
  #drop(oldestDroppedSecond: number): void {
    const records = this.#records;
    let first = this.#first;
    while (first < records.length && records[first]! <= oldestDroppedSecond) {
      first += STRIDE;
    }
    this.#first = first;
    this.#compact();
  }

  /** Moves the live records to the front once enough were dropped before them. */
  #compact(): void {
    const first = this.#first;
    if (first < COMPACT_AT) return;
    const records = this.#records;
    records.copyWithin(0, first);
    records.length -= first;
    this.#first = 0;
  }
}
