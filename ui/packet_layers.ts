/**
 * A packet's decoded record (`GET /api/packets/:n`) as the layers it has,
 * outermost first, each with labelled fields and named codes: what the
 * packet modal shows. A layer the packet lacks is left out, and so is a
 * field at its "absent" value (-1, "").
 *
 * @module
 */

import {
  dnsRcodeName,
  dnsTypeName,
  icmpMessageName,
  LINK_TYPE_INFO,
} from "../capture/protocol_names.ts";
import { formatDateTimeUs, formatEndpoint } from "./format.ts";

/** One labelled value of a layer. */
export interface LayerField {
  /** What people call it ("Time to live"). */
  label: string;
  /** The value in words, codes named ("17 (UDP)"). */
  value: string;
  /** The record field it comes from (first one, when several make it). */
  field: string;
}

/** One protocol layer of a packet. */
export interface PacketLayer {
  /** "Frame", "Ethernet", "IPv4", "TCP", "DNS", … */
  title: string;
  fields: LayerField[];
}

/** EtherTypes (IEEE registry) by number. */
const ETHER_TYPES: Readonly<Record<number, string>> = {
  0x0800: "IPv4",
  0x0806: "ARP",
  0x86dd: "IPv6",
  0x8100: "802.1Q VLAN",
  0x88a8: "802.1ad QinQ",
  0x8847: "MPLS",
  0x88cc: "LLDP",
  0x888e: "EAPOL",
  0x8035: "RARP",
  0x88e5: "MACsec",
};

/** IP protocol numbers (IANA "Assigned Internet Protocol Numbers") by number. */
const IP_PROTOCOLS: Readonly<Record<number, string>> = {
  1: "ICMP",
  2: "IGMP",
  4: "IPv4 in IP",
  6: "TCP",
  17: "UDP",
  41: "IPv6 in IP",
  47: "GRE",
  50: "ESP",
  51: "AH",
  58: "ICMPv6",
  89: "OSPF",
  103: "PIM",
  112: "VRRP",
  132: "SCTP",
  136: "UDP-Lite",
};

/** TCP flags from the lowest bit (RFC 9293 section 3.1, RFC 3168). */
const TCP_FLAG_NAMES = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"];
const TCP_ACK = 0x10;
/** Neighbor advertisement flags, from the high bit down (RFC 4861 section 4.4). */
const ND_FLAG_NAMES = ["Router", "Solicited", "Override"];
/** Router advertisement flags, from the high bit down (RFC 4861 section 4.2, RFC 6275). */
const RA_FLAG_NAMES = ["Managed", "Other", "HomeAgent"];
/** A router advertisement's default router preference by its two bits (RFC 4191). */
const RA_PREFERENCES = ["medium", "high", "reserved", "low"];
/** ICMPv6 type of a router advertisement, whose flags byte means other bits. */
const ROUTER_ADVERTISEMENT = 134;

/** DHCPv4 message types (option 53, RFC 2132 section 9.6). */
const DHCPV4_TYPES = [
  "",
  "DISCOVER",
  "OFFER",
  "REQUEST",
  "DECLINE",
  "ACK",
  "NAK",
  "RELEASE",
  "INFORM",
];
/** DHCPv6 message types (RFC 8415 section 7.3). */
const DHCPV6_TYPES = [
  "",
  "SOLICIT",
  "ADVERTISE",
  "REQUEST",
  "CONFIRM",
  "RENEW",
  "REBIND",
  "REPLY",
  "RELEASE",
  "DECLINE",
  "RECONFIGURE",
  "INFORMATION-REQUEST",
  "RELAY-FORW",
  "RELAY-REPL",
];
/** DNS opcodes (RFC 1035, 1996, 2136, 8490). */
const DNS_OPCODES = [
  "QUERY",
  "IQUERY",
  "STATUS",
  "",
  "NOTIFY",
  "UPDATE",
  "DSO",
];
/** ARP operations (RFC 826). */
const ARP_OPERATIONS = ["", "request", "reply"];
/** Application hints in words. */
const APP_HINTS: Readonly<Record<string, string>> = {
  "http_request": "HTTP request",
  "http_response": "HTTP response",
  "tls_client_hello": "TLS ClientHello",
  "tls_server_hello": "TLS ServerHello",
  tls: "TLS record",
};

