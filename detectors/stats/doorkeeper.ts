/**
 * Admission for full tables under hostile cardinality (TinyLFU's
 * "doorkeeper", Einziger et al. 2017): a key that is not in a full table
 * gets in on its second sighting, not its first. One-packet spoofed sources
 * then cost a hash and a bit test instead of an eviction, an allocation and
 * map churn, and cannot flush real talkers out of the table.
 *
 * @module
 */

import { fmix32 } from "../hash.ts";

/**
 * Remembers recently seen keys in a bitmap that is cleared after
 * `resetAfter` new keys (defaults: 1 Mbit, 128 KiB, at most 1/8 full, so
 * under 12.5 % of strangers pass as seen).
 */
export class Doorkeeper {
  readonly #bits: Uint32Array;
  readonly #mask: number;
  readonly #resetAfter: number;
  #sightings = 0;

  /** A bitmap of 2^`log2Bits` bits, cleared after `resetAfter` new keys. */
  constructor(log2Bits = 20, resetAfter = 1 << 17) {
    this.#bits = new Uint32Array((1 << log2Bits) >>> 5);
    this.#mask = (1 << log2Bits) - 1;
    this.#resetAfter = resetAfter;
  }

  /**
   * True when a key with the 32-bit hash `keyHash` was seen since the last
   * reset (and marks it seen).
   */
  seen(keyHash: number): boolean {
    const bit = fmix32(keyHash) & this.#mask;
    const word = bit >>> 5;
    const flag = 1 << (bit & 31);
    const current = this.#bits[word]!;
    if ((current & flag) !== 0) return true;
    this.#bits[word] = current | flag;
    if (++this.#sightings >= this.#resetAfter) {
      this.#bits.fill(0);
      this.#sightings = 0;
    }
    return false;
  }
}
