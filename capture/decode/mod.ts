/**
 * Packet decoding: one {@linkcode PcapRecord} in, one flat
 * {@linkcode DecodedPacket} (a `PacketRecord`) out. The chain is explicit —
 * link layer → EtherType → IPv4 / IPv6 / ARP → TCP / UDP / ICMP / ICMPv6 →
 * DNS, HTTP/TLS hints and replies of a few UDP services — and every layer
 * reads the capture buffer in place.
 *
 * Decoding never throws on network input: a malformed or cut header is a
 * named anomaly in the {@linkcode AnomalyCounter} (the first one also lands
 * in `record.anomaly`), and a capture shorter than its headers say sets
 * `record.truncated`.
 *
 * @example
 * ```ts
 * import { AnomalyCounter } from "../anomalies.ts";
 * import { openCaptureSource, readCapture } from "../read_capture.ts";
 * import { decodePacket } from "./mod.ts";
 *
 * const anomalies = new AnomalyCounter();
 * await readCapture(await openCaptureSource("in.pcap"), (raw) => {
 *   const packet = decodePacket(raw, anomalies);
 *   if (packet.transport === "tcp") console.log(packet.srcAddress, packet.dstPort);
 * });
 * ```
 *
 * @module
 */

import type { AnomalyCounter } from "../anomalies.ts";
import { DecodedPacket } from "../decoded_packet.ts";
import type { PcapRecord } from "../pcap_record.ts";
import { appHint } from "./app_hint.ts";
import { readHttpStatus } from "./http.ts";
import { AUTH_PORTS_END, KERBEROS_PORT, readAuthReply } from "./auth_reply.ts";
import { decodeArp } from "./arp.ts";
import {
  decodeDns,
  decodeDnsOverTcp,
  isDnsTcpPort,
  isDnsUdpPort,
} from "./dns.ts";
import { decodeIcmp, decodeIcmpv6 } from "./icmp.ts";
import { decodeIpv4 } from "./ipv4.ts";
import { decodeIpv6 } from "./ipv6.ts";
import { decodeLink, ETHER_TYPE } from "./link.ts";
import { decodeTcp } from "./tcp.ts";
import { isServiceReplyPort, serviceReplyOf } from "./service_reply.ts";
import { decodeNbns, NBNS_PORT } from "./nbns.ts";
import {
  decodeDhcpv6,
  DHCPV6_CLIENT_PORT,
  DHCPV6_SERVER_PORT,
} from "./dhcpv6.ts";
import {
  decodeDhcpv4,
  DHCPV4_CLIENT_PORT,
  DHCPV4_SERVER_PORT,
} from "./dhcpv4.ts";
import { decodeUdp, udpDatagramPayloadLength } from "./udp.ts";
import { decodeSctp } from "./sctp.ts";
import { decodeMdnsAnswer, decodeMdnsQuery, MDNS_PORT } from "./mdns.ts";
import { reportAnomaly, reportTruncated } from "./report.ts";
import {
  INNER_ETHERNET,
  isTunnelPort,
  TUNNEL_PROTOCOL,
  type TunnelPayload,
  tunnelPayload,
} from "./tunnel.ts";
import { LINK_TYPE } from "../pcap_record.ts";

export { formatIpv4, formatIpv6, formatMac } from "./address.ts";
export { appHint } from "./app_hint.ts";
export { ETHER_TYPE } from "./link.ts";

/** IP protocol numbers the decoder dispatches on (IANA registry). */
export const IP_PROTOCOL = {
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  ICMPV6: 58,
  SCTP: 132,
} as const;

/**
 * Decodes one captured frame into a new {@linkcode DecodedPacket} (the
 * caller may keep it: it holds no capture buffers). Never throws on frame
 * contents; problems are counted in `anomalies`.
 */
export function decodePacket(
  raw: PcapRecord,
  anomalies: AnomalyCounter,
): DecodedPacket {
  const record = new DecodedPacket();
  fill(record, raw, anomalies);
  return record;
}

/**
 * Resets `record` to its "absent" values and decodes `raw` into it, for hot
 * loops that reuse one record. Returns `record`.
 */
export function decodeInto(
  record: DecodedPacket,
  raw: PcapRecord,
  anomalies: AnomalyCounter,
): DecodedPacket {
  resetRecord(record);
  fill(record, raw, anomalies);
  return record;
}

