/**
 * Text forms of a packet record: a tcpdump-like one-liner for people (the
 * JSON line for scripts is server/cli/packet_json.ts).
 *
 * @module
 */

import { type PacketRecord, TCP_FLAGS } from "./packet_record.ts";
import { sctpChunkName } from "./decode/sctp.ts";
import {
  dnsRcodeName,
  dnsTypeName,
  icmpMessageName,
} from "./protocol_names.ts";

/** Formats a capture timestamp (µs since the epoch) as UTC "HH:MM:SS.uuuuuu". */
export function formatTimeOfDay(timestampUs: number): string {
  const seconds = Math.floor(timestampUs / 1e6);
  const micros = timestampUs - seconds * 1e6;
  const date = new Date(seconds * 1000);
  const hh = String(date.getUTCHours()).padStart(2, "0");
  const mm = String(date.getUTCMinutes()).padStart(2, "0");
  const ss = String(date.getUTCSeconds()).padStart(2, "0");
  return `${hh}:${mm}:${ss}.${String(micros).padStart(6, "0")}`;
}

/**
 * Formats TCP flag bits the way tcpdump does, in its order (print-tcp.c's
 * table: F S R P . U E W): "S", "S.", "P.", "F.", "R", "." for a bare ACK,
 * "S.E" for an ECN-capable SYN/ACK.
 */
export function formatTcpFlags(flags: number): string {
  let out = "";
  if (flags & TCP_FLAGS.FIN) out += "F";
  if (flags & TCP_FLAGS.SYN) out += "S";
  if (flags & TCP_FLAGS.RST) out += "R";
  if (flags & TCP_FLAGS.PSH) out += "P";
  if (flags & TCP_FLAGS.ACK) out += ".";
  if (flags & TCP_FLAGS.URG) out += "U";
  if (flags & TCP_FLAGS.ECE) out += "E";
  if (flags & TCP_FLAGS.CWR) out += "W";
  return out === "" ? "none" : out;
}

/**
 * An ICMP or ICMPv6 message in words: its name, an echo's id and sequence
 * number, and what an error quotes ("ICMP port unreachable, quoting udp
 * 10.0.0.5:1025").
 */
export function icmpText(packet: PacketRecord): string {
  const v6 = packet.transport === "icmpv6";
  let text = `${v6 ? "ICMP6" : "ICMP"} ${
    icmpMessageName(v6, packet.icmpType, packet.icmpCode)
  }`;
  if (packet.icmpId >= 0) text += ` id ${packet.icmpId}`;
  if (packet.icmpSeq >= 0) text += ` seq ${packet.icmpSeq}`;
  if (packet.quotedProtocol >= 0 && packet.quotedDstAddress !== "") {
    const protocol = QUOTED_PROTOCOLS[packet.quotedProtocol] ??
      `proto ${packet.quotedProtocol}`;
    const port = packet.quotedDstPort;
    const address = port >= 0
      ? endpoint(
        packet.quotedDstAddress,
        port,
        packet.quotedDstAddress.includes(":"),
      )
      : packet.quotedDstAddress;
    text += `, quoting ${protocol} ${address}`;
  }
  if (packet.ndTarget !== "") text += neighborText(packet);
  if (packet.ndRouterLifetimeS >= 0) text += routerText(packet);
  return text;
}

/** A router advertisement, tcpdump's way and more: ", router lifetime 1800s, prf high, prefixes 2001:db8::/64, routes ::/1, dns fe80::1 (from MAC)". */
function routerText(packet: PacketRecord): string {
  const flags = packet.ndFlags;
  const letters = RA_FLAG_LETTERS.filter(([bit]) => (flags & bit) !== 0)
    .map(([, letter]) => letter).join("");
  const prefixes = packet.ndPrefixes.replaceAll(",", " ");
  const routes = packet.ndRoutes.replaceAll(",", " ");
  const dns = packet.ndDnsServers.replaceAll(",", " ");
  const mac = packet.ndLinkMac;
  return `, router lifetime ${packet.ndRouterLifetimeS}s, prf ${
    ROUTER_PREFERENCES[(flags >> 3) & 3]
  }${letters !== "" ? ` [${letters}]` : ""}${
    prefixes !== "" ? `, prefixes ${prefixes}` : ""
  }${routes !== "" ? `, routes ${routes}` : ""}${
    dns !== "" ? `, dns ${dns}` : ""
  }${mac !== "" ? ` (from ${mac})` : ""}`;
}

/** Router advertisement flags and their letters: managed, other configuration, home agent. */
const RA_FLAG_LETTERS: readonly (readonly [number, string])[] = [
  [0x80, "M"],
  [0x40, "O"],
  [0x20, "H"],
];

/** A router advertisement's default router preference by its two bits (RFC 4191 section 2.2). */
const ROUTER_PREFERENCES = ["medium", "high", "reserved", "low"] as const;

