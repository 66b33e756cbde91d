/**
 * Feeds an {@linkcode AnalysisEngine} from a packet source in batches: the
 * source decodes each packet into the feed's next record
 * ({@linkcode EngineFeed.record}, the sources' `record` option), the feed
 * gathers them and analyses each full batch with
 * {@linkcode AnalysisEngine.observeBatch}, and what is left when the source
 * pauses ({@linkcode EngineFeed.flush}, the sources' `onChunkEnd` option)
 * or ends. So a live capture is analysed as each chunk arrives, never held
 * back for a full batch.
 *
 * @module
 */

import { DecodedPacket } from "../capture/decoded_packet.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { type AnalysisEngine, MAX_BATCH_PACKETS } from "./engine.ts";

/** Packets per batch by default: large enough that each analyzer's code and tables stay warm, small enough that the records stay in the cache (bench/findings.md). */
export const DEFAULT_BATCH_PACKETS = 256;

/** Gathers decoded packets into batches for an engine (see the module doc). */
export class EngineFeed {
  readonly #engine: AnalysisEngine;
  readonly #afterEach:
    | ((packet: PacketRecord, index: number) => void)
    | undefined;
  readonly #records: DecodedPacket[];
  #count = 0;

  /**
   * `afterEach` runs for each packet once it is analysed, right after its
   * alert events (see {@linkcode AnalysisEngine.observeBatch}); its
   * `index` is the packet's place in its batch.
   */
  constructor(
    engine: AnalysisEngine,
    afterEach?: (packet: PacketRecord, index: number) => void,
    batchPackets = DEFAULT_BATCH_PACKETS,
  ) {
    if (
      !Number.isInteger(batchPackets) || batchPackets < 1 ||
      batchPackets > MAX_BATCH_PACKETS
    ) {
      throw new RangeError(
        `Cannot create EngineFeed: batchPackets must be an integer in [1, ${MAX_BATCH_PACKETS}], got ${batchPackets}`,
      );
    }
    this.#engine = engine;
    this.#afterEach = afterEach;
    this.#records = Array.from(
      { length: batchPackets },
      () => new DecodedPacket(),
    );
  }

  /** Where the source decodes the next packet (pass as its `record` option). */
  readonly record = (): DecodedPacket => this.#records[this.#count]!;

  /** Takes the packet just decoded into {@linkcode EngineFeed.record}'s record; analyses the batch once it is full. */
  add(packet: PacketRecord): void {
    if (packet !== this.#records[this.#count]) {
      throw new Error(
        "EngineFeed.add: the packet was not decoded into the feed's record (pass feed.record as the source's record option)",
      );
    }
    if (++this.#count === this.#records.length) this.flush();
  }

  /** Analyses the packets gathered so far (call when the source pauses or ends). */
  readonly flush = (): void => {
    const count = this.#count;
    if (count === 0) return;
    this.#count = 0;
    this.#engine.observeBatch(this.#records, count, this.#afterEach);
  };

  /** Packets gathered and not yet analysed. */
  get pending(): number {
    return this.#count;
  }
}
