/**
 * The bounded table for the per-packet hot path: like {@linkcode BoundedMap}
 * (capacity, least-recently-used eviction, eviction counter) but keyed by up
 * to three numbers instead of a string, so a lookup builds no key string and
 * allocates nothing.
 *
 * Key words are integers in [0, 2^53): an address key
 * (`PacketRecord.srcAddressKey`), `addressKey × 65536 + port`, a DNS id, …
 * Unused words are 0.
 *
 * @module
 */

import type { TableStats } from "./detector.ts";
import { NO_SLOT, RecencyList } from "./recency_list.ts";

/** Key words per entry. */
const WORDS = 3;

/** Removed values a recycling map keeps for reuse (see {@linkcode NumericKeyMap.spare}). */
const MAX_SPARES = 64;

/** Options of {@linkcode NumericKeyMap}. */
export interface NumericKeyMapOptions {
  /**
   * Keep removed values (evicted, expired or deleted) for
   * {@linkcode NumericKeyMap.spare}. Only for tables whose values nothing
   * else references once they leave the table, and that are never added
   * again after removal.
   */
  recycle?: boolean;
}

/**
 * 2^-32, to take a key word's high 32 bits: multiplying by it gives exactly
 * the double that dividing by 2^32 would (a power of two), at a fraction of
 * a division's cost.
 */
const TWO_TO_MINUS_32 = 2 ** -32;

/**
 * An odd multiplier drawn once per process: a key's home position in a
 * map's index is the top bits of its hash times this (multiplicative
 * hashing), not the hash's low bits. {@linkcode hashKey} has fixed
 * constants, so keys whose hashes share their low bits can be found
 * offline (20,000 in 0.4 s, in an outside review), and spoofed packets
 * carrying them made every lookup walk one long run of the index (about 20
 * times slower); which keys share a home now depends on a number no sender
 * knows. Only where entries sit changes: what a map holds, evicts and
 * finds is the same in every process.
 */
const POSITION_MULTIPLIER = crypto.getRandomValues(new Uint32Array(1))[0]! |
  1;

/** The home position of `hash` in an index of 2^(32 − `shift`) positions (`shift` from 4 to 28; see {@linkcode POSITION_MULTIPLIER}). */
export function homePosition(hash: number, shift: number): number {
  return Math.imul(hash, POSITION_MULTIPLIER) >>> shift;
}