/** A neighbor solicitation's question or an advertisement's answer, tcpdump's way: ", who has X" or ", X is at MAC [flags]". */
function neighborText(packet: PacketRecord): string {
  const mac = packet.ndLinkMac;
  if (packet.ndFlags < 0) {
    return `, who has ${packet.ndTarget}${mac !== "" ? ` (from ${mac})` : ""}`;
  }
  const flags = ND_FLAG_LETTERS.filter(([bit]) => (packet.ndFlags & bit) !== 0)
    .map(([, letter]) => letter).join("");
  return `, ${packet.ndTarget} is at ${mac !== "" ? mac : "(no address)"}${
    flags !== "" ? ` [${flags}]` : ""
  }`;
}

/** Neighbor advertisement flags and their letters: router, solicited, override. */
const ND_FLAG_LETTERS: readonly (readonly [number, string])[] = [
  [0x80, "R"],
  [0x40, "S"],
  [0x20, "O"],
];

/** Quoted transport protocols by number, as {@linkcode icmpText} names them. */
const QUOTED_PROTOCOLS: Readonly<Record<number, string>> = {
  1: "icmp",
  6: "tcp",
  17: "udp",
  58: "icmp6",
  132: "sctp",
};

function endpoint(address: string, port: number, ipv6: boolean): string {
  if (port < 0) return address;
  return ipv6 ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The tunnels a packet came through, with the outermost one's id and endpoints ("vxlan id 42 10.9.0.1 > 10.9.0.2"); "" for a packet that came through none. */
export function tunnelText(packet: PacketRecord): string {
  if (packet.tunnel === "") return "";
  const id = packet.tunnelId >= 0 ? ` id ${packet.tunnelId}` : "";
  return `${packet.tunnel}${id} ${packet.tunnelSrcAddress} > ${packet.tunnelDstAddress}`;
}

/** Formats one packet as a single tcpdump-like line (UTC time of day first; a tunneled packet's tunnels in brackets before the inner packet). */
export function formatPacketLine(packet: PacketRecord): string {
  const time = formatTimeOfDay(packet.timestampUs);
  const v6 = packet.network === "ipv6";
  const src = endpoint(packet.srcAddress, packet.srcPort, v6);
  const dst = endpoint(packet.dstAddress, packet.dstPort, v6);
  const vlan = packet.vlanId >= 0 ? ` vlan ${packet.vlanId}` : "";
  let body: string;
  if (packet.network === "arp") {
    const op = packet.arpOperation === 1
      ? `who-has ${packet.dstAddress} tell ${packet.srcAddress}`
      : packet.arpOperation === 2
      ? `${packet.srcAddress} is-at ${packet.arpSenderMac}`
      : `operation ${packet.arpOperation}`;
    body = `ARP ${op}`;
  } else if (packet.network === "other") {
    const type = packet.etherType >= 0
      ? `ethertype 0x${packet.etherType.toString(16).padStart(4, "0")}`
      : "unknown";
    body = `${packet.srcMac || "?"} > ${packet.dstMac || "?"} ${type}`;
  } else {
    const ip = v6 ? "IP6" : "IP";
    switch (packet.transport) {
      case "tcp":
        body = `${ip} ${src} > ${dst}: TCP [${
          formatTcpFlags(packet.tcpFlags)
        }] seq ${packet.tcpSeq} ack ${packet.tcpAck} win ${packet.tcpWindow} length ${packet.payloadLength}`;
        break;
      case "udp":
        body = `${ip} ${src} > ${dst}: UDP length ${packet.payloadLength}`;
        break;
      case "icmp":
      case "icmpv6":
        body = `${ip} ${src} > ${dst}: ${icmpText(packet)}`;
        break;
      case "sctp":
        body = `${ip} ${src} > ${dst}: SCTP${
          packet.sctpChunkType >= 0
            ? ` [${sctpChunkName(packet.sctpChunkType)}]`
            : ""
        } length ${packet.payloadLength}`;
        break;
      default:
        body = packet.laterFragment
          ? `${ip} ${src} > ${dst}: fragment, proto ${packet.ipProtocol}`
          : `${ip} ${src} > ${dst}: proto ${packet.ipProtocol}`;
    }
  }
  if (packet.dnsId >= 0) {
    body += ` DNS ${
      packet.dnsResponse ? "response" : "query"
    } id ${packet.dnsId}${
      // A message without a question (a bare update, a notify) has no type.
      packet.dnsQtype >= 0
        ? ` ${packet.dnsQname || "<root>"} qtype ${
          dnsTypeName(packet.dnsQtype)
        }`
        : " (no question)"}`;
    if (packet.dnsResponse) {
      body += ` rcode ${
        dnsRcodeName(packet.dnsRcode)
      } answers ${packet.dnsAnswerCount}`;
    }
  } else if (packet.app !== "") {
    body += ` ${packet.app}`;
  }
  if (packet.truncated) body += " [truncated]";
  if (packet.anomaly !== "") body += ` [anomaly ${packet.anomaly}]`;
  const tunnel = packet.tunnel === "" ? "" : ` [${tunnelText(packet)}]`;
  return `${time}${vlan}${tunnel} ${body}`;
}
