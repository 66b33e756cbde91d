/**
 * ICMP (RFC 792) and ICMPv6 (RFC 4443) headers, read in place, with the
 * packet quoted by an error message, and the target, flags and link-layer
 * address of IPv6 Neighbor Discovery messages (RFC 4861), and a router
 * advertisement's lifetime and prefixes.
 *
 * @module
 */

import type { AnomalyCounter } from "../anomalies.ts";
import type { PacketRecord } from "../packet_record.ts";
import { formatIpv4, formatIpv6, formatMac, isLinkLocalAt } from "./address.ts";
import { readU16, readU32 } from "./bytes.ts";
import { createIpv6Walk, walkIpv6Extensions } from "./ipv6.ts";
import {
  type MinimalHeader,
  reportAnomaly,
  reportShortHeader,
} from "./report.ts";

/** ICMP/ICMPv6 header: type, code, checksum, 4 bytes of "rest of header". */
export const ICMP_HEADER_LENGTH = 8;

/** The ICMP and ICMPv6 header, and the anomalies that name it cut short. */
const ICMP_HEADER: MinimalHeader = {
  length: ICMP_HEADER_LENGTH,
  badLength: "icmp_bad_length",
  truncated: "icmp_header_truncated",
};

/** ICMP (IPv4) message types the decoder reads (RFC 792). */
export const ICMP_TYPE = {
  ECHO_REPLY: 0,
  DESTINATION_UNREACHABLE: 3,
  SOURCE_QUENCH: 4,
  REDIRECT: 5,
  ECHO_REQUEST: 8,
  TIME_EXCEEDED: 11,
  PARAMETER_PROBLEM: 12,
} as const;

/** ICMPv6 message types the decoder reads (RFC 4443, RFC 4861). */
export const ICMPV6_TYPE = {
  DESTINATION_UNREACHABLE: 1,
  PACKET_TOO_BIG: 2,
  TIME_EXCEEDED: 3,
  PARAMETER_PROBLEM: 4,
  ECHO_REQUEST: 128,
  ECHO_REPLY: 129,
  ROUTER_SOLICITATION: 133,
  ROUTER_ADVERTISEMENT: 134,
  NEIGHBOR_SOLICITATION: 135,
  NEIGHBOR_ADVERTISEMENT: 136,
  REDIRECT: 137,
} as const;

/** Where a neighbor solicitation's, advertisement's or redirect's 16-byte target address starts, after the ICMPv6 header (RFC 4861 sections 4.3–4.5). */
const ND_TARGET_OFFSET = 8;
/** Where the options of each Neighbor Discovery message start (RFC 4861 sections 4.1–4.5), by type from 133 on. */
const ND_OPTIONS_OFFSETS = [8, 16, 24, 24, 40] as const;
/** Neighbor Discovery option types: source and target link-layer address (RFC 4861 section 4.6.1). */
const ND_OPTION_SOURCE_LINK = 1;
const ND_OPTION_TARGET_LINK = 2;
/** Bits of an advertisement's flags byte: router, solicited, override. */
const ND_FLAG_BITS = 0xe0;
/** Bits of a router advertisement's flags byte: managed, other, home agent, preference (RFC 4861 section 4.2, RFC 6275, RFC 4191). */
const RA_FLAG_BITS = 0xf8;
/** The prefix information option (RFC 4861 section 4.6.2): type, and its length in 8-byte units. */
const ND_OPTION_PREFIX = 3;
const PREFIX_OPTION_UNITS = 4;
/** A prefix information option's on-link and autonomous address-configuration flags. */
const PREFIX_FLAG_BITS = 0xc0;
/** Prefixes (and routes) kept from one router advertisement. */
const MAX_PREFIXES = 8;
/** The route information option (RFC 4191 section 2.3) and the recursive DNS server option (RFC 8106 section 5.1). */
const ND_OPTION_ROUTE_INFO = 24;
const ND_OPTION_RDNSS = 25;
/** DNS servers kept from one router advertisement. */
const MAX_DNS_SERVERS = 4;
/** The route preference value hosts must ignore an option with (RFC 4191 section 2.1). */
const RESERVED_PREFERENCE = 2;
/** Scratch for a prefix with the bits past its length cleared (decoding is synchronous). */
const prefixBytes = new Uint8Array(16);

/** Transport protocols whose ports sit in the first 4 bytes (TCP, UDP, SCTP, UDP-Lite). */
function hasPorts(protocol: number): boolean {
  return protocol === 6 || protocol === 17 || protocol === 132 ||
    protocol === 136;
}

