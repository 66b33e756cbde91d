/**
 * EVE `dns` records, written as JSON text directly instead of through an
 * object and `JSON.stringify`: DNS traffic makes a record of every query and
 * every answer, so building and serialising an object per packet was a
 * quarter of EVE's time on DNS-only traffic; it is written as bytes
 * (server/json_bytes.ts), so no string of it is made either. The line is exactly
 * what `JSON.stringify` gives for the record (dns_record_test.ts checks).
 *
 * @module
 */

import type { PacketRecord } from "../../capture/packet_record.ts";
import { rcodeName, rrtypeName } from "./dns_names.ts";
import { writeEveTimestamp } from "./eve_time.ts";
import { encodeText, type JsonBytes } from "../json_bytes.ts";
import { protoName } from "./flow_record.ts";

/**
 * Writes the DNS record's JSON line (without its newline) into `out`, for a
 * packet carrying a DNS message. `iface` is the interface name ("" to leave
 * `in_iface` out); `communityId` "" leaves it out.
 */
export function writeDnsRecord(
  out: JsonBytes,
  packet: PacketRecord,
  iface: string,
  communityId: string,
): void {
  out.raw(TIMESTAMP);
  writeEveTimestamp(out, packet.timestampUs);
  out.raw(EVENT_TYPE);
  if (iface !== "") {
    out.raw(IN_IFACE);
    out.string(iface);
    out.byte(COMMA);
  }
  out.raw(SRC_IP);
  out.string(packet.srcAddress);
  out.raw(SRC_PORT);
  out.number(packet.srcPort);
  out.raw(DEST_IP);
  out.string(packet.dstAddress);
  out.raw(DEST_PORT);
  out.number(packet.dstPort);
  out.raw(PROTO);
  out.string(protoName(packet.ipProtocol));
  out.byte(COMMA);
  if (communityId !== "") {
    out.raw(COMMUNITY_ID);
    out.string(communityId);
    out.byte(COMMA);
  }
  const response = packet.dnsResponse;
  out.raw(response ? DNS_ANSWER : DNS_QUERY);
  out.number(packet.dnsId);
  out.raw(OPCODE);
  out.number(packet.dnsOpcode);
  out.raw(RRNAME);
  out.string(packet.dnsQname);
  out.raw(RRTYPE);
  out.string(packet.dnsQtype >= 0 ? rrtypeName(packet.dnsQtype) : "");
  if (response) {
    out.raw(RCODE);
    out.string(rcodeName(packet.dnsRcode));
    out.raw(ANSWERS);
    out.number(packet.dnsAnswerCount);
  }
  out.raw(CLOSE_BOTH);
}

/** The record's fixed pieces, encoded once. */
const TIMESTAMP = encodeText('{"timestamp":"');
const EVENT_TYPE = encodeText('","event_type":"dns",');
const IN_IFACE = encodeText('"in_iface":');
const SRC_IP = encodeText('"src_ip":');
const SRC_PORT = encodeText(',"src_port":');
const DEST_IP = encodeText(',"dest_ip":');
const DEST_PORT = encodeText(',"dest_port":');
const PROTO = encodeText(',"proto":');
const COMMUNITY_ID = encodeText('"community_id":');
const DNS_QUERY = encodeText('"dns":{"version":2,"type":"query","id":');
const DNS_ANSWER = encodeText('"dns":{"version":2,"type":"answer","id":');
const OPCODE = encodeText(',"opcode":');
const RRNAME = encodeText(',"rrname":');
const RRTYPE = encodeText(',"rrtype":');
const RCODE = encodeText(',"rcode":');
const ANSWERS = encodeText(',"answers":');
const CLOSE_BOTH = encodeText("}}");
const COMMA = 0x2c;
