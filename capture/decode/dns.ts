/**
 * DNS message header and first question (RFC 1035 section 4.1), read in
 * place, over UDP and over TCP (with its 2-byte length prefix); and, in a
 * response to a TXT, NULL or ANY question, the data its answers carry down
 * (./dns_answers.ts).
 *
 * @module
 */

import type { AnomalyCounter } from "../anomalies.ts";
import type { DecodedPacket } from "../decoded_packet.ts";
import type { PacketRecord } from "../packet_record.ts";
import { readU16 } from "./bytes.ts";
import { answerDataBytes, readsAnswerData } from "./dns_answers.ts";
import { MAX_NAME_LENGTH, MAX_POINTERS } from "./dns_name.ts";
import {
  type MinimalHeader,
  reportAnomaly,
  reportShortHeader,
  reportTruncated,
} from "./report.ts";

/** DNS header length, in bytes. */
export const DNS_HEADER_LENGTH = 12;

/** The DNS header, and the anomalies that name it cut short. */
const DNS_HEADER: MinimalHeader = {
  length: DNS_HEADER_LENGTH,
  badLength: "dns_too_short",
  truncated: "dns_truncated",
};

/**
 * Character code of each byte in a name: lower-cased letters, printable
 * ASCII as is, and -1 for "." "\\" and everything else, which are escaped
 * as "\\DDD" (RFC 4343 section 2.1).
 */
const NAME_CODE: Int16Array = Int16Array.from(
  { length: 256 },
  (_, byte) => {
    if (byte >= 0x41 && byte <= 0x5a) return byte + 0x20;
    if (byte > 0x20 && byte < 0x7f && byte !== 0x2e && byte !== 0x5c) {
      return byte;
    }
    return -1;
  },
);

/**
 * Appends the label `bytes[from, to)` to the name of `length` character
 * codes in `codes` (after a "." unless it is the first) as {@linkcode
 * NAME_CODE} has it, and returns the name's new length. `codes` holds 4
 * codes a byte.
 */
export function appendLabel(
  bytes: Uint8Array,
  from: number,
  to: number,
  codes: Uint16Array,
  length: number,
): number {
  if (length > 0) codes[length++] = 0x2e;
  for (let i = from; i < to; i++) {
    const byte = bytes[i]!;
    const code = NAME_CODE[byte]!;
    if (code >= 0) {
      codes[length++] = code;
    } else {
      codes[length++] = 0x5c; // "\\DDD"
      codes[length++] = 0x30 + Math.floor(byte / 100);
      codes[length++] = 0x30 + Math.floor(byte / 10) % 10;
      codes[length++] = 0x30 + byte % 10;
    }
  }
  return length;
}

/**
 * The name being read, as character codes, copied into the record at the
 * end ({@linkcode DecodedPacket.setDnsNameCodes}), which makes it a string
 * only when read: adding to a string one character at a time left about 500
 * bytes of garbage per name. At most 255 wire bytes, each at most 4
 * characters.
 */
const nameCodes = new Uint16Array(4 * MAX_NAME_LENGTH);

/** Anomalies that say a DNS header is followed by no readable question. */
const MALFORMED_QUESTION: ReadonlySet<string> = new Set([
  "dns_bad_label",
  "dns_name_overrun",
  "dns_name_loop",
  "dns_name_too_long",
  "dns_question_overrun",
]);

/** Whether a record with a DNS header has an unassigned opcode (3, 7–15; RFC 6895): another protocol's bytes on a DNS port. */
export function hasUnassignedDnsOpcode(packet: PacketRecord): boolean {
  const opcode = packet.dnsOpcode;
  return opcode === 3 || opcode >= 7;
}

/** Whether a record with a DNS header has a question that cannot be read (a cut by the snap length is not this). */
export function hasMalformedDnsQuestion(packet: PacketRecord): boolean {
  return packet.anomaly !== "" && MALFORMED_QUESTION.has(packet.anomaly);
}

/**
 * Whether a packet holds a DNS message: a header (`dnsId` ≥ 0) with an
 * assigned opcode and a readable question. Datagrams on a DNS port that
 * carry another protocol (iodine's raw mode) have a "header" too.
 */
export function isDnsMessage(packet: PacketRecord): boolean {
  return packet.dnsId >= 0 && !hasUnassignedDnsOpcode(packet) &&
    !hasMalformedDnsQuestion(packet);
}

