/**
 * Address text helpers shared by the detectors: IPv4 dotted quads to and from
 * numbers, the /24 or /64 an address lies in, and the address classes that
 * are never a probe's target nor a real source.
 *
 * Addresses come from the decoders, which write IPv4 as dotted quads and IPv6
 * in RFC 5952 form (lower case, "::" compression).
 *
 * @module
 */

import {
  IPV6_KEY_BASE,
  ipv6AddressKey,
  isIpv4Key,
} from "../capture/decode/address_key.ts";

import { formatIpv4Key } from "../capture/decode/address.ts";
import type { PacketRecord } from "../capture/packet_record.ts";

export { parseIpv4 } from "../capture/decode/address_key.ts";
export { isGroupMac } from "../capture/decode/address.ts";

/** Formats a 32-bit number (signed or unsigned) as a dotted quad. */
export function formatIpv4(value: number): string {
  return formatIpv4Key(value >>> 0);
}

/**
 * A number naming {@linkcode subnetOf}'s subnet of a decoded address, from
 * its address key: the /24's first 24 bits for IPv4 (below 2^24), an
 * interned key of the /64's text otherwise (2^32 and up).
 */
export function subnetKeyOf(key: number, address: string): number {
  return key < IPV6_KEY_BASE
    ? Math.floor(key / 256)
    : ipv6AddressKey(subnetOf(address));
}

/**
 * The /24 of an IPv4 address or the /64 of an IPv6 address, as a CIDR in
 * canonical text: "10.0.0.0/24", "2001:db8:0:1::/64", "fe80::/64".
 */
export function subnetOf(address: string): string {
  if (!address.includes(":")) {
    return `${address.slice(0, address.lastIndexOf("."))}.0/24`;
  }
  const gap = address.indexOf("::");
  let groups: string[];
  if (gap < 0) {
    groups = address.split(":");
  } else {
    const left = gap === 0 ? [] : address.slice(0, gap).split(":");
    const rightText = address.slice(gap + 2);
    const right = rightText === "" ? [] : rightText.split(":");
    // An embedded IPv4 tail ("::ffff:192.0.2.1") stands for two groups.
    const rightCount = right.length + (rightText.includes(".") ? 1 : 0);
    groups = [
      ...left,
      ...Array(Math.max(8 - left.length - rightCount, 0)).fill("0"),
      ...right,
    ];
  }
  const prefix = groups.slice(0, 4).map((group) =>
    group.replace(/^0+(?=.)/, "")
  );
  // RFC 5952: the longest run of zero groups is "::", and it always
  // includes the four of the interface half, so zero groups ending the
  // prefix join it ("fe80::/64", not "fe80:0:0:0::/64").
  while (prefix.at(-1) === "0") prefix.pop();
  return `${prefix.join(":")}::/64`;
}

/** Whether a packet goes to a group address ({@linkcode isGroupAddress}); IPv4 is read by its key, without the address text. */
export function isGroupDestination(packet: PacketRecord): boolean {
  const key = packet.dstAddressKey;
  return isIpv4Key(key)
    ? isGroupIpv4Key(key)
    : isGroupAddress(packet.dstAddress);
}

/**
 * Whether a packet's source is one no host answers from outside: 0.0.0.0/8,
 * multicast (224.0.0.0/4, ff00::/8), limited broadcast, the unspecified
 * address, or loopback (127.0.0.0/8, ::1) sent to an address that is not
 * loopback. Linux drops such a packet as a martian before TCP sees it: a SYN
 * from one opens nothing and draws no reset. IPv4 is read by its key.
 */
export function isUnanswerableSource(packet: PacketRecord): boolean {
  const key = packet.srcAddressKey;
  if (isIpv4Key(key)) {
    const first = key >>> 24;
    if (first === 127) return packet.dstAddressKey >>> 24 !== 127;
    return first === 0 || isGroupIpv4Key(key);
  }
  const address = packet.srcAddress;
  if (address === "::1") return packet.dstAddress !== "::1";
  return address === "::" || isGroupAddress(address);
}

/** Whether an IPv4 address key is multicast (224.0.0.0/4) or the limited broadcast. */
function isGroupIpv4Key(key: number): boolean {
  return key >>> 28 === 0xe || key === 0xffffffff;
}

/** Multicast (224.0.0.0/4, ff00::/8) and limited broadcast (255.255.255.255) addresses. */
export function isGroupAddress(address: string): boolean {
  if (address.startsWith("ff")) return address.includes(":");
  if (address === "255.255.255.255") return true;
  const dot = address.indexOf(".");
  if (dot < 0) return false;
  const first = Number(address.slice(0, dot));
  return first >= 224 && first <= 239;
}

/** The unspecified addresses 0.0.0.0 and ::. */
export function isUnspecifiedAddress(address: string): boolean {
  return address === "0.0.0.0" || address === "::";
}

/** Whether `address` (RFC 5952 text) is IPv6 link-local unicast, fe80::/10: where routers send Neighbor Discovery from. */
export function isLinkLocalAddress(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/.test(address);
}

/** Whether a source address can only be spoofed: none, unspecified, multicast or broadcast (a flood's leader from one is no attacker). */
export function isSpoofOnlySource(address: string): boolean {
  return address === "" || isUnspecifiedAddress(address) ||
    isGroupAddress(address);
}
