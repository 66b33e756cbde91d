/**
 * Address keys: one number per IP address, so the hot tables of the
 * analyzers and detectors can look an address up without hashing its text.
 *
 * An IPv4 address's key is the address as an unsigned 32-bit number. An
 * IPv6 address gets `IPV6_KEY_BASE` plus a per-process serial number from
 * an interning table keyed by its four 32-bit words, so the decoder keys
 * an address without making its text, and the text form ("2001:db8::1",
 * any valid spelling) finds the same key. Other text (a subnet such as
 * "2001:db8::/64") is interned by its text. Serial numbers are never
 * reused: when the tables hold `MAX_INTERNED` entries they start afresh,
 * and an address seen again gets a new key (its state in the detectors
 * then starts afresh too, as after an eviction). Keys stay below 2^37, so
 * `key × 65536 + port` is still an exact integer. The words of the most
 * recently keyed addresses can be had back from their keys
 * ({@linkcode ipv6WordsOfKey}), for CIDR checks without text.
 *
 * @module
 */

/** Keys of non-IPv4 addresses start here (above every IPv4 key). */
export const IPV6_KEY_BASE = 2 ** 32;

/** Addresses (and other texts) the interning tables hold before they start afresh. */
export const MAX_INTERNED = 1 << 20;

/** Serial numbers wrap here, keeping keys below 2^37. */
const MAX_SERIAL = 2 ** 36;

/** Texts that are not IPv6 addresses, by text. */
const internedTexts = new Map<string, number>();
let nextSerial = 0;

// IPv6 addresses by their words: open addressing (linear probing) over
// positions of five int32s (the four words, then the serial's offset from
// `internBase` plus one; 0 marks an empty position), at most half full;
// grown by doubling. One array, zeroed by allocation, and a probe reads
// one run of memory.
const STRIDE = 5;
let internTable = new Int32Array(0);
let internMask = -1;
let internSize = 0;
/** Serial of this generation's first entry (offsets stay below MAX_INTERNED). */
let internBase = 0;

/** Keys whose words {@linkcode ipv6WordsOfKey} can give back: the last this many keyed. */
const RECENT_BITS = 16;
const recentWords = new Int32Array(4 << RECENT_BITS);
const recentSerials = new Float64Array(1 << RECENT_BITS).fill(-1);

/** Scratch words of parsed text. */
const parsedWords = new Int32Array(4);
const parsedGroups = new Int32Array(8);

/** Whether `key` is an IPv4 address's key (the address itself as a number), not an interned one or -1. */
export function isIpv4Key(key: number): boolean {
  return key >= 0 && key < IPV6_KEY_BASE;
}

/** The key of an IPv6 address in text (any valid spelling), or of any other non-IPv4 text. */
export function ipv6AddressKey(text: string): number {
  if (parseIpv6Text(text, parsedWords)) {
    return ipv6KeyOfWords(
      parsedWords[0]!,
      parsedWords[1]!,
      parsedWords[2]!,
      parsedWords[3]!,
    );
  }
  const known = internedTexts.get(text);
  if (known !== undefined) return known;
  if (internedTexts.size + internSize >= MAX_INTERNED) startAfresh();
  const key = IPV6_KEY_BASE + takeSerial();
  internedTexts.set(text, key);
  return key;
}

/** The key of the IPv6 address whose 32-bit words, most significant first, are `w0`–`w3` (signed or not). */
export function ipv6KeyOfWords(
  w0: number,
  w1: number,
  w2: number,
  w3: number,
): number {
  const hash = wordsHash(w0, w1, w2, w3);
  for (;;) {
    const table = internTable;
    const mask = internMask;
    for (let position = hash & mask;; position = (position + 1) & mask) {
      const at = position * STRIDE;
      const offset = table[at + 4]!;
      if (offset === 0) {
        if ((internSize + 1) * 2 > mask + 1) break; // grow first
        if (internedTexts.size + internSize >= MAX_INTERNED) break;
        table[at] = w0;
        table[at + 1] = w1;
        table[at + 2] = w2;
        table[at + 3] = w3;
        const fresh = takeSerial();
        table[at + 4] = fresh - internBase + 1;
        internSize++;
        remember(fresh, w0, w1, w2, w3);
        return IPV6_KEY_BASE + fresh;
      }
      if (
        table[at] === (w0 | 0) && table[at + 1] === (w1 | 0) &&
        table[at + 2] === (w2 | 0) && table[at + 3] === (w3 | 0)
      ) {
        const serial = internBase + offset - 1;
        remember(serial, w0, w1, w2, w3);
        return IPV6_KEY_BASE + serial;
      }
    }
    if (internedTexts.size + internSize >= MAX_INTERNED) startAfresh();
    else growInterned();
  }
}

/**
 * Writes the words of the IPv6 address with key `key` into `out` (signed
 * 32-bit, most significant first) and returns true when it is among the
 * last 65 536 addresses keyed; false otherwise (the caller falls back to
 * the address text).
 */
