/**
 * ARP scan detector: one sender asking for the MAC addresses of many distinct
 * IPv4 addresses within a sliding window of packet time (nmap -sn / -PR on a
 * LAN, arp-scan, netdiscover). The counting (window, threshold, incidents,
 * bounds) is the NDP scan detector's too, in neighbor_scan.ts.
 *
 * A probe is an ARP request (operation 1) for a target IP other than the
 * sender's own. Not probes: gratuitous ARP and RFC 5227 announcements (target
 * IP = sender IP), requests for 0.0.0.0, and unicast polls whose target MAC is
 * already filled in (RFC 1122 §2.3.2.1 cache validation, Linux NUD probes: a
 * host re-checking a neighbour it already knows): a request with a target
 * MAC in a broadcast frame is no poll (arp-scan --arptha: every host still
 * answers, as stacks ignore a request's target MAC). RFC 5227 probes (sender IP
 * 0.0.0.0) count, keyed by the sender MAC, so a scanner hiding its IP is still
 * found. A host resolving its gateway and a few peers, a Windows LAN's
 * background ARP (a handful of targets per host) and a DHCP client's address
 * probes stay far below the threshold.
 *
 * Limits, beyond the core's: a router resolving the hosts of a subnet being
 * swept from outside looks like an ARP scan by the router (and a router whose
 * cache was emptied, by a reboot or a failover, as it resolves its hosts
 * again when 50 or more of them talk within the window), and so does any
 * host that starts talking to 50 neighbours or more at once (a monitoring
 * server pinging its hosts after a restart: allowlist it for arp_scan and
 * icmp_sweep, alerts.allowlist.perKind); unicast ARP scans
 * that fill in the target MAC, each frame sent to it, are ignored like cache
 * polls.
 *
 * @module
 */

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
  return {
    name: "arp_scan",
    packetKinds: PACKET_KIND.ARP,
    observe(packet: PacketRecord, report: FindingSink): void {
      if (packet.network !== "arp" || packet.arpOperation !== ARP_REQUEST) {
        return;
      }
      const senderIp = packet.srcAddress;
      const targetIp = packet.dstAddress;
      if (targetIp === senderIp) return; // gratuitous ARP / announcement
      const target = parseIpv4(targetIp);
      if (target <= 0) return; // 0.0.0.0 or not IPv4
      const targetMac = packet.arpTargetMac;
      if (
        targetMac !== "" && targetMac !== ZERO_MAC &&
        targetMac !== BROADCAST_MAC && packet.dstMac !== BROADCAST_MAC
      ) return; // unicast poll of a known neighbour
      const key = senderIp === "0.0.0.0" || senderIp === ""
        ? packet.arpSenderMac
        : senderIp;
      if (key === "") return;
      core.observe(
        key,
        key,
        packet.arpSenderMac,
        target,
        packet.timestampUs,
        report,
      );
    },
    tables: core.tables,
    flush: core.flush,
  };
}
