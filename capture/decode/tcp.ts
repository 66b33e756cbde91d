/**
 * TCP header (RFC 9293 section 3.1), read in place.
 *
 * @module
 */

import type { AnomalyCounter } from "../anomalies.ts";
import type { PacketRecord } from "../packet_record.ts";
import { readU16, readU32 } from "./bytes.ts";
import { readPorts } from "./ports.ts";
import {
  type MinimalHeader,
  reportAnomaly,
  reportShortHeader,
  reportTruncated,
} from "./report.ts";

/** Smallest TCP header (data offset 5), in bytes. */
export const TCP_MIN_HEADER_LENGTH = 20;

/** The smallest TCP header, and the anomalies that name it cut short. */
const TCP_HEADER: MinimalHeader = {
  length: TCP_MIN_HEADER_LENGTH,
  badLength: "tcp_bad_length",
  truncated: "tcp_header_truncated",
};

/**
 * Anomaly of a first IP fragment too short for the TCP header, whose other
 * bytes travel in a later fragment: the tiny-fragment evasion (RFC 1858;
 * hping3 -f, nmap --mtu 16), which no stack sends on its own. The fragment
 * holds the flags; {@linkcode TCP_FLAGS_FRAGMENTED} names one that does not.
 */
export const TCP_HEADER_FRAGMENTED = "tcp_header_fragmented";

/** Anomaly of a first IP fragment that ends before the TCP flags (nmap -f: 8 bytes): as {@linkcode TCP_HEADER_FRAGMENTED}, the flags unknown. */
export const TCP_FLAGS_FRAGMENTED = "tcp_flags_fragmented";

/** Whether `packet` is the first IP fragment of a segment whose TCP header it does not hold whole (either anomaly above). */
export function isTcpHeaderFragmented(packet: PacketRecord): boolean {
  return packet.fragment &&
    (packet.anomaly === TCP_HEADER_FRAGMENTED ||
      packet.anomaly === TCP_FLAGS_FRAGMENTED);
}

/** Offsets of the flags byte and the window in a TCP header. */
const FLAGS_OFFSET = 13;
const WINDOW_OFFSET = 14;

/**
 * Decodes the TCP header at `offset` of a segment that is `length` bytes
 * long according to the IP header (captured bytes end at `end`): ports,
 * flags, sequence and acknowledgement numbers, window, and payloadLength
 * (`length` minus the header, so not limited by the snap length). Returns
 * the payload's offset, or -1 when the header is bad or cut.
 */
export function decodeTcp(
  record: PacketRecord,
  bytes: Uint8Array,
  offset: number,
  end: number,
  length: number,
  anomalies: AnomalyCounter,
): number {
  record.transport = "tcp";
  readPorts(record, bytes, offset, end);
  if (end - offset < TCP_MIN_HEADER_LENGTH) {
    if (record.fragment && length < TCP_MIN_HEADER_LENGTH) {
      // A first fragment with part of the header: what it holds of the
      // flags and window (16 bytes do, 8 do not).
      if (length <= FLAGS_OFFSET) {
        reportAnomaly(record, anomalies, TCP_FLAGS_FRAGMENTED);
        return -1;
      }
      if (end - offset > FLAGS_OFFSET) {
        // Non-null: the flags byte is captured (checked above).
        record.tcpFlags = bytes[offset + FLAGS_OFFSET]!;
      }
      if (end - offset >= WINDOW_OFFSET + 2) {
        record.tcpWindow = readU16(bytes, offset + WINDOW_OFFSET);
      }
      reportAnomaly(record, anomalies, TCP_HEADER_FRAGMENTED);
      return -1;
    }
    reportShortHeader(record, anomalies, length, TCP_HEADER);
    return -1;
  }
  record.tcpSeq = readU32(bytes, offset + 4);
  record.tcpAck = readU32(bytes, offset + 8);
  // Non-null: the 20 header bytes are present (checked above).
  const headerLength = (bytes[offset + 12]! >> 4) * 4;
  record.tcpFlags = bytes[offset + FLAGS_OFFSET]!;
  record.tcpWindow = readU16(bytes, offset + WINDOW_OFFSET);
  if (headerLength < TCP_MIN_HEADER_LENGTH || headerLength > length) {
    reportAnomaly(
      record,
      anomalies,
      // A first fragment that ends inside the options: the header split.
      record.fragment && headerLength > length
        ? TCP_HEADER_FRAGMENTED
        : "tcp_bad_header_length",
    );
    return -1;
  }
  record.payloadLength = length - headerLength;
  if (headerLength > end - offset) {
    reportTruncated(record, anomalies, "tcp_header_truncated");
    return -1;
  }
  return offset + headerLength;
}
