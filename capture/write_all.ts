/**
 * Synchronous "write everything" for Deno's writers, which may write fewer
 * bytes than asked.
 *
 * @module
 */

/** Something with Deno's `writeSync` (a file, stdout, stderr). */
export interface SyncWriter {
  writeSync(bytes: Uint8Array): number;
}

/** Writes all of `bytes` to `target`, looping over short writes. */
export function writeAllSync(target: SyncWriter, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) {
    written += target.writeSync(bytes.subarray(written));
  }
}

/** Something with Deno's async `write` (a file, stdout). */
export interface AsyncWriter {
  write(bytes: Uint8Array): Promise<number>;
}

/** Writes all of `bytes` to `target` (on Deno's I/O threads), looping over short writes. */
export async function writeAll(
  target: AsyncWriter,
  bytes: Uint8Array,
): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    written += await target.write(bytes.subarray(written));
  }
}
