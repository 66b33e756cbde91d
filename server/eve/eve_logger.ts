/**
 * Turns packets and alert events into Suricata-EVE-shaped records: alert,
 * flow, dns, http (a request's method, target and host), tls (a
 * ClientHello's server name), arp and stats. Driven by packet time only;
 * every table is bounded. Records go to an {@linkcode EveSink} (a rotating file, stdout, a
 * test).
 *
 * @module
 */

import type { PacketRecord } from "../../capture/packet_record.ts";
import { TCP_FLAGS } from "../../capture/packet_record.ts";
import { ALERT_KINDS, type Severity } from "../../detectors/alert.ts";
import type { AlertEvent } from "../../detectors/alert_lifecycle.ts";
import { endpointKey } from "../../capture/decode/address_key.ts";
import { keptText } from "../../capture/decoded_packet.ts";
import { isDnsMessage } from "../../capture/decode/dns.ts";
import { FragmentTrail } from "../../detectors/fragment_trail.ts";
import { hashKey, NumericKeyMap } from "../../detectors/numeric_key_map.ts";
import { communityId } from "../community_id.ts";
import { CommunityIdCache } from "./community_id_cache.ts";
import { writeDnsRecord } from "./dns_record.ts";
import { type EveSink, writeLine } from "./eve_sink.ts";
import { eveTimestamp } from "./eve_time.ts";
import {
  blankFlow,
  type EveFlow,
  flowAddresses,
  type FlowEndReason,
  isIcmpFlow,
  writeFlowRecord,
} from "./flow_record.ts";
import { HttpExchanges, MAX_PENDING_HTTP_TOTAL } from "./http_exchanges.ts";

/** Port numbers' span, to hold a protocol and two ports in one number. */
const PORT_SPAN = 65_536;

/** Adds `packet`'s bytes and `packets` (1, or 0 for a later fragment of a datagram counted already) to `flow`'s counts in its direction, and its time. */
function countPacket(
  flow: EveFlow,
  toServer: boolean,
  packet: PacketRecord,
  packets = 1,
): void {
  flow.lastUs = packet.timestampUs;
  if (toServer) {
    flow.pktsToServer += packets;
    flow.bytesToServer += packet.wireLength;
  } else {
    flow.pktsToClient += packets;
    flow.bytesToClient += packet.wireLength;
  }
}

/** Which record types to write. */
export type EveEventType =
  | "alert"
  | "flow"
  | "dns"
  | "http"
  | "tls"
  | "arp"
  | "stats";

/** Settings of an {@linkcode EveLogger}. */
export interface EveLoggerOptions {
  /** Record types written (default: all). */
  types?: EveEventType[];
  /** Flows tracked at most; the least recently seen is logged ("forced") and dropped. */
  maxFlows?: number;
  /** A TCP flow idle this long is logged and dropped, µs of packet time. */
  tcpIdleUs?: number;
  /** A UDP/ICMP/other flow idle this long is logged and dropped, µs. */
  otherIdleUs?: number;
  /** Packet time between stats records, µs. */
  statsIntervalUs?: number;
  /** Community ID seed. */
  communityIdSeed?: number;
  /** Name of the capture interface, written as `in_iface`. */
  iface?: string;
}

/** Defaults: every type, 65 536 flows, 120 s TCP / 60 s other idle, stats each 60 s. */
export const EVE_LOGGER_DEFAULTS = {
  types: ["alert", "flow", "dns", "http", "tls", "arp", "stats"],
  maxFlows: 65_536,
  tcpIdleUs: 120_000_000,
  otherIdleUs: 60_000_000,
  statsIntervalUs: 60_000_000,
  communityIdSeed: 0,
  iface: "",
} satisfies Required<EveLoggerOptions>;

/** Suricata severities: 1 is the most severe. */
const SEVERITY: Record<Severity, number> = {
  critical: 1,
  high: 1,
  medium: 2,
  low: 3,
};

