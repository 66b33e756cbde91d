/**
 * Writes classic pcap (little-endian, version 2.4): microsecond, the format
 * every tool reads, or nanosecond (magic a1b23c4d) for frames from a capture
 * whose clock is finer than a microsecond. Used for session exports, demo
 * traffic and benchmarks.
 *
 * @module
 */

import { concatBytes } from "./concat_bytes.ts";

/** Length of the classic pcap file header, in bytes. */
export const PCAP_FILE_HEADER_LENGTH = 24;
/** Length of a classic pcap record header, in bytes. */
export const PCAP_RECORD_HEADER_LENGTH = 16;

/** Returns a pcap file header for `linkType` and `snapLength`, with timestamps in ns when `nanosecond`. */
export function pcapFileHeader(
  linkType: number,
  snapLength = 262144,
  nanosecond = false,
): Uint8Array<ArrayBuffer> {
  const header = new Uint8Array(PCAP_FILE_HEADER_LENGTH);
  const view = new DataView(header.buffer);
  view.setUint32(0, nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, snapLength, true);
  view.setUint32(20, linkType, true);
  return header;
}

/**
 * Writes the 16-byte record header for a frame into `target` at `offset`.
 * `timestampUs` is µs since the epoch; `wireLength` defaults to the captured
 * length. `subMicrosecondNs` -1 (the default) writes a microsecond file's
 * record; 0–999, a nanosecond file's, that many ns past `timestampUs`.
 */
export function writePcapRecordHeader(
  target: Uint8Array,
  offset: number,
  timestampUs: number,
  capturedLength: number,
  wireLength: number = capturedLength,
  subMicrosecondNs = -1,
): void {
  // Byte by byte: a DataView per record would be an allocation per packet.
  const seconds = Math.floor(timestampUs / 1e6);
  const fractionUs = timestampUs - seconds * 1e6;
  putUint32Le(target, offset, seconds);
  putUint32Le(
    target,
    offset + 4,
    subMicrosecondNs < 0 ? fractionUs : fractionUs * 1000 + subMicrosecondNs,
  );
  putUint32Le(target, offset + 8, capturedLength);
  putUint32Le(target, offset + 12, wireLength);
}

/**
 * The `subMicrosecondNs` to give {@linkcode writePcapRecordHeader} for a
 * frame's own `subMicrosecondNs` in a file that is `nanosecond` or not: -1
 * in a microsecond file, 0–999 in a nanosecond one (0 for a frame from a
 * microsecond clock).
 */
export function recordFractionNs(
  nanosecond: boolean,
  subMicrosecondNs: number,
): number {
  return nanosecond ? Math.max(0, subMicrosecondNs) : -1;
}

function putUint32Le(target: Uint8Array, offset: number, value: number): void {
  target[offset] = value & 255;
  target[offset + 1] = (value >>> 8) & 255;
  target[offset + 2] = (value >>> 16) & 255;
  target[offset + 3] = (value >>> 24) & 255;
}

/** Options of a {@linkcode PcapBuilder}. */
export interface PcapBuilderOptions {
  /** Snap length in the file header (default 262144). */
  snapLength?: number;
  /** Whether the file counts time in ns (magic a1b23c4d) instead of µs. */
  nanosecond?: boolean;
}

/** Accumulates frames into one in-memory pcap file. */
export class PcapBuilder {
  readonly #parts: Uint8Array[] = [];
  #length = 0;
  readonly #nanosecond: boolean;

  /** Starts a file of `linkType` frames (snap length 262144 and µs unless told). */
  constructor(linkType: number, options: PcapBuilderOptions = {}) {
    this.#nanosecond = options.nanosecond ?? false;
    this.#push(
      pcapFileHeader(linkType, options.snapLength ?? 262144, this.#nanosecond),
    );
  }

  /** Appends one frame captured at `timestampUs` (and `subMicrosecondNs` past it, kept in a nanosecond file). */
  add(
    timestampUs: number,
    frame: Uint8Array,
    wireLength?: number,
    subMicrosecondNs = -1,
  ): void {
    const header = new Uint8Array(PCAP_RECORD_HEADER_LENGTH);
    writePcapRecordHeader(
      header,
      0,
      timestampUs,
      frame.length,
      wireLength ?? frame.length,
      recordFractionNs(this.#nanosecond, subMicrosecondNs),
    );
    this.#push(header);
    this.#push(frame);
  }

  /** Bytes of the file so far. */
  get byteLength(): number {
    return this.#length;
  }

  /** Returns the whole file as one buffer. */
  toBytes(): Uint8Array<ArrayBuffer> {
    return concatBytes(this.#parts, this.#length);
  }

  #push(part: Uint8Array): void {
    this.#parts.push(part);
    this.#length += part.length;
  }
}