/** A code with its name: "17 (UDP)"; the number alone when it has none. */
function named(value: number, name: string | undefined): string {
  return name ? `${value} (${name})` : String(value);
}

function hex(value: number, digits: number): string {
  return `0x${value.toString(16).padStart(digits, "0")}`;
}

function bytes(value: number): string {
  return `${value} bytes`;
}

/** TCP flag bits in words, and in hex: "SYN, ACK (0x12)". */
function tcpFlagWords(flags: number): string {
  const names = TCP_FLAG_NAMES.filter((_, bit) => flags & (1 << bit));
  return names.length === 0
    ? `none (${hex(flags, 2)})`
    : `${names.join(", ")} (${hex(flags, 2)})`;
}

/** Neighbor Discovery flags in words (a router advertisement's, or a neighbor advertisement's). */
function ndFlagWords(flags: number, icmpType: number): string {
  const router = icmpType === ROUTER_ADVERTISEMENT;
  const names = (router ? RA_FLAG_NAMES : ND_FLAG_NAMES)
    .filter((_, bit) => flags & (0x80 >> bit));
  if (router) names.push(`preference ${RA_PREFERENCES[(flags >> 3) & 3]}`);
  return `${names.length > 0 ? names.join(", ") : "none"} (${hex(flags, 2)})`;
}

