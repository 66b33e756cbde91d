/**
 * A buffered classic-pcap file writer for the capture generators: records
 * are appended straight into one 4 MiB buffer, which is written out when
 * full, so generating a million packets allocates almost nothing.
 *
 * @module
 */

import { LINK_TYPE } from "../capture/pcap_record.ts";
import {
  PCAP_RECORD_HEADER_LENGTH,
  pcapFileHeader,
  writePcapRecordHeader,
} from "../capture/pcap_writer.ts";

const BUFFER_BYTES = 4 << 20;

/** An Ethernet pcap file being written. */
export class PcapSink {
  /** Where frames are written: at the offset {@linkcode PcapSink.append} returns. */
  readonly buffer: Uint8Array<ArrayBuffer> = new Uint8Array(BUFFER_BYTES);
  readonly #file: Deno.FsFile;
  #used = 0;
  #bytesWritten = 0;
  #records = 0;

  /** Takes ownership of `file` (open for writing) and writes the file header. */
  constructor(file: Deno.FsFile) {
    this.#file = file;
    const header = pcapFileHeader(LINK_TYPE.ETHERNET);
    this.buffer.set(header, 0);
    this.#used = header.length;
  }

  /** Creates (truncates) `path` and writes the file header. */
  static async create(path: string): Promise<PcapSink> {
    const file = await Deno.open(path, {
      write: true,
      create: true,
      truncate: true,
    });
    return new PcapSink(file);
  }

  /**
   * Creates `path`, lets `fill` append records, then flushes and closes the
   * file and returns its size in bytes; the file is closed also when `fill`
   * throws (the error is passed on).
   */
  static async write(
    path: string,
    fill: (sink: PcapSink) => Promise<void>,
  ): Promise<number> {
    const sink = await PcapSink.create(path);
    try {
      await fill(sink);
    } catch (error) {
      await sink.close().catch(() => {});
      throw error;
    }
    return await sink.close();
  }

  /**
   * Writes `packets` copies of `template` to `path`, `gapUs` apart from
   * `startUs`, letting `patch` change copy `i` in place at
   * `buffer[at, at + template.length)` (addresses, ports, checksums); returns
   * the file's size in bytes.
   */
  static async writeCopies(
    path: string,
    options: {
      packets: number;
      template: Uint8Array;
      startUs: number;
      gapUs: number;
      patch: (buffer: Uint8Array, at: number, i: number) => void;
    },
  ): Promise<number> {
    const { packets, template, gapUs, patch } = options;
    return await PcapSink.write(path, async (sink) => {
      let timestampUs = options.startUs;
      for (let i = 0; i < packets; i++) {
        if (!sink.fits(template.length)) await sink.flush();
        const at = sink.append(timestampUs, template.length);
        sink.buffer.set(template, at);
        patch(sink.buffer, at, i);
        timestampUs += gapUs;
      }
    });
  }

  /** Whether a record of `frameBytes` fits before the next {@linkcode PcapSink.flush}. */
  fits(frameBytes: number): boolean {
    return this.#used + PCAP_RECORD_HEADER_LENGTH + frameBytes <=
      this.buffer.length;
  }

  /**
   * Writes a record header for a `frameBytes` frame captured at
   * `timestampUs` and returns the offset in {@linkcode PcapSink.buffer}
   * where the caller writes the frame. Check {@linkcode PcapSink.fits} first.
   */
  append(timestampUs: number, frameBytes: number): number {
    writePcapRecordHeader(this.buffer, this.#used, timestampUs, frameBytes);
    const at = this.#used + PCAP_RECORD_HEADER_LENGTH;
    this.#used = at + frameBytes;
    this.#records++;
    return at;
  }

  /** Writes the buffered records to the file. */
  async flush(): Promise<void> {
    let offset = 0;
    while (offset < this.#used) {
      offset += await this.#file.write(
        this.buffer.subarray(offset, this.#used),
      );
    }
    this.#bytesWritten += this.#used;
    this.#used = 0;
  }

  /** Flushes, closes the file and returns its size in bytes. */
  async close(): Promise<number> {
    try {
      await this.flush();
    } finally {
      this.#file.close();
    }
    return this.#bytesWritten;
  }

  /** Records appended. */
  get records(): number {
    return this.#records;
  }
}
