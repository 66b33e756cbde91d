/**
 * Counts by hash over one to two generations of packet time: two arrays of
 * counters, the current generation's and the one before, that trade places
 * when a generation has passed (as `RecentBits` does with bits).
 * Bounded (two arrays of `slots` 32-bit counters) and approximate in one
 * direction only: hashes sharing a slot add up, so a count is never less
 * than the true one.
 *
 * @module
 */

import { TwoGenerations } from "./two_generations.ts";

/** Counts by 32-bit hash within the last one or two generations of packet time. */
export class RecentTallies {
  readonly #mask: number;
  readonly #generations: TwoGenerations<Uint32Array>;

  /** `slots` counters (a power of two) per generation of `generationUs` µs. */
  constructor(slots: number, generationUs: number) {
    if (slots < 1 || (slots & (slots - 1)) !== 0) {
      throw new RangeError(
        `RecentTallies: ${slots} slots is not a power of two`,
      );
    }
    this.#mask = slots - 1;
    this.#generations = new TwoGenerations(
      () => new Uint32Array(slots),
      generationUs,
    );
  }

  /** Starts a new generation when the current one has passed at `nowUs`, or both afresh ({@linkcode TwoGenerations.age}). */
  age(nowUs: number): void {
    this.#generations.age(nowUs);
  }

  /** Adds one to `hash`'s count in the current generation (a count stops at 2^32 − 1). */
  add(hash: number): void {
    const slot = hash & this.#mask;
    const now = this.#generations.now;
    const count = now[slot]!;
    if (count !== 0xffffffff) now[slot] = count + 1;
  }

  /** The count of `hash` (and of hashes sharing its slot) over this generation and the one before. */
  count(hash: number): number {
    const slot = hash & this.#mask;
    const generations = this.#generations;
    return generations.now[slot]! + generations.before[slot]!;
  }
}
