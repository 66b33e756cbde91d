/**
 * A bounded ring of recent raw frames, so an alert's own packets can be
 * exported as a PCAP slice after the fact.
 *
 * @module
 */

import type { PcapRecord } from "../capture/pcap_record.ts";
import { PcapBuilder } from "../capture/pcap_writer.ts";

/** Limits of a {@linkcode FrameRing}. */
export interface FrameRingOptions {
  /** Frames kept at most. */
  maxFrames?: number;
  /** Bytes of frame data kept at most. */
  maxBytes?: number;
  /** Bytes kept of each frame (longer frames are cut, as tcpdump -s does). */
  snapLength?: number;
}

/** Defaults of {@linkcode FrameRingOptions}: 200k frames, 64 MiB. */
export const FRAME_RING_DEFAULTS = {
  maxFrames: 200_000,
  maxBytes: 64 * 1024 * 1024,
  snapLength: 2048,
} satisfies Required<FrameRingOptions>;

interface StoredFrame {
  timestampUs: number;
  linkType: number;
  wireLength: number;
  src: string;
  dst: string;
  bytes: Uint8Array<ArrayBuffer>;
}

/** What to select from the ring. */
export interface FrameSelection {
  /** First packet time, µs (inclusive). */
  fromUs: number;
  /** Last packet time, µs (inclusive). */
  toUs: number;
  /** Frames from or to any of these addresses (all frames when empty). */
  addresses: string[];
}

/** Recent frames (copied), oldest dropped first when a limit is reached. */
export class FrameRing {
  readonly #options: Required<FrameRingOptions>;
  #frames: StoredFrame[] = [];
  #head = 0;
  #bytes = 0;

  /** A ring with the given limits. */
  constructor(options: FrameRingOptions = {}) {
    this.#options = { ...FRAME_RING_DEFAULTS, ...options };
  }

  /** Copies `raw` into the ring, tagged with its decoded addresses. */
  add(raw: PcapRecord, src: string, dst: string): void {
    const length = Math.min(raw.capturedLength, this.#options.snapLength);
    const bytes = raw.bytes.slice(raw.offset, raw.offset + length);
    this.#frames.push({
      timestampUs: raw.timestampUs,
      linkType: raw.linkType,
      wireLength: raw.wireLength,
      src,
      dst,
      bytes,
    });
    this.#bytes += length;
    while (
      this.#frames.length - this.#head > this.#options.maxFrames ||
      this.#bytes > this.#options.maxBytes
    ) {
      this.#bytes -= this.#frames[this.#head]!.bytes.length;
      this.#frames[this.#head] = undefined as unknown as StoredFrame;
      this.#head++;
    }
    // Compact now and then so the array does not grow without bound.
    if (this.#head > 4096 && this.#head * 2 > this.#frames.length) {
      this.#frames = this.#frames.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Frames held now. */
  get size(): number {
    return this.#frames.length - this.#head;
  }

  /** Bytes of frame data held now. */
  get byteLength(): number {
    return this.#bytes;
  }

  /** The selected frames as a classic pcap file (frames of the first frame's link type). */
  toPcap(
    selection: FrameSelection,
  ): { bytes: Uint8Array<ArrayBuffer>; frames: number } {
    const wanted = new Set(selection.addresses.filter((a) => a !== ""));
    let builder: PcapBuilder | undefined;
    let linkType = -1;
    let frames = 0;
    for (let i = this.#head; i < this.#frames.length; i++) {
      const frame = this.#frames[i]!;
      if (frame.timestampUs < selection.fromUs) continue;
      if (frame.timestampUs > selection.toUs) break;
      if (wanted.size > 0 && !wanted.has(frame.src) && !wanted.has(frame.dst)) {
        continue;
      }
      if (builder === undefined) {
        linkType = frame.linkType;
        builder = new PcapBuilder(linkType, this.#options.snapLength);
      }
      if (frame.linkType !== linkType) continue;
      builder.add(frame.timestampUs, frame.bytes, frame.wireLength);
      frames++;
    }
    builder ??= new PcapBuilder(1, this.#options.snapLength);
    return { bytes: builder.toBytes(), frames };
  }

  /** Forgets every frame. */
  clear(): void {
    this.#frames = [];
    this.#head = 0;
    this.#bytes = 0;
  }
}
