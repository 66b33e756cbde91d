/**
 * EVE flow records: one flow's counters, and the JSON line Suricata-style
 * consumers read for it. The line is written directly, not through an
 * object and `JSON.stringify`: under a spoofed flood every packet is a new
 * flow and a record, and building and serialising the nested object was
 * the largest cost of EVE logging; it is written as bytes
 * (server/json_bytes.ts), so no string of it is made either. Its text is exactly
 * what `JSON.stringify` gives for the record (flow_record_test.ts checks).
 *
 * @module
 */

import { TCP_FLAGS } from "../../capture/packet_record.ts";
import { addressTextOf } from "../../capture/decoded_packet.ts";
import { writeEveTimestamp } from "./eve_time.ts";
import type { HttpExchanges } from "./http_exchanges.ts";
import { encodeText, type JsonBytes } from "../json_bytes.ts";
import {
  eventTypeField,
  writeCommunityId,
  writeEndpoints,
  writeRecordStart,
} from "./record_start.ts";

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
  /** Its HTTP requests waiting for their responses (EVE http records), once it carried one. */
  http: HttpExchanges | undefined;
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
    http: undefined,
  };
}

/** Why a flow record was written. */
export type FlowEndReason = "timeout" | "forced" | "shutdown";

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
 * Writes the flow record's JSON line (without its newline) into `out`.
 * `iface` is the interface name ("" to leave `in_iface` out); `communityId`
 * "" leaves it out.
 */
export function writeFlowRecord(
  out: JsonBytes,
  flow: EveFlow,
  reason: FlowEndReason,
  iface: string,
  communityId: string,
): void {
  const state = flowState(flow);
  const [client, server] = flowAddresses(flow);
  writeRecordStart(out, flow.lastUs, EVENT_TYPE, iface);
  writeEndpoints(
    out,
    client,
    flow.clientPort,
    server,
    flow.serverPort,
    flow.protocol,
  );
  if (isIcmpFlow(flow)) {
    out.raw(ICMP_TYPE);
    out.number(flow.firstIcmpType);
    out.raw(ICMP_CODE);
    out.number(flow.firstIcmpCode);
  }
  writeCommunityId(out, communityId);
  out.raw(PKTS_TOSERVER);
  out.number(flow.pktsToServer);
  out.raw(PKTS_TOCLIENT);
  out.number(flow.pktsToClient);
  out.raw(BYTES_TOSERVER);
  out.number(flow.bytesToServer);
  out.raw(BYTES_TOCLIENT);
  out.number(flow.bytesToClient);
  out.raw(START);
  writeEveTimestamp(out, flow.startUs);
  out.raw(END);
  writeEveTimestamp(out, flow.lastUs);
  out.raw(AGE);
  out.number(Math.round((flow.lastUs - flow.startUs) / 1e6));
  const stateBytes = STATE_BYTES[state]!;
  out.raw(STATE);
  out.raw(stateBytes);
  out.raw(REASON);
  out.raw(REASON_BYTES[reason]);
  out.raw(flow.alerted ? ALERTED_TRUE : ALERTED_FALSE);
  if (flow.transport === "tcp") {
    const flags = flow.tcpFlags;
    out.raw(TCP_FLAGS_KEY);
    out.byte(HEX_DIGITS.charCodeAt((flags >> 4) & 15));
    out.byte(HEX_DIGITS.charCodeAt(flags & 15));
    out.raw(flagField(SYN_FIELD, flags, TCP_FLAGS.SYN));
    out.raw(flagField(FIN_FIELD, flags, TCP_FLAGS.FIN));
    out.raw(flagField(RST_FIELD, flags, TCP_FLAGS.RST));
    out.raw(flagField(PSH_FIELD, flags, TCP_FLAGS.PSH));
    out.raw(flagField(ACK_FIELD, flags, TCP_FLAGS.ACK));
    out.raw(STATE);
    out.raw(stateBytes);
    out.raw(QUOTE_CLOSE);
  }
  out.byte(CLOSE);
}

/** The record's own fixed pieces, encoded once. */
const EVENT_TYPE = eventTypeField("flow");
const ICMP_TYPE = encodeText(',"icmp_type":');
const ICMP_CODE = encodeText(',"icmp_code":');
const PKTS_TOSERVER = encodeText(',"flow":{"pkts_toserver":');
const PKTS_TOCLIENT = encodeText(',"pkts_toclient":');
const BYTES_TOSERVER = encodeText(',"bytes_toserver":');
const BYTES_TOCLIENT = encodeText(',"bytes_toclient":');
const START = encodeText(',"start":"');
const END = encodeText('","end":"');
const AGE = encodeText('","age":');
const STATE = encodeText(',"state":"');
const REASON = encodeText('","reason":"');
const ALERTED_TRUE = encodeText('","alerted":true}');
const ALERTED_FALSE = encodeText('","alerted":false}');
const TCP_FLAGS_KEY = encodeText(',"tcp":{"tcp_flags":"');
const QUOTE_CLOSE = encodeText('"}');
const CLOSE = 0x7d; // "}"
const HEX_DIGITS = "0123456789abcdef";

/** The flow states and end reasons as their JSON text (without quotes). */
const STATE_BYTES: Record<string, Uint8Array> = {
  new: encodeText("new"),
  established: encodeText("established"),
  closed: encodeText("closed"),
};
const REASON_BYTES: Record<FlowEndReason, Uint8Array> = {
  timeout: encodeText("timeout"),
  forced: encodeText("forced"),
  shutdown: encodeText("shutdown"),
};

/** One TCP flag's field, false and true (the first also closes `tcp_flags`' string). */
function flagFields(name: string, first = false): [Uint8Array, Uint8Array] {
  const key = `${first ? '","' : ',"'}${name}":`;
  return [encodeText(`${key}false`), encodeText(`${key}true`)];
}
const SYN_FIELD = flagFields("syn", true);
const FIN_FIELD = flagFields("fin");
const RST_FIELD = flagFields("rst");
const PSH_FIELD = flagFields("psh");
const ACK_FIELD = flagFields("ack");

/** The field's text for whether `flag` is set in `flags`. */
function flagField(
  field: [Uint8Array, Uint8Array],
  flags: number,
  flag: number,
): Uint8Array {
  return field[(flags & flag) !== 0 ? 1 : 0];
}
