/**
 * Joining byte chunks into one buffer: the one copy loop the capture
 * writers, frame builders, request-body reader and SSE streams share.
 *
 * @module
 */

/**
 * The bytes of `parts`, one after another, in a new buffer. `totalBytes`,
 * when the caller has counted it already, must be the sum of the parts'
 * lengths.
 */
export function concatBytes(
  parts: readonly Uint8Array[],
  totalBytes: number = parts.reduce((sum, part) => sum + part.length, 0),
): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(totalBytes);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
