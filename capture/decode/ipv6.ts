/**
 * IPv6 header (RFC 8200 section 3) and its extension-header chain, read in
 * place.
 *
 * @module
 */

import type { AnomalyCounter } from "../anomalies.ts";
import type { DecodedPacket } from "../decoded_packet.ts";
import { readU16, readU32 } from "./bytes.ts";
import { reportAnomaly, reportTruncated } from "./report.ts";

/** Byte offsets of IPv6 header fields (RFC 8200 section 3). */
const Field = {
  PAYLOAD_LENGTH: 4,
  NEXT_HEADER: 6,
  HOP_LIMIT: 7,
  SRC_ADDRESS: 8,
  DST_ADDRESS: 24,
} as const;

/** Fixed IPv6 header length, in bytes. */
export const IPV6_HEADER_LENGTH = 40;

/** Extension headers walked past (RFC 8200 section 4; AH is RFC 4302). */
const EXTENSION = {
  HOP_BY_HOP: 0,
  ROUTING: 43,
  FRAGMENT: 44,
  AUTHENTICATION: 51,
  DESTINATION_OPTIONS: 60,
} as const;

/** Where an extension-header walk stopped (reused between calls; see {@linkcode walkIpv6Extensions}). */
export interface Ipv6Walk {
  /** Offset of the first header after the extension headers. */
  offset: number;
  /** That header's protocol number (the last Next Header value). */
  nextHeader: number;
  /** True when a Fragment header with an offset or the M flag was passed. */
  fragment: boolean;
  /** True when the Fragment header's offset is not zero (the walk stops there). */
  laterFragment: boolean;
  /** The Fragment header's Identification when `fragment`, else -1. */
  fragmentId: number;
}

/** Returns a zeroed {@linkcode Ipv6Walk} to pass to {@linkcode walkIpv6Extensions}. */
export function createIpv6Walk(): Ipv6Walk {
  return {
    offset: 0,
    nextHeader: 0,
    fragment: false,
    laterFragment: false,
    fragmentId: -1,
  };
}

/**
 * Walks the extension headers that start at `offset` with Next Header
 * `nextHeader`, stopping at the first non-extension header or at a later
 * fragment, and writes where it stopped into `walk`. Returns false when an
 * extension header runs past `end`. Each header is at least 8 bytes long,
 * so the walk always ends.
 */
export function walkIpv6Extensions(
  bytes: Uint8Array,
  offset: number,
  end: number,
  nextHeader: number,
  walk: Ipv6Walk,
): boolean {
  let at = offset;
  let next = nextHeader;
  walk.fragment = false;
  walk.laterFragment = false;
  walk.fragmentId = -1;
  for (;;) {
    let length: number;
    switch (next) {
      case EXTENSION.HOP_BY_HOP:
      case EXTENSION.ROUTING:
      case EXTENSION.DESTINATION_OPTIONS:
        if (end - at < 2) return stopWalk(walk, at, next, false);
        // Non-null: two bytes are present (checked above).
        length = (bytes[at + 1]! + 1) * 8;
        break;
      case EXTENSION.AUTHENTICATION:
        if (end - at < 2) return stopWalk(walk, at, next, false);
        length = (bytes[at + 1]! + 2) * 4; // RFC 4302 section 2.2: 32-bit words minus 2
        break;
      case EXTENSION.FRAGMENT: {
        if (end - at < 8) return stopWalk(walk, at, next, false);
        const offsetFlags = readU16(bytes, at + 2);
        if ((offsetFlags & 0xfff9) !== 0) {
          // An offset or M (bit 0): a fragment, not an atomic one.
          walk.fragment = true;
          walk.fragmentId = readU32(bytes, at + 4);
        }
        if (offsetFlags >> 3 !== 0) {
          walk.laterFragment = true;
          // Non-null: eight bytes are present (checked above).
          return stopWalk(walk, at + 8, bytes[at]!, true);
        }
        length = 8;
        break;
      }
      default:
        return stopWalk(walk, at, next, true);
    }
    if (end - at < length) return stopWalk(walk, at, next, false);
    next = bytes[at]!;
    at += length;
  }
}

function stopWalk(
  walk: Ipv6Walk,
  offset: number,
  nextHeader: number,
  complete: boolean,
): boolean {
  walk.offset = offset;
  walk.nextHeader = nextHeader;
  return complete;
}

/** Reused by every {@linkcode decodeIpv6} call (decoding is synchronous). */
const headerWalk = createIpv6Walk();

/**
 * Decodes the IPv6 header at `offset` and its extension headers (captured
 * bytes end at `end`; the frame on the wire ends at `wireEnd`), filling
 * addresses, hop limit, ipLength, fragment flags and ipProtocol (the final
 * Next Header). Returns the transport header's offset, or -1 when there is
 * none to decode. The transport segment spans `offset + record.ipLength`.
 */
export function decodeIpv6(
  record: DecodedPacket,
  bytes: Uint8Array,
  offset: number,
  end: number,
  wireEnd: number,
  anomalies: AnomalyCounter,
): number {
  record.network = "ipv6";
  if (end - offset < IPV6_HEADER_LENGTH) {
    reportTruncated(record, anomalies, "ipv6_header_truncated");
    return -1;
  }
  // Non-null: the 40 header bytes are present (checked above).
  if (bytes[offset]! >> 4 !== 6) {
    reportAnomaly(record, anomalies, "ipv6_bad_version");
    return -1;
  }
  const nextHeader = bytes[offset + Field.NEXT_HEADER]!;
  record.ttl = bytes[offset + Field.HOP_LIMIT]!;
  record.ipProtocol = nextHeader;
  record.setIpv6Addresses(
    bytes,
    offset + Field.SRC_ADDRESS,
    offset + Field.DST_ADDRESS,
  );
  const payloadLength = readU16(bytes, offset + Field.PAYLOAD_LENGTH);
  let totalLength = IPV6_HEADER_LENGTH + payloadLength;
  if (payloadLength === 0 && nextHeader === EXTENSION.HOP_BY_HOP) {
    // A jumbogram (RFC 2675) or offloaded segment: the frame sets the length.
    totalLength = Math.max(wireEnd, end) - offset;
  }
  record.ipLength = totalLength;
  if (totalLength > end - offset) {
    reportTruncated(
      record,
      anomalies,
      totalLength > wireEnd - offset
        ? "ipv6_payload_length_exceeds_frame"
        : "ipv6_truncated",
    );
  }
  const complete = walkIpv6Extensions(
    bytes,
    offset + IPV6_HEADER_LENGTH,
    Math.min(end, offset + totalLength),
    nextHeader,
    headerWalk,
  );
  record.ipProtocol = headerWalk.nextHeader;
  record.fragment = headerWalk.fragment;
  record.fragmentId = headerWalk.fragmentId;
  record.laterFragment = headerWalk.laterFragment;
  if (!complete) {
    if (headerWalk.fragment && end - offset >= totalLength) {
      // The whole fragment is captured: its sender split the header chain
      // across fragments (RFC 8200 section 4.5 forbids it, RFC 7112).
      reportAnomaly(record, anomalies, "ipv6_header_chain_fragmented");
    } else {
      reportTruncated(record, anomalies, "ipv6_extension_header_truncated");
    }
    return -1;
  }
  return headerWalk.laterFragment ? -1 : headerWalk.offset;
}
