/**
 * Tunnels: what a mirrored or encapsulated packet carries inside. A sensor
 * fed by AWS or Azure traffic mirroring (VXLAN), a cloud load balancer's
 * appliance port (Geneve), a switch's remote SPAN (ERSPAN over GRE) or a
 * site-to-site tunnel (GRE, IP in IP) sees the network's packets only inside
 * another; the detectors must see the inner ones, as Zeek and Suricata
 * decapsulate them.
 *
 * {@linkcode tunnelPayload} reads one tunnel header at a transport offset
 * and says where the inner packet starts and what it is (an Ethernet frame
 * or an IP packet); the decoder then decodes that packet in place of the
 * outer one and keeps the outer endpoints in `tunnelSrcAddress` and
 * `tunnelDstAddress`. A header that does not hold together (a VXLAN port
 * with other bytes, a GRE version or flag NetMirror does not read, a cut
 * header) leaves the packet as it is: plain UDP, or IP protocol 47.
 *
 * Read: VXLAN (RFC 7348) on UDP ports 4789 and 8472 (Linux's and
 * flannel's) and Geneve (RFC 8926) on UDP 6081, from ports 1024 and up (a
 * datagram from a service's port is its answer), within the datagram's
 * length; GRE (RFC 2784, key and sequence of RFC 2890) carrying IPv4, IPv6,
 * Ethernet (transparent bridging) or ERSPAN types I, II and III
 * (draft-foschiano-erspan; II or III by the header's version, as Wireshark
 * reads it; type III's frame type Ethernet or IP); IPv4 and IPv6 in IPv4 or
 * IPv6 (IP protocols 4 and 41). A GRE or ERSPAN header cut short is counted
 * (`gre_truncated`, `gre_bad_length`, `erspan_…`). Not read: PPTP's enhanced
 * GRE (its PPP is compressed or encrypted), VXLAN-GPE, NVGRE's flow id
 * (read as a key), Teredo, and a tunnel inside a fragmented outer packet
 * (fragments are not reassembled).
 *
 * @module
 */

import type { DecodedPacket } from "../decoded_packet.ts";
import { readU16, readU32 } from "./bytes.ts";
import { ETHER_TYPE, ipEtherTypeOf } from "./link.ts";

/** Transport offsets and lengths of the headers read here. */
const UDP_HEADER_LENGTH = 8;
const VXLAN_HEADER_LENGTH = 8;
const GENEVE_HEADER_LENGTH = 8;
const GRE_HEADER_LENGTH = 4;
const ERSPAN_II_HEADER_LENGTH = 8;
const ERSPAN_III_HEADER_LENGTH = 12;
const ERSPAN_III_PLATFORM_LENGTH = 8;

/** UDP ports of VXLAN: IANA's, and Linux's default (flannel's). */
export const VXLAN_PORT = 4789;
/** Linux's default VXLAN port, which flannel and older stacks use. */
export const VXLAN_LINUX_PORT = 8472;
/** Geneve's UDP port (RFC 8926). */
export const GENEVE_PORT = 6081;

/** UDP's IP protocol number, which VXLAN and Geneve ride on. */
const UDP_PROTOCOL = 17;

/** IP protocol numbers of tunnels (IANA). */
export const TUNNEL_PROTOCOL = {
  IPV4_IN_IP: 4,
  IPV6_IN_IP: 41,
  GRE: 47,
} as const;

/** GRE protocol types NetMirror follows (IANA EtherTypes). */
const GRE_PROTOCOL = {
  IPV4: ETHER_TYPE.IPV4,
  IPV6: ETHER_TYPE.IPV6,
  TRANSPARENT_ETHERNET: 0x6558,
  ERSPAN_I_II: 0x88be,
  ERSPAN_III: 0x22eb,
} as const;

/** GRE flag bits of the first byte (RFC 2784, RFC 2890). */
const GRE_CHECKSUM = 0x80;
const GRE_ROUTING = 0x40;
const GRE_KEY = 0x20;
const GRE_SEQUENCE = 0x10;

/** What the inner packet is: an Ethernet frame, or an IP packet of this EtherType. */
export const INNER_ETHERNET = -2;

