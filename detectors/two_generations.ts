/**
 * Two arrays of packet-time generations, the current one's and the one
 * before, that trade places when a generation has passed: the storage of
 * `RecentBits` and `RecentTallies`.
 *
 * @module
 */

/** Calls in a row with time further back than the generations reach that make them start afresh. */
export const STEP_BACK_CALLS = 64;

/** A typed array a generation holds (bits as bytes, or counters). */
type GenerationArray = Uint8Array | Uint32Array;

/** The current generation's array and the one before's, aged by packet time. */
export class TwoGenerations<A extends GenerationArray> {
  /** The current generation's array. */
  now: A;
  /** The array of the generation before. */
  before: A;
  /** Generations started so far: it changes when {@linkcode age} starts one. */
  started = 0;
  readonly #generationUs: number;
  #untilUs = -Infinity;
  /** Calls in a row whose time was further back than the generations reach. */
  #behind = 0;

  /** Two arrays from `make` (zeroed), for generations of `generationUs` µs. */
  constructor(make: () => A, generationUs: number) {
    this.now = make();
    this.before = make();
    this.#generationUs = generationUs;
  }

  /**
   * Starts a new generation at `nowUs` when the current one has passed
   * (the current array becomes the one before); both afresh when two have
   * passed, or when time stayed further back than they reach for
   * {@linkcode STEP_BACK_CALLS} calls in a row (a clock stepped back, which
   * would otherwise hold the current generation until packet time caught
   * up; two captures' packets interleaved, their clocks apart, are not
   * one). Time that went back within their reach keeps them.
   */
  age(nowUs: number): void {
    const untilUs = this.#untilUs;
    const generationUs = this.#generationUs;
    if (nowUs < untilUs) {
      if (nowUs >= untilUs - 3 * generationUs) {
        this.#behind = 0;
        return;
      }
      if (++this.#behind < STEP_BACK_CALLS) return;
    }
    this.#behind = 0;
    if (nowUs < untilUs || nowUs - untilUs >= generationUs) {
      this.now.fill(0);
      this.before.fill(0);
    } else {
      const older = this.before;
      this.before = this.now;
      this.now = older.fill(0) as A;
    }
    this.#untilUs = nowUs + generationUs;
    this.started++;
  }
}
