/**
 * A walk over BER (X.690) headers, read in place: the content of an element
 * of an expected tag, or the offset past it. SNMP (service_reply.ts), LDAP
 * and Kerberos (auth_reply.ts) are read with it.
 *
 * @module
 */

/** Walking BER headers, the capture ended within one. */
export const BER_CUT = -1;
/** Walking BER headers, an element had another tag or an unsupported length. */
export const BER_BAD = -2;

/**
 * The offset of the content of the BER element at `at` if its tag is
 * `tag`: past the tag and a definite length of up to 4 bytes. BER_CUT when the
 * capture ends within them, BER_BAD when the tag or length is another.
 */
export function berContentOf(
  bytes: Uint8Array,
  at: number,
  end: number,
  tag: number,
): number {
  if (at >= end) return BER_CUT;
  if (bytes[at] !== tag) return BER_BAD;
  if (at + 2 > end) return BER_CUT;
  // Non-null: two bytes are captured (checked above).
  const first = bytes[at + 1]!;
  if (first < 0x80) return at + 2;
  const size = first & 0x7f;
  if (size === 0 || size > 4) return BER_BAD;
  return at + 2 + size > end ? BER_CUT : at + 2 + size;
}

/** The offset just past the BER element at `at` if its tag is `tag` ({@linkcode berContentOf}); it may lie past `end`. */
export function berAfter(
  bytes: Uint8Array,
  at: number,
  end: number,
  tag: number,
): number {
  const content = berContentOf(bytes, at, end, tag);
  if (content < 0) return content;
  // Non-null: the length bytes are captured (berContentOf checked them).
  const first = bytes[at + 1]!;
  if (first < 0x80) return content + first;
  let contentLength = 0;
  for (let i = at + 2; i < content; i++) {
    contentLength = contentLength * 256 + bytes[i]!;
  }
  return content + contentLength;
}
