/**
 * Writes EVE lines to stdout or to a file with size-based rotation
 * (`eve.json` → `eve.json.1` → … → `eve.json.<keep>`, oldest deleted).
 *
 * @module
 */

import { cutBack, namingPath, writeAllSync } from "../../capture/write_all.ts";
import type { EveSink } from "./eve_sink.ts";
import { JsonBytes } from "../json_bytes.ts";

/** Settings of an {@linkcode EveWriter}. */
export interface EveWriterOptions {
  /** Bytes per file before rotating (0: never rotate). */
  rotateBytes?: number;
  /** Rotated files kept. */
  keepFiles?: number;
}

/** Defaults: rotate at 100 MiB, keep 5 old files. */
export const EVE_WRITER_DEFAULTS = {
  rotateBytes: 100 * 1024 * 1024,
  keepFiles: 5,
} satisfies Required<EveWriterOptions>;

/** Bytes gathered before they are written out. */
const BUFFER_BYTES = 1 << 16;

const NEWLINE = 0x0a;

/** Buffered line writer for "-" (stdout) or a path. */
export class EveWriter implements EveSink {
  readonly #path: string;
  readonly #options: Required<EveWriterOptions>;
  #file: Deno.FsFile | undefined;
  /**
   * Records not yet written out, each followed by a newline: flow and DNS
   * records are written here as bytes, other lines encoded into it.
   */
  readonly out = new JsonBytes();
  #fileBytes = 0;
  #closed = false;
  readonly #onError: ((error: unknown) => void) | undefined;
  /** Lines written. */
  lines = 0;
  /** Bytes written out so far (over every file, rotated ones included). */
  bytesWritten = 0;

  /**
   * Opens (appends to) `path`; "-" writes to stdout. A write that fails
   * (a full disk, stdout's reader gone: write_all.ts' OutputClosedError)
   * closes the writer and is thrown, or given to `onError` when there is
   * one; later lines are dropped.
   */
  constructor(
    path: string,
    options: EveWriterOptions = {},
    onError?: (error: unknown) => void,
  ) {
    this.#path = path;
    this.#options = { ...EVE_WRITER_DEFAULTS, ...options };
    this.#onError = onError;
    if (path !== "-") this.#open();
  }

  /**
   * Whether a write failed (stdout's reader gone, a full disk): later lines
   * are dropped.
   */
  get closed(): boolean {
    return this.#closed;
  }

  /** Ends the record written into `out`: a newline, and out to the file once enough are queued. */
  endRecord(): void {
    const out = this.out;
    if (this.#closed) {
      out.length = 0;
      return;
    }
    out.byte(NEWLINE);
    this.lines++;
    if (out.length >= BUFFER_BYTES) this.flush();
  }

  /** Writes queued lines out, rotating first when the file is full. */
  flush(): void {
    const out = this.out;
    if (out.length === 0) return;
    const bytes = out.bytes.subarray(0, out.length);
    out.length = 0;
    if (this.#closed) return;
    if (this.#path === "-") {
      try {
        writeAllSync(Deno.stdout, bytes);
      } catch (error) {
        this.#fail(error);
        return;
      }
      this.bytesWritten += bytes.length;
      return;
    }
    const { rotateBytes } = this.#options;
    try {
      if (
        rotateBytes > 0 && this.#fileBytes > 0 &&
        this.#fileBytes + bytes.length > rotateBytes
      ) {
        this.#rotate();
      }
      writeAllSync(this.#file!, bytes);
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#fileBytes += bytes.length;
    this.bytesWritten += bytes.length;
  }

  /** Closes the writer after a failed write: the file cut back to its last whole line (NDJSON readers choke on half a record), then the error thrown or given to `onError`. */
  #fail(error: unknown): void {
    this.#closed = true;
    cutBack(this.#file, this.#fileBytes);
    if (this.#onError === undefined) {
      throw this.#path === "-" ? error : namingPath(error, this.#path);
    }
    this.#onError(error);
  }

  /** Flushes and closes. */
  close(): void {
    this.flush();
    this.#file?.close();
    this.#file = undefined;
    this.#closed = true;
  }

  #open(): void {
    this.#file = Deno.openSync(this.#path, {
      append: true,
      create: true,
    });
    this.#fileBytes = this.#file.statSync().size;
  }

  #rotate(): void {
    this.#file?.close();
    const { keepFiles } = this.#options;
    try {
      Deno.removeSync(`${this.#path}.${keepFiles}`);
    } catch { /* not there */ }
    for (let n = keepFiles - 1; n >= 1; n--) {
      try {
        Deno.renameSync(`${this.#path}.${n}`, `${this.#path}.${n + 1}`);
      } catch { /* not there */ }
    }
    if (keepFiles > 0) Deno.renameSync(this.#path, `${this.#path}.1`);
    else Deno.removeSync(this.#path);
    this.#file = Deno.openSync(this.#path, {
      write: true,
      create: true,
      truncate: true,
    });
    this.#fileBytes = 0;
  }
}
