/**
 * One timed replay of a capture file, run by the benchmarks in a fresh
 * `deno run` per measurement so that peak memory is this run's alone.
 * Prints one JSON line ({@linkcode ReplayMeasurement}) on stdout.
 *
 *   deno run --allow-read --allow-write=/dev/null --allow-run=cat bench/engine_replay.ts <file> [stage]
 *
 * Stages: `parse` walks the pcap records; `decode` also decodes every
 * packet into one reused PacketRecord (as `netmirror read` does); `engine` also feeds each one to a fresh
 * `AnalysisEngine` (traffic stats, latency, every detector, alert lifecycle);
 * `eve` also writes every EVE record (flow, dns, arp, alert, stats) as
 * `--eve /dev/null` does, through the product's writer (the records' cost
 * without a disk's). `steady` replays the capture through one engine
 * twice, the second time with every timestamp moved past the first pass's
 * last, and times only the second pass: the engine of a sensor that has
 * been running a while (code compiled, tables full, memory already
 * committed), where the other stages time a process that starts cold.
 * `floor` decodes and makes three table lookups per packet
 * ({@linkcode LookupFloor}): what any analysis built on the engine's
 * tables costs at least.
 *
 * @module
 */

import { AnomalyCounter } from "../capture/anomalies.ts";
import { readPacketFile, reusedRecord } from "../capture/packet_source.ts";
import { openCaptureSource, readCapture } from "../capture/read_capture.ts";
import { AnalysisEngine } from "../detectors/engine.ts";
import { EngineFeed } from "../detectors/engine_feed.ts";
import { EveLogger } from "../server/eve/eve_logger.ts";
import { EveWriter } from "../server/eve/eve_writer.ts";
import { LookupFloor } from "./lookup_floor.ts";

/** Where the `eve` stage writes its records. */
const DEV_NULL = "/dev/null";

/** What one replay measured. */
export interface ReplayMeasurement {
  stage: ReplayStage;
  packets: number;
  /** Wall-clock time of the replay, s. */
  seconds: number;
  /** CPU time of the whole process (all threads, user + system) during the replay, s. */
  cpuSeconds: number;
  /** Peak resident set size of the process (VmHWM), bytes. */
  peakRssBytes: number;
  /**
   * Minor page faults during the replay: first touches of memory the
   * process had not used before (each costs 10–15 µs on the virtual
   * machines of bench/findings.md, step 16).
   */
  minorFaults: number;
  /** Alerts the engine raised (engine stage only). */
  alerts: number;
  /** Decode anomalies counted. */
  anomalies: number;
  /** EVE records written and their bytes (eve stage only). */
  eveRecords?: number;
  eveBytes?: number;
}

/** How much of the pipeline a replay runs. */
export type ReplayStage =
  | "parse"
  | "decode"
  | "floor"
  | "engine"
  | "steady"
  | "eve";

/** Every stage, in pipeline order. */
export const REPLAY_STAGES: readonly ReplayStage[] = [
  "parse",
  "decode",
  "floor",
  "engine",
  "steady",
  "eve",
];

/** Packet time between the steady stage's two passes, µs. */
const PASS_GAP_US = 1_000_000;

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

