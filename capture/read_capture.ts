/**
 * Reads a whole capture (pcap, pcapng, or either gzip-compressed) from a byte
 * stream with {@linkcode CaptureParser}, and opens files or stdin as streams.
 *
 * @module
 */

import type { AnomalyCounter } from "./anomalies.ts";
import { byobChunks } from "./byob_chunks.ts";
import { concatBytes } from "./concat_bytes.ts";
import {
  CaptureFormatError,
  captureFormatOfMagic,
  CaptureParser,
  startsWithGzipMagic,
} from "./pcap_reader.ts";
import type { PcapRecord } from "./pcap_record.ts";

/** Bytes between two `onProgress` calls (inflated bytes for gzip). */
const PROGRESS_INTERVAL_BYTES = 1 << 20;

/**
 * Compressed bytes handed to the inflater at a time: gzip inflates at most
 * about 1 032 to 1, so one piece makes at most about 16 MiB at once (a
 * whole 1 MiB read of a gzip bomb made a gigabyte).
 */
const GZIP_PIECE_BYTES = 16 * 1024;

/**
 * Inflated bytes between two turns of the event loop: inflated data is
 * read from memory, so without them a long gzip replay would hold up
 * timers, I/O and a server's requests (a stop among them) to its end.
 */
const INFLATED_BYTES_PER_TURN = 8 << 20;

/** Options of {@linkcode readCapture}. */
export interface ReadCaptureOptions {
  /** Where record-layer anomalies are counted. */
  anomalies?: AnomalyCounter;
  /** Aborts the read: `readCapture` rejects with `signal.reason` and cancels the source. */
  signal?: AbortSignal;
  /**
   * Called about every 1 MiB parsed with the bytes consumed so far, and once
   * at the end. For gzip: every 1 MiB inflated, with the compressed bytes
   * handed to the inflater so far (the source is read ahead of inflating:
   * its count would run ahead of the records).
   */
  onProgress?: (bytesRead: number) => void;
  /** Awaited before each chunk of the source (and of inflated data) is read: lets a slow consumer hold the reader back (a rejection ends the read with that error). */
  gate?: () => Promise<void>;
  /** Called after the records of each chunk, before the next is read. */
  onChunkEnd?: () => void;
}

/** What {@linkcode readCapture} read. */
export interface ReadCaptureResult {
  /** Capture format (of the decompressed data for gzip). */
  format: "pcap" | "pcapng";
  /** Distinct link types, in the order first seen. */
  linkTypes: number[];
  /** Records delivered. */
  records: number;
  /** Bytes read from the source (the compressed size for gzip). */
  bytesRead: number;
  /** True when the source was gzip-compressed. */
  gzip: boolean;
}

/**
 * Reads a whole capture from a byte stream (gzip auto-detected by magic 1f 8b
 * and decompressed with DecompressionStream), calling onRecord for every
 * record (the record is reused: valid only during the call). Uses
 * byobChunks() from ./byob_chunks.ts. Throws CaptureFormatError on corrupt
 * input (after delivering good records); the source is always released.
 *
 * @example
 * ```ts
 * const result = await readCapture(await openCaptureSource("in.pcap"), (record) => {
 *   console.log(record.timestampUs, record.capturedLength);
 * });
 * ```
 */
