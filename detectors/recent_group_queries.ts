/**
 * Recent UDP datagrams sent to a multicast or broadcast group, by their
 * sender's address and port, in a fixed direct-mapped table: what tells a
 * unicast answer to a discovery query from a probe. SSDP (M-SEARCH to
 * 239.255.255.250:1900), LLMNR (224.0.0.252:5355), mDNS's one-shot queries
 * (224.0.0.251:5353 from another port) and WS-Discovery (3702) are sent to
 * a group from an ephemeral port, and each host that answers does so by
 * unicast from the group's port to that ephemeral port: a new port of the
 * asking host per query, which would look like a UDP scan of it by the
 * answering host. A newer query whose sender lands in the same slot
 * replaces the older one.
 *
 * @module
 */

import { tupleHash } from "./hash.ts";

/** Slots by default: 16 KiB of tags, ports and times. */
const DEFAULT_LOG2_SLOTS = 10;

/** How long after its query an answer is taken for one, µs of packet time: SSDP lets devices wait up to 5 s (MX), and clients listen a little longer. */
export const GROUP_ANSWER_US = 10_000_000;

/** The last group query seen in each slot (see the module doc). */
export class RecentGroupQueries {
  readonly #tags: Int32Array;
  readonly #groupPorts: Int32Array;
  readonly #atUs: Float64Array;
  readonly #mask: number;
  /** One bit for each port some group query went to: most datagrams come from none, and skip the table. */
  readonly #groupPortBits = new Uint32Array(65_536 / 32);

  /** A table of 2^`log2Slots` slots. */
  constructor(log2Slots = DEFAULT_LOG2_SLOTS) {
    this.#tags = new Int32Array(1 << log2Slots);
    this.#groupPorts = new Int32Array(1 << log2Slots);
    this.#atUs = new Float64Array(1 << log2Slots);
    this.#mask = (1 << log2Slots) - 1;
  }

  /** Notes a datagram from `srcKey`:`srcPort` (address key) to a group's `groupPort` at `nowUs`. */
  note(
    srcKey: number,
    srcPort: number,
    groupPort: number,
    nowUs: number,
  ): void {
    const hash = tupleHash(srcKey, srcPort, 0, 0);
    const slot = hash & this.#mask;
    this.#tags[slot] = hash | 1; // never 0, the empty slot's tag
    this.#groupPorts[slot] = groupPort;
    this.#groupPortBits[groupPort >>> 5]! |= 1 << (groupPort & 31);
    this.#atUs[slot] = nowUs;
  }

  /**
   * Whether a datagram from port `srcPort` to `dstKey`:`dstPort` at `nowUs`
   * answers a group query that `dstKey`:`dstPort` sent to `srcPort` within
   * {@linkcode GROUP_ANSWER_US} (the query stays: several hosts answer one).
   */
  answers(
    dstKey: number,
    dstPort: number,
    srcPort: number,
    nowUs: number,
  ): boolean {
    if ((this.#groupPortBits[srcPort >>> 5]! & (1 << (srcPort & 31))) === 0) {
      return false;
    }
    const hash = tupleHash(dstKey, dstPort, 0, 0);
    const slot = hash & this.#mask;
    return this.#tags[slot] === (hash | 1) &&
      this.#groupPorts[slot] === srcPort &&
      nowUs - this.#atUs[slot]! <= GROUP_ANSWER_US;
  }
}