function fill(
  record: DecodedPacket,
  raw: PcapRecord,
  anomalies: AnomalyCounter,
): void {
  record.timestampUs = raw.timestampUs;
  record.interfaceId = raw.interfaceId;
  record.linkType = raw.linkType;
  record.capturedLength = raw.capturedLength;
  record.wireLength = raw.wireLength;
  const bytes = raw.bytes;
  const start = raw.offset;
  // Bounds come from the record, clamped to the buffer in case they disagree.
  const end = Math.min(start + raw.capturedLength, bytes.length);
  const wireEnd = start + Math.max(raw.wireLength, raw.capturedLength);
  const network = decodeLink(
    record,
    bytes,
    start,
    end,
    raw.linkType,
    anomalies,
  );
  if (network < 0) return;
  const transport = decodeNetworkLayer(
    record,
    bytes,
    network,
    end,
    wireEnd,
    anomalies,
  );
  // No transport header here: ARP, a later fragment, or a bad or cut IP header.
  if (transport < 0) return;
  const ipEnd = network + record.ipLength;
  const segmentEnd = Math.min(end, ipEnd);
  decodeTransport(
    record,
    bytes,
    transport,
    segmentEnd,
    ipEnd - transport,
    anomalies,
    0,
  );
}

/**
 * Decodes the network layer at `network` by `record.etherType`: IPv4 or
 * IPv6 (returns the transport header's offset, or -1), or ARP (-1).
 */
function decodeNetworkLayer(
  record: DecodedPacket,
  bytes: Uint8Array,
  network: number,
  end: number,
  wireEnd: number,
  anomalies: AnomalyCounter,
): number {
  switch (record.etherType) {
    case ETHER_TYPE.IPV4:
      return decodeIpv4(record, bytes, network, end, wireEnd, anomalies);
    case ETHER_TYPE.IPV6:
      return decodeIpv6(record, bytes, network, end, wireEnd, anomalies);
    case ETHER_TYPE.ARP:
    case ETHER_TYPE.RARP:
      decodeArp(record, bytes, network, end, anomalies);
      return -1;
    default:
      return -1;
  }
}

/**
 * Decodes the packet inside the tunnel whose header is the transport
 * segment at `transport` (captured bytes end at `end`, the carrier's IP
 * packet at `ipEnd`) in place of its carrier, `depth` tunnels deep (the
 * carrier's own), and any tunnel inside that. Returns false, decoding
 * nothing, when the segment is no tunnel.
 */
function decapsulate(
  record: DecodedPacket,
  bytes: Uint8Array,
  transport: number,
  end: number,
  ipEnd: number,
  anomalies: AnomalyCounter,
  depth: number,
): boolean {
  if (depth >= MAX_TUNNEL_DEPTH || record.fragment) return false;
  const inner = tunnelPayload(record, bytes, transport, end);
  if (inner.offset < 0) {
    if (inner.cut === "") return false;
    // A header the carrier's IP packet holds only part of: damage (or
    // the snap length's cut, when the capture ends before the packet).
    if (end < ipEnd) {
      reportTruncated(record, anomalies, `${inner.cut}_truncated`);
    } else reportAnomaly(record, anomalies, `${inner.cut}_bad_length`);
    return false;
  }
  const network = enterTunnel(record, bytes, inner, end, anomalies);
  if (network < 0) return true;
  const innerTransport = decodeNetworkLayer(
    record,
    bytes,
    network,
    end,
    ipEnd,
    anomalies,
  );
  if (innerTransport < 0) return true;
  const innerIpEnd = network + record.ipLength;
  decodeTransport(
    record,
    bytes,
    innerTransport,
    Math.min(end, innerIpEnd),
    innerIpEnd - innerTransport,
    anomalies,
    depth + 1,
  );
  return true;
}

/** Tunnels decapsulated inside one another at most; a packet nested deeper is decoded as the last one's carrier. */
const MAX_TUNNEL_DEPTH = 4;

/**
 * Notes the tunnel `inner` describes on `record` (the outermost one's
 * endpoints are the packet's addresses now), forgets the outer network
 * layer, and reads the inner packet's link header when it is an Ethernet
 * frame. Returns the inner network layer's offset (record.etherType set),
 * or -1.
 */
function enterTunnel(
  record: DecodedPacket,
  bytes: Uint8Array,
  inner: TunnelPayload,
  end: number,
  anomalies: AnomalyCounter,
): number {
  if (record.tunnel === "") {
    record.tunnel = inner.kind;
    record.keepTunnelEndpoints();
  } else {
    record.tunnel += " " + inner.kind;
  }
  if (record.tunnelId < 0) record.tunnelId = inner.id;
  clearNetworkFields(record);
  record.transport = "none";
  record.srcPort = -1;
  record.dstPort = -1;
  record.payloadLength = 0;
  // The carrier's link layer is not the inner packet's: an inner IP packet
  // has none, an inner frame its own MACs and VLAN (if any).
  record.srcMac = "";
  record.dstMac = "";
  record.vlanId = -1;
  if (inner.inner !== INNER_ETHERNET) {
    record.etherType = inner.inner;
    return inner.offset;
  }
  record.etherType = -1;
  return decodeLink(
    record,
    bytes,
    inner.offset,
    end,
    LINK_TYPE.ETHERNET,
    anomalies,
  );
}

