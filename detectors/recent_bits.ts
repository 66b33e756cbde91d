/**
 * A set of hashes remembered for one to two generations of packet time, as
 * bits: two bit arrays, the current generation's and the one before, that
 * trade places when a generation has passed. Bounded (two arrays of
 * `bits / 8` bytes) and approximate in one direction only: a hash that
 * shares a bit with one marked lately is taken for marked (with `n` keys
 * marked a generation, a chance of 1 − e^(−n / bits) per generation read).
 *
 * @module
 */

/** Hashes marked within the last one or two generations of packet time. */
export class RecentBits {
  readonly #mask: number;
  readonly #generationUs: number;
  #now: Uint8Array;
  #before: Uint8Array;
  #untilUs = -Infinity;
  #generation = 0;

  /** `bits` (a power of two, at least 8) per generation of `generationUs` µs. */
  constructor(bits: number, generationUs: number) {
    if (bits < 8 || (bits & (bits - 1)) !== 0) {
      throw new RangeError(`RecentBits: ${bits} bits is not a power of two`);
    }
    this.#mask = bits - 1;
    this.#generationUs = generationUs;
    this.#now = new Uint8Array(bits >> 3);
    this.#before = new Uint8Array(bits >> 3);
  }

  /** Generations started so far: it changes when {@linkcode age} starts one. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Starts a new generation when the current one has passed at `nowUs`
   * (both afresh after two, or when time went back further than they
   * reach: a clock stepped back, which would otherwise hold the current
   * generation until packet time caught up).
   */
  age(nowUs: number): void {
    if (nowUs < this.#untilUs) {
      if (nowUs >= this.#untilUs - 3 * this.#generationUs) return;
      this.#untilUs = -Infinity;
    }
    if (nowUs - this.#untilUs >= this.#generationUs) {
      this.#now.fill(0);
      this.#before.fill(0);
    } else {
      const older = this.#before;
      this.#before = this.#now;
      this.#now = older.fill(0);
    }
    this.#untilUs = nowUs + this.#generationUs;
    this.#generation++;
  }

  /** Marks `hash` (a 32-bit hash) in the current generation. */
  mark(hash: number): void {
    const bit = hash & this.#mask;
    this.#now[bit >>> 3]! |= 1 << (bit & 7);
  }

  /** Whether `hash`, or one sharing its bit, was marked in this generation or the one before. */
  has(hash: number): boolean {
    const bit = hash & this.#mask;
    return ((this.#now[bit >>> 3]! | this.#before[bit >>> 3]!) &
      (1 << (bit & 7))) !== 0;
  }
}
