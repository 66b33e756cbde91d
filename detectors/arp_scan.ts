/**
 * ARP scan detector: one sender asking for the MAC addresses of many distinct
 * IPv4 addresses within a sliding window of packet time (nmap -sn / -PR on a
 * LAN, arp-scan, netdiscover). The counting (window, threshold, incidents,
 * bounds) is the NDP scan detector's too, in neighbor_scan.ts.
 *
 * A probe is an ARP request (operation 1) for a target IP other than the
 * sender's own, in a group frame (broadcast, or multicast, which every host
 * of the group hears), unless within `followUs` (1 s) the target answered
 * it, its sender then sent the target traffic in a frame to the MAC that
 * answered, and the target answered that traffic. Not probes:
 *
 * - gratuitous ARP and RFC 5227 announcements (target IP = sender IP), and
 *   requests for 0.0.0.0;
 * - polls, in a frame to one MAC: RFC 1122 §2.3.2.1 cache validation, Linux
 *   NUD probes (which leave the target MAC zero), a host re-checking a
 *   neighbour it already knows. Such a frame reaches only that neighbour,
 *   so it discovers nothing. Without the frame's destination in the capture,
 *   a filled-in target MAC tells a poll. A broadcast request with a target
 *   MAC is no poll (arp-scan --arptha: stacks ignore a request's target MAC);
 * - a request that the target answered (an ARP reply from it to the
 *   sender's MAC), that its sender then follows with traffic to the
 *   target, in a frame from the sender's MAC to the MAC that answered (any
 *   IPv4 source, so a router's forwarded packets count), and whose traffic
 *   the target answered (any IPv4 packet from it, from that MAC to the
 *   sender's, or to the virtual MAC of a VRRP or HSRP router the sender
 *   is: below): the host resolved the address for that packet. A monitoring server pinging its hosts
 *   after a restart, a router whose cache was emptied, a backup server
 *   starting its rounds; a host with several addresses on one MAC too.
 *   arp-scan, netdiscover and nmap -sn send nothing after their requests; a
 *   frame to a MAC that did not answer reaches no host that did (a red
 *   team's forged follow-ups), a packet no host answers (an unsolicited
 *   echo reply) was sent for nothing but the excuse, and an unanswered
 *   request (an unused address: most of a sweep's) always counts.
 *
 * A router on a VRRP or HSRP segment is known by its advertisements (VRRP,
 * to 224.0.0.18) or hellos (HSRP, UDP 1985 to 224.0.0.2 or 224.0.0.102):
 * the master, or the active router, sends them from the virtual MAC and its
 * own address, the one it asks from. Its hosts answer the traffic it
 * forwards them to their gateway's virtual MAC, not to the MAC it asked
 * from, and their answers there excuse its requests as answers to its own
 * MAC would; so do its forwarded frames when they come from the virtual MAC.
 * A router stays behind its virtual MAC for 10 s after its last
 * advertisement; a second advertiser (forged, or a split brain between
 * two masters, or two untagged VLANs that use one virtual router id) joins
 * it rather than taking its place (up to four per virtual MAC, 1,024
 * virtual MACs, least recently advertised forgotten first).
 *
 * RFC 5227 probes (sender IP 0.0.0.0) count, keyed by the sender MAC, so a
 * scanner hiding its IP is still found. A host resolving its gateway and a
 * few peers, a Windows LAN's background ARP (a handful of targets per host)
 * and a DHCP client's address probes stay far below the threshold.
 *
 * Findings come up to `followUs` (plus 0.1 s) of packet time after the
 * request that makes them, dated at that request.
 *
 * Limits, beyond the core's: a router resolving the hosts of a subnet being
 * swept from outside looks like an ARP scan by the router when most of the
 * swept addresses are unused (it forwards nothing to those); a sensor that
 * sees broadcasts but not the sender's unicast traffic (a switch port
 * without mirroring) sees a monitoring server's restart as a scan (allowlist
 * it for arp_scan and icmp_sweep, alerts.allowlist.perKind); unicast ARP
 * scans (arp-scan --destaddr, many addresses asked of one MAC to learn that
 * host's) are ignored like polls; a scanner that sends each target a packet
 * right after asking for it is left to the other detectors: nmap's port
 * scans after its ARP ping (the port scan detector), and a connect sweep
 * (nmap -sT) of one open port over 50 or more live hosts with fewer than
 * 50 unused addresses among them is found by none (port_scan.ts says
 * why); a capture without the
 * frames' destination MACs (Linux cooked, `-i any`) excuses no request; a
 * scanner that asks from a new sender IP for every request (the replies
 * still reach its MAC) is not found, as senders are keyed by their IP; a
 * router whose hosts answer to a virtual MAC whose advertisements the
 * capture does not hold (a VRRP router whose advertisements go unseen, one
 * that advertises from another address than it asks from, a standby or
 * vPC peer that routes without advertising, GLBP), or that
 * forwards them one-way flows (syslog, NetFlow), gets no answers back to
 * its own MAC, and its cold cache is an ARP scan again; excused requests
 * count apart (`excusedThreshold`): 100 resolved for traffic within a
 * minute are a low finding, as a sweep whose answers were forged (three
 * crafted frames per address, from the scanner's own port) cannot be told
 * from a host reaching that many neighbours; a sweep so forged stays below
 * it at up to 99 addresses a minute (on a VRRP or HSRP segment one forged
 * advertisement a second, from the virtual MAC with the scanner's address,
 * lets the hosts' real answers to the gateway excuse the scanner's
 * requests: bounded the same way).
 *
 * @module
 */