export function ipv6WordsOfKey(key: number, out: Int32Array): boolean {
  const serial = key - IPV6_KEY_BASE;
  if (serial < 0) return false;
  const slot = serial % (1 << RECENT_BITS);
  if (recentSerials[slot] !== serial) return false;
  const at = slot * 4;
  out[0] = recentWords[at]!;
  out[1] = recentWords[at + 1]!;
  out[2] = recentWords[at + 2]!;
  out[3] = recentWords[at + 3]!;
  return true;
}

/**
 * Parses IPv6 text (RFC 4291 section 2.2: 1–4 hex digits a group, one "::",
 * a dotted quad in the last 32 bits, an optional "%zone") into four signed
 * 32-bit words in `out`; false when it is not an IPv6 address.
 */
export function parseIpv6Text(text: string, out: Int32Array): boolean {
  const groups = parsedGroups;
  let end = text.indexOf("%");
  if (end < 0) end = text.length;
  let count = 0;
  let gapAt = -1;
  let i = 0;
  if (end >= 2 && text.charCodeAt(0) === 0x3a && text.charCodeAt(1) === 0x3a) {
    gapAt = 0;
    i = 2;
    if (i === end) return fillIpv6Words(groups, 0, 0, out);
  } else if (text.charCodeAt(0) === 0x3a) {
    return false;
  }
  for (;;) {
    // One group, or the dotted quad that ends the address.
    let value = 0;
    let digits = 0;
    const start = i;
    while (i < end) {
      const code = text.charCodeAt(i);
      const digit = code >= 0x30 && code <= 0x39
        ? code - 0x30
        : code >= 0x61 && code <= 0x66
        ? code - 0x57
        : code >= 0x41 && code <= 0x46
        ? code - 0x37
        : -1;
      if (digit < 0) break;
      value = value * 16 + digit;
      digits++;
      i++;
    }
    if (i < end && text.charCodeAt(i) === 0x2e) {
      if (count > 6) return false;
      const v4 = parseIpv4(text.slice(start, end));
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      break;
    }
    if (digits === 0 || digits > 4 || count === 8) return false;
    groups[count++] = value;
    if (i === end) break;
    if (text.charCodeAt(i) !== 0x3a) return false;
    i++;
    if (i < end && text.charCodeAt(i) === 0x3a) {
      if (gapAt >= 0) return false;
      gapAt = count;
      i++;
      if (i === end) break;
    } else if (i === end) {
      return false; // a trailing single colon
    }
  }
  return fillIpv6Words(groups, count, gapAt, out);
}

/** Expands `count` groups (a "::" before group `gapAt`, or -1) into four words. */
function fillIpv6Words(
  groups: Int32Array,
  count: number,
  gapAt: number,
  out: Int32Array,
): boolean {
  if (gapAt < 0 ? count !== 8 : count > 7) return false;
  const gap = gapAt < 0 ? 0 : 8 - count;
  for (let word = 0; word < 4; word++) {
    let value = 0;
    for (let half = 0; half < 2; half++) {
      const index = word * 2 + half;
      const group = gapAt < 0 || index < gapAt
        ? groups[index]!
        : index < gapAt + gap
        ? 0
        : groups[index - gap]!;
      value = (value << 16) | group;
    }
    out[word] = value;
  }
  return true;
}

function takeSerial(): number {
  const serial = nextSerial;
  nextSerial = (nextSerial + 1) % MAX_SERIAL;
  return serial;
}

function remember(
  serial: number,
  w0: number,
  w1: number,
  w2: number,
  w3: number,
): void {
  const slot = serial % (1 << RECENT_BITS);
  const at = slot * 4;
  recentSerials[slot] = serial;
  recentWords[at] = w0;
  recentWords[at + 1] = w1;
  recentWords[at + 2] = w2;
  recentWords[at + 3] = w3;
}

/** Position hash of an address's words. */
function wordsHash(w0: number, w1: number, w2: number, w3: number): number {
  const hash = Math.imul(
    w3 ^ Math.imul(w2, 0x01000193) ^ Math.imul(w1, 0x0100_01b3) ^
      Math.imul(w0, 0x27d4_eb2d),
    0x9e3779b1,
  );
  return hash ^ (hash >>> 15);
}

/** Doubles the address table (16 positions at first), re-placing every address. */
function growInterned(): void {
  const old = internTable;
  const positions = Math.max(16, (internMask + 1) * 2);
  const table = new Int32Array(positions * STRIDE);
  const mask = positions - 1;
  for (let from = 0; from < old.length; from += STRIDE) {
    const offset = old[from + 4]!;
    if (offset === 0) continue;
    const w0 = old[from]!;
    const w1 = old[from + 1]!;
    const w2 = old[from + 2]!;
    const w3 = old[from + 3]!;
    let position = wordsHash(w0, w1, w2, w3) & mask;
    while (table[position * STRIDE + 4] !== 0) {
      position = (position + 1) & mask;
    }
    const at = position * STRIDE;
    table[at] = w0;
    table[at + 1] = w1;
    table[at + 2] = w2;
    table[at + 3] = w3;
    table[at + 4] = offset;
  }
  internTable = table;
  internMask = mask;
}

/** Forgets every interned address and text (their keys are never given again). */
function startAfresh(): void {
  internedTexts.clear();
  internTable = new Int32Array(0);
  internMask = -1;
  internSize = 0;
  internBase = nextSerial;
  growInterned();
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

growInterned();
