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
  /**
   * The packets it looks at, as {@linkcode PACKET_KIND} bits: the engine
   * passes it no others. Every packet when absent.
   */
  readonly packetKinds?: number;
  /** Feeds one packet; calls `report` for each finding it produces. */
  observe(packet: PacketRecord, report: FindingSink): void;
  /** Sizes of the detector's state tables, by table name. */
  tables(): Record<string, TableStats>;
  /**
   * Ends the input (a replay's end, a stopped capture): calls `report` once
   * for each ongoing incident whose figures changed since its last finding,
   * so its alert ends with the capture's totals instead of the figures of
   * its last repeat (see report_cadence.ts). `nowUs` is the packet time of
   * the input's last packet; each finding carries its incident's own last
   * packet time. Absent when the detector reports every change at once.
   */
  flush?(nowUs: number, report: FindingSink): void;
  /**
   * Moves packet time on to `nowUs` while no packet comes (a quiet live
   * link): findings that wait for time to pass are made. Absent when the
   * detector makes every finding at a packet.
   */
  idle?(nowUs: number, report: FindingSink): void;
}

/** Packet kinds, as bits of {@linkcode Detector.packetKinds} (see {@linkcode packetKindsOf}). */
export const PACKET_KIND = {
  TCP: 1,
  UDP: 2,
  /** ICMP and ICMPv6. */
  ICMP: 4,
  ARP: 8,
  /** Anything else: IP with another transport or none (a later fragment), other link payloads. */
  OTHER: 16,
  /** Carries a DNS message (besides its TCP or UDP bit). */
  DNS: 32,
  /** An ICMPv6 Neighbor Discovery message, types 133–137 (besides its ICMP bit). */
  NEIGHBOR_DISCOVERY: 64,
  /** Carries a DHCP (v4 or v6) message the decoder read (besides its UDP bit). */
  DHCP: 128,
  /** An IPv4 packet (besides its transport's bit). */
  IPV4: 256,
  /** An IPv6 packet (besides its transport's bit). */
  IPV6: 512,
} as const;

/** Every {@linkcode PACKET_KIND} bit. */
export const ALL_PACKET_KINDS = 1023;

/** ICMPv6 types of Neighbor Discovery (RFC 4861): router solicitation … redirect. */
const FIRST_ND_TYPE = 133;
const LAST_ND_TYPE = 137;
/** The hop limit every Neighbor Discovery message is sent with, and must arrive with (RFC 4861 sections 6.1, 7.1 and 8.1). */
const ND_HOP_LIMIT = 255;

/**
 * Whether `packet` is an ICMPv6 Neighbor Discovery message (of `type`, when
 * given, else of any type 133–137) that receivers take: hop limit 255 (it
 * was not routed from another link) and code 0 (RFC 4861 sections 6.1, 7.1
 * and 8.1).
 */
export function isAcceptedNeighborDiscovery(
  packet: PacketRecord,
  type?: number,
): boolean {
  const actual = packet.icmpType;
  return (type === undefined
    ? actual >= FIRST_ND_TYPE && actual <= LAST_ND_TYPE
    : actual === type) &&
    packet.transport === "icmpv6" && packet.ttl === ND_HOP_LIMIT &&
    packet.icmpCode === 0;
}

/** The {@linkcode PACKET_KIND} bits of a packet: one for its transport (or ARP, or OTHER), plus IPV4 or IPV6 for its network, DNS when it carries a DNS message, DHCP when a DHCP one, NEIGHBOR_DISCOVERY for those ICMPv6 messages. */
export function packetKindsOf(packet: PacketRecord): number {
  const network = packet.network;
  const ip = network === "ipv4"
    ? PACKET_KIND.IPV4
    : network === "ipv6"
    ? PACKET_KIND.IPV6
    : 0;
  const dns = packet.dnsId >= 0 ? PACKET_KIND.DNS : 0;
  switch (packet.transport) {
    case "tcp":
      return PACKET_KIND.TCP | dns | ip;
    case "udp":
      return packet.dhcpMessageType < 0
        ? PACKET_KIND.UDP | dns | ip
        : PACKET_KIND.UDP | PACKET_KIND.DHCP | dns | ip;
    case "icmp":
      return PACKET_KIND.ICMP | ip;
    case "icmpv6": {
      const type = packet.icmpType;
      return type >= FIRST_ND_TYPE && type <= LAST_ND_TYPE
        ? PACKET_KIND.ICMP | PACKET_KIND.NEIGHBOR_DISCOVERY | ip
        : PACKET_KIND.ICMP | ip;
    }
  }
  return network === "arp" ? PACKET_KIND.ARP : PACKET_KIND.OTHER | ip;
}