/** Where a tunnel's inner packet starts, and what it is; `offset` -1 when the bytes are no tunnel NetMirror reads. */
export interface TunnelPayload {
  /** Offset of the inner packet, or -1. */
  offset: number;
  /** {@linkcode INNER_ETHERNET}, or the inner IP packet's EtherType (IPv4's or IPv6's). */
  inner: number;
  /** The tunnel's name, as `PacketRecord.tunnel` lists it. */
  kind: string;
  /** VNI, GRE key or ERSPAN session id, or -1. */
  id: number;
  /** With `offset` -1: the header NetMirror reads whose fields run past the bytes ("gre", "erspan"), to be counted as damage; else "". */
  cut: string;
}

/** Reused by {@linkcode tunnelPayload}: the decoder reads it at once. */
const found: TunnelPayload = {
  offset: -1,
  inner: 0,
  kind: "",
  id: -1,
  cut: "",
};

/** The answer for bytes that are no tunnel. */
function none(): TunnelPayload {
  found.offset = -1;
  found.cut = "";
  return found;
}

/** The answer for a header of `kind` cut short: no tunnel, but damage. */
function cut(kind: string): TunnelPayload {
  found.offset = -1;
  found.cut = kind;
  return found;
}

function payload(
  offset: number,
  inner: number,
  kind: string,
  id: number,
): TunnelPayload {
  found.offset = offset;
  found.inner = inner;
  found.kind = kind;
  found.id = id;
  found.cut = "";
  return found;
}

/** True for the UDP destination ports of the tunnels read here (VXLAN's two, Geneve's). */
export function isTunnelPort(port: number): boolean {
  return port === VXLAN_PORT || port === GENEVE_PORT ||
    port === VXLAN_LINUX_PORT;
}

/**
 * Reads the tunnel header of the transport segment at `offset` (captured
 * bytes end at `end`) of a packet of IP protocol `record.ipProtocol` (a
 * UDP datagram to one of the {@linkcode isTunnelPort} ports, GRE or IP in
 * IP). Returns where the inner packet starts
 * (`offset` -1: no tunnel; the caller decodes the packet as it is). The
 * result is reused by the next call.
 */
export function tunnelPayload(
  record: DecodedPacket,
  bytes: Uint8Array,
  offset: number,
  end: number,
): TunnelPayload {
  switch (record.ipProtocol) {
    case UDP_PROTOCOL:
      return udpTunnel(bytes, offset, end);
    case TUNNEL_PROTOCOL.GRE:
      return greTunnel(bytes, offset, end);
    case TUNNEL_PROTOCOL.IPV4_IN_IP:
      return ipInIp(bytes, offset, end, ETHER_TYPE.IPV4);
    case TUNNEL_PROTOCOL.IPV6_IN_IP:
      return ipInIp(bytes, offset, end, ETHER_TYPE.IPV6);
    default:
      return none();
  }
}

/** IP in IP: the inner header's version must be the protocol's (EtherType `etherType`). */
function ipInIp(
  bytes: Uint8Array,
  offset: number,
  end: number,
  etherType: number,
): TunnelPayload {
  if (end - offset < 1 || ipEtherTypeOf(bytes[offset]!) !== etherType) {
    return none();
  }
  return payload(offset, etherType, "ipip", -1);
}

/** VXLAN or Geneve, by the UDP destination port. */
function udpTunnel(
  bytes: Uint8Array,
  offset: number,
  end: number,
): TunnelPayload {
  // A datagram from a port below 1024 is a service's answer (a DNS reply to
  // a client that happens to use port 4789), never a tunnel endpoint's:
  // those send from ports that spread flows, 49152 and up by RFC 7348.
  if (readU16(bytes, offset) < 1024) return none();
  const port = readU16(bytes, offset + 2);
  const at = offset + UDP_HEADER_LENGTH;
  if (port === GENEVE_PORT) return geneve(bytes, at, end);
  return vxlan(bytes, at, end);
}

/**
 * VXLAN (RFC 7348 section 5): flags with the I bit (0x08; group policy's
 * G bit 0x80 allowed, with its group id in bytes 2–3), a 24-bit VNI, and
 * reserved bytes that must be zero; an Ethernet frame follows.
 */
function vxlan(bytes: Uint8Array, at: number, end: number): TunnelPayload {
  if (end - at < VXLAN_HEADER_LENGTH) return none();
  const flags = bytes[at]!;
  if ((flags & 0x7f) !== 0x08 || bytes[at + 7] !== 0) return none();
  if (
    (flags & 0x80) === 0 &&
    (bytes[at + 1]! | bytes[at + 2]! | bytes[at + 3]!) !== 0
  ) {
    return none();
  }
  const vni = readU32(bytes, at + 4) >>> 8;
  return payload(at + VXLAN_HEADER_LENGTH, INNER_ETHERNET, "vxlan", vni);
}

