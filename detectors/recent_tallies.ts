/**
 * Counts by hash over one to two generations of packet time: two arrays of
 * counters, the current generation's and the one before, that trade places
 * when a generation has passed (as {@linkcode RecentBits} does with bits).
 * Bounded (two arrays of `slots` 32-bit counters) and approximate in one
 * direction only: hashes sharing a slot add up, so a count is never less
 * than the true one.
 *
 * @module
 */

/** Counts by 32-bit hash within the last one or two generations of packet time. */
export class RecentTallies {
  readonly #mask: number;
  readonly #generationUs: number;
  #now: Uint32Array;
  #before: Uint32Array;
  #untilUs = -Infinity;

  /** `slots` counters (a power of two) per generation of `generationUs` µs. */
  constructor(slots: number, generationUs: number) {
    if (slots < 1 || (slots & (slots - 1)) !== 0) {
      throw new RangeError(
        `RecentTallies: ${slots} slots is not a power of two`,
      );
    }
    this.#mask = slots - 1;
    this.#generationUs = generationUs;
    this.#now = new Uint32Array(slots);
    this.#before = new Uint32Array(slots);
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
  }

  /** Adds one to `hash`'s count in the current generation (a count stops at 2^32 − 1). */
  add(hash: number): void {
    const slot = hash & this.#mask;
    const count = this.#now[slot]!;
    if (count !== 0xffffffff) this.#now[slot] = count + 1;
  }

  /** The count of `hash` (and of hashes sharing its slot) over this generation and the one before. */
  count(hash: number): number {
    const slot = hash & this.#mask;
    return this.#now[slot]! + this.#before[slot]!;
  }
}
