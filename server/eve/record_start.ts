/**
 * What every EVE flow and DNS record starts with, written as bytes: the
 * timestamp, the event type and the interface, then the endpoints and the
 * protocol.
 *
 * @module
 */

import { writeEveTimestamp } from "./eve_time.ts";
import { encodeText, type JsonBytes } from "../json_bytes.ts";

/** The `community_id` key with the comma before it. */
const COMMUNITY_ID = encodeText(',"community_id":');

/** Keys of the endpoint fields, each with the punctuation before it. */
const SRC_IP = encodeText('"src_ip":');
const SRC_PORT = encodeText(',"src_port":');
const DEST_IP = encodeText(',"dest_ip":');
const DEST_PORT = encodeText(',"dest_port":');
const PROTO = encodeText(',"proto":');

/** The record's opening, and the interface's key. */
const TIMESTAMP = encodeText('{"timestamp":"');
const IN_IFACE = encodeText('"in_iface":');
const COMMA = 0x2c;

/** `event_type` and its value, with the punctuation around them, for {@linkcode writeRecordStart}. */
export function eventTypeField(eventType: string): Uint8Array {
  return encodeText(`","event_type":${JSON.stringify(eventType)},`);
}

/**
 * Writes `{"timestamp":"…","event_type":"…",` and, when `iface` is not "",
 * `"in_iface":"…",`: what comes before `src_ip`. `eventType` is from
 * {@linkcode eventTypeField}.
 */
export function writeRecordStart(
  out: JsonBytes,
  timestampUs: number,
  eventType: Uint8Array,
  iface: string,
): void {
  out.raw(TIMESTAMP);
  writeEveTimestamp(out, timestampUs);
  out.raw(eventType);
  if (iface !== "") {
    out.raw(IN_IFACE);
    out.string(iface);
    out.byte(COMMA);
  }
}

/**
 * Writes `"src_ip":…,"src_port":…,"dest_ip":…,"dest_port":…,"proto":…`
 * (a port below 0, as ICMP has, is left out) after {@linkcode writeRecordStart}.
 */
export function writeEndpoints(
  out: JsonBytes,
  src: string,
  srcPort: number,
  dst: string,
  dstPort: number,
  protocol: number,
): void {
  out.raw(SRC_IP);
  out.string(src);
  if (srcPort >= 0) {
    out.raw(SRC_PORT);
    out.number(srcPort);
  }
  out.raw(DEST_IP);
  out.string(dst);
  if (dstPort >= 0) {
    out.raw(DEST_PORT);
    out.number(dstPort);
  }
  out.raw(PROTO);
  out.raw(protoJson(protocol));
}

/** Writes `,"community_id":"…"`, or nothing when `communityId` is "". */
export function writeCommunityId(out: JsonBytes, communityId: string): void {
  if (communityId === "") return;
  out.raw(COMMUNITY_ID);
  out.string(communityId);
}

/** EVE's protocol names. */
export function protoName(protocol: number): string {
  switch (protocol) {
    case 6:
      return "TCP";
    case 17:
      return "UDP";
    case 1:
      return "ICMP";
    case 58:
      return "IPv6-ICMP";
    case 132:
      return "SCTP";
    default:
      return String(protocol);
  }
}

/** JSON text of each protocol's EVE name, made once per protocol number. */
const PROTO_JSON: Uint8Array[] = [];

/** {@linkcode protoName} of `protocol` as a JSON string's bytes. */
function protoJson(protocol: number): Uint8Array {
  return PROTO_JSON[protocol] ??= encodeText(
    JSON.stringify(protoName(protocol)),
  );
}
