/**
 * UDP header (RFC 768), read in place.
 *
 * @module
 */

import type { AnomalyCounter } from "../anomalies.ts";
import type { PacketRecord } from "../packet_record.ts";
import { readU16 } from "./bytes.ts";
import { readPorts } from "./ports.ts";
import {
  type MinimalHeader,
  reportAnomaly,
  reportShortHeader,
} from "./report.ts";

/** UDP header length, in bytes. */
export const UDP_HEADER_LENGTH = 8;

/** The UDP header, and the anomalies that name it cut short. */
const UDP_HEADER: MinimalHeader = {
  length: UDP_HEADER_LENGTH,
  badLength: "udp_bad_length",
  truncated: "udp_header_truncated",
};

/**
 * Decodes the UDP header at `offset` of a datagram that is `length` bytes
 * long according to the IP header (captured bytes end at `end`): ports and
 * payloadLength from the UDP length field (from `length` when that field is
 * zero or out of range, which is counted, or in a first IP fragment, which
 * carries only its share). Returns the payload's offset, or -1 when the
 * header is cut.
 */
export function decodeUdp(
  record: PacketRecord,
  bytes: Uint8Array,
  offset: number,
  end: number,
  length: number,
  anomalies: AnomalyCounter,
): number {
  record.transport = "udp";
  readPorts(record, bytes, offset, end);
  if (end - offset < UDP_HEADER_LENGTH) {
    reportShortHeader(record, anomalies, length, UDP_HEADER);
    return -1;
  }
  const udpLength = readU16(bytes, offset + 4);
  if (udpLength < UDP_HEADER_LENGTH) {
    // Zero is legal only in an IPv6 jumbogram (RFC 2675 section 4).
    if (udpLength !== 0 || length <= 0xffff) {
      reportAnomaly(record, anomalies, "udp_bad_length");
    }
    record.payloadLength = Math.max(0, length - UDP_HEADER_LENGTH);
  } else if (udpLength > length) {
    // A first fragment carries only its share of a longer datagram.
    if (!record.fragment) {
      reportAnomaly(record, anomalies, "udp_length_exceeds_ip");
    }
    record.payloadLength = Math.max(0, length - UDP_HEADER_LENGTH);
  } else {
    record.payloadLength = udpLength - UDP_HEADER_LENGTH;
  }
  return offset + UDP_HEADER_LENGTH;
}

/** The payload length the header of the UDP datagram at `offset` gives (its length field less 8, at least 0): in a first IP fragment, the whole datagram's, which {@linkcode decodeUdp} leaves out of payloadLength. The caller has checked that the header is captured. */
export function udpDatagramPayloadLength(
  bytes: Uint8Array,
  offset: number,
): number {
  return Math.max(0, readU16(bytes, offset + 4) - UDP_HEADER_LENGTH);
}