/**
 * Decodes the ICMP message at `offset` of a message that is `length` bytes
 * long according to the IP header (captured bytes end at `end`): type, code,
 * echo id/seq, and for error messages the quoted packet's protocol,
 * destination address and destination port.
 */
export function decodeIcmp(
  record: PacketRecord,
  bytes: Uint8Array,
  offset: number,
  end: number,
  length: number,
  anomalies: AnomalyCounter,
): void {
  decodeMessage(record, bytes, offset, end, length, false, anomalies);
}

/** Decodes an ICMPv6 message, with the same fields as {@linkcode decodeIcmp}. */
export function decodeIcmpv6(
  record: PacketRecord,
  bytes: Uint8Array,
  offset: number,
  end: number,
  length: number,
  anomalies: AnomalyCounter,
): void {
  decodeMessage(record, bytes, offset, end, length, true, anomalies);
}

function decodeMessage(
  record: PacketRecord,
  bytes: Uint8Array,
  offset: number,
  end: number,
  length: number,
  v6: boolean,
  anomalies: AnomalyCounter,
): void {
  record.transport = v6 ? "icmpv6" : "icmp";
  const available = end - offset;
  if (available >= 2) {
    // Non-null: two bytes are present (checked above).
    record.icmpType = bytes[offset]!;
    record.icmpCode = bytes[offset + 1]!;
  }
  if (available < ICMP_HEADER_LENGTH) {
    reportShortHeader(record, anomalies, length, ICMP_HEADER);
    return;
  }
  record.payloadLength = length - ICMP_HEADER_LENGTH;
  const type = record.icmpType;
  if (v6) {
    if (type === ICMPV6_TYPE.ECHO_REQUEST || type === ICMPV6_TYPE.ECHO_REPLY) {
      readEcho(record, bytes, offset, end, length);
    } else if (type <= ICMPV6_TYPE.PARAMETER_PROBLEM && type !== 0) {
      decodeQuoted(record, bytes, offset + ICMP_HEADER_LENGTH, end, anomalies);
    } else if (
      type >= ICMPV6_TYPE.ROUTER_SOLICITATION && type <= ICMPV6_TYPE.REDIRECT
    ) {
      readNeighborDiscovery(record, bytes, offset, end, length, anomalies);
    }
    return;
  }
  switch (type) {
    case ICMP_TYPE.ECHO_REPLY:
    case ICMP_TYPE.ECHO_REQUEST:
      readEcho(record, bytes, offset, end, length);
      break;
    case ICMP_TYPE.DESTINATION_UNREACHABLE:
    case ICMP_TYPE.SOURCE_QUENCH:
    case ICMP_TYPE.REDIRECT:
    case ICMP_TYPE.TIME_EXCEEDED:
    case ICMP_TYPE.PARAMETER_PROBLEM:
      decodeQuoted(record, bytes, offset + ICMP_HEADER_LENGTH, end, anomalies);
      break;
  }
}

/**
 * Echo identifier, sequence number, content sum and data-after-the-stamp
 * sum of the ICMP or ICMPv6 echo message at `offset`, `length` bytes long
 * (8 bytes present, the capture ending at `end`).
 */
function readEcho(
  record: PacketRecord,
  bytes: Uint8Array,
  offset: number,
  end: number,
  length: number,
): void {
  const id = readU16(bytes, offset + 4);
  const seq = readU16(bytes, offset + 6);
  record.icmpId = id;
  record.icmpSeq = seq;
  // The checksum is the complement of the message's sum (RFC 1071); the
  // type byte's share of it differs between a request and its reply.
  const sum = onesComplementDifference(
    ~readU16(bytes, offset + 2) & 0xffff,
    record.icmpType << 8,
  );
  record.icmpEchoSum = sum;
  // The data past its first ECHO_STAMP_BYTES: the whole sum less the
  // identifier, sequence number and those bytes (which must be captured).
  const data = offset + ICMP_HEADER_LENGTH;
  if (
    length - ICMP_HEADER_LENGTH <= ECHO_STAMP_BYTES ||
    data + ECHO_STAMP_BYTES > end
  ) {
    return;
  }
  let head = id + seq;
  for (let at = data; at < data + ECHO_STAMP_BYTES; at += 2) {
    head += readU16(bytes, at);
  }
  head = (head & 0xffff) + (head >>> 16);
  head = (head & 0xffff) + (head >>> 16);
  record.icmpEchoTailSum = onesComplementDifference(sum, head);
  record.icmpEchoTracker = isTrackerData(
    bytes,
    data,
    length - ICMP_HEADER_LENGTH,
    end,
    record.timestampUs,
  );
}

/** Bytes of pro-bing's send time and tracker UUID at the start of its echo data. */
const TRACKER_STAMP_BYTES = 24;

