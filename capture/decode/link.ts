/**
 * Link layers: Ethernet II (with any depth of 802.1Q / 802.1ad tags and
 * 802.3 LLC/SNAP; MPLS label stacks and PPPoE sessions over IP), Linux
 * cooked v1 and v2, raw IP and BSD null/loopback.
 * Each finds where the network layer starts and which EtherType it has.
 *
 * @module
 */

import type { AnomalyCounter } from "../anomalies.ts";
import type { DecodedPacket } from "../decoded_packet.ts";
import type { PacketRecord } from "../packet_record.ts";
import { LINK_TYPE } from "../pcap_record.ts";
import { readU16 } from "./bytes.ts";
import { reportAnomaly, reportTruncated } from "./report.ts";

/** EtherType values the decoders dispatch on (IEEE registry). */
export const ETHER_TYPE = {
  IPV4: 0x0800,
  ARP: 0x0806,
  RARP: 0x8035,
  VLAN: 0x8100,
  IPV6: 0x86dd,
  QINQ: 0x88a8,
  /** Pre-standard 802.1ad tags some switches still send. */
  QINQ_OLD_1: 0x9100,
  QINQ_OLD_2: 0x9200,
  QINQ_OLD_3: 0x9300,
  MPLS: 0x8847,
  MPLS_MULTICAST: 0x8848,
  PPPOE_SESSION: 0x8864,
} as const;

/**
 * The EtherType of an IP packet whose first byte is `firstByte`, by its
 * version nibble (4: IPv4, 6: IPv6), or -1: how raw IP, an MPLS label
 * stack and IP-carrying tunnels say which IP follows.
 */
export function ipEtherTypeOf(firstByte: number): number {
  const version = firstByte >> 4;
  if (version === 4) return ETHER_TYPE.IPV4;
  if (version === 6) return ETHER_TYPE.IPV6;
  return -1;
}

/** Link-layer header lengths, in bytes. */
const ETHERNET_HEADER_LENGTH = 14;
const SLL_HEADER_LENGTH = 16;
const SLL2_HEADER_LENGTH = 20;
const NULL_HEADER_LENGTH = 4;
const VLAN_TAG_LENGTH = 4;
const SNAP_HEADER_LENGTH = 8;
const MPLS_LABEL_LENGTH = 4;
const PPPOE_HEADER_LENGTH = 6;
const PPP_PROTOCOL_LENGTH = 2;

/** PPP protocol numbers of IPv4 and IPv6 (RFC 1332, RFC 5072). */
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;

/** Largest 802.3 length field; bigger values are EtherTypes (IEEE 802.3 clause 3.2.6). */
const MAX_8023_LENGTH = 1500;

/** BSD address families in null/loopback headers (Wireshark packet-null.c). */
const AF_INET = 2;
const AF_INET6_BSD = 24;
const AF_INET6_FREEBSD = 28;
const AF_INET6_DARWIN = 30;

/** DLT_RAW as some BSDs write it into files instead of LINKTYPE_RAW (101). */
const LINK_TYPE_RAW_BSD_12 = 12;
const LINK_TYPE_RAW_BSD_14 = 14;

/**
 * Decodes the link header of a frame in `bytes[offset, end)` with link type
 * `linkType`, filling srcMac/dstMac/vlanId/etherType. Returns the offset of
 * the network layer, or -1 when there is none to decode (unsupported link
 * type or EtherType is not an error; a cut header is counted).
 */
export function decodeLink(
  record: DecodedPacket,
  bytes: Uint8Array,
  offset: number,
  end: number,
  linkType: number,
  anomalies: AnomalyCounter,
): number {
  switch (linkType) {
    case LINK_TYPE.ETHERNET:
      return decodeEthernet(record, bytes, offset, end, anomalies);
    case LINK_TYPE.LINUX_SLL:
      return decodeSll(record, bytes, offset, end, anomalies);
    case LINK_TYPE.LINUX_SLL2:
      return decodeSll2(record, bytes, offset, end, anomalies);
    case LINK_TYPE.RAW:
    case LINK_TYPE_RAW_BSD_12:
    case LINK_TYPE_RAW_BSD_14:
      return decodeRawIp(record, bytes, offset, end, anomalies);
    case LINK_TYPE.IPV4:
      record.etherType = ETHER_TYPE.IPV4;
      return offset;
    case LINK_TYPE.IPV6:
      record.etherType = ETHER_TYPE.IPV6;
      return offset;
    case LINK_TYPE.NULL:
    case LINK_TYPE.LOOP:
      return decodeNull(record, bytes, offset, end, anomalies);
    default:
      reportAnomaly(record, anomalies, "link_type_unsupported");
      return -1;
  }
}

