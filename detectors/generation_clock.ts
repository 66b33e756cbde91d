/**
 * When a memory of two generations of packet time (`RecentBits`,
 * `RecentTallies`) turns to a new one, and how it turns: walking the whole
 * memory, or only the slots written since the generation before began
 * while they are few ({@linkcode TouchedSlots}: a sparse capture of a day
 * turns thousands of generations, each of a few packets).
 *
 * @module
 */

/** Calls in a row with time further back than the generations reach that make them start afresh. */
export const STEP_BACK_CALLS = 64;

/** What {@linkcode GenerationClock.turn} tells a memory of two generations to do. */
export const GENERATION_TURN = {
  /** The current generation goes on. */
  KEEP: 0,
  /** The current generation has passed: it becomes the one before, and a new one starts. */
  SHIFT: 1,
  /** Both are forgotten, and a new one starts. */
  CLEAR: 2,
} as const;

/** When a memory of two generations of packet time turns to a new generation. */
export class GenerationClock {
  /** Generations started so far. */
  started = 0;
  readonly #generationUs: number;
  #untilUs = -Infinity;
  /** Calls in a row whose time was further back than the generations reach. */
  #behind = 0;

  /** A clock of generations of `generationUs` µs. */
  constructor(generationUs: number) {
    this.#generationUs = generationUs;
  }

  /**
   * What the memory does at `nowUs` ({@linkcode GENERATION_TURN}): start a
   * new generation when the current one has passed (the current one
   * becomes the one before); both afresh when two have passed, or when
   * time stayed further back than they reach for
   * {@linkcode STEP_BACK_CALLS} calls in a row (a clock stepped back, which
   * would otherwise hold the current generation until packet time caught
   * up; two captures' packets interleaved, their clocks apart, are not
   * one). Time that went back within their reach keeps them.
   */
  turn(nowUs: number): number {
    const untilUs = this.#untilUs;
    const generationUs = this.#generationUs;
    if (nowUs < untilUs) {
      if (nowUs >= untilUs - 3 * generationUs) {
        this.#behind = 0;
        return GENERATION_TURN.KEEP;
      }
      if (++this.#behind < STEP_BACK_CALLS) return GENERATION_TURN.KEEP;
    }
    this.#behind = 0;
    this.#untilUs = nowUs + generationUs;
    this.started++;
    return nowUs < untilUs || nowUs - untilUs >= generationUs
      ? GENERATION_TURN.CLEAR
      : GENERATION_TURN.SHIFT;
  }
}

/**
 * Applies `turn` (a {@linkcode GENERATION_TURN} from
 * {@linkcode GenerationClock.turn}) to `pairs`, which holds each slot's
 * value of the current generation at an even index and the generation
 * before's right after it: on SHIFT the current values move into the
 * others' places (and start again from 0), on CLEAR all are cleared.
 */
export function turnInterleaved(
  pairs: Uint8Array | Uint32Array,
  turn: number,
): void {
  if (turn === GENERATION_TURN.KEEP) return;
  if (turn === GENERATION_TURN.CLEAR) {
    pairs.fill(0);
    return;
  }
  for (let i = 0; i < pairs.length; i += 2) {
    pairs[i + 1] = pairs[i]!;
    pairs[i] = 0;
  }
}

/** Slots {@linkcode TouchedSlots} lists per generation at most (16 KiB); past it a turn walks the whole memory. */
export const MAX_TOUCHED_SLOTS = 4_096;

/**
 * The slots of an interleaved memory (see {@linkcode turnInterleaved})
 * written in its current generation and in the one before, while they
 * are at most {@linkcode MAX_TOUCHED_SLOTS}: {@linkcode turn} then moves
 * or clears only them. The memory calls {@linkcode note} when a slot's
 * current value leaves 0.
 */
export class TouchedSlots {
  #current = new Int32Array(MAX_TOUCHED_SLOTS);
  #previous = new Int32Array(MAX_TOUCHED_SLOTS);
  /** Slots listed in each; -1 when too many to list (the whole memory is walked). */
  #currentCount = 0;
  #previousCount = 0;

  /** Notes that the current value at index `at` (even) left 0. */
  note(at: number): void {
    const count = this.#currentCount;
    if (count < 0) return;
    if (count === MAX_TOUCHED_SLOTS) {
      this.#currentCount = -1;
      return;
    }
    this.#current[count] = at;
    this.#currentCount = count + 1;
  }

  /** Applies `turn` to `pairs` as {@linkcode turnInterleaved} does, touching only the listed slots when it can. */
  turn(pairs: Uint8Array | Uint32Array, turn: number): void {
    if (turn === GENERATION_TURN.KEEP) return;
    const currentCount = this.#currentCount;
    const previousCount = this.#previousCount;
    const current = this.#current;
    const previous = this.#previous;
    if (currentCount < 0 || previousCount < 0) {
      turnInterleaved(pairs, turn);
    } else if (turn === GENERATION_TURN.CLEAR) {
      for (let i = 0; i < currentCount; i++) pairs[current[i]!] = 0;
      for (let i = 0; i < previousCount; i++) pairs[previous[i]! + 1] = 0;
    } else {
      for (let i = 0; i < previousCount; i++) pairs[previous[i]! + 1] = 0;
      for (let i = 0; i < currentCount; i++) {
        const at = current[i]!;
        pairs[at + 1] = pairs[at]!;
        pairs[at] = 0;
      }
    }
    if (turn === GENERATION_TURN.CLEAR) {
      this.#previousCount = 0;
    } else {
      // The current list becomes the one before's.
      this.#previous = current;
      this.#current = previous;
      this.#previousCount = currentCount;
    }
    this.#currentCount = 0;
  }
}
