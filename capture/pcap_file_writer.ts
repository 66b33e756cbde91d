/**
 * Writes records to one classic pcap file (tcpdump -w): the link type of
 * the first record goes in the header; records of another link type are
 * counted and skipped. Records are buffered and written in large blocks.
 *
 * @module
 */

import type { PcapRecord } from "./pcap_record.ts";
import {
  PCAP_RECORD_HEADER_LENGTH,
  pcapFileHeader,
  writePcapRecordHeader,
} from "./pcap_writer.ts";
import { type SyncWriter, writeAllSync } from "./write_all.ts";

const BUFFER_BYTES = 1 << 20;

/** A pcap file being written ("-" for stdout). */
export class PcapFileWriter {
  readonly #target: SyncWriter & { close?(): void };
  readonly #buffer = new Uint8Array(BUFFER_BYTES);
  readonly #snapLength: number;
  #used = 0;
  #linkType = -1;
  #byteLength = 0;
  /** Records skipped because their link type differs from the first one. */
  skipped = 0;
  /** Records written. */
  records = 0;

  /** Creates (truncates) `path`. */
  constructor(path: string, snapLength = 262144) {
    this.#snapLength = snapLength;
    this.#target = path === "-"
      ? Deno.stdout
      : Deno.openSync(path, { write: true, create: true, truncate: true });
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

  /** Appends one record. */
  write(raw: PcapRecord): void {
    if (this.#linkType === -1) {
      this.#linkType = raw.linkType;
      this.#put(pcapFileHeader(raw.linkType, this.#snapLength));
    }
    if (raw.linkType !== this.#linkType) {
      this.skipped++;
      return;
    }
    const length = Math.min(raw.capturedLength, this.#snapLength);
    const frame = raw.bytes.subarray(raw.offset, raw.offset + length);
    const recordBytes = PCAP_RECORD_HEADER_LENGTH + length;
    if (this.#used + recordBytes > BUFFER_BYTES) this.flush();
    if (recordBytes > BUFFER_BYTES) {
      const header = new Uint8Array(PCAP_RECORD_HEADER_LENGTH);
      writePcapRecordHeader(header, 0, raw.timestampUs, length, raw.wireLength);
      writeAllSync(this.#target, header);
      writeAllSync(this.#target, frame);
    } else {
      writePcapRecordHeader(
        this.#buffer,
        this.#used,
        raw.timestampUs,
        length,
        raw.wireLength,
      );
      this.#buffer.set(frame, this.#used + PCAP_RECORD_HEADER_LENGTH);
      this.#used += recordBytes;
    }
    this.#byteLength += recordBytes;
    this.records++;
  }

  /** Writes buffered bytes out. */
  flush(): void {
    if (this.#used === 0) return;
    writeAllSync(this.#target, this.#buffer.subarray(0, this.#used));
    this.#used = 0;
  }

  /** Flushes and closes the file. */
  close(): void {
    this.flush();
    if (this.#target !== Deno.stdout) this.#target.close?.();
  }

  #put(bytes: Uint8Array): void {
    this.#buffer.set(bytes, this.#used);
    this.#used += bytes.length;
    this.#byteLength += bytes.length;
  }
}
