/**
 * Ports of transport headers that start with them (TCP, UDP): source port,
 * destination port, 2 bytes each.
 *
 * @module
 */

import type { PacketRecord } from "../packet_record.ts";
import { readU16 } from "./bytes.ts";

/**
 * Reads the ports at `offset` into srcPort/dstPort when their 4 bytes are
 * captured (before `end`). Ports are worth having even from a header the
 * capture cut short (a snap length, an ICMP quote).
 */
export function readPorts(
  record: PacketRecord,
  bytes: Uint8Array,
  offset: number,
  end: number,
): void {
  if (end - offset < 4) return;
  record.srcPort = readU16(bytes, offset);
  record.dstPort = readU16(bytes, offset + 2);
}