import { frameToGroup } from "../capture/decoded_packet.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { parseIpv4 } from "./addresses.ts";
import type { FindingSink } from "./alert.ts";
import { type Detector, PACKET_KIND } from "./detector.ts";
import {
  createNeighborScanCore,
  macKeyOf,
  NEIGHBOR_SCAN_DEFAULTS,
  type NeighborScanOptions,
} from "./neighbor_scan.ts";

/** Options of {@linkcode createArpScanDetector} (see {@linkcode NeighborScanOptions}). */
export type ArpScanOptions = NeighborScanOptions;

/** Defaults of {@linkcode ArpScanOptions}: those of neighbor_scan.ts, whose doc gives the reasons. */
export const ARP_SCAN_DEFAULTS: Readonly<Required<ArpScanOptions>> =
  NEIGHBOR_SCAN_DEFAULTS;

const ARP_REQUEST = 1;
const ARP_REPLY = 2;

/** VRRP's IP protocol number (RFC 5798; CARP's too) and its group, 224.0.0.18. */
const VRRP_PROTOCOL = 112;
const VRRP_GROUP = 0xe000_0012;
/** HSRP's UDP port, and its groups: 224.0.0.2 (version 1) and 224.0.0.102 (version 2). */
const HSRP_PORT = 1985;
const HSRP_GROUP = 0xe000_0002;
const HSRP2_GROUP = 0xe000_0066;

/**
 * Whether `mac` is a virtual router MAC: VRRP's for IPv4
 * (00:00:5e:00:01:xx, RFC 5798 §7.3, CARP's too), HSRP version 1's
 * (00:00:0c:07:ac:xx) or version 2's (00:00:0c:9f:fx:xx).
 */
export function isVirtualRouterMac(mac: string): boolean {
  return mac.startsWith("00:00:5e:00:01:") ||
    mac.startsWith("00:00:0c:07:ac:") || mac.startsWith("00:00:0c:9f:f");
}
const ZERO_MAC = "00:00:00:00:00:00";
const BROADCAST_MAC = "ff:ff:ff:ff:ff:ff";

