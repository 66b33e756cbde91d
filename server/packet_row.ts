/**
 * The compact row the dashboard's packet table shows for one packet, the
 * filters of `GET /api/packets`, and a bounded ring of values by packet
 * number.
 *
 * @module
 */

import { hasUnassignedDnsOpcode, isDnsMessage } from "../capture/decode/dns.ts";
import { formatTcpFlags, icmpText } from "../capture/format_packet.ts";
import { sctpChunkName } from "../capture/decode/sctp.ts";
import { dnsRcodeName, dnsTypeName } from "../capture/protocol_names.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import {
  compilePacketSearch,
  matchesPacketSearch,
  type PacketSearch,
} from "./packet_search.ts";
import {
  classifyService,
  serviceName,
  serviceOfIpProtocol,
} from "../detectors/stats/services.ts";

/** One packet as a table row. */
export interface PacketRow {
  /** Packet number in the session, from 1. */
  n: number;
  /** Capture time, µs since the epoch. */
  timestampUs: number;
  /** Source address (IP, or ARP sender). */
  src: string;
  /** Destination address. */
  dst: string;
  /** Source port, or -1. */
  srcPort: number;
  /** Destination port, or -1. */
  dstPort: number;
  /** Service name (DNS, HTTP, HTTPS/TLS, ARP, ICMP, …). */
  protocol: string;
  /** Bytes on the wire. */
  length: number;
  /** TCP flags as letters ("S", "SA", "FA", …), or "". */
  flags: string;
  /** One-line description (DNS name, ARP question, ICMP type, …). */
  info: string;
  /** Latency this packet completed (DNS answer, SYN/ACK, HTTP or TLS response), ms. */
  latencyMs?: number;
}

/** Describes `packet` in a few words, for the table's Info column. */
export function packetInfo(packet: PacketRecord): string {
  if (packet.network === "arp") {
    if (packet.arpOperation === 1) {
      return `Who has ${packet.dstAddress}? Tell ${packet.srcAddress}`;
    }
    if (packet.arpOperation === 2) {
      return `${packet.srcAddress} is at ${packet.arpSenderMac}`;
    }
    return `ARP operation ${packet.arpOperation}`;
  }
  if (packet.dnsId >= 0 && !isDnsMessage(packet)) {
    return `${packet.srcPort} → ${packet.dstPort} not DNS (${
      hasUnassignedDnsOpcode(packet)
        ? `opcode ${packet.dnsOpcode}`
        : "no readable question"
    }), len ${packet.payloadLength}`;
  }
  if (packet.dnsId >= 0) {
    // A message without a question (a notify, an update) has no name or type.
    const question = packet.dnsQtype >= 0
      ? `${packet.dnsQname || "<root>"} ${dnsTypeName(packet.dnsQtype)}`
      : "(no question)";
    return packet.dnsResponse
      ? `DNS response ${question} ${
        dnsRcodeName(packet.dnsRcode)
      }, ${packet.dnsAnswerCount} answers`
      : `DNS query ${question}`;
  }
  switch (packet.app) {
    case "http_request":
      return httpRequestText(packet);
    case "http_response":
      return packet.httpStatus >= 0
        ? `HTTP response ${packet.httpStatus}`
        : "HTTP response";
    case "tls_client_hello":
      return packet.tlsServerName === ""
        ? "TLS ClientHello"
        : `TLS ClientHello ${packet.tlsServerName}`;
    case "tls_server_hello":
      return "TLS ServerHello";
    case "tls":
      return "TLS record";
  }
  if (packet.transport === "icmp" || packet.transport === "icmpv6") {
    return icmpText(packet);
  }
  if (packet.transport === "tcp") {
    return `${packet.srcPort} → ${packet.dstPort} [${
      formatTcpFlags(packet.tcpFlags)
    }] len ${packet.payloadLength}`;
  }
  if (packet.transport === "udp") {
    return `${packet.srcPort} → ${packet.dstPort} len ${packet.payloadLength}`;
  }
  if (packet.transport === "sctp") {
    const chunk = packet.sctpChunkType >= 0
      ? ` [${sctpChunkName(packet.sctpChunkType)}]`
      : "";
    return `${packet.srcPort} → ${packet.dstPort}${chunk} len ${packet.payloadLength}`;
  }
  if (packet.laterFragment) {
    return `IP fragment of datagram ${packet.fragmentId}, protocol ${packet.ipProtocol}`;
  }
  if (packet.etherType >= 0 && packet.network === "other") {
    return `EtherType 0x${packet.etherType.toString(16).padStart(4, "0")}`;
  }
  return packet.ipProtocol >= 0 ? `IP protocol ${packet.ipProtocol}` : "";
}

/** "HTTP GET example.com/index.html" (the Host before an origin-form target), or "HTTP request" when the segment holds no request line. */
function httpRequestText(packet: PacketRecord): string {
  if (packet.httpMethod === "") return "HTTP request";
  const target = packet.httpHost !== "" && packet.httpUri.startsWith("/")
    ? packet.httpHost + packet.httpUri
    : packet.httpUri;
  return `HTTP ${packet.httpMethod} ${target}`;
}

