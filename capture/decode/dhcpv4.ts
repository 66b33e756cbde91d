/**
 * DHCP for IPv4 (RFC 2131, RFC 2132), read in place: every message's type
 * (option 53), the client's hardware address, identifier and address, and
 * the relay agent's address;
 * and what a server's offer or acknowledgement gives its client (the
 * address, the server identifier, the subnet mask, the routers, the DNS
 * servers and classless static routes), which the rogue DHCP server
 * detector judges; the starvation detector counts clients' discovers and
 * requests. A BOOTP message without the DHCP magic cookie is not read.
 * Options are read as clients read them: also from the `file` and `sname`
 * fields when option 52 says so (RFC 2131 section 4.1), a list option given
 * more than once as one list (RFC 3396), and of a fixed-length option its
 * first instance. Nothing is read past the captured bytes or the datagram;
 * an option cut short ends the reading of its field, and what was read
 * stays.
 *
 * @module
 */

import type { PacketRecord } from "../packet_record.ts";
import { formatIpv4, formatIpv4Key, formatMac } from "./address.ts";
import { formatHex, readU32 } from "./bytes.ts";

/** The UDP ports of DHCP: servers (and relay agents) listen on 67, clients on 68. */
export const DHCPV4_SERVER_PORT = 67;
export const DHCPV4_CLIENT_PORT = 68;

/** BOOTP header fields (RFC 2131 section 2), offsets in the message. */
const HARDWARE_TYPE = 1;
const CLIENT_ADDRESS = 12;
const HARDWARE_LENGTH = 2;
const YOUR_ADDRESS = 16;
const RELAY_ADDRESS = 24;
const CLIENT_HARDWARE_ADDRESS = 28;
const SNAME = 44;
const SNAME_LENGTH = 64;
const FILE = 108;
const FILE_LENGTH = 128;
const MAGIC_COOKIE = 236;
const OPTIONS = 240;
const COOKIE = 0x63825363;
/** Option 52's bits: options in the `file` field, in the `sname` field. */
const OVERLOAD_FILE = 1;
const OVERLOAD_SNAME = 2;
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
const OPTION_OVERLOAD = 52;
const OPTION_CLIENT_ID = 61;
const OPTION_MESSAGE_TYPE = 53;
const OPTION_SERVER_ID = 54;
/** Classless static routes (RFC 3442), and Microsoft's option for them before the RFC (same format). */
const OPTION_CLASSLESS_ROUTES = 121;
const OPTION_MS_CLASSLESS_ROUTES = 249;
const OPTION_END = 255;