/** Decodes the transport header at `offset` of a `length`-byte segment, then its payload. */
function decodeTransport(
  record: DecodedPacket,
  bytes: Uint8Array,
  offset: number,
  end: number,
  length: number,
  anomalies: AnomalyCounter,
  depth: number,
): void {
  switch (record.ipProtocol) {
    case IP_PROTOCOL.TCP: {
      const payload = decodeTcp(record, bytes, offset, end, length, anomalies);
      if (payload < 0) return;
      const payloadEnd = Math.min(end, payload + record.payloadLength);
      if (isDnsTcpPort(record.srcPort) || isDnsTcpPort(record.dstPort)) {
        decodeDnsOverTcp(
          record,
          bytes,
          payload,
          payloadEnd,
          record.payloadLength,
          anomalies,
        );
      }
      if (record.app === "") {
        record.app = appHint(bytes, payload, payloadEnd);
        if (record.app !== "") {
          readAppFields(record, bytes, payload, payloadEnd);
        }
      }
      if (record.srcPort < AUTH_PORTS_END && payloadEnd > payload) {
        readAuthReply(record, bytes, payload, payloadEnd);
      }
      return;
    }
    case IP_PROTOCOL.UDP: {
      const payload = decodeUdp(record, bytes, offset, end, length, anomalies);
      if (payload < 0) return;
      const datagramEnd = payload + record.payloadLength;
      const payloadEnd = Math.min(end, datagramEnd);
      // A tunnel ends with its datagram, not with the IP packet.
      if (
        isTunnelPort(record.dstPort) &&
        decapsulate(
          record,
          bytes,
          offset,
          payloadEnd,
          datagramEnd,
          anomalies,
          depth,
        )
      ) {
        return;
      }
      // A first fragment carries its share of a longer datagram: DNS goes
      // on in the next, and a reply is told by the datagram's length (IKE's
      // header holds it).
      const datagramLength = record.fragment
        ? Math.max(
          record.payloadLength,
          udpDatagramPayloadLength(bytes, offset),
        )
        : record.payloadLength;
      if (isDnsUdpPort(record.srcPort) || isDnsUdpPort(record.dstPort)) {
        decodeDns(
          record,
          bytes,
          payload,
          payloadEnd,
          record.payloadLength,
          anomalies,
          datagramLength > record.payloadLength,
        );
      }
      if (
        (record.dstPort === DHCPV6_CLIENT_PORT ||
          record.srcPort === DHCPV6_SERVER_PORT ||
          record.dstPort === DHCPV6_SERVER_PORT) && record.network === "ipv6"
      ) {
        decodeDhcpv6(
          record,
          bytes,
          payload,
          payloadEnd,
          datagramEnd,
        );
      }
      if (
        (record.dstPort === DHCPV4_SERVER_PORT ||
          record.dstPort === DHCPV4_CLIENT_PORT ||
          record.srcPort === DHCPV4_SERVER_PORT) && record.network === "ipv4"
      ) {
        decodeDhcpv4(
          record,
          bytes,
          payload,
          payloadEnd,
          datagramEnd,
        );
      }
      if (record.dnsId >= 0) {
        if (record.dnsResponse) {
          if (record.srcPort === MDNS_PORT && record.dnsAnswerCount > 0) {
            decodeMdnsAnswer(record, bytes, payload, payloadEnd);
          }
        } else if (record.dstPort === MDNS_PORT) {
          decodeMdnsQuery(record, bytes, payload, payloadEnd);
        }
      }
      if (record.srcPort === NBNS_PORT || record.dstPort === NBNS_PORT) {
        decodeNbns(record, bytes, payload, payloadEnd);
      }
      if (isServiceReplyPort(record.srcPort)) {
        record.udpServiceReply = serviceReplyOf(
          record.srcPort,
          bytes,
          payload,
          payloadEnd,
          datagramLength,
        );
        if (record.srcPort === KERBEROS_PORT) {
          readAuthReply(record, bytes, payload, payloadEnd, true);
        }
      }
      return;
    }
    case IP_PROTOCOL.ICMP:
      decodeIcmp(record, bytes, offset, end, length, anomalies);
      return;
    case IP_PROTOCOL.ICMPV6:
      decodeIcmpv6(record, bytes, offset, end, length, anomalies);
      return;
    case IP_PROTOCOL.SCTP:
      decodeSctp(record, bytes, offset, end, length, anomalies);
      return;
    case TUNNEL_PROTOCOL.GRE:
    case TUNNEL_PROTOCOL.IPV4_IN_IP:
    case TUNNEL_PROTOCOL.IPV6_IN_IP:
      if (
        decapsulate(
          record,
          bytes,
          offset,
          end,
          offset + length,
          anomalies,
          depth,
        )
      ) {
        return;
      }
      record.transport = "other";
      return;
    default:
      record.transport = "other";
  }
}