/** Suricata classtype descriptions for each alert kind. */
const CATEGORY: Record<string, string> = {
  "port_scan": "Detection of a Network Scan",
  "syn_flood": "Attempted Denial of Service",
  "arp_scan": "Detection of a Network Scan",
  "arp_spoof": "Misc Attack",
  "ndp_spoof": "Misc Attack",
  "ndp_scan": "Detection of a Network Scan",
  "rogue_router": "Misc Attack",
  "dhcp_spoof": "Misc Attack",
  "dhcp_starvation": "Attempted Denial of Service",
  "icmp_tunnel": "Potentially Bad Traffic",
  "brute_force": "Attempted User Privilege Gain",
  "reflection_flood": "Attempted Denial of Service",
  "udp_flood": "Attempted Denial of Service",
  "mac_flood": "Attempted Information Leak",
  "name_poisoning": "Attempted User Privilege Gain",
  "icmp_flood": "Attempted Denial of Service",
  "icmp_sweep": "Detection of a Network Scan",
  "dns_tunnel": "Potentially Bad Traffic",
  "data_exfil": "Potential Corporate Privacy Violation",
};

/** Signature ids: 9 100 001 onwards, in the order of ALERT_KINDS. */
const SIGNATURE_BASE = 9_100_001;

/** A JSON record. */
export type EveRecord = Record<string, unknown>;

