/**
 * CIDR blocks (IPv4 and IPv6) and a set of them that answers "is this address
 * inside?" fast enough for the per-packet hot path.
 *
 * @module
 */

import {
  IPV6_KEY_BASE,
  ipv6WordsOfKey,
  parseIpv6Text,
} from "../capture/decode/address_key.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { parseIpv4 } from "./addresses.ts";

/** Scratch words of an address being checked (checks are synchronous). */
const endWords = new Int32Array(4);
const textWords = new Int32Array(4);

/** One parsed CIDR block. */
export interface Cidr {
  /** The block as written, e.g. "10.0.0.0/8". */
  text: string;
  /** Address family. */
  family: 4 | 6;
  /**
   * Network address as 32-bit words, most significant first (1 word for
   * IPv4, 4 for IPv6), with the host bits cleared.
   */
  words: number[];
  /** Prefix length in bits: 0–32 for IPv4, 0–128 for IPv6. */
  prefixLength: number;
}

/**
 * Parses a CIDR block: "a.b.c.d/n" (n 0–32) or an RFC 4291 IPv6 prefix
 * "x:x::x/n" (n 0–128); a bare address is a host block (/32 or /128). Host
 * bits set below the prefix are cleared ("10.1.2.3/8" is 10.0.0.0/8). Throws
 * a TypeError naming the CIDR when it is not valid.
 */
export function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  const slash = trimmed.indexOf("/");
  const addressText = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const isV6 = addressText.includes(":");
  const maxPrefix = isV6 ? 128 : 32;
  let prefixLength = maxPrefix;
  if (slash >= 0) {
    const prefixText = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > maxPrefix) {
      throw new TypeError(
        `Invalid CIDR "${text}": prefix length must be an integer from 0 to ${maxPrefix}`,
      );
    }
    prefixLength = Number(prefixText);
  }
  const words = isV6 ? parseIpv6Words(addressText) : parseIpv4(addressText);
  if (words === undefined || words === -1) {
    throw new TypeError(
      `Invalid CIDR "${text}": "${addressText}" is not an IPv${
        isV6 ? 6 : 4
      } address`,
    );
  }
  const network = Array.isArray(words) ? words : [words];
  for (let i = 0; i < network.length; i++) {
    network[i] = (network[i]! & wordMask(prefixLength, i)) >>> 0;
  }
  return { text, family: isV6 ? 6 : 4, words: network, prefixLength };
}

/** Which of a packet's addresses {@linkcode CidrSet}'s end checks read. */
type AddressEnd = 0 | 1 | 2 | 3;
const SOURCE = 0;
const DESTINATION = 1;
const TUNNEL_SOURCE = 2;
const TUNNEL_DESTINATION = 3;

/** The packet's address text at `end`. */
function addressAtEnd(packet: PacketRecord, end: AddressEnd): string {
  switch (end) {
    case SOURCE:
      return packet.srcAddress;
    case DESTINATION:
      return packet.dstAddress;
    case TUNNEL_SOURCE:
      return packet.tunnelSrcAddress;
    default:
      return packet.tunnelDstAddress;
  }
}

/**
 * A set of CIDR blocks. `has` parses the address once and compares it as
 * 32-bit words against each block of its family (IPv4: one masked compare per
 * block), so a short list costs well under a microsecond per call.
 *
 * IPv4-mapped IPv6 addresses ("::ffff:10.0.0.1") are matched against the
 * IPv4 blocks as well as the IPv6 ones.
 */
export class CidrSet {
  readonly #v4Networks: Uint32Array;
  readonly #v4Masks: Uint32Array;
  readonly #v6: { words: number[]; prefixLength: number }[];
  readonly #cidrs: readonly Cidr[];

