/**
 * NDP scan detector, IPv6's ARP scan: one sender asking for the MAC
 * addresses of many distinct IPv6 addresses with neighbor solicitations
 * (RFC 4861) within a sliding window of packet time: `nmap -6 -sn` of an
 * on-link range, which asks each target by neighbor discovery instead of
 * pinging it, THC's alive6 in its neighbor solicitation mode, scapy sweeps.
 * The counting (window, threshold, incidents, bounds) is the ARP scan
 * detector's, in neighbor_scan.ts.
 *
 * A probe is a neighbor solicitation (type 135, code 0, hop limit 255) sent
 * to a multicast address (the target's solicited-node group) for a target
 * other than its source. Not probes: unicast solicitations (reachability
 * probes of a neighbour already known, RFC 4861 section 7.3.3, the twin of
 * ARP's cache polls), and any other ICMPv6 message. Solicitations from ::
 * (duplicate address detection) count, keyed by the Ethernet source: a host
 * checks its own few addresses (link-local, global, temporary), a scanner
 * hiding its address many.
 *
 * Targets are kept as text (an IPv6 address does not fit a number), about
 * twice an IPv4 target's memory: the worst case of the defaults grows from
 * about 66 MB to about 130 MB, reached only when 4 096 senders each ask for
 * 256 addresses within one window.
 *
 * Limits, beyond the core's: a router resolving the hosts of an on-link
 * /64 being scanned from outside looks like an NDP scan by the router.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import type { FindingSink } from "./alert.ts";
import { type Detector, PACKET_KIND } from "./detector.ts";
import {
  createNeighborScanCore,
  NEIGHBOR_SCAN_DEFAULTS,
  type NeighborScanOptions,
} from "./neighbor_scan.ts";

/** Options of {@linkcode createNdpScanDetector} (see {@linkcode NeighborScanOptions}). */
export type NdpScanOptions = NeighborScanOptions;

/** Defaults of {@linkcode NdpScanOptions}: the ARP scan detector's (neighbor_scan.ts gives the reasons; nmap -6 -sn asks for 254 on-link addresses in about 2 s, twice each). */
export const NDP_SCAN_DEFAULTS: Readonly<Required<NdpScanOptions>> =
  NEIGHBOR_SCAN_DEFAULTS;

/** ICMPv6 neighbor solicitation (RFC 4861 section 4.3). */
const NEIGHBOR_SOLICITATION = 135;
/** The hop limit every Neighbor Discovery message is sent with, and must arrive with. */
const ND_HOP_LIMIT = 255;

/**
 * Creates the NDP scan detector (kind "ndp_scan"): one incident per sender
 * asking for many distinct IPv6 addresses.
 *
 * @example
 * ```ts
 * const detector = createNdpScanDetector({ targetThreshold: 100 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createNdpScanDetector(options: NdpScanOptions = {}): Detector {
  const core = createNeighborScanCore(options, {
    kind: "ndp_scan",
    name: "NDP",
    requests: "neighbor solicitations",
  });
  return {
    name: "ndp_scan",
    packetKinds: PACKET_KIND.ICMP,
    observe(packet: PacketRecord, report: FindingSink): void {
      if (
        packet.icmpType !== NEIGHBOR_SOLICITATION ||
        packet.transport !== "icmpv6" || packet.ttl !== ND_HOP_LIMIT ||
        packet.icmpCode !== 0
      ) return;
      const target = packet.ndTarget;
      const source = packet.srcAddress;
      if (target === "" || target === source) return;
      // A unicast solicitation re-checks a neighbour already known.
      if (!packet.dstAddress.startsWith("ff")) return;
      const senderMac = packet.ndLinkMac !== ""
        ? packet.ndLinkMac
        : packet.srcMac;
      const key = source === "::" ? packet.srcMac : source;
      if (key === "") return;
      core.observe(key, senderMac, target, packet.timestampUs, report);
    },
    tables: core.tables,
    flush: core.flush,
  };
}