export async function readCapture(
  source: ReadableStream<Uint8Array>,
  onRecord: (record: PcapRecord) => void,
  options: ReadCaptureOptions = {},
): Promise<ReadCaptureResult> {
  const { signal, onProgress, gate, onChunkEnd } = options;
  signal?.throwIfAborted();
  const parser = new CaptureParser(
    options.anomalies ? { anomalies: options.anomalies } : {},
  );
  let bytesRead = 0;
  let parsedBytes = 0;
  let progressAtBytes = PROGRESS_INTERVAL_BYTES;

  /** Hands one chunk's records on, says the chunk is done, and reports progress every MiB parsed. */
  const pushChunk = (chunk: Uint8Array): void => {
    parser.push(chunk, onRecord);
    onChunkEnd?.();
    parsedBytes += chunk.length;
    if (onProgress !== undefined && parsedBytes >= progressAtBytes) {
      progressAtBytes = parsedBytes + PROGRESS_INTERVAL_BYTES;
      onProgress(bytesRead);
    }
  };

  const raw = byobChunks(source);
  let sourceDone = false;
  let sourceError: { error: unknown } | undefined;
  let rawRead: Promise<unknown> | undefined;
  /** Before a read, of the source or of inflated data: a stop, then the consumer's gate. */
  const readyToRead = async (): Promise<void> => {
    signal?.throwIfAborted();
    if (gate !== undefined) {
      await raceAbort(gate(), signal);
      signal?.throwIfAborted();
    }
  };
  const nextRaw = async (): Promise<IteratorResult<Uint8Array, void>> => {
    await readyToRead();
    const read = raw.next();
    rawRead = read;
    const settled = (): void => {
      if (rawRead === read) rawRead = undefined;
    };
    read.then(settled, settled);
    try {
      const step = await raceAbort(read, signal);
      if (step.done) sourceDone = true;
      return step;
    } catch (error) {
      if (!signal?.aborted) sourceError = { error };
      throw error;
    }
  };

  let gzip = false;
  let inflated: AsyncGenerator<Uint8Array, void, undefined> | undefined;
  let inflatedRead: Promise<unknown> | undefined;
  let decompressed: ReadableStream<Uint8Array> | undefined;
  try {
    // Peek at the first two bytes (a chunk may hold fewer) for the gzip magic.
    const head: Uint8Array[] = [];
    let headBytes = 0;
    while (headBytes < 2) {
      const step = await nextRaw();
      if (step.done) break;
      headBytes += step.value.length;
      // The BYOB buffer is reused by the next read: copy unless it is the last.
      head.push(headBytes < 2 ? step.value.slice() : step.value);
    }
    const first = concatHead(head, headBytes);
    gzip = startsWithGzipMagic(first);

    if (!gzip) {
      if (first.length > 0) {
        bytesRead += first.length;
        pushChunk(first);
      }
      while (!sourceDone) {
        const step = await nextRaw();
        if (step.done) break;
        bytesRead += step.value.length;
        pushChunk(step.value);
      }
    } else {
      let cancelled = false;
      // Copied: the BYOB buffer is reused while inflate may still read it.
      let pending = first.slice();
      const compressed = new ReadableStream<BufferSource>({
        async pull(controller) {
          if (pending.length === 0) {
            const step = await nextRaw();
            if (cancelled) return;
            if (step.done) {
              controller.close();
              return;
            }
            pending = step.value.slice();
          }
          const piece = pending.subarray(0, GZIP_PIECE_BYTES);
          controller.enqueue(piece);
          pending = pending.subarray(GZIP_PIECE_BYTES);
          // Counted as inflating takes it, not as the source is read.
          bytesRead += piece.length;
        },
        cancel() {
          cancelled = true;
        },
      }, { highWaterMark: 0 });
      decompressed = compressed.pipeThrough(new DecompressionStream("gzip"));
      inflated = byobChunks(decompressed);
      let sinceTurn = 0;
      while (true) {
        // Inflated data waits for a slow consumer and a stop as the file does.
        await readyToRead();
        if (sinceTurn >= INFLATED_BYTES_PER_TURN) {
          sinceTurn = 0;
          await raceAbort(nextTurn(), signal);
          signal?.throwIfAborted();
        }
        const read = inflated.next();
        inflatedRead = read;
        const settled = (): void => {
          if (inflatedRead === read) inflatedRead = undefined;
        };
        read.then(settled, settled);
        let step: IteratorResult<Uint8Array, void>;
        try {
          step = await raceAbort(read, signal);
        } catch (error) {
          throw gzipFailure(error, sourceError, signal);
        }
        if (step.done) break;
        pushChunk(step.value);
        sinceTurn += step.value.length;
      }
    }
    parser.finish();
  } finally {
    if (!sourceDone) {
      // Stopped early: release and cancel the source so a file is closed.
      // After an abort a read may still be pending (stdin may never answer):
      // then the release happens in the background once it settles.
      const release = async (): Promise<void> => {
        if (inflated !== undefined) {
          await inflated.return(undefined).catch(() => {});
          await decompressed?.cancel().catch(() => {});
        }
        await raw.return(undefined).catch(() => {});
        await source.cancel().catch(() => {});
      };
      if (
        signal?.aborted && (rawRead !== undefined || inflatedRead !== undefined)
      ) {
        void release();
      } else {
        await release();
      }
    }
  }
  if (onProgress !== undefined) onProgress(bytesRead);
  return {
    // finish() has thrown unless the file header was read.
    format: parser.format ?? "pcap",
    linkTypes: [...parser.linkTypes],
    records: parser.recordCount,
    bytesRead,
    gzip,
  };
}

