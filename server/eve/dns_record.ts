/**
 * EVE `dns` records, written as JSON text directly instead of through an
 * object and `JSON.stringify`: DNS traffic makes a record of every query and
 * every answer, so building and serialising an object per packet was a
 * quarter of EVE's time on DNS-only traffic. The line is exactly what
 * `JSON.stringify` gives for the record (dns_record_test.ts checks).
 *
 * @module
 */

import type { PacketRecord } from "../../capture/packet_record.ts";
import { rcodeName, rrtypeName } from "./dns_names.ts";
import { eveTimestamp } from "./eve_time.ts";
import { protoName } from "./flow_record.ts";

/**
 * The DNS record's JSON line for a packet carrying a DNS message.
 * `ifaceJson` is the interface name as a JSON string ("" to leave
 * `in_iface` out); `communityId` "" leaves it out.
 */
export function dnsRecordLine(
  packet: PacketRecord,
  ifaceJson: string,
  communityId: string,
): string {
  let line = `{"timestamp":"${
    eveTimestamp(packet.timestampUs)
  }","event_type":"dns",`;
  if (ifaceJson !== "") line += `"in_iface":${ifaceJson},`;
  line += `"src_ip":${
    JSON.stringify(packet.srcAddress)
  },"src_port":${packet.srcPort},"dest_ip":${
    JSON.stringify(packet.dstAddress)
  },"dest_port":${packet.dstPort},"proto":${
    JSON.stringify(protoName(packet.ipProtocol))
  },`;
  if (communityId !== "") line += `"community_id":"${communityId}",`;
  const response = packet.dnsResponse;
  line += `"dns":{"version":2,"type":"${
    response ? "answer" : "query"
  }","id":${packet.dnsId},"opcode":${packet.dnsOpcode},"rrname":${
    JSON.stringify(packet.dnsQname)
  },"rrtype":${
    JSON.stringify(packet.dnsQtype >= 0 ? rrtypeName(packet.dnsQtype) : "")
  }`;
  if (response) {
    line += `,"rcode":${
      JSON.stringify(rcodeName(packet.dnsRcode))
    },"answers":${packet.dnsAnswerCount}`;
  }
  return `${line}}}`;
}
