/**
 * Writes records to one classic pcap file (tcpdump -w): the link type of
 * the first record goes in the header; records of another link type are
 * counted and skipped.
 *
 * @module
 */

import type { PcapRecord } from "./pcap_record.ts";
import {
  PCAP_RECORD_HEADER_LENGTH,
  pcapFileHeader,
  writePcapRecordHeader,
} from "./pcap_writer.ts";

const BUFFER_BYTES = 1 << 20;

/** A pcap file being written ("-" for stdout). */
export class PcapFileWriter {
  readonly #target: { writeSync(p: Uint8Array): number; close?(): void };
  readonly #buffer = new Uint8Array(BUFFER_BYTES);
  readonly #snapLength: number;
  #used = 0;
  #linkType = -1;
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
    const header = new Uint8Array(PCAP_RECORD_HEADER_LENGTH);
    writePcapRecordHeader(header, 0, raw.timestampUs, length, raw.wireLength);
    this.#put(header);
    this.#put(raw.bytes.subarray(raw.offset, raw.offset + length));
    this.records++;
  }

  /** Writes buffered bytes out. */
  flush(): void {
    let written = 0;
    while (written < this.#used) {
      written += this.#target.writeSync(
        this.#buffer.subarray(written, this.#used),
      );
    }
    this.#used = 0;
  }

  /** Flushes and closes the file. */
  close(): void {
    this.flush();
    if (this.#target !== Deno.stdout) this.#target.close?.();
  }

  #put(bytes: Uint8Array): void {
    if (this.#used + bytes.length > BUFFER_BYTES) this.flush();
    if (bytes.length > BUFFER_BYTES) {
      let written = 0;
      while (written < bytes.length) {
        written += this.#target.writeSync(bytes.subarray(written));
      }
      return;
    }
    this.#buffer.set(bytes, this.#used);
    this.#used += bytes.length;
  }
}
