/**
 * The one bounded table every detector and analyzer keeps state in: a Map
 * with a capacity, least-recently-used eviction and an eviction counter.
 *
 * @module
 */

import type { TableStats } from "./detector.ts";
import { NO_SLOT, RecencyList } from "./recency_list.ts";

/**
 * A Map that holds at most `capacity` entries. `get` refreshes an entry's
 * recency; inserting into a full map evicts the least recently used entry.
 *
 * Every operation is O(1) amortized at any capacity: a `Map` finds a key's
 * slot, and the recency order is a {@linkcode RecencyList} over the slots.
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
  readonly #recency: RecencyList;
  #keys: (K | undefined)[] = [];
  #values: (V | undefined)[] = [];
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
    this.#recency = new RecencyList(capacity);
  }

  /** Returns the value for `key` and marks it most recently used. */
  get(key: K): V | undefined {
    const slot = this.#slotOf.get(key);
    if (slot === undefined) return undefined;
    this.#recency.touch(slot);
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
      this.#recency.touch(existing);
      return;
    }
    if (this.#slotOf.size >= this.#capacity) this.#evictOldest();
    const slot = this.#recency.allocate();
    this.#keys[slot] = key;
    this.#values[slot] = value;
    this.#slotOf.set(key, slot);
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
    const recency = this.#recency;
    for (let slot = recency.oldest; slot !== NO_SLOT;) {
      const following = recency.newer(slot);
      const key = this.#keys[slot] as K;
      yield [key, this.#values[slot] as V];
      // Still live: follow its link (entries may have been appended since).
      slot = this.#slotOf.get(key) === slot ? recency.newer(slot) : following;
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
    while (this.#recency.oldest !== NO_SLOT) {
      const slot = this.#recency.oldest;
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
    this.#recency.reset();
  }

  /** Size, capacity and evictions, for metrics. */
  stats(): TableStats {
    return {
      size: this.#slotOf.size,
      capacity: this.#capacity,
      evictions: this.#evictions,
    };
  }

  /** The least recently used value (the next one evicted), or undefined when empty. */
  oldest(): V | undefined {
    const slot = this.#recency.oldest;
    return slot === NO_SLOT ? undefined : this.#values[slot];
  }

  #evictOldest(): void {
    const slot = this.#recency.oldest;
    if (slot === NO_SLOT) return;
    const key = this.#keys[slot] as K;
    const value = this.#values[slot] as V;
    this.#remove(slot, key);
    this.#evictions++;
    this.#onEvict?.(key, value);
  }

  #remove(slot: number, key: K): void {
    this.#slotOf.delete(key);
    this.#recency.release(slot);
    this.#keys[slot] = undefined; // release references for the GC
    this.#values[slot] = undefined;
  }
}