/**
 * Geneve (RFC 8926 section 3.4): version 0, options length in 4-byte words,
 * protocol type (Ethernet, IPv4 or IPv6), 24-bit VNI.
 */
function geneve(bytes: Uint8Array, at: number, end: number): TunnelPayload {
  if (end - at < GENEVE_HEADER_LENGTH) return none();
  const first = bytes[at]!;
  if (first >> 6 !== 0) return none();
  const length = GENEVE_HEADER_LENGTH + (first & 0x3f) * 4;
  if (end - at < length) return none();
  const inner = innerOfEtherType(readU16(bytes, at + 2));
  if (inner === 0) return none();
  const vni = readU32(bytes, at + 4) >>> 8;
  return payload(at + length, inner, "geneve", vni);
}

/** What a GRE or Geneve protocol type carries: INNER_ETHERNET, an IP EtherType, or 0 (not followed). */
function innerOfEtherType(type: number): number {
  if (type === GRE_PROTOCOL.TRANSPARENT_ETHERNET) return INNER_ETHERNET;
  if (type === GRE_PROTOCOL.IPV4 || type === GRE_PROTOCOL.IPV6) return type;
  return 0;
}

/**
 * GRE version 0 (RFC 2784, RFC 2890): flags, protocol type, then an
 * optional checksum (with its reserved word), key and sequence number.
 * Source routing (RFC 1701's R bit) and version 1 (PPTP) are not followed.
 */
function greTunnel(
  bytes: Uint8Array,
  offset: number,
  end: number,
): TunnelPayload {
  if (end - offset < GRE_HEADER_LENGTH) return none();
  const flags = bytes[offset]!;
  if ((flags & GRE_ROUTING) !== 0 || (bytes[offset + 1]! & 0x07) !== 0) {
    return none();
  }
  const type = readU16(bytes, offset + 2);
  const inner = innerOfEtherType(type);
  const erspanType = type === GRE_PROTOCOL.ERSPAN_I_II ||
    type === GRE_PROTOCOL.ERSPAN_III;
  if (inner === 0 && !erspanType) return none();
  let at = offset + GRE_HEADER_LENGTH;
  if ((flags & GRE_CHECKSUM) !== 0) at += 4;
  let key = -1;
  if ((flags & GRE_KEY) !== 0) {
    if (end - at < 4) return cut("gre");
    key = readU32(bytes, at);
    at += 4;
  }
  const sequenced = (flags & GRE_SEQUENCE) !== 0;
  if (sequenced) at += 4;
  if (at > end) return cut("gre");
  if (!erspanType) return payload(at, inner, "gre", key);
  // Type I has no ERSPAN header, and no sequence number in its GRE header;
  // otherwise the header's version says II or III (as Wireshark reads it).
  if (type === GRE_PROTOCOL.ERSPAN_I_II && !sequenced) {
    return payload(at, INNER_ETHERNET, "erspan", key);
  }
  return erspan(bytes, at, end);
}

/**
 * ERSPAN type II (version 1) or III (version 2): version and VLAN, then the
 * 10-bit session id; type III may add an 8-byte platform subheader (its O
 * flag, the last bit of the header) and says what follows in its frame type
 * (0 Ethernet, 2 IP). Type II carries an Ethernet frame.
 */
function erspan(bytes: Uint8Array, at: number, end: number): TunnelPayload {
  if (end - at < 1) return cut("erspan");
  const version = bytes[at]! >> 4;
  if (version !== 1 && version !== 2) return none();
  const headerLength = version === 1
    ? ERSPAN_II_HEADER_LENGTH
    : ERSPAN_III_HEADER_LENGTH;
  if (end - at < headerLength) return cut("erspan");
  const session = readU16(bytes, at + 2) & 0x03ff;
  if (version === 1) {
    return payload(at + headerLength, INNER_ETHERNET, "erspan", session);
  }
  let length = headerLength;
  if ((bytes[at + 11]! & 0x01) !== 0) {
    length += ERSPAN_III_PLATFORM_LENGTH;
    if (end - at < length) return cut("erspan");
  }
  const frameType = (bytes[at + 10]! >> 2) & 0x1f;
  if (frameType === 0) {
    return payload(at + length, INNER_ETHERNET, "erspan", session);
  }
  if (frameType !== 2 || end - at <= length) return none();
  const ip = ipEtherTypeOf(bytes[at + length]!);
  return ip < 0 ? none() : payload(at + length, ip, "erspan", session);
}
