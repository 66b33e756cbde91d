/**
 * Scaling under hostile cardinality: the same number of SYN-flood packets
 * from 1k, 10k, 100k and 1M distinct sources, each replay in a fresh
 * process so that its peak RSS is its own. Rounds (one run of every level)
 * let the orchestrator stop repeating when its time budget runs short.
 *
 * @module
 */

import type { ReplayMeasurement } from "./engine_replay.ts";
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
    levels.push({ sources, packets, file, measurements: [] });
  }
  return levels;
}

/** Runs every level once (engine stage, fresh process each) and appends the results. */
export async function runScalingRound(
  levels: ScalingLevel[],
  log: (line: string) => void,
  timeoutMs = 300_000,
): Promise<void> {
  for (const level of levels) {
    const { measurement } = await replayOnce(level.file, "engine", timeoutMs);
    if (measurement.packets !== level.packets) {
      throw new Error(
        `Scaling run at ${level.sources} sources saw ${measurement.packets} packets, expected ${level.packets}`,
      );
    }
    level.measurements.push(measurement);
    log(
      `scaling ${level.sources} sources, run ${level.measurements.length}: ${
        Math.round(measurement.packets / measurement.seconds)
      } packets/s, peak RSS ${
        (measurement.peakRssBytes / 2 ** 20).toFixed(0)
      } MiB`,
    );
  }
}
