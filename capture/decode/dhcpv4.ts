/**
 * DHCP for IPv4 (RFC 2131, RFC 2132), read in place: every message's type
 * (option 53), the client's hardware address and the relay agent's address;
 * and what a server's offer or acknowledgement gives its client (the
 * address, the server identifier, the subnet mask, the routers and the DNS
 * servers), which the rogue DHCP server detector judges; the starvation
 * detector counts clients' discovers and requests. A BOOTP message without
 * the DHCP magic cookie is not read. Nothing is read past the captured bytes
 * or the datagram; an option cut short ends the reading, and what was read
 * stays. Options carried in the `sname` and `file` fields (option 52,
 * overload) are not read.
 *
 * @module
 */

import type { PacketRecord } from "../packet_record.ts";
import { formatIpv4, formatMac } from "./address.ts";
import { readU32 } from "./bytes.ts";

/** The UDP ports of DHCP: servers (and relay agents) listen on 67, clients on 68. */
export const DHCPV4_SERVER_PORT = 67;
export const DHCPV4_CLIENT_PORT = 68;

/** BOOTP header fields (RFC 2131 section 2), offsets in the message. */
const HARDWARE_TYPE = 1;
const HARDWARE_LENGTH = 2;
const YOUR_ADDRESS = 16;
const RELAY_ADDRESS = 24;
const CLIENT_HARDWARE_ADDRESS = 28;
const MAGIC_COOKIE = 236;
const OPTIONS = 240;
const COOKIE = 0x63825363;
/** Ethernet's hardware type and address length. */
const ETHERNET = 1;
const MAC_LENGTH = 6;

/** DHCP message types of a server's answers (RFC 2132 section 9.6). */
const OFFER = 2;
const ACK = 5;

/** Options read (RFC 2132). */
const OPTION_PAD = 0;
const OPTION_SUBNET_MASK = 1;
const OPTION_ROUTERS = 3;
const OPTION_DNS_SERVERS = 6;
const OPTION_MESSAGE_TYPE = 53;
const OPTION_SERVER_ID = 54;
const OPTION_END = 255;

/** Routers and DNS servers kept from one message. */
const MAX_LISTED = 4;

/**
 * Reads the DHCP message at `offset` (captured bytes end at `end`, the
 * datagram's payload at `messageEnd`) into `record.dhcp…`.
 */
export function decodeDhcpv4(
  record: PacketRecord,
  bytes: Uint8Array,
  offset: number,
  end: number,
  messageEnd: number,
): void {
  const stop = end < messageEnd ? end : messageEnd;
  if (
    stop - offset < OPTIONS ||
    readU32(bytes, offset + MAGIC_COOKIE) !== COOKIE
  ) return;
  // Non-null: the fixed header is within `stop`.
  if (
    bytes[offset + HARDWARE_TYPE]! === ETHERNET &&
    bytes[offset + HARDWARE_LENGTH]! === MAC_LENGTH
  ) {
    record.dhcpClientMac = formatMac(bytes, offset + CLIENT_HARDWARE_ADDRESS);
  }
  if (readU32(bytes, offset + RELAY_ADDRESS) !== 0) {
    record.dhcpRelayAddress = formatIpv4(bytes, offset + RELAY_ADDRESS);
  }
  // The message type comes first in practice, but may follow the others.
  let mask = -1;
  let routers = "";
  let dnsServers = "";
  for (let option = offset + OPTIONS; option < stop;) {
    const code = bytes[option]!;
    if (code === OPTION_END) break;
    if (code === OPTION_PAD) {
      option++;
      continue;
    }
    if (stop - option < 2) break;
    const body = option + 2;
    const bodyEnd = body + bytes[option + 1]!;
    if (bodyEnd > stop) break; // cut short
    const length = bodyEnd - body;
    if (code === OPTION_MESSAGE_TYPE && length >= 1) {
      record.dhcpMessageType = bytes[body]!;
    } else if (code === OPTION_SERVER_ID && length >= 4) {
      record.dhcpServerId = formatIpv4(bytes, body);
    } else if (code === OPTION_SUBNET_MASK && length >= 4) {
      mask = readU32(bytes, body);
    } else if (code === OPTION_ROUTERS) {
      routers = addresses(bytes, body, bodyEnd);
    } else if (code === OPTION_DNS_SERVERS) {
      dnsServers = addresses(bytes, body, bodyEnd);
    }
    option = bodyEnd;
  }
  const type = record.dhcpMessageType;
  if (type !== OFFER && type !== ACK) return;
  if (readU32(bytes, offset + YOUR_ADDRESS) !== 0) {
    record.dhcpLeaseAddresses = formatIpv4(bytes, offset + YOUR_ADDRESS);
  }
  record.dhcpPrefixLength = prefixLengthOf(mask);
  record.dhcpRouters = routers;
  record.dhcpDnsServers = dnsServers;
}

/** The IPv4 addresses from `from` to `to` (at most {@linkcode MAX_LISTED}), comma-separated. */
function addresses(bytes: Uint8Array, from: number, to: number): string {
  let text = "";
  const last = Math.min(to, from + 4 * MAX_LISTED);
  for (let at = from; last - at >= 4; at += 4) {
    text += (at === from ? "" : ",") + formatIpv4(bytes, at);
  }
  return text;
}

/** The prefix length of a contiguous subnet mask (255.255.255.0: 24), or -1 for none or a mask with holes. */
export function prefixLengthOf(mask: number): number {
  if (mask < 0) return -1;
  const inverted = ~mask >>> 0;
  // A contiguous mask's inverse is 2^k - 1.
  if ((inverted & (inverted + 1)) !== 0) return -1;
  return 32 - Math.log2(inverted + 1);
}
