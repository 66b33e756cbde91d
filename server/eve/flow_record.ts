/**
 * EVE flow records: one flow's counters, and the JSON line Suricata-style
 * consumers read for it. The line is written directly, not through an
 * object and `JSON.stringify`: under a spoofed flood every packet is a new
 * flow and a record, and building and serialising the nested object was
 * the largest cost of EVE logging. Its text is exactly what
 * `JSON.stringify` gives for the record (flow_record_test.ts checks).
 *
 * @module
 */

import { TCP_FLAGS } from "../../capture/packet_record.ts";
import { addressTextOf } from "../../capture/decoded_packet.ts";
import { eveTimestamp } from "./eve_time.ts";

/** One flow's key, endpoints and counters. */
export interface EveFlow {
  /** Its key in the flow table: the two endpoint keys (address key × 65 536 + port, 0 for ICMP), lower first, and the protocol. */
  lowKey: number;
  highKey: number;
  /** The client's endpoint key (the first packet's source). */
  clientKey: number;
  /** Address keys of the client and the server (see address_key.ts). */
  clientAddressKey: number;
  serverAddressKey: number;
  /**
   * Their text as `keptText` (decoded_packet.ts) keeps it: "" for IPv4, rebuilt from
   * the key when written ({@linkcode flowAddresses}), so a flood's flows
   * hold no strings that outlive the young generation.
   */
  clientAddress: string;
  serverAddress: string;
  /** Ports, -1 for ICMP. */
  clientPort: number;
  serverPort: number;
  protocol: number;
  transport: string;
  firstIcmpType: number;
  firstIcmpCode: number;
  startUs: number;
  lastUs: number;
  pktsToServer: number;
  pktsToClient: number;
  bytesToServer: number;
  bytesToClient: number;
  tcpFlags: number;
  /** Bit 1: a FIN to the server, bit 2: one to the client. */
  finSeen: number;
  synAck: boolean;
  alerted: boolean;
}

/** A flow with every field at its zero value, to be filled in (one object shape for every flow). */
export function blankFlow(): EveFlow {
  return {
    lowKey: 0,
    highKey: 0,
    clientKey: 0,
    clientAddressKey: -1,
    serverAddressKey: -1,
    clientAddress: "",
    serverAddress: "",
    clientPort: -1,
    serverPort: -1,
    protocol: 0,
    transport: "",
    firstIcmpType: -1,
    firstIcmpCode: -1,
    startUs: 0,
    lastUs: 0,
    pktsToServer: 0,
    pktsToClient: 0,
    bytesToServer: 0,
    bytesToClient: 0,
    tcpFlags: 0,
    finSeen: 0,
    synAck: false,
    alerted: false,
  };
}

/** Why a flow record was written. */
export type FlowEndReason = "timeout" | "forced" | "shutdown";

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

/** The client's and the server's address text. */
export function flowAddresses(flow: EveFlow): [string, string] {
  return [
    addressTextOf(flow.clientAddressKey, flow.clientAddress),
    addressTextOf(flow.serverAddressKey, flow.serverAddress),
  ];
}

/** Whether `flow` is ICMP or ICMPv6 (type and code instead of ports). */
export function isIcmpFlow(flow: EveFlow): boolean {
  return flow.transport === "icmp" || flow.transport === "icmpv6";
}

/** The flow's state as EVE names it: new, established or closed. */
export function flowState(flow: EveFlow): string {
  if (flow.transport === "tcp") {
    if ((flow.tcpFlags & TCP_FLAGS.RST) !== 0 || flow.finSeen === 3) {
      return "closed";
    }
    return flow.synAck ? "established" : "new";
  }
  return flow.pktsToClient > 0 ? "established" : "new";
}

/**
 * The flow record's JSON line. `ifaceJson` is the interface name as a JSON
 * string ("" to leave `in_iface` out); `communityId` "" leaves it out.
 */
export function flowRecordLine(
  flow: EveFlow,
  reason: FlowEndReason,
  ifaceJson: string,
  communityId: string,
): string {
  const state = flowState(flow);
  const [client, server] = flowAddresses(flow);
  const end = eveTimestamp(flow.lastUs);
  let line = `{"timestamp":"${end}","event_type":"flow",`;
  if (ifaceJson !== "") line += `"in_iface":${ifaceJson},`;
  line += `"src_ip":${JSON.stringify(client)},`;
  if (flow.clientPort >= 0) line += `"src_port":${flow.clientPort},`;
  line += `"dest_ip":${JSON.stringify(server)},`;
  if (flow.serverPort >= 0) line += `"dest_port":${flow.serverPort},`;
  line += `"proto":${JSON.stringify(protoName(flow.protocol))},`;
  if (isIcmpFlow(flow)) {
    line +=
      `"icmp_type":${flow.firstIcmpType},"icmp_code":${flow.firstIcmpCode},`;
  }
  if (communityId !== "") line += `"community_id":"${communityId}",`;
  line +=
    `"flow":{"pkts_toserver":${flow.pktsToServer},"pkts_toclient":${flow.pktsToClient},"bytes_toserver":${flow.bytesToServer},"bytes_toclient":${flow.bytesToClient},"start":"${
      eveTimestamp(flow.startUs)
    }","end":"${end}","age":${
      Math.round((flow.lastUs - flow.startUs) / 1e6)
    },"state":"${state}","reason":"${reason}","alerted":${flow.alerted}}`;
  if (flow.transport === "tcp") {
    const flags = flow.tcpFlags;
    line += `,"tcp":{"tcp_flags":"${
      flags.toString(16).padStart(2, "0")
    }","syn":${(flags & TCP_FLAGS.SYN) !== 0},"fin":${
      (flags & TCP_FLAGS.FIN) !== 0
    },"rst":${(flags & TCP_FLAGS.RST) !== 0},"psh":${
      (flags & TCP_FLAGS.PSH) !== 0
    },"ack":${(flags & TCP_FLAGS.ACK) !== 0},"state":"${state}"}`;
  }
  return `${line}}`;
}