/** Ethernet II: destination MAC, source MAC, EtherType (IEEE 802.3 clause 3). */
function decodeEthernet(
  record: DecodedPacket,
  bytes: Uint8Array,
  offset: number,
  end: number,
  anomalies: AnomalyCounter,
): number {
  if (end - offset < ETHERNET_HEADER_LENGTH) {
    reportTruncated(record, anomalies, "ethernet_truncated");
    return -1;
  }
  record.setDstMacAt(bytes, offset);
  record.setSrcMacAt(bytes, offset + 6);
  return decodeEtherType(
    record,
    bytes,
    readU16(bytes, offset + 12),
    offset + ETHERNET_HEADER_LENGTH,
    end,
    anomalies,
  );
}

/**
 * Follows an EtherType `etherType` whose payload starts at `offset`: skips
 * any number of VLAN tags (the innermost id wins) and resolves an 802.3
 * length field with an LLC/SNAP header to its EtherType. Sets
 * record.etherType and returns the network-layer offset, or -1.
 */
function decodeEtherType(
  record: PacketRecord,
  bytes: Uint8Array,
  etherType: number,
  offset: number,
  end: number,
  anomalies: AnomalyCounter,
): number {
  let type = etherType;
  let at = offset;
  // Each tag is 4 bytes, so the loop ends by the frame's end at the latest.
  while (
    type === ETHER_TYPE.VLAN || type === ETHER_TYPE.QINQ ||
    type === ETHER_TYPE.QINQ_OLD_1 || type === ETHER_TYPE.QINQ_OLD_2 ||
    type === ETHER_TYPE.QINQ_OLD_3
  ) {
    if (end - at < VLAN_TAG_LENGTH) {
      reportTruncated(record, anomalies, "vlan_truncated");
      return -1;
    }
    record.vlanId = readU16(bytes, at) & 0x0fff;
    type = readU16(bytes, at + 2);
    at += VLAN_TAG_LENGTH;
  }
  if (type === ETHER_TYPE.MPLS || type === ETHER_TYPE.MPLS_MULTICAST) {
    return decodeMpls(record, type, bytes, at, end, anomalies);
  }
  if (type === ETHER_TYPE.PPPOE_SESSION) {
    return decodePppoe(record, bytes, at, end, anomalies);
  }
  if (type <= MAX_8023_LENGTH) {
    // 802.3 length field: only LLC/SNAP with a zero OUI carries an EtherType (RFC 1042).
    if (
      end - at >= SNAP_HEADER_LENGTH && bytes[at] === 0xaa &&
      bytes[at + 1] === 0xaa && bytes[at + 2] === 0x03 &&
      bytes[at + 3] === 0 && bytes[at + 4] === 0 && bytes[at + 5] === 0
    ) {
      record.etherType = readU16(bytes, at + 6);
      return at + SNAP_HEADER_LENGTH;
    }
    return -1;
  }
  record.etherType = type;
  return at;
}

/**
 * An MPLS label stack (RFC 3032): 4-byte entries until the one with the
 * bottom-of-stack bit; the packet under it is IPv4 or IPv6 by its version
 * nibble (as tcpdump and Wireshark guess it). A pseudowire (an Ethernet
 * frame under a control word) is not followed. Sets record.etherType to the
 * inner IP's (or leaves the MPLS EtherType `etherType`) and returns its
 * offset, or -1.
 */
function decodeMpls(
  record: PacketRecord,
  etherType: number,
  bytes: Uint8Array,
  offset: number,
  end: number,
  anomalies: AnomalyCounter,
): number {
  let at = offset;
  // Each entry is 4 bytes, so the loop ends by the frame's end at the latest.
  for (;;) {
    if (end - at < MPLS_LABEL_LENGTH) {
      reportTruncated(record, anomalies, "mpls_truncated");
      return -1;
    }
    const bottom = (bytes[at + 2]! & 0x01) !== 0;
    at += MPLS_LABEL_LENGTH;
    if (bottom) break;
  }
  if (end - at < 1) {
    reportTruncated(record, anomalies, "mpls_truncated");
    return -1;
  }
  const ip = ipEtherTypeOf(bytes[at]!);
  record.etherType = ip < 0 ? etherType : ip;
  return ip < 0 ? -1 : at;
}

/**
 * A PPPoE session frame (RFC 2516 section 4): version and type 0x11, code
 * 0, session id, length, then the PPP protocol of IPv4 or IPv6. Sets
 * record.etherType to the inner IP's and returns its offset, or -1 (PPP's
 * own control protocols: no network layer).
 */