/** True for the ports whose UDP payload is decoded as DNS: 53, mDNS 5353 (RFC 6762), LLMNR 5355 (RFC 4795). */
export function isDnsUdpPort(port: number): boolean {
  return port === 53 || port === 5353 || port === 5355;
}

/** True for the ports whose TCP payload is decoded as DNS: 53 (RFC 7766) and 5353 (mDNS over TCP, RFC 6762 section 18; as Wireshark). */
export function isDnsTcpPort(port: number): boolean {
  return port === 53 || port === 5353;
}

/** What running out of bytes inside a message means. */
const RunOut = {
  /** The capture was cut (snap length): truncation. */
  CUT: 0,
  /** The message goes on in a later TCP segment or IP fragment: not a problem. */
  SEGMENT: 1,
  /** The message itself ends early: malformed. */
  MALFORMED: 2,
} as const;
type RunOut = typeof RunOut[keyof typeof RunOut];

function reportRunOut(
  record: DecodedPacket,
  anomalies: AnomalyCounter,
  runOut: RunOut,
  malformedName: string,
): void {
  if (runOut === RunOut.CUT) {
    reportTruncated(record, anomalies, "dns_truncated");
  } else if (runOut === RunOut.MALFORMED) {
    reportAnomaly(record, anomalies, malformedName);
  }
}

/**
 * Decodes the DNS message at `bytes[offset, end)` that is `length` bytes
 * long according to the lower layers: id, QR, opcode, rcode, counts, and the
 * first question's name (lower case, no trailing dot) and type. Sets
 * `app = "dns"` when the 12-byte header is present. An empty payload is
 * not a DNS message and is ignored. `continued`: the datagram goes on in a
 * later IP fragment (this is its first), so running out of bytes after
 * `length` is no damage.
 */
export function decodeDns(
  record: DecodedPacket,
  bytes: Uint8Array,
  offset: number,
  end: number,
  length: number,
  anomalies: AnomalyCounter,
  continued = false,
): void {
  if (length <= 0) return;
  const cut = end < offset + length;
  if (end - offset < DNS_HEADER_LENGTH) {
    // A header split across fragments is left to the later one.
    if (!continued || cut) {
      reportShortHeader(record, anomalies, length, DNS_HEADER);
    }
    return;
  }
  const messageEnd = Math.min(end, offset + length);
  const runOut = cut
    ? RunOut.CUT
    : continued
    ? RunOut.SEGMENT
    : RunOut.MALFORMED;
  decodeMessage(record, bytes, offset, messageEnd, runOut, anomalies);
  // A question the fragment ends inside: its name's start is no name.
  if (runOut === RunOut.SEGMENT && record.dnsQtype < 0) record.dnsQname = "";
}

/** Decodes a message whose 12-byte header lies before `end`; `runOut` says what a shortfall after it means. */
function decodeMessage(
  record: DecodedPacket,
  bytes: Uint8Array,
  offset: number,
  end: number,
  runOut: RunOut,
  anomalies: AnomalyCounter,
): void {
  record.app = "dns";
  record.dnsId = readU16(bytes, offset);
  // Non-null: the 12 header bytes are present (the callers check).
  const flagsHigh = bytes[offset + 2]!;
  record.dnsResponse = (flagsHigh & 0x80) !== 0;
  record.dnsOpcode = (flagsHigh >> 3) & 0x0f;
  record.dnsRcode = bytes[offset + 3]! & 0x0f;
  const questions = readU16(bytes, offset + 4);
  record.dnsQuestionCount = questions;
  record.dnsAnswerCount = readU16(bytes, offset + 6);
  if (questions === 0) return;
  const after = readName(
    record,
    bytes,
    offset,
    offset + DNS_HEADER_LENGTH,
    end,
    runOut,
    anomalies,
  );
  if (after < 0) return;
  if (after + 2 > end) {
    reportRunOut(record, anomalies, runOut, "dns_question_overrun");
    return;
  }
  const qtype = readU16(bytes, after);
  record.dnsQtype = qtype;
  if (
    record.dnsResponse && questions === 1 && record.dnsAnswerCount > 0 &&
    readsAnswerData(qtype)
  ) {
    record.dnsAnswerDataBytes = answerDataBytes(
      bytes,
      after + 4,
      end,
      record.dnsAnswerCount,
    );
  }
}

/**
 * Decodes DNS over TCP: a 2-byte message length, then the message
 * ({@linkcode decodeDns}). `length` is the TCP payload length. Without
 * stream state a segment may be the middle of a message, so a segment too
 * short to hold a prefix and a header, or whose header is implausible
 * ({@linkcode isPlausibleDnsHeader}), is left alone and not counted.
 */
