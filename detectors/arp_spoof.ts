/**
 * ARP spoofing detector: a MAC address claiming IPv4 addresses that belong to
 * other hosts, so that their traffic is sent to it (arpspoof, ettercap,
 * Cain & Abel, bettercap). Each ARP request or reply is one claim of its
 * sender pair, sent towards its target IP; the logic that judges the claims
 * (reasons, incidents, bounds, limits) is the one the NDP spoofing detector
 * shares, in neighbor_spoof.ts.
 *
 * A Windows Network Load Balancing cluster answers for its address with
 * its cluster MAC (02:bf or 03:bf and the address's four bytes, in unicast
 * and multicast mode) in frames from each node's own MAC (or 02:<host
 * priority> and the address, in unicast mode): such a reply is the
 * cluster's own, no forgery in its name (a poisoner that takes such a MAC
 * for its claims is found by its other traits, its unsolicited replies).
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { type Detector, PACKET_KIND } from "./detector.ts";
import {
  createNeighborSpoofCore,
  emptyNeighborMessage,
  NEIGHBOR_SPOOF_DEFAULTS,
  type NeighborSpoofOptions,
} from "./neighbor_spoof.ts";

/** Options of {@linkcode createArpSpoofDetector} (see {@linkcode NeighborSpoofOptions}). */
export type ArpSpoofOptions = NeighborSpoofOptions;

/** Defaults of {@linkcode ArpSpoofOptions}: those of neighbor_spoof.ts, whose doc gives the reasons. */
export const ARP_SPOOF_DEFAULTS: Readonly<Required<ArpSpoofOptions>> =
  NEIGHBOR_SPOOF_DEFAULTS;

const ARP_REQUEST = 1;
const ARP_REPLY = 2;

/**
 * Creates the ARP spoofing detector (kind "arp_spoof"): one incident per MAC
 * that claims other hosts' IPv4 addresses.
 *
 * @example
 * ```ts
 * const detector = createArpSpoofDetector({ minTakeovers: 3 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createArpSpoofDetector(
  options: ArpSpoofOptions = {},
): Detector {
  const core = createNeighborSpoofCore(options, {
    kind: "arp_spoof",
    name: "ARP",
    unspecified: "0.0.0.0",
  });
  const message = emptyNeighborMessage();
  return {
    name: "arp_spoof",
    packetKinds: PACKET_KIND.ARP,
    observe(packet: PacketRecord, report): void {
      if (packet.network !== "arp") return;
      const operation = packet.arpOperation;
      if (operation !== ARP_REQUEST && operation !== ARP_REPLY) return;
      message.timestampUs = packet.timestampUs;
      message.reply = operation === ARP_REPLY;
      message.senderMac = packet.arpSenderMac;
      message.senderIp = packet.srcAddress;
      message.senderKey = packet.srcAddressKey;
      message.targetIp = packet.dstAddress;
      message.targetKey = packet.dstAddressKey;
      message.targetMac = packet.arpTargetMac;
      // A load-balancing cluster's answer comes from one of its nodes.
      message.ethernetSource = isNlbClusterMac(
          packet.arpSenderMac,
          packet.srcAddressKey,
        )
        ? packet.arpSenderMac
        : packet.srcMac;
      message.vlanId = packet.vlanId;
      core.observe(message, report);
    },
    tables: core.tables,
    flush: core.flush,
  };
}

/**
 * Whether `mac` is the cluster MAC that Windows NLB derives from the IPv4
 * address with key `addressKey`: 02:bf (unicast mode) or 03:bf (multicast
 * mode), then the address's four bytes.
 */
export function isNlbClusterMac(mac: string, addressKey: number): boolean {
  if (addressKey < 0 || addressKey > 0xffffffff) return false;
  if (!mac.startsWith("02:bf:") && !mac.startsWith("03:bf:")) return false;
  const expected = [24, 16, 8, 0].map((shift) =>
    ((addressKey >>> shift) & 0xff).toString(16).padStart(2, "0")
  ).join(":");
  return mac.slice(6) === expected;
}