  /** Parses every CIDR; throws a TypeError naming the first invalid one. */
  constructor(cidrs: string[]) {
    const parsed = cidrs.map(parseCidr);
    const v4 = parsed.filter((cidr) => cidr.family === 4);
    this.#v4Networks = Uint32Array.from(v4, (cidr) => cidr.words[0]!);
    this.#v4Masks = Uint32Array.from(
      v4,
      (cidr) => wordMask(cidr.prefixLength, 0),
    );
    this.#v6 = parsed.filter((cidr) => cidr.family === 6).map((cidr) => ({
      words: cidr.words,
      prefixLength: cidr.prefixLength,
    }));
    this.#cidrs = parsed;
  }

  /** The parsed blocks, in the order given. */
  get cidrs(): readonly Cidr[] {
    return this.#cidrs;
  }

  /** Number of blocks. */
  get length(): number {
    return this.#cidrs.length;
  }

  /**
   * True when `address` (dotted quad or IPv6 text, optionally with a "%zone")
   * lies in one of the blocks; false for "" and for anything unparsable.
   */
  has(address: string): boolean {
    if (address.includes(":")) {
      return parseIpv6Text(address, textWords) && this.#hasV6Words(textWords);
    }
    const word = parseIpv4(address);
    return word >= 0 && this.#hasV4(word);
  }

  /**
   * Like {@linkcode has} for a packet's source address, read by its address
   * key (`srcAddressKey`), which for IPv4 is the address itself: IPv4 needs
   * neither parsing nor the address text; other keys fall back to the text.
   */
  hasSource(packet: PacketRecord): boolean {
    return this.#hasEnd(packet, packet.srcAddressKey, SOURCE);
  }

  /** Like {@linkcode hasSource} for the packet's destination address. */
  hasDestination(packet: PacketRecord): boolean {
    return this.#hasEnd(packet, packet.dstAddressKey, DESTINATION);
  }

  /**
   * Like {@linkcode hasSource} for the outer source (or destination) of the
   * tunnel the packet came through, by `tunnelSrcAddressKey` when the
   * record has it (a record made with the text alone has its text read).
   */
  hasTunnelEnd(packet: PacketRecord, source: boolean): boolean {
    return source
      ? this.#hasEnd(packet, packet.tunnelSrcAddressKey, TUNNEL_SOURCE)
      : this.#hasEnd(packet, packet.tunnelDstAddressKey, TUNNEL_DESTINATION);
  }

  /** The packet's address at `end`, with address key `key`. */
  #hasEnd(packet: PacketRecord, key: number, end: AddressEnd): boolean {
    if (key < 0) {
      return end >= TUNNEL_SOURCE && this.has(addressAtEnd(packet, end));
    }
    if (key < IPV6_KEY_BASE) return this.#hasV4(key);
    // A recent IPv6 key gives its words back: no text made or parsed.
    if (ipv6WordsOfKey(key, endWords)) return this.#hasV6Words(endWords);
    return this.has(addressAtEnd(packet, end));
  }

  #hasV4(word: number): boolean {
    const networks = this.#v4Networks;
    const masks = this.#v4Masks;
    for (let i = 0; i < networks.length; i++) {
      if (((word & masks[i]!) >>> 0) === networks[i]) return true;
    }
    return false;
  }

  /** An IPv6 address (signed 32-bit words) in a block; an IPv4-mapped one (::ffff:a.b.c.d) also in an IPv4 block. */
  #hasV6Words(words: Int32Array): boolean {
    if (
      words[0] === 0 && words[1] === 0 && words[2] === 0xffff &&
      this.#hasV4(words[3]! >>> 0)
    ) {
      return true;
    }
    return this.#hasV6(words);
  }

  #hasV6(words: ArrayLike<number>): boolean {
    for (const block of this.#v6) {
      let inside = true;
      for (let i = 0; i < 4 && inside; i++) {
        const mask = wordMask(block.prefixLength, i);
        if (mask === 0) break;
        inside = ((words[i]! & mask) >>> 0) === block.words[i];
      }
      if (inside) return true;
    }
    return false;
  }
}

/** Mask of word `index` (32 bits each, most significant first) for a prefix length. */
function wordMask(prefixLength: number, index: number): number {
  const bits = prefixLength - index * 32;
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

/** Parses IPv6 text (as {@linkcode parseIpv6Text} does) into four unsigned 32-bit words. */
function parseIpv6Words(text: string): number[] | undefined {
  const words = new Int32Array(4);
  if (!parseIpv6Text(text, words)) return undefined;
  return Array.from(words, (word) => word >>> 0);
}