/** Most bytes of 1 read after them: what a 1500-byte IPv4 datagram holds (pro-bing's `Size` up to 1472). */
const MAX_TRACKER_PADDING = 1_448;

/** Most the send time pro-bing writes may differ from the packet's time, µs: clocks a minute apart (an echo reply is older by its round trip). */
const MAX_TRACKER_SKEW_US = 60_000_000;

/**
 * Whether echo data of `dataLength` bytes at `data` (captured up to `end`)
 * is laid out as pro-bing sends it: an 8-byte send time (nanoseconds since
 * 1970, big-endian) within {@linkcode MAX_TRACKER_SKEW_US} of the packet's
 * time `timestampUs`, a version-4 UUID (RFC 9562: version nibble 4, variant
 * bits 10), then bytes of 1, all captured and at most
 * {@linkcode MAX_TRACKER_PADDING} of them.
 */
function isTrackerData(
  bytes: Uint8Array,
  data: number,
  dataLength: number,
  end: number,
  timestampUs: number,
): boolean {
  if (
    dataLength < TRACKER_STAMP_BYTES ||
    dataLength > TRACKER_STAMP_BYTES + MAX_TRACKER_PADDING ||
    data + dataLength > end ||
    bytes[data + 14]! >> 4 !== 4 || bytes[data + 16]! >> 6 !== 2
  ) return false;
  const sentUs = (readU32(bytes, data) * 2 ** 32 + readU32(bytes, data + 4)) /
    1000;
  if (Math.abs(sentUs - timestampUs) > MAX_TRACKER_SKEW_US) return false;
  for (let at = data + TRACKER_STAMP_BYTES; at < data + dataLength; at++) {
    if (bytes[at] !== 1) return false;
  }
  return true;
}

/**
 * Bytes at the start of an echo's data where pings put their send time
 * (iputils' 16-byte timeval on 64-bit hosts, BSD's and macOS's 8 bytes,
 * BusyBox's 4 or 8); past them each ping sends one pattern.
 */
export const ECHO_STAMP_BYTES = 16;

/** `a` − `b` in 16-bit one's complement arithmetic, its zero written 0 (never 0xffff). */
function onesComplementDifference(a: number, b: number): number {
  let sum = a + (~b & 0xffff);
  sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff ? 0 : sum;
}

/**
 * The link-layer address a Neighbor Discovery message (RFC 4861) gives its
 * receivers: the source link-layer address option of a router
 * solicitation, router advertisement or neighbor solicitation, the target
 * link-layer address option of a neighbor advertisement or redirect; with
 * the target address of the last three, an advertisement's flags, and a
 * router advertisement's flags, router lifetime and prefixes. The
 * message at `offset` is `length` bytes long (8 bytes of header present).
 * Receivers discard a message too short for its fixed part, or with an
 * option of length zero or one that runs past the message (RFC 4861
 * sections 6.1, 7.1 and 8.1), and a redirect to a target that is neither
 * link-local nor its destination, or for a multicast destination (section
 * 8.1): it is an anomaly, and nothing is read from it. Only an option of
 * 8 bytes holds a MAC (RFC 2464 section 8); the first one of the wanted
 * kind counts.
 */