async function procFile(name: string): Promise<string> {
  const out = await new Deno.Command("cat", {
    args: [`/proc/${Deno.pid}/${name}`],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(out.stdout);
}

/** CPU seconds this process has used (user + system, all threads) and its minor page faults so far. */
async function processCounters(): Promise<
  { cpuSeconds: number; minorFaults: number }
> {
  const stat = await procFile("stat");
  // Fields after the parenthesised command name: minflt is field 10, utime
  // and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return {
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / USER_HZ,
    minorFaults: Number(fields[7]),
  };
}

/**
 * Replays `file` into `feed` with every packet's timestamp moved by
 * `shiftUs`, and analyses what is left at the end; returns the first and
 * last (moved) packet times, µs.
 */
export async function replayInto(
  file: string,
  feed: EngineFeed,
  shiftUs: number,
  anomalies: AnomalyCounter,
): Promise<{ firstUs: number; lastUs: number }> {
  let firstUs = Infinity;
  let lastUs = -Infinity;
  await readPacketFile(file, (packet) => {
    const us = packet.timestampUs + shiftUs;
    packet.timestampUs = us;
    if (us < firstUs) firstUs = us;
    if (us > lastUs) lastUs = us;
    feed.add(packet);
  }, { anomalies, record: feed.record });
  feed.flush();
  return { firstUs, lastUs };
}

async function peakRssBytes(): Promise<number> {
  const status = await procFile("status");
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
}

/** Replays `file` through `stage` and measures it. */
export async function measureReplay(
  file: string,
  stage: ReplayStage,
): Promise<ReplayMeasurement> {
  const anomalies = new AnomalyCounter();
  let packets = 0;
  let alerts = 0;
  let eveRecords = 0;
  let eveBytes = 0;
  // The steady stage's first pass, before the clocks start.
  let steady:
    | { engine: AnalysisEngine; feed: EngineFeed; shiftUs: number }
    | undefined;
  if (stage === "steady") {
    const engine = new AnalysisEngine();
    const feed = new EngineFeed(engine);
    const first = await replayInto(file, feed, 0, new AnomalyCounter());
    steady = {
      engine,
      feed,
      shiftUs: first.lastUs > first.firstUs
        ? first.lastUs - first.firstUs + PASS_GAP_US
        : PASS_GAP_US,
    };
  }
  const before = await processCounters();
  const started = performance.now();
  if (stage === "parse") {
    await readCapture(await openCaptureSource(file), () => packets++, {
      anomalies,
    });
  } else if (stage === "decode") {
    await readPacketFile(file, () => packets++, {
      anomalies,
      record: reusedRecord(),
    });
  } else if (stage === "floor") {
    const floor = new LookupFloor();
    await readPacketFile(file, (packet) => {
      packets++;
      floor.observe(packet);
    }, { anomalies, record: reusedRecord() });
  } else if (steady !== undefined) {
    const { engine, feed, shiftUs } = steady;
    const before = engine.packets;
    const alertsBefore = engine.alerts().length;
    await replayInto(file, feed, shiftUs, anomalies);
    engine.finish();
    packets = engine.packets - before;
    alerts = engine.alerts().length - alertsBefore;
  } else if (stage === "engine") {
    const engine = new AnalysisEngine();
    const feed = new EngineFeed(engine);
    await readPacketFile(file, (packet) => feed.add(packet), {
      anomalies,
      record: feed.record,
    });
    feed.flush();
    engine.finish();
    packets = engine.packets;
    alerts = engine.alerts().length;
  } else {
    // The product's writer, to /dev/null: every byte encoded and written,
    // no disk (and never rotated: /dev/null is not renamed).
    const writer = new EveWriter(DEV_NULL, { rotateBytes: 0 });
    const eve = new EveLogger(writer);
    const engine = new AnalysisEngine({}, (event) => eve.alert(event));
    const feed = new EngineFeed(engine, (packet) => eve.observe(packet));
    await readPacketFile(file, (packet) => feed.add(packet), {
      anomalies,
      record: feed.record,
    });
    feed.flush();
    engine.finish();
    eve.finish();
    writer.close();
    eveRecords = writer.lines;
    eveBytes = writer.bytesWritten;
    packets = engine.packets;
    alerts = engine.alerts().length;
  }
  const seconds = (performance.now() - started) / 1000;
  const after = await processCounters();
  return {
    stage,
    packets,
    seconds,
    cpuSeconds: after.cpuSeconds - before.cpuSeconds,
    peakRssBytes: await peakRssBytes(),
    minorFaults: after.minorFaults - before.minorFaults,
    alerts,
    anomalies: anomalies.total(),
    ...(stage === "eve" ? { eveRecords, eveBytes } : {}),
  };
}

if (import.meta.main) {
  const [file, stage = "engine"] = Deno.args;
  if (!file || !REPLAY_STAGES.includes(stage as ReplayStage)) {
    console.error(
      `usage: engine_replay.ts <capture file> [${REPLAY_STAGES.join("|")}]`,
    );
    Deno.exit(2);
  }
  const result = await measureReplay(file, stage as ReplayStage);
  console.log(JSON.stringify(result));
}
