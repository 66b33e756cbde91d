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
 * to use; a server with dozens of service addresses checks dozens), any
 * other ICMPv6 message, and a solicitation that the target answered (a
 * neighbor advertisement to the sender's MAC), that its sender follows
 * within `followUs` (1 s) with IPv6 traffic to the target, from its MAC to
 * the MAC that answered, and whose traffic the target answered: it
 * resolved the address for that packet (a router
 * whose cache was emptied forwarding to its hosts again, as in ARP; see
 * arp_scan.ts).
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
 * Limits, beyond the core's: a router resolving the hosts of an on-link
 * /64 being scanned from outside looks like an NDP scan by the router (it
 * forwards nothing to the unused addresses); a scan from :: is not
 * counted; nor is one whose frames come from a new source MAC every time
 * (its own MAC in the link-layer address option still gets the answers),
 * as senders are keyed by their frames' source; a VRRPv3 router whose
 * hosts answer to its virtual MAC (00:00:5e:00:02:xx) is not tied to it
 * here as the ARP scan detector ties an IPv4 router to its advertisements
 * (they name its address, not the MAC it solicits from), so its cold cache
 * is an NDP scan.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { isGroupDestination, isGroupMac } from "./addresses.ts";
import type { FindingSink } from "./alert.ts";
import {
  type Detector,
  isAcceptedNeighborDiscovery,
  PACKET_KIND,
} from "./detector.ts";
import {
  createNeighborScanCore,
  macKeyOf,
  NEIGHBOR_SCAN_DEFAULTS,
  type NeighborScanOptions,
} from "./neighbor_scan.ts";

/** Options of {@linkcode createNdpScanDetector} (see {@linkcode NeighborScanOptions}). */
export type NdpScanOptions = NeighborScanOptions;

/**
 * Defaults of {@linkcode NdpScanOptions}: the ARP scan detector's
 * (neighbor_scan.ts gives the reasons), but for `targetThreshold` 100 (and
 * `excusedThreshold` twice that, 200): an
 * IPv6 host has two to four addresses, so a router resolving 25 hosts
 * would reach 50; nmap -6 -sn asks for 254 on-link addresses in about 2 s,
 * twice each.
 */
export const NDP_SCAN_DEFAULTS: Readonly<Required<NdpScanOptions>> = Object
  .freeze({
    ...NEIGHBOR_SCAN_DEFAULTS,
    targetThreshold: 100,
    excusedThreshold: 200,
  });

/** ICMPv6 neighbor solicitation (RFC 4861 section 4.3). */
const NEIGHBOR_SOLICITATION = 135;
/** ICMPv6 neighbor advertisement (RFC 4861 section 4.4). */
const NEIGHBOR_ADVERTISEMENT = 136;

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
  const filter = core.filter;
  return {
    name: "ndp_scan",
    // IPv6 traffic too: a solicitation whose target answered, whose sender
    // then sent traffic to it in a frame to the MAC that answered, and
    // whose target answered that traffic, resolved an address for it
    // (followUs).
    packetKinds: PACKET_KIND.NEIGHBOR_DISCOVERY | PACKET_KIND.IPV6,
    observe(packet: PacketRecord, report: FindingSink): void {
      if (packet.network !== "ipv6") return;
      const type = packet.icmpType;
      if (
        type !== NEIGHBOR_SOLICITATION ||
        !isAcceptedNeighborDiscovery(packet, NEIGHBOR_SOLICITATION)
      ) {
        if (filter.total === 0) return;
        if (
          type === NEIGHBOR_ADVERTISEMENT &&
          isAcceptedNeighborDiscovery(packet, NEIGHBOR_ADVERTISEMENT)
        ) {
          // The target's answer, in a frame to the MAC that asked.
          const answerer = packet.ndTarget;
          const answerMac = packet.ndLinkMac !== ""
            ? packet.ndLinkMac
            : packet.srcMac;
          if (filter.mayHoldText(answerer) && packet.dstMac !== "") {
            core.answered(
              macKeyOf(packet.dstMac, packet),
              answerer,
              answerMac,
              packet,
              report,
            );
            return;
          }
        }
        const to = packet.dstAddress;
        const from = packet.srcAddress;
        const toTarget = filter.mayHoldText(to);
        if (!toTarget && !filter.mayHoldText(from)) {
          core.advance(packet.timestampUs, report);
          return;
        }
        core.traffic(to, from, toTarget, packet, report);
        return;
      }
      const target = packet.ndTarget;
      const source = packet.srcAddress;
      if (target === "" || source === "::" || target === source) return;
      // To a group; a unicast one re-checks a neighbour already known.
      const frameTo = packet.dstMac;
      if (
        !isGroupDestination(packet) &&
        !(frameTo !== "" && isGroupMac(frameTo))
      ) return;
      const key = senderKey(packet);
      if (key === "") return;
      core.observe(
        key,
        source,
        keyMac(packet),
        target,
        packet.timestampUs,
        report,
        key,
      );
    },
    tables: core.tables,
    idle: core.advance,
    flush: core.flush,
  };
}

/** The MAC a sender is known by: its frames' source, else its solicitation's link-layer address option ("" when neither). */
function keyMac(packet: PacketRecord): string {
  return packet.srcMac !== "" ? packet.srcMac : packet.ndLinkMac;
}

/** A sender's key: its MAC, and VLAN when tagged ("" without a MAC). */
function senderKey(packet: PacketRecord): string {
  return macKeyOf(keyMac(packet), packet);
}
