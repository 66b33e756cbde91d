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
import type { FrameRing } from "./frame_ring.ts";
import {
  matchesPacketQuery,
  type PacketQuery,
  PacketRing,
  type PacketRow,
  toPacketRow,
} from "./packet_row.ts";

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

  /** The last `capacity` packets, whose frames `frames` keeps. */
  constructor(capacity: number, frames: FrameRing) {
    this.#frames = frames;
    this.#sequences = new PacketRing(capacity);
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

  /** Packet number `n` decoded again (a plain object), if still held. */
  get(n: number): PacketRecord | undefined {
    const sequence = this.#sequences.get(n);
    if (sequence === undefined) return undefined;
    const packet = this.#decode(this.#scratch, sequence);
    return packet && plainPacket(packet);
  }

  /** Newest matching rows first, at most `query.limit`. */
  query(query: PacketQuery): PacketRow[] {
    const out: PacketRow[] = [];
    for (const [n, sequence] of this.#sequences.newest()) {
      if (out.length >= query.limit) break;
      const packet = this.#decode(this.#scratch, sequence);
      if (packet === undefined) break; // older frames are gone too
      const row = toPacketRow(n, packet);
      if (matchesPacketQuery(query, packet, row)) out.push(row);
    }
    return out;
  }

  /** Forgets every packet (the frame ring is cleared by its owner). */
  clear(): void {
    this.#sequences.clear();
  }

  #decode(record: DecodedPacket, sequence: number): DecodedPacket | undefined {
    const raw = this.#frames.frame(sequence);
    return raw && decodeInto(record, raw, this.#anomalies);
  }
}
