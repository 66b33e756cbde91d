/**
 * NDP scan detector, IPv6's ARP scan: one sender asking for the MAC
 * addresses of many distinct IPv6 addresses with neighbor solicitations
 * (RFC 4861) within a sliding window of packet time: `nmap -6 -sn` of an
 * on-link range, which asks each address by neighbor discovery instead of
 * pinging it, THC's alive6, scapy sweeps. The counting (window, threshold,
 * incidents, bounds) is the ARP scan detector's, in neighbor_scan.ts.
 *
 * A probe is a neighbor solicitation (type 135, code 0, hop limit 255) sent
 * to a group (a multicast IPv6 destination, the target's solicited-node
 * group, or a multicast or broadcast Ethernet destination, which a host
 * answers too) for a target other than its source. Not probes: unicast
 * solicitations (reachability probes of a neighbour already known, RFC 4861
 * section 7.3.3, the twin of ARP's cache polls), duplicate address
 * detection's solicitations from :: (a host checks the addresses it means
 * to use; a server with dozens of service addresses checks dozens), and
 * any other ICMPv6 message.
 *
 * Senders are keyed by their Ethernet source (else the link-layer address
 * option) and VLAN, not by their IPv6 source: a host asks from its
 * link-local and its global addresses alike, and a scanner may forge a new
 * source for every probe. Findings name the sender by the address it last
 * asked from.
 *
 * Targets are kept as text (an IPv6 address does not fit a number), about
 * twice an IPv4 target's memory: the worst case of the defaults grows from
 * about 66 MB to about 110 MB (measured: 97–105 B per 39-character
 * target), reached only when 4 096 senders each ask for 256 addresses
 * within one window.
 *
 * Limits, beyond the core's: a router resolving many neighbours at once
 * (a cold cache after a reboot on a LAN of 40 hosts or more, each with its
 * link-local and global addresses; or the hosts of an on-link /64 being
 * scanned from outside) looks like an NDP scan by the router; a scan from
 * :: is not counted.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { isGroupDestination } from "./addresses.ts";
import type { FindingSink } from "./alert.ts";
import {
  type Detector,
  isAcceptedNeighborDiscovery,
  PACKET_KIND,
} from "./detector.ts";
import {
  createNeighborScanCore,
  NEIGHBOR_SCAN_DEFAULTS,
  type NeighborScanOptions,
} from "./neighbor_scan.ts";

/** Options of {@linkcode createNdpScanDetector} (see {@linkcode NeighborScanOptions}). */
export type NdpScanOptions = NeighborScanOptions;

/**
 * Defaults of {@linkcode NdpScanOptions}: the ARP scan detector's
 * (neighbor_scan.ts gives the reasons), but for `targetThreshold` 100: an
 * IPv6 host has two to four addresses, so a router resolving 25 hosts
 * would reach 50; nmap -6 -sn asks for 254 on-link addresses in about 2 s,
 * twice each.
 */
export const NDP_SCAN_DEFAULTS: Readonly<Required<NdpScanOptions>> = Object
  .freeze({ ...NEIGHBOR_SCAN_DEFAULTS, targetThreshold: 100 });

/** ICMPv6 neighbor solicitation (RFC 4861 section 4.3). */
const NEIGHBOR_SOLICITATION = 135;

/**
 * Creates the NDP scan detector (kind "ndp_scan"): one incident per sender
 * asking for many distinct IPv6 addresses.
 *
 * @example
 * ```ts
 * const detector = createNdpScanDetector({ targetThreshold: 200 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createNdpScanDetector(options: NdpScanOptions = {}): Detector {
  const core = createNeighborScanCore({ ...NDP_SCAN_DEFAULTS, ...options }, {
    kind: "ndp_scan",
    name: "NDP",
    requests: "neighbor solicitations",
  });
  return {
    name: "ndp_scan",
    packetKinds: PACKET_KIND.NEIGHBOR_DISCOVERY,
    observe(packet: PacketRecord, report: FindingSink): void {
      if (!isAcceptedNeighborDiscovery(packet, NEIGHBOR_SOLICITATION)) return;
      const target = packet.ndTarget;
      const source = packet.srcAddress;
      if (target === "" || source === "::" || target === source) return;
      // To a group; a unicast one re-checks a neighbour already known.
      const frameTo = packet.dstMac;
      if (
        !isGroupDestination(packet) &&
        !(frameTo !== "" && isGroupMac(frameTo))
      ) return;
      const mac = packet.srcMac !== "" ? packet.srcMac : packet.ndLinkMac;
      if (mac === "") return;
      const vlanId = packet.vlanId;
      const key = vlanId > 0 ? `${mac}%${vlanId}` : mac;
      core.observe(key, source, mac, target, packet.timestampUs, report);
    },
    tables: core.tables,
    flush: core.flush,
  };
}

/** Whether `mac` ("aa:bb:…") is a group address: multicast or broadcast (the low bit of its first byte). */
function isGroupMac(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}
