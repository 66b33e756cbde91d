/**
 * DNS names on the wire (RFC 1035 sections 3.1 and 4.1.4): their bounds
 * (for the DNS and mDNS decoders' name readers), and skipping one in place
 * (for the mDNS decoder and the answer reader, dns_answers.ts).
 *
 * @module
 */

/** Longest domain name on the wire, in bytes (RFC 1035 section 2.3.4). */
export const MAX_NAME_LENGTH = 255;

/** Compression pointers followed in one name before it counts as a loop. */
export const MAX_POINTERS = 64;

/**
 * The offset after the name at `at`, skipped in place (a compression
 * pointer ends it: skipping needs no jump, so no pointer loop can hold
 * it), or -1 when the bytes before `end` end first, a label is bad or the
 * name is longer than a name may be ({@linkcode MAX_NAME_LENGTH}).
 */
export function skipDnsName(
  bytes: Uint8Array,
  at: number,
  end: number,
): number {
  let wireLength = 1; // the root label
  while (at < end) {
    const label = bytes[at]!;
    if (label === 0) return at + 1;
    const kind = label & 0xc0;
    if (kind === 0xc0) return at + 2 <= end ? at + 2 : -1;
    if (kind !== 0) return -1;
    wireLength += label + 1;
    if (wireLength > MAX_NAME_LENGTH) return -1;
    at += label + 1;
  }
  return -1;
}
