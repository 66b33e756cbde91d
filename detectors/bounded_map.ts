/**
 * The one bounded table every detector and analyzer keeps state in: a Map
 * with a capacity, least-recently-used eviction and an eviction counter.
 *
 * @module
 */

import type { TableStats } from "./detector.ts";

/** Slot index meaning "no slot" in the recency list. */
const NONE = -1;

/** Slots allocated up front; the slot arrays then double up to the capacity. */
const INITIAL_SLOTS = 16;

/**
 * A Map that holds at most `capacity` entries. `get` refreshes an entry's
 * recency; inserting into a full map evicts the least recently used entry.
 *
 * Every operation is O(1) amortized at any capacity: a `Map` finds a key's
 * slot, and the recency order is a doubly linked list threaded through
 * parallel slot arrays (`Int32Array` links, with freed slots on a free list).
 * Recency never depends on a `Map`'s insertion order, whose iteration in V8
 * walks over the holes deletions leave behind (a `keys().next()` eviction
 * after many deletions costs O(capacity)).
 *
 * Iterating while the map changes: deleting the entry being visited (or any
 * entry already visited) is safe; other changes during iteration are not.
 *
 * @example
 * ```ts
 * const recent = new BoundedMap<string, number>(2);
 * recent.set("a", 1);
 * recent.set("b", 2);
 * recent.get("a"); // "b" is now the least recently used
 * recent.set("c", 3); // evicts "b"
 * ```
 */
export class BoundedMap<K, V> {
  readonly #slotOf = new Map<K, number>();
  readonly #capacity: number;
  readonly #onEvict: ((key: K, value: V) => void) | undefined;
  #keys: (K | undefined)[] = [];
  #values: (V | undefined)[] = [];
  #prev: Int32Array;
  #next: Int32Array;
  /** Least recently used slot. */
  #head = NONE;
  /** Most recently used slot. */
  #tail = NONE;
  /** First free slot; free slots are chained through `#next`. */
  #free = NONE;
  #evictions = 0;

