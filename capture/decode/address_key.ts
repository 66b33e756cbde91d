/**
 * Address keys: one number per IP address, so the hot tables of the
 * analyzers and detectors can look an address up without hashing its text.
 *
 * An IPv4 address's key is the address as an unsigned 32-bit number. Any
 * other address text (IPv6) gets `IPV6_KEY_BASE` plus a per-process serial
 * number from an interning table. Serial numbers are never reused: when the
 * table holds `MAX_INTERNED` texts it starts afresh, and an address seen
 * again gets a new key (its state in the detectors then starts afresh too,
 * as after an eviction). Keys stay below 2^37, so `key × 65536 + port` is
 * still an exact integer.
 *
 * @module
 */

/** Keys of non-IPv4 addresses start here (above every IPv4 key). */
export const IPV6_KEY_BASE = 2 ** 32;

/** Texts the interning table holds before it starts afresh. */
export const MAX_INTERNED = 1 << 20;

/** Serial numbers wrap here, keeping keys below 2^37. */
const MAX_SERIAL = 2 ** 36;

const interned = new Map<string, number>();
let nextSerial = 0;

/** Whether `key` is an IPv4 address's key (the address itself as a number), not an interned one or -1. */
export function isIpv4Key(key: number): boolean {
  return key >= 0 && key < IPV6_KEY_BASE;
}

/** The key of an IPv6 address (or any non-IPv4 address text). */
export function ipv6AddressKey(text: string): number {
  const known = interned.get(text);
  if (known !== undefined) return known;
  if (interned.size >= MAX_INTERNED) interned.clear();
  const key = IPV6_KEY_BASE + nextSerial;
  nextSerial = (nextSerial + 1) % MAX_SERIAL;
  interned.set(text, key);
  return key;
}

/** The key of the IPv4 address in `bytes[offset, offset + 4)`; the caller checked the bytes are present. */
export function ipv4AddressKey(bytes: Uint8Array, offset: number): number {
  // Non-null: the caller checked the four bytes are present.
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) |
    (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** Ports per address in an endpoint key. */
const PORTS = 65_536;

/**
 * One number for an address and a port: address key × 65 536 + port, an
 * exact integer below 2^53 (address keys are below 2^37, ports 0–65 535).
 */
export function endpointKey(addressKey: number, port: number): number {
  return addressKey * PORTS + port;
}

/** The key of an address in text form (as the decoders write it); -1 for "". */
export function addressKey(text: string): number {
  if (text === "") return -1;
  const ipv4 = parseIpv4(text);
  return ipv4 >= 0 ? ipv4 : ipv6AddressKey(text);
}

/**
 * Parses a dotted quad (exactly four decimal octets 0–255, no leading zeros)
 * into an unsigned 32-bit number; -1 when `address` is not one.
 */
export function parseIpv4(address: string): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < address.length; i++) {
    const code = address.charCodeAt(i);
    if (code === 0x2e) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (code >= 0x30 && code <= 0x39) {
      // A leading zero would be octal to inet_aton; reject it as ambiguous.
      if (digits === 1 && octet === 0) return -1;
      octet = octet * 10 + (code - 0x30);
      if (++digits > 3 || octet > 255) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}
