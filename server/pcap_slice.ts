/**
 * An alert's PCAP slice read from the session PCAP on disk: for alerts whose
 * frames the in-memory ring no longer holds, or holds cut to its snap
 * length. Every frame of the session files is parsed, and those in the
 * selection's time range decoded and matched as the ring matches its own.
 *
 * @module
 */

import { AnomalyCounter } from "../capture/anomalies.ts";
import { decodeInto } from "../capture/decode/mod.ts";
import { DecodedPacket, keptText } from "../capture/decoded_packet.ts";
import {
  PCAP_RECORD_HEADER_LENGTH,
  PcapBuilder,
} from "../capture/pcap_writer.ts";
import { readCapture } from "../capture/read_capture.ts";
import { CaptureFormatError } from "../capture/pcap_reader.ts";
import {
  compileSelection,
  emptyFrameView,
  type FrameSelection,
} from "./frame_selection.ts";
import { openSessionPcap } from "./pcap_store.ts";
import { SensorError } from "./session_errors.ts";

/** A slice and what it holds. */
export interface PcapSlice {
  /** A classic pcap file of the selected frames. */
  bytes: Uint8Array<ArrayBuffer>;
  frames: number;
  /** True when the slice stopped early, at `maxBytes` or at damage in a file (later frames are left out). */
  truncated: boolean;
  /** Time of the session PCAP's first frame still on disk, µs (Infinity when none): later than an alert's first packet, the files holding that were rotated away. */
  firstUs: number;
}

/** Bytes a slice read from disk holds at most, as the frame ring does. */
export const MAX_SLICE_BYTES = 64 * 1024 * 1024;

/**
 * The frames of session `sessionId`'s PCAP in `dataDir` that `selection`
 * selects, whole (as the session PCAP keeps them), up to `maxBytes`;
 * undefined when the session has no PCAP.
 */
export async function sliceSessionPcap(
  dataDir: string,
  sessionId: string,
  selection: FrameSelection,
  maxBytes = MAX_SLICE_BYTES,
): Promise<PcapSlice | undefined> {
  const stream = await openSessionPcap(dataDir, sessionId);
  if (stream === undefined) return undefined;
  const matches = compileSelection(selection);
  const anomalies = new AnomalyCounter();
  const record = new DecodedPacket();
  const view = emptyFrameView(new Uint8Array(0));
  let builder: PcapBuilder | undefined;
  let frames = 0;
  let truncated = false;
  let firstUs = Infinity;
  const full = new AbortController();
  try {
    await readCapture(stream, (raw) => {
      if (firstUs === Infinity) firstUs = raw.timestampUs;
      // The time range first: only frames within it are worth decoding.
      if (
        truncated || raw.timestampUs < selection.fromUs ||
        raw.timestampUs > selection.toUs
      ) return;
      decodeInto(record, raw, anomalies);
      view.timestampUs = raw.timestampUs;
      view.linkType = raw.linkType;
      view.srcKey = record.srcAddressKey;
      view.dstKey = record.dstAddressKey;
      view.src = keptText(record.srcAddressKey, record, true);
      view.dst = keptText(record.dstAddressKey, record, false);
      view.bytes = raw.bytes;
      view.offset = raw.offset;
      view.length = raw.capturedLength;
      if (!matches(view)) return;
      builder ??= new PcapBuilder(raw.linkType, {
        nanosecond: raw.subMicrosecondNs >= 0,
      });
      const frame = raw.bytes.subarray(
        raw.offset,
        raw.offset + raw.capturedLength,
      );
      if (
        builder.byteLength + PCAP_RECORD_HEADER_LENGTH + frame.length >
          maxBytes
      ) {
        truncated = true;
        full.abort(new Error("slice full"));
        return;
      }
      builder.add(raw.timestampUs, frame, raw.wireLength, raw.subMicrosecondNs);
      frames++;
    }, { signal: full.signal });
  } catch (error) {
    // A damaged file (a sensor killed mid-write): the frames before the
    // damage are the slice, marked as ending early.
    if (error instanceof CaptureFormatError) truncated = true;
    else if (!full.signal.aborted) throw error;
  }
  builder ??= new PcapBuilder(1);
  return { bytes: builder.toBytes(), frames, truncated, firstUs };
}

/** Slices read from disk at once, running or waiting, at most: each may hold {@linkcode MAX_SLICE_BYTES}. */
export const MAX_DISK_SLICES = 4;

/**
 * Runs the reads of disk slices one at a time, refusing more than
 * `maxQueued` running or waiting (503): each reads the whole session PCAP
 * and may hold 64 MiB, and a GET is all it takes to ask for one.
 */
export class SliceQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #queued = 0;
  readonly #maxQueued: number;

  /** A queue of at most `maxQueued` reads. */
  constructor(maxQueued = MAX_DISK_SLICES) {
    this.#maxQueued = maxQueued;
  }

  /** Runs `read` after the reads before it; refuses when `maxQueued` are queued. */
  async read<T>(read: () => Promise<T>): Promise<T> {
    if (this.#queued >= this.#maxQueued) {
      throw new SensorError(
        503,
        `${this.#queued} alert slices are being read from the session PCAP; try again in a moment`,
      );
    }
    this.#queued++;
    const run = this.#tail.then(read);
    this.#tail = run.catch(() => {});
    try {
      return await run;
    } finally {
      this.#queued--;
    }
  }
}
