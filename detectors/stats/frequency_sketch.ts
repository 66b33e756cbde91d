/**
 * Admission for full tables under hostile cardinality (TinyLFU, Einziger et
 * al. 2017): a count-min sketch estimates how often each key was seen
 * recently, and a key that is not in a full table replaces the table's
 * least recently used entry only when it has been seen more often than
 * that entry. A crowd of sources each seen a few times then costs a few
 * counter updates instead of an eviction and an allocation, cannot flush
 * real talkers out of the table, and does not churn it either (one-off
 * sources never reach the sketch: the doorkeeper takes a key's first
 * sighting, see table_admission.ts).
 *
 * @module
 */

/** Counters per key (count-min rows). */
const ROWS = 4;

/** Counters per block: one 64-byte cache line holds all of a key's counters. */
const BLOCK = 64;

/** Largest counter value (8-bit counters saturate). */
const MAX_COUNT = 255;

/**
 * Approximate recent frequencies of keys given by 32-bit hashes. Counters
 * are halved after `resetAfter` additions, so old traffic fades.
 *
 * Blocked, as Caffeine's sketch is: a key's four counters lie in one
 * 64-counter block (one from each quarter of it), so counting or
 * estimating a key touches one cache line instead of four.
 */
export class FrequencySketch {
  readonly #counters: Uint8Array;
  /** The same counters four at a time, for halving. */
  readonly #words: Uint32Array;
  /** Blocks minus one (a power of two minus one). */
  readonly #blockMask: number;
  readonly #blockShift: number;
  /** Counters per quarter of a block, minus one. */
  readonly #quarterMask: number;
  readonly #quarter: number;
  readonly #resetAfter: number;
  #additions = 0;
  #generation = 0;

  /** 4 × 2^`log2Width` 8-bit counters (as 4 rows of 2^`log2Width`); halved after `resetAfter` additions. */
  constructor(log2Width = 16, resetAfter = 1 << 18) {
    const counters = ROWS << log2Width;
    const block = Math.min(BLOCK, counters);
    this.#counters = new Uint8Array(counters);
    this.#words = new Uint32Array(this.#counters.buffer, 0, counters >>> 2);
    this.#blockShift = Math.log2(block);
    this.#blockMask = counters / block - 1;
    this.#quarter = block / ROWS;
    this.#quarterMask = this.#quarter - 1;
    this.#resetAfter = resetAfter;
  }

  /**
   * Counts `sightings` sightings (default one) of the key whose 32-bit hash
   * is `keyHash`. A conservative update: only the key's counters below its
   * new estimate grow, to it, which keeps other keys' estimates from
   * inflating (as many single additions in a row would). Returns the
   * key's estimate with this sighting counted (what {@linkcode estimate}
   * would return now), so callers need not look it up again.
   */
  add(keyHash: number, sightings = 1): number {
    const counters = this.#counters;
    const least = this.estimate(keyHash);
    const raised = Math.min(MAX_COUNT, least + sightings);
    if (least < MAX_COUNT) {
      const base = (keyHash & this.#blockMask) << this.#blockShift;
      let offsets = offsetBits(keyHash);
      for (let row = 0; row < ROWS; row++) {
        const at = base + row * this.#quarter + (offsets & this.#quarterMask);
        if (counters[at]! < raised) counters[at] = raised;
        offsets >>>= 8;
      }
    }
    if ((this.#additions += sightings) >= this.#resetAfter) {
      this.#halve();
      return this.estimate(keyHash);
    }
    return raised;
  }

  /** Times the counters were halved so far. */
  get generation(): number {
    return this.#generation;
  }

  /** Estimated sightings of the key since the counters were last halved (never too low). */
  estimate(keyHash: number): number {
    const counters = this.#counters;
    const base = (keyHash & this.#blockMask) << this.#blockShift;
    let offsets = offsetBits(keyHash);
    let least = MAX_COUNT;
    for (let row = 0; row < ROWS; row++) {
      const count =
        counters[base + row * this.#quarter + (offsets & this.#quarterMask)]!;
      if (count < least) least = count;
      offsets >>>= 8;
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
    this.#generation++;
  }
}

/** Four 8-bit offsets within a block's quarters, from bits of the key hash the block index does not use. */
function offsetBits(keyHash: number): number {
  return Math.imul(keyHash ^ (keyHash >>> 15), 0x2c1b3c6d) >>> 0;
}