function decodePppoe(
  record: PacketRecord,
  bytes: Uint8Array,
  offset: number,
  end: number,
  anomalies: AnomalyCounter,
): number {
  if (end - offset < PPPOE_HEADER_LENGTH + PPP_PROTOCOL_LENGTH) {
    reportTruncated(record, anomalies, "pppoe_truncated");
    return -1;
  }
  record.etherType = ETHER_TYPE.PPPOE_SESSION;
  if (bytes[offset] !== 0x11 || bytes[offset + 1] !== 0) {
    reportAnomaly(record, anomalies, "pppoe_bad_header");
    return -1;
  }
  const protocol = readU16(bytes, offset + PPPOE_HEADER_LENGTH);
  const at = offset + PPPOE_HEADER_LENGTH + PPP_PROTOCOL_LENGTH;
  if (protocol === PPP_IPV4) record.etherType = ETHER_TYPE.IPV4;
  else if (protocol === PPP_IPV6) record.etherType = ETHER_TYPE.IPV6;
  else return -1;
  return at;
}

/**
 * Linux cooked capture v1: packet type (2), ARPHRD type (2), address length
 * (2), address (8), protocol (2) (tcpdump.org LINKTYPE_LINUX_SLL).
 */
function decodeSll(
  record: DecodedPacket,
  bytes: Uint8Array,
  offset: number,
  end: number,
  anomalies: AnomalyCounter,
): number {
  if (end - offset < SLL_HEADER_LENGTH) {
    reportTruncated(record, anomalies, "sll_truncated");
    return -1;
  }
  if (readU16(bytes, offset + 4) === 6) {
    record.setSrcMacAt(bytes, offset + 6);
  }
  return decodeCookedProtocol(
    record,
    bytes,
    readU16(bytes, offset + 14),
    offset + SLL_HEADER_LENGTH,
    end,
    anomalies,
  );
}

/**
 * Linux cooked capture v2: protocol (2), reserved (2), interface index (4),
 * ARPHRD type (2), packet type (1), address length (1), address (8)
 * (tcpdump.org LINKTYPE_LINUX_SLL2).
 */
function decodeSll2(
  record: DecodedPacket,
  bytes: Uint8Array,
  offset: number,
  end: number,
  anomalies: AnomalyCounter,
): number {
  if (end - offset < SLL2_HEADER_LENGTH) {
    reportTruncated(record, anomalies, "sll2_truncated");
    return -1;
  }
  if (bytes[offset + 11] === 6) {
    record.setSrcMacAt(bytes, offset + 12);
  }
  return decodeCookedProtocol(
    record,
    bytes,
    readU16(bytes, offset),
    offset + SLL2_HEADER_LENGTH,
    end,
    anomalies,
  );
}

/**
 * Follows the protocol field of a Linux cooked header (v1 or v2), whose
 * payload starts at `offset`: an EtherType, as {@linkcode decodeEtherType}.
 * Values up to 1500 name non-EtherType payloads (802.3, 802.2 LLC, CAN…):
 * no network layer to decode.
 */
function decodeCookedProtocol(
  record: PacketRecord,
  bytes: Uint8Array,
  protocol: number,
  offset: number,
  end: number,
  anomalies: AnomalyCounter,
): number {
  if (protocol <= MAX_8023_LENGTH) return -1;
  return decodeEtherType(record, bytes, protocol, offset, end, anomalies);
}

/** Raw IP: the version nibble of the first byte says IPv4 or IPv6. */
function decodeRawIp(
  record: PacketRecord,
  bytes: Uint8Array,
  offset: number,
  end: number,
  anomalies: AnomalyCounter,
): number {
  if (end - offset < 1) {
    reportTruncated(record, anomalies, "raw_ip_truncated");
    return -1;
  }
  // Non-null: one byte is present (checked above).
  const ip = ipEtherTypeOf(bytes[offset]!);
  if (ip < 0) {
    reportAnomaly(record, anomalies, "raw_ip_bad_version");
    return -1;
  }
  record.etherType = ip;
  return offset;
}

/**
 * BSD null (host byte order) and OpenBSD loop (network byte order): a 4-byte
 * address family. Both orders are accepted for both link types, since
 * captures moved between machines get them wrong.
 */
function decodeNull(
  record: PacketRecord,
  bytes: Uint8Array,
  offset: number,
  end: number,
  anomalies: AnomalyCounter,
): number {
  if (end - offset < NULL_HEADER_LENGTH) {
    reportTruncated(record, anomalies, "null_truncated");
    return -1;
  }
  // Non-null: the four header bytes are present (checked above).
  const b0 = bytes[offset]!;
  const b3 = bytes[offset + 3]!;
  let family = -1;
  if (bytes[offset + 1] === 0 && bytes[offset + 2] === 0) {
    if (b3 === 0) family = b0; // little-endian
    else if (b0 === 0) family = b3; // big-endian
  }
  switch (family) {
    case AF_INET:
      record.etherType = ETHER_TYPE.IPV4;
      return offset + NULL_HEADER_LENGTH;
    case AF_INET6_BSD:
    case AF_INET6_FREEBSD:
    case AF_INET6_DARWIN:
      record.etherType = ETHER_TYPE.IPV6;
      return offset + NULL_HEADER_LENGTH;
    default:
      return -1;
  }
}