/**
 * Creates the ARP scan detector (kind "arp_scan"): one incident per sender
 * asking for many distinct IPv4 addresses.
 *
 * @example
 * ```ts
 * const detector = createArpScanDetector({ targetThreshold: 100 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createArpScanDetector(options: ArpScanOptions = {}): Detector {
  const core = createNeighborScanCore(options, {
    kind: "arp_scan",
    name: "ARP",
    requests: "ARP requests",
  });
  const filter = core.filter;
  return {
    name: "arp_scan",
    // IPv4 traffic too: a request whose target answered, whose sender then
    // sent traffic to it in a frame to the MAC that answered, and whose
    // target answered that traffic, resolved an address for it (followUs).
    packetKinds: PACKET_KIND.ARP | PACKET_KIND.IPV4,
    observe(packet: PacketRecord, report: FindingSink): void {
      const network = packet.network;
      if (network === "ipv4") {
        if (
          packet.ipProtocol === VRRP_PROTOCOL || packet.dstPort === HSRP_PORT
        ) noteVirtualRouter(packet);
        if (filter.total === 0) return;
        const to = packet.dstAddressKey;
        const from = packet.srcAddressKey;
        const toTarget = filter.mayHoldAddress(to);
        if (!toTarget && !filter.mayHoldAddress(from)) {
          core.advance(packet.timestampUs, report);
          return;
        }
        core.traffic(to, from, toTarget, packet, report);
        return;
      }
      if (network !== "arp") return;
      if (packet.arpOperation !== ARP_REQUEST) {
        if (filter.total === 0) return;
        const answerer = packet.arpOperation === ARP_REPLY
          ? parseIpv4(packet.srcAddress)
          : -1;
        if (answerer > 0 && filter.mayHoldAddress(answerer)) {
          // The target's answer, to the MAC that asked.
          core.answered(
            macKeyOf(packet.arpTargetMac, packet),
            answerer,
            packet.arpSenderMac,
            packet,
            report,
          );
        } else core.advance(packet.timestampUs, report);
        return;
      }
      const senderIp = packet.srcAddress;
      const targetIp = packet.dstAddress;
      if (targetIp === senderIp) return; // gratuitous ARP / announcement
      const target = parseIpv4(targetIp);
      if (target <= 0) return; // 0.0.0.0 or not IPv4
      // A frame to one MAC reaches only a neighbour its sender knows: a
      // poll. Without the frame's destination (Linux cooked captures), a
      // filled-in target MAC tells a poll.
      const toGroup = frameToGroup(packet);
      if (toGroup === false) return;
      if (toGroup === null) {
        const targetMac = packet.arpTargetMac;
        if (
          targetMac !== "" && targetMac !== ZERO_MAC &&
          targetMac !== BROADCAST_MAC
        ) return;
      }
      const key = senderIp === "0.0.0.0" || senderIp === ""
        ? packet.arpSenderMac
        : senderIp;
      if (key === "") return;
      const senderMac = packet.arpSenderMac;
      core.observe(
        key,
        key,
        senderMac,
        target,
        packet.timestampUs,
        report,
        macKeyOf(senderMac, packet),
      );
    },
    tables: core.tables,
    idle: core.advance,
    flush: core.flush,
  };

  /**
   * A VRRP advertisement, or an HSRP hello, from a virtual router MAC: the
   * router that sends it (the master, or the active router) from its own
   * address is the one behind that MAC (see
   * the core's `alias`, neighbor_scan.ts).
   */
  function noteVirtualRouter(packet: PacketRecord): void {
    const group = packet.dstAddressKey;
    const advertised = packet.ipProtocol === VRRP_PROTOCOL
      ? group === VRRP_GROUP
      : packet.transport === "udp" && packet.srcPort === HSRP_PORT &&
        (group === HSRP_GROUP || group === HSRP2_GROUP);
    if (!advertised) return;
    const mac = packet.srcMac;
    if (isVirtualRouterMac(mac)) {
      core.alias(macKeyOf(mac, packet), packet.srcAddress, packet.timestampUs);
    }
  }
}
