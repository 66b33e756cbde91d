/**
 * Writes records to one classic pcap file (tcpdump -w): the link type of
 * the first record goes in the header; records of another link type are
 * counted and skipped. The file counts time in nanoseconds when the first
 * record's clock does (or as {@linkcode PcapFileWriterOptions.nanosecond}
 * says), else in microseconds. Records are buffered and written in large blocks:
 * synchronously by default, or behind the caller (see
 * {@linkcode PcapFileWriterOptions.writeBehindBytes}), so that a packet
 * pipeline never waits for the disk.
 *
 * @module
 */

import type { PcapRecord } from "./pcap_record.ts";
import {
  PCAP_RECORD_HEADER_LENGTH,
  pcapFileHeader,
  recordFractionNs,
  writePcapRecordHeader,
} from "./pcap_writer.ts";
import {
  cutBack,
  namingPath,
  OutputClosedError,
  type SyncWriter,
  writeAll,
  writeAllSync,
} from "./write_all.ts";

const BUFFER_BYTES = 1 << 20;

/** Written blocks kept for reuse in write-behind mode. */
const SPARE_BLOCKS = 2;

/** Options of {@linkcode PcapFileWriter}. */
export interface PcapFileWriterOptions {
  /** Snap length in the file header; longer frames are cut to it. */
  snapLength?: number;
  /**
   * Write behind: full 1 MiB blocks are handed to Deno's I/O threads and
   * `write` returns at once. At most this many bytes wait for the disk;
   * while that many wait, new records are dropped and counted in
   * {@linkcode PcapFileWriter.dropped} (a caller that can wait awaits
   * {@linkcode PcapFileWriter.ready} instead). A failed write stops the
   * file: later records are dropped and {@linkcode PcapFileWriter.error}
   * tells why. 0 (the default) writes synchronously and throws on failure.
   */
  writeBehindBytes?: number;
  /**
   * Whether the file counts time in nanoseconds. By default the first
   * record decides: nanoseconds when its clock is finer than a microsecond
   * (`PcapRecord.subMicrosecondNs` ≥ 0).
   */
  nanosecond?: boolean;
}

/** Where a {@linkcode PcapFileWriter} writes when not given a path: an open file, a pipe, … (Deno's writer methods). */
export interface PcapTarget extends SyncWriter {
  write(bytes: Uint8Array): Promise<number>;
  close?(): void;
}

/** A block of records waiting to be written. */
interface QueuedBlock {
  bytes: Uint8Array;
  records: number;
}

/** A pcap file being written ("-" for stdout). */
export class PcapFileWriter {
  readonly #target: PcapTarget;
  /** The file this writer opened (not stdout, not a given target), cut back to its whole records when a write fails. */
  readonly #file: Deno.FsFile | undefined;
  /** Bytes of whole blocks written out so far. */
  #diskBytes = 0;
  /** The path of {@linkcode #file}, named in its write errors. */
  readonly #path: string | undefined;
  #buffer = new Uint8Array(BUFFER_BYTES);
  readonly #snapLength: number;
  #used = 0;
  /** Records in `#buffer`. */
  #bufferRecords = 0;
  #linkType = -1;
  /** Whether the file counts ns; undefined until the first record when not given. */
  #nanosecond: boolean | undefined;
  #byteLength = 0;
  /** Write-behind limit in bytes, 0 when writing synchronously. */
  readonly #writeBehindBytes: number;
  readonly #queue: QueuedBlock[] = [];
  #queuedBytes = 0;
  readonly #spares: Uint8Array<ArrayBuffer>[] = [];
  /** The loop writing queued blocks, while it runs. */
  #draining: Promise<void> | undefined;
  #closing = false;
  #closed = false;
  #error: Error | undefined;
  /** Records skipped because their link type differs from the first one. */
  skipped = 0;
  /** Records accepted (buffered or written; see {@linkcode dropped}). */
  records = 0;
  /** Records lost in write-behind mode: dropped while the queue was full, or in blocks whose write failed. */
  dropped = 0;

