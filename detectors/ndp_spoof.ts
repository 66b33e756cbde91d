/**
 * NDP spoofing detector, IPv6's ARP spoofing: a MAC address claiming IPv6
 * addresses that belong to other hosts through Neighbor Discovery (RFC
 * 4861), so that their traffic is sent to it (THC's parasite6 and
 * fake_advertise6, bettercap's ndp.spoof, scapy). The logic that judges the
 * claims (reasons, incidents, bounds, limits) is the ARP spoofing
 * detector's, in neighbor_spoof.ts; this file reads Neighbor Discovery
 * messages into its claims, the way a receiver's neighbor cache takes them:
 *
 * - A neighbor solicitation (135) is a request: who has its target, asked
 *   by its source. With a source link-layer address option it also claims
 *   the source address at that MAC (receivers cache it, section 7.2.3).
 *   Without one it claims nothing and is only remembered as a request, with
 *   its frame's MAC, unless its source address is bound to another MAC
 *   (a question asked in another host's name, as a poisoner would ask in
 *   its victim's name before each forged answer); an answer from the MAC
 *   that asked is no answer either. One from :: (duplicate address
 *   detection) claims nothing.
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
 * - An advertisement without the Override flag replaces no MAC a cache
 *   holds, and creates no entry (section 7.2.5): it counts only as the
 *   answer to a request seen within the window, and never takes an address
 *   over from another MAC that claimed it within `bindingFreshUs` (two
 *   routers answering for an anycast address, a proxy).
 * - Router solicitations and advertisements (133, 134) with a source
 *   link-layer address option announce their source address at that MAC
 *   (sections 6.2.6 and 6.3.4: routers and hosts cache it); a redirect (137)
 *   with a target link-layer address option announces its target at that
 *   MAC (section 8.3). A forged advertisement in a router's name is then a
 *   takeover of the router's address, and the router's own periodic ones
 *   re-claim it.
 * - Receivers discard a message whose hop limit is not 255 (it was routed
 *   from another link), whose code is not 0, a router advertisement or
 *   redirect not from a link-local address, a multicast advertisement with
 *   the Solicited flag set (sections 6.1, 7.1, 8.1), and one with a bad
 *   option length (the decoder reads nothing from it); so does this
 *   detector.
 *
 * Addresses are scoped by VLAN (tagged frames; VLAN 0, a priority tag, is
 * the untagged link's): each VLAN is its own link, and routers reuse
 * fe80::1 on every one. Requests are not: a mirror may see a request
 * tagged and its answer untagged.
 *
 * Limits, beyond the ARP ones: a rogue router that advertises itself
 * (fake_router6: its own address and MAC, a new default route) claims no
 * one else's address and is not this detector's finding; nor are messages
 * whose link-layer address option is not a 6-byte MAC. Linux bonding in
 * balance-tlb or balance-alb mode sends unicast advertisements from a
 * slave's MAC with the bond's MAC inside: a mismatch, as a MAC-rewriting
 * bridge makes one; an RFC 4389 proxy seen on both of its sides (a bridge
 * capture) rewrites the router's address to its own MAC and flip-flops
 * it. A poisoner that also forges its victim's MAC as the Ethernet source
 * of a question in the victim's name makes its answers solicited (and
 * moves the victim's port in the switches' tables).
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { addressKey } from "../capture/decode/address_key.ts";
import { isGroupDestination, isLinkLocalAddress } from "./addresses.ts";
import type { FindingSink } from "./alert.ts";
import {
  type Detector,
  isAcceptedNeighborDiscovery,
  PACKET_KIND,
} from "./detector.ts";
import {
  createNeighborSpoofCore,
  emptyNeighborMessage,
  NEIGHBOR_SPOOF_DEFAULTS,
  type NeighborSpoofOptions,
} from "./neighbor_spoof.ts";

/** Options of {@linkcode createNdpSpoofDetector} (see {@linkcode NeighborSpoofOptions}). */
export type NdpSpoofOptions = NeighborSpoofOptions;

/** Defaults of {@linkcode NdpSpoofOptions}: those of the ARP spoofing detector (neighbor_spoof.ts gives the reasons; Linux refreshes neighbor entries on the same timescale for both protocols, and fake_advertise6 repeats every 5 s). */
export const NDP_SPOOF_DEFAULTS: Readonly<Required<NdpSpoofOptions>> =
  NEIGHBOR_SPOOF_DEFAULTS;

