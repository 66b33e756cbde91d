/**
 * A set of hashes remembered for one to two generations of packet time, as
 * bits: per byte of bits, the current generation's and the one before's
 * side by side in one array (a lookup reads one cache line), the current
 * one's moved into the other's place when a generation has passed.
 * Bounded (2 × `bits / 8` bytes) and approximate in one direction only: a
 * hash that shares a bit with one marked lately is taken for marked (with
 * `n` keys marked a generation, a chance of 1 − e^(−n / bits) per
 * generation read). The generations turn as {@linkcode GenerationClock}
 * says.
 *
 * @module
 */

import { ageInterleaved, GenerationClock } from "./generation_clock.ts";

/** Hashes marked within the last one or two generations of packet time. */
export class RecentBits {
  readonly #mask: number;
  readonly #clock: GenerationClock;
  /** Byte `i` of the current generation's bits at `2i`, the generation before's at `2i + 1`. */
  readonly #bytes: Uint8Array;

  /** `bits` (a power of two, at least 8) per generation of `generationUs` µs. */
  constructor(bits: number, generationUs: number) {
    if (bits < 8 || (bits & (bits - 1)) !== 0) {
      throw new RangeError(`RecentBits: ${bits} bits is not a power of two`);
    }
    this.#mask = bits - 1;
    this.#clock = new GenerationClock(generationUs);
    this.#bytes = new Uint8Array(bits >> 2);
  }

  /** Generations started so far: it changes when {@linkcode age} starts one. */
  get generation(): number {
    return this.#clock.started;
  }

  /** Starts a new generation when the current one has passed at `nowUs`, or both afresh ({@linkcode GenerationClock.turn}). */
  age(nowUs: number): void {
    ageInterleaved(this.#clock, this.#bytes, nowUs);
  }

  /** Marks `hash` (a 32-bit hash) in the current generation. */
  mark(hash: number): void {
    const bit = hash & this.#mask;
    this.#bytes[(bit >>> 3) << 1]! |= 1 << (bit & 7);
  }

  /** Whether `hash`, or one sharing its bit, was marked in this generation or the one before. */
  has(hash: number): boolean {
    const bit = hash & this.#mask;
    const at = (bit >>> 3) << 1;
    const bytes = this.#bytes;
    return ((bytes[at]! | bytes[at + 1]!) & (1 << (bit & 7))) !== 0;
  }
}