  /** Creates (truncates) `path` ("-" for stdout), or writes to `path` when it is a target (closed with the writer). */
  constructor(path: string | PcapTarget, options: PcapFileWriterOptions = {}) {
    this.#snapLength = options.snapLength ?? 262144;
    this.#writeBehindBytes = Math.max(0, options.writeBehindBytes ?? 0);
    this.#nanosecond = options.nanosecond;
    this.#file = typeof path === "string" && path !== "-"
      ? Deno.openSync(path, { write: true, create: true, truncate: true })
      : undefined;
    this.#path = this.#file === undefined ? undefined : path as string;
    this.#target = typeof path !== "string"
      ? path
      : path === "-"
      ? Deno.stdout
      : this.#file!;
  }

  /** Why writing stopped (write-behind mode; or stdout's reader gone, {@linkcode OutputClosedError}), or undefined. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** Bytes handed to the disk and not yet written (write-behind mode). */
  get pendingBytes(): number {
    return this.#queuedBytes;
  }

  /** Bytes of the file so far, buffered ones included (0 before the first record). */
  get byteLength(): number {
    return this.#byteLength;
  }

  /** Bytes `raw` would add to the file (record header and kept bytes). */
  recordBytes(raw: PcapRecord): number {
    return PCAP_RECORD_HEADER_LENGTH +
      Math.min(raw.capturedLength, this.#snapLength);
  }

  /**
   * Appends one record. False when it was not taken: another link type
   * (counted in {@linkcode skipped}), or in write-behind mode a full queue
   * or a failed file (counted in {@linkcode dropped}).
   */
  write(raw: PcapRecord): boolean {
    if (this.#closing) return false;
    if (this.#linkType === -1) {
      this.#linkType = raw.linkType;
      this.#nanosecond ??= raw.subMicrosecondNs >= 0;
      this.#put(
        pcapFileHeader(raw.linkType, this.#snapLength, this.#nanosecond),
      );
    }
    if (raw.linkType !== this.#linkType) {
      this.skipped++;
      return false;
    }
    if (this.#error !== undefined) {
      this.dropped++;
      return false;
    }
    const length = Math.min(raw.capturedLength, this.#snapLength);
    const frame = raw.bytes.subarray(raw.offset, raw.offset + length);
    const recordBytes = PCAP_RECORD_HEADER_LENGTH + length;
    const fractionNs = recordFractionNs(
      this.#nanosecond!,
      raw.subMicrosecondNs,
    );
    if (
      this.#used + recordBytes > BUFFER_BYTES && !this.#flushBlock(false)
    ) {
      this.dropped++;
      return false;
    }
    if (recordBytes > BUFFER_BYTES) {
      // Only with a snap length above 1 MiB: the record is a block of its own.
      const block = new Uint8Array(recordBytes);
      writePcapRecordHeader(
        block,
        0,
        raw.timestampUs,
        length,
        raw.wireLength,
        fractionNs,
      );
      block.set(frame, PCAP_RECORD_HEADER_LENGTH);
      if (this.#writeBehindBytes === 0) {
        this.#writeNow(block);
      } else {
        this.#enqueue({ bytes: block, records: 1 });
      }
    } else {
      writePcapRecordHeader(
        this.#buffer,
        this.#used,
        raw.timestampUs,
        length,
        raw.wireLength,
        fractionNs,
      );
      this.#buffer.set(frame, this.#used + PCAP_RECORD_HEADER_LENGTH);
      this.#used += recordBytes;
      this.#bufferRecords++;
    }
    this.#byteLength += recordBytes;
    this.records++;
    return true;
  }

  /** Writes buffered bytes out (in write-behind mode: hands them to the disk; {@linkcode written} waits for them). */
  flush(): void {
    this.#flushBlock(true);
  }

  /** Resolves once every block handed to the disk so far is written (at once when writing synchronously). */
  written(): Promise<void> {
    return this.#draining ?? Promise.resolve();
  }

  /**
   * Resolves when the caller may go on writing without records being
   * dropped: at once while less than half of `writeBehindBytes` waits,
   * else when the queue is written.
   */
  ready(): Promise<void> {
    return this.#queuedBytes * 2 < this.#writeBehindBytes
      ? Promise.resolve()
      : this.written();
  }

  /** Flushes and closes the file; in write-behind mode once the queue is written (the promise settles then). Idempotent. */
  close(): Promise<void> {
    if (!this.#closing) {
      this.flush();
      this.#closing = true;
      if (this.#draining === undefined) this.#closeTarget();
    }
    return this.written();
  }

  /**
   * Moves the buffer's records on: written now, or queued in write-behind
   * mode. False when the queue is full (unless `force`); the buffer then
   * keeps them.
   */
  #flushBlock(force: boolean): boolean {
    if (this.#used === 0) return true;
    if (this.#writeBehindBytes === 0) {
      // After a closed stdout (error set) the buffer is dropped.
      if (this.#error === undefined) {
        this.#writeNow(
          this.#buffer.subarray(0, this.#used),
          this.#bufferRecords,
        );
      }
    } else {
      if (
        !force && this.#queuedBytes + this.#used > this.#writeBehindBytes
      ) return false;
      this.#enqueue({
        bytes: this.#buffer.subarray(0, this.#used),
        records: this.#bufferRecords,
      });
      this.#buffer = this.#spares.pop() ?? new Uint8Array(BUFFER_BYTES);
    }
    this.#used = 0;
    this.#bufferRecords = 0;
    return true;
  }

  /**
   * Writes at once (synchronous mode). A closed stdout is kept in
   * {@linkcode error} and thrown this once; the writer then drops records
   * (`records` of them were in these bytes).
   */
  #writeNow(bytes: Uint8Array, records = 1): void {
    try {
      writeAllSync(this.#target, bytes);
    } catch (error) {
      if (error instanceof OutputClosedError) {
        this.#error = error;
        this.dropped += records;
      }
      // The blocks written whole end with a whole record.
      cutBack(this.#file, this.#diskBytes);
      throw this.#path === undefined ? error : namingPath(error, this.#path);
    }
    this.#diskBytes += bytes.length;
  }

  #enqueue(block: QueuedBlock): void {
    if (this.#error !== undefined) {
      this.dropped += block.records;
      return;
    }
    this.#queue.push(block);
    this.#queuedBytes += block.bytes.length;
    this.#draining ??= this.#drain();
  }

  /** Writes queued blocks in order until none is left, then closes the file if asked to. */
  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const block = this.#queue[0]!;
      try {
        await writeAll(this.#target, block.bytes);
      } catch (error) {
        this.#error = error as Error;
        for (const lost of this.#queue) this.dropped += lost.records;
        this.#queue.length = 0;
        this.#queuedBytes = 0;
        // The blocks written whole end with a whole record.
        cutBack(this.#file, this.#diskBytes);
        break;
      }
      this.#diskBytes += block.bytes.length;
      this.#queue.shift();
      this.#queuedBytes -= block.bytes.length;
      const buffer = block.bytes.buffer;
      if (
        buffer instanceof ArrayBuffer && buffer.byteLength === BUFFER_BYTES &&
        this.#spares.length < SPARE_BLOCKS
      ) this.#spares.push(new Uint8Array(buffer));
    }
    this.#draining = undefined;
    if (this.#closing) this.#closeTarget();
  }

  #closeTarget(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#target === Deno.stdout) return;
    try {
      this.#target.close?.();
    } catch (error) {
      if (this.#writeBehindBytes === 0) throw error;
      this.#error ??= error as Error;
    }
  }

  #put(bytes: Uint8Array): void {
    this.#buffer.set(bytes, this.#used);
    this.#used += bytes.length;
    this.#byteLength += bytes.length;
  }
}
