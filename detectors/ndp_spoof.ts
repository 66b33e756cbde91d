/**
 * NDP spoofing detector, IPv6's ARP spoofing: a MAC address claiming IPv6
 * addresses that belong to other hosts through Neighbor Discovery (RFC
 * 4861), so that their traffic is sent to it (THC's parasite6 and
 * fake_advertise6, bettercap's ndp.spoof, scapy). The logic that judges the
 * claims (reasons, incidents, bounds, limits) is the ARP spoofing
 * detector's, in neighbor_spoof.ts; this file reads neighbor discovery
 * messages into its claims, the way a receiver's neighbor cache takes them:
 *
 * - A neighbor solicitation (135) is a request: who has its target, asked
 *   by its source. With a source link-layer address option it also claims
 *   the source address at that MAC (receivers cache it, section 7.2.3);
 *   without one it claims nothing, and is only remembered as asked. One
 *   from :: (duplicate address detection) claims nothing.
 * - A neighbor advertisement (136) with a target link-layer address option
 *   claims its target address at that MAC (section 7.2.5); one without the
 *   option changes no cache's MAC and is left out. Sent to a unicast
 *   address, it is a reply to that host, solicited when it has the
 *   Solicited flag and that host asked for the target within the request
 *   window (a poisoner sets the flag freely); without the flag it is
 *   unsolicited by its own word, which hosts say to all nodes, never to one
 *   (section 7.2.6; parasite6 answers each solicitation so, besides its
 *   two solicited answers). Sent to a multicast address with the Solicited
 *   flag clear, it is an announcement, as a gratuitous ARP is.
 * - An advertisement without the Override flag updates no cache entry that
 *   holds a MAC already, and creates none (section 7.2.5): it counts only
 *   as the answer to a request seen within the window (it fills the
 *   requester's incomplete entry), and is left out otherwise (proxies and
 *   anycast addresses answer so).
 * - Receivers discard a message whose hop limit is not 255 (it was routed
 *   from another link), whose code is not 0, or a multicast advertisement
 *   with the Solicited flag set (section 7.1); so does this detector.
 *
 * Limits, beyond the ARP ones: router advertisements and redirects
 * (fake_router6, redir6), which move a host's default route rather than a
 * neighbor's MAC, are not judged here; nor are messages whose link-layer
 * address option is not a 6-byte MAC.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { addressKey } from "../capture/decode/address_key.ts";
import { type Detector, PACKET_KIND } from "./detector.ts";
import {
  createNeighborSpoofCore,
  emptyNeighborMessage,
  NEIGHBOR_SPOOF_DEFAULTS,
  type NeighborSpoofOptions,
} from "./neighbor_spoof.ts";

/** Options of {@linkcode createNdpSpoofDetector} (see {@linkcode NeighborSpoofOptions}). */
export type NdpSpoofOptions = NeighborSpoofOptions;

/** Defaults of {@linkcode NdpSpoofOptions}: those of the ARP spoofing detector (neighbor_spoof.ts gives the reasons; Linux refreshes neighbor entries on the same timescale for both protocols, and fake_advertise6 repeats every 5 s). */
export const NDP_SPOOF_DEFAULTS: Required<NdpSpoofOptions> =
  NEIGHBOR_SPOOF_DEFAULTS;

/** ICMPv6 types of neighbor discovery (RFC 4861 section 4). */
const NEIGHBOR_SOLICITATION = 135;
const NEIGHBOR_ADVERTISEMENT = 136;
/** The hop limit every neighbor discovery message is sent with, and must arrive with (section 7.1). */
const ND_HOP_LIMIT = 255;
/** Flags of a neighbor advertisement. */
const FLAG_SOLICITED = 0x40;
const FLAG_OVERRIDE = 0x20;

/**
 * Creates the NDP spoofing detector (kind "ndp_spoof"): one incident per MAC
 * that claims other hosts' IPv6 addresses.
 *
 * @example
 * ```ts
 * const detector = createNdpSpoofDetector({ minUnsolicitedReplies: 3 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createNdpSpoofDetector(
  options: NdpSpoofOptions = {},
): Detector {
  const core = createNeighborSpoofCore(options, {
    kind: "ndp_spoof",
    name: "NDP",
    unspecified: "::",
  });
  const message = emptyNeighborMessage();
  return {
    name: "ndp_spoof",
    packetKinds: PACKET_KIND.ICMP,
    observe(packet: PacketRecord, report): void {
      if (
        packet.ndTarget === "" || packet.ttl !== ND_HOP_LIMIT ||
        packet.icmpCode !== 0 || packet.transport !== "icmpv6"
      ) return;
      const type = packet.icmpType;
      const target = packet.ndTarget;
      const nowUs = packet.timestampUs;
      message.timestampUs = nowUs;
      message.ethernetSource = packet.srcMac;
      message.targetMac = "";
      if (type === NEIGHBOR_SOLICITATION) {
        const source = packet.srcAddress;
        const targetKey = addressKey(target);
        if (packet.ndLinkMac === "") {
          if (source !== "::") {
            core.notePending(packet.srcAddressKey, targetKey, nowUs);
          }
          return;
        }
        message.reply = false;
        message.unasked = false;
        message.senderMac = packet.ndLinkMac;
        message.senderIp = source;
        message.senderKey = packet.srcAddressKey;
        message.targetIp = target;
        message.targetKey = targetKey;
        core.observe(message, report);
        return;
      }
      if (type !== NEIGHBOR_ADVERTISEMENT || packet.ndLinkMac === "") return;
      const flags = packet.ndFlags;
      const targetKey = addressKey(target);
      const multicast = packet.dstAddress.startsWith("ff");
      if (multicast && (flags & FLAG_SOLICITED) !== 0) return;
      if (
        (flags & FLAG_OVERRIDE) === 0 &&
        (multicast ||
          !core.isAnswering(packet.dstAddressKey, targetKey, nowUs))
      ) return;
      message.reply = !multicast;
      message.unasked = !multicast && (flags & FLAG_SOLICITED) === 0;
      message.senderMac = packet.ndLinkMac;
      message.senderIp = target;
      message.senderKey = targetKey;
      // An announcement is sent to every host: its target is its own.
      message.targetIp = multicast ? target : packet.dstAddress;
      message.targetKey = multicast ? targetKey : packet.dstAddressKey;
      core.observe(message, report);
    },
    tables: core.tables,
    flush: core.flush,
  };
}
