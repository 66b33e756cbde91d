/**
 * Counts by hash over one to two generations of packet time: per slot, a
 * counter for the current generation and one for the generation before in
 * each of `lanes` lanes (things counted under one key: requests and the
 * replies they drew), side by side in one array (a slot's counts read one
 * cache line), the current ones moved into the others' places when a
 * generation has passed. Bounded (2 × `lanes` × `slots` 32-bit counters)
 * and approximate in one direction only: hashes sharing a slot add up, so a
 * count is never less than the true one. The generations turn as
 * {@linkcode GenerationClock} says. Additions wait in a short batch, as
 * {@linkcode RecentBits}' marks do, and are made together before the next
 * read or generation turn.
 *
 * @module
 */

import {
  GENERATION_TURN,
  GenerationClock,
  TouchedSlots,
} from "./generation_clock.ts";

/** Additions held back before they are made together (4 KiB). */
export const PENDING_ADDITIONS = 1_024;

/** Counts by 32-bit hash within the last one or two generations of packet time. */
export class RecentTallies {
  readonly #mask: number;
  readonly #lanes: number;
  readonly #clock: GenerationClock;
  /** Slot `i`'s current count of lane `l` at `2(i × lanes + l)`, the generation before's right after it. */
  readonly #counts: Uint32Array;
  /** The counters written in the two generations, while few. */
  readonly #touched = new TouchedSlots();
  /** Additions not made yet (each counter's index), the first `#pendingCount`. */
  readonly #pending = new Int32Array(PENDING_ADDITIONS);
  #pendingCount = 0;

  /** `slots` slots (a power of two) of `lanes` counters per generation of `generationUs` µs. */
  constructor(slots: number, generationUs: number, lanes = 1) {
    if (slots < 1 || (slots & (slots - 1)) !== 0) {
      throw new RangeError(
        `RecentTallies: ${slots} slots is not a power of two`,
      );
    }
    this.#mask = slots - 1;
    this.#lanes = lanes;
    this.#clock = new GenerationClock(generationUs);
    this.#counts = new Uint32Array(2 * lanes * slots);
  }

  /** Starts a new generation when the current one has passed at `nowUs`, or both afresh ({@linkcode GenerationClock.turn}). */
  age(nowUs: number): void {
    this.turn(this.#clock.turn(nowUs));
  }

  /**
   * Makes `turn` ({@linkcode GENERATION_TURN}), decided by a clock that
   * several memories share, for a caller that ages them together (one
   * clock reading for all): call either this or {@linkcode age}, never
   * both.
   */
  turn(turn: number): void {
    if (turn === GENERATION_TURN.KEEP) return;
    // Held back additions belong to the generation that ends.
    if (this.#pendingCount !== 0) this.#addPending();
    this.#touched.turn(this.#counts, turn);
  }

  /** Adds one to `hash`'s count in `lane` in the current generation (a count stops at 2^32 − 1). */
  add(hash: number, lane = 0): void {
    this.#pending[this.#pendingCount++] = ((hash & this.#mask) * this.#lanes +
      lane) << 1;
    if (this.#pendingCount === PENDING_ADDITIONS) this.#addPending();
  }

  /** The count of `hash` (and of hashes sharing its slot) in `lane` over this generation and the one before. */
  count(hash: number, lane = 0): number {
    if (this.#pendingCount !== 0) this.#addPending();
    const at = ((hash & this.#mask) * this.#lanes + lane) << 1;
    const counts = this.#counts;
    return counts[at]! + counts[at + 1]!;
  }

  /** Makes the additions held back, in the current generation. */
  #addPending(): void {
    const pending = this.#pending;
    const count = this.#pendingCount;
    const counts = this.#counts;
    const touched = this.#touched;
    for (let i = 0; i < count; i++) {
      const at = pending[i]!;
      const value = counts[at]!;
      if (value === 0) touched.note(at);
      if (value !== 0xffffffff) counts[at] = value + 1;
    }
    this.#pendingCount = 0;
  }
}
