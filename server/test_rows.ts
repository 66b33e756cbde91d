/**
 * Packet rows for the unit tests of the server's search and the dashboard.
 *
 * @module
 */

import type { PacketRow } from "./packet_row.ts";

/** A packet row between 10.0.0.1 and 10.0.0.2 with no ports, `fields` over those defaults. */
export function packetRow(fields: Partial<PacketRow> = {}): PacketRow {
  return {
    n: 1,
    timestampUs: 0,
    src: "10.0.0.1",
    dst: "10.0.0.2",
    srcPort: -1,
    dstPort: -1,
    protocol: "Other",
    length: 60,
    flags: "",
    info: "",
    ...fields,
  };
}