/** Sets the network layer's fields back to a new record's: a new packet's, or a tunnel's inner packet's in place of its carrier's. */
function clearNetworkFields(record: DecodedPacket): void {
  record.network = "other";
  record.srcAddress = "";
  record.dstAddress = "";
  record.srcAddressKey = -1;
  record.dstAddressKey = -1;
  record.ipProtocol = -1;
  record.ttl = -1;
  record.ipLength = 0;
}

/** Sets every field back to its value in a new {@linkcode DecodedPacket}. */
function resetRecord(record: DecodedPacket): void {
  record.timestampUs = 0;
  record.interfaceId = 0;
  record.linkType = -1;
  record.capturedLength = 0;
  record.wireLength = 0;
  record.srcMac = "";
  record.dstMac = "";
  record.vlanId = -1;
  record.etherType = -1;
  if (record.tunnel !== "") {
    record.tunnel = "";
    record.tunnelSrcAddress = "";
    record.tunnelDstAddress = "";
    record.tunnelSrcAddressKey = -1;
    record.tunnelDstAddressKey = -1;
    record.tunnelId = -1;
  }
  clearNetworkFields(record);
  record.laterFragment = false;
  record.fragment = false;
  record.fragmentId = -1;
  record.transport = "none";
  record.srcPort = -1;
  record.dstPort = -1;
  record.tcpFlags = 0;
  record.tcpSeq = 0;
  record.tcpAck = 0;
  record.tcpWindow = 0;
  if (record.sctpChunkType !== -1) record.sctpChunkType = -1;
  record.payloadLength = 0;
  record.icmpType = -1;
  record.icmpCode = -1;
  record.icmpId = -1;
  record.icmpSeq = -1;
  record.icmpEchoSum = -1;
  record.icmpEchoTailSum = -1;
  record.icmpEchoTracker = false;
  record.quotedProtocol = -1;
  record.quotedDstAddress = "";
  record.quotedSrcPort = -1;
  record.quotedDstPort = -1;
  record.arpOperation = -1;
  record.arpSenderMac = "";
  record.arpTargetMac = "";
  record.ndTarget = "";
  record.ndFlags = -1;
  record.ndLinkMac = "";
  record.ndRouterLifetimeS = -1;
  record.ndPrefixes = "";
  record.ndRoutes = "";
  record.ndDnsServers = "";
  record.ndDnsWithdrawn = "";
  record.dhcpMessageType = -1;
  record.dhcpServerId = "";
  record.dhcpLeaseAddresses = "";
  record.dhcpDnsServers = "";
  record.dhcpRouters = "";
  record.dhcpRoutes = "";
  record.dhcpPrefixLength = -1;
  record.dhcpClientMac = "";
  record.dhcpRelayAddress = "";
  record.dhcpClientAddress = "";
  record.dhcpClientId = "";
  // Only a packet with an application hint set the HTTP and TLS fields.
  if (record.app !== "") {
    record.clearApp();
    record.app = "";
  }
  record.dnsId = -1;
  record.dnsResponse = false;
  record.dnsOpcode = -1;
  record.dnsRcode = -1;
  record.dnsQname = "";
  record.dnsQtype = -1;
  record.dnsQuestionCount = 0;
  record.dnsAnswerCount = 0;
  if (record.dnsAnswerDataBytes !== 0) record.dnsAnswerDataBytes = 0;
  record.udpServiceReply = -1;
  if (record.nbnsId !== -1) {
    record.nbnsId = -1;
    record.nbnsFlags = -1;
    record.nbnsAnswerCount = 0;
    record.nbnsName = "";
  }
  if (record.mdnsQueryName !== "") record.mdnsQueryName = "";
  if (record.mdnsRecords !== "") record.mdnsRecords = "";
  record.authFailure = "";
  record.authSuccess = "";
  record.truncated = false;
  record.anomaly = "";
}

/** Keeps what an HTTP request or response, or a TLS ClientHello, that `record.app` names says in its first segment `bytes[offset, end)`: a status at once, a request's or hello's bytes to read when asked. */
function readAppFields(
  record: DecodedPacket,
  bytes: Uint8Array,
  offset: number,
  end: number,
): void {
  switch (record.app) {
    case "http_request":
    case "tls_client_hello":
      record.setAppPayload(bytes, offset, end);
      return;
    case "http_response":
      record.httpStatus = readHttpStatus(bytes, offset, end);
      return;
  }
}
