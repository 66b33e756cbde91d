/**
 * Writes classic pcap (microsecond, little-endian, version 2.4): the format
 * every tool reads. Used for session exports, demo traffic and benchmarks.
 *
 * @module
 */

import { concatBytes } from "./concat_bytes.ts";

/** Length of the classic pcap file header, in bytes. */
export const PCAP_FILE_HEADER_LENGTH = 24;
/** Length of a classic pcap record header, in bytes. */
export const PCAP_RECORD_HEADER_LENGTH = 16;

/** Returns a pcap file header for `linkType` and `snapLength`. */
export function pcapFileHeader(
  linkType: number,
  snapLength = 262144,
): Uint8Array<ArrayBuffer> {
  const header = new Uint8Array(PCAP_FILE_HEADER_LENGTH);
  const view = new DataView(header.buffer);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, snapLength, true);
  view.setUint32(20, linkType, true);
  return header;
}

/**
 * Writes the 16-byte record header for a frame into `target` at `offset`.
 * `timestampUs` is µs since the epoch; `wireLength` defaults to the captured length.
 */
export function writePcapRecordHeader(
  target: Uint8Array,
  offset: number,
  timestampUs: number,
  capturedLength: number,
  wireLength: number = capturedLength,
): void {
  // Byte by byte: a DataView per record would be an allocation per packet.
  const seconds = Math.floor(timestampUs / 1e6);
  putUint32Le(target, offset, seconds);
  putUint32Le(target, offset + 4, timestampUs - seconds * 1e6);
  putUint32Le(target, offset + 8, capturedLength);
  putUint32Le(target, offset + 12, wireLength);
}

function putUint32Le(target: Uint8Array, offset: number, value: number): void {
  target[offset] = value & 255;
  target[offset + 1] = (value >>> 8) & 255;
  target[offset + 2] = (value >>> 16) & 255;
  target[offset + 3] = (value >>> 24) & 255;
}

/** Accumulates frames into one in-memory pcap file. */
export class PcapBuilder {
  readonly #parts: Uint8Array[] = [];
  #length = 0;

  /** Starts a file of `linkType` frames. */
  constructor(linkType: number, snapLength = 262144) {
    this.#push(pcapFileHeader(linkType, snapLength));
  }

  /** Appends one frame captured at `timestampUs`. */
  add(timestampUs: number, frame: Uint8Array, wireLength?: number): void {
    const header = new Uint8Array(PCAP_RECORD_HEADER_LENGTH);
    writePcapRecordHeader(
      header,
      0,
      timestampUs,
      frame.length,
      wireLength ?? frame.length,
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
