/**
 * Applies a BPF expression to a capture stream by piping it through
 * `tcpdump -r - -w - <filter>`: libpcap's own filter compiler and engine,
 * so a filter means exactly what it means to tcpdump. tcpdump writes
 * microseconds unless asked (`--nano`): a capture file whose times fall
 * between microseconds (a nanosecond pcap, or a pcapng whose first
 * interface counts finer than 1 µs) is filtered in nanoseconds, so its
 * nanoseconds survive; a pipe is filtered in microseconds, as its first
 * bytes may be long in coming, unless its caller knows its clock
 * (`nanosecond`: a session PCAP's first file header tells it).
 *
 * @module
 */

import { classifyTcpdumpReadStderr, TcpdumpError } from "./tcpdump_errors.ts";
import { registerChild } from "./child_registry.ts";
import { startsWithGzipMagic } from "./pcap_reader.ts";
import { isRegularFileSource } from "./read_capture.ts";

/** A filtered capture stream and the tcpdump process behind it. */
export interface FilteredStream {
  /** Classic pcap bytes of the matching packets. */
  stream: ReadableStream<Uint8Array>;
  /**
   * Resolves when tcpdump exits cleanly. Rejects with the input's own
   * error when reading `source` failed (tcpdump then saw its input end,
   * and may have exited cleanly: its output is not the whole answer), with
   * `CaptureFormatError` when tcpdump could not read the capture to its end
   * (what it wrote before is good), with `TcpdumpError` otherwise.
   */
  done: Promise<void>;
  /** Ends tcpdump now (SIGTERM) when the reader stops early: it may be waiting for input that never comes (stdin). */
  stop(): void;
}

/** Options of {@linkcode filterThroughTcpdump}. */
export interface FilterOptions {
  /** The tcpdump binary ("tcpdump" on the PATH by default). */
  tcpdumpPath?: string;
  /** Whether a pipe's times fall between microseconds (a nanosecond pcap): tcpdump then writes nanoseconds (`--nano`). A file's own first bytes tell it. */
  nanosecond?: boolean;
}