/** Builds the table row of packet number `n` (with the latency it completed, µs, if any). */
export function toPacketRow(
  n: number,
  packet: PacketRecord,
  latencyUs = -1,
): PacketRow {
  const row: PacketRow = {
    n,
    timestampUs: packet.timestampUs,
    src: packet.srcAddress || packet.srcMac,
    dst: packet.dstAddress || packet.dstMac,
    srcPort: packet.srcPort,
    dstPort: packet.dstPort,
    // A later fragment by its IP protocol: a row stands alone, without its
    // first fragment (the protocol mix counts it under the first's service).
    protocol: serviceName(
      packet.laterFragment
        ? serviceOfIpProtocol(packet.ipProtocol)
        : classifyService(packet),
    ),
    length: packet.wireLength,
    flags: packet.transport === "tcp" ? formatTcpFlags(packet.tcpFlags) : "",
    info: packet.tunnel === ""
      ? packetInfo(packet)
      : `[${packet.tunnel}${
        packet.tunnelId >= 0 ? ` ${packet.tunnelId}` : ""
      }] ${packetInfo(packet)}`,
  };
  if (latencyUs >= 0) row.latencyMs = Math.round(latencyUs) / 1000;
  return row;
}

/** Query of the recent packets (`GET /api/packets`). */
export interface PacketQuery {
  /** Most rows returned (newest). */
  limit: number;
  /**
   * Service names, comma-separated, any of which a row may have,
   * case-insensitive ("tcp", "udp", "icmp", "icmpv6", "arp" also match the
   * transport or network).
   */
  protocol?: string;
  /** Source address equals. */
  src?: string;
  /** Destination address equals. */
  dst?: string;
  /** Search words, all of which a row matches (server/packet_search.ts). */
  q?: string;
}

/** A {@linkcode PacketQuery}'s filters read once ({@linkcode compilePacketQuery}), to test many packets. */
export interface PacketMatcher {
  /** Source address equals ("" for any). */
  src: string;
  /** Destination address equals ("" for any). */
  dst: string;
  /** The protocol names, lower case, any of which a row may have; undefined for any (an empty set matches none, as a list of only commas did). */
  protocols: ReadonlySet<string> | undefined;
  /** The search words, compiled. */
  search: PacketSearch;
}

/** `query`'s filters (its `limit` aside) read once: its protocol list split and lower-cased, its words compiled. */
export function compilePacketQuery(
  query: Omit<PacketQuery, "limit">,
): PacketMatcher {
  let protocols: Set<string> | undefined;
  if (query.protocol) {
    protocols = new Set();
    for (const name of query.protocol.toLowerCase().split(",")) {
      const protocol = name.trim();
      if (protocol !== "") protocols.add(protocol);
    }
  }
  return {
    src: query.src ?? "",
    dst: query.dst ?? "",
    protocols,
    search: compilePacketSearch(query.q ?? ""),
  };
}

/** Whether `packet` (with its table row `row`) matches the filters of `matcher`. */
export function matchesPacketQuery(
  matcher: PacketMatcher,
  packet: PacketRecord,
  row: PacketRow,
): boolean {
  if (matcher.src && packet.srcAddress !== matcher.src) return false;
  if (matcher.dst && packet.dstAddress !== matcher.dst) return false;
  const protocols = matcher.protocols;
  if (
    protocols !== undefined &&
    !protocols.has(row.protocol.toLowerCase()) &&
    !protocols.has(packet.transport) && !protocols.has(packet.network)
  ) return false;
  return matchesPacketSearch(row, matcher.search);
}

/**
 * Keeps what a session remembers of its last `capacity` packets, by packet
 * number (increasing): a value per packet, the oldest replaced when full.
 */
export class PacketRing<T> {
  readonly #values: (T | undefined)[];
  readonly #numbers: Float64Array;
  #next = 0;
  #count = 0;

  /** A ring of `capacity` packets. */
  constructor(readonly capacity: number) {
    this.#values = new Array(capacity);
    this.#numbers = new Float64Array(capacity);
  }

  /** Stores `value` as packet number `n`'s, replacing the oldest when full. */
  push(n: number, value: T): void {
    this.#values[this.#next] = value;
    this.#numbers[this.#next] = n;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#count < this.capacity) this.#count++;
  }

  /** The value of packet number `n`, if still held. */
  get(n: number): T | undefined {
    for (const [number, value] of this.newest()) {
      if (number === n) return value;
      if (number < n) return undefined;
    }
    return undefined;
  }

  /** Packet numbers and values, newest first. */
  *newest(): IterableIterator<[number, T]> {
    for (let i = 0; i < this.#count; i++) {
      const index = (this.#next - 1 - i + this.capacity) % this.capacity;
      yield [this.#numbers[index]!, this.#values[index]!];
    }
  }

  /** Forgets every packet. */
  clear(): void {
    this.#values.fill(undefined);
    this.#numbers.fill(0);
    this.#next = 0;
    this.#count = 0;
  }

  /** Packets held. */
  get size(): number {
    return this.#count;
  }
}
