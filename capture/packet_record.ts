/**
 * The packet record: the one flat shape that decoding hands to the rest of
 * NetMirror (stats, latency, detectors, server).
 *
 * Every record has every field (unused ones hold their documented "absent"
 * value), so V8 keeps one hidden class and the hot path stays monomorphic.
 * Fields are primitives only: a record never holds a capture buffer, because a
 * retained subarray would pin its whole chunk in memory.
 *
 * @module
 */

import { DecodedPacket, plainPacket } from "./decoded_packet.ts";
import type { AuthService } from "./decode/auth_reply.ts";

/** Network-layer protocol of a packet, as decoded. */
export type NetworkKind = "ipv4" | "ipv6" | "arp" | "other";

/** Transport-layer protocol of a packet, as decoded ("none" for ARP/other). */
export type TransportKind =
  | "tcp"
  | "udp"
  | "icmp"
  | "icmpv6"
  | "sctp"
  | "other"
  | "none";

/** Application hint read from the first payload bytes of a TCP/UDP packet. */
export type AppHint =
  | ""
  | "dns"
  | "http_request"
  | "http_response"
  | "tls_client_hello"
  | "tls_server_hello"
  | "tls";

/** TCP flag bits (RFC 9293 section 3.1, RFC 3168 for ECE/CWR). */
export const TCP_FLAGS = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

/** Values of {@linkcode PacketRecord.udpServiceReply}. */
export const SERVICE_REPLY = {
  /** Not told: the packet is no UDP datagram from one of those ports, or the capture cut its payload before the bytes that tell. */
  UNKNOWN: -1,
  /** No reply of the service on its source port: a request, another protocol's bytes, or no payload. */
  NO: 0,
  /** A reply of the service on its source port (from SNMP, also an SNMPv3 notification, which encryption hides). */
  YES: 1,
  /** An SNMPv1 or v2c notification (a trap, an inform) from port 161: an agent's own message, sent unasked. */
  NOTIFICATION: 2,
} as const;

/** One decoded packet, flattened. Holds no references to capture buffers. */
export interface PacketRecord {
  /** Capture time from the record header, in microseconds since the Unix epoch. */
  timestampUs: number;
  /** Interface index within the capture (pcapng IDB index; 0 for classic pcap). */
  interfaceId: number;
  /** Link type (DLT/LINKTYPE number) the frame was decoded with. */
  linkType: number;
  /** Bytes present in the capture for this packet. */
  capturedLength: number;
  /** Bytes on the wire; larger than `capturedLength` when cut by the snap length. */
  wireLength: number;

  /** Source MAC as "aa:bb:cc:dd:ee:ff", or "" when the link layer has none. */
  srcMac: string;
  /** Destination MAC as "aa:bb:cc:dd:ee:ff", or "" when the link layer has none. */
  dstMac: string;
  /** The source MAC's first three bytes as one number (0xaabbcc), without making its text; -1 when there is none. */
  readonly srcMacHigh: number;
  /** The source MAC's last three bytes as one number (0xddeeff); -1 when there is none. */
  readonly srcMacLow: number;
  /** Innermost 802.1Q VLAN id, or -1 when untagged. */
  vlanId: number;
  /** EtherType of the network layer (0x0800, 0x86dd, 0x0806, …), or -1 when unknown. */
  etherType: number;

  /**
   * The tunnels the packet came through, outermost first, space-separated:
   * "vxlan", "geneve", "gre", "erspan" (GRE carrying ERSPAN) or "ipip" (IP
   * in IP: IPv4 or IPv6 in IPv4 or IPv6); or "" when it came through none.
   * Every other field describes the innermost packet (an inner IP packet
   * has no MACs or VLAN); the frame's own (outer) addresses are
   * `tunnelSrcAddress` and `tunnelDstAddress`.
   */
  tunnel: string;
  /** The outermost tunnel's source endpoint (the outer IP source), or "". */
  tunnelSrcAddress: string;
  /** The outermost tunnel's destination endpoint (the outer IP destination), or "". */
  tunnelDstAddress: string;
  /** `tunnelSrcAddress` as an address key (like `srcAddressKey`); -1 without a tunnel, or in a record made with the text alone. */
  tunnelSrcAddressKey: number;
  /** `tunnelDstAddress` as an address key, likewise. */
  tunnelDstAddressKey: number;
  /** The first tunnel identifier from the outside in: a VXLAN or Geneve VNI, a GRE key, an ERSPAN session id (an ERSPAN tunnel's, in place of its GRE key; type I has none, so its key); or -1. */
  tunnelId: number;

