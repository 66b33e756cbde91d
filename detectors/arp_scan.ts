/**
 * ARP scan detector: one sender asking for the MAC addresses of many distinct
 * IPv4 addresses within a sliding window of packet time (nmap -sn / -PR on a
 * LAN, arp-scan, netdiscover). The counting (window, threshold, incidents,
 * bounds) is the NDP scan detector's too, in neighbor_scan.ts.
 *
 * A probe is an ARP request (operation 1) for a target IP other than the
 * sender's own, in a group frame (broadcast, or multicast, which every host
 * of the group hears), that its sender does not follow with traffic to the
 * target within `followUs` (1 s). Not probes:
 *
 * - gratuitous ARP and RFC 5227 announcements (target IP = sender IP), and
 *   requests for 0.0.0.0;
 * - polls, in a frame to one MAC: RFC 1122 §2.3.2.1 cache validation, Linux
 *   NUD probes (which leave the target MAC zero), a host re-checking a
 *   neighbour it already knows. Such a frame reaches only that neighbour,
 *   so it discovers nothing. Without the frame's destination in the capture,
 *   a filled-in target MAC tells a poll. A broadcast request with a target
 *   MAC is no poll (arp-scan --arptha: stacks ignore a request's target MAC);
 * - a request its sender follows with traffic to the target, in a frame
 *   from the sender's MAC (any IPv4 source, so a router's forwarded packets
 *   count): the host resolved the address for that packet. A monitoring
 *   server pinging its hosts after a restart, a router whose cache was
 *   emptied, a backup server starting its rounds. arp-scan, netdiscover and
 *   nmap -sn send nothing after their requests; nmap's port scans send only
 *   the hosts that answered, and are the port scan detector's.
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
 * right after asking for it is left to the other detectors.
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
  NEIGHBOR_SCAN_DEFAULTS,
  type NeighborScanOptions,
} from "./neighbor_scan.ts";

/** Options of {@linkcode createArpScanDetector} (see {@linkcode NeighborScanOptions}). */
export type ArpScanOptions = NeighborScanOptions;

/** Defaults of {@linkcode ArpScanOptions}: those of neighbor_scan.ts, whose doc gives the reasons. */
export const ARP_SCAN_DEFAULTS: Readonly<Required<ArpScanOptions>> =
  NEIGHBOR_SCAN_DEFAULTS;

const ARP_REQUEST = 1;
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
    // IPv4 traffic too: a request its sender follows with traffic to the
    // target resolved an address for that traffic (followUs).
    packetKinds: PACKET_KIND.ARP | PACKET_KIND.IPV4,
    observe(packet: PacketRecord, report: FindingSink): void {
      const network = packet.network;
      if (network === "ipv4") {
        if (filter.total === 0) return;
        const target = packet.dstAddressKey;
        if (filter.mayHoldAddress(target)) {
          core.followed(
            followKeyOf(packet.srcMac, packet),
            target,
            packet.timestampUs,
            report,
          );
        } else core.advance(packet.timestampUs, report);
        return;
      }
      if (network !== "arp") return;
      if (packet.arpOperation !== ARP_REQUEST) {
        if (filter.total > 0) core.advance(packet.timestampUs, report);
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
        followKeyOf(senderMac, packet),
      );
    },
    tables: core.tables,
    idle: core.advance,
    flush: core.flush,
  };
}

/** What a sender's traffic is known by: its MAC, and VLAN when tagged (a router's one MAC serves many). */
function followKeyOf(mac: string, packet: PacketRecord): string {
  const vlanId = packet.vlanId;
  return vlanId > 0 ? `${mac}%${vlanId}` : mac;
}