/** Hash of three key words (32-bit, well mixed), as {@linkcode NumericKeyMap} uses it. */
export function hashKey(a: number, b: number, c: number): number {
  let h = Math.imul((a >>> 0) ^ ((a * TWO_TO_MINUS_32) | 0) * 0x3d, 0xcc9e2d51);
  h = Math.imul((h << 15) | (h >>> 17), 0x1b873593);
  h ^= Math.imul(
    (b >>> 0) ^ Math.imul((b * TWO_TO_MINUS_32) | 0, 0x2f),
    0x85ebca6b,
  );
  h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  h ^= Math.imul(
    (c >>> 0) ^ Math.imul((c * TWO_TO_MINUS_32) | 0, 0x35),
    0xc2b2ae35,
  );
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * A map from up to three integer key words to values, holding at most
 * `capacity` entries. `get` refreshes an entry's recency; inserting into a
 * full map evicts the least recently used entry. Open addressing (linear
 * probing, backward-shift deletion) over an `Int32Array` of (slot number,
 * key hash) pairs, so a probe past another key rarely touches that key;
 * keys live in a `Float64Array`, recency in a {@linkcode RecencyList}. Every
 * operation is O(1) expected; storage grows with the entries held, up to the
 * capacity.
 *
 * @example
 * ```ts
 * const pairs = new NumericKeyMap<string>(1000);
 * pairs.set(0x0a000001, 0xc0000201, 0, "10.0.0.1 → 192.0.2.1");
 * pairs.get(0x0a000001, 0xc0000201, 0); // "10.0.0.1 → 192.0.2.1"
 * ```
 */
export class NumericKeyMap<V> {
  readonly #capacity: number;
  readonly #onEvict: ((value: V) => void) | undefined;
  readonly #recency: RecencyList;
  /** Key words of each slot. */
  #keys = new Float64Array(0);
  /** Index position of each slot's key, so eviction and expiry need no probe. */
  #positions = new Int32Array(0);
  /** Each slot's stamp (see {@linkcode NumericKeyMap.add}). */
  #stamps = new Float64Array(0);
  #values: (V | undefined)[] = [];
  /**
   * The key words being looked up, and a new entry's stamp: each public
   * method writes them here before it calls a private one, which reads
   * them back, so that no key word or time (a double, unless a small
   * integer) is boxed on the heap for a call V8 does not inline (tens of
   * MB of garbage per 1M packets).
   */
  readonly #probe = new Float64Array(WORDS + 1);
  /** Open-addressing index: per position, a slot number (or NO_SLOT) and its key's hash. */
  #index = new Int32Array(0);
  /** Positions in the index, minus one (a power of two minus one). */
  #mask = 0;
  /** 32 minus the log2 of the positions in the index (see {@linkcode homePosition}). */
  #shift = 32;
  #size = 0;
  #evictions = 0;
  /** Removed values kept for reuse, or null when the map does not recycle. */
  readonly #spares: V[] | null;

  /** `capacity` must be a positive integer; `onEvict` sees each evicted value. */
  constructor(
    capacity: number,
    onEvict?: (value: V) => void,
    options: NumericKeyMapOptions = {},
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Cannot create NumericKeyMap: capacity must be a positive integer, got ${capacity}`,
      );
    }
    this.#capacity = capacity;
    this.#onEvict = onEvict;
    this.#spares = options.recycle === true ? [] : null;
    this.#recency = new RecencyList(capacity);
    this.#resize();
  }

  /**
   * Returns the value for the key and marks it most recently used. `hash`
   * as in {@linkcode peek}.
   */
  get(
    a: number,
    b: number,
    c: number,
    hash: number = hashKey(a, b, c),
  ): V | undefined {
    const probe = this.#probe;
    probe[0] = a;
    probe[1] = b;
    probe[2] = c;
    const slot = this.#slotOf(hash);
    if (slot === NO_SLOT) return undefined;
    this.#recency.touch(slot);
    return this.#values[slot];
  }

  /**
   * Returns the value for the key without changing its recency. `hash`, when
   * the caller has it already, must be `hashKey(a, b, c)`.
   */
  peek(
    a: number,
    b: number,
    c: number,
    hash: number = hashKey(a, b, c),
  ): V | undefined {
    const probe = this.#probe;
    probe[0] = a;
    probe[1] = b;
    probe[2] = c;
    const slot = this.#slotOf(hash);
    return slot === NO_SLOT ? undefined : this.#values[slot];
  }

  /** The stamp the key was added with (see {@linkcode add}), or NaN when it is absent; `hash` as in {@linkcode peek}. */
  stampOf(
    a: number,
    b: number,
    c: number,
    hash: number = hashKey(a, b, c),
  ): number {
    const probe = this.#probe;
    probe[0] = a;
    probe[1] = b;
    probe[2] = c;
    const slot = this.#slotOf(hash);
    return slot === NO_SLOT ? NaN : this.#stamps[slot]!;
  }

  /** Whether the key is present. */
  has(a: number, b: number, c: number): boolean {
    const probe = this.#probe;
    probe[0] = a;
    probe[1] = b;
    probe[2] = c;
    return this.#slotOf(hashKey(a, b, c)) !== NO_SLOT;
  }

  /** Sets the key (most recently used), evicting the least recently used entry when full. */
  set(a: number, b: number, c: number, value: V): void {
    const hash = hashKey(a, b, c);
    const probe = this.#probe;
    probe[0] = a;
    probe[1] = b;
    probe[2] = c;
    probe[WORDS] = 0;
    const existing = this.#slotOf(hash);
    if (existing !== NO_SLOT) {
      this.#values[existing] = value;
      this.#recency.touch(existing);
      return;
    }
    this.#insert(hash, value);
  }

  /**
   * Adds a key the caller has just found absent (with `peek` or `get`, and
   * no change to the map since): `set` without the second lookup. `hash` as
   * in {@linkcode peek}. `stamp` is a number kept beside the entry (0
   * otherwise) and handed to {@linkcode expireOldest}: a time there spares
   * a value object that would hold only it and a reference (one cache line
   * fewer per entry touched in a table of many).
   */
  add(
    a: number,
    b: number,
    c: number,
    value: V,
    hash: number = hashKey(a, b, c),
    stamp = 0,
  ): void {
    const probe = this.#probe;
    probe[0] = a;
    probe[1] = b;
    probe[2] = c;
    probe[WORDS] = stamp;
    this.#insert(hash, value);
  }

  /**
   * Sets the key to `value` with `stamp` (see {@linkcode add}), most
   * recently used, in one lookup: a new key is added, evicting the least
   * recently used entry when full.
   */
  setStamped(a: number, b: number, c: number, value: V, stamp: number): void {
    const hash = hashKey(a, b, c);
    const probe = this.#probe;
    probe[0] = a;
    probe[1] = b;
    probe[2] = c;
    probe[WORDS] = stamp;
    const slot = this.#slotOf(hash);
    if (slot === NO_SLOT) {
      this.#insert(hash, value);
      return;
    }
    this.#values[slot] = value;
    this.#stamps[slot] = stamp;
    this.#recency.touch(slot);
  }

  /**
   * A value that has left a recycling map (evicted, expired or deleted), for
   * the caller to overwrite and add under a new key instead of allocating
   * one: under churn this keeps short-lived entries out of the garbage
   * collector's old generation. Undefined when none is kept, or when the map
   * was not created with `recycle`.
   */
  spare(): V | undefined {
    return this.#spares?.pop();
  }

  /** The least recently used value (the next one evicted), or undefined when empty. */
  oldest(): V | undefined {
    const slot = this.#recency.oldest;
    return slot === NO_SLOT ? undefined : this.#values[slot];
  }

  /**
   * Evicts the least recently used entry now, as a full map's next insert
   * would (counted in {@linkcode evictions}, handed to `onEvict`); false
   * when the map is empty. For a caller that must make room before it
   * prepares the value it will add.
   */
  evictOldest(): boolean {
    if (this.#size === 0) return false;
    this.#evictOldest();
    return true;
  }

  /** Inserts the absent key in {@linkcode #probe}, with its stamp. */
  #insert(hash: number, value: V): void {
    // Read first: an eviction's callback may look up this map.
    const probe = this.#probe;
    const a = probe[0]!;
    const b = probe[1]!;
    const c = probe[2]!;
    const stamp = probe[WORDS]!;
    if (this.#size >= this.#capacity) this.#evictOldest();
    const slot = this.#recency.allocate();
    // Keep the index at most half full (two Int32s per position).
    if (this.#recency.arrayLength * 4 > this.#index.length) this.#resize();
    const at = slot * WORDS;
    this.#keys[at] = a;
    this.#keys[at + 1] = b;
    this.#keys[at + 2] = c;
    this.#values[slot] = value;
    const index = this.#index;
    const mask = this.#mask;
    let position = homePosition(hash, this.#shift);
    while (index[position * 2] !== NO_SLOT) position = (position + 1) & mask;
    index[position * 2] = slot;
    index[position * 2 + 1] = hash;
    this.#positions[slot] = position;
    this.#stamps[slot] = stamp;
    this.#size++;
  }

  /** Removes the key if `value` is its value (one lookup); true when it was. */
  deleteValue(a: number, b: number, c: number, value: V): boolean {
    const probe = this.#probe;
    probe[0] = a;
    probe[1] = b;
    probe[2] = c;
    const position = this.#positionOf(hashKey(a, b, c));
    if (position < 0 || this.#values[this.#index[position * 2]!] !== value) {
      return false;
    }
    this.#removeAt(position);
    return true;
  }

  /** Removes the key; true when it was present. */
  delete(a: number, b: number, c: number): boolean {
    const probe = this.#probe;
    probe[0] = a;
    probe[1] = b;
    probe[2] = c;
    const position = this.#positionOf(hashKey(a, b, c));
    if (position < 0) return false;
    this.#removeAt(position);
    return true;
  }

  /** Entries held now. */
  get size(): number {
    return this.#size;
  }

  /** Most entries the map may hold. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Entries evicted because the map was full. */
  get evictions(): number {
    return this.#evictions;
  }

  /** Values from least to most recently used (deleting the one being visited is safe). */
  *values(): IterableIterator<V> {
    const recency = this.#recency;
    for (let slot = recency.oldest; slot !== NO_SLOT;) {
      const following = recency.newer(slot);
      const value = this.#values[slot] as V;
      yield value;
      slot = this.#values[slot] === value ? recency.newer(slot) : following;
    }
  }

  /**
   * Removes entries for which `isExpired` (given the value and the stamp it
   * was added with) is true, scanning from the least recently used and
   * stopping at the first live one (so it costs O(expired)).
   */
  expireOldest(isExpired: (value: V, stamp: number) => boolean): number {
    let removed = 0;
    for (;;) {
      const slot = this.#recency.oldest;
      if (slot === NO_SLOT) break;
      if (!isExpired(this.#values[slot] as V, this.#stamps[slot]!)) break;
      // The callback may have deleted the entry itself.
      if (this.#recency.oldest === slot) this.#removeSlot(slot);
      removed++;
    }
    return removed;
  }

  /** Removes every entry. */
  clear(): void {
    this.#recency.reset();
    this.#keys = new Float64Array(0);
    this.#positions = new Int32Array(0);
    this.#stamps = new Float64Array(0);
    this.#values = [];
    this.#index = new Int32Array(0); // or #resize() might keep stale positions
    this.#size = 0;
    this.#resize();
  }

  /** Size, capacity and evictions, for metrics. */
  stats(): TableStats {
    return {
      size: this.#size,
      capacity: this.#capacity,
      evictions: this.#evictions,
    };
  }

  /** The slot holding the key in {@linkcode #probe}, or NO_SLOT. */
  #slotOf(hash: number): number {
    const position = this.#positionOf(hash);
    return position < 0 ? NO_SLOT : this.#index[position * 2]!;
  }

  /** The index position holding the key in {@linkcode #probe}, or -1. */
  #positionOf(hash: number): number {
    const probe = this.#probe;
    const a = probe[0]!;
    const b = probe[1]!;
    const c = probe[2]!;
    const index = this.#index;
    const keys = this.#keys;
    const mask = this.#mask;
    for (
      let position = homePosition(hash, this.#shift);;
      position = (position + 1) & mask
    ) {
      const slot = index[position * 2]!;
      if (slot === NO_SLOT) return -1;
      if (index[position * 2 + 1] !== hash) continue;
      const at = slot * WORDS;
      if (keys[at] === a && keys[at + 1] === b && keys[at + 2] === c) {
        return position;
      }
    }
  }

  #evictOldest(): void {
    const slot = this.#recency.oldest;
    if (slot === NO_SLOT) return;
    const value = this.#values[slot] as V;
    this.#removeSlot(slot);
    this.#evictions++;
    this.#onEvict?.(value);
  }

  #removeSlot(slot: number): void {
    this.#removeAt(this.#positions[slot]!);
  }

  /** Removes the entry at index `position`, shifting later probes back over the hole. */
  #removeAt(position: number): void {
    const index = this.#index;
    const mask = this.#mask;
    const slot = index[position * 2]!;
    let hole = position;
    for (let probe = (hole + 1) & mask;; probe = (probe + 1) & mask) {
      const moving = index[probe * 2]!;
      if (moving === NO_SLOT) break;
      const hash = index[probe * 2 + 1]!;
      const home = homePosition(hash, this.#shift);
      // The entry may fill the hole unless its home lies cyclically in (hole, probe].
      const homeAfterHole = hole <= probe
        ? home > hole && home <= probe
        : home > hole || home <= probe;
      if (!homeAfterHole) {
        index[hole * 2] = moving;
        index[hole * 2 + 1] = hash;
        this.#positions[moving] = hole;
        hole = probe;
      }
    }
    index[hole * 2] = NO_SLOT;
    this.#recency.release(slot);
    const spares = this.#spares;
    if (spares !== null && spares.length < MAX_SPARES) {
      spares.push(this.#values[slot] as V);
    }
    this.#values[slot] = undefined; // release the reference for the GC
    this.#size--;
  }

  /** Sizes the key arrays to the recency list's and the index to twice that, rehashing. */
  #resize(): void {
    const slots = this.#recency.arrayLength;
    if (this.#keys.length < slots * WORDS) {
      const keys = new Float64Array(slots * WORDS);
      keys.set(this.#keys);
      this.#keys = keys;
      const slotPositions = new Int32Array(slots);
      slotPositions.set(this.#positions);
      this.#positions = slotPositions;
      const stamps = new Float64Array(slots);
      stamps.set(this.#stamps);
      this.#stamps = stamps;
    }
    let positions = 16;
    while (positions < slots * 2) positions *= 2;
    if (positions * 2 === this.#index.length) return;
    const index = new Int32Array(positions * 2).fill(NO_SLOT);
    const mask = positions - 1;
    const shift = 32 - Math.log2(positions);
    const old = this.#index;
    for (let i = 0; i < old.length; i += 2) {
      const slot = old[i]!;
      if (slot === NO_SLOT) continue;
      const hash = old[i + 1]!;
      let position = homePosition(hash, shift);
      while (index[position * 2] !== NO_SLOT) position = (position + 1) & mask;
      index[position * 2] = slot;
      index[position * 2 + 1] = hash;
      this.#positions[slot] = position;
    }
    this.#index = index;
    this.#mask = mask;
    this.#shift = shift;
  }
}
