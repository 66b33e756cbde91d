/**
 * Community ID v1 flow hashes (https://github.com/corelight/community-id-spec),
 * computed from the spec: SHA-1 over seed, ordered addresses, protocol,
 * a zero pad byte and ordered ports, base64-encoded, prefixed "1:".
 *
 * @module
 */

import {
  ipv6WordsOfKey,
  isIpv4Key,
  parseIpv4,
  parseIpv6Text,
} from "../capture/decode/address_key.ts";
import { writeWord } from "../capture/decode/address.ts";
import { base64Codes, sha1 } from "./sha1.ts";

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMPV6 = 58;
const SCTP = 132;

/** ICMP types with a counterpart (request ↔ reply), per the spec. */
const ICMP_PAIRS: Record<number, number> = {
  8: 0, // echo
  0: 8,
  13: 14, // timestamp
  14: 13,
  15: 16, // information
  16: 15,
  10: 9, // router solicitation ↔ advertisement
  9: 10,
  17: 18, // address mask
  18: 17,
};

/** ICMPv6 types with a counterpart, per the spec. */
const ICMPV6_PAIRS: Record<number, number> = {
  128: 129, // echo
  129: 128,
  133: 134, // router solicitation ↔ advertisement
  134: 133,
  135: 136, // neighbour solicitation ↔ advertisement
  136: 135,
  130: 131, // multicast listener query ↔ report
  131: 130,
  139: 140, // node information query ↔ response
  140: 139,
  144: 145, // home agent address discovery
  145: 144,
};

/** The bytes hashed for one flow, reused by every call. */
const MESSAGE = new Uint8Array(40);

/** A flow's five-tuple; for ICMP/ICMPv6 the ports are the type and code. */
export interface FlowTuple {
  /** Source address text ("" will do for an IPv4 address given by `srcAddressKey`). */
  srcAddress: string;
  dstAddress: string;
  /**
   * The addresses' keys (`PacketRecord.srcAddressKey`), when known: an IPv4
   * address (a key below 2^32) is then taken from its key, neither formatted
   * nor parsed.
   */
  srcAddressKey?: number;
  dstAddressKey?: number;
  /** IANA protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, 132 SCTP, …). */
  protocol: number;
  /** Source port, or ICMP type. */
  srcPort: number;
  /** Destination port, or ICMP code. */
  dstPort: number;
}

/** The Community ID v1 of `flow` ("" when an address does not parse). */
export function communityId(flow: FlowTuple, seed = 0): string {
  const length = endpointInto(flow.srcAddressKey, flow.srcAddress, SRC);
  if (
    length < 0 || endpointInto(flow.dstAddressKey, flow.dstAddress, DST) !==
      length
  ) return "";
  let srcPort = flow.srcPort;
  let dstPort = flow.dstPort;
  const hasPorts = flow.protocol === TCP || flow.protocol === UDP ||
    flow.protocol === SCTP || flow.protocol === ICMP ||
    flow.protocol === ICMPV6;
  let oneWay = false;
  if (flow.protocol === ICMP || flow.protocol === ICMPV6) {
    const pairs = flow.protocol === ICMP ? ICMP_PAIRS : ICMPV6_PAIRS;
    const counterpart = pairs[flow.srcPort];
    if (counterpart === undefined) {
      oneWay = true; // type and code stay as they are
    } else {
      dstPort = counterpart;
    }
  }
  let first = SRC;
  let second = DST;
  if (!oneWay && !ordered(SRC, DST, length, srcPort, dstPort)) {
    first = DST;
    second = SRC;
    [srcPort, dstPort] = [dstPort, srcPort];
  }
  // seed (2) | src | dst | protocol, pad (2) | ports (4): at most 40 bytes.
  const message = MESSAGE;
  let at = 0;
  message[at++] = (seed >> 8) & 0xff;
  message[at++] = seed & 0xff;
  for (let i = 0; i < length; i++) message[at++] = first[i]!;
  for (let i = 0; i < length; i++) message[at++] = second[i]!;
  message[at++] = flow.protocol & 0xff;
  message[at++] = 0;
  if (hasPorts) {
    message[at++] = (srcPort >> 8) & 0xff;
    message[at++] = srcPort & 0xff;
    message[at++] = (dstPort >> 8) & 0xff;
    message[at++] = dstPort & 0xff;
  }
  // "1:" and the digest's base64 in one flat string (see base64Codes).
  base64Codes(sha1(message, at, DIGEST), ID_CODES, 2);
  return String.fromCharCode.apply(null, ID_CODES);
}

/** "1:" and room for the base64 of a 20-byte digest (28 characters). */
const ID_CODES = [0x31, 0x3a, ...new Array<number>(28).fill(0)];

/** Scratch space for the digest. */
const DIGEST = new Uint8Array(20);
/** Scratch space for the two addresses' bytes. */
const SRC = new Uint8Array(16);
const DST = new Uint8Array(16);

/** {@linkcode addressInto}, from `key` when it is an IPv4 address's. */
function endpointInto(
  key: number | undefined,
  address: string,
  bytes: Uint8Array,
): number {
  if (key !== undefined && isIpv4Key(key)) return ipv4Into(key, bytes);
  // A recent IPv6 key gives its words back: no text parsed.
  if (key !== undefined && ipv6WordsOfKey(key, WORDS)) {
    return ipv6Into(WORDS, bytes);
  }
  return addressInto(address, bytes);
}

/** Writes the IPv4 address `value` (a 32-bit number) into `bytes` in network order; 4. */
function ipv4Into(value: number, bytes: Uint8Array): number {
  writeWord(bytes, 0, value);
  return 4;
}

/** Scratch words of an IPv6 address. */
const WORDS = new Int32Array(4);

/** Writes IPv6 words (signed 32-bit, most significant first) into `bytes` in network order; 16. */
function ipv6Into(words: Int32Array, bytes: Uint8Array): number {
  for (let i = 0; i < 4; i++) writeWord(bytes, i * 4, words[i]!);
  return 16;
}

/** Writes `address`'s network-order bytes into `bytes`; their count (4 or 16), or -1 when it does not parse. */
function addressInto(address: string, bytes: Uint8Array): number {
  if (!address.includes(":")) {
    const value = parseIpv4(address);
    return value < 0 ? -1 : ipv4Into(value, bytes);
  }
  return parseIpv6Text(address, WORDS) ? ipv6Into(WORDS, bytes) : -1;
}

function ordered(
  src: Uint8Array,
  dst: Uint8Array,
  length: number,
  srcPort: number,
  dstPort: number,
): boolean {
  for (let i = 0; i < length; i++) {
    if (src[i]! !== dst[i]!) return src[i]! < dst[i]!;
  }
  return srcPort <= dstPort;
}

/** Network-order bytes of a dotted-quad or RFC 4291 IPv6 address; undefined when it does not parse. */
export function addressBytes(address: string): Uint8Array | undefined {
  const bytes = new Uint8Array(16);
  const length = addressInto(address, bytes);
  return length < 0 ? undefined : bytes.slice(0, length);
}
