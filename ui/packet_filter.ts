/**
 * Which packet rows the table shows: the protocol chips and the search box.
 *
 * @module
 */

import type { PacketRow } from "../server/packet_row.ts";

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

/** True when the lower-case `query` occurs in the row's addresses, ports, protocol or info. */
export function matchesSearch(row: PacketRow, query: string): boolean {
  if (query === "") return true;
  return row.src.toLowerCase().includes(query) ||
    row.dst.toLowerCase().includes(query) ||
    row.info.toLowerCase().includes(query) ||
    row.protocol.toLowerCase().includes(query) ||
    (row.srcPort >= 0 && String(row.srcPort) === query) ||
    (row.dstPort >= 0 && String(row.dstPort) === query);
}

/** The rows of `rows` that pass the chip and the search text (order kept). */
export function filterRows(
  rows: readonly PacketRow[],
  chip: ProtocolChip,
  search: string,
): readonly PacketRow[] {
  const query = search.trim().toLowerCase();
  if (chip === "All" && query === "") return rows;
  return rows.filter((row) =>
    matchesChip(row, chip) && matchesSearch(row, query)
  );
}
