/**
 * The most frequent numeric keys of a stream (a flood's sources, its
 * ports) in a fixed number of counters, by the space-saving algorithm
 * (Metwally, Agrawal and El Abbadi, 2005): a key not held takes the
 * smallest counter and inherits its count as its error, so any key above
 * 1/`capacity` of the stream is held, and each count overestimates its
 * key's by at most its error. Reusable: {@linkcode TopKeys.clear} forgets
 * every key without freeing storage.
 *
 * @module
 */

/** Space-saving counters of up to `capacity` keys, each with an optional text (an address's, as the caller keeps it). */
export class TopKeys {
  readonly #capacity: number;
  readonly #keys: number[] = [];
  readonly #texts: string[] = [];
  readonly #counts: number[] = [];
  readonly #errors: number[] = [];
  #size = 0;
  #added = false;

  /** A summary of `capacity` counters (a positive integer). */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Cannot create TopKeys: capacity must be a positive integer, got ${capacity}`,
      );
    }
    this.#capacity = capacity;
  }

  /** Counters in use. */
  get size(): number {
    return this.#size;
  }

  /** Whether the last {@linkcode add} took a slot for a key not held (whose text is then "", for the caller to {@linkcode setText}). */
  get added(): boolean {
    return this.#added;
  }

  /** Counts `key` once and returns its slot ({@linkcode added} says whether it was new). */
  add(key: number): number {
    const keys = this.#keys;
    const counts = this.#counts;
    let min = -1;
    for (let i = 0; i < this.#size; i++) {
      if (keys[i] === key) {
        counts[i]!++;
        this.#added = false;
        return i;
      }
      if (min < 0 || counts[i]! < counts[min]!) min = i;
    }
    this.#added = true;
    if (this.#size < this.#capacity) {
      const slot = this.#size++;
      keys[slot] = key;
      this.#texts[slot] = "";
      counts[slot] = 1;
      this.#errors[slot] = 0;
      return slot;
    }
    // The new key inherits the smallest counter.
    this.#errors[min] = counts[min]!;
    counts[min]!++;
    keys[min] = key;
    this.#texts[min] = "";
    return min;
  }

  /** Sets the text of the key in `slot` (as {@linkcode add} returned it). */
  setText(slot: number, text: string): void {
    this.#texts[slot] = text;
  }

  /** The slot of the key with the highest guaranteed count (count less error; the first such), or -1 while empty. */
  leader(): number {
    let leader = -1;
    let best = -1;
    for (let i = 0; i < this.#size; i++) {
      const guaranteed = this.#counts[i]! - this.#errors[i]!;
      if (guaranteed > best) {
        best = guaranteed;
        leader = i;
      }
    }
    return leader;
  }

  /** The slot holding `key`, or -1. */
  slotOf(key: number): number {
    for (let i = 0; i < this.#size; i++) {
      if (this.#keys[i] === key) return i;
    }
    return -1;
  }

  /** The key in `slot`. */
  keyAt(slot: number): number {
    return this.#keys[slot]!;
  }

  /** The text of the key in `slot` ("" unless set). */
  textAt(slot: number): string {
    return this.#texts[slot]!;
  }

  /** The count of the key in `slot`, which may overestimate it by its error. */
  countAt(slot: number): number {
    return this.#counts[slot]!;
  }

  /** The count of the key in `slot` that is certain: its count less its error. */
  guaranteedAt(slot: number): number {
    return this.#counts[slot]! - this.#errors[slot]!;
  }

  /** Forgets every key (storage is kept for the next ones). */
  clear(): void {
    this.#size = 0;
  }
}
