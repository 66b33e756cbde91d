/**
 * Where EVE records go (a rotating file, stdout, a test, a benchmark): a
 * byte buffer each record is written into, and a call that ends it.
 *
 * @module
 */

import { JsonBytes } from "../json_bytes.ts";

/** Takes EVE records, each written into `out` and then ended with `endRecord`. */
export interface EveSink {
  /** The buffer the next record is written into (json_bytes.ts). */
  readonly out: JsonBytes;
  /** Ends the record written into `out` since the last one ended. */
  endRecord(): void;
}

/** Hands `sink` one record given as a JSON line (without its newline). */
export function writeLine(sink: EveSink, line: string): void {
  sink.out.utf8(line);
  sink.endRecord();
}

/** A sink that keeps every record as a line of text (tests, small outputs). */
export class EveLines implements EveSink {
  /** The record being written. */
  readonly out = new JsonBytes();
  /** The records so far, in order. */
  readonly lines: string[] = [];

  /** Keeps the record as a line. */
  endRecord(): void {
    this.lines.push(this.out.text());
    this.out.length = 0;
  }
}