export function decodeDnsOverTcp(
  record: DecodedPacket,
  bytes: Uint8Array,
  offset: number,
  end: number,
  length: number,
  anomalies: AnomalyCounter,
): void {
  const message = offset + 2;
  if (length < 2 + DNS_HEADER_LENGTH || end - message < DNS_HEADER_LENGTH) {
    return;
  }
  const messageLength = readU16(bytes, offset);
  if (
    messageLength < DNS_HEADER_LENGTH || !isPlausibleDnsHeader(bytes, message)
  ) {
    return;
  }
  const segmentEnd = offset + length;
  const messageEnd = message + messageLength;
  let runOut: RunOut = RunOut.MALFORMED;
  if (end < Math.min(segmentEnd, messageEnd)) runOut = RunOut.CUT;
  else if (messageEnd > segmentEnd) runOut = RunOut.SEGMENT;
  decodeMessage(
    record,
    bytes,
    message,
    Math.min(end, messageEnd),
    runOut,
    anomalies,
  );
}

/** Opcodes in use (IANA DNS OpCodes): Query, IQuery, Status, Notify, Update, DSO. */
function isAssignedOpcode(opcode: number): boolean {
  return opcode <= 2 || (opcode >= 4 && opcode <= 6);
}

/**
 * True when the 12 bytes at `offset` can be a DNS header: an assigned
 * opcode, the reserved Z bit clear (RFC 1035 section 4.1.1) and at most one
 * question (RFC 9619). Used where a payload may not start a message.
 */
export function isPlausibleDnsHeader(
  bytes: Uint8Array,
  offset: number,
): boolean {
  // Non-null: the caller checked the 12 header bytes are present.
  return isAssignedOpcode((bytes[offset + 2]! >> 3) & 0x0f) &&
    (bytes[offset + 3]! & 0x40) === 0 && readU16(bytes, offset + 4) <= 1;
}

/**
 * Reads the name at `start` (pointers are relative to `message`) into
 * record.dnsQname and returns the offset after it in the question, or -1 on
 * a bad, looping or cut name (counted; the name read so far is kept).
 * `runOut` says what reaching `end` means.
 */
function readName(
  record: DecodedPacket,
  bytes: Uint8Array,
  message: number,
  start: number,
  end: number,
  runOut: RunOut,
  anomalies: AnomalyCounter,
): number {
  let at = start;
  let after = -1;
  let pointers = 0;
  let wireLength = 1; // the root label
  let length = 0; // of the name's text in nameCodes
  for (;;) {
    if (at >= end) {
      record.setDnsNameCodes(nameCodes, length);
      reportRunOut(record, anomalies, runOut, "dns_name_overrun");
      return -1;
    }
    // Non-null: `at` is inside the message (checked above).
    const label = bytes[at]!;
    if (label === 0) {
      record.setDnsNameCodes(nameCodes, length);
      return after >= 0 ? after : at + 1;
    }
    const kind = label & 0xc0;
    if (kind === 0xc0) {
      if (at + 1 >= end) {
        at = end; // reported as cut or overrun on the next turn
        continue;
      }
      if (after < 0) after = at + 2;
      if (++pointers > MAX_POINTERS) {
        record.setDnsNameCodes(nameCodes, length);
        reportAnomaly(record, anomalies, "dns_name_loop");
        return -1;
      }
      at = message + (((label & 0x3f) << 8) | bytes[at + 1]!);
      continue;
    }
    if (kind !== 0) {
      // 0x40 (extended label, RFC 6891) and 0x80 are not used in names.
      record.setDnsNameCodes(nameCodes, length);
      reportAnomaly(record, anomalies, "dns_bad_label");
      return -1;
    }
    wireLength += label + 1;
    if (wireLength > MAX_NAME_LENGTH) {
      record.setDnsNameCodes(nameCodes, length);
      // Only pointers can make a name repeat itself past the limit.
      reportAnomaly(
        record,
        anomalies,
        pointers > 0 ? "dns_name_loop" : "dns_name_too_long",
      );
      return -1;
    }
    const labelEnd = at + 1 + label;
    if (labelEnd > end) {
      at = end;
      continue;
    }
    length = appendLabel(bytes, at + 1, labelEnd, nameCodes, length);
    at = labelEnd;
  }
}
