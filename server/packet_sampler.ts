/**
 * Turns the full packet stream into sampled batches for the SSE `packet`
 * event: at most `rowsPerSecond` rows, the rest counted as skipped.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import type { PacketBatchEvent } from "./events.ts";
import { type PacketRow, toPacketRow } from "./packet_row.ts";

/** Samples packets into batches; `take()` is called on a timer. */
/** Packet rows sent to SSE clients per second by default (the rest are counted as skipped). */
export const DEFAULT_PACKET_ROWS_PER_SECOND = 200;

export class PacketSampler {
  readonly #rowsPerBatch: number;
  #rows: PacketRow[] = [];
  #skipped = 0;

  /** Keeps at most `rowsPerBatch` rows between two `take()` calls. */
  constructor(rowsPerBatch: number) {
    this.#rowsPerBatch = rowsPerBatch;
  }

  /**
   * Offers packet number `n` (with the latency it completed, µs, or -1);
   * it becomes a row while the batch has room. True when it did.
   */
  offer(n: number, packet: PacketRecord, latencyUs = -1): boolean {
    if (this.#rows.length < this.#rowsPerBatch) {
      this.#rows.push(toPacketRow(n, packet, latencyUs));
      return true;
    }
    this.#skipped++;
    return false;
  }

  /** The batch since the last call, or undefined when no packet came. */
  take(): PacketBatchEvent | undefined {
    if (this.#rows.length === 0 && this.#skipped === 0) return undefined;
    const event: PacketBatchEvent = {
      type: "packet",
      rows: this.#rows,
      skipped: this.#skipped,
    };
    this.#rows = [];
    this.#skipped = 0;
    return event;
  }
}
