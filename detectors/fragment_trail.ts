/**
 * What the first fragment of each recent IP datagram said, for its later
 * fragments, which carry no transport header: the service a protocol mix
 * counts them under, the ports of the flow they belong to. NetMirror does
 * not reassemble datagrams; it keys each by source, destination and
 * identification (RFC 791 section 3.2, RFC 8200 section 4.5), and remembers
 * one number per datagram for at most
 * {@linkcode FRAGMENT_TRAIL_DEFAULTS}.`maxAgeUs` of packet time, the
 * reassembly timeouts' order (Linux: 30 s, RFC 8200: 60 s). The table is
 * bounded: past `capacity` datagrams the least recently noted is forgotten,
 * and its later fragments are then told apart as when their first fragment
 * was never seen (or came after them). The identification, which a sender
 * picks freely, is XORed with a random number per trail before it is
 * hashed, so no host can pick identifications that collide in the table's
 * index to slow every update (the mapping is one to one: what the trail
 * answers does not depend on it).
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { NumericKeyMap } from "./numeric_key_map.ts";
import type { TableStats } from "./detector.ts";

/** Options of {@linkcode FragmentTrail}. */
export interface FragmentTrailOptions {
  /** Datagrams remembered at once. */
  capacity?: number;
  /** Packet time after its first fragment that a datagram is remembered, µs. */
  maxAgeUs?: number;
}

/** Defaults of {@linkcode FragmentTrailOptions}: 4 096 datagrams (about 300 KiB), 60 s. */
export const FRAGMENT_TRAIL_DEFAULTS: Required<FragmentTrailOptions> = {
  capacity: 4_096,
  maxAgeUs: 60_000_000,
};

/** One number per recent fragmented datagram, noted at its first fragment and read at the later ones. */
export class FragmentTrail {
  readonly #datagrams: NumericKeyMap<number>;
  readonly #maxAgeUs: number;
  /** XORed with each identification: see the module documentation. */
  readonly #salt = crypto.getRandomValues(new Uint32Array(1))[0]!;

  /** A trail remembering `options.capacity` datagrams for `options.maxAgeUs` each. */
  constructor(options: FragmentTrailOptions = {}) {
    const { capacity, maxAgeUs } = { ...FRAGMENT_TRAIL_DEFAULTS, ...options };
    this.#datagrams = new NumericKeyMap(capacity);
    this.#maxAgeUs = maxAgeUs;
  }

  /** Notes `value` (an integer from 0 to 2^53 − 1) for the datagram whose first fragment is `packet`, replacing what an earlier datagram with its key left. */
  note(packet: PacketRecord, value: number): void {
    const key = this.#keyOf(packet);
    if (key < 0) return;
    const nowUs = packet.timestampUs;
    this.#expire(nowUs);
    this.#datagrams.setStamped(
      packet.srcAddressKey,
      packet.dstAddressKey,
      key,
      value,
      nowUs,
    );
  }

  /** The value noted for the datagram of `packet`, a later fragment, or -1 when its first fragment was not seen within the age limit. */
  valueOf(packet: PacketRecord): number {
    const key = this.#keyOf(packet);
    if (key < 0) return -1;
    this.#expire(packet.timestampUs);
    const value = this.#datagrams.peek(
      packet.srcAddressKey,
      packet.dstAddressKey,
      key,
    );
    return value === undefined ? -1 : value;
  }

  /**
   * The key word of `packet`'s datagram beside its addresses (its
   * identification, salted), or -1 when it is no fragment or lacks
   * addresses. A reassembler keys IPv4 by the protocol too (RFC 791 section
   * 3.2), but a first fragment's `ipProtocol` is the one past its extension
   * headers (IPv6's after the Fragment header, IPv4's behind AH), which its
   * later fragments do not name; senders number datagrams per destination
   * across protocols.
   */
  #keyOf(packet: PacketRecord): number {
    if (
      packet.fragmentId < 0 || packet.srcAddressKey < 0 ||
      packet.dstAddressKey < 0
    ) return -1;
    return (packet.fragmentId ^ this.#salt) >>> 0;
  }

  /** Forgets the datagrams noted more than the age limit before `nowUs` (the oldest noted first, so this stops at the first younger one). */
  #expire(nowUs: number): void {
    const maxAgeUs = this.#maxAgeUs;
    this.#datagrams.expireOldest((_, stamp) => nowUs - stamp > maxAgeUs);
  }

  /** Size, capacity and evictions, for /metrics. */
  stats(): TableStats {
    return this.#datagrams.stats();
  }
}
