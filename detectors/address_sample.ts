/**
 * The distinct addresses of an incident (the sources of a flood, the
 * reflectors of a reflection), counted in a bitmap by linear counting, the
 * first few kept as samples for the evidence. Bounded (`bits / 8` bytes
 * and `maxSamples` addresses) and reusable: {@linkcode AddressSample.clear}
 * costs a word per sample while the map holds no more than its samples.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { addressTextOf, keptText } from "../capture/decoded_packet.ts";
import { linearEstimate } from "./linear_count.ts";
import { hashKey } from "./numeric_key_map.ts";

/** Distinct address keys in a bitmap, with the first `maxSamples` kept. */
export class AddressSample {
  /** Bits set in the map: no more than the distinct addresses counted. */
  bitsSet = 0;
  readonly #bits: Uint32Array;
  readonly #size: number;
  readonly #maxSamples: number;
  readonly #salt: number;
  readonly #keys: number[] = [];
  readonly #texts: string[] = [];
  #count = 0;

  /** A map of `size` bits (a multiple of 32) keeping `maxSamples` samples; `salt` tells its bits from another map's hash of the same keys. */
  constructor(size: number, maxSamples: number, salt = 0) {
    this.#bits = new Uint32Array(size / 32);
    this.#size = size;
    this.#maxSamples = maxSamples;
    this.#salt = salt;
  }

  /** Counts address key `key`, `packet`'s source (`isSource`) or destination; true when its bit was new. */
  add(key: number, packet: PacketRecord, isSource: boolean): boolean {
    const bit = this.#bitOf(key);
    const word = bit >>> 5;
    const mask = 1 << (bit & 31);
    const bits = this.#bits;
    if ((bits[word]! & mask) !== 0) return false;
    bits[word] = bits[word]! | mask;
    this.bitsSet++;
    if (this.#count < this.#maxSamples) {
      this.#keys[this.#count] = key;
      this.#texts[this.#count] = keptText(key, packet, isSource);
      this.#count++;
    }
    return true;
  }

  /** Forgets every address. */
  clear(): void {
    // Most incidents that end early saw an address or two: clear just their bits.
    if (this.bitsSet <= this.#count) {
      for (let i = 0; i < this.#count; i++) {
        this.#bits[this.#bitOf(this.#keys[i]!) >>> 5] = 0;
      }
    } else {
      this.#bits.fill(0);
    }
    this.bitsSet = 0;
    this.#count = 0;
  }

  /** Distinct addresses counted, estimated from the bits set (`bitsSet`, or fewer: a cap that keeps an estimate of a near-full map within reach). */
  estimate(bitsSet = this.bitsSet): number {
    return linearEstimate(bitsSet, this.#size);
  }

  /** Whether the map is (nearly) full: its estimate is then a lower bound. */
  isFull(): boolean {
    return this.bitsSet >= this.#size - 8;
  }

  /** The samples' address texts, in the order counted. */
  samples(): string[] {
    return this.#keys.slice(0, this.#count).map((key, i) =>
      addressTextOf(key, this.#texts[i]!)
    );
  }

  /** The bit of address key `key`: a well-mixed hash, so keys differing only in their last bits spread over all bits (linear counting assumes uniformly random bits). */
  #bitOf(key: number): number {
    return (hashKey(key, this.#salt, 0) >>> 0) % this.#size;
  }
}
