/**
 * Which packet rows the table shows: the protocol chips and the search box.
 *
 * @module
 */

import type { PacketRow } from "../server/packet_row.ts";
import {
  compilePacketSearch,
  matchesPacketSearch,
} from "../server/packet_search.ts";

/** The protocol filter chips, in display order. */
export const PROTOCOL_CHIPS = [
  "All",
  "TCP",
  "UDP",
  "DNS",
  "ARP",
  "HTTP",
  "ICMP",
] as const;

/** One protocol filter chip. */
export type ProtocolChip = typeof PROTOCOL_CHIPS[number];

const DNS_SERVICES = new Set(["DNS", "mDNS", "LLMNR"]);

/** True when `row` belongs under `chip` (TCP/UDP by transport, the rest by service). */
export function matchesChip(row: PacketRow, chip: ProtocolChip): boolean {
  switch (chip) {
    case "All":
      return true;
    case "TCP":
      // The server fills `flags` for TCP packets only ("none" when no bit is set).
      return row.flags !== "";
    case "UDP":
      return row.flags === "" && row.srcPort >= 0 && row.protocol !== "SCTP";
    case "DNS":
      return DNS_SERVICES.has(row.protocol);
    case "ARP":
      return row.protocol === "ARP";
    case "HTTP":
      return row.protocol === "HTTP";
    case "ICMP":
      return row.protocol === "ICMP" || row.protocol === "ICMPv6";
  }
}

/**
 * The chip as `GET /api/packets?protocol=` (services or transports, any of
 * them), so the sensor's search picks the rows the chip would; "" for All.
 */
export function chipProtocols(chip: ProtocolChip): string {
  switch (chip) {
    case "All":
      return "";
    case "DNS":
      return [...DNS_SERVICES].join(",");
    case "ICMP":
      return "ICMP,ICMPv6";
    default:
      return chip;
  }
}

/** The rows of `rows` that pass the chip and the search text (server/packet_search.ts: whole hosts, addr:port, flag words), order kept. */
export function filterRows(
  rows: readonly PacketRow[],
  chip: ProtocolChip,
  text: string,
): readonly PacketRow[] {
  const search = compilePacketSearch(text);
  if (chip === "All" && search.terms.length === 0) return rows;
  return rows.filter((row) =>
    matchesChip(row, chip) && matchesPacketSearch(row, search)
  );
}
