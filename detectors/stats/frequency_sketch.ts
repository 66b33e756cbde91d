/**
 * Admission for full tables under hostile cardinality (TinyLFU, Einziger et
 * al. 2017): a count-min sketch estimates how often each key was seen
 * recently, and a key that is not in a full table replaces the table's
 * least recently used entry only when it has been seen more often than
 * that entry. Spoofed or one-off sources then cost a few counter updates
 * instead of an eviction and an allocation, cannot flush real talkers out
 * of the table, and a crowd of equal sources does not churn it either.
 *
 * @module
 */

/** Rows of the sketch (independent hash positions per key). */
const ROWS = 4;

/** Largest counter value (8-bit counters saturate). */
const MAX_COUNT = 255;

/**
 * Approximate recent frequencies of keys given by 32-bit hashes. Counters
 * are halved after `resetAfter` additions, so old traffic fades.
 */
export class FrequencySketch {
  readonly #counters: Uint8Array;
  /** The same counters four at a time, for halving. */
  readonly #words: Uint32Array;
  readonly #mask: number;
  readonly #width: number;
  readonly #resetAfter: number;
  #additions = 0;

  /** `ROWS` rows of 2^`log2Width` 8-bit counters; halved after `resetAfter` additions. */
  constructor(log2Width = 16, resetAfter = 1 << 18) {
    this.#width = 1 << log2Width;
    this.#mask = this.#width - 1;
    this.#counters = new Uint8Array(ROWS * this.#width);
    this.#words = new Uint32Array(
      this.#counters.buffer,
      0,
      this.#counters.length >>> 2,
    );
    this.#resetAfter = resetAfter;
  }

  /**
   * Counts one sighting of the key whose 32-bit hash is `keyHash`. A
   * conservative update: only the key's counters at its current estimate
   * grow, which keeps other keys' estimates from inflating. Returns the
   * key's estimate with this sighting counted (what {@linkcode estimate}
   * would return now), so callers need not look it up again.
   */
  add(keyHash: number): number {
    const counters = this.#counters;
    const least = this.estimate(keyHash);
    if (least < MAX_COUNT) {
      const step = stepOf(keyHash);
      let h = keyHash;
      for (let row = 0; row < ROWS; row++) {
        const at = row * this.#width + (h & this.#mask);
        if (counters[at] === least) counters[at] = least + 1;
        h += step;
      }
    }
    if (++this.#additions >= this.#resetAfter) {
      this.#halve();
      return this.estimate(keyHash);
    }
    return least < MAX_COUNT ? least + 1 : MAX_COUNT;
  }

  /** Estimated sightings of the key since the counters were last halved (never too low). */
  estimate(keyHash: number): number {
    const counters = this.#counters;
    const step = stepOf(keyHash);
    let least = MAX_COUNT;
    let h = keyHash;
    for (let row = 0; row < ROWS; row++) {
      const count = counters[row * this.#width + (h & this.#mask)]!;
      if (count < least) least = count;
      h += step;
    }
    return least;
  }

  #halve(): void {
    // Four 8-bit counters per 32-bit word: shift the word, drop the bit
    // each counter received from its neighbour.
    const words = this.#words;
    for (let i = 0; i < words.length; i++) {
      words[i] = (words[i]! >>> 1) & 0x7f7f7f7f;
    }
    this.#additions = 0;
  }
}

/** Second hash for double hashing: the key hash's halves swapped, odd. */
function stepOf(keyHash: number): number {
  return ((keyHash >>> 16) | (keyHash << 16)) | 1;
}
