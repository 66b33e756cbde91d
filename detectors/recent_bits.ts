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
 * Marks wait in a short batch and are set together, before the next read
 * or generation turn (so every answer is as if each had been set at once):
 * in a table larger than a core's cache, each mark's random access misses
 * it, and a tight loop of independent marks lets the processor wait for
 * many misses at a time, where one per packet waits for each alone (a
 * spoofed-source SYN flood's marks took 180 ns each, 20 batched).
 *
 * @module
 */

import {
  GENERATION_TURN,
  GenerationClock,
  TouchedSlots,
} from "./generation_clock.ts";

/** Marks held back before they are set together (4 KiB). */
export const PENDING_MARKS = 1_024;

/** Hashes marked within the last one or two generations of packet time. */
export class RecentBits {
  readonly #mask: number;
  readonly #clock: GenerationClock;
  /** Byte `i` of the current generation's bits at `2i`, the generation before's at `2i + 1`. */
  readonly #bytes: Uint8Array;
  /** The bytes written in the two generations, while few. */
  readonly #touched = new TouchedSlots();
  /** Marks not set yet (their hashes), the first `#pendingCount`. */
  readonly #pending = new Int32Array(PENDING_MARKS);
  #pendingCount = 0;

  /** `bits` (a power of two, at least 8) per generation of `generationUs` µs. */
  constructor(bits: number, generationUs: number) {
    if (bits < 8 || (bits & (bits - 1)) !== 0) {
      throw new RangeError(`RecentBits: ${bits} bits is not a power of two`);
    }
    this.#mask = bits - 1;
    this.#clock = new GenerationClock(generationUs);
    this.#bytes = new Uint8Array(bits >> 2);
  }

  /** Generations {@linkcode age} started so far: it changes when it starts one. */
  get generation(): number {
    return this.#clock.started;
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
    // Held back marks belong to the generation that ends.
    if (this.#pendingCount !== 0) this.#setPending();
    this.#touched.turn(this.#bytes, turn);
  }

  /** Marks `hash` (a 32-bit hash) in the current generation. */
  mark(hash: number): void {
    this.#pending[this.#pendingCount++] = hash;
    if (this.#pendingCount === PENDING_MARKS) this.#setPending();
  }

  /** Whether `hash`, or one sharing its bit, was marked in this generation or the one before. */
  has(hash: number): boolean {
    if (this.#pendingCount !== 0) this.#setPending();
    const bit = hash & this.#mask;
    const at = (bit >>> 3) << 1;
    const bytes = this.#bytes;
    return ((bytes[at]! | bytes[at + 1]!) & (1 << (bit & 7))) !== 0;
  }

  /** Sets the marks held back, in the current generation. */
  #setPending(): void {
    const pending = this.#pending;
    const count = this.#pendingCount;
    const bytes = this.#bytes;
    const mask = this.#mask;
    const touched = this.#touched;
    for (let i = 0; i < count; i++) {
      const bit = pending[i]! & mask;
      const at = (bit >>> 3) << 1;
      const byte = bytes[at]!;
      if (byte === 0) touched.note(at);
      bytes[at] = byte | (1 << (bit & 7));
    }
    this.#pendingCount = 0;
  }
}
