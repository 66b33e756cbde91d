/**
 * SCTP common header (RFC 9260 section 3.1) and the type of its first
 * chunk, read in place. A scan's probes are told by that type: nmap -sY
 * sends an INIT, -sZ a COOKIE ECHO; the probed port answers an INIT with an
 * INIT ACK (open) or an ABORT (closed).
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

/** SCTP common header length (ports, verification tag, checksum), bytes. */
export const SCTP_HEADER_LENGTH = 12;

/** A chunk header's length (type, flags, length), bytes. */
const CHUNK_HEADER_LENGTH = 4;

/** Chunk types (RFC 9260 section 3.2) that scans and their answers use. */
export const SCTP_CHUNK = {
  DATA: 0,
  INIT: 1,
  INIT_ACK: 2,
  ABORT: 6,
  COOKIE_ECHO: 10,
  COOKIE_ACK: 11,
} as const;

/** Names of the chunk types of RFC 9260 section 3.2, by type, as tcpdump and Wireshark print them. */
const CHUNK_NAMES: Readonly<Record<number, string>> = {
  0: "DATA",
  1: "INIT",
  2: "INIT ACK",
  3: "SACK",
  4: "HEARTBEAT",
  5: "HEARTBEAT ACK",
  6: "ABORT",
  7: "SHUTDOWN",
  8: "SHUTDOWN ACK",
  9: "ERROR",
  10: "COOKIE ECHO",
  11: "COOKIE ACK",
  14: "SHUTDOWN COMPLETE",
};

/** The name of chunk type `type` ("INIT", "ABORT", …; "chunk 192" for one without a name here). */
export function sctpChunkName(type: number): string {
  return CHUNK_NAMES[type] ?? `chunk ${type}`;
}

/** Anomaly of a first IP fragment that ends before its first chunk's header (a scan's INIT cut into 8-byte fragments): its kind is unknown. */
export const SCTP_CHUNK_FRAGMENTED = "sctp_chunk_fragmented";

/** Whether `packet` is the first IP fragment of an SCTP packet that does not hold its first chunk's header ({@linkcode SCTP_CHUNK_FRAGMENTED}). */
export function isSctpChunkFragmented(packet: PacketRecord): boolean {
  return packet.fragment && packet.anomaly === SCTP_CHUNK_FRAGMENTED;
}

/** The SCTP common header, and the anomalies that name it cut short. */
const SCTP_HEADER: MinimalHeader = {
  length: SCTP_HEADER_LENGTH,
  badLength: "sctp_bad_length",
  truncated: "sctp_header_truncated",
};

/**
 * Decodes the SCTP packet at `offset` that is `length` bytes long according
 * to the IP header (captured bytes end at `end`): ports, payloadLength (the
 * chunks' bytes) and `sctpChunkType`, the first chunk's type when its header
 * is captured and the packet holds one (-1 otherwise). A packet too short
 * for its header, or for the first chunk's, is counted as an anomaly; a
 * first IP fragment too short for them as {@linkcode SCTP_CHUNK_FRAGMENTED}.
 * Returns the first chunk's offset, or -1 when the common header is cut.
 * Never throws.
 */
export function decodeSctp(
  record: PacketRecord,
  bytes: Uint8Array,
  offset: number,
  end: number,
  length: number,
  anomalies: AnomalyCounter,
): number {
  record.transport = "sctp";
  readPorts(record, bytes, offset, end);
  if (record.fragment && length < SCTP_HEADER_LENGTH + CHUNK_HEADER_LENGTH) {
    reportAnomaly(record, anomalies, SCTP_CHUNK_FRAGMENTED);
    return -1;
  }
  if (end - offset < SCTP_HEADER_LENGTH) {
    reportShortHeader(record, anomalies, length, SCTP_HEADER);
    return -1;
  }
  const chunks = offset + SCTP_HEADER_LENGTH;
  record.payloadLength = Math.max(0, length - SCTP_HEADER_LENGTH);
  if (record.payloadLength < CHUNK_HEADER_LENGTH) {
    reportAnomaly(record, anomalies, "sctp_no_chunk");
    return chunks;
  }
  if (end - chunks >= CHUNK_HEADER_LENGTH) {
    record.sctpChunkType = bytes[chunks]!;
    if (readU16(bytes, chunks + 2) < CHUNK_HEADER_LENGTH) {
      reportAnomaly(record, anomalies, "sctp_bad_chunk_length");
    }
  }
  return chunks;
}
