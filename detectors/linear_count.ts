/**
 * Linear counting (Whang, Vander-Zanden and Taylor, 1990): the number of
 * distinct values hashed into a bitmap of m bits, estimated from the bits
 * left zero as −m·ln(zero bits / m) = m·ln(m / zero bits). Used where a detector counts distinct
 * sources or ports in a fixed amount of memory.
 *
 * @module
 */

/** The estimate for a map of `size` bits with `setBits` of them set; `size`·ln(`size`) once every bit is set (the map saturated). */
export function linearEstimate(setBits: number, size: number): number {
  const zeroBits = size - setBits;
  const estimate = zeroBits <= 0
    ? size * Math.log(size)
    : size * Math.log(size / zeroBits);
  return Math.round(estimate);
}

/** The estimate for the map `bits` of `size` bits, counting its set bits. */
export function linearCount(bits: Uint32Array, size: number): number {
  let setBits = 0;
  for (const word of bits) setBits += popCount(word);
  return linearEstimate(setBits, size);
}

/** Set bits of a 32-bit word. */
function popCount(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}
