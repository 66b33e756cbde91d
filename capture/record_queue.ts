/**
 * A first-in, first-out queue of copied pcap records, for a reader that
 * runs ahead of its consumer (a replay at capture speed reads the file
 * ahead and hands each record on when its time comes).
 *
 * @module
 */

import type { PcapRecord } from "./pcap_record.ts";

/** Bytes and records the queue has room for before it first grows. */
const INITIAL_BYTES = 1 << 20;
const INITIAL_RECORDS = 1024;

/**
 * Records copied in, handed out in order. Frame bytes go into one buffer
 * and each record's fields into parallel typed arrays (indexed circularly),
 * so queueing a record allocates nothing once the queue has grown to its
 * working size: a slice and an object per record cost about as much as the
 * analysis of the packet (bench/findings.md, step 16). Bytes are appended;
 * when the buffer's end is reached, the live bytes move back to its start,
 * or the buffer doubles if more than half of it is live. The record
 * {@linkcode RecordQueue.shift} returns is reused and its bytes are the
 * queue's: both are valid until the next `push` or `shift`.
 */
export class RecordQueue {
  #data = new Uint8Array(INITIAL_BYTES);
  /** Where the oldest queued frame's bytes start, and where the next frame's go. */
  #readAt = 0;
  #writeAt = 0;
  // Per record, indexed circularly from #head.
  #timestampUs = new Float64Array(INITIAL_RECORDS);
  #subMicrosecondNs = new Int16Array(INITIAL_RECORDS);
  #start = new Int32Array(INITIAL_RECORDS);
  #capturedLength = new Int32Array(INITIAL_RECORDS);
  #wireLength = new Int32Array(INITIAL_RECORDS);
  #linkType = new Int32Array(INITIAL_RECORDS);
  #interfaceId = new Int32Array(INITIAL_RECORDS);
  #head = 0;
  #count = 0;
  readonly #out: PcapRecord = {
    timestampUs: 0,
    subMicrosecondNs: -1,
    capturedLength: 0,
    wireLength: 0,
    linkType: 0,
    interfaceId: 0,
    bytes: this.#data,
    offset: 0,
  };

  /** Records queued. */
  get size(): number {
    return this.#count;
  }

  /** Bytes of frame data queued. */
  get byteLength(): number {
    return this.#writeAt - this.#readAt;
  }

  /** Capture time of the oldest record, µs; NaN when empty. */
  get firstTimestampUs(): number {
    return this.#count === 0 ? NaN : this.#timestampUs[this.#head]!;
  }

  /** Copies `raw` (its bytes and fields) to the end of the queue. */
  push(raw: PcapRecord): void {
    const length = raw.capturedLength;
    if (this.#writeAt + length > this.#data.length) this.#makeRoom(length);
    if (this.#count === this.#timestampUs.length) this.#growRecords();
    const at = this.#writeAt;
    this.#data.set(raw.bytes.subarray(raw.offset, raw.offset + length), at);
    this.#writeAt = at + length;
    const i = (this.#head + this.#count) % this.#timestampUs.length;
    this.#timestampUs[i] = raw.timestampUs;
    this.#subMicrosecondNs[i] = raw.subMicrosecondNs;
    this.#start[i] = at;
    this.#capturedLength[i] = length;
    this.#wireLength[i] = raw.wireLength;
    this.#linkType[i] = raw.linkType;
    this.#interfaceId[i] = raw.interfaceId;
    this.#count++;
  }

  /** Removes the oldest record and returns it (reused; valid until the next `push` or `shift`), or undefined when empty. */
  shift(): PcapRecord | undefined {
    if (this.#count === 0) return undefined;
    const i = this.#head;
    const out = this.#out;
    out.timestampUs = this.#timestampUs[i]!;
    out.subMicrosecondNs = this.#subMicrosecondNs[i]!;
    out.capturedLength = this.#capturedLength[i]!;
    out.wireLength = this.#wireLength[i]!;
    out.linkType = this.#linkType[i]!;
    out.interfaceId = this.#interfaceId[i]!;
    out.bytes = this.#data;
    out.offset = this.#start[i]!;
    this.#head = (i + 1) % this.#timestampUs.length;
    this.#count--;
    if (this.#count === 0) {
      this.#readAt = 0;
      this.#writeAt = 0;
    } else {
      this.#readAt = this.#start[this.#head]!;
    }
    return out;
  }

  /** Empties the queue (keeping its buffers). */
  clear(): void {
    this.#head = 0;
    this.#count = 0;
    this.#readAt = 0;
    this.#writeAt = 0;
  }

  /** Makes room for `length` more bytes at the end: moves the live bytes to the start, in a buffer twice as large when they fill more than half. */
  #makeRoom(length: number): void {
    const live = this.#writeAt - this.#readAt;
    let size = this.#data.length;
    while (live + length > size / 2) size *= 2;
    const data = size === this.#data.length ? this.#data : new Uint8Array(size);
    if (data === this.#data) {
      data.copyWithin(0, this.#readAt, this.#writeAt);
    } else {
      data.set(this.#data.subarray(this.#readAt, this.#writeAt));
    }
    const shift = this.#readAt;
    const slots = this.#timestampUs.length;
    for (let k = 0; k < this.#count; k++) {
      const i = (this.#head + k) % slots;
      this.#start[i] = this.#start[i]! - shift;
    }
    this.#data = data;
    this.#readAt = 0;
    this.#writeAt = live;
  }

  /** Doubles the record arrays, the queued records first. */
  #growRecords(): void {
    const slots = this.#timestampUs.length;
    const head = this.#head;
    const count = this.#count;
    function reordered<T extends Float64Array | Int32Array | Int16Array>(
      from: T,
      to: T,
    ): T {
      for (let k = 0; k < count; k++) to[k] = from[(head + k) % slots]!;
      return to;
    }
    this.#timestampUs = reordered(
      this.#timestampUs,
      new Float64Array(slots * 2),
    );
    this.#subMicrosecondNs = reordered(
      this.#subMicrosecondNs,
      new Int16Array(slots * 2),
    );
    this.#start = reordered(this.#start, new Int32Array(slots * 2));
    this.#capturedLength = reordered(
      this.#capturedLength,
      new Int32Array(slots * 2),
    );
    this.#wireLength = reordered(this.#wireLength, new Int32Array(slots * 2));
    this.#linkType = reordered(this.#linkType, new Int32Array(slots * 2));
    this.#interfaceId = reordered(this.#interfaceId, new Int32Array(slots * 2));
    this.#head = 0;
  }
}