  /** Network-layer protocol. */
  network: NetworkKind;
  /** Source IP (dotted quad or RFC 5952 IPv6), ARP sender IP, or "". */
  srcAddress: string;
  /** Destination IP, ARP target IP, or "". */
  dstAddress: string;
  /**
   * `srcAddress` as a number for table lookups: the IPv4 address as an
   * unsigned 32-bit integer, any other address an interned key from 2^32 up
   * (capture/decode/address_key.ts); -1 when `srcAddress` is "".
   */
  srcAddressKey: number;
  /** `dstAddress` as a number, like `srcAddressKey`; -1 when `dstAddress` is "". */
  dstAddressKey: number;
  /** IP protocol / IPv6 final next header number, or -1. */
  ipProtocol: number;
  /** IPv4 TTL or IPv6 hop limit, or -1. */
  ttl: number;
  /** Total IP packet length from the IP header (IPv4 total length, IPv6 40 + payload length), or 0. */
  ipLength: number;
  /** True for a fragment that is not the first one (no transport header to decode). */
  laterFragment: boolean;
  /** True for any IP fragment (first, middle or last). */
  fragment: boolean;
  /** A fragment's datagram identification (IPv4 Identification, IPv6 Fragment header's), which its fragments share; -1 for a packet that is no fragment. */
  fragmentId: number;

  /** Transport-layer protocol. */
  transport: TransportKind;
  /** TCP/UDP/SCTP source port, or -1. */
  srcPort: number;
  /** TCP/UDP/SCTP destination port, or -1. */
  dstPort: number;
  /** TCP flag bits (see {@linkcode TCP_FLAGS}), or 0 (also when a first IP fragment ends before them). */
  tcpFlags: number;
  /** TCP sequence number, or 0. */
  tcpSeq: number;
  /** TCP acknowledgement number, or 0. */
  tcpAck: number;
  /** TCP window (unscaled), or 0. */
  tcpWindow: number;
  /** An SCTP packet's first chunk type (1 INIT, 2 INIT ACK, 6 ABORT, 10 COOKIE ECHO, …; capture/decode/sctp.ts), or -1. */
  sctpChunkType: number;
  /** Transport payload bytes as stated by the headers (not limited by the snap length); in a first IP fragment, the fragment's share. */
  payloadLength: number;
  /** ICMP/ICMPv6 type, or -1. */
  icmpType: number;
  /** ICMP/ICMPv6 code, or -1. */
  icmpCode: number;
  /** ICMP echo identifier, or -1. */
  icmpId: number;
  /** ICMP echo sequence number, or -1. */
  icmpSeq: number;
  /**
   * An ICMP or ICMPv6 echo request's or reply's content as its checksum
   * sums it (RFC 1071; ICMPv6's pseudo-header included): the one's
   * complement sum of its identifier, sequence number and data, with the
   * type's share taken out (0–65534). A reply that returns its request's
   * identifier, sequence number and data unchanged, as RFC 792 and RFC 4443
   * have it, has its request's sum, however the packets were fragmented or
   * cut by the snap length; ICMP tunnels send other data back. -1 for other
   * packets.
   */
  icmpEchoSum: number;
  /**
   * The same sum over an echo's data past its first 16 bytes (where pings
   * put their send time; ICMPv6's pseudo-header included): a ping sends
   * one pattern there in every request, so it repeats, while a tunnel's or
   * an exfiltration's requests carry new data each time. Read from the
   * checksum less the first bytes, so it covers data cut by the snap length
   * or fragmentation. -1 for other packets, and for echoes with 16 data
   * bytes or fewer, or whose first 16 were not captured.
   */
  icmpEchoTailSum: number;
  /**
   * True for an echo whose data is laid out as the Go ping library
   * pro-bing (Telegraf's native ping, gatus, smokeping_prober) sends it: an
   * 8-byte send time, a version-4 UUID naming the pinger (new for every
   * pinger made), then bytes of 1, all captured (up to a 1500-byte
   * datagram's). A verdict for the ICMP tunnel detector.
   */
  icmpEchoTracker: boolean;
  /** For ICMP errors: the quoted packet's IP protocol, or -1. */
  quotedProtocol: number;
  /** For ICMP errors: the quoted packet's destination address, or "". */
  quotedDstAddress: string;
  /** For ICMP errors: the quoted packet's source port (TCP, UDP, SCTP, UDP-Lite), or -1. */
  quotedSrcPort: number;
  /** For ICMP errors: the quoted packet's destination port, or -1. */
  quotedDstPort: number;