/** A client identifier's bytes kept, and a hardware address's (chaddr holds 16). */
const MAX_ID_BYTES = 32;
const MAX_HARDWARE_LENGTH = 16;
/** Routers, DNS servers and routes kept from one message. */
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
  const hardwareType = bytes[offset + HARDWARE_TYPE]!;
  const hardwareLength = bytes[offset + HARDWARE_LENGTH]!;
  const ethernet = hardwareType === ETHERNET && hardwareLength === MAC_LENGTH;
  if (ethernet) {
    record.dhcpClientMac = formatMac(bytes, offset + CLIENT_HARDWARE_ADDRESS);
  }
  if (readU32(bytes, offset + CLIENT_ADDRESS) !== 0) {
    record.dhcpClientAddress = formatIpv4(bytes, offset + CLIENT_ADDRESS);
  }
  if (readU32(bytes, offset + RELAY_ADDRESS) !== 0) {
    record.dhcpRelayAddress = formatIpv4(bytes, offset + RELAY_ADDRESS);
  }
  // Options: the options field, then (option 52, overload) the `file`
  // and `sname` fields, in that order (RFC 2131 section 4.1).
  listCount = 0;
  first.fill(-1);
  const overload = scanOptions(bytes, offset + OPTIONS, stop);
  if (overload & OVERLOAD_FILE) {
    scanOptions(bytes, offset + FILE, offset + FILE + FILE_LENGTH);
  }
  if (overload & OVERLOAD_SNAME) {
    scanOptions(bytes, offset + SNAME, offset + SNAME + SNAME_LENGTH);
  }
  const typeAt = first[FIRST_MESSAGE_TYPE]!;
  if (typeAt >= 0) record.dhcpMessageType = bytes[typeAt]!;
  const serverAt = first[FIRST_SERVER_ID]!;
  if (serverAt >= 0) record.dhcpServerId = formatIpv4(bytes, serverAt);
  // Who the client is to a server (RFC 2131 section 4.2): its client
  // identifier, else its hardware address (of another type than Ethernet's
  // here; an Ethernet MAC is dhcpClientMac).
  const idAt = first[FIRST_CLIENT_ID]!;
  if (idAt >= 0) {
    record.dhcpClientId = `id:${
      formatHex(bytes, idAt, firstEnd[FIRST_CLIENT_ID]!)
    }`;
  } else if (!ethernet) {
    const length = Math.min(hardwareLength, MAX_HARDWARE_LENGTH);
    const at = offset + CLIENT_HARDWARE_ADDRESS;
    record.dhcpClientId = `hw${hardwareType}:${
      formatHex(bytes, at, at + length)
    }`;
  }
  const type = record.dhcpMessageType;
  if (type !== OFFER && type !== ACK) return;
  if (readU32(bytes, offset + YOUR_ADDRESS) !== 0) {
    record.dhcpLeaseAddresses = formatIpv4(bytes, offset + YOUR_ADDRESS);
  }
  const maskAt = first[FIRST_SUBNET_MASK]!;
  record.dhcpPrefixLength = maskAt >= 0
    ? prefixLengthOf(readU32(bytes, maskAt))
    : -1;
  record.dhcpRouters = addresses(joined(bytes, OPTION_ROUTERS));
  record.dhcpDnsServers = addresses(joined(bytes, OPTION_DNS_SERVERS));
  const routes: string[] = [];
  readRoutes(joined(bytes, OPTION_CLASSLESS_ROUTES), routes);
  readRoutes(joined(bytes, OPTION_MS_CLASSLESS_ROUTES), routes);
  record.dhcpRoutes = routes.join(",");
}

/** Where options of a fixed length start (their first instance), by slot; -1 while none. */
const FIRST_MESSAGE_TYPE = 0;
const FIRST_SERVER_ID = 1;
const FIRST_SUBNET_MASK = 2;
const FIRST_CLIENT_ID = 3;
const first = new Int32Array(4);
/** Where those options end, by slot. */
const firstEnd = new Int32Array(4);
/** The instances of list options met, as (code, from, to) triples: a list option given more than once is one, their bodies joined (RFC 3396). */
const MAX_INSTANCES = 64;
const instances = new Int32Array(3 * MAX_INSTANCES);
let listCount = 0;

/**
 * Reads the options from `from` to `to` (an options field ends at option
 * 255, or at one cut short) into {@linkcode first} and
 * {@linkcode instances}; returns the overload option's value (0 without).
 */
