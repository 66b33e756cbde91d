/**
 * A bounded ring of recent raw frames, so an alert's own packets can be
 * exported as a PCAP slice after the fact.
 *
 * @module
 */

import type { PcapRecord } from "../capture/pcap_record.ts";
import { PcapBuilder } from "../capture/pcap_writer.ts";
import { isIpv4Key, parseIpv4 } from "../capture/decode/address_key.ts";
import {
  compileSelection,
  emptyFrameView,
  type FrameSelection,
  type FrameView,
} from "./frame_selection.ts";

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

/**
 * Recent frames (copied), oldest dropped first when a limit is reached.
 *
 * Frame bytes go into one circular byte buffer and their metadata into
 * parallel typed arrays, so keeping a frame allocates nothing: a ring of
 * 200 000 separately allocated frames would leave the heap's old
 * generation full of garbage at every turn. IPv4 addresses are kept as
 * numbers, not their text, for the same reason (only other addresses keep
 * their text).
 */
export class FrameRing {
  readonly #options: Required<FrameRingOptions>;
  /** Frame bytes, written circularly; allocated on the first frame. */
  #data = new Uint8Array(0);
  #writeAt = 0;
  // Per frame, indexed circularly from #head.
  readonly #timestampUs: Float64Array;
  /** `PcapRecord.subMicrosecondNs` (-1: a microsecond clock). */
  readonly #subMicrosecondNs: Int16Array;
  readonly #linkType: Int32Array;
  readonly #wireLength: Int32Array;
  readonly #start: Int32Array;
  readonly #length: Int32Array;
  /** 1 where the frame was cut to the snap length. */
  readonly #cut: Uint8Array;
  /** IPv4 addresses as numbers (-1: see the text). */
  readonly #srcIpv4: Float64Array;
  readonly #dstIpv4: Float64Array;
  /** Other addresses' text ("" for IPv4). */
  readonly #src: string[];
  readonly #dst: string[];
  #head = 0;
  #count = 0;
  #bytes = 0;
  /** Sequence number of the next frame added (frames are numbered from 0 since the last clear). */
  #added = 0;

  /** A ring with the given limits. */
  constructor(options: FrameRingOptions = {}) {
    this.#options = { ...FRAME_RING_DEFAULTS, ...options };
    const { maxFrames, maxBytes } = this.#options;
    // Frame offsets are Int32: the byte buffer stays below 2 GiB.
    if (
      !Number.isInteger(maxFrames) || maxFrames < 1 ||
      !Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > 0x7fffffff
    ) {
      throw new RangeError(
        `Cannot create FrameRing: maxFrames must be ≥ 1 and maxBytes 1 to 2^31 − 1, got ${maxFrames} and ${maxBytes}`,
      );
    }
    const frames = maxFrames;
    this.#timestampUs = new Float64Array(frames);
    this.#subMicrosecondNs = new Int16Array(frames);
    this.#linkType = new Int32Array(frames);
    this.#wireLength = new Int32Array(frames);
    this.#start = new Int32Array(frames);
    this.#length = new Int32Array(frames);
    this.#cut = new Uint8Array(frames);
    this.#srcIpv4 = new Float64Array(frames);
    this.#dstIpv4 = new Float64Array(frames);
    this.#src = new Array<string>(frames).fill("");
    this.#dst = new Array<string>(frames).fill("");
  }