/** Returns the bytes of `source` (pcap/pcapng, gzip is undone first) that match `filter`. */
export async function filterThroughTcpdump(
  source: ReadableStream<Uint8Array>,
  filter: string,
  options: FilterOptions = {},
): Promise<FilteredStream> {
  const tcpdumpPath = options.tcpdumpPath ?? "tcpdump";
  // -U writes each matching packet at once rather than in stdio blocks, so
  // nothing from a pipe (a live producer, stdin) waits in tcpdump. It costs a
  // write per packet (1M packets: about 1.5 s more CPU), so not for a file.
  const isFile = isRegularFileSource(source);
  const unbuffered = isFile ? [] : ["-U"];
  const stopping = new AbortController();
  const watched = watchReadError(source);
  source = watched.stream;
  let input: Promise<ReadableStream<Uint8Array>>;
  let nanosecond: string[] = options.nanosecond ? ["--nano"] : [];
  if (isFile) {
    // A file's first bytes come at once: they tell its clock.
    const plain = await gunzipIfNeeded(source, stopping.signal).catch(() =>
      undefined
    );
    const peeked = plain && await withFirstChunk(plain).catch(() => undefined);
    if (peeked && hasSubMicrosecondClock(peeked.first)) nanosecond = ["--nano"];
    input = Promise.resolve(peeked?.stream ?? emptyStream());
  } else {
    input = gunzipIfNeeded(source, stopping.signal);
  }
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(tcpdumpPath, {
      args: [
        "-r",
        "-",
        "-w",
        "-",
        ...nanosecond,
        ...unbuffered,
        "-n",
        "--",
        filter,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new TcpdumpError(
        "not_installed",
        `Cannot filter capture: tcpdump is not installed (looked for "${tcpdumpPath}")`,
        "",
      );
    }
    throw error;
  }
  const unregister = registerChild(child);
  const feeding = input
    .then((plain) => plain.pipeTo(child.stdin))
    .catch(
      () => {
        /* tcpdump closed its stdin early: its exit status explains why */
      },
    );
  const stderrText = new Response(child.stderr).text();
  const done = (async () => {
    const [status, stderr] = await Promise.all([child.status, stderrText]);
    // Failed before the end of its input: stop feeding it, as the input
    // (stdin) may never end.
    if (!status.success) stopping.abort();
    await feeding;
    unregister();
    // tcpdump saw its input end early, as if whole: the read's failure
    // explains the answer (and outranks tcpdump's "truncated dump file").
    if (watched.failure !== undefined) throw watched.failure.error;
    if (!status.success) {
      throw classifyTcpdumpReadStderr(stderr, { filter, file: "-" });
    }
  })();
  done.catch(() => {}); // observed by the caller
  return {
    stream: child.stdout,
    done,
    stop() {
      stopping.abort(); // stops feeding it too: stdin may never end
      try {
        child.kill("SIGTERM");
      } catch {
        // Already exited.
      }
    },
  };
}

/**
 * Returns `source` decompressed when it starts with the gzip magic (1f 8b),
 * else unchanged. Aborting `signal` cancels `source`: the result ends.
 */
export async function gunzipIfNeeded(
  source: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  const { first, stream } = await withFirstChunk(source, signal);
  if (startsWithGzipMagic(first)) {
    return stream.pipeThrough(
      new DecompressionStream("gzip") as unknown as TransformStream<
        Uint8Array,
        Uint8Array
      >,
    );
  }
  return stream;
}

/**
 * `stream`'s first chunk (empty when it has none), and a stream of all its
 * bytes again. Aborting `signal` cancels `stream`: the result ends.
 */
async function withFirstChunk(
  source: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): Promise<{ first: Uint8Array; stream: ReadableStream<Uint8Array> }> {
  const reader = source.getReader();
  signal?.addEventListener(
    "abort",
    () => void reader.cancel(signal.reason).catch(() => {}),
    { once: true },
  );
  const head = await reader.read();
  const first = head.done ? new Uint8Array(0) : head.value;
  return {
    first,
    stream: new ReadableStream<Uint8Array>({
      start(controller) {
        if (first.byteLength > 0) controller.enqueue(first);
      },
      async pull(controller) {
        const next = await reader.read();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    }),
  };
}

/** `source` again, and the error a read of it failed with, once one has. */
function watchReadError(
  source: ReadableStream<Uint8Array>,
): { stream: ReadableStream<Uint8Array>; failure?: { error: unknown } } {
  const reader = source.getReader();
  const watched: {
    stream: ReadableStream<Uint8Array>;
    failure?: { error: unknown };
  } = {
    stream: new ReadableStream<Uint8Array>({
      async pull(controller) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (error) {
          watched.failure = { error };
          throw error;
        }
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    }),
  };
  return watched;
}

function emptyStream(): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.close();
    },
  });
}

/** pcapng block types and option codes read by {@linkcode hasSubMicrosecondClock}. */
const SECTION_HEADER_BLOCK = 0x0a0d0d0a;
const INTERFACE_DESCRIPTION_BLOCK = 1;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const IF_TSRESOL = 9;

/**
 * Whether a capture's first bytes announce times between microseconds: the
 * magic of a nanosecond pcap (either byte order), or a pcapng whose first
 * interface (described in `head`) has an `if_tsresol` finer than 10^-6 s or
 * 2^-7 s or finer. False for anything else, or when `head` is too short.
 */
export function hasSubMicrosecondClock(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const magic = view.getUint32(0, false);
  if (magic === 0xa1b23c4d || magic === 0x4d3cb2a1) return true;
  if (magic !== SECTION_HEADER_BLOCK || head.length < 12) return false;
  const littleEndian = view.getUint32(8, true) === BYTE_ORDER_MAGIC;
  const sectionLength = view.getUint32(4, littleEndian);
  const at = sectionLength;
  if (sectionLength < 28 || at + 20 > head.length) return false;
  if (view.getUint32(at, littleEndian) !== INTERFACE_DESCRIPTION_BLOCK) {
    return false;
  }
  const blockLength = view.getUint32(at + 4, littleEndian);
  const end = Math.min(at + blockLength - 4, head.length);
  // Options follow the 16-byte block start: code, length, value padded to 4.
  for (let option = at + 16; option + 4 <= end;) {
    const code = view.getUint16(option, littleEndian);
    const length = view.getUint16(option + 2, littleEndian);
    if (code === 0) return false;
    if (code === IF_TSRESOL && length >= 1 && option + 4 < end) {
      const resolution = head[option + 4]!;
      const exponent = resolution & 0x7f;
      return (resolution & 0x80) !== 0 ? exponent >= 7 : exponent > 6;
    }
    option += 4 + ((length + 3) & ~3);
  }
  return false;
}