/** Streams {@linkcode openCaptureSource} opened on a regular file. */
const REGULAR_FILE_SOURCES = new WeakSet<ReadableStream<Uint8Array>>();

/**
 * Whether `source` came from {@linkcode openCaptureSource} and reads a
 * regular file (stdin too when redirected from one). Any other source (a
 * pipe, a FIFO, a stream from elsewhere) may deliver its bytes slowly, so a
 * stage between it and the reader should pass each packet on at once.
 */
export function isRegularFileSource(
  source: ReadableStream<Uint8Array>,
): boolean {
  return REGULAR_FILE_SOURCES.has(source);
}

/**
 * Opens a file path, or stdin for "-", as a byte stream; a missing file gives
 * Deno.errors.NotFound with a clear message naming the path.
 */
export async function openCaptureSource(
  path: string,
): Promise<ReadableStream<Uint8Array>> {
  if (path === "-") {
    const stdin = Deno.stdin.readable;
    // Linux names stdin's file /dev/stdin; where it cannot be looked at,
    // stdin counts as a pipe.
    const info = await Deno.stat("/dev/stdin").catch(() => undefined);
    if (info?.isFile) REGULAR_FILE_SOURCES.add(stdin);
    return stdin;
  }
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(
        // A name that is not UTF-8 reaches the program with its bad bytes
        // replaced (U+FFFD): no such file can be opened by it.
        path.includes("\ufffd")
          ? `Cannot open capture: "${path}" is not a valid UTF-8 name, which NetMirror cannot open by name; give it on stdin ("- < file")`
          : `Cannot open capture: no such file "${path}"`,
        { cause: error },
      );
    }
    throw error;
  }
  let info: Deno.FileInfo;
  try {
    info = await file.stat();
  } catch (error) {
    file.close();
    throw error;
  }
  if (info.isDirectory) {
    file.close();
    throw new Deno.errors.IsADirectory(
      `Cannot open capture: "${path}" is a directory`,
    );
  }
  const readable = file.readable;
  if (info.isFile) REGULAR_FILE_SOURCES.add(readable);
  return readable;
}

/** A capture's format as its first bytes give it. */
export interface SniffedFormat {
  /** pcap or pcapng (of the decompressed data for gzip); undefined when the magic is neither. */
  format: "pcap" | "pcapng" | undefined;
  /** True when the file starts with the gzip magic (1f 8b). */
  gzip: boolean;
  /** The error its first bytes (up to {@linkcode HEAD_BYTES}, inflated for gzip) make before any record (a header no reader takes, a file that ends or a gzip stream that breaks before its first record), or "". */
  headError: string;
}

/** Bytes of a capture's start that {@linkcode sniffCaptureFormat} reads. */
export const HEAD_BYTES = 64 * 1024;

/**
 * Reads the format of the capture file at `path` from its first bytes: the
 * gzip magic, then the pcap or pcapng magic (inflated first for gzip),
 * reading no further. A gzip stream that breaks within them is judged by
 * what it inflated before. For the format of a capture that could not be
 * read to the end, or that a filter rewrote. Throws as `Deno.open` does.
 */
export async function sniffCaptureFormat(path: string): Promise<SniffedFormat> {
  const file = await Deno.open(path, { read: true });
  const reader = file.readable.getReader();
  try {
    const head = await readHead(reader, HEAD_BYTES);
    if (head.error !== undefined) throw head.error; // the file's, not gzip's
    const gzip = startsWithGzipMagic(head.bytes);
    if (!gzip) return sniffed(head, gzip);
    const compressed = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(head.bytes);
        if (head.ended) controller.close();
      },
      async pull(controller) {
        const next = await reader.read();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
    });
    const inflated = compressed.pipeThrough(
      new DecompressionStream("gzip") as unknown as TransformStream<
        Uint8Array,
        Uint8Array
      >,
    ).getReader();
    try {
      return sniffed(await readHead(inflated, HEAD_BYTES), gzip);
    } finally {
      await inflated.cancel().catch(() => {});
    }
  } finally {
    await reader.cancel().catch(() => {}); // closes the file
  }
}

