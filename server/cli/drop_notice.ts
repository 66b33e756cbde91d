/**
 * Tells the terminal, while a live capture runs, that tcpdump's kernel
 * drops have risen: a line at the first drop, then at most one every
 * {@linkcode DROP_NOTICE_INTERVAL_MS} while they go on rising.
 *
 * @module
 */

/** Least time between two lines about kernel drops, ms. */
export const DROP_NOTICE_INTERVAL_MS = 5_000;

/** Turns a running count of kernel drops into occasional lines. */
export class DropNotice {
  #told = 0;
  #toldMs = -Infinity;
  readonly #write: (line: string) => void;

  /** `write` takes each line (stderr unless told). */
  constructor(write: (line: string) => void = (line) => console.error(line)) {
    this.#write = write;
  }

  /** Takes the drops so far at wall-clock time `nowMs`; writes a line when they rose and the last line is old enough. */
  update(droppedByKernel: number, nowMs: number = Date.now()): void {
    if (droppedByKernel <= this.#told) return;
    if (nowMs - this.#toldMs < DROP_NOTICE_INTERVAL_MS) return;
    const first = this.#told === 0;
    this.#told = droppedByKernel;
    this.#toldMs = nowMs;
    this.#write(
      `netmirror: tcpdump has dropped ${droppedByKernel} packets in the kernel so far${
        first
          ? " (its buffer was full: a larger -B, a narrower filter or a smaller -s helps)"
          : ""
      }`,
    );
  }
}
