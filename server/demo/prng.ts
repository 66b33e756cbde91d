/**
 * A small seeded pseudo-random number generator for the demo simulator:
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, as in
 * PractRand) seeded through splitmix32, so every seed, 0 included, gives a
 * well-mixed stream. Deterministic across runs and platforms; never use it
 * for anything secret.
 *
 * @module
 */

/** A deterministic random stream with the helpers the simulator needs. */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** Starts the stream for `seed` (any number; only its low 32 bits count). */
  constructor(seed: number) {
    let state = seed >>> 0;
    const next = (): number => {
      // splitmix32
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = 1;
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** The next 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A float in [min, max). */
  uniform(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** An exponentially distributed value with mean `mean`. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) {
      throw new RangeError("Cannot pick from an empty array");
    }
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** One element of `items`, chosen with probability proportional to its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, weight] of items) total += weight;
    let point = this.next() * total;
    for (const [item, weight] of items) {
      point -= weight;
      if (point < 0) return item;
    }
    const last = items[items.length - 1];
    if (last === undefined) {
      throw new RangeError("Cannot pick from an empty array");
    }
    return last[0];
  }

  /** Fills `target` with random bytes and returns it. */
  fill<T extends Uint8Array>(target: T): T {
    let i = 0;
    for (; i + 4 <= target.length; i += 4) {
      const value = this.uint32();
      target[i] = value & 0xff;
      target[i + 1] = (value >>> 8) & 0xff;
      target[i + 2] = (value >>> 16) & 0xff;
      target[i + 3] = value >>> 24;
    }
    if (i < target.length) {
      let value = this.uint32();
      for (; i < target.length; i++) {
        target[i] = value & 0xff;
        value >>>= 8;
      }
    }
    return target;
  }

  /** `length` random bytes. */
  bytes(length: number): Uint8Array<ArrayBuffer> {
    return this.fill(new Uint8Array(length));
  }

  /** A string of `length` characters drawn from `alphabet`. */
  string(length: number, alphabet: string): string {
    let out = "";
    for (let i = 0; i < length; i++) {
      out += alphabet[Math.floor(this.next() * alphabet.length)];
    }
    return out;
  }
}
