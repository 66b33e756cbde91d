/**
 * Service names for the protocol mix: what a packet carries, from the
 * decoder's app hint when there is one (hints win over ports, so DNS or HTTP
 * on an odd port is still DNS or HTTP), else from well-known ports.
 *
 * @module
 */

import type { PacketRecord } from "../../capture/packet_record.ts";

/** Every service name, indexed by service id ({@linkcode classifyService}). */
export const SERVICE_NAMES = [
  "Other",
  "Other IP",
  "Other TCP",
  "Other UDP",
  "ARP",
  "ICMP",
  "ICMPv6",
  "DNS",
  "mDNS",
  "LLMNR",
  "NetBIOS",
  "HTTP",
  "HTTPS/TLS",
  "QUIC",
  "SSH",
  "Telnet",
  "FTP",
  "SMTP",
  "POP3",
  "IMAP",
  "DHCP",
  "NTP",
  "SMB",
  "RDP",
  "SNMP",
  "SSDP",
  "SCTP",
] as const;

/** A service name of the protocol mix. */
export type ServiceName = typeof SERVICE_NAMES[number];

/** Number of services (ids are 0 … SERVICE_COUNT − 1). */
export const SERVICE_COUNT: number = SERVICE_NAMES.length;

const ID: Record<ServiceName, number> = Object.fromEntries(
  SERVICE_NAMES.map((name, id) => [name, id]),
) as Record<ServiceName, number>;

/** Service id by TCP port (0: none). */
const TCP_PORTS = portTable({
  FTP: [20, 21],
  SSH: [22],
  Telnet: [23],
  SMTP: [25, 465, 587],
  DNS: [53, 853],
  HTTP: [80, 8000, 8080],
  POP3: [110, 995],
  IMAP: [143, 993],
  "HTTPS/TLS": [443, 8443],
  SMB: [139, 445],
  RDP: [3389],
  LLMNR: [5355],
});

/** Service id by UDP port (0: none). */
const UDP_PORTS = portTable({
  DNS: [53],
  DHCP: [67, 68, 546, 547],
  NTP: [123],
  NetBIOS: [137, 138],
  SNMP: [161, 162],
  "HTTPS/TLS": [443],
  SSDP: [1900],
  RDP: [3389],
  mDNS: [5353],
  LLMNR: [5355],
});

// QUIC runs on UDP 443: the port table says "HTTPS/TLS" for TCP only.
UDP_PORTS[443] = ID.QUIC;

/** Returns the service id of a packet (an index into {@linkcode SERVICE_NAMES}); allocation-free. */
export function classifyService(packet: PacketRecord): number {
  switch (packet.transport) {
    case "tcp":
    case "udp":
      return classifyPorts(packet);
    case "icmp":
      return ID.ICMP;
    case "icmpv6":
      return ID.ICMPv6;
    case "sctp":
      return ID.SCTP;
  }
  if (packet.network === "arp") return ID.ARP;
  if (packet.network === "ipv4" || packet.network === "ipv6") {
    return ID["Other IP"];
  }
  return ID.Other;
}

/** The service of an IP packet whose transport header is elsewhere (a later fragment's, when its first is unknown): by its IP protocol number. */
export function serviceOfIpProtocol(protocol: number): number {
  switch (protocol) {
    case 6:
      return ID["Other TCP"];
    case 17:
      return ID["Other UDP"];
    case 1:
      return ID.ICMP;
    case 58:
      return ID.ICMPv6;
    case 132:
      return ID.SCTP;
    default:
      return ID["Other IP"];
  }
}

/** Returns the name of a service id ("Other" for an unknown id). */
export function serviceName(id: number): ServiceName {
  return SERVICE_NAMES[id] ?? "Other";
}

function classifyPorts(packet: PacketRecord): number {
  const { srcPort, dstPort } = packet;
  switch (packet.app) {
    case "dns":
      // mDNS, LLMNR and NetBIOS name service use the DNS message format.
      if (srcPort === 5353 || dstPort === 5353) return ID.mDNS;
      if (srcPort === 5355 || dstPort === 5355) return ID.LLMNR;
      if (srcPort === 137 || dstPort === 137) return ID.NetBIOS;
      return ID.DNS;
    case "http_request":
    case "http_response":
      return ID.HTTP;
    case "tls_client_hello":
    case "tls_server_hello":
    case "tls":
      return ID["HTTPS/TLS"];
  }
  const tcp = packet.transport === "tcp";
  const table = tcp ? TCP_PORTS : UDP_PORTS;
  const bySrc = srcPort >= 0 ? table[srcPort]! : 0;
  const byDst = dstPort >= 0 ? table[dstPort]! : 0;
  // Both known (e.g. 137 ↔ 138): the lower port is the server's well-known one.
  if (bySrc !== 0 && byDst !== 0) return srcPort < dstPort ? bySrc : byDst;
  if (bySrc !== 0) return bySrc;
  if (byDst !== 0) return byDst;
  return tcp ? ID["Other TCP"] : ID["Other UDP"];
}

function portTable(
  ports: Partial<Record<ServiceName, number[]>>,
): Uint8Array {
  const table = new Uint8Array(65_536);
  for (const [name, list] of Object.entries(ports)) {
    for (const port of list) table[port] = ID[name as ServiceName];
  }
  return table;
}
