/**
 * DHCPv6 (RFC 8415) messages, read in place: every message's type, and
 * what a server's advertise or reply gives its client (the server's DUID,
 * the addresses it leases, the DNS servers it names), which the DHCP
 * spoofing detector judges. Nothing is read past the captured bytes or the
 * datagram; an option cut short ends the reading, and what was read stays.
 *
 * @module
 */

import type { PacketRecord } from "../packet_record.ts";
import { formatIpv6, isLinkLocalAt } from "./address.ts";
import { formatHex, readU16, readU32 } from "./bytes.ts";

/** The UDP ports of DHCPv6: servers (and relays) listen on 547, clients on 546 (and take answers from any port: THC's fake_dhcps6 sends from another). */
export const DHCPV6_SERVER_PORT = 547;
export const DHCPV6_CLIENT_PORT = 546;

/** Message types of a server's answers to a client (RFC 8415 section 7.3). */
const ADVERTISE = 2;
const REPLY = 7;

/** Options read (RFC 8415 section 21, RFC 3646). */
const OPTION_SERVER_ID = 2;
const OPTION_IA_NA = 3;
const OPTION_IA_TA = 4;
const OPTION_IA_ADDRESS = 5;
const OPTION_STATUS_CODE = 13;
const OPTION_DNS_SERVERS = 23;

/** Where an IA_NA's and an IA_TA's own options start in its body. */
const IA_NA_OPTIONS = 12;
const IA_TA_OPTIONS = 4;
/** An IA address option's body: the address, preferred and valid lifetimes. */
const IA_ADDRESS_LENGTH = 24;
/** Where an IA address option's valid lifetime starts in its body. */
const VALID_LIFETIME_OFFSET = 20;

/** Addresses and DNS servers kept from one message, and DUID bytes. */
const MAX_LISTED = 4;
const MAX_DUID_BYTES = 32;

/**
 * Reads the DHCPv6 message at `offset` (captured bytes end at `end`, the
 * datagram's payload at `messageEnd`) into `record.dhcp…`.
 */
export function decodeDhcpv6(
  record: PacketRecord,
  bytes: Uint8Array,
  offset: number,
  end: number,
  messageEnd: number,
): void {
  const stop = end < messageEnd ? end : messageEnd;
  if (stop - offset < 4) return;
  // Non-null: indexes are checked against `stop` before each read.
  const type = bytes[offset]!;
  record.dhcpMessageType = type;
  if (type !== ADVERTISE && type !== REPLY) return;
  // Link-local leases and the others, each at most four: a listing cut at
  // four keeps the link-local ones (a rogue cannot hide one behind others).
  const linkLocal: string[] = [];
  const others: string[] = [];
  const dnsServers: string[] = [];
  for (let option = offset + 4; stop - option >= 4;) {
    const code = readU16(bytes, option);
    const body = option + 4;
    const bodyEnd = body + readU16(bytes, option + 2);
    if (bodyEnd > stop) break; // cut short
    if (code === OPTION_SERVER_ID) {
      record.dhcpServerId = formatHex(
        bytes,
        body,
        Math.min(bodyEnd, body + MAX_DUID_BYTES),
        ":",
      );
    } else if (code === OPTION_IA_NA || code === OPTION_IA_TA) {
      const first = body +
        (code === OPTION_IA_NA ? IA_NA_OPTIONS : IA_TA_OPTIONS);
      readLeases(bytes, first, bodyEnd, linkLocal, others);
    } else if (code === OPTION_DNS_SERVERS) {
      for (
        let at = body;
        bodyEnd - at >= 16 && dnsServers.length < MAX_LISTED;
        at += 16
      ) dnsServers.push(formatIpv6(bytes, at));
    }
    option = bodyEnd;
  }
  record.dhcpLeaseAddresses = [...linkLocal, ...others].slice(0, MAX_LISTED)
    .join(",");
  record.dhcpDnsServers = dnsServers.join(",");
}

/**
 * Adds the addresses an IA leases (its IA address options from `at` to
 * `end` with a valid lifetime above 0: a server ends a lease by returning
 * it with lifetime 0, RFC 8415 section 18.3.5) to `linkLocal` or `others`,
 * at most four each; none when the IA carries a status code other than
 * success, which leases nothing.
 */
function readLeases(
  bytes: Uint8Array,
  at: number,
  end: number,
  linkLocal: string[],
  others: string[],
): void {
  const first = at;
  // A status code may follow the addresses: look for one first.
  for (let option = at; end - option >= 4;) {
    const bodyEnd = option + 4 + readU16(bytes, option + 2);
    if (bodyEnd > end) break;
    if (
      readU16(bytes, option) === OPTION_STATUS_CODE &&
      bodyEnd - option >= 6 && readU16(bytes, option + 4) !== 0
    ) return;
    option = bodyEnd;
  }
  for (at = first; end - at >= 4;) {
    const body = at + 4;
    const bodyEnd = body + readU16(bytes, at + 2);
    if (bodyEnd > end) return;
    if (
      readU16(bytes, at) === OPTION_IA_ADDRESS &&
      bodyEnd - body >= IA_ADDRESS_LENGTH &&
      readU32(bytes, body + VALID_LIFETIME_OFFSET) !== 0
    ) {
      const list = isLinkLocalAt(bytes, body) ? linkLocal : others;
      if (list.length < MAX_LISTED) list.push(formatIpv6(bytes, body));
    }
    at = bodyEnd;
  }
}
