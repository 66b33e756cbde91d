/**
 * A one-line progress display on stderr for long reads on a terminal.
 *
 * @module
 */

import { formatBytes } from "./format_summary.ts";

/** Redraws "read 120.0 MiB of 1.2 GiB (10%), 1234567 packets" at most 4 times a second. */
export class ProgressLine {
  readonly #totalBytes: number | undefined;
  readonly #encoder = new TextEncoder();
  #lastDrawMs = 0;
  #drawn = false;

  /** `totalBytes` is the file size, when known. */
  constructor(totalBytes: number | undefined) {
    this.#totalBytes = totalBytes;
  }

  /** Redraws the line when 250 ms have passed since the last draw. */
  update(bytesRead: number, packets: number): void {
    const now = performance.now();
    if (now - this.#lastDrawMs < 250) return;
    this.#lastDrawMs = now;
    const total = this.#totalBytes;
    const of = total
      ? ` of ${formatBytes(total)} (${
        Math.min(100, Math.floor(bytesRead / total * 100))
      }%)`
      : "";
    this.#write(
      `\r\x1b[2Kread ${formatBytes(bytesRead)}${of}, ${packets} packets`,
    );
    this.#drawn = true;
  }

  /** Erases the line if it was drawn. */
  clear(): void {
    if (this.#drawn) this.#write("\r\x1b[2K");
    this.#drawn = false;
  }

  #write(text: string): void {
    Deno.stderr.writeSync(this.#encoder.encode(text));
  }
}