/** ICMPv6 types of Neighbor Discovery (RFC 4861 section 4). */
const ROUTER_SOLICITATION = 133;
const ROUTER_ADVERTISEMENT = 134;
const NEIGHBOR_SOLICITATION = 135;
const NEIGHBOR_ADVERTISEMENT = 136;
const REDIRECT = 137;
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

  /** Feeds `message` as an announcement: `mac` claims `ip` to every host. */
  function announce(
    mac: string,
    ip: string,
    ipKey: number,
    report: FindingSink,
  ): void {
    message.reply = false;
    message.unasked = false;
    message.overrides = true;
    message.senderMac = mac;
    message.senderIp = ip;
    message.senderKey = ipKey;
    message.targetIp = ip;
    message.targetKey = ipKey;
    core.observe(message, report);
  }

  /** Feeds a neighbor advertisement: a reply to its destination, or an announcement to every host. */
  function advertised(packet: PacketRecord, report: FindingSink): void {
    const mac = packet.ndLinkMac;
    const nowUs = packet.timestampUs;
    const target = packet.ndTarget;
    if (mac === "" || target === "") return;
    const flags = packet.ndFlags;
    const targetKey = addressKey(target);
    const multicast = isGroupDestination(packet);
    if (multicast && (flags & FLAG_SOLICITED) !== 0) return;
    const overrides = (flags & FLAG_OVERRIDE) !== 0;
    if (
      !overrides &&
      (multicast ||
        !core.isAnswering(
          packet.dstAddressKey,
          targetKey,
          packet.srcMac,
          mac,
          nowUs,
        ))
    ) return;
    if (multicast) {
      announce(mac, target, targetKey, report);
      return;
    }
    message.reply = true;
    message.unasked = (flags & FLAG_SOLICITED) === 0;
    message.overrides = overrides;
    message.senderMac = mac;
    message.senderIp = target;
    message.senderKey = targetKey;
    message.targetIp = packet.dstAddress;
    message.targetKey = packet.dstAddressKey;
    core.observe(message, report);
  }

  return {
    name: "ndp_spoof",
    packetKinds: PACKET_KIND.NEIGHBOR_DISCOVERY,
    observe(packet: PacketRecord, report: FindingSink): void {
      if (!isAcceptedNeighborDiscovery(packet)) return;
      const type = packet.icmpType;
      const mac = packet.ndLinkMac;
      const source = packet.srcAddress;
      const nowUs = packet.timestampUs;
      message.timestampUs = nowUs;
      message.ethernetSource = packet.srcMac;
      message.targetMac = "";
      message.vlanId = packet.vlanId;
      switch (type) {
        case ROUTER_SOLICITATION:
        case ROUTER_ADVERTISEMENT:
          // Routers come from their link-local address (section 6.1.2).
          if (
            mac === "" || source === "::" ||
            (type === ROUTER_ADVERTISEMENT && !isLinkLocalAddress(source))
          ) return;
          announce(mac, source, packet.srcAddressKey, report);
          return;
        case REDIRECT: {
          // The router's word, to the redirected host, that the target is
          // at this MAC (section 8.3).
          const target = packet.ndTarget;
          if (mac === "" || target === "" || !isLinkLocalAddress(source)) {
            return;
          }
          announce(mac, target, addressKey(target), report);
          return;
        }
        case NEIGHBOR_ADVERTISEMENT:
          advertised(packet, report);
          return;
        case NEIGHBOR_SOLICITATION: {
          const target = packet.ndTarget;
          if (target === "") return;
          const targetKey = addressKey(target);
          if (mac === "") {
            if (source !== "::") {
              core.noteUnclaimedRequest(
                source,
                packet.srcAddressKey,
                targetKey,
                packet.vlanId,
                packet.srcMac,
                nowUs,
              );
            }
            return;
          }
          message.reply = false;
          message.unasked = false;
          message.overrides = true;
          message.senderMac = mac;
          message.senderIp = source;
          message.senderKey = packet.srcAddressKey;
          message.targetIp = target;
          message.targetKey = targetKey;
          core.observe(message, report);
          return;
        }
      }
    },
    tables: core.tables,
    flush: core.flush,
  };
}
