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

import { TwoGenerations } from "./two_generations.ts";

/** Hashes marked within the last one or two generations of packet time. */
export class RecentBits {
  readonly #mask: number;
  readonly #generations: TwoGenerations<Uint8Array>;

  /** `bits` (a power of two, at least 8) per generation of `generationUs` µs. */
  constructor(bits: number, generationUs: number) {
    if (bits < 8 || (bits & (bits - 1)) !== 0) {
      throw new RangeError(`RecentBits: ${bits} bits is not a power of two`);
    }
    this.#mask = bits - 1;
    this.#generations = new TwoGenerations(
      () => new Uint8Array(bits >> 3),
      generationUs,
    );
  }

  /** Generations started so far: it changes when {@linkcode age} starts one. */
  get generation(): number {
    return this.#generations.started;
  }

  /** Starts a new generation when the current one has passed at `nowUs`, or both afresh ({@linkcode TwoGenerations.age}). */
  age(nowUs: number): void {
    this.#generations.age(nowUs);
  }

  /** Marks `hash` (a 32-bit hash) in the current generation. */
  mark(hash: number): void {
    const bit = hash & this.#mask;
    this.#generations.now[bit >>> 3]! |= 1 << (bit & 7);
  }

  /** Whether `hash`, or one sharing its bit, was marked in this generation or the one before. */
  has(hash: number): boolean {
    const bit = hash & this.#mask;
    const generations = this.#generations;
    return ((generations.now[bit >>> 3]! | generations.before[bit >>> 3]!) &
      (1 << (bit & 7))) !== 0;
  }
}
