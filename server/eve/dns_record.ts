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
import { dnsRcodeName, dnsTypeName } from "../../capture/protocol_names.ts";
import { encodeText, type JsonBytes } from "../json_bytes.ts";
import {
  eventTypeField,
  writeCommunityId,
  writeEndpoints,
  writeRecordStart,
} from "./record_start.ts";

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
  writeRecordStart(out, packet.timestampUs, EVENT_TYPE, iface);
  writeEndpoints(
    out,
    packet.srcAddress,
    packet.srcPort,
    packet.dstAddress,
    packet.dstPort,
    packet.ipProtocol,
  );
  writeCommunityId(out, communityId);
  const response = packet.dnsResponse;
  out.raw(response ? DNS_ANSWER : DNS_QUERY);
  out.number(packet.dnsId);
  out.raw(OPCODE);
  out.number(packet.dnsOpcode);
  out.raw(RRNAME);
  out.string(packet.dnsQname);
  out.raw(RRTYPE);
  out.string(packet.dnsQtype >= 0 ? dnsTypeName(packet.dnsQtype) : "");
  if (response) {
    out.raw(RCODE);
    out.string(dnsRcodeName(packet.dnsRcode));
    out.raw(ANSWERS);
    out.number(packet.dnsAnswerCount);
  }
  out.raw(CLOSE_BOTH);
}

/** The record's own fixed pieces, encoded once. */
const EVENT_TYPE = eventTypeField("dns");
const DNS_QUERY = encodeText(',"dns":{"version":2,"type":"query","id":');
const DNS_ANSWER = encodeText(',"dns":{"version":2,"type":"answer","id":');
const OPCODE = encodeText(',"opcode":');
const RRNAME = encodeText(',"rrname":');
const RRTYPE = encodeText(',"rrtype":');
const RCODE = encodeText(',"rcode":');
const ANSWERS = encodeText(',"answers":');
const CLOSE_BOTH = encodeText("}}");
