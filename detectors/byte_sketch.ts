/**
 * Bytes per key in fixed memory, in two channels (e.g. the two directions
 * of a host pair): a count-min sketch (Cormode and Muthukrishnan 2005) of
 * two rows per channel with conservative update (Estan and Varghese 2002).
 * A key's estimate is never below the bytes added under it (as halved
 * since), and above it only by what colliding keys added. A detector that
 * needs exact state only for keys that carry volume asks the sketch first:
 * a key whose estimate is small certainly carried little, and costs no
 * table lookup.
 *
 * @module
 */

/** Counters per block: 16 32-bit counters, one 64-byte cache line. */
const BLOCK = 16;

/** Counters per row of a channel inside a block. */
const ROW_COUNTERS = 4;

/** Largest counter value (32-bit counters saturate). */
const MAX_BYTES = 0xffffffff;

/** Channels of a {@linkcode ByteSketch}. */
export const BYTE_SKETCH_CHANNELS = 2;

/**
 * Approximate byte counts of keys given by 32-bit hashes, in two channels.
 * Blocked, as the admission's sketch (stats/frequency_sketch.ts) is: all four counters of a key
 * (two rows × two channels) lie in one 64-byte block, so adding to one
 * channel and reading the other touches one cache line. Memory: 64 bytes
 * per block, 2^`log2Blocks` blocks (512 KiB for the default 2^13).
 */
export class ByteSketch {
  readonly #counters: Uint32Array;
  /** Blocks minus one (a power of two minus one). */
  readonly #blockMask: number;

  /** 2^`log2Blocks` blocks of 16 counters; `log2Blocks` is an integer in 0..16. */
  constructor(log2Blocks = 13) {
    if (
      !(Number.isInteger(log2Blocks) && log2Blocks >= 0 && log2Blocks <= 16)
    ) {
      throw new RangeError(
        `Cannot create ByteSketch: log2Blocks must be an integer in 0..16, got ${log2Blocks}`,
      );
    }
    this.#counters = new Uint32Array(BLOCK << log2Blocks);
    this.#blockMask = (1 << log2Blocks) - 1;
  }

  /** Bytes of memory the counters take. */
  get byteLength(): number {
    return this.#counters.byteLength;
  }

  /**
   * Adds `bytes` (a non-negative integer) to the key's count in `channel`
   * (0 or 1) and returns its new estimate (what {@linkcode estimate} would
   * return now). A conservative update: only the counters below the new
   * estimate grow, to it, so colliding keys inflate each other less.
   */
  add(keyHash: number, channel: number, bytes: number): number {
    const counters = this.#counters;
    const first = this.#first(keyHash, channel);
    const second = this.#second(keyHash, channel);
    const a = counters[first]!;
    const b = counters[second]!;
    const raised = Math.min(MAX_BYTES, (a < b ? a : b) + bytes);
    if (a < raised) counters[first] = raised;
    if (b < raised) counters[second] = raised;
    return raised;
  }

  /** The key's estimated bytes in `channel` (0 or 1): never below what was added, as halved since. */
  estimate(keyHash: number, channel: number): number {
    const counters = this.#counters;
    const a = counters[this.#first(keyHash, channel)]!;
    const b = counters[this.#second(keyHash, channel)]!;
    return a < b ? a : b;
  }

  /** Halves every counter `times` times (old traffic fades); 32 or more empties the sketch. */
  halve(times = 1): void {
    const counters = this.#counters;
    if (times >= 32) {
      counters.fill(0);
      return;
    }
    for (let i = 0; i < counters.length; i++) {
      counters[i] = counters[i]! >>> times;
    }
  }

  /** Index of the key's counter in the channel's first row: block from the hash's low bits, counter from bits 16–17. */
  #first(keyHash: number, channel: number): number {
    return (keyHash & this.#blockMask) * BLOCK +
      channel * 2 * ROW_COUNTERS + ((keyHash >>> 16) & (ROW_COUNTERS - 1));
  }

  /** Index in the second row: the same block, counter from bits 18–19. */
  #second(keyHash: number, channel: number): number {
    return (keyHash & this.#blockMask) * BLOCK +
      (channel * 2 + 1) * ROW_COUNTERS +
      ((keyHash >>> 18) & (ROW_COUNTERS - 1));
  }
}