/** Bytes of a pcap or pcapng magic number. */
const MAGIC_BYTES = 4;

/**
 * The format of a capture that starts with `head`, and the error it makes
 * before any record: its header's, the end of a file shorter than
 * {@linkcode HEAD_BYTES} (a parser waits for more bytes until told of the
 * end), or the inflater's.
 */
function sniffed(head: Head, gzip: boolean): SniffedFormat {
  const format = formatOfMagic(head.bytes);
  const parser = new CaptureParser();
  try {
    if (format !== undefined) {
      parser.push(head.bytes, () => {});
      if (head.ended) parser.finish();
    }
  } catch (error) {
    if (!(error instanceof CaptureFormatError)) throw error;
    // A record that fails after others is the reader's to tell, in the
    // session it ends.
    if (parser.recordCount === 0) {
      return { format, gzip, headError: error.message };
    }
  }
  // Before any record, the reader too would meet the broken gzip stream.
  const headError = head.error !== undefined && parser.recordCount === 0
    ? corruptGzip(head.error).message
    : "";
  return { format, gzip, headError };
}

/** The format a file's first four bytes announce ({@linkcode captureFormatOfMagic}). */
function formatOfMagic(head: Uint8Array): "pcap" | "pcapng" | undefined {
  if (head.length < MAGIC_BYTES) return undefined;
  return captureFormatOfMagic(
    new DataView(head.buffer, head.byteOffset, MAGIC_BYTES).getUint32(0, false),
  );
}

/** A stream's first bytes, as {@linkcode readHead} read them. */
interface Head {
  /** The first bytes (fewer than asked at the stream's end or error). */
  bytes: Uint8Array;
  /** True when the stream ended cleanly within them. */
  ended: boolean;
  /** What the stream failed with after `bytes` (a broken gzip stream), if it did. */
  error?: unknown;
}

/** The first `bytes` bytes `reader` gives: fewer at its end, or before its error. */
async function readHead(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  bytes: number,
): Promise<Head> {
  const parts: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  let error: { error: unknown } | undefined;
  while (total < bytes) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch (cause) {
      error = { error: cause };
      break;
    }
    if (next.done) {
      ended = true;
      break;
    }
    parts.push(next.value);
    total += next.value.length;
  }
  const head = concatHead(parts, total);
  return error === undefined
    ? { bytes: head, ended }
    : { bytes: head, ended, error: error.error };
}

function concatHead(parts: Uint8Array[], totalBytes: number): Uint8Array {
  if (parts.length === 1) return parts[0] ?? new Uint8Array(0);
  return concatBytes(parts, totalBytes);
}

/** A decompression failure as a CaptureFormatError; source and abort errors pass through. */
function gzipFailure(
  error: unknown,
  sourceError: { error: unknown } | undefined,
  signal: AbortSignal | undefined,
): unknown {
  if (sourceError !== undefined) return sourceError.error;
  if (signal?.aborted && error === signal.reason) return error;
  return corruptGzip(error);
}

/** The inflater's `error` as a CaptureFormatError. */
function corruptGzip(error: unknown): CaptureFormatError {
  const detail = error instanceof Error ? error.message : String(error);
  return new CaptureFormatError(
    `Cannot parse capture: gzip data is corrupt or truncated (${detail})`,
    { cause: error },
  );
}

/** Resolves on a later turn of the event loop, after pending timers and I/O. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * `work`'s outcome, or the signal's reason if it aborts first. A listener
 * per call, removed once `work` settles: `Promise.race` against one promise
 * for the whole read left a reaction on it per call that held the call's
 * result until the read ended (every inflated chunk of a gzip replay: its
 * memory grew by the inflated size, 65 MB/s).
 */
function raceAbort<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    work.then((value) => {
      signal.removeEventListener("abort", onAbort);
      resolve(value);
    }, (error) => {
      signal.removeEventListener("abort", onAbort);
      reject(error);
    });
  });
}
