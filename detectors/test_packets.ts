/**
 * Test support for the detector tests: packet builders that fill a
 * {@linkcode PacketRecord} the way the decoders do (only the fields a
 * detector reads; the rest keep their "absent" values) and a runner that
 * collects a detector's findings. Each test file wraps the builders with its
 * own default addresses.
 *
 * @module
 */

import {
  emptyPacketRecord,
  type PacketRecord,
} from "../capture/packet_record.ts";
import { addressKey } from "../capture/decode/address_key.ts";
import type { Finding } from "./alert.ts";
import type { Detector, TableStats } from "./detector.ts";

/** One second of packet time, µs. */
export const SECOND_US = 1_000_000;

/** A realistic start of packet time (November 2023), µs since the epoch. */
export const T0 = 1_700_000_000 * SECOND_US;

/** The all-zero MAC of an ARP request's unknown target. */
export const ZERO_MAC = "00:00:00:00:00:00";

/** The Ethernet broadcast MAC. */
export const BROADCAST_MAC = "ff:ff:ff:ff:ff:ff";

/** Feeds `packets` to `detector` in order and returns every finding it reported. */
export function findingsOf(
  detector: Detector,
  packets: Iterable<PacketRecord>,
): Finding[] {
  const findings: Finding[] = [];
  for (const packet of packets) {
    withAddressKeys(packet);
    detector.observe(packet, (finding) => findings.push(finding));
  }
  return findings;
}

/**
 * The findings of `packets`, then of a quiet link after the last of them
 * for `quietUs` (`Detector.idle`): what the detector makes once time has
 * passed, as for requests that wait for traffic.
 */
export function findingsThenIdle(
  detector: Detector,
  packets: readonly PacketRecord[],
  quietUs: number,
): Finding[] {
  const findings = findingsOf(detector, packets);
  const lastUs = packets.at(-1)?.timestampUs ?? T0;
  detector.idle!(lastUs + quietUs, (finding) => findings.push(finding));
  return findings;
}

/**
 * Sets `packet`'s address keys from its address texts, as the decoders do
 * (tests build records and override addresses with spreads), and returns it.
 */
export function withAddressKeys(packet: PacketRecord): PacketRecord {
  packet.srcAddressKey = addressKey(packet.srcAddress);
  packet.dstAddressKey = addressKey(packet.dstAddress);
  return packet;
}

/**
 * Feeds `attack` to `detector` in order, each packet preceded by `perPacket`
 * packets from a crowd of new sources (thousands of clients, or a spoofed
 * flood) spread evenly over the `spanUs` before it, and returns every
 * finding. `crowd` is reused for each of them: `newSource(crowd, n)` makes
 * it the crowd's n-th packet (from n = 0 on), from a source not seen before.
 */
export function findingsInCrowd(
  detector: Detector,
  attack: Iterable<PacketRecord>,
  crowd: PacketRecord,
  perPacket: number,
  spanUs: number,
  newSource: (packet: PacketRecord, n: number) => void,
): Finding[] {
  const findings: Finding[] = [];
  const report = (finding: Finding) => findings.push(finding);
  const stepUs = spanUs / perPacket;
  let n = 0;
  for (const packet of attack) {
    for (let i = 0; i < perPacket; i++, n++) {
      crowd.timestampUs = packet.timestampUs - spanUs + i * stepUs;
      newSource(crowd, n);
      withAddressKeys(crowd);
      detector.observe(crowd, report);
    }
    withAddressKeys(packet);
    detector.observe(packet, report);
  }
  return findings;
}

/**
 * Feeds `detector` a busy key's packets (`busy`), then `filler` (which
 * fills the table named `table` and leaves the busy key its least recently
 * used entry), then the packets of `newcomer`, a key seen fewer times than
 * the busy one, and returns that table's stats. Admission counts a
 * resident's hits as well as its misses, so the newcomer is turned away
 * every time and nothing is evicted.
 */
export function tableAfterNewcomer(
  detector: Detector,
  table: string,
  busy: Iterable<PacketRecord>,
  filler: Iterable<PacketRecord>,
  newcomer: Iterable<PacketRecord>,
): TableStats {
  for (const packets of [busy, filler, newcomer]) {
    findingsOf(detector, packets);
  }
  return detector.tables()[table]!;
}

/** `count` packets made by `packet(i)` for i from 0. */
export function times(
  count: number,
  packet: (i: number) => PacketRecord,
): PacketRecord[] {
  return Array.from({ length: count }, (_, i) => packet(i));
}

/** Address `n` of 172.16.0.0/12 (n below 2^20): a new source for each n. */
export function crowdHost(n: number): string {
  return `172.${16 + ((n >> 16) & 15)}.${(n >> 8) & 255}.${n & 255}`;
}

/** Sorts `packets` by packet time, in place (stable), and returns them. */
export function byTime(packets: PacketRecord[]): PacketRecord[] {
  return packets.sort((a, b) => a.timestampUs - b.timestampUs);
}

