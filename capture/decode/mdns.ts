/**
 * Multicast DNS (RFC 6762), read in place for the name poisoning detector:
 * a query's first question for an address, and a response's address and
 * alias records (A, AAAA, CNAME) among its answers, which say where a
 * querier will connect. Responder answers every mDNS query with its own
 * address.
 *
 * @module
 */

import type { PacketRecord } from "../packet_record.ts";
import { formatIpv4, formatIpv6 } from "./address.ts";
import { readU16 } from "./bytes.ts";
import { appendLabel, DNS_HEADER_LENGTH } from "./dns.ts";
import { MAX_NAME_LENGTH, MAX_POINTERS, skipDnsName } from "./dns_name.ts";

/** The mDNS port (RFC 6762 section 3). */
export const MDNS_PORT = 5353;

/** Questions, and answer records, looked through. */
const MAX_QUESTIONS = 8;
const MAX_RECORDS = 16;

/** Address and alias records kept of one response. */
const MAX_KEPT = 8;

/** The name being read, as character codes (at most 255 wire bytes, each at most 4 characters; decoding is synchronous). */
const nameCodes = new Uint16Array(4 * MAX_NAME_LENGTH);

/** Resource record types read: an IPv4 address, an alias, an IPv6 address; and ANY, asked for. */
const TYPE_A = 1;
const TYPE_CNAME = 5;
const TYPE_AAAA = 28;
const TYPE_ANY = 255;

/**
 * Reads the first question of the mDNS query in `bytes[message, end)`
 * that asks for an address (A, AAAA or ANY), among its first 8, into
 * `record.mdnsQueryName` (lower-case, without the trailing dot, bytes
 * outside printable ASCII as "\\DDD", as `dnsQname` has them); "" when
 * none does, or the bytes end first. Never throws.
 */
export function decodeMdnsQuery(
  record: PacketRecord,
  bytes: Uint8Array,
  message: number,
  end: number,
): void {
  if (end - message < DNS_HEADER_LENGTH) return;
  const questions = Math.min(readU16(bytes, message + 4), MAX_QUESTIONS);
  let at = message + DNS_HEADER_LENGTH;
  for (let i = 0; i < questions; i++) {
    const name = at;
    at = skipDnsName(bytes, at, end);
    if (at < 0 || at + 4 > end) return;
    const type = readU16(bytes, at);
    if (type === TYPE_A || type === TYPE_AAAA || type === TYPE_ANY) {
      record.mdnsQueryName = nameText(bytes, message, name, end) ?? "";
      return;
    }
    at += 4;
  }
}

/**
 * Reads the A (4-byte), AAAA (16-byte) and CNAME records among the first
 * 16 answers of the DNS response in `bytes[message, end)`, up to 8, into
 * `record.mdnsRecords`: one line each, "owner\ttype\tvalue" (type "A",
 * "AAAA" or "CNAME"; names as {@linkcode decodeMdnsQuery} has them, which
 * escapes tabs and newlines). Questions are skipped; a name, record or
 * data that the captured bytes cut, or a bad name, ends the reading.
 * Never throws.
 */
export function decodeMdnsAnswer(
  record: PacketRecord,
  bytes: Uint8Array,
  message: number,
  end: number,
): void {
  if (end - message < DNS_HEADER_LENGTH) return;
  const questions = readU16(bytes, message + 4);
  const answers = Math.min(readU16(bytes, message + 6), MAX_RECORDS);
  let at = message + DNS_HEADER_LENGTH;
  // Each question takes at least 5 bytes: the loop ends with the message.
  for (let i = 0; i < questions; i++) {
    at = skipDnsName(bytes, at, end);
    if (at < 0 || at + 4 > end) return;
    at += 4;
  }
  let lines = "";
  let kept = 0;
  for (let i = 0; i < answers && kept < MAX_KEPT; i++) {
    const name = at;
    at = skipDnsName(bytes, at, end);
    if (at < 0 || at + 10 > end) break;
    const type = readU16(bytes, at);
    const dataLength = readU16(bytes, at + 8);
    const data = at + 10;
    if (data + dataLength > end) break;
    at = data + dataLength;
    let value: string | undefined;
    let typeName = "";
    if (type === TYPE_A && dataLength === 4) {
      value = formatIpv4(bytes, data);
      typeName = "A";
    } else if (type === TYPE_AAAA && dataLength === 16) {
      value = formatIpv6(bytes, data);
      typeName = "AAAA";
    } else if (type === TYPE_CNAME) {
      value = nameText(bytes, message, data, end);
      typeName = "CNAME";
    }
    if (value === undefined) continue;
    const owner = nameText(bytes, message, name, end);
    if (owner === undefined) continue;
    lines += `${kept > 0 ? "\n" : ""}${owner}\t${typeName}\t${value}`;
    kept++;
  }
  record.mdnsRecords = lines;
}

/** The text of the name at `start` (pointers relative to `message`, everything before `end`), or undefined for a cut, looping, too long or bad name. */
function nameText(
  bytes: Uint8Array,
  message: number,
  start: number,
  end: number,
): string | undefined {
  let length = 0;
  let at = start;
  let pointers = 0;
  let wireLength = 1;
  while (at < end) {
    const label = bytes[at]!;
    if (label === 0) {
      return String.fromCharCode(...nameCodes.subarray(0, length));
    }
    const kind = label & 0xc0;
    if (kind === 0xc0) {
      if (at + 1 >= end || ++pointers > MAX_POINTERS) return undefined;
      at = message + (((label & 0x3f) << 8) | bytes[at + 1]!);
      continue;
    }
    if (kind !== 0) return undefined;
    wireLength += label + 1;
    const labelEnd = at + 1 + label;
    if (wireLength > MAX_NAME_LENGTH || labelEnd > end) return undefined;
    length = appendLabel(bytes, at + 1, labelEnd, nameCodes, length);
    at = labelEnd;
  }
  return undefined;
}
