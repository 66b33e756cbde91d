/**
 * The recent packets behind `GET /api/packets`: a session's last packets by
 * number, decoded again from the frame ring's copies when asked for, so the
 * pipeline decodes every packet into one reused record instead of writing
 * each into a ring of thousands (cold in the CPU caches: about a tenth of a
 * replay's time through the server).
 *
 * @module
 */

import { AnomalyCounter } from "../capture/anomalies.ts";
import { decodeInto } from "../capture/decode/mod.ts";
import { DecodedPacket, plainPacket } from "../capture/decoded_packet.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import {
  PCAP_FILE_HEADER_LENGTH,
  PCAP_RECORD_HEADER_LENGTH,
  pcapFileHeader,
  recordFractionNs,
  writePcapRecordHeader,
} from "../capture/pcap_writer.ts";
import type { FrameRing } from "./frame_ring.ts";
import {
  compilePacketQuery,
  matchesPacketQuery,
  type PacketQuery,
  PacketRing,
  type PacketRow,
  toPacketRow,
} from "./packet_row.ts";

/** What {@linkcode RecentPackets.search} found, and where it looked. */
export interface PacketSearchResult {
  /** Matching rows, newest first. */
  rows: PacketRow[];
  /** Packets looked at (0: none held). */
  searched: number;
  /** Oldest packet number looked at (0 when none). */
  fromN: number;
  /** Newest packet number looked at (0 when none). */
  toN: number;
}

/**
 * The last `capacity` packets of a session as (packet number, frame
 * sequence number) pairs over a {@linkcode FrameRing}. A packet whose frame
 * the ring has dropped is gone; frames are cut at the ring's snap length
 * (2048 bytes by default), so a longer frame decodes as the truncated frame
 * it was kept as.
 */
export class RecentPackets {
  readonly #frames: FrameRing;
  readonly #sequences: PacketRing<number>;
  /** Decodes for queries and lookups; nothing keeps it (lookups return a copy). */
  readonly #scratch = new DecodedPacket();
  /** Anomalies were counted when the packets went through the pipeline: these are never read. */
  readonly #anomalies = new AnomalyCounter();
  /** Latency measured at packet `#latencyN[n % capacity]`, µs (what the stream's rows carry, so a fetched row shows it too). */
  readonly #latencyN: Float64Array;
  readonly #latencyUs: Float64Array;

  /** The last `capacity` packets, whose frames `frames` keeps. */
  constructor(capacity: number, frames: FrameRing) {
    this.#frames = frames;
    this.#sequences = new PacketRing(capacity);
    this.#latencyN = new Float64Array(capacity).fill(-1);
    this.#latencyUs = new Float64Array(capacity);
  }

  /** Packets held at most. */
  get capacity(): number {
    return this.#sequences.capacity;
  }

  /** Packets held. */
  get size(): number {
    return this.#sequences.size;
  }

  /** Records packet number `n`, whose frame `frames.add` numbered `frameSequence`. */
  add(n: number, frameSequence: number): void {
    this.#sequences.push(n, frameSequence);
  }

  /** Records the latency packet `n` completed (an answer to a request), µs. */
  setLatency(n: number, latencyUs: number): void {
    const at = n % this.#latencyN.length;
    this.#latencyN[at] = n;
    this.#latencyUs[at] = latencyUs;
  }

  /** Packet number `n` decoded again (a plain object), if still held. */
  get(n: number): PacketRecord | undefined {
    const sequence = this.#sequences.get(n);
    if (sequence === undefined) return undefined;
    const packet = this.#decode(this.#scratch, sequence);
    return packet && plainPacket(packet);
  }

  /** Whether packet number `n`'s frame was kept cut (longer than the ring's snap length): its fields past the cut are unknown here, though the session PCAP has them. */
  isCut(n: number): boolean {
    const sequence = this.#sequences.get(n);
    return sequence !== undefined && this.#frames.isCut(sequence);
  }

  /** Newest matching rows first, at most `query.limit`. */
  query(query: PacketQuery): PacketRow[] {
    return this.search(query).rows;
  }

  /**
   * Newest matching rows first, at most `query.limit`, and which packets
   * were looked at: from the newest held back until the limit was reached
   * or the oldest held.
   */
  search(query: PacketQuery): PacketSearchResult {
    const matcher = compilePacketQuery(query);
    const rows: PacketRow[] = [];
    let searched = 0;
    let fromN = 0;
    let toN = 0;
    for (const [n, sequence] of this.#sequences.newest()) {
      if (rows.length >= query.limit) break;
      const packet = this.#decode(this.#scratch, sequence);
      if (packet === undefined) break; // older frames are gone too
      searched++;
      fromN = n;
      if (toN === 0) toN = n;
      const at = n % this.#latencyN.length;
      const row = toPacketRow(
        n,
        packet,
        this.#latencyN[at] === n ? this.#latencyUs[at]! : -1,
      );
      if (matchesPacketQuery(matcher, packet, row)) rows.push(row);
    }
    return { rows, searched, fromN, toN };
  }

  /**
   * The frame of packet number `n` as one packet's PCAP file (link type,
   * time and lengths as captured, cut to the ring's snap length), if the
   * ring still holds it.
   */
  pcapOf(n: number): Uint8Array<ArrayBuffer> | undefined {
    const sequence = this.#sequences.get(n);
    if (sequence === undefined) return undefined;
    const frame = this.#frames.frame(sequence);
    if (frame === undefined) return undefined;
    const nanosecond = frame.subMicrosecondNs >= 0;
    const length = frame.capturedLength;
    const pcap = new Uint8Array(
      PCAP_FILE_HEADER_LENGTH + PCAP_RECORD_HEADER_LENGTH + length,
    );
    pcap.set(pcapFileHeader(frame.linkType, undefined, nanosecond));
    writePcapRecordHeader(
      pcap,
      PCAP_FILE_HEADER_LENGTH,
      frame.timestampUs,
      length,
      frame.wireLength,
      recordFractionNs(nanosecond, frame.subMicrosecondNs),
    );
    pcap.set(
      frame.bytes.subarray(frame.offset, frame.offset + length),
      PCAP_FILE_HEADER_LENGTH + PCAP_RECORD_HEADER_LENGTH,
    );
    return pcap;
  }

  /** Forgets every packet (the frame ring is cleared by its owner). */
  clear(): void {
    this.#sequences.clear();
    this.#latencyN.fill(-1);
  }

  #decode(record: DecodedPacket, sequence: number): DecodedPacket | undefined {
    const raw = this.#frames.frame(sequence);
    return raw && decodeInto(record, raw, this.#anomalies);
  }
}
