/**
 * Live capture on `lo`: bounded UDP traffic to 127.0.0.1 at a fixed rate
 * (`udp_sender.ts`, its own process), captured five ways — tcpdump alone
 * writing to /dev/null, tcpdump writing into a pipe that `cat` drains (the
 * baseline: the least any reader of tcpdump's pipe can cost), NetMirror's
 * tcpdump source (`capturePackets`: read + decode) reading tcpdump's pipe,
 * the same source reading tcpdump's file ring, and the ring source feeding
 * the full analysis engine — with packets sent, seen and dropped for each.
 * Each rate is measured `repeats` times, the readers in turn each time, so
 * a reader's loss can be compared with the baseline's from the same moment.
 *
 * @module
 */

import { type CaptureOutput, capturePackets } from "../capture/live_capture.ts";
import { reusedRecord } from "../capture/packet_source.ts";
import { parseTcpdumpStats, tcpdumpArgs } from "../capture/tcpdump.ts";
import { AnalysisEngine } from "../detectors/engine.ts";
import { EngineFeed } from "../detectors/engine_feed.ts";
import { benchPath, runCommand, sleep, spawnTracked } from "./proc.ts";

/** How the packets were consumed. */
export type LiveReader =
  | "tcpdump -w /dev/null"
  | "tcpdump piped to cat"
  | "source (pipe)"
  | "source (ring)"
  | "source+engine (ring)";

/** NetMirror's source as it reads where /run/netmirror is a tmpfs (the default there): the reader the target is about. */
export const RING_READER: LiveReader = "source (ring)";

/** NetMirror's source reading tcpdump's stdout (the default elsewhere, and the fallback). */
export const PIPE_READER: LiveReader = "source (pipe)";

/**
 * The reader a NetMirror reader's loss is measured against: tcpdump writing
 * into a pipe drained by `cat`. With `-U` tcpdump makes one write(2) per
 * packet, and into a pipe whose reader is waiting each one wakes the
 * reader; that costs tcpdump CPU (and, on a 2-core machine shared with the
 * sender, kernel drops) that writing to /dev/null does not, whoever reads.
 */
export const PIPE_BASELINE: LiveReader = "tcpdump piped to cat";

/** tcpdump writing to /dev/null: shown beside the baseline, compared with nothing. */
export const DEV_NULL_READER: LiveReader = "tcpdump -w /dev/null";

/** One live run. */
export interface LiveRun {
  reader: LiveReader;
  /** Rate asked of the sender, packets/s. */
  targetPps: number;
  /** Which repeat of this rate (1-based): runs of one repeat ran one after the other. */
  repeat: number;
  /** Datagrams the sender sent. */
  sent: number;
  /** Rate the sender achieved, packets/s. */
  sentPps: number;
  /** tcpdump: packets written. */
  captured: number;
  /** tcpdump: packets the kernel filter matched (on lo each datagram is seen twice, going out and coming in). */
  receivedByFilter: number;
  /** tcpdump: packets dropped by the kernel for lack of buffer space. */
  droppedByKernel: number;
  /** Packets NetMirror decoded (equals `captured` for the baseline). */
  decoded: number;
}

/** Options of {@linkcode runLiveBench}. */
export interface LiveBenchOptions {
  /** Sender rates, packets/s. */
  ratesPps: number[];
  /** Seconds of traffic per run. */
  secondsPerRun: number;
  /** Times each rate is measured with every reader (default 1). */
  repeats?: number;
  /** UDP destination port (the capture filter is `udp dst port <port>`). */
  port: number;
  /** tcpdump snap length (default: NetMirror's, 9216). */
  snapLength?: number;
  /** Readers of each repeat, in the order they run; default all of them ({@linkcode ALL_READERS}). */
  readers?: readonly LiveReader[];
  /** Progress lines. */
  log: (line: string) => void;
}

/** The sender subprocess: `count` datagrams at `rate`. */
async function send(
  port: number,
  rate: number,
  count: number,
): Promise<{ sent: number; seconds: number }> {
  const result = await runCommand(Deno.execPath(), [
    "run",
    "--allow-ffi",
    benchPath("udp_sender.ts"),
    String(port),
    String(rate),
    String(count),
  ], { timeoutMs: (count / rate) * 3000 + 15_000 });
  return JSON.parse(result.stdout.trim()) as { sent: number; seconds: number };
}

/**
 * tcpdump with the same arguments as NetMirror's source, its output to
 * /dev/null, or into a pipe that `cat` drains (`intoCat`): bash runs cat on
 * a process substitution and then becomes tcpdump (`exec`), so the child is
 * tcpdump itself and SIGINT reaches it; cat ends at the pipe's end of file.
 */
