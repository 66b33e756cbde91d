/**
 * Recent Community IDs by flow, so that a DNS query and its answer hash
 * their five-tuple once: a SHA-1 was the largest cost of EVE's DNS records.
 * Flow records do not use it: each is written once, and under a flood of
 * new flows the cached IDs would outlive V8's young generation (peak RSS
 * 180 → 300 MiB on a 1M-source flood). Direct-mapped by the flow's key
 * (the two endpoint keys, lower first, and the protocol): a slot holds the
 * last flow that hashed to it, so the cache is bounded and never grows.
 *
 * @module
 */

import { hashKey } from "../../detectors/numeric_key_map.ts";

/** A bounded cache of Community IDs keyed by (lower endpoint key, higher endpoint key, protocol). */
export class CommunityIdCache {
  readonly #mask: number;
  readonly #keys: Float64Array;
  readonly #ids: string[];

  /** A cache of `2 ** bits` slots. */
  constructor(bits = 12) {
    this.#mask = (1 << bits) - 1;
    this.#keys = new Float64Array(3 << bits).fill(-1);
    this.#ids = new Array<string>(1 << bits).fill("");
  }

  /** The ID of the flow with key (`low`, `high`, `protocol`), made by `make` when it is not cached. */
  get(
    low: number,
    high: number,
    protocol: number,
    make: () => string,
  ): string {
    const slot = hashKey(low, high, protocol) & this.#mask;
    const keys = this.#keys;
    const at = slot * 3;
    if (
      keys[at] === low && keys[at + 1] === high && keys[at + 2] === protocol
    ) {
      return this.#ids[slot]!;
    }
    const id = make();
    keys[at] = low;
    keys[at + 1] = high;
    keys[at + 2] = protocol;
    this.#ids[slot] = id;
    return id;
  }
}