  /** ARP operation (1 request, 2 reply), or -1. */
  arpOperation: number;
  /** ARP sender hardware address, or "". */
  arpSenderMac: string;
  /** ARP target hardware address, or "". */
  arpTargetMac: string;
  /** Target address of an IPv6 neighbor solicitation, neighbor advertisement or redirect (RFC 4861), or "". */
  ndTarget: string;
  /**
   * Flags of a neighbor advertisement: router 0x80, solicited 0x40, override
   * 0x20; or of a router advertisement: managed 0x80, other configuration
   * 0x40, home agent 0x20, and its default router preference in 0x18
   * (RFC 4191: 0x08 high, 0x00 medium, 0x18 low); or -1.
   */
  ndFlags: number;
  /** MAC of the link-layer address option of a Neighbor Discovery message: the source's in a router solicitation, router advertisement or neighbor solicitation, the target's in a neighbor advertisement or redirect; or "". */
  ndLinkMac: string;
  /** A router advertisement's router lifetime, s (0: not a default router); or -1. */
  ndRouterLifetimeS: number;
  /**
   * The prefixes a router advertisement gives its hosts (prefix information
   * options with the on-link or autonomous flag and a valid lifetime above
   * zero), as "2001:db8:1::/64", comma-separated, the bits past each length
   * cleared, at most eight; or "".
   */
  ndPrefixes: string;
  /** The routes a router advertisement gives its hosts (route information options, RFC 4191, with a lifetime above zero) as "2001:db8::/32", comma-separated, at most eight; or "". */
  ndRoutes: string;
  /** The DNS servers a router advertisement names (recursive DNS server options, RFC 8106, with a lifetime above zero), comma-separated, at most four; or "". */
  ndDnsServers: string;
  /** The DNS servers a router advertisement withdraws (recursive DNS server options with lifetime 0, which hosts obey whoever named them), comma-separated, at most four; or "". */
  ndDnsWithdrawn: string;

  /** DHCP message type: DHCPv4's (option 53) of a datagram to or from UDP port 67 or 68 (1 discover, 2 offer, 3 request, 5 ack, …), DHCPv6's of one to or from port 547, or to port 546 (1 solicit, 2 advertise, 3 request, 7 reply, …); or -1. */
  dhcpMessageType: number;
  /** The server identifier of a DHCPv4 message (option 54, an address), or of a DHCPv6 advertise or reply (its DUID, bytes in hex joined by colons, at most 32); or "". */
  dhcpServerId: string;
  /** The addresses a server's answer leases: a DHCPv4 offer's or ack's "your address" (when not 0.0.0.0), a DHCPv6 advertise's or reply's IA_NA and IA_TA addresses; comma-separated, at most four; or "". */
  dhcpLeaseAddresses: string;
  /** The DNS servers a DHCPv4 offer or ack (option 6) or a DHCPv6 advertise or reply (RFC 3646) names, comma-separated, at most four; or "". */
  dhcpDnsServers: string;
  /** The routers a DHCPv4 offer or ack names (option 3), comma-separated, at most four; or "". */
  dhcpRouters: string;
  /** The classless static routes a DHCPv4 offer or ack gives (options 121 and 249, RFC 3442) as "10.0.0.0/8 via 192.168.1.1", comma-separated, at most four; or "". */
  dhcpRoutes: string;
  /** The prefix length of a DHCPv4 offer's or ack's subnet mask (option 1; 255.255.255.0: 24), or -1 (none, or not contiguous). */
  dhcpPrefixLength: number;
  /** The client hardware address of a DHCPv4 message (chaddr), when it is an Ethernet MAC; or "". */
  dhcpClientMac: string;
  /** The relay agent's address of a DHCPv4 message (giaddr), when not 0.0.0.0; or "". */
  dhcpRelayAddress: string;
  /** The client's own address in a DHCPv4 message (ciaddr: a lease it renews or uses), when not 0.0.0.0; or "". */
  dhcpClientAddress: string;
  /** Who a DHCPv4 client is to its server besides its MAC: "id:" and its client identifier's bytes in hex (option 61, at most 32), else "hw<type>:" and its hardware address in hex when that is not an Ethernet MAC; or "". */
  dhcpClientId: string;