  /** `capacity` must be a positive integer; `onEvict` sees each evicted entry. */
  constructor(capacity: number, onEvict?: (key: K, value: V) => void) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Cannot create BoundedMap: capacity must be a positive integer, got ${capacity}`,
      );
    }
    this.#capacity = capacity;
    this.#onEvict = onEvict;
    const slots = Math.min(capacity, INITIAL_SLOTS);
    this.#prev = new Int32Array(slots);
    this.#next = new Int32Array(slots);
  }

  /** Returns the value for `key` and marks it most recently used. */
  get(key: K): V | undefined {
    const slot = this.#slotOf.get(key);
    if (slot === undefined) return undefined;
    this.#moveToTail(slot);
    return this.#values[slot];
  }

  /** Returns the value for `key` without changing its recency. */
  peek(key: K): V | undefined {
    const slot = this.#slotOf.get(key);
    return slot === undefined ? undefined : this.#values[slot];
  }

  /** Sets `key` (most recently used), evicting the least recently used entry when full. */
  set(key: K, value: V): void {
    const existing = this.#slotOf.get(key);
    if (existing !== undefined) {
      this.#values[existing] = value;
      this.#moveToTail(existing);
      return;
    }
    if (this.#slotOf.size >= this.#capacity) this.#evictOldest();
    const slot = this.#allocate();
    this.#keys[slot] = key;
    this.#values[slot] = value;
    this.#slotOf.set(key, slot);
    this.#linkAtTail(slot);
  }

  /** Removes `key`; true when it was present. */
  delete(key: K): boolean {
    const slot = this.#slotOf.get(key);
    if (slot === undefined) return false;
    this.#remove(slot, key);
    return true;
  }

  /** Whether `key` is present. */
  has(key: K): boolean {
    return this.#slotOf.has(key);
  }

  /** Entries held now. */
  get size(): number {
    return this.#slotOf.size;
  }

  /** Most entries the map may hold. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Entries evicted because the map was full. */
  get evictions(): number {
    return this.#evictions;
  }

  /** Entries from least to most recently used. */
  *entries(): IterableIterator<[K, V]> {
    for (let slot = this.#head; slot !== NONE;) {
      const following = this.#next[slot]!;
      const key = this.#keys[slot] as K;
      yield [key, this.#values[slot] as V];
      // Still live: follow its link (entries may have been appended since).
      slot = this.#slotOf.get(key) === slot ? this.#next[slot]! : following;
    }
  }

  /** Keys from least to most recently used. */
  *keys(): IterableIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  /** Values from least to most recently used. */
  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  /**
   * Removes entries for which `isExpired` is true, scanning from the least
   * recently used and stopping at the first live one (so it costs O(expired)).
   * `isExpired` sees each entry before it is removed.
   */
  expireOldest(isExpired: (value: V, key: K) => boolean): number {
    let removed = 0;
    while (this.#head !== NONE) {
      const slot = this.#head;
      const key = this.#keys[slot] as K;
      if (!isExpired(this.#values[slot] as V, key)) break;
      // The callback may have deleted the entry itself.
      if (this.#slotOf.get(key) === slot) this.#remove(slot, key);
      removed++;
    }
    return removed;
  }

  /** Removes every entry. */
  clear(): void {
    this.#slotOf.clear();
    this.#keys = [];
    this.#values = [];
    const slots = Math.min(this.#capacity, INITIAL_SLOTS);
    this.#prev = new Int32Array(slots);
    this.#next = new Int32Array(slots);
    this.#head = NONE;
    this.#tail = NONE;
    this.#free = NONE;
  }

  /** Size, capacity and evictions, for metrics. */
  stats(): TableStats {
    return {
      size: this.#slotOf.size,
      capacity: this.#capacity,
      evictions: this.#evictions,
    };
  }

  #evictOldest(): void {
    const slot = this.#head;
    if (slot === NONE) return;
    const key = this.#keys[slot] as K;
    const value = this.#values[slot] as V;
    this.#remove(slot, key);
    this.#evictions++;
    this.#onEvict?.(key, value);
  }

  /** A free slot: from the free list, else the next never-used one. */
  #allocate(): number {
    if (this.#free !== NONE) {
      const slot = this.#free;
      this.#free = this.#next[slot]!;
      return slot;
    }
    const slot = this.#keys.length;
    if (slot === this.#prev.length) this.#grow();
    this.#keys.push(undefined);
    this.#values.push(undefined);
    return slot;
  }

  #grow(): void {
    const slots = Math.min(this.#capacity, this.#prev.length * 2);
    const prev = new Int32Array(slots);
    prev.set(this.#prev);
    const next = new Int32Array(slots);
    next.set(this.#next);
    this.#prev = prev;
    this.#next = next;
  }

  #remove(slot: number, key: K): void {
    this.#slotOf.delete(key);
    this.#unlink(slot);
    this.#keys[slot] = undefined; // release references for the GC
    this.#values[slot] = undefined;
    this.#next[slot] = this.#free;
    this.#free = slot;
  }

  #moveToTail(slot: number): void {
    if (slot === this.#tail) return;
    this.#unlink(slot);
    this.#linkAtTail(slot);
  }

  #unlink(slot: number): void {
    const prev = this.#prev[slot]!;
    const next = this.#next[slot]!;
    if (prev === NONE) this.#head = next;
    else this.#next[prev] = next;
    if (next === NONE) this.#tail = prev;
    else this.#prev[next] = prev;
  }

  #linkAtTail(slot: number): void {
    this.#prev[slot] = this.#tail;
    this.#next[slot] = NONE;
    if (this.#tail === NONE) this.#head = slot;
    else this.#next[this.#tail] = slot;
    this.#tail = slot;
  }
}
