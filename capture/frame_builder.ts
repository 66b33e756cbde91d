/**
 * Builds real packet bytes (valid checksums) for demo traffic, benchmarks
 * and tests: Ethernet/802.1Q, IPv4, IPv6, ARP, TCP, UDP, ICMP, ICMPv6, DNS.
 *
 * @module
 */

import { concatBytes } from "./concat_bytes.ts";
import { formatIpv6 } from "./decode/address.ts";

/** Parses "aa:bb:cc:dd:ee:ff" into 6 bytes; throws TypeError on bad input. */
export function parseMac(mac: string): Uint8Array<ArrayBuffer> {
  const parts = mac.split(":");
  const bytes = new Uint8Array(6);
  if (parts.length !== 6) {
    throw new TypeError(`Cannot parse MAC address: "${mac}"`);
  }
  parts.forEach((part, i) => {
    const value = parseInt(part, 16);
    if (!/^[0-9a-fA-F]{1,2}$/.test(part)) {
      throw new TypeError(`Cannot parse MAC address: "${mac}"`);
    }
    bytes[i] = value;
  });
  return bytes;
}

/** Parses a dotted-quad IPv4 address into 4 bytes; throws TypeError on bad input. */
export function parseIpv4(address: string): Uint8Array<ArrayBuffer> {
  const parts = address.split(".");
  if (
    parts.length !== 4 ||
    parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)
  ) {
    throw new TypeError(`Cannot parse IPv4 address: "${address}"`);
  }
  return new Uint8Array(parts.map(Number));
}

