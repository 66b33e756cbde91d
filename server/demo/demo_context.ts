/**
 * What every demo script shares: the random stream, the office LAN and a
 * pool of random bytes that stands in for ciphertext.
 *
 * @module
 */

import { OfficeLan } from "./lan.ts";
import { Prng } from "./prng.ts";

/** Bytes of random "ciphertext" drawn once and sliced for every encrypted payload. */
const NOISE_POOL_BYTES = 65_536;

/** Shared state of the demo scripts. */
export class DemoContext {
  /** The seeded random stream all scripts draw from. */
  readonly prng: Prng;
  /** The simulated office. */
  readonly lan: OfficeLan;
  readonly #pool: Uint8Array<ArrayBuffer>;

  /** Creates the context for `seed`. */
  constructor(seed: number) {
    this.prng = new Prng(seed);
    this.lan = new OfficeLan(this.prng);
    this.#pool = this.prng.bytes(NOISE_POOL_BYTES);
  }

  /** `length` bytes that look encrypted (a view into the shared pool; copy before changing it). */
  noise(length: number): Uint8Array<ArrayBuffer> {
    if (length > NOISE_POOL_BYTES) {
      throw new RangeError(
        `Cannot take ${length} noise bytes: at most ${NOISE_POOL_BYTES}`,
      );
    }
    const offset = this.prng.int(0, NOISE_POOL_BYTES - length);
    return this.#pool.subarray(offset, offset + length);
  }
}
