/**
 * Applies a BPF expression to a capture stream by piping it through
 * `tcpdump -r - -w - <filter>`: libpcap's own filter compiler and engine,
 * so a filter means exactly what it means to tcpdump.
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
   * Resolves when tcpdump exits cleanly. Rejects with `CaptureFormatError`
   * when tcpdump could not read the capture to its end (what it wrote before
   * is good), with `TcpdumpError` otherwise.
   */
  done: Promise<void>;
  /** Ends tcpdump now (SIGTERM) when the reader stops early: it may be waiting for input that never comes (stdin). */
  stop(): void;
}

/** Returns the bytes of `source` (pcap/pcapng, gzip is undone first) that match `filter`. */
export function filterThroughTcpdump(
  source: ReadableStream<Uint8Array>,
  filter: string,
  tcpdumpPath = "tcpdump",
): FilteredStream {
  // -U writes each matching packet at once rather than in stdio blocks, so
  // nothing from a pipe (a live producer, stdin) waits in tcpdump. It costs a
  // write per packet (1M packets: about 1.5 s more CPU), so not for a file.
  const unbuffered = isRegularFileSource(source) ? [] : ["-U"];
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(tcpdumpPath, {
      args: ["-r", "-", "-w", "-", ...unbuffered, "-n", "--", filter],
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
  const stopping = new AbortController();
  const feeding = gunzipIfNeeded(source, stopping.signal)
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
  const reader = source.getReader();
  signal?.addEventListener(
    "abort",
    () => void reader.cancel(signal.reason).catch(() => {}),
    { once: true },
  );
  const first = await reader.read();
  const head = first.done ? new Uint8Array(0) : first.value;
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.byteLength > 0) controller.enqueue(head);
    },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  if (startsWithGzipMagic(head)) {
    return rest.pipeThrough(
      new DecompressionStream("gzip") as unknown as TransformStream<
        Uint8Array,
        Uint8Array
      >,
    );
  }
  return rest;
}
