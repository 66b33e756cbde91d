/**
 * Recent bare ACK segments (ACK or FIN/ACK, no payload), by their 4-tuple, in
 * a fixed direct-mapped table: what tells a reset that answers one of them
 * (an ACK probe: nmap -sA, -sW, -sM) from a reset nothing seen here provoked
 * (backscatter of someone else's spoofed ACKs, or a client's kernel
 * refusing a SYN/ACK it never asked for). RFC 9293 section 3.10.7.1: a
 * reset answering a segment with ACK takes that segment's acknowledgment
 * number as its sequence number, so a match needs the 4-tuple and that
 * number. A newer ACK whose tuple lands in the same slot replaces the older
 * one: the table remembers only the last few milliseconds of a busy link,
 * which is as long as a probe waits for its reset.
 *
 * @module
 */

import { tupleHash } from "./hash.ts";

/**
 * Slots by default: 8 KiB of tags and numbers, which stay in the CPU's
 * first-level cache, since every bare ACK of the traffic writes one. At 1M
 * packets a second, a third of them bare ACKs, a slot lasts about 3 ms,
 * longer than a reset takes to come back on a LAN; a scan needs only 15 of
 * its probes matched.
 */
const DEFAULT_LOG2_SLOTS = 10;

/** The last bare ACK seen in each slot of a direct-mapped table (see the module doc). */
export class RecentAcks {
  readonly #tags: Int32Array;
  readonly #acks: Uint32Array;
  readonly #mask: number;

  /** A table of 2^`log2Slots` slots. */
  constructor(log2Slots = DEFAULT_LOG2_SLOTS) {
    this.#tags = new Int32Array(1 << log2Slots);
    this.#acks = new Uint32Array(1 << log2Slots);
    this.#mask = (1 << log2Slots) - 1;
  }

  /** Notes a bare ACK from `srcKey`:`srcPort` to `dstKey`:`dstPort` (address keys) acknowledging `ack`. */
  note(
    srcKey: number,
    srcPort: number,
    dstKey: number,
    dstPort: number,
    ack: number,
  ): void {
    const hash = tupleHash(srcKey, srcPort, dstKey, dstPort);
    const slot = hash & this.#mask;
    this.#tags[slot] = hash | 1; // never 0, the empty slot's tag
    this.#acks[slot] = ack;
  }

  /**
   * Whether a reset from `hostKey`:`hostPort` to `proberKey`:`proberPort`
   * with sequence number `seq` answers a noted ACK (which it then forgets).
   */
  answers(
    proberKey: number,
    proberPort: number,
    hostKey: number,
    hostPort: number,
    seq: number,
  ): boolean {
    const hash = tupleHash(proberKey, proberPort, hostKey, hostPort);
    const slot = hash & this.#mask;
    if (this.#tags[slot] !== (hash | 1) || this.#acks[slot] !== seq >>> 0) {
      return false;
    }
    this.#tags[slot] = 0;
    return true;
  }
}