function readNeighborDiscovery(
  record: PacketRecord,
  bytes: Uint8Array,
  offset: number,
  end: number,
  length: number,
  anomalies: AnomalyCounter,
): void {
  // Non-null: the 8-byte header is present, and its type is 133–137.
  const type = bytes[offset]!;
  const optionsOffset =
    ND_OPTIONS_OFFSETS[type - ICMPV6_TYPE.ROUTER_SOLICITATION]!;
  if (length < optionsOffset) {
    // A first fragment may end within the fixed part: the rest follows.
    if (!record.fragment) {
      reportAnomaly(record, anomalies, "ndp_message_too_short");
    }
    return;
  }
  if (end - offset < optionsOffset) return; // cut by the snap length
  if (
    type === ICMPV6_TYPE.REDIRECT && !isValidRedirect(bytes, offset)
  ) {
    reportAnomaly(record, anomalies, "ndp_redirect_invalid");
    return;
  }
  const wanted = type === ICMPV6_TYPE.NEIGHBOR_ADVERTISEMENT ||
      type === ICMPV6_TYPE.REDIRECT
    ? ND_OPTION_TARGET_LINK
    : ND_OPTION_SOURCE_LINK;
  const messageEnd = offset + length;
  const stop = end < messageEnd ? end : messageEnd;
  const advertisement = type === ICMPV6_TYPE.ROUTER_ADVERTISEMENT;
  let mac = "";
  let prefixes = "";
  let prefixCount = 0;
  let routes = "";
  let routeCount = 0;
  let dnsServers = "";
  let dnsCount = 0;
  let withdrawn = "";
  let withdrawnCount = 0;
  let option = offset + optionsOffset;
  while (stop - option >= 2) {
    const units = bytes[option + 1]!;
    const optionEnd = option + units * 8;
    if (units === 0) {
      reportAnomaly(record, anomalies, "ndp_option_bad_length");
      return;
    }
    if (optionEnd > messageEnd) {
      // A first fragment holds part of the message: the rest is in the
      // later fragments, not past its end.
      if (record.fragment) break;
      reportAnomaly(record, anomalies, "ndp_option_bad_length");
      return;
    }
    if (optionEnd > stop) break; // cut by the snap length
    const optionType = bytes[option];
    if (optionType === wanted && units === 1 && mac === "") {
      mac = formatMac(bytes, option + 2);
    } else if (
      advertisement && optionType === ND_OPTION_PREFIX &&
      units >= PREFIX_OPTION_UNITS && prefixCount < MAX_PREFIXES &&
      isGivenPrefix(bytes, option)
    ) {
      // Each prefix once: repeats would crowd later ones out of the eight.
      const text = prefixText(bytes, option);
      if (!`,${prefixes},`.includes(`,${text},`)) {
        prefixes += (prefixCount++ === 0 ? "" : ",") + text;
      }
    } else if (
      advertisement && optionType === ND_OPTION_ROUTE_INFO &&
      routeCount < MAX_PREFIXES && isGivenRoute(bytes, option, units)
    ) {
      const text = maskedPrefix(
        bytes,
        option + 8,
        bytes[option + 2]!,
        (units - 1) * 8,
      );
      if (!`,${routes},`.includes(`,${text},`)) {
        routes += (routeCount++ === 0 ? "" : ",") + text;
      }
    } else if (
      advertisement && optionType === ND_OPTION_RDNSS && units >= 3 &&
      (units & 1) === 1
    ) {
      // Its addresses (an odd length: RFC 8106 section 5.1): in use, or,
      // with lifetime 0, withdrawn (hosts drop them, whoever named them).
      const withdraws = readU32(bytes, option + 4) === 0;
      for (let at = option + 8; optionEnd - at >= 16; at += 16) {
        const text = formatIpv6(bytes, at);
        if (withdraws) {
          if (
            withdrawnCount < MAX_DNS_SERVERS &&
            !`,${withdrawn},`.includes(`,${text},`)
          ) withdrawn += (withdrawnCount++ === 0 ? "" : ",") + text;
        } else if (
          dnsCount < MAX_DNS_SERVERS && !`,${dnsServers},`.includes(`,${text},`)
        ) dnsServers += (dnsCount++ === 0 ? "" : ",") + text;
      }
    }
    option = optionEnd;
  }
  record.ndLinkMac = mac;
  if (optionsOffset >= ND_TARGET_OFFSET + 16) {
    record.ndTarget = formatIpv6(bytes, offset + ND_TARGET_OFFSET);
  }
  if (type === ICMPV6_TYPE.NEIGHBOR_ADVERTISEMENT) {
    record.ndFlags = bytes[offset + 4]! & ND_FLAG_BITS;
  } else if (advertisement) {
    record.ndFlags = bytes[offset + 5]! & RA_FLAG_BITS;
    record.ndRouterLifetimeS = readU16(bytes, offset + 6);
    record.ndPrefixes = prefixes;
    record.ndRoutes = routes;
    record.ndDnsServers = dnsServers;
    record.ndDnsWithdrawn = withdrawn;
  }
}

/**
 * Whether the route information option at `option` (`units` × 8 bytes
 * present) gives hosts a route (RFC 4191 sections 2.3 and 3.1): a lifetime
 * above zero, a preference other than the reserved one, and a prefix
 * length of at most 128 that its length can hold (0 in 8 bytes, up to 64
 * in 16, any in 24). Any prefix counts, link-local and multicast ones too
 * (Linux installs them), its bits past the length cleared (the decoder's
 * text, as hosts read it).
 */
function isGivenRoute(
  bytes: Uint8Array,
  option: number,
  units: number,
): boolean {
  // Non-null: the caller checked that the option's bytes are present.
  const length = bytes[option + 2]!;
  return units <= 3 && length <= 128 && (length <= 64 || units >= 3) &&
    (length === 0 || units >= 2) &&
    ((bytes[option + 3]! >> 3) & 3) !== RESERVED_PREFERENCE &&
    readU32(bytes, option + 4) !== 0;
}

