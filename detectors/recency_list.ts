/**
 * Least-recently-used order over numbered slots: a doubly linked list
 * threaded through two `Int32Array`s, with freed slots on a free list. The
 * bounded tables ({@linkcode BoundedMap}, {@linkcode NumericKeyMap}) keep
 * their keys and values in parallel arrays indexed by these slots.
 *
 * @module
 */

/** Slot index meaning "no slot". */
export const NO_SLOT = -1;

/** Slots allocated up front; the arrays then double up to the maximum. */
const INITIAL_SLOTS = 16;

/** Recency order of up to `maxSlots` slots; every operation is O(1) (amortized for allocation). */
export class RecencyList {
  readonly #maxSlots: number;
  #prev: Int32Array;
  #next: Int32Array;
  /** Slots handed out at least once (the rest of the arrays is unused). */
  #used = 0;
  /** Least recently used slot. */
  #head = NO_SLOT;
  /** Most recently used slot. */
  #tail = NO_SLOT;
  /** First free slot; free slots are chained through `#next`. */
  #free = NO_SLOT;

  /** `maxSlots` is the most slots ever live at once. */
  constructor(maxSlots: number) {
    this.#maxSlots = maxSlots;
    const slots = Math.min(maxSlots, INITIAL_SLOTS);
    this.#prev = new Int32Array(slots);
    this.#next = new Int32Array(slots);
  }

  /** Least recently used slot, or {@linkcode NO_SLOT}. */
  get oldest(): number {
    return this.#head;
  }

  /** The slot used after `slot` (more recently), or {@linkcode NO_SLOT}. */
  newer(slot: number): number {
    return this.#next[slot]!;
  }

  /** Length of the slot arrays now: owners size their parallel arrays to at least this. */
  get arrayLength(): number {
    return this.#prev.length;
  }

  /** A free slot, linked as the most recently used. */
  allocate(): number {
    let slot = this.#free;
    if (slot !== NO_SLOT) {
      this.#free = this.#next[slot]!;
    } else {
      slot = this.#used++;
      if (slot === this.#prev.length) this.#grow();
    }
    this.#linkAtTail(slot);
    return slot;
  }

  /** Unlinks `slot` and puts it on the free list. */
  release(slot: number): void {
    this.#unlink(slot);
    this.#next[slot] = this.#free;
    this.#free = slot;
  }

  /** Marks `slot` as the most recently used. */
  touch(slot: number): void {
    if (slot === this.#tail) return;
    this.#unlink(slot);
    this.#linkAtTail(slot);
  }

  /** Frees every slot and shrinks the arrays back. */
  reset(): void {
    const slots = Math.min(this.#maxSlots, INITIAL_SLOTS);
    this.#prev = new Int32Array(slots);
    this.#next = new Int32Array(slots);
    this.#used = 0;
    this.#head = NO_SLOT;
    this.#tail = NO_SLOT;
    this.#free = NO_SLOT;
  }

  #grow(): void {
    const slots = Math.min(this.#maxSlots, this.#prev.length * 2);
    const prev = new Int32Array(slots);
    prev.set(this.#prev);
    const next = new Int32Array(slots);
    next.set(this.#next);
    this.#prev = prev;
    this.#next = next;
  }

  #unlink(slot: number): void {
    const prev = this.#prev[slot]!;
    const next = this.#next[slot]!;
    if (prev === NO_SLOT) this.#head = next;
    else this.#next[prev] = next;
    if (next === NO_SLOT) this.#tail = prev;
    else this.#prev[next] = prev;
  }

  #linkAtTail(slot: number): void {
    this.#prev[slot] = this.#tail;
    this.#next[slot] = NO_SLOT;
    if (this.#tail === NO_SLOT) this.#head = slot;
    else this.#next[this.#tail] = slot;
    this.#tail = slot;
  }
}
