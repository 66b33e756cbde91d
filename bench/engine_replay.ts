/**
 * One timed replay of a capture file, run by the benchmarks in a fresh
 * `deno run` per measurement so that peak memory is this run's alone.
 * Prints one JSON line ({@linkcode ReplayMeasurement}) on stdout.
 *
 *   deno run --allow-read --allow-run=cat bench/engine_replay.ts <file> [parse|decode|engine]
 *
 * Stages: `parse` walks the pcap records; `decode` also decodes every
 * packet into one reused PacketRecord (as `netmirror read` does); `engine` also feeds each one to a fresh
 * `AnalysisEngine` (traffic stats, latency, every detector, alert lifecycle);
 * `eve` also builds every EVE record (flow, dns, arp, alert, stats) as
 * `--eve` does, and counts their bytes instead of writing them (the records'
 * cost without the disk's).
 *
 * @module
 */

import { AnomalyCounter } from "../capture/anomalies.ts";
import { readPacketFile, reusedRecord } from "../capture/packet_source.ts";
import { openCaptureSource, readCapture } from "../capture/read_capture.ts";
import { AnalysisEngine } from "../detectors/engine.ts";
import { EngineFeed } from "../detectors/engine_feed.ts";
import { EveLogger } from "../server/eve/eve_logger.ts";

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
  /** Alerts the engine raised (engine stage only). */
  alerts: number;
  /** Decode anomalies counted. */
  anomalies: number;
  /** EVE records built and their bytes (eve stage only). */
  eveRecords?: number;
  eveBytes?: number;
}

/** How much of the pipeline a replay runs. */
export type ReplayStage = "parse" | "decode" | "engine" | "eve";

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

/** CPU seconds this process has used (user + system, all threads). */
async function cpuSeconds(): Promise<number> {
  const stat = await procFile("stat");
  // Fields after the parenthesised command name; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
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
  const cpuBefore = await cpuSeconds();
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
    const eve = new EveLogger((line) => {
      eveRecords++;
      eveBytes += line.length + 1;
    });
    const engine = new AnalysisEngine({}, (event) => eve.alert(event));
    const feed = new EngineFeed(engine, (packet) => eve.observe(packet));
    await readPacketFile(file, (packet) => feed.add(packet), {
      anomalies,
      record: feed.record,
    });
    feed.flush();
    engine.finish();
    eve.finish();
    packets = engine.packets;
    alerts = engine.alerts().length;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = (await cpuSeconds()) - cpuBefore;
  return {
    stage,
    packets,
    seconds,
    cpuSeconds: cpu,
    peakRssBytes: await peakRssBytes(),
    alerts,
    anomalies: anomalies.total(),
    ...(stage === "eve" ? { eveRecords, eveBytes } : {}),
  };
}

if (import.meta.main) {
  const [file, stage = "engine"] = Deno.args;
  if (!file || !["parse", "decode", "engine", "eve"].includes(stage)) {
    console.error(
      "usage: engine_replay.ts <capture file> [parse|decode|engine|eve]",
    );
    Deno.exit(2);
  }
  const result = await measureReplay(file, stage as ReplayStage);
  console.log(JSON.stringify(result));
}
