/**
 * How long the machine takes to fetch memory that no cache holds, measured
 * now: a pointer chase (each read's address is the previous read's value)
 * in a random order over a buffer larger than the L2 cache and than the
 * TLB's reach with 4 KiB pages. On a shared virtual machine this latency
 * swings with the neighbours' use of the shared last-level cache, and a
 * replay whose working set lies beyond L2 (the scaling bench's 10k level)
 * swings with it; measured beside each replay, it tells a slow run on a
 * busy machine from a slow run of the code.
 *
 * @module
 */

/** Bytes in a cache line: the chase moves one line per read. */
const LINE_BYTES = 64;
const LINE_WORDS = LINE_BYTES / Int32Array.BYTES_PER_ELEMENT;

/** A buffer laid out for {@linkcode MemoryProbe.latencyNs}. */
export class MemoryProbe {
  /** Buffer size, bytes. */
  readonly sizeBytes: number;
  /** At the first word of each line, the word index of the next line in the chase. */
  readonly #next: Int32Array;
  #position = 0;

  /**
   * Lays out a chase over `sizeBytes` (a positive multiple of 64 below
   * 2^33) that visits every cache line once per cycle, in an order drawn
   * from `random` (values in [0, 1)).
   */
  constructor(sizeBytes: number, random: () => number = Math.random) {
    if (
      !Number.isInteger(sizeBytes) || sizeBytes < LINE_BYTES ||
      sizeBytes % LINE_BYTES !== 0 || sizeBytes >= 2 ** 33
    ) {
      throw new RangeError(
        `Cannot create MemoryProbe: size must be a positive multiple of ${LINE_BYTES} bytes below 8 GiB, got ${sizeBytes}`,
      );
    }
    this.sizeBytes = sizeBytes;
    const lines = sizeBytes / LINE_BYTES;
    // Sattolo's shuffle: a random cyclic permutation (one cycle through all lines).
    const order = new Int32Array(lines);
    for (let i = 0; i < lines; i++) order[i] = i;
    for (let i = lines - 1; i > 0; i--) {
      const j = Math.floor(random() * i);
      const swap = order[i]!;
      order[i] = order[j]!;
      order[j] = swap;
    }
    this.#next = new Int32Array(lines * LINE_WORDS);
    for (let line = 0; line < lines; line++) {
      this.#next[line * LINE_WORDS] = order[line]! * LINE_WORDS;
    }
  }

  /** The line the chase reaches after `reads` reads from the start (for tests: a cycle returns to 0). */
  lineAfter(reads: number): number {
    const next = this.#next;
    let at = 0;
    for (let i = 0; i < reads; i++) at = next[at]!;
    return at / LINE_WORDS;
  }

  /**
   * Mean time of one dependent read over `reads` reads, ns, after
   * `warmupReads` untimed ones (the chase continues where the last call
   * stopped, so every call meets lines it has not touched lately).
   */
  latencyNs(reads = 2_000_000, warmupReads = 200_000): number {
    const next = this.#next;
    let at = this.#position;
    for (let i = 0; i < warmupReads; i++) at = next[at]!;
    const startedMs = performance.now();
    for (let i = 0; i < reads; i++) at = next[at]!;
    const elapsedMs = performance.now() - startedMs;
    this.#position = at;
    return (elapsedMs * 1e6) / reads;
  }
}
