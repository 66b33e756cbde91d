/**
 * Scaling under hostile cardinality: the same number of SYN-flood packets
 * from 1k, 10k, 100k and 1M distinct sources, each replay in a fresh
 * process so that its peak RSS is its own. Rounds (one run of every level)
 * let the orchestrator stop repeating when its time budget runs short.
 * Beside each run, a {@linkcode MemoryProbe} measures how slow memory
 * beyond the caches was just before and just after it.
 *
 * @module
 */

import type { ReplayMeasurement } from "./engine_replay.ts";
import type { MemoryProbe } from "./memory_probe.ts";
import { replayOnce } from "./replay_bench.ts";
import { writeSynFloodCapture } from "./synflood_capture.ts";

/** One cardinality level and its runs so far. */
export interface ScalingLevel {
  /** Distinct source addresses. */
  sources: number;
  packets: number;
  file: string;
  /** Each run's own measurement (engine stage). */
  measurements: ReplayMeasurement[];
  /** For each run, the mean of the memory probe's latency just before and just after it, ns (empty without a probe). */
  memoryLatencyNs: number[];
}

/** Writes one SYN-flood capture per level into `dir` (reusing `existing` files by source count). */
export async function prepareScaling(
  dir: string,
  packets: number,
  sourceCounts: number[],
  existing: Map<number, string>,
): Promise<ScalingLevel[]> {
  const levels: ScalingLevel[] = [];
  for (const sources of sourceCounts) {
    let file = existing.get(sources);
    if (file === undefined) {
      file = `${dir}/synflood_${sources}.pcap`;
      await writeSynFloodCapture(file, { packets, sources });
    }
    levels.push({
      sources,
      packets,
      file,
      measurements: [],
      memoryLatencyNs: [],
    });
  }
  return levels;
}

/** Runs every level once (engine stage, fresh process each) and appends the results, with `probe`'s latency around each run when given. */
export async function runScalingRound(
  levels: ScalingLevel[],
  log: (line: string) => void,
  probe?: MemoryProbe,
  timeoutMs = 300_000,
): Promise<void> {
  for (const level of levels) {
    const { measurement, memoryLatencyNs: memory } = await replayOnce(
      level.file,
      "engine",
      timeoutMs,
      probe,
    );
    if (measurement.packets !== level.packets) {
      throw new Error(
        `Scaling run at ${level.sources} sources saw ${measurement.packets} packets, expected ${level.packets}`,
      );
    }
    level.measurements.push(measurement);
    if (memory !== undefined) level.memoryLatencyNs.push(memory);
    log(
      `scaling ${level.sources} sources, run ${level.measurements.length}: ${
        Math.round(measurement.packets / measurement.seconds)
      } packets/s, peak RSS ${
        (measurement.peakRssBytes / 2 ** 20).toFixed(0)
      } MiB${
        memory === undefined ? "" : `, memory latency ${memory.toFixed(0)} ns`
      }`,
    );
  }
}
