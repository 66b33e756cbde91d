/**
 * The one bounded table every detector and analyzer keeps state in: a Map
 * with a capacity, least-recently-used eviction and an eviction counter.
 *
 * @module
 */

import type { TableStats } from "./detector.ts";

/**
 * A Map that holds at most `capacity` entries. `get` refreshes an entry's
 * recency; inserting into a full map evicts the least recently used entry.
 * Every operation is O(1).
 */
export class BoundedMap<K, V> {
  readonly #map = new Map<K, V>();
  readonly #capacity: number;
  #evictions = 0;
  readonly #onEvict: ((key: K, value: V) => void) | undefined;

  /** `capacity` must be a positive integer; `onEvict` sees each evicted entry. */
  constructor(capacity: number, onEvict?: (key: K, value: V) => void) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Cannot create BoundedMap: capacity must be a positive integer, got ${capacity}`,
      );
    }
    this.#capacity = capacity;
    this.#onEvict = onEvict;
  }

  /** Returns the value for `key` and marks it most recently used. */
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  /** Returns the value for `key` without changing its recency. */
  peek(key: K): V | undefined {
    return this.#map.get(key);
  }

  /** Sets `key` (most recently used), evicting the least recently used entry when full. */
  set(key: K, value: V): void {
    if (this.#map.has(key)) this.#map.delete(key);
    else if (this.#map.size >= this.#capacity) this.#evictOldest();
    this.#map.set(key, value);
  }

  /** Removes `key`; true when it was present. */
  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  /** Whether `key` is present. */
  has(key: K): boolean {
    return this.#map.has(key);
  }

  /** Entries held now. */
  get size(): number {
    return this.#map.size;
  }

  /** Entries evicted because the map was full. */
  get evictions(): number {
    return this.#evictions;
  }

  /** Entries from least to most recently used. */
  entries(): IterableIterator<[K, V]> {
    return this.#map.entries();
  }

  /** Values from least to most recently used. */
  values(): IterableIterator<V> {
    return this.#map.values();
  }

  /**
   * Removes entries for which `isExpired` is true, scanning from the least
   * recently used and stopping at the first live one (so it costs O(expired)).
   */
  expireOldest(isExpired: (value: V, key: K) => boolean): number {
    let removed = 0;
    for (const [key, value] of this.#map) {
      if (!isExpired(value, key)) break;
      this.#map.delete(key);
      removed++;
    }
    return removed;
  }

  /** Removes every entry. */
  clear(): void {
    this.#map.clear();
  }

  /** Size, capacity and evictions, for metrics. */
  stats(): TableStats {
    return {
      size: this.#map.size,
      capacity: this.#capacity,
      evictions: this.#evictions,
    };
  }

  #evictOldest(): void {
    const oldest = this.#map.keys().next();
    if (oldest.done) return;
    const value = this.#map.get(oldest.value)!;
    this.#map.delete(oldest.value);
    this.#evictions++;
    this.#onEvict?.(oldest.value, value);
  }
}
