/**
 * Synchronous and asynchronous "write everything" for Deno's writers, which
 * may write fewer bytes than asked. A write into a pipe whose reader has
 * gone (EPIPE: `netmirror read x.pcap --json | head` has read enough)
 * throws {@linkcode OutputClosedError}, so commands can stop quietly.
 *
 * @module
 */

/** The reader of the pipe being written has gone (EPIPE); nothing more can be written there. */
export class OutputClosedError extends Error {
  /** `cause` is the write's `Deno.errors.BrokenPipe`. */
  constructor(options?: ErrorOptions) {
    super("output closed by its reader", options);
    this.name = "OutputClosedError";
  }
}

/** Something with Deno's `writeSync` (a file, stdout, stderr). */
export interface SyncWriter {
  writeSync(bytes: Uint8Array): number;
}

/** Writes all of `bytes` to `target`, looping over short writes. */
export function writeAllSync(target: SyncWriter, bytes: Uint8Array): void {
  let written = 0;
  try {
    while (written < bytes.length) {
      written += target.writeSync(bytes.subarray(written));
    }
  } catch (error) {
    throw closedOr(error);
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
  try {
    while (written < bytes.length) {
      written += await target.write(bytes.subarray(written));
    }
  } catch (error) {
    throw closedOr(error);
  }
}

function closedOr(error: unknown): unknown {
  return error instanceof Deno.errors.BrokenPipe
    ? new OutputClosedError({ cause: error })
    : error;
}

/**
 * `error` of a write to `path` with the path in its message ("Cannot write
 * "out.pcap": No space left on device"), the error itself kept (its class
 * and errno code tell a full disk); `OutputClosedError` and non-errors are
 * left as they are.
 */
export function namingPath(error: unknown, path: string): unknown {
  if (!(error instanceof Error) || error instanceof OutputClosedError) {
    return error;
  }
  if (!error.message.startsWith("Cannot write")) {
    error.message = `Cannot write "${path}": ${error.message}`;
  }
  return error;
}

/**
 * After a write to `file` failed part way (a full disk): cuts it back to
 * `length`, the bytes of its last whole record, so that what it holds
 * reads to its end; a cut that fails too leaves the file as it is.
 */
export function cutBack(file: Deno.FsFile | undefined, length: number): void {
  try {
    file?.truncateSync(length);
  } catch {
    // The file is what it is.
  }
}
