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

/**
 * Packets, bytes and extra bytes for the seconds of the last `windowSeconds`
 * in which something was added, oldest first. Memory: at most
 * 4 × windowSeconds numbers.
 */
export class WindowCounts {
  /** Flat records: second, packets, bytes, extra bytes. */
  readonly #records: number[] = [];

  /** Seconds with a record now (≤ windowSeconds). */
  get recordCount(): number {
    return this.#records.length / STRIDE;
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
    if (at < 0 || records[at]! < second) {
      this.#drop(second - windowSeconds);
      at = records.length;
      records.push(second, 0, 0, 0);
    } else if (records[at] !== second) {
      if (second <= records[at]! - windowSeconds) return;
      while (at >= 0 && records[at]! > second) at -= STRIDE;
      if (at < 0 || records[at] !== second) {
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
    let total = 0;
    for (let at = records.length - STRIDE; at >= 0; at -= STRIDE) {
      const second = records[at]!;
      if (second <= endSecond - windowSeconds) break;
      if (second <= endSecond) total += records[at + channel]!;
    }
    return total;
  }

  /** Removes every record (for an entry reused under a new key). */
  clear(): void {
    this.#records.length = 0;
  }

  /** Removes the records of seconds ≤ `oldestDroppedSecond`. */
  #drop(oldestDroppedSecond: number): void {
    const records = this.#records;
    let count = 0;
    while (count < records.length && records[count]! <= oldestDroppedSecond) {
      count += STRIDE;
    }
    if (count > 0) records.splice(0, count);
  }
}