function scanOptions(bytes: Uint8Array, from: number, to: number): number {
  let overload = 0;
  for (let option = from; option < to;) {
    // Non-null: indexes are checked against `to`, within the capture.
    const code = bytes[option]!;
    if (code === OPTION_END) break;
    if (code === OPTION_PAD) {
      option++;
      continue;
    }
    if (to - option < 2) break;
    const body = option + 2;
    const bodyEnd = body + bytes[option + 1]!;
    if (bodyEnd > to) break; // cut short
    const length = bodyEnd - body;
    if (code === OPTION_MESSAGE_TYPE && length >= 1) {
      if (first[FIRST_MESSAGE_TYPE]! < 0) first[FIRST_MESSAGE_TYPE] = body;
    } else if (code === OPTION_SERVER_ID && length >= 4) {
      if (first[FIRST_SERVER_ID]! < 0) first[FIRST_SERVER_ID] = body;
    } else if (code === OPTION_SUBNET_MASK && length >= 4) {
      if (first[FIRST_SUBNET_MASK]! < 0) first[FIRST_SUBNET_MASK] = body;
    } else if (code === OPTION_CLIENT_ID && length >= 1) {
      if (first[FIRST_CLIENT_ID]! < 0) {
        first[FIRST_CLIENT_ID] = body;
        firstEnd[FIRST_CLIENT_ID] = Math.min(bodyEnd, body + MAX_ID_BYTES);
      }
    } else if (code === OPTION_OVERLOAD && length >= 1) {
      overload = bytes[body]!;
    } else if (
      (code === OPTION_ROUTERS || code === OPTION_DNS_SERVERS ||
        code === OPTION_CLASSLESS_ROUTES ||
        code === OPTION_MS_CLASSLESS_ROUTES) && listCount < MAX_INSTANCES
    ) {
      instances[3 * listCount] = code;
      instances[3 * listCount + 1] = body;
      instances[3 * listCount + 2] = bodyEnd;
      listCount++;
    }
    option = bodyEnd;
  }
  return overload;
}

/** The body of list option `code`, its instances joined; empty when absent. */
function joined(bytes: Uint8Array, code: number): Uint8Array {
  let found = -1;
  let total = 0;
  let count = 0;
  for (let i = 0; i < listCount; i++) {
    if (instances[3 * i] !== code) continue;
    if (found < 0) found = i;
    total += instances[3 * i + 2]! - instances[3 * i + 1]!;
    count++;
  }
  if (found < 0) return EMPTY;
  if (count === 1) {
    return bytes.subarray(instances[3 * found + 1]!, instances[3 * found + 2]!);
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (let i = found; i < listCount; i++) {
    if (instances[3 * i] !== code) continue;
    const part = bytes.subarray(instances[3 * i + 1]!, instances[3 * i + 2]!);
    body.set(part, at);
    at += part.length;
  }
  return body;
}

const EMPTY = new Uint8Array(0);

/** The IPv4 addresses in `body` (at most {@linkcode MAX_LISTED}), comma-separated. */
function addresses(body: Uint8Array): string {
  let text = "";
  const last = Math.min(body.length, 4 * MAX_LISTED);
  for (let at = 0; last - at >= 4; at += 4) {
    text += (at === 0 ? "" : ",") + formatIpv4(body, at);
  }
  return text;
}

/**
 * Adds the routes of a classless static route option's `body` (RFC 3442:
 * each a prefix length, the prefix's significant bytes, a router) to
 * `routes` as "10.0.0.0/8 via 192.168.1.1", each once, at most
 * {@linkcode MAX_LISTED}; a route cut short or wider than 32 ends it.
 */
function readRoutes(body: Uint8Array, routes: string[]): void {
  for (let at = 0; at < body.length && routes.length < MAX_LISTED;) {
    const width = body[at]!;
    const significant = (width + 7) >> 3;
    if (width > 32 || at + 1 + significant + 4 > body.length) return;
    let prefix = 0;
    for (let i = 0; i < 4; i++) {
      prefix = prefix * 256 + (i < significant ? body[at + 1 + i]! : 0);
    }
    const router = formatIpv4(body, at + 1 + significant);
    const route = `${formatIpv4Key(prefix)}/${width} via ${router}`;
    if (!routes.includes(route)) routes.push(route);
    at += 1 + significant + 4;
  }
}

/** The prefix length of a contiguous subnet mask (255.255.255.0: 24), or -1 for none or a mask with holes. */
export function prefixLengthOf(mask: number): number {
  if (mask < 0) return -1;
  const inverted = ~mask >>> 0;
  // A contiguous mask's inverse is 2^k - 1.
  if ((inverted & (inverted + 1)) !== 0) return -1;
  return 32 - Math.log2(inverted + 1);
}