/** Builds EVE records and writes each into a {@linkcode EveSink}. */
export class EveLogger {
  readonly #sink: EveSink;
  readonly #options: Required<EveLoggerOptions>;
  readonly #types: Set<EveEventType>;
  /** Community IDs of recent DNS exchanges, shared by a query's and its answer's records. */
  readonly #communityIds = new CommunityIdCache();
  /** The interface name, "" when none. */
  readonly #ifaceName: string;
  /** Whether http records are asked for. */
  readonly #logsHttp: boolean;
  /** Flows by (lower endpoint key, higher endpoint key, protocol): numbers, so a lookup builds no key string. */
  readonly #flows: NumericKeyMap<EveFlow>;
  /** First fragments' protocols and ports ((protocol × 65 536 + source) × 65 536 + destination), for the later fragments of their datagrams. */
  readonly #fragments = new FragmentTrail();
  #lastUs = 0;
  #firstUs = -1;
  #nextStatsUs = -1;
  #nextExpiryUs = 0;
  #flowsTotal = 0;
  /** HTTP requests waiting for their responses, over all flows. */
  #pendingHttp = 0;
  #alerts = 0;
  readonly #decoder = {
    pkts: 0,
    bytes: 0,
    ipv4: 0,
    ipv6: 0,
    arp: 0,
    tcp: 0,
    udp: 0,
    icmpv4: 0,
    icmpv6: 0,
    sctp: 0,
    dns: 0,
    fragments: 0,
    /** Packets decapsulated from a tunnel (VXLAN, Geneve, GRE, ERSPAN, IP in IP): counted above as their inner packets. */
    tunneled: 0,
    truncated: 0,
    anomalies: 0,
  };
  /** tcpdump's counts for the stats record (live capture), when known. */
  capture: { kernel_packets: number; kernel_drops: number } | undefined;

  /** `sink` receives every record. */
  constructor(sink: EveSink, options: EveLoggerOptions = {}) {
    this.#sink = sink;
    this.#options = { ...EVE_LOGGER_DEFAULTS, ...options };
    this.#types = new Set(this.#options.types);
    this.#ifaceName = this.#options.iface;
    this.#logsHttp = this.#types.has("http");
    // Flow objects are recycled: under a spoofed flood, where every packet
    // is a new flow, a logged flow's object holds the next one instead of
    // becoming garbage in the old generation.
    this.#flows = new NumericKeyMap(
      this.#options.maxFlows,
      (flow) => this.#logFlow(flow, "forced"),
      { recycle: true },
    );
  }

  /** Takes one packet: counters, dns/arp records, flow accounting. */
  observe(packet: PacketRecord): void {
    const now = packet.timestampUs;
    if (now > this.#lastUs) this.#lastUs = now;
    if (this.#firstUs < 0) {
      this.#firstUs = now;
      this.#nextStatsUs = now + this.#options.statsIntervalUs;
    }
    this.#count(packet);
    // An ARP whose addresses were not decoded (truncated, or not
    // Ethernet/IPv4: counted as a decode anomaly) has nothing to log.
    if (
      packet.network === "arp" && packet.arpSenderMac !== "" &&
      this.#types.has("arp")
    ) {
      this.#logArp(packet);
    }
    // Not for another protocol's datagrams on a DNS port (iodine's raw
    // mode): their "header" is no DNS message, as Suricata logs none.
    if (isDnsMessage(packet) && this.#types.has("dns")) this.#logDns(packet);
    if (packet.tlsServerName !== "" && this.#types.has("tls")) {
      this.#logTls(packet);
    }
    if (packet.network === "ipv4" || packet.network === "ipv6") {
      if (packet.laterFragment) this.#accountLaterFragment(packet);
      else this.#account(packet);
    }
    if (now >= this.#nextExpiryUs) {
      this.#expire(now);
      this.#nextExpiryUs = now + 1_000_000;
    }
    if (now >= this.#nextStatsUs && this.#types.has("stats")) {
      this.#logStats();
      this.#nextStatsUs = now + this.#options.statsIntervalUs;
    }
  }

  /**
   * Takes an alert lifecycle event; writes an alert record when one engages,
   * again each time its severity rises (an "updated" event with
   * `escalatedFrom`), its MITRE technique changes (`reclassifiedFrom`) or
   * it is reopened after its release (`reopened`: its incident came back
   * within the suppression time), with the new severity, technique,
   * summary and evidence, so that a SIEM rule on severity or technique sees
   * the change, and once more when it is released (idle, or at the end of
   * the input) with its final figures.
   * Every record says which (`netmirror.state`); one after the first is
   * stamped with the alert's latest packet time and names what changed
   * (`netmirror.escalated_from`, `netmirror.reclassified_from`,
   * `netmirror.reopened`). An alert released at idle whose detector gives
   * its last figures at the end of the input is released again with them,
   * marked `netmirror.revised`: they replace the earlier release's.
   */
  alert(event: AlertEvent): void {
    const updated = event.type === "updated";
    const escalatedFrom = updated ? event.escalatedFrom : undefined;
    const reclassifiedFrom = updated ? event.reclassifiedFrom : undefined;
    const reopened = updated && event.reopened === true;
    const changed = escalatedFrom !== undefined ||
      reclassifiedFrom !== undefined || reopened;
    if (updated && !changed) return;
    // Stats count alerts raised and changed, as Suricata's detect.alert.
    if (event.type !== "released") this.#alerts++;
    const { alert } = event;
    // Flows of the attacker and victim are marked, as Suricata's flow.alerted.
    if (
      event.type !== "released" &&
      (alert.attacker !== "" || alert.victim !== "")
    ) {
      for (const flow of this.#flows.values()) {
        if (
          involves(flow, alert.attacker) &&
          (alert.victim === "" || involves(flow, alert.victim))
        ) flow.alerted = true;
      }
    }
    if (!this.#types.has("alert")) return;
    const record: EveRecord = {
      timestamp: eveTimestamp(
        event.type === "engaged" ? alert.firstSeenUs : alert.lastSeenUs,
      ),
      "event_type": "alert",
      ...this.#iface(),
      ...endpointFields(alert.attacker, alert.victim),
      alert: {
        action: "allowed",
        gid: 1,
        "signature_id": SIGNATURE_BASE + ALERT_KINDS.indexOf(alert.kind),
        rev: 1,
        signature: `NETMIRROR ${alert.title}: ${alert.summary}`,
        category: CATEGORY[alert.kind] ?? "Misc activity",
        severity: SEVERITY[alert.severity],
        metadata: {
          "mitre_technique_id": [alert.mitre.id],
          "mitre_technique_name": [alert.mitre.name],
          "mitre_tactic_name": [alert.mitre.tactic],
          "netmirror_kind": [alert.kind],
          "netmirror_alert_id": [alert.id],
        },
      },
      netmirror: {
        "alert_id": alert.id,
        state: event.type,
        severity: alert.severity,
        description: alert.description,
        recommendation: alert.recommendation,
        evidence: alert.evidence,
        ...(alert.domain ? { domain: alert.domain } : {}),
        ...(escalatedFrom === undefined
          ? {}
          : { "escalated_from": escalatedFrom }),
        ...(reclassifiedFrom === undefined
          ? {}
          : { "reclassified_from": reclassifiedFrom }),
        ...(reopened ? { reopened: true } : {}),
        ...(event.revised ? { revised: true } : {}),
      },
    };
    this.#emit(record);
  }

  /** Ends the input: logs every open flow ("shutdown") and a last stats record. */
  finish(): void {
    for (const flow of this.#flows.values()) {
      this.#logFlow(flow, "shutdown");
    }
    this.#flows.clear();
    if (this.#types.has("stats") && this.#firstUs >= 0) this.#logStats();
  }

  #count(packet: PacketRecord): void {
    const d = this.#decoder;
    d.pkts++;
    d.bytes += packet.wireLength;
    if (packet.network === "ipv4") d.ipv4++;
    else if (packet.network === "ipv6") d.ipv6++;
    else if (packet.network === "arp") d.arp++;
    switch (packet.transport) {
      case "tcp":
        d.tcp++;
        break;
      case "udp":
        d.udp++;
        break;
      case "icmp":
        d.icmpv4++;
        break;
      case "icmpv6":
        d.icmpv6++;
        break;
      case "sctp":
        d.sctp++;
        break;
    }
    if (packet.dnsId >= 0) d.dns++;
    if (packet.fragment) d.fragments++;
    if (packet.tunnel !== "") d.tunneled++;
    if (packet.truncated) d.truncated++;
    if (packet.anomaly !== "") d.anomalies++;
  }

  #account(packet: PacketRecord): void {
    const srcAddressKey = packet.srcAddressKey;
    const dstAddressKey = packet.dstAddressKey;
    if (srcAddressKey < 0 || dstAddressKey < 0) return;
    const icmp = packet.transport === "icmp" || packet.transport === "icmpv6";
    const srcPort = icmp ? -1 : packet.srcPort;
    const dstPort = icmp ? -1 : packet.dstPort;
    const srcKeyPort = srcPort < 0 ? 0 : srcPort;
    const dstKeyPort = dstPort < 0 ? 0 : dstPort;
    // A first fragment: its datagram's later ones join its flow.
    if (packet.fragment) {
      this.#fragments.note(
        packet,
        (packet.ipProtocol * PORT_SPAN + srcKeyPort) * PORT_SPAN + dstKeyPort,
      );
    }
    const src = endpointKey(srcAddressKey, srcKeyPort);
    const dst = endpointKey(dstAddressKey, dstKeyPort);
    const lowKey = src < dst ? src : dst;
    const highKey = src < dst ? dst : src;
    const protocol = packet.ipProtocol;
    const hash = hashKey(lowKey, highKey, protocol);
    const now = packet.timestampUs;
    // get, not peek: a flow seen now is never the one evicted next (exact
    // LRU order, so flows end as they always did).
    let flow = this.#flows.get(lowKey, highKey, protocol, hash);
    if (flow === undefined) {
      flow = this.#flows.spare() ?? blankFlow();
      flow.lowKey = lowKey;
      flow.highKey = highKey;
      flow.clientKey = src;
      flow.clientAddressKey = srcAddressKey;
      flow.serverAddressKey = dstAddressKey;
      flow.clientAddress = keptText(srcAddressKey, packet, true);
      flow.serverAddress = keptText(dstAddressKey, packet, false);
      flow.clientPort = srcPort;
      flow.serverPort = dstPort;
      flow.protocol = protocol;
      flow.transport = packet.transport;
      flow.firstIcmpType = packet.icmpType;
      flow.firstIcmpCode = packet.icmpCode;
      flow.startUs = now;
      flow.lastUs = now;
      flow.pktsToServer = 0;
      flow.pktsToClient = 0;
      flow.bytesToServer = 0;
      flow.bytesToClient = 0;
      flow.tcpFlags = 0;
      flow.finSeen = 0;
      flow.synAck = false;
      flow.alerted = false;
      flow.http = undefined;
      this.#flowsTotal++;
      this.#flows.add(lowKey, highKey, protocol, flow, hash);
    }
    const toServer = src === flow.clientKey;
    countPacket(flow, toServer, packet);
    if (packet.transport === "tcp") {
      const app = packet.app;
      if (
        (app === "http_request" || app === "http_response") && this.#logsHttp
      ) this.#http(flow, packet, toServer);
      const flags = packet.tcpFlags;
      flow.tcpFlags |= flags;
      if (
        (flags & (TCP_FLAGS.SYN | TCP_FLAGS.ACK)) ===
          (TCP_FLAGS.SYN | TCP_FLAGS.ACK)
      ) flow.synAck = true;
      if (flags & TCP_FLAGS.FIN) flow.finSeen |= toServer ? 1 : 2;
      if ((flags & TCP_FLAGS.RST) || flow.finSeen === 3) {
        // The connection is over: log it now rather than at idle timeout.
        this.#flows.delete(flow.lowKey, flow.highKey, flow.protocol);
        this.#logFlow(flow, "timeout");
      }
    }
  }

  /**
   * Adds a later fragment, which has no ports, to the flow of its datagram's
   * first fragment: its bytes, but not as a packet, so a datagram counts
   * once as Suricata counts its reassembly (whose bytes leave out the
   * fragments' repeated IP headers, which these include). One whose first
   * fragment was not seen (or whose flow has ended) is in no flow.
   */
  #accountLaterFragment(packet: PacketRecord): void {
    const noted = this.#fragments.valueOf(packet);
    if (noted < 0) return;
    const ports = noted % (PORT_SPAN * PORT_SPAN);
    const protocol = Math.floor(noted / (PORT_SPAN * PORT_SPAN));
    const src = endpointKey(
      packet.srcAddressKey,
      Math.floor(ports / PORT_SPAN),
    );
    const dst = endpointKey(packet.dstAddressKey, ports % PORT_SPAN);
    const lowKey = src < dst ? src : dst;
    const highKey = src < dst ? dst : src;
    const flow = this.#flows.get(lowKey, highKey, protocol);
    if (flow !== undefined) {
      countPacket(flow, src === flow.clientKey, packet, 0);
    }
  }

  #expire(nowUs: number): void {
    const { tcpIdleUs, otherIdleUs } = this.#options;
    const shortest = Math.min(tcpIdleUs, otherIdleUs);
    // Entries are in least-recently-seen order: stop at the first young one.
    this.#flows.expireOldest((flow) => {
      const idle = nowUs - flow.lastUs;
      if (idle < shortest) return false;
      const limit = flow.transport === "tcp" ? tcpIdleUs : otherIdleUs;
      if (idle < limit) return false;
      this.#logFlow(flow, "timeout");
      return true;
    });
  }

  #logFlow(flow: EveFlow, reason: FlowEndReason): void {
    // Its requests still unanswered first, as their flow ends.
    flow.http?.drain(this.#emitHttp);
    if (!this.#types.has("flow")) return;
    const icmp = isIcmpFlow(flow);
    // Hashed afresh, not through the cache the DNS records share: a flow is
    // written once, and under a flood of new flows cached IDs would outlive
    // the young generation (peak RSS 180 → 300 MiB on the 1M-source flood).
    // IPv4 addresses go in by key, IPv6 ones by their kept text.
    const id = communityId({
      srcAddress: flow.clientAddress,
      dstAddress: flow.serverAddress,
      srcAddressKey: flow.clientAddressKey,
      dstAddressKey: flow.serverAddressKey,
      protocol: flow.protocol,
      srcPort: icmp ? flow.firstIcmpType : flow.clientPort,
      dstPort: icmp ? flow.firstIcmpCode : flow.serverPort,
    }, this.#options.communityIdSeed);
    writeFlowRecord(this.#sink.out, flow, reason, this.#ifaceName, id);
    this.#sink.endRecord();
  }

  #logDns(packet: PacketRecord): void {
    const id = this.#packetCommunityId(packet);
    writeDnsRecord(this.#sink.out, packet, this.#ifaceName, id);
    this.#sink.endRecord();
  }

  /** An HTTP request or response on `flow`: a request waits for its response's status (http_exchanges.ts). */
  #http(flow: EveFlow, packet: PacketRecord, toServer: boolean): void {
    if (packet.app === "http_request") {
      if (packet.httpMethod === "") return;
      const record = this.#httpRecord(packet);
      if (this.#pendingHttp >= MAX_PENDING_HTTP_TOTAL) {
        this.#emit(record);
        return;
      }
      const kept = (flow.http ??= new HttpExchanges()).request(
        record,
        packet.tcpSeq,
        toServer,
        this.#emitHttp,
      );
      if (kept) this.#pendingHttp++;
    } else if (flow.http !== undefined) {
      flow.http.response(
        packet.httpStatus,
        packet.tcpSeq,
        toServer,
        this.#emitHttp,
      );
    }
  }

  /** Writes a request that waited (its flow's {@linkcode HttpExchanges} let it go). */
  readonly #emitHttp = (record: EveRecord): void => {
    this.#pendingHttp--;
    this.#emit(record);
  };

  /** An HTTP request's record, as Suricata's http record names its fields (hostname and http_user_agent only when the request's first segment holds them; status added by its response). */
  #httpRecord(packet: PacketRecord): EveRecord {
    const userAgent = packet.httpUserAgent;
    return {
      ...this.#endpoints(packet, "http"),
      http: {
        ...(packet.httpHost === "" ? {} : { hostname: packet.httpHost }),
        url: packet.httpUri,
        ...(userAgent === "" ? {} : { "http_user_agent": userAgent }),
        "http_method": packet.httpMethod,
      },
    };
  }

  /** A TLS ClientHello's server name, as Suricata's tls record names it. */
  #logTls(packet: PacketRecord): void {
    this.#emit({
      ...this.#endpoints(packet, "tls"),
      tls: { sni: packet.tlsServerName },
    });
  }

  /** The start of a record of a TCP packet's own: time, event type, interface, endpoints and Community ID. */
  #endpoints(packet: PacketRecord, eventType: EveEventType): EveRecord {
    const id = this.#packetCommunityId(packet);
    return {
      timestamp: eveTimestamp(packet.timestampUs),
      "event_type": eventType,
      ...this.#iface(),
      "src_ip": packet.srcAddress,
      "src_port": packet.srcPort,
      "dest_ip": packet.dstAddress,
      "dest_port": packet.dstPort,
      proto: "TCP",
      ...(id === "" ? {} : { "community_id": id }),
    };
  }

  #logArp(packet: PacketRecord): void {
    this.#emit({
      timestamp: eveTimestamp(packet.timestampUs),
      "event_type": "arp",
      ...this.#iface(),
      arp: {
        "hw_type": "ethernet",
        "proto_type": "ipv4",
        opcode: packet.arpOperation === 1
          ? "request"
          : packet.arpOperation === 2
          ? "reply"
          : `opcode_${packet.arpOperation}`,
        "src_mac": packet.arpSenderMac,
        "src_ip": packet.srcAddress,
        "dest_mac": packet.arpTargetMac,
        "dest_ip": packet.dstAddress,
      },
    });
  }

  #logStats(): void {
    this.#emit({
      timestamp: eveTimestamp(this.#lastUs),
      "event_type": "stats",
      ...this.#iface(),
      stats: {
        uptime: Math.round((this.#lastUs - this.#firstUs) / 1e6),
        ...(this.capture ? { capture: { ...this.capture } } : {}),
        decoder: { ...this.#decoder },
        flow: { active: this.#flows.size, total: this.#flowsTotal },
        detect: { alert: this.#alerts },
      },
    });
  }

  /** The Community ID of a packet's flow ("" when it has none), shared by the flow's packets (a DNS query and its answer) while cached. */
  #packetCommunityId(packet: PacketRecord): string {
    // Address text only where the key cannot stand in for it (IPv6).
    const make = () =>
      communityId({
        srcAddress: keptText(packet.srcAddressKey, packet, true),
        dstAddress: keptText(packet.dstAddressKey, packet, false),
        srcAddressKey: packet.srcAddressKey,
        dstAddressKey: packet.dstAddressKey,
        protocol: packet.ipProtocol,
        srcPort: packet.srcPort,
        dstPort: packet.dstPort,
      }, this.#options.communityIdSeed);
    const srcKey = packet.srcAddressKey;
    const dstKey = packet.dstAddressKey;
    let id: string;
    if (srcKey < 0 || dstKey < 0) {
      id = make();
    } else {
      const src = endpointKey(srcKey, packet.srcPort);
      const dst = endpointKey(dstKey, packet.dstPort);
      id = this.#communityIds.get(
        src < dst ? src : dst,
        src < dst ? dst : src,
        packet.ipProtocol,
        make,
      );
    }
    return id;
  }

  #iface(): { in_iface?: string } {
    return this.#options.iface ? { in_iface: this.#options.iface } : {};
  }

  #emit(record: EveRecord): void {
    writeLine(this.#sink, JSON.stringify(record));
  }
}

function involves(flow: EveFlow, address: string): boolean {
  if (address === "") return true;
  const [client, server] = flowAddresses(flow);
  return client === address || server === address;
}

/** A MAC address as the detectors write it (an ARP poisoner with no address of its own is named by its MAC). */
const MAC_TEXT = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

/**
 * An alert's `src_ip` and `dest_ip`, as Suricata's: only addresses go
 * there; an attacker or victim named by its MAC goes to `ether` instead,
 * where Suricata writes MACs.
 */
function endpointFields(attacker: string, victim: string): EveRecord {
  const fields: EveRecord = {};
  const ether: EveRecord = {};
  if (MAC_TEXT.test(attacker)) ether.src_mac = attacker;
  else if (attacker !== "") fields.src_ip = attacker;
  if (MAC_TEXT.test(victim)) ether.dest_mac = victim;
  else if (victim !== "") fields.dest_ip = victim;
  if (Object.keys(ether).length > 0) fields.ether = ether;
  return fields;
}