  /**
   * Copies `raw` into the ring, tagged with its decoded addresses and their
   * address keys (`PacketRecord.srcAddressKey`; parsed from the text when
   * not given). An IPv4 address given by key needs no text: "" will do, as
   * `keptText` keeps it. Returns the frame's sequence number (counted from
   * 0 since the ring was created or cleared), for {@linkcode frame}.
   */
  add(
    raw: PcapRecord,
    src: string,
    dst: string,
    srcKey: number = parseIpv4(src),
    dstKey: number = parseIpv4(dst),
  ): number {
    const { maxFrames, maxBytes, snapLength } = this.#options;
    const length = Math.min(raw.capturedLength, snapLength, maxBytes);
    if (this.#data.length === 0) this.#data = new Uint8Array(maxBytes);
    let at = this.#writeAt;
    if (at + length > maxBytes) {
      // Wrap: the frames after the write position are the oldest; they go
      // first, so that the live frames lie in order from the start again.
      while (this.#count > 0 && this.#start[this.#head]! >= at) {
        this.#dropOldest();
      }
      at = 0;
    }
    while (
      this.#count > 0 &&
      (this.#count >= maxFrames || this.#overlapsOldest(at, length))
    ) this.#dropOldest();
    this.#data.set(
      raw.bytes.subarray(raw.offset, raw.offset + length),
      at,
    );
    const i = (this.#head + this.#count) % maxFrames;
    this.#timestampUs[i] = raw.timestampUs;
    this.#subMicrosecondNs[i] = raw.subMicrosecondNs;
    this.#linkType[i] = raw.linkType;
    this.#wireLength[i] = raw.wireLength;
    this.#start[i] = at;
    this.#length[i] = length;
    this.#cut[i] = length < raw.capturedLength ? 1 : 0;
    const srcIsIpv4 = isIpv4Key(srcKey);
    const dstIsIpv4 = isIpv4Key(dstKey);
    this.#srcIpv4[i] = srcIsIpv4 ? srcKey : -1;
    this.#dstIpv4[i] = dstIsIpv4 ? dstKey : -1;
    this.#src[i] = srcIsIpv4 ? "" : src;
    this.#dst[i] = dstIsIpv4 ? "" : dst;
    this.#count++;
    this.#bytes += length;
    this.#writeAt = at + length;
    return this.#added++;
  }

  /**
   * The frame with sequence number `sequence` (from {@linkcode add}) while
   * the ring still holds it, as a record over the ring's own bytes (cut to
   * the snap length): valid only until the next `add`, so decode or copy it
   * at once.
   */
  frame(sequence: number): PcapRecord | undefined {
    const i = this.#slotOf(sequence);
    if (i < 0) return undefined;
    return {
      timestampUs: this.#timestampUs[i]!,
      subMicrosecondNs: this.#subMicrosecondNs[i]!,
      capturedLength: this.#length[i]!,
      wireLength: this.#wireLength[i]!,
      linkType: this.#linkType[i]!,
      interfaceId: 0,
      bytes: this.#data,
      offset: this.#start[i]!,
    };
  }

  /** Whether the frame with sequence number `sequence` was cut to the ring's snap length (false when not held). */
  isCut(sequence: number): boolean {
    const i = this.#slotOf(sequence);
    return i >= 0 && this.#cut[i] === 1;
  }

  /** The slot of the frame with sequence number `sequence`, or -1 when the ring no longer (or not yet) holds it. */
  #slotOf(sequence: number): number {
    const oldest = this.#added - this.#count;
    if (!(sequence >= oldest && sequence < this.#added)) return -1;
    return (this.#head + (sequence - oldest)) % this.#options.maxFrames;
  }

  /** Frames held now. */
  get size(): number {
    return this.#count;
  }

  /** Bytes of frame data held now. */
  get byteLength(): number {
    return this.#bytes;
  }

  /** How many frames `selection` selects (as {@linkcode toPcap} would write), and how many of them the ring holds cut to its frame size. */
  count(selection: FrameSelection): { frames: number; cutFrames: number } {
    let frames = 0;
    let cutFrames = 0;
    this.#select(selection, (i) => {
      if (this.#cut[i] === 1) cutFrames++;
      frames++;
    });
    return { frames, cutFrames };
  }

  /**
   * The selected frames as a classic pcap file (frames of the first frame's
   * link type; in nanoseconds when that frame's clock counted them), and how
   * many of them the ring had cut to its snap length.
   * Frames are taken in the order they came, each by its own time: one out
   * of order does not end the selection.
   */
  toPcap(
    selection: FrameSelection,
  ): { pcap: PcapBuilder; frames: number; cutFrames: number } {
    let pcap: PcapBuilder | undefined;
    let frames = 0;
    let cutFrames = 0;
    this.#select(selection, (i, view) => {
      pcap ??= new PcapBuilder(view.linkType, {
        snapLength: this.#options.snapLength,
        nanosecond: this.#subMicrosecondNs[i]! >= 0,
      });
      pcap.add(
        view.timestampUs,
        this.#data.subarray(view.offset, view.offset + view.length),
        this.#wireLength[i]!,
        this.#subMicrosecondNs[i]!,
      );
      if (this.#cut[i] === 1) cutFrames++;
      frames++;
    });
    pcap ??= new PcapBuilder(1, { snapLength: this.#options.snapLength });
    return { pcap, frames, cutFrames };
  }

  /** Calls `visit` with the slot of each frame `selection` selects, oldest first, of the first one's link type. */
  #select(
    selection: FrameSelection,
    visit: (slot: number, view: FrameView) => void,
  ): void {
    const matches = compileSelection(selection);
    const view = emptyFrameView(this.#data);
    let linkType = -1;
    const maxFrames = this.#options.maxFrames;
    for (let k = 0; k < this.#count; k++) {
      const i = (this.#head + k) % maxFrames;
      view.timestampUs = this.#timestampUs[i]!;
      view.linkType = this.#linkType[i]!;
      view.srcKey = this.#srcIpv4[i]!;
      view.dstKey = this.#dstIpv4[i]!;
      view.src = this.#src[i]!;
      view.dst = this.#dst[i]!;
      view.offset = this.#start[i]!;
      view.length = this.#length[i]!;
      if (!matches(view)) continue;
      if (linkType === -1) linkType = view.linkType;
      if (view.linkType !== linkType) continue;
      visit(i, view);
    }
  }

  /**
   * Whether the ring still holds every frame since packet time `fromUs`:
   * none has been dropped since it was created or cleared, or its oldest
   * frame is no later.
   */
  holdsSince(fromUs: number): boolean {
    if (this.#added === this.#count) return true;
    return this.#count > 0 && this.#timestampUs[this.#head]! <= fromUs;
  }

  /** Forgets every frame (keeps the buffer). */
  clear(): void {
    this.#head = 0;
    this.#count = 0;
    this.#bytes = 0;
    this.#writeAt = 0;
    this.#added = 0;
    this.#src.fill("");
    this.#dst.fill("");
  }

  /** Whether `[at, at + length)` overlaps the oldest frame's bytes. */
  #overlapsOldest(at: number, length: number): boolean {
    const start = this.#start[this.#head]!;
    return at < start + this.#length[this.#head]! && start < at + length;
  }

  #dropOldest(): void {
    const head = this.#head;
    this.#bytes -= this.#length[head]!;
    this.#src[head] = "";
    this.#dst[head] = "";
    this.#head = (head + 1) % this.#options.maxFrames;
    this.#count--;
  }
}