/**
 * Whether the prefix information option at `option` (32 bytes present)
 * gives hosts a prefix, as receivers take one (RFC 4861 section 6.3.4, RFC
 * 4862 section 5.5.3, Linux's addrconf_prefix_rcv): the on-link or
 * autonomous flag set, a length of at most 128, a valid lifetime above zero
 * and no shorter than the preferred one, and no link-local or multicast
 * prefix. A longer option (the prefix still at bytes 16–31) counts, as
 * Linux takes it.
 */
function isGivenPrefix(bytes: Uint8Array, option: number): boolean {
  // Non-null: the caller checked that the 32 bytes are present.
  const validS = readU32(bytes, option + 4);
  return (bytes[option + 3]! & PREFIX_FLAG_BITS) !== 0 &&
    bytes[option + 2]! <= 128 && validS !== 0 &&
    readU32(bytes, option + 8) <= validS && bytes[option + 16] !== 0xff &&
    !isLinkLocalAt(bytes, option + 16);
}

/** The prefix of the prefix information option at `option`, "2001:db8::/64", with the bits past its length cleared (receivers ignore them). */
function prefixText(bytes: Uint8Array, option: number): string {
  return maskedPrefix(bytes, option + 16, bytes[option + 2]!, 16);
}

/** The prefix of `length` bits at `at` ("2001:db8::/64"), of which `available` bytes are present (the rest 0), with the bits past its length cleared. */
function maskedPrefix(
  bytes: Uint8Array,
  at: number,
  length: number,
  available: number,
): string {
  for (let i = 0; i < 16; i++) {
    const kept = length - i * 8;
    const mask = kept >= 8 ? 0xff : kept <= 0 ? 0 : (0xff00 >> kept) & 0xff;
    prefixBytes[i] = i < available ? bytes[at + i]! & mask : 0;
  }
  return `${formatIpv6(prefixBytes, 0)}/${length}`;
}

/**
 * Whether the redirect at `offset` (its 40 fixed bytes present) is one a
 * host takes (RFC 4861 section 8.1): its target is link-local (a better
 * router) or its destination itself (an on-link host), and its destination
 * is no multicast address.
 */
function isValidRedirect(bytes: Uint8Array, offset: number): boolean {
  const target = offset + ND_TARGET_OFFSET;
  const destination = target + 16;
  // Non-null: the fixed bytes are present (checked by the caller).
  if (bytes[destination] === 0xff) return false;
  if (isLinkLocalAt(bytes, target)) {
    return true;
  }
  for (let i = 0; i < 16; i++) {
    if (bytes[target + i] !== bytes[destination + i]) return false;
  }
  return true;
}

/** Reused by every quoted IPv6 header (decoding is synchronous). */
const quotedWalk = createIpv6Walk();

/**
 * Reads the IP header (and the ports after it) quoted by an ICMP error into
 * quotedProtocol/quotedDstAddress/quotedSrcPort/quotedDstPort. A quote shorter than an IP
 * header is counted unless the capture itself was cut.
 */
function decodeQuoted(
  record: PacketRecord,
  bytes: Uint8Array,
  offset: number,
  end: number,
  anomalies: AnomalyCounter,
): void {
  const available = end - offset;
  // Non-null: indexes are checked against `available` before each read.
  const version = available > 0 ? bytes[offset]! >> 4 : 0;
  let transport: number;
  if (version === 4 && available >= 20) {
    const headerLength = (bytes[offset]! & 0x0f) * 4;
    record.quotedProtocol = bytes[offset + 9]!;
    record.quotedDstAddress = formatIpv4(bytes, offset + 16);
    // Ports are only in a first fragment, after a sane header.
    if (headerLength < 20 || (readU16(bytes, offset + 6) & 0x1fff) !== 0) {
      return;
    }
    transport = offset + headerLength;
  } else if (version === 6 && available >= 40) {
    record.quotedDstAddress = formatIpv6(bytes, offset + 24);
    const complete = walkIpv6Extensions(
      bytes,
      offset + 40,
      end,
      bytes[offset + 6]!,
      quotedWalk,
    );
    record.quotedProtocol = quotedWalk.nextHeader;
    if (!complete || quotedWalk.laterFragment) return;
    transport = quotedWalk.offset;
  } else {
    if (!record.truncated) {
      reportAnomaly(record, anomalies, "icmp_quote_too_short");
    }
    return;
  }
  if (hasPorts(record.quotedProtocol) && end - transport >= 4) {
    record.quotedSrcPort = readU16(bytes, transport);
    record.quotedDstPort = readU16(bytes, transport + 2);
  }
}