async function baselineRun(
  filter: string,
  snapLength: number | undefined,
  port: number,
  rate: number,
  count: number,
  intoCat: boolean,
): Promise<Omit<LiveRun, "reader" | "targetPps" | "repeat">> {
  const args = tcpdumpArgs({
    iface: "lo",
    filter,
    ...(snapLength ? { snapLength } : {}),
  });
  const child = spawnTracked(
    intoCat ? "bash" : "tcpdump",
    intoCat
      ? [
        "-c",
        'exec tcpdump "$@" > >(exec cat > /dev/null)',
        "tcpdump",
        ...args,
      ]
      : args,
    { stdin: "null", stdout: "null", stderr: "piped" },
  );
  let stderr = "";
  const { promise: listening, resolve } = Promise.withResolvers<void>();
  const reading = (async () => {
    for await (
      const text of child.stderr.pipeThrough(new TextDecoderStream())
    ) {
      stderr += text;
      if (stderr.includes("listening on ")) resolve();
    }
  })();
  const timer = setTimeout(resolve, 5000);
  try {
    await listening;
    const sender = await send(port, rate, count);
    await sleep(300);
    child.kill("SIGINT");
    await child.status;
    await reading;
    const stats = parseTcpdumpStats(stderr);
    return {
      sent: sender.sent,
      sentPps: sender.sent / sender.seconds,
      captured: stats.captured,
      receivedByFilter: stats.receivedByFilter,
      droppedByKernel: stats.droppedByKernel,
      decoded: stats.captured,
    };
  } finally {
    clearTimeout(timer);
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
  }
}

/**
 * NetMirror's tcpdump source, reading its pipe or its file ring (forced
 * whatever /run's file system is: on this machine the root file system),
 * optionally feeding the analysis engine.
 */
async function sourceRun(
  filter: string,
  snapLength: number | undefined,
  port: number,
  rate: number,
  count: number,
  output: CaptureOutput,
  withEngine: boolean,
): Promise<Omit<LiveRun, "reader" | "targetPps" | "repeat">> {
  const engine = withEngine ? new AnalysisEngine() : undefined;
  const feed = engine ? new EngineFeed(engine) : undefined;
  let decoded = 0;
  const live = capturePackets(
    {
      iface: "lo",
      filter,
      ...(snapLength ? { snapLength } : {}),
      output,
      // As the sensor does: batches for the engine, analysed at each chunk's end.
      record: feed?.record ?? reusedRecord(), // neither handler keeps the record
      ...(feed ? { onChunkEnd: feed.flush } : {}),
    },
    feed ? (packet) => feed.add(packet) : () => decoded++,
  );
  try {
    await live.ready;
    const sender = await send(port, rate, count);
    await sleep(300);
    const result = await live.stop();
    feed?.flush();
    return {
      sent: sender.sent,
      sentPps: sender.sent / sender.seconds,
      captured: result.tcpdump.captured,
      receivedByFilter: result.tcpdump.receivedByFilter,
      droppedByKernel: result.tcpdump.droppedByKernel,
      decoded: engine ? engine.packets : result.packets,
    };
  } finally {
    await live.stop().catch(() => {});
  }
}

/** Every reader, in the order they run in each repeat. */
export const ALL_READERS: readonly LiveReader[] = [
  DEV_NULL_READER,
  PIPE_BASELINE,
  PIPE_READER,
  RING_READER,
  "source+engine (ring)",
];

/** Runs every rate `repeats` times, each time with every reader one after the other. */
export async function runLiveBench(
  options: LiveBenchOptions,
): Promise<LiveRun[]> {
  const filter = `udp dst port ${options.port}`;
  const runs: LiveRun[] = [];
  const repeats = options.repeats ?? 1;
  for (const rate of options.ratesPps) {
    const count = Math.round(rate * options.secondsPerRun);
    for (let repeat = 1; repeat <= repeats; repeat++) {
      for (const reader of options.readers ?? ALL_READERS) {
        runs.push(
          await measureOnce(options, filter, rate, count, repeat, reader),
        );
      }
    }
  }
  return runs;
}

/** One run of one reader, retried once if the sender fails. */
async function measureOnce(
  options: LiveBenchOptions,
  filter: string,
  rate: number,
  count: number,
  repeat: number,
  reader: LiveReader,
): Promise<LiveRun> {
  const measure = () =>
    reader === DEV_NULL_READER || reader === PIPE_BASELINE
      ? baselineRun(
        filter,
        options.snapLength,
        options.port,
        rate,
        count,
        reader === PIPE_BASELINE,
      )
      : sourceRun(
        filter,
        options.snapLength,
        options.port,
        rate,
        count,
        reader === PIPE_READER ? "pipe" : "ring",
        reader === "source+engine (ring)",
      );
  let measured;
  try {
    measured = await measure();
  } catch (error) {
    // The loopback sender sometimes fails for a stretch under load
    // (see udp_sender.ts): one retry before the section is given up.
    options.log(
      `live ${rate} pps, ${reader}: ${(error as Error).message}; retrying once`,
    );
    measured = await measure();
  }
  const run = { reader, targetPps: rate, repeat, ...measured };
  options.log(
    `live ${rate} pps #${repeat}, ${reader}: sent ${run.sent} (${
      Math.round(run.sentPps)
    }/s), captured ${run.captured}, decoded ${run.decoded}, kernel drops ${run.droppedByKernel}`,
  );
  return run;
}
