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

/** Bytes of each block a {@linkcode PcapBuilder} fills. */
const BLOCK_BYTES = 1024 * 1024;

/**
 * Accumulates frames into one in-memory pcap file: headers and frames are
 * copied into blocks of 1 MiB filled one after another (no object per
 * frame, no chunk of a read kept alive by a frame in it, and no copy of
 * the whole file to grow it or to send it).
 */
export class PcapBuilder {
  readonly #blocks: Uint8Array<ArrayBuffer>[] = [];
  #block: Uint8Array<ArrayBuffer> = new Uint8Array(BLOCK_BYTES);
  #used = 0;
  #length = 0;
  /** Where in `#block` the bytes not yet handed out by {@linkcode take} start. */
  #takenTo = 0;
  readonly #nanosecond: boolean;
  readonly #header = new Uint8Array(PCAP_RECORD_HEADER_LENGTH);

  /** Starts a file of `linkType` frames (snap length 262144 and µs unless told). */
  constructor(linkType: number, options: PcapBuilderOptions = {}) {
    this.#nanosecond = options.nanosecond ?? false;
    this.#write(
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
    writePcapRecordHeader(
      this.#header,
      0,
      timestampUs,
      frame.length,
      wireLength ?? frame.length,
      recordFractionNs(this.#nanosecond, subMicrosecondNs),
    );
    this.#write(this.#header);
    this.#write(frame);
  }

  /** Bytes of the file so far. */
  get byteLength(): number {
    return this.#length;
  }

  /**
   * The bytes added since the last call (the file header first), as views
   * of the builder's blocks (no copy); the builder goes on writing after
   * them, so a long file can be sent while it is built. Not to be mixed
   * with {@linkcode parts} or {@linkcode stream}.
   */
  take(): Uint8Array<ArrayBuffer>[] {
    const taken = this.#blocks.splice(0);
    if (this.#used > this.#takenTo) {
      taken.push(this.#block.subarray(this.#takenTo, this.#used));
      this.#takenTo = this.#used;
    }
    return taken;
  }

  /** The file so far, in order, as views of the builder's blocks (no copy). */
  parts(): Uint8Array<ArrayBuffer>[] {
    return this.#used === 0
      ? [...this.#blocks]
      : [...this.#blocks, this.#block.subarray(0, this.#used)];
  }

  /**
   * The file so far as a byte stream of the builder's blocks (no copy), each
   * let go once read; `onEnd` is called once, when the stream is read to its
   * end or cancelled. Add no frames after.
   */
  stream(onEnd?: () => void): ReadableStream<Uint8Array<ArrayBuffer>> {
    const parts: (Uint8Array<ArrayBuffer> | undefined)[] = this.parts();
    let next = 0;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      parts.length = 0;
      onEnd?.();
    };
    return new ReadableStream({
      pull(controller) {
        const part = parts[next];
        if (part === undefined) {
          controller.close();
          end();
          return;
        }
        parts[next++] = undefined;
        controller.enqueue(part);
      },
      cancel: end,
    });
  }

  /** Returns the whole file as one buffer (a copy). */
  toBytes(): Uint8Array<ArrayBuffer> {
    return concatBytes(this.parts(), this.#length);
  }

  /** Copies `bytes` in, across blocks as they fill. */
  #write(bytes: Uint8Array): void {
    let from = 0;
    while (from < bytes.length) {
      if (this.#used === BLOCK_BYTES) {
        this.#blocks.push(this.#block.subarray(this.#takenTo));
        this.#block = new Uint8Array(BLOCK_BYTES);
        this.#used = 0;
        this.#takenTo = 0;
      }
      const take = Math.min(bytes.length - from, BLOCK_BYTES - this.#used);
      this.#block.set(
        from === 0 && take === bytes.length
          ? bytes
          : bytes.subarray(from, from + take),
        this.#used,
      );
      this.#used += take;
      from += take;
    }
    this.#length += bytes.length;
  }
}
