/**
 * Deterministic 32-bit string hashes for the detectors' bitmaps and
 * distinct-value sets (no randomness: replay gives identical results).
 *
 * @module
 */

/** 32-bit FNV-1a over the UTF-16 code units of `text`, unsigned. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  }
  return hash >>> 0;
}

/**
 * A second 32-bit string hash, independent of {@linkcode fnv1a} (the
 * polynomial hash × 31 over the code units, seeded with the length), for
 * keys that must not collide: two different texts match in both only by
 * chance, about 1 in 2^64.
 */
export function polyHash(text: string): number {
  let hash = text.length;
  for (let i = 0; i < text.length; i++) {
    hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  }
  return hash >>> 0;
}

/**
 * MurmurHash3's fmix32 finalizer, unsigned: spreads every input bit over all
 * output bits, so that hashes of texts differing only in their last
 * characters fill a bitmap uniformly.
 */
export function fmix32(hash: number): number {
  let mixed = hash ^ (hash >>> 16);
  mixed = Math.imul(mixed, 0x85ebca6b);
  mixed ^= mixed >>> 13;
  mixed = Math.imul(mixed, 0xc2b2ae35);
  mixed ^= mixed >>> 16;
  return mixed >>> 0;
}

/**
 * A 32-bit hash of a 4-tuple: each address key's low 32 bits (the IPv4
 * address, or an IPv6 address's interning number) and the two ports, mixed
 * by multiplication: cheaper than `hashKey`, for direct-mapped tables that
 * every packet of a kind writes (recent_acks.ts, recent_group_queries.ts).
 */
export function tupleHash(
  srcKey: number,
  srcPort: number,
  dstKey: number,
  dstPort: number,
): number {
  let h = Math.imul(srcKey | 0, 0x9e3779b1) ^
    Math.imul(dstKey | 0, 0x85ebca6b) ^
    Math.imul((srcPort << 16) | dstPort, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 13);
}