  /** Application hint from the payload's first bytes. */
  app: AppHint;
  /** An HTTP/1.x request's method ("GET", "POST", …), or "" (capture/decode/http.ts). */
  httpMethod: string;
  /** An HTTP request's target as its request line writes it ("/index.html", or a proxy's absolute URL), at most 512 characters; or "". */
  httpUri: string;
  /** An HTTP request's Host header, when the request's first segment holds it; or "". */
  httpHost: string;
  /** An HTTP request's User-Agent header, when the request's first segment holds it; or "". */
  httpUserAgent: string;
  /** An HTTP/1.x response's status code (200, 404, …), or -1. */
  httpStatus: number;
  /** The server name (SNI, RFC 6066) a TLS ClientHello asks for, when the hello's first segment holds it; or "" (capture/decode/tls.ts). */
  tlsServerName: string;
  /** DNS transaction id, or -1 when the packet holds no DNS message. */
  dnsId: number;
  /** True for a DNS response (QR bit). */
  dnsResponse: boolean;
  /** DNS opcode, or -1. */
  dnsOpcode: number;
  /** DNS response code, or -1. */
  dnsRcode: number;
  /** First question name, lower-case, no trailing dot ("" for the root or none). */
  dnsQname: string;
  /** First question type (1 A, 16 TXT, 10 NULL, …), or -1. */
  dnsQtype: number;
  /** Question count from the header, or 0. */
  dnsQuestionCount: number;
  /** Answer count from the header, or 0. */
  dnsAnswerCount: number;
  /** In a response to a TXT, NULL or ANY question: bytes of NULL answers' data and of TXT answers whose text is encoded data (base64, base32, hex), else 0 (capture/decode/dns_answers.ts). */
  dnsAnswerDataBytes: number;
  /**
   * For a UDP datagram from the Kerberos (88), portmapper (111), NTP (123),
   * NetBIOS name (137), SNMP (161) or IKE (500) port, whether it is that
   * service's reply
   * ({@linkcode SERVICE_REPLY}: 1 yes, 0 no, -1 not told;
   * capture/decode/service_reply.ts); -1 for every other packet.
   */
  udpServiceReply: number;
  /** NetBIOS name service (UDP 137) transaction id, or -1 when the packet holds no NBNS message (capture/decode/nbns.ts). */
  nbnsId: number;
  /** NBNS flags word (response bit, opcode, broadcast bit, response code), or -1. */
  nbnsFlags: number;
  /** NBNS answer count from the header, or 0. */
  nbnsAnswerCount: number;
  /** The NetBIOS name an NBNS query asks for or a response answers, lower-case, without its suffix or padding; or "". */
  nbnsName: string;
  /** An mDNS query's (UDP to port 5353) first question for an address (A, AAAA or ANY), lower-case; or "" (capture/decode/mdns.ts). */
  mdnsQueryName: string;
  /** An mDNS response's (UDP from port 5353) A, AAAA and CNAME answers, one "owner\ttype\tvalue" line each (up to 8); or "". */
  mdnsRecords: string;
  /**
   * The service whose failed login this server reply reports ("ftp",
   * "smtp", "pop3", "imap", "smb", "mysql", "postgresql", "ldap",
   * "kerberos"; capture/decode/auth_reply.ts), or "".
   */
  authFailure: AuthService | "";
  /**
   * The service whose login this server reply accepts, as the client asked
   * it (not as a guest), or "" (capture/decode/auth_reply.ts).
   */
  authSuccess: AuthService | "";

  /** True when the capture holds fewer bytes than a header says the packet has. */
  truncated: boolean;
  /** Name of the first decode anomaly in this packet ("" when none). */
  anomaly: string;
}

/**
 * The record as shown to people and scripts (JSON output, the packet API):
 * every field but the address keys, which are lookup numbers internal to
 * one process, the source MAC's words (the `srcMac` text says it), `udpServiceReply`, a verdict on datagrams from six ports
 * kept for the port scan detector, which every `--json` line would carry
 * for the few it concerns (a reader has the ports, and tshark),
 * `icmpEchoTracker`, the ICMP tunnel detector's likewise, the `nbns*` and
 * `mdns*` fields, the name poisoning detector's likewise, `sctpChunkType`, the
 * port scan detector's (the packet line names the chunk), and
 * `dnsAnswerDataBytes`, the DNS tunnel detector's.
 */
export function publicPacketFields(
  packet: PacketRecord,
): Omit<
  PacketRecord,
  | "srcAddressKey"
  | "dstAddressKey"
  | "tunnelSrcAddressKey"
  | "tunnelDstAddressKey"
  | "srcMacHigh"
  | "srcMacLow"
  | "udpServiceReply"
  | "icmpEchoTracker"
  | "nbnsId"
  | "nbnsFlags"
  | "nbnsAnswerCount"
  | "nbnsName"
  | "sctpChunkType"
  | "mdnsQueryName"
  | "mdnsRecords"
  | "dnsAnswerDataBytes"
> {
  const {
    srcAddressKey: _src,
    dstAddressKey: _dst,
    tunnelSrcAddressKey: _tunnelSrc,
    tunnelDstAddressKey: _tunnelDst,
    srcMacHigh: _srcMacHigh,
    srcMacLow: _srcMacLow,
    udpServiceReply: _reply,
    icmpEchoTracker: _tracker,
    nbnsId: _nbnsId,
    nbnsFlags: _nbnsFlags,
    nbnsAnswerCount: _nbnsAnswers,
    nbnsName: _nbnsName,
    sctpChunkType: _sctpChunkType,
    mdnsQueryName: _mdnsQuery,
    mdnsRecords: _mdnsRecords,
    dnsAnswerDataBytes: _answerData,
    ...fields
  } = plainPacket(packet);
  return fields;
}

/** Returns a plain record with every field at its "absent" value. */
export function emptyPacketRecord(): PacketRecord {
  return plainPacket(new DecodedPacket());
}
