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
  pcap: PcapBuilder;
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
  return { pcap: builder, frames, truncated, firstUs };
}

/** Alert slices built, waiting for a read of the session PCAP or being sent at once, at most: each may hold {@linkcode MAX_SLICE_BYTES}. */
export const MAX_SLICES = 4;

/**
 * Bounds what alert slices hold: at most `maxSlices` are built, waiting or
 * being sent at once, and more are refused (503), for each may hold 64 MiB
 * and a GET is all it takes to ask for one; their reads of the session PCAP
 * run one at a time, for each reads the whole of it.
 */
export class SliceSlots {
  #tail: Promise<unknown> = Promise.resolve();
  #taken = 0;
  readonly #maxSlices: number;
  readonly #what: string;

  /** Slots for at most `maxSlices` slices at once; `what` names them in the 503's message. */
  constructor(maxSlices = MAX_SLICES, what = "alert slices") {
    this.#maxSlices = maxSlices;
    this.#what = what;
  }

  /** Slices holding a slot now. */
  get taken(): number {
    return this.#taken;
  }

  /** Takes a slot for one slice, held until the returned function is called (once or more); refuses when all are taken. */
  take(): () => void {
    if (this.#taken >= this.#maxSlices) {
      throw new SensorError(
        503,
        `${this.#taken} ${this.#what} are being built or sent; try again in a moment`,
      );
    }
    this.#taken++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#taken--;
    };
  }

  /** Runs `read` (a read of the session PCAP) after those before it. */
  async readDisk<T>(read: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(read);
    this.#tail = run.catch(() => {});
    return await run;
  }
}