/** Parses an IPv6 address (with "::" compression and an optional dotted IPv4 tail) into 16 bytes; throws TypeError on bad input. */
export function parseIpv6(address: string): Uint8Array<ArrayBuffer> {
  const fail = () => new TypeError(`Cannot parse IPv6 address: "${address}"`);
  let text = address;
  const lastColon = text.lastIndexOf(":");
  if (lastColon >= 0 && text.includes(".", lastColon)) {
    // An embedded IPv4 tail ("::ffff:192.0.2.1", RFC 4291 2.2) is two groups.
    let v4: Uint8Array;
    try {
      v4 = parseIpv4(text.slice(lastColon + 1));
    } catch {
      throw fail();
    }
    text = `${text.slice(0, lastColon + 1)}${
      ((v4[0]! << 8) | v4[1]!).toString(16)
    }:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) throw fail();
  const groups = (text: string) => text === "" ? [] : text.split(":");
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (
    (halves.length === 2 && missing < 1) ||
    (halves.length === 1 && missing !== 0)
  ) {
    throw fail();
  }
  const all = [...head, ...Array(Math.max(0, missing)).fill("0"), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) throw fail();
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return concatBytes(parts);
}

/** The Internet checksum (RFC 1071) of `parts`, as one's complement of the one's-complement sum. */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  let odd = false;
  let carry = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      if (odd) sum += carry | part[i]!;
      else carry = part[i]! << 8;
      odd = !odd;
    }
  }
  if (odd) sum += carry;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function u16(value: number): Uint8Array {
  return new Uint8Array([(value >> 8) & 0xff, value & 0xff]);
}

/** EtherType values used by the builders. */
export const ETHER_TYPE = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  IPV6: 0x86dd,
} as const;

/** Options of {@linkcode ethernetFrame}. */
export interface EthernetOptions {
  srcMac: string;
  dstMac: string;
  etherType: number;
  /** 802.1Q VLAN ids, outermost first. */
  vlanIds?: number[];
}

/** Wraps `payload` in an Ethernet II header (with optional 802.1Q tags). */
export function ethernetFrame(
  options: EthernetOptions,
  payload: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const tags = (options.vlanIds ?? []).map((id) =>
    concat(u16(ETHER_TYPE.VLAN), u16(id & 0x0fff))
  );
  return concat(
    parseMac(options.dstMac),
    parseMac(options.srcMac),
    ...tags,
    u16(options.etherType),
    payload,
  );
}

/** Options of {@linkcode ipv4Packet}. */
export interface Ipv4Options {
  src: string;
  dst: string;
  protocol: number;
  ttl?: number;
  id?: number;
  /** Fragment offset in 8-byte units. */
  fragmentOffset?: number;
  moreFragments?: boolean;
  dontFragment?: boolean;
}

/** Wraps `payload` in an IPv4 header with a valid header checksum. */
export function ipv4Packet(
  options: Ipv4Options,
  payload: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const header = new Uint8Array(20);
  const total = 20 + payload.length;
  header[0] = 0x45;
  header[2] = total >> 8;
  header[3] = total & 0xff;
  const id = options.id ?? 0;
  header[4] = id >> 8;
  header[5] = id & 0xff;
  const flags = (options.dontFragment ? 0x4000 : 0) |
    (options.moreFragments ? 0x2000 : 0) | (options.fragmentOffset ?? 0);
  header[6] = flags >> 8;
  header[7] = flags & 0xff;
  header[8] = options.ttl ?? 64;
  header[9] = options.protocol;
  header.set(parseIpv4(options.src), 12);
  header.set(parseIpv4(options.dst), 16);
  const checksum = internetChecksum(header);
  header[10] = checksum >> 8;
  header[11] = checksum & 0xff;
  return concat(header, payload);
}

/** Options of {@linkcode ipv6Packet}. */
export interface Ipv6Options {
  src: string;
  dst: string;
  nextHeader: number;
  hopLimit?: number;
}

/** Wraps `payload` in an IPv6 header. */
export function ipv6Packet(
  options: Ipv6Options,
  payload: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const header = new Uint8Array(40);
  header[0] = 0x60;
  header[4] = payload.length >> 8;
  header[5] = payload.length & 0xff;
  header[6] = options.nextHeader;
  header[7] = options.hopLimit ?? 64;
  header.set(parseIpv6(options.src), 8);
  header.set(parseIpv6(options.dst), 24);
  return concat(header, payload);
}

function pseudoHeader(
  src: string,
  dst: string,
  protocol: number,
  length: number,
): Uint8Array {
  if (src.includes(":")) {
    return concat(
      parseIpv6(src),
      parseIpv6(dst),
      new Uint8Array([
        length >>> 24,
        (length >> 16) & 0xff,
        (length >> 8) & 0xff,
        length & 0xff,
        0,
        0,
        0,
        protocol,
      ]),
    );
  }
  return concat(
    parseIpv4(src),
    parseIpv4(dst),
    new Uint8Array([0, protocol]),
    u16(length),
  );
}

/** Options of {@linkcode tcpSegment}. */
export interface TcpOptions {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** Flag bits (see TCP_FLAGS in packet_record.ts). */
  flags: number;
  seq?: number;
  ack?: number;
  window?: number;
}

/** Builds a TCP segment with a valid checksum over the IPv4/IPv6 pseudo-header. */
export function tcpSegment(
  options: TcpOptions,
  payload: Uint8Array = new Uint8Array(0),
): Uint8Array<ArrayBuffer> {
  const header = new Uint8Array(20);
  const view = new DataView(header.buffer);
  view.setUint16(0, options.srcPort);
  view.setUint16(2, options.dstPort);
  view.setUint32(4, (options.seq ?? 0) >>> 0);
  view.setUint32(8, (options.ack ?? 0) >>> 0);
  header[12] = 5 << 4;
  header[13] = options.flags & 0xff;
  view.setUint16(14, options.window ?? 65535);
  const segment = concat(header, payload);
  const checksum = internetChecksum(
    pseudoHeader(options.src, options.dst, 6, segment.length),
    segment,
  );
  segment[16] = checksum >> 8;
  segment[17] = checksum & 0xff;
  return segment;
}

/** Options of {@linkcode udpDatagram}. */
export interface UdpOptions {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
}

/** Builds a UDP datagram with a valid checksum over the pseudo-header. */
export function udpDatagram(
  options: UdpOptions,
  payload: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const datagram = concat(
    u16(options.srcPort),
    u16(options.dstPort),
    u16(8 + payload.length),
    u16(0),
    payload,
  );
  let checksum = internetChecksum(
    pseudoHeader(options.src, options.dst, 17, datagram.length),
    datagram,
  );
  if (checksum === 0) checksum = 0xffff; // RFC 768: zero means "no checksum"
  datagram[6] = checksum >> 8;
  datagram[7] = checksum & 0xff;
  return datagram;
}

/** Options of {@linkcode icmpMessage}. */
export interface IcmpOptions {
  type: number;
  code?: number;
  /** Echo identifier (or the first 16 bits of the "rest of header"). */
  id?: number;
  /** Echo sequence number (or the last 16 bits of the "rest of header"). */
  seq?: number;
  /** For ICMPv6: the addresses for the pseudo-header checksum. */
  v6?: { src: string; dst: string };
}

/** Builds an ICMP (or, with `v6`, ICMPv6) message with a valid checksum. */
export function icmpMessage(
  options: IcmpOptions,
  payload: Uint8Array = new Uint8Array(0),
): Uint8Array<ArrayBuffer> {
  const message = concat(
    new Uint8Array([options.type, options.code ?? 0, 0, 0]),
    u16(options.id ?? 0),
    u16(options.seq ?? 0),
    payload,
  );
  const checksum = options.v6
    ? internetChecksum(
      pseudoHeader(options.v6.src, options.v6.dst, 58, message.length),
      message,
    )
    : internetChecksum(message);
  message[2] = checksum >> 8;
  message[3] = checksum & 0xff;
  return message;
}

/** Options of {@linkcode arpPacket}. */
export interface ArpOptions {
  /** 1 request, 2 reply. */
  operation: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

/** Builds an Ethernet/IPv4 ARP packet (RFC 826). */
export function arpPacket(options: ArpOptions): Uint8Array<ArrayBuffer> {
  return concat(
    u16(1),
    u16(ETHER_TYPE.IPV4),
    new Uint8Array([6, 4]),
    u16(options.operation),
    parseMac(options.senderMac),
    parseIpv4(options.senderIp),
    parseMac(options.targetMac),
    parseIpv4(options.targetIp),
  );
}

/** Encodes a dotted name as DNS labels (RFC 1035 section 3.1). */
export function encodeDnsName(name: string): Uint8Array<ArrayBuffer> {
  const labels = name.split(".").filter((label) => label !== "");
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const label of labels) {
    const bytes = encoder.encode(label);
    if (bytes.length > 63) {
      throw new RangeError(
        `Cannot encode DNS name: label "${label}" is longer than 63 bytes`,
      );
    }
    parts.push(new Uint8Array([bytes.length]), bytes);
  }
  parts.push(new Uint8Array([0]));
  return concat(...parts);
}

/** Options of {@linkcode dnsMessage}. */
export interface DnsOptions {
  id: number;
  name: string;
  /** Question type: 1 A, 28 AAAA, 16 TXT, 10 NULL, 5 CNAME, … */
  qtype: number;
  response?: boolean;
  rcode?: number;
  /** IPv4 addresses answered with A records (responses only). */
  answers?: string[];
  /** Other answer records, after the A records (responses only): owned by the question's name, of `type`, with `data` as their RDATA. */
  records?: { type: number; data: Uint8Array }[];
}

/** TXT record data (RFC 1035 section 3.3.14): each text a character-string (its length byte, then its bytes; at most 255). */
export function txtRdata(...texts: string[]): Uint8Array<ArrayBuffer> {
  return concat(
    ...texts.map((text) => {
      const bytes = new TextEncoder().encode(text);
      return concat(new Uint8Array([bytes.length]), bytes);
    }),
  );
}

/** One resource record of {@linkcode mdnsResponse}: an A record of an IPv4 address, an AAAA record of an IPv6 one, a PTR record naming `target`, or a CNAME record naming `alias`. */
export type MdnsRecord =
  | { name: string; address: string }
  | { name: string; target: string }
  | { name: string; alias: string };

/** An mDNS response (RFC 6762 section 18: id 0, authoritative, no questions) with `records` as its answers (class IN with the cache-flush bit, TTL 120 s). */
export function mdnsResponse(
  records: readonly MdnsRecord[],
): Uint8Array<ArrayBuffer> {
  const answers = records.map((record) => {
    const data = "address" in record
      ? record.address.includes(":")
        ? parseIpv6(record.address)
        : parseIpv4(record.address)
      : encodeDnsName("target" in record ? record.target : record.alias);
    const type = "address" in record
      ? (data.length === 4 ? 1 : 28)
      : "target" in record
      ? 12
      : 5;
    return concat(
      encodeDnsName(record.name),
      u16(type),
      u16(0x8001),
      u16(0),
      u16(120),
      u16(data.length),
      data,
    );
  });
  return concat(
    u16(0),
    u16(0x8400),
    u16(0),
    u16(answers.length),
    u16(0),
    u16(0),
    ...answers,
  );
}

/** Options of {@linkcode nbnsMessage}. */
export interface NbnsOptions {
  id: number;
  /** The NetBIOS name (at most 15 characters), as written. */
  name: string;
  /** Its suffix, the service type (0x00 workstation, 0x20 server); 0 unless given. */
  suffix?: number;
  /** A response (with one answer record) instead of a query (with one question). */
  response?: boolean;
  /** The broadcast bit (a B-node's query); set on queries unless false. */
  broadcast?: boolean;
  rcode?: number;
  /** The address a positive response gives. */
  address?: string;
}

/**
 * Builds a NetBIOS name service name query, or its response (RFC 1002
 * sections 4.2.12 and 4.2.13): the name first-level encoded (RFC 1001
 * section 14.1), in the question of a query and in the answer record of a
 * response, which names `address` (NB record, flags 0).
 */
export function nbnsMessage(options: NbnsOptions): Uint8Array<ArrayBuffer> {
  const raw = [...options.name.padEnd(15, " ").slice(0, 15)].map((c) =>
    c.charCodeAt(0)
  );
  raw.push(options.suffix ?? 0);
  const name = new Uint8Array([
    32,
    ...raw.flatMap((b) => [0x41 + (b >> 4), 0x41 + (b & 0x0f)]),
    0,
  ]);
  const response = options.response === true;
  const flags = response
    ? 0x8500 | (options.rcode ?? 0) // response, authoritative, recursion desired
    : 0x0100 | (options.broadcast === false ? 0 : 0x0010);
  const header = concat(
    u16(options.id),
    u16(flags),
    u16(response ? 0 : 1),
    u16(response ? 1 : 0),
    u16(0),
    u16(0),
  );
  if (!response) return concat(header, name, u16(0x20), u16(1));
  return concat(
    header,
    name,
    u16(0x20),
    u16(1),
    new Uint8Array([0, 0, 0, 30]),
    u16(6),
    u16(0),
    parseIpv4(options.address ?? "0.0.0.0"),
  );
}

/** Builds a DNS query or response with one question (and A answers). */
export function dnsMessage(options: DnsOptions): Uint8Array<ArrayBuffer> {
  const answers = options.response ? options.answers ?? [] : [];
  const others = options.response ? options.records ?? [] : [];
  const flags = options.response ? 0x8180 | (options.rcode ?? 0) : 0x0100; // RD for queries; QR|RD|RA for responses
  const question = concat(
    encodeDnsName(options.name),
    u16(options.qtype),
    u16(1),
  );
  const records = answers.map((address) =>
    concat(
      new Uint8Array([0xc0, 12]), // pointer to the question name
      u16(1),
      u16(1),
      new Uint8Array([0, 0, 0x0e, 0x10]), // TTL 3600 s
      u16(4),
      parseIpv4(address),
    )
  );
  for (const { type, data } of others) {
    records.push(concat(
      new Uint8Array([0xc0, 12]),
      u16(type),
      u16(1),
      new Uint8Array([0, 0, 0x0e, 0x10]),
      u16(data.length),
      data,
    ));
  }
  return concat(
    u16(options.id),
    u16(flags),
    u16(1),
    u16(records.length),
    u16(0),
    u16(0),
    question,
    ...records,
  );
}

/** Endpoints of a flow between two hosts on one Ethernet segment. */
export interface FlowEnds {
  srcMac: string;
  dstMac: string;
  src: string;
  dst: string;
}

/** Builds a whole Ethernet/IPv4-or-IPv6/TCP frame. */
export function tcpFrame(
  ends: FlowEnds,
  tcp: Omit<TcpOptions, "src" | "dst">,
  payload?: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const segment = tcpSegment({ ...tcp, src: ends.src, dst: ends.dst }, payload);
  return ipFrame(ends, 6, segment);
}

/** Builds a whole Ethernet/IPv4-or-IPv6/UDP frame. */
export function udpFrame(
  ends: FlowEnds,
  ports: { srcPort: number; dstPort: number },
  payload: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const datagram = udpDatagram(
    { ...ports, src: ends.src, dst: ends.dst },
    payload,
  );
  return ipFrame(ends, 17, datagram);
}

/** Options of {@linkcode sctpPacket}. */
export interface SctpOptions {
  srcPort: number;
  dstPort: number;
  /** Verification tag (0 in an INIT). */
  tag?: number;
}

/** One SCTP chunk (RFC 9260 section 3.2): type, flags, length and `value`, padded to 4 bytes. */
export function sctpChunk(
  type: number,
  value: Uint8Array = new Uint8Array(0),
  flags = 0,
): Uint8Array<ArrayBuffer> {
  const length = 4 + value.length;
  const padding = new Uint8Array((4 - (length & 3)) & 3);
  return concat(
    new Uint8Array([type, flags]),
    u16(length),
    value,
    padding,
  );
}

/** An INIT or INIT ACK chunk's fixed fields (RFC 9260 section 3.3.2): initiate tag, window, 10 streams each way, initial TSN. */
export function sctpInitValue(initiateTag: number): Uint8Array<ArrayBuffer> {
  const value = new Uint8Array(16);
  const view = new DataView(value.buffer);
  view.setUint32(0, initiateTag);
  view.setUint32(4, 106_496);
  view.setUint16(8, 10);
  view.setUint16(10, 10);
  view.setUint32(12, initiateTag ^ 0x5a5a5a5a);
  return value;
}

/** Builds an SCTP packet of `chunks` with a valid CRC32c checksum (RFC 9260 appendix A). */
export function sctpPacket(
  options: SctpOptions,
  ...chunks: Uint8Array[]
): Uint8Array<ArrayBuffer> {
  const tag = new Uint8Array(4);
  new DataView(tag.buffer).setUint32(0, options.tag ?? 0);
  const packet = concat(
    u16(options.srcPort),
    u16(options.dstPort),
    tag,
    new Uint8Array(4),
    ...chunks,
  );
  // The checksum goes out in the byte order it is computed in (RFC 9260
  // appendix A: least significant byte first).
  new DataView(packet.buffer).setUint32(8, crc32c(packet), true);
  return packet;
}

/** Builds a whole Ethernet/IPv4-or-IPv6/SCTP frame of `chunks`. */
export function sctpFrame(
  ends: FlowEnds,
  options: SctpOptions,
  ...chunks: Uint8Array[]
): Uint8Array<ArrayBuffer> {
  return ipFrame(ends, 132, sctpPacket(options, ...chunks));
}

/** CRC32c (Castagnoli, reflected polynomial 0x82f63b78) of `bytes`. */
function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) {
      crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
    }
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Builds a whole Ethernet/IPv4 ICMP (or Ethernet/IPv6 ICMPv6) frame. */
export function icmpFrame(
  ends: FlowEnds,
  icmp: Omit<IcmpOptions, "v6">,
  payload?: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const v6 = ends.src.includes(":");
  const message = icmpMessage(
    v6 ? { ...icmp, v6: { src: ends.src, dst: ends.dst } } : icmp,
    payload,
  );
  return ipFrame(ends, v6 ? 58 : 1, message);
}

/** The solicited-node multicast address of `address` (RFC 4291 section 2.7.1): ff02::1:ff and its last 24 bits. */
export function solicitedNodeAddress(address: string): string {
  const bytes = new Uint8Array(16);
  bytes.set([0xff, 0x02], 0);
  bytes.set([0x01, 0xff], 11);
  bytes.set(parseIpv6(address).subarray(13), 13);
  return formatIpv6(bytes, 0);
}

/** Options of {@linkcode neighborFrame}. */
export interface NeighborOptions {
  /** Ethernet source; the link-layer address option's MAC when `linkMac` is absent. */
  srcMac: string;
  /** Ethernet destination; the IPv6 destination's multicast MAC when absent. */
  dstMac?: string;
  src: string;
  dst: string;
  /** 133 router solicitation, 134 router advertisement, 135 neighbor solicitation, 136 neighbor advertisement, 137 redirect. */
  type: 133 | 134 | 135 | 136 | 137;
  /** The address asked for, advertised, or redirected to (135–137; ignored for 133 and 134). */
  target?: string;
  /** A redirect's destination; its target when absent. */
  destination?: string;
  /** The link-layer address option's MAC (source for 133–135, target for 136 and 137); null for none. */
  linkMac?: string | null;
  /** Advertisement flags byte: router 0x80, solicited 0x40, override 0x20; a router advertisement's: managed 0x80, other 0x40, preference 0x18 (0x08 high, 0x18 low). */
  flags?: number;
  /** 255 unless set: receivers discard any other (RFC 4861 section 7.1). */
  hopLimit?: number;
  /** ICMPv6 code; 0, the only one receivers take, unless set. */
  code?: number;
  /** A router advertisement's router lifetime, s (0 unless set: not a default router). */
  routerLifetimeS?: number;
  /** A router advertisement's prefix information options, after the link-layer address option. */
  prefixes?: readonly PrefixOption[];
  /** A router advertisement's route information options (RFC 4191), "2001:db8::/32" each (lifetime 1800 s), after the prefixes. */
  routes?: readonly string[];
  /** A router advertisement's recursive DNS servers (RFC 8106), one option (lifetime `dnsLifetimeS`, 1800 s unless set), after the routes. */
  dnsServers?: readonly string[];
  dnsLifetimeS?: number;
  /** 802.1Q VLAN ids, outermost first. */
  vlanIds?: number[];
}

/** A prefix information option (RFC 4861 section 4.6.2) of a router advertisement. */
export interface PrefixOption {
  /** The prefix, "2001:db8:1::". */
  prefix: string;
  length: number;
  /** On-link 0x80, autonomous 0x40; both unless set. */
  flags?: number;
  /** Valid lifetime, s; 86400 unless set (preferred: half of it). */
  validLifetimeS?: number;
}

/** A prefix information option's 32 bytes. */
function prefixOption(option: PrefixOption): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(32);
  const view = new DataView(bytes.buffer);
  const valid = option.validLifetimeS ?? 86_400;
  bytes[0] = 3;
  bytes[1] = 4;
  bytes[2] = option.length;
  bytes[3] = option.flags ?? 0xc0;
  view.setUint32(4, valid);
  view.setUint32(8, Math.floor(valid / 2));
  bytes.set(parseIpv6(option.prefix), 16);
  return bytes;
}

/** Builds an Ethernet/IPv6 Neighbor Discovery message (RFC 4861 sections 4.1–4.5) with a valid checksum. */
export function neighborFrame(
  options: NeighborOptions,
): Uint8Array<ArrayBuffer> {
  const linkMac = options.linkMac === undefined
    ? options.srcMac
    : options.linkMac;
  const type = options.type;
  const linkOption = linkMac === null ? new Uint8Array(0) : concat(
    new Uint8Array([type === 136 || type === 137 ? 2 : 1, 1]),
    parseMac(linkMac),
  );
  const option = concat(
    linkOption,
    ...(options.prefixes ?? []).map(prefixOption),
    ...(options.routes ?? []).map(routeOption),
    ...(options.dnsServers
      ? [rdnssOption(options.dnsServers, options.dnsLifetimeS ?? 1800)]
      : []),
  );
  const target = options.target ?? "::";
  // After the first 8 bytes: a router advertisement's reachable time and
  // retransmission timer; the target; a redirect's target and destination.
  const fixed = type === 133
    ? new Uint8Array(0)
    : type === 134
    ? new Uint8Array(8)
    : type === 137
    ? concat(parseIpv6(target), parseIpv6(options.destination ?? target))
    : parseIpv6(target);
  // A router advertisement: current hop limit 64, flags, router lifetime.
  const message = icmpMessage({
    type,
    code: options.code ?? 0,
    id: type === 134
      ? (64 << 8) | (options.flags ?? 0)
      : (options.flags ?? 0) << 8,
    seq: type === 134 ? options.routerLifetimeS ?? 0 : 0,
    v6: { src: options.src, dst: options.dst },
  }, concat(fixed, option));
  const dst = parseIpv6(options.dst);
  const multicastMac = dst[0] === 0xff
    ? `33:33:${
      [...dst.subarray(12)].map((byte) => byte.toString(16).padStart(2, "0"))
        .join(":")
    }`
    : undefined;
  return ethernetFrame(
    {
      srcMac: options.srcMac,
      dstMac: options.dstMac ?? multicastMac ?? "ff:ff:ff:ff:ff:ff",
      etherType: ETHER_TYPE.IPV6,
      vlanIds: options.vlanIds ?? [],
    },
    ipv6Packet({
      src: options.src,
      dst: options.dst,
      nextHeader: 58,
      hopLimit: options.hopLimit ?? 255,
    }, message),
  );
}

/** Builds an Ethernet frame carrying an ARP packet. */
export function arpFrame(
  options: ArpOptions,
  dstMac = "ff:ff:ff:ff:ff:ff",
): Uint8Array<ArrayBuffer> {
  return ethernetFrame(
    { srcMac: options.senderMac, dstMac, etherType: ETHER_TYPE.ARP },
    arpPacket(options),
  );
}

/** Wraps `payload` (of IP protocol `protocol`) in an IPv4 or IPv6 header (by the ends' addresses) and an Ethernet header. */
export function ipFrame(
  ends: FlowEnds,
  protocol: number,
  payload: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const v6 = ends.src.includes(":");
  const ip = v6
    ? ipv6Packet(
      { src: ends.src, dst: ends.dst, nextHeader: protocol },
      payload,
    )
    : ipv4Packet({ src: ends.src, dst: ends.dst, protocol }, payload);
  return ethernetFrame({
    srcMac: ends.srcMac,
    dstMac: ends.dstMac,
    etherType: v6 ? ETHER_TYPE.IPV6 : ETHER_TYPE.IPV4,
  }, ip);
}

/** Options of {@linkcode dhcpv6Message}. */
export interface Dhcpv6Options {
  /** 1 solicit, 2 advertise, 3 request, 7 reply, 11 information-request, … */
  type: number;
  /** 24-bit transaction id. */
  transactionId: number;
  /** The client's DUID bytes (option 1), when present. */
  clientDuid?: Uint8Array;
  /** The server's DUID bytes (option 2), when present. */
  serverDuid?: Uint8Array;
  /** Addresses leased in one IA_NA (option 3, IAID 1), when present. */
  leases?: readonly string[];
  /** The leases' valid lifetime, s (7200 unless set; preferred: half of it). */
  validLifetimeS?: number;
  /** A status code option (13) in the IA_NA, after its addresses (2: no addresses available). */
  iaStatusCode?: number;
  /** DNS servers (option 23), when present. */
  dnsServers?: readonly string[];
}

/** A DUID-LL (RFC 8415 section 11.4): type 3, hardware type 1, the MAC. */
export function duidOfMac(mac: string): Uint8Array<ArrayBuffer> {
  return concat(new Uint8Array([0, 3, 0, 1]), parseMac(mac));
}

/** Builds a DHCPv6 message (RFC 8415 section 8), a UDP payload for ports 546/547. */
export function dhcpv6Message(
  options: Dhcpv6Options,
): Uint8Array<ArrayBuffer> {
  const option = (code: number, body: Uint8Array) =>
    concat(u16(code), u16(body.length), body);
  const id = options.transactionId;
  const parts: Uint8Array[] = [
    new Uint8Array([
      options.type,
      (id >> 16) & 0xff,
      (id >> 8) & 0xff,
      id & 0xff,
    ]),
  ];
  if (options.clientDuid) parts.push(option(1, options.clientDuid));
  if (options.serverDuid) parts.push(option(2, options.serverDuid));
  if (options.leases) {
    const valid = options.validLifetimeS ?? 7200;
    const lifetimes = new Uint8Array(8);
    new DataView(lifetimes.buffer).setUint32(0, Math.floor(valid / 2));
    new DataView(lifetimes.buffer).setUint32(4, valid);
    const addresses = options.leases.map((address) =>
      option(5, concat(parseIpv6(address), lifetimes))
    );
    if (options.iaStatusCode !== undefined) {
      addresses.push(option(13, u16(options.iaStatusCode)));
    }
    parts.push(
      option(
        3,
        concat(
          new Uint8Array([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
          ...addresses,
        ),
      ),
    );
  }
  if (options.dnsServers) {
    parts.push(option(23, concat(...options.dnsServers.map(parseIpv6))));
  }
  return concat(...parts);
}

/** Options of {@linkcode dhcpv4Message}. */
export interface Dhcpv4Options {
  /** 1 discover, 2 offer, 3 request, 5 ack, 6 nak, … (option 53). */
  type: number;
  /** Transaction id. */
  transactionId: number;
  /** The client's hardware address (chaddr). */
  clientMac: string;
  /** BOOTP op: 1 request, 2 reply (2 unless set for types 2, 5 and 6, else 1). */
  op?: number;
  /** "your address" (yiaddr); 0.0.0.0 unless set. */
  yourAddress?: string;
  /** The client's address (ciaddr); 0.0.0.0 unless set. */
  clientAddress?: string;
  /** Client identifier bytes (option 61), when present. */
  clientId?: Uint8Array;
  /** Hardware type and address length (1 and 6, Ethernet, unless set); `clientMac` fills chaddr's first six bytes. */
  hardwareType?: number;
  hardwareLength?: number;
  /** The relay agent's address (giaddr); 0.0.0.0 unless set. */
  relayAddress?: string;
  /** Server identifier (option 54), when present. */
  serverId?: string;
  /** Subnet mask (option 1), when present. */
  subnetMask?: string;
  /** Routers (option 3), when present. */
  routers?: readonly string[];
  /** DNS servers (option 6), when present. */
  dnsServers?: readonly string[];
  /** Classless static routes (option 121, RFC 3442) as "10.0.0.0/8 via 192.168.1.1", when present. */
  routes?: readonly string[];
  /** Raw option bytes added after the others, before the end option. */
  rawOptions?: Uint8Array;
  /** Raw bytes of the `file` field (at most 128), e.g. options overloaded there. */
  fileField?: Uint8Array;
  /** Put the message type option last rather than first. */
  typeLast?: boolean;
  /** Leave out the DHCP magic cookie (a plain BOOTP message). */
  noCookie?: boolean;
}

/** Builds a DHCPv4 message (RFC 2131 section 2), a UDP payload for ports 67/68. */
export function dhcpv4Message(
  options: Dhcpv4Options,
): Uint8Array<ArrayBuffer> {
  const header = new Uint8Array(240);
  const view = new DataView(header.buffer);
  const reply = options.type === 2 || options.type === 5 || options.type === 6;
  header[0] = options.op ?? (reply ? 2 : 1);
  header[1] = options.hardwareType ?? 1;
  header[2] = options.hardwareLength ?? 6;
  header.set(parseIpv4(options.clientAddress ?? "0.0.0.0"), 12);
  view.setUint32(4, options.transactionId);
  header.set(parseIpv4(options.yourAddress ?? "0.0.0.0"), 16);
  header.set(parseIpv4(options.relayAddress ?? "0.0.0.0"), 24);
  header.set(parseMac(options.clientMac), 28);
  if (!options.noCookie) view.setUint32(236, 0x63825363);
  if (options.fileField) header.set(options.fileField, 108);
  const option = (code: number, body: Uint8Array) =>
    concat(new Uint8Array([code, body.length]), body);
  const addresses = (list: readonly string[]) => concat(...list.map(parseIpv4));
  const type = option(53, new Uint8Array([options.type]));
  const parts: Uint8Array[] = [header];
  if (!options.typeLast) parts.push(type);
  if (options.serverId) parts.push(option(54, parseIpv4(options.serverId)));
  if (options.clientId) parts.push(option(61, options.clientId));
  if (options.subnetMask) parts.push(option(1, parseIpv4(options.subnetMask)));
  if (options.routers) parts.push(option(3, addresses(options.routers)));
  if (options.dnsServers) parts.push(option(6, addresses(options.dnsServers)));
  if (options.routes) {
    parts.push(option(121, concat(...options.routes.map(classlessRoute))));
  }
  if (options.rawOptions) parts.push(options.rawOptions);
  if (options.typeLast) parts.push(type);
  parts.push(new Uint8Array([255]));
  return concat(...parts);
}

/** One RFC 3442 route, "10.0.0.0/8 via 192.168.1.1": its width, significant bytes and router. */
function classlessRoute(route: string): Uint8Array<ArrayBuffer> {
  const [prefix, router] = route.split(" via ") as [string, string];
  const [network, width] = prefix.split("/") as [string, string];
  const bits = Number(width);
  return concat(
    new Uint8Array([bits]),
    parseIpv4(network).subarray(0, (bits + 7) >> 3),
    parseIpv4(router),
  );
}

/** A route information option (RFC 4191 section 2.3) for "2001:db8::/32": as few 8-byte units as its length needs, medium preference, lifetime 1800 s. */
function routeOption(route: string): Uint8Array<ArrayBuffer> {
  const [prefix, width] = route.split("/") as [string, string];
  const length = Number(width);
  const prefixBytes = length === 0 ? 0 : length <= 64 ? 8 : 16;
  const head = new Uint8Array(8);
  head[0] = 24;
  head[1] = 1 + prefixBytes / 8;
  head[2] = length;
  new DataView(head.buffer).setUint32(4, 1800);
  return concat(head, parseIpv6(prefix).subarray(0, prefixBytes));
}

/** A recursive DNS server option (RFC 8106 section 5.1) naming `servers`. */
function rdnssOption(
  servers: readonly string[],
  lifetimeS: number,
): Uint8Array<ArrayBuffer> {
  const head = new Uint8Array(8);
  head[0] = 25;
  head[1] = 1 + 2 * servers.length;
  new DataView(head.buffer).setUint32(4, lifetimeS);
  return concat(head, ...servers.map(parseIpv6));
}
