/**
 * The detector contract.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import type { FindingSink } from "./alert.ts";

/** Size and eviction counters of one bounded state table. */
export interface TableStats {
  /** Entries held now. */
  size: number;
  /** Most entries the table may hold. */
  capacity: number;
  /** Entries evicted because the table was full. */
  evictions: number;
  /** New keys turned away because the table was full (admission control), when the table has it. */
  rejected?: number;
}

/**
 * A detector: pure and deterministic, driven only by packet timestamps
 * (never the wall clock, timers or randomness), with bounded memory.
 */
export interface Detector {
  /** Name, e.g. "port_scan". */
  readonly name: string;
  /** Feeds one packet; calls `report` for each finding it produces. */
  observe(packet: PacketRecord, report: FindingSink): void;
  /** Sizes of the detector's state tables, by table name. */
  tables(): Record<string, TableStats>;
}