/** Address `n` of 10.0.0.0/16: 10.0.0.n for n below 256, then 10.0.1.0 and on. */
export function lanHost(n: number): string {
  return `10.0.${Math.floor(n / 256)}.${n % 256}`;
}

/** Fields of {@linkcode arpPacket}. */
export interface ArpPacketFields {
  /** Packet time, µs. */
  atUs: number;
  /** 1 request, 2 reply. */
  operation: number;
  /** Sender hardware and protocol address. */
  senderMac: string;
  /** Sender IPv4 address (the record's srcAddress). */
  senderIp: string;
  /** Target IPv4 address (the record's dstAddress). */
  targetIp: string;
  /** Target MAC; all zeros in a request, broadcast in a reply, unless given. */
  targetMac?: string;
  /** Ethernet source; the sender MAC unless given. */
  ethSrc?: string;
  /** Ethernet destination; broadcast for requests and unknown targets, else the target MAC, unless given. */
  ethDst?: string;
}

/** One Ethernet ARP frame. */
export function arpPacket(fields: ArpPacketFields): PacketRecord {
  const targetMac = fields.targetMac ??
    (fields.operation === 1 ? ZERO_MAC : BROADCAST_MAC);
  return {
    ...emptyPacketRecord(),
    timestampUs: fields.atUs,
    linkType: 1,
    srcMac: fields.ethSrc ?? fields.senderMac,
    dstMac: fields.ethDst ??
      (fields.operation === 1 || targetMac === ZERO_MAC
        ? BROADCAST_MAC
        : targetMac),
    etherType: 0x0806,
    network: "arp",
    srcAddress: fields.senderIp,
    dstAddress: fields.targetIp,
    srcAddressKey: addressKey(fields.senderIp),
    dstAddressKey: addressKey(fields.targetIp),
    arpOperation: fields.operation,
    arpSenderMac: fields.senderMac,
    arpTargetMac: targetMac,
  };
}

/** Fields of {@linkcode icmpPacket}. */
export interface IcmpPacketFields {
  /** Packet time, µs. */
  atUs: number;
  /** Source address. */
  src: string;
  /** Destination address. */
  dst: string;
  /** ICMP type; an echo request (8, or 128 for ICMPv6) unless given. */
  type?: number;
  /** TTL or hop limit; 64 unless given. */
  ttl?: number;
}

/** One ICMP echo-sized packet (ICMPv6 when an address is IPv6), id and sequence 0. */
export function icmpPacket(fields: IcmpPacketFields): PacketRecord {
  const v6 = isIpv6(fields.src, fields.dst);
  return {
    ...emptyPacketRecord(),
    timestampUs: fields.atUs,
    network: v6 ? "ipv6" : "ipv4",
    srcAddress: fields.src,
    dstAddress: fields.dst,
    srcAddressKey: addressKey(fields.src),
    dstAddressKey: addressKey(fields.dst),
    ipProtocol: v6 ? 58 : 1,
    ttl: fields.ttl ?? 64,
    ipLength: 28,
    transport: v6 ? "icmpv6" : "icmp",
    icmpType: fields.type ?? (v6 ? 128 : 8),
    icmpCode: 0,
    icmpId: 0,
    icmpSeq: 0,
  };
}

/** Fields of {@linkcode udpPacket}. */
export interface UdpPacketFields {
  /** Packet time, µs. */
  atUs: number;
  /** Source address. */
  src: string;
  /** Destination address. */
  dst: string;
  /** Source port. */
  srcPort: number;
  /** Destination port. */
  dstPort: number;
}

/** Fields of {@linkcode tcpPacket}. */
export interface TcpPacketFields extends UdpPacketFields {
  /** TCP flag bits (TCP_FLAGS). */
  flags: number;
}

/** One TCP segment without payload (IPv6 when an address is IPv6). */
export function tcpPacket(fields: TcpPacketFields): PacketRecord {
  return {
    ...ipPacket(fields, 6),
    transport: "tcp",
    tcpFlags: fields.flags,
  };
}

/** One UDP datagram without payload (IPv6 when an address is IPv6). */
export function udpPacket(fields: UdpPacketFields): PacketRecord {
  return { ...ipPacket(fields, 17), transport: "udp" };
}

function ipPacket(fields: UdpPacketFields, ipProtocol: number): PacketRecord {
  return {
    ...emptyPacketRecord(),
    timestampUs: fields.atUs,
    network: isIpv6(fields.src, fields.dst) ? "ipv6" : "ipv4",
    srcAddress: fields.src,
    dstAddress: fields.dst,
    srcAddressKey: addressKey(fields.src),
    dstAddressKey: addressKey(fields.dst),
    ipProtocol,
    srcPort: fields.srcPort,
    dstPort: fields.dstPort,
  };
}

function isIpv6(src: string, dst: string): boolean {
  return src.includes(":") || dst.includes(":");
}
