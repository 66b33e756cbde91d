import assert from "node:assert/strict";
import { AnomalyCounter } from "../../capture/anomalies.ts";
import { decodePacket } from "../../capture/decode/mod.ts";
import { rawRecord } from "../../capture/decode/test_helpers.ts";
import { dnsMessage, udpFrame } from "../../capture/frame_builder.ts";
import type { PacketRecord } from "../../capture/packet_record.ts";
import { dnsRcodeName, dnsTypeName } from "../../capture/protocol_names.ts";
import { writeDnsRecord } from "./dns_record.ts";
import { JsonBytes } from "../json_bytes.ts";
import { eveTimestamp } from "./eve_time.ts";
import { protoName } from "./record_start.ts";

/** The record as an object, field by field, for `JSON.stringify` to serialise: the reference the line must equal. */
function referenceRecord(
  packet: PacketRecord,
  iface: string,
  communityId: string,
): Record<string, unknown> {
  return {
    timestamp: eveTimestamp(packet.timestampUs),
    "event_type": "dns",
    ...(iface ? { "in_iface": iface } : {}),
    "src_ip": packet.srcAddress,
    "src_port": packet.srcPort,
    "dest_ip": packet.dstAddress,
    "dest_port": packet.dstPort,
    proto: protoName(packet.ipProtocol),
    ...(communityId ? { "community_id": communityId } : {}),
    dns: {
      version: 2,
      type: packet.dnsResponse ? "answer" : "query",
      id: packet.dnsId,
      opcode: packet.dnsOpcode,
      rrname: packet.dnsQname,
      rrtype: packet.dnsQtype >= 0 ? dnsTypeName(packet.dnsQtype) : "",
      ...(packet.dnsResponse
        ? {
          rcode: dnsRcodeName(packet.dnsRcode),
          answers: packet.dnsAnswerCount,
        }
        : {}),
    },
  };
}

const V4 = {
  srcMac: "02:00:00:00:00:01",
  dstMac: "02:00:00:00:00:02",
  src: "10.0.0.1",
  dst: "10.0.0.53",
};
const V6 = { ...V4, src: "2001:db8::1", dst: "2001:db8::53" };

function dnsPacket(
  ends: typeof V4,
  message: Parameters<typeof dnsMessage>[0],
): PacketRecord {
  const ports = message.response
    ? { srcPort: 53, dstPort: 40000 }
    : { srcPort: 40000, dstPort: 53 };
  const flow = message.response
    ? { ...ends, src: ends.dst, dst: ends.src }
    : ends;
  const packet = decodePacket(
    rawRecord(udpFrame(flow, ports, dnsMessage(message)), {
      timestampUs: 1_700_000_000_000_042,
    }),
    new AnomalyCounter(),
  );
  assert.ok(packet.dnsId >= 0);
  return packet;
}

Deno.test("writeDnsRecord() writes JSON.stringify of the record, for queries and answers of every shape", () => {
  const packets = [
    dnsPacket(V4, { id: 1, name: "example.com", qtype: 1 }),
    dnsPacket(V4, {
      id: 2,
      name: "example.com",
      qtype: 1,
      response: true,
      answers: ["192.0.2.1", "192.0.2.2"],
    }),
    dnsPacket(V4, {
      id: 3,
      name: "missing.example",
      qtype: 28,
      response: true,
      rcode: 3,
    }),
    dnsPacket(V6, { id: 65535, name: "www.example.org", qtype: 65 }),
    // A type with no name, and a label that needs escaping twice: the
    // decoder's "\\DDD" for the quote and the backslash, then JSON's.
    dnsPacket(V4, { id: 4, name: 'odd"label\\x.example', qtype: 65280 }),
    dnsPacket(V4, { id: 5, name: "", qtype: 16 }),
  ];
  for (const packet of packets) {
    for (const iface of ["", "eth0", 'we"ird\\nic']) {
      for (const id of ["", "1:LQU9qZlK+B5F3KDmev6m5PMibrg="]) {
        const out = new JsonBytes();
        writeDnsRecord(out, packet, iface, id);
        const line = out.text();
        assert.equal(
          line,
          JSON.stringify(referenceRecord(packet, iface, id)),
          `${packet.dnsQname} ${iface} ${id}`,
        );
        JSON.parse(line);
      }
    }
  }
});
