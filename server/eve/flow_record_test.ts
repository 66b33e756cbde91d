import assert from "node:assert/strict";
import { TCP_FLAGS } from "../../capture/packet_record.ts";
import { eveTimestamp } from "./eve_time.ts";
import {
  blankFlow,
  type EveFlow,
  type FlowEndReason,
  flowState,
  writeFlowRecord,
} from "./flow_record.ts";
import { protoName } from "./record_start.ts";
import { JsonBytes } from "../json_bytes.ts";

/** The record as an object, field by field, for `JSON.stringify` to serialise: the reference the line must equal. */
function referenceRecord(
  flow: EveFlow,
  reason: FlowEndReason,
  iface: string,
  communityId: string,
): Record<string, unknown> {
  const icmp = flow.transport === "icmp" || flow.transport === "icmpv6";
  const tcp = flow.transport === "tcp";
  const state = flowState(flow);
  return {
    timestamp: eveTimestamp(flow.lastUs),
    "event_type": "flow",
    ...(iface ? { "in_iface": iface } : {}),
    "src_ip": flow.clientAddress,
    ...(flow.clientPort >= 0 ? { "src_port": flow.clientPort } : {}),
    "dest_ip": flow.serverAddress,
    ...(flow.serverPort >= 0 ? { "dest_port": flow.serverPort } : {}),
    proto: protoName(flow.protocol),
    ...(icmp
      ? { "icmp_type": flow.firstIcmpType, "icmp_code": flow.firstIcmpCode }
      : {}),
    ...(communityId ? { "community_id": communityId } : {}),
    flow: {
      "pkts_toserver": flow.pktsToServer,
      "pkts_toclient": flow.pktsToClient,
      "bytes_toserver": flow.bytesToServer,
      "bytes_toclient": flow.bytesToClient,
      start: eveTimestamp(flow.startUs),
      end: eveTimestamp(flow.lastUs),
      age: Math.round((flow.lastUs - flow.startUs) / 1e6),
      state,
      reason,
      alerted: flow.alerted,
    },
    ...(tcp
      ? {
        tcp: {
          "tcp_flags": flow.tcpFlags.toString(16).padStart(2, "0"),
          syn: (flow.tcpFlags & TCP_FLAGS.SYN) !== 0,
          fin: (flow.tcpFlags & TCP_FLAGS.FIN) !== 0,
          rst: (flow.tcpFlags & TCP_FLAGS.RST) !== 0,
          psh: (flow.tcpFlags & TCP_FLAGS.PSH) !== 0,
          ack: (flow.tcpFlags & TCP_FLAGS.ACK) !== 0,
          state,
        },
      }
      : {}),
  };
}

/** A TCP flow with traffic both ways; address keys that are not IPv4 keys, so the texts are used as they are. */
function flowOf(fields: Partial<EveFlow>): EveFlow {
  return {
    ...blankFlow(),
    clientAddress: "10.0.0.1",
    serverAddress: "192.0.2.10",
    clientPort: 40_000,
    serverPort: 443,
    protocol: 6,
    transport: "tcp",
    startUs: 1_700_000_000_123_456,
    lastUs: 1_700_000_061_999_999,
    pktsToServer: 12,
    pktsToClient: 10,
    bytesToServer: 1_500,
    bytesToClient: 90_000,
    tcpFlags: TCP_FLAGS.SYN | TCP_FLAGS.ACK | TCP_FLAGS.PSH,
    synAck: true,
    ...fields,
  };
}

Deno.test("writeFlowRecord() writes exactly JSON.stringify of the record", () => {
  const flows: EveFlow[] = [
    flowOf({}),
    flowOf({ tcpFlags: TCP_FLAGS.SYN, synAck: false, pktsToClient: 0 }),
    flowOf({ tcpFlags: 0x3f, finSeen: 3, alerted: true }),
    flowOf({ tcpFlags: TCP_FLAGS.RST | TCP_FLAGS.ACK }),
    flowOf({ protocol: 17, transport: "udp", serverPort: 53, tcpFlags: 0 }),
    flowOf({
      protocol: 1,
      transport: "icmp",
      clientPort: -1,
      serverPort: -1,
      firstIcmpType: 8,
      firstIcmpCode: 0,
      tcpFlags: 0,
    }),
    flowOf({
      clientAddress: "fd00:77::1",
      serverAddress: "fd00:77::2",
      protocol: 58,
      transport: "icmpv6",
      clientPort: -1,
      serverPort: -1,
      firstIcmpType: 128,
      firstIcmpCode: 0,
      tcpFlags: 0,
      pktsToClient: 0,
    }),
    flowOf({
      protocol: 47,
      transport: "other",
      clientPort: -1,
      serverPort: -1,
    }),
    flowOf({ startUs: 1_700_000_000_000_000, lastUs: 1_700_000_000_000_000 }),
  ];
  const reasons: FlowEndReason[] = ["timeout", "forced", "shutdown"];
  for (const flow of flows) {
    for (const reason of reasons) {
      for (const iface of ["", "eth0", 'we"ird\\name']) {
        for (const id of ["", "1:LQU9qZlK+B5F3KDmev6m5PMibrg="]) {
          const expected = JSON.stringify(
            referenceRecord(flow, reason, iface, id),
          );
          // After other text, as in a writer's buffer.
          const out = new JsonBytes();
          out.ascii("x\n");
          writeFlowRecord(out, flow, reason, iface, id);
          assert.equal(out.text(), `x\n${expected}`);
        }
      }
    }
  }
});

Deno.test("flowState() names TCP flows by their flags and others by replies", () => {
  assert.equal(flowState(flowOf({ synAck: false })), "new");
  assert.equal(flowState(flowOf({})), "established");
  assert.equal(flowState(flowOf({ finSeen: 3 })), "closed");
  assert.equal(flowState(flowOf({ finSeen: 1 })), "established");
  assert.equal(flowState(flowOf({ tcpFlags: TCP_FLAGS.RST })), "closed");
  const udp = { protocol: 17, transport: "udp", tcpFlags: 0 };
  assert.equal(flowState(flowOf({ ...udp, pktsToClient: 0 })), "new");
  assert.equal(flowState(flowOf({ ...udp })), "established");
});
