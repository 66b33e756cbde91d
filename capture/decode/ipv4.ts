/**
 * IPv4 header (RFC 791 section 3.1), read in place.
 *
 * @module
 */

import type { AnomalyCounter } from "../anomalies.ts";
import type { DecodedPacket } from "../decoded_packet.ts";
import type { PacketRecord } from "../packet_record.ts";
import { ipv4AddressKey } from "./address_key.ts";
import { readU16 } from "./bytes.ts";
import { reportAnomaly, reportTruncated } from "./report.ts";

/** Byte offsets of IPv4 header fields (RFC 791 section 3.1). */
const Field = {
  VERSION_IHL: 0,
  TOTAL_LENGTH: 2,
  IDENTIFICATION: 4,
  FLAGS_FRAGMENT: 6,
  TTL: 8,
  PROTOCOL: 9,
  SRC_ADDRESS: 12,
  DST_ADDRESS: 16,
} as const;

/** Smallest IPv4 header, in bytes (IHL 5). */
export const IPV4_MIN_HEADER_LENGTH = 20;

const MORE_FRAGMENTS = 0x2000;
const FRAGMENT_OFFSET_MASK = 0x1fff;

/**
 * Decodes the IPv4 header at `offset` (captured bytes end at `end`; the frame
 * on the wire ends at `wireEnd`), filling addresses, protocol, TTL, ipLength
 * and fragment flags. Returns the transport header's offset, or -1 when
 * there is none to decode (a later fragment, or a bad or cut header).
 * The transport segment spans `offset + record.ipLength` on the wire.
 */
export function decodeIpv4(
  record: DecodedPacket,
  bytes: Uint8Array,
  offset: number,
  end: number,
  wireEnd: number,
  anomalies: AnomalyCounter,
): number {
  record.network = "ipv4";
  if (end - offset < IPV4_MIN_HEADER_LENGTH) {
    reportTruncated(record, anomalies, "ipv4_header_truncated");
    return -1;
  }
  // Non-null: 20 header bytes are present (checked above).
  const versionIhl = bytes[offset + Field.VERSION_IHL]!;
  if (versionIhl >> 4 !== 4) {
    reportAnomaly(record, anomalies, "ipv4_bad_version");
    return -1;
  }
  record.ttl = bytes[offset + Field.TTL]!;
  record.ipProtocol = bytes[offset + Field.PROTOCOL]!;
  record.setIpv4Addresses(
    ipv4AddressKey(bytes, offset + Field.SRC_ADDRESS),
    ipv4AddressKey(bytes, offset + Field.DST_ADDRESS),
  );
  const headerLength = (versionIhl & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER_LENGTH) {
    reportAnomaly(record, anomalies, "ipv4_bad_header_length");
    return -1;
  }
  let totalLength = readU16(bytes, offset + Field.TOTAL_LENGTH);
  if (totalLength === 0) {
    // TCP segmentation offload: the NIC fills the length in after capture.
    totalLength = Math.max(wireEnd, end) - offset;
  }
  if (totalLength < headerLength) {
    reportAnomaly(record, anomalies, "ipv4_bad_total_length");
    return -1;
  }
  record.ipLength = totalLength;
  if (headerLength > end - offset) {
    reportTruncated(record, anomalies, "ipv4_header_truncated");
    return -1;
  }
  if (totalLength > end - offset) {
    reportTruncated(
      record,
      anomalies,
      totalLength > wireEnd - offset
        ? "ipv4_total_length_exceeds_frame"
        : "ipv4_truncated",
    );
  }
  const flagsFragment = readU16(bytes, offset + Field.FLAGS_FRAGMENT);
  if ((flagsFragment & (MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) !== 0) {
    record.fragment = true;
    record.fragmentId = readU16(bytes, offset + Field.IDENTIFICATION);
    if ((flagsFragment & FRAGMENT_OFFSET_MASK) !== 0) {
      // The transport header travels in the first fragment only.
      record.laterFragment = true;
      return -1;
    }
  }
  return skipAuthenticationHeaders(
    record,
    bytes,
    offset + headerLength,
    Math.min(end, offset + totalLength),
    anomalies,
  );
}

/** IP protocol number of the IPsec Authentication Header (RFC 4302). */
const AUTHENTICATION_HEADER = 51;

/**
 * Skips IPsec Authentication Headers at `offset` (RFC 4302 section 2: next
 * header, payload length in 32-bit words minus 2), so ipProtocol names the
 * protocol they protect. Returns the offset after them, or -1 when one is
 * cut. Each is at least 8 bytes long, so the loop ends.
 */
function skipAuthenticationHeaders(
  record: PacketRecord,
  bytes: Uint8Array,
  offset: number,
  end: number,
  anomalies: AnomalyCounter,
): number {
  let at = offset;
  while (record.ipProtocol === AUTHENTICATION_HEADER) {
    if (end - at < 2) {
      reportTruncated(record, anomalies, "ipv4_ah_truncated");
      return -1;
    }
    // Non-null: two bytes are present (checked above).
    const length = (bytes[at + 1]! + 2) * 4;
    if (end - at < length) {
      reportTruncated(record, anomalies, "ipv4_ah_truncated");
      return -1;
    }
    record.ipProtocol = bytes[at]!;
    at += length;
  }
  return at;
}
