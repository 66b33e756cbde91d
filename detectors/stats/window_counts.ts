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
 * `#second` before anything was added: the smallest small integer (Smi), so
 * the field only ever holds small integers when the seconds given are small.
 */
const NO_SECOND = -0x40000000;

/** Dropped numbers at the front of the records array that trigger a compaction. */
const COMPACT_AT = 16 * STRIDE;

/**
 * Packets, bytes and extra bytes for the seconds of the last `windowSeconds`
 * in which something was added, oldest first. Seconds are integers above
 * -2^30; pass them relative to an epoch (traffic stats count from their
 * first packet's second) so they stay small integers: V8 keeps a larger
 * number in a field as a separate heap box, one more cache line to reach
 * in a cold entry (the 10k-source flood ran 9 % slower with Unix seconds).
 * Memory: at most 4 × (windowSeconds + 16) numbers. The newest second is
 * counted in fields of the object itself, so adding to it (nearly every
 * packet) touches no array; it joins the records when a later second
 * begins. Dropping old seconds only moves a start index; the array is
 * compacted once 16 records have been dropped, so neither dropping nor
 * clearing allocates.
 */
export class WindowCounts {
  /** Flat records of seconds before `#second`, from `#first` on: second, packets, bytes, extra bytes. */
  readonly #records: number[] = [];
  /** Index of the oldest live record (the ones before it were dropped). */
  #first = 0;
  /** The newest second added to (NO_SECOND before any), and its counts. */
  #second = NO_SECOND;
  #packets = 0;
  #bytes = 0;
  #extraBytes = 0;

  /** Seconds with counts now (≤ windowSeconds). */
  get recordCount(): number {
    return (this.#records.length - this.#first) / STRIDE +
      (this.#second === NO_SECOND ? 0 : 1);
  }

  /**
   * Adds counts to `second`, dropping records that left the window of
   * `windowSeconds` ending at `second`. A late second (older than the newest
   * but inside the window) gets its own record, in order; one older than the
   * window is ignored.
   */
  add(
    second: number,
    windowSeconds: number,
    packets: number,
    bytes: number,
    extraBytes: number,
  ): void {
    if (second === this.#second) {
      this.#packets += packets;
      this.#bytes += bytes;
      this.#extraBytes += extraBytes;
    } else if (second > this.#second) {
      if (this.#second !== NO_SECOND) {
        this.#records.push(
          this.#second,
          this.#packets,
          this.#bytes,
          this.#extraBytes,
        );
      }
      this.#drop(second - windowSeconds);
      this.#second = second;
      this.#packets = packets;
      this.#bytes = bytes;
      this.#extraBytes = extraBytes;
    } else if (second > this.#second - windowSeconds) {
      this.#addLate(second, packets, bytes, extraBytes);
    }
  }

  /** Sum of `channel` over the `windowSeconds` seconds ending at `endSecond` (inclusive). */
  sum(endSecond: number, windowSeconds: number, channel: number): number {
    const oldest = endSecond - windowSeconds; // exclusive
    let total = 0;
    const newest = this.#second;
    if (newest > oldest && newest <= endSecond) {
      total += channel === WINDOW_PACKETS
        ? this.#packets
        : channel === WINDOW_BYTES
        ? this.#bytes
        : this.#extraBytes;
    }
    const records = this.#records;
    const first = this.#first;
    for (let at = records.length - STRIDE; at >= first; at -= STRIDE) {
      const second = records[at]!;
      if (second <= oldest) break;
      if (second <= endSecond) total += records[at + channel]!;
    }
    return total;
  }

  /** Removes every record (for an entry reused under a new key). */
  clear(): void {
    this.#first = this.#records.length;
    this.#compact();
    this.#second = NO_SECOND;
    this.#packets = 0;
    this.#bytes = 0;
    this.#extraBytes = 0;
  }

  /** Adds to a second before the newest one: its record, made in order if missing. */
  #addLate(
    second: number,
    packets: number,
    bytes: number,
    extraBytes: number,
  ): void {
    const records = this.#records;
    const first = this.#first;
    let at = records.length - STRIDE;
    while (at >= first && records[at]! > second) at -= STRIDE;
    if (at < first || records[at] !== second) {
      at += STRIDE;
      records.splice(at, 0, second, 0, 0, 0);
    }
    records[at + 1]! += packets;
    records[at + 2]! += bytes;
    records[at + 3]! += extraBytes;
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