/** The layers of `record` (a decoded packet as the API gives it), outermost first. */
export function packetLayers(record: Record<string, unknown>): PacketLayer[] {
  const num = (field: string): number => {
    const value = record[field];
    return typeof value === "number" ? value : -1;
  };
  const str = (field: string): string => {
    const value = record[field];
    return typeof value === "string" ? value : "";
  };
  const layers: PacketLayer[] = [];
  let fields: LayerField[] = [];
  const add = (label: string, field: string, value: string) => {
    fields.push({ label, value, field });
  };
  /** Adds the field when the record has it (not -1, not ""). */
  const addNumber = (
    label: string,
    field: string,
    show: (value: number) => string = String,
  ) => {
    const value = num(field);
    if (value >= 0) add(label, field, show(value));
  };
  const addText = (label: string, field: string) => {
    const value = str(field);
    if (value !== "") add(label, field, value.replaceAll(",", ", "));
  };
  const close = (title: string) => {
    if (fields.length > 0) layers.push({ title, fields });
    fields = [];
  };

  // Frame.
  addNumber("Number", "n");
  addNumber("Time", "timestampUs", formatDateTimeUs);
  if (num("interfaceId") > 0) addNumber("Interface", "interfaceId");
  addNumber(
    "Link type",
    "linkType",
    (v) => named(v, LINK_TYPE_INFO[v]?.description),
  );
  addNumber("On the wire", "wireLength", bytes);
  const cutBySensor = record.cutBySensor === true;
  addNumber(
    "Captured",
    "capturedLength",
    (v) =>
      cutBySensor
        ? `${
          bytes(v)
        } kept by the sensor (the session PCAP has the whole frame)`
        : v < num("wireLength")
        ? `${bytes(v)} (cut by the snap length)`
        : bytes(v),
  );
  if (record.truncated === true) {
    add(
      "Truncated",
      "truncated",
      cutBySensor
        ? "the sensor keeps a frame's first bytes: fields past them are not shown here"
        : "a header says the packet is longer",
    );
  }
  addText("Decode anomaly", "anomaly");
  close("Frame");

  // Tunnels: the frame's outer addresses, the rest is the inner packet.
  const tunnel = str("tunnel");
  if (tunnel !== "") {
    add("Tunnels", "tunnel", tunnel.toUpperCase().replaceAll(" ", " → "));
    addText("Outer source", "tunnelSrcAddress");
    addText("Outer destination", "tunnelDstAddress");
    addNumber("Id (VNI, key, session)", "tunnelId");
    close("Tunnel");
  }

  // Link layer.
  addText("Source MAC", "srcMac");
  addText("Destination MAC", "dstMac");
  addNumber("VLAN id", "vlanId");
  addNumber(
    "EtherType",
    "etherType",
    (v) => `${hex(v, 4)} (${ETHER_TYPES[v] ?? "unknown"})`,
  );
  const linkType = num("linkType");
  close(
    linkType === 113 || linkType === 276
      ? "Linux cooked capture"
      : num("vlanId") >= 0
      ? "Ethernet, 802.1Q VLAN"
      : "Ethernet",
  );

  const network = str("network");
  if (network === "arp") {
    addNumber(
      "Operation",
      "arpOperation",
      (v) => named(v, ARP_OPERATIONS[v] || undefined),
    );
    addText("Sender IP", "srcAddress");
    addText("Sender MAC", "arpSenderMac");
    addText("Target IP", "dstAddress");
    addText("Target MAC", "arpTargetMac");
    close("ARP");
  } else if (network === "ipv4" || network === "ipv6") {
    addText("Source", "srcAddress");
    addText("Destination", "dstAddress");
    addNumber("Protocol", "ipProtocol", (v) => named(v, IP_PROTOCOLS[v]));
    addNumber(network === "ipv4" ? "Time to live" : "Hop limit", "ttl");
    if (num("ipLength") > 0) addNumber("Total length", "ipLength", bytes);
    if (record.fragment === true) {
      add(
        "Fragment",
        "fragment",
        record.laterFragment === true
          ? "a later fragment (no transport header)"
          : "the first fragment",
      );
      addNumber("Datagram id", "fragmentId");
    }
    close(network === "ipv4" ? "IPv4" : "IPv6");
  }

  const transport = str("transport");
  const ports = () => {
    addNumber("Source port", "srcPort");
    addNumber("Destination port", "dstPort");
  };
  if (transport === "tcp") {
    ports();
    const flags = num("tcpFlags");
    add("Flags", "tcpFlags", tcpFlagWords(Math.max(0, flags)));
    add("Sequence number", "tcpSeq", String(num("tcpSeq")));
    if (flags & TCP_ACK) {
      add("Acknowledgement number", "tcpAck", String(num("tcpAck")));
    }
    add("Window", "tcpWindow", String(num("tcpWindow")));
    addNumber("Payload", "payloadLength", bytes);
    close("TCP");
  } else if (transport === "udp" || transport === "sctp") {
    ports();
    addNumber("Payload", "payloadLength", bytes);
    close(transport === "udp" ? "UDP" : "SCTP");
  } else if (transport === "icmp" || transport === "icmpv6") {
    const v6 = transport === "icmpv6";
    const type = num("icmpType");
    const code = num("icmpCode");
    if (type >= 0) {
      add("Message", "icmpType", icmpMessageName(v6, type, code));
      add("Type", "icmpType", String(type));
    }
    addNumber("Code", "icmpCode");
    addNumber("Echo id", "icmpId");
    addNumber("Echo sequence", "icmpSeq");
    const quoted = num("quotedProtocol");
    if (quoted >= 0) {
      add(
        "Quoted packet",
        "quotedProtocol",
        `${IP_PROTOCOLS[quoted] ?? `protocol ${quoted}`} to ${
          formatEndpoint(str("quotedDstAddress"), num("quotedDstPort"))
        }${
          num("quotedSrcPort") >= 0 ? ` from port ${num("quotedSrcPort")}` : ""
        }`,
      );
    }
    close(v6 ? "ICMPv6" : "ICMP");
    addText("Target", "ndTarget");
    addNumber("Flags", "ndFlags", (v) => ndFlagWords(v, type));
    addText("Link-layer address", "ndLinkMac");
    addNumber("Router lifetime", "ndRouterLifetimeS", (v) => `${v} s`);
    addText("Prefixes", "ndPrefixes");
    addText("Routes", "ndRoutes");
    addText("DNS servers", "ndDnsServers");
    addText("DNS servers withdrawn", "ndDnsWithdrawn");
    close("Neighbor Discovery");
  } else if (transport === "other" && num("ipProtocol") >= 0) {
    addNumber("Payload", "payloadLength", bytes);
    close(
      IP_PROTOCOLS[num("ipProtocol")] ?? `IP protocol ${num("ipProtocol")}`,
    );
  }

  const dhcpType = num("dhcpMessageType");
  if (dhcpType >= 0) {
    const v6 = network === "ipv6";
    add(
      "Message type",
      "dhcpMessageType",
      named(
        dhcpType,
        (v6 ? DHCPV6_TYPES : DHCPV4_TYPES)[dhcpType] || undefined,
      ),
    );
    addText("Server id", "dhcpServerId");
    addText("Leased addresses", "dhcpLeaseAddresses");
    addNumber("Subnet", "dhcpPrefixLength", (v) => `/${v}`);
    addText("Routers", "dhcpRouters");
    addText("Routes", "dhcpRoutes");
    addText("DNS servers", "dhcpDnsServers");
    addText("Client MAC", "dhcpClientMac");
    addText("Client address", "dhcpClientAddress");
    addText("Client id", "dhcpClientId");
    addText("Relay agent", "dhcpRelayAddress");
    close(v6 ? "DHCPv6" : "DHCP");
  }

  if (num("dnsId") >= 0) {
    add("Transaction id", "dnsId", hex(num("dnsId"), 4));
    add(
      "Kind",
      "dnsResponse",
      record.dnsResponse === true ? "response" : "query",
    );
    addNumber(
      "Opcode",
      "dnsOpcode",
      (v) => named(v, DNS_OPCODES[v] || undefined),
    );
    if (num("dnsQtype") >= 0) {
      add(
        "Question",
        "dnsQname",
        `${str("dnsQname") || "<root>"} ${dnsTypeName(num("dnsQtype"))}`,
      );
      add(
        "Question type",
        "dnsQtype",
        named(num("dnsQtype"), dnsTypeName(num("dnsQtype"))),
      );
    }
    add(
      "Questions",
      "dnsQuestionCount",
      String(Math.max(0, num("dnsQuestionCount"))),
    );
    if (record.dnsResponse === true) {
      add(
        "Answers",
        "dnsAnswerCount",
        String(Math.max(0, num("dnsAnswerCount"))),
      );
      addNumber("Response code", "dnsRcode", (v) => named(v, dnsRcodeName(v)));
    }
    close("DNS");
  }

  const app = str("app");
  if (app !== "" && app !== "dns") {
    add("Payload starts", "app", APP_HINTS[app] ?? app);
  }
  // As the packet wrote them (commas and all).
  const addWhole = (label: string, field: string) => {
    if (str(field) !== "") add(label, field, str(field));
  };
  addWhole("HTTP method", "httpMethod");
  addWhole("HTTP target", "httpUri");
  addWhole("HTTP host", "httpHost");
  addWhole("HTTP user agent", "httpUserAgent");
  addNumber("HTTP status", "httpStatus");
  addWhole("TLS server name (SNI)", "tlsServerName");
  const failure = str("authFailure");
  if (failure !== "") {
    add("Login", "authFailure", `${failure.toUpperCase()} login refused`);
  }
  const success = str("authSuccess");
  if (success !== "") {
    add("Login", "authSuccess", `${success.toUpperCase()} login accepted`);
  }
  close("Application");
  return layers;
}
