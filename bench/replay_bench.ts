/**
 * Replay throughput: NetMirror's stages (pcap parse, decode, full engine),
 * each run in a fresh `deno run` of `engine_replay.ts`, and the same file
 * through `tcpdump -nn -r` and `tshark -n -r` to /dev/null, interleaved
 * round by round so that load from other processes hits every line alike
 * (and so that the caller can stop after any round when time runs short).
 *
 * @module
 */

import type { ReplayMeasurement, ReplayStage } from "./engine_replay.ts";
import type { MemoryProbe } from "./memory_probe.ts";
import { benchPath, productV8Flags, runCommand } from "./proc.ts";

/** Repeated timings of one command on one file. */
export interface Series {
  /** What ran, as shown in the report. */
  name: string;
  /** The command line (file shown as `<file>`). */
  command: string;
  /** Packets in the input. */
  packets: number;
  /** Wall-clock seconds of each run, from spawn to exit. */
  seconds: number[];
  /** For NetMirror stages: what each run measured itself (excludes process start-up). */
  measurements: ReplayMeasurement[];
  /** For NetMirror stages, with a memory probe: its latency just before and after each run, averaged, ns. */
  memoryLatencyNs: number[];
}

/** One line of a comparison: a NetMirror stage or an external tool. */
export type Contender =
  | { kind: "netmirror"; stage: ReplayStage }
  | {
    kind: "tool";
    name: string;
    cmd: string;
    args: (file: string) => string[];
  };

/** `tcpdump -nn -r file > /dev/null`. */
export const TCPDUMP: Contender = {
  kind: "tool",
  name: "tcpdump -nn -r",
  cmd: "tcpdump",
  args: (file) => ["-nn", "-r", file],
};

/** `tshark -n -r file > /dev/null`. */
export const TSHARK: Contender = {
  kind: "tool",
  name: "tshark -n -r",
  cmd: "tshark",
  args: (file) => ["-n", "-r", file],
};

const STAGE_NAMES: Record<ReplayStage, string> = {
  parse: "NetMirror: pcap parse only",
  decode: "NetMirror: parse + decode",
  floor:
    "Floor: parse + decode + 3 table lookups per packet (one flow, two hosts; no analysis)",
  engine: "NetMirror: full engine (decode + stats + latency + detectors)",
  steady:
    "NetMirror: full engine, steady state (the capture's second pass through one engine, time-shifted; the first pass untimed)",
  eve:
    "NetMirror: EVE records on top of the full engine (flow, dns, arp, alert, stats; written to /dev/null)",
};

/**
 * Runs one NetMirror stage on `file` in a fresh process; with `probe`, also
 * the mean of its memory latency just before and just after the run (this
 * process is idle meanwhile, so the probe never overlaps the replay).
 */
export async function replayOnce(
  file: string,
  stage: ReplayStage,
  timeoutMs: number,
  probe?: MemoryProbe,
): Promise<
  {
    seconds: number;
    measurement: ReplayMeasurement;
    memoryLatencyNs: number | undefined;
  }
> {
  const before = probe?.latencyNs();
  const result = await runCommand(Deno.execPath(), [
    "run",
    ...productV8Flags(),
    "--allow-read",
    "--allow-write=/dev/null",
    "--allow-run=cat",
    benchPath("engine_replay.ts"),
    file,
    stage,
  ], { timeoutMs });
  const after = probe?.latencyNs();
  const measurement = JSON.parse(result.stdout.trim()) as ReplayMeasurement;
  const memoryLatencyNs = before !== undefined && after !== undefined
    ? (before + after) / 2
    : undefined;
  return { seconds: result.seconds, measurement, memoryLatencyNs };
}

/** A comparison: contenders timed on one file, one round at a time. */
export class Comparison {
  /** One series per contender, in the order given. */
  readonly series: Series[];
  readonly #file: string;
  readonly #contenders: Contender[];
  readonly #log: (line: string) => void;
  readonly #timeoutMs: number;
  readonly #probe: MemoryProbe | undefined;

  /** Nothing runs until {@linkcode Comparison.round}; `probe` measures memory latency around each NetMirror run. */
  constructor(
    file: string,
    packets: number,
    contenders: Contender[],
    options: {
      log: (line: string) => void;
      timeoutMs?: number;
      probe?: MemoryProbe;
    },
  ) {
    this.#file = file;
    this.#contenders = contenders;
    this.#log = options.log;
    this.#timeoutMs = options.timeoutMs ?? 300_000;
    this.#probe = options.probe;
    this.series = contenders.map((c) => ({
      name: c.kind === "netmirror" ? STAGE_NAMES[c.stage] : c.name,
      command: c.kind === "netmirror"
        ? `deno run ${
          [...productV8Flags(), ""].join(" ")
        }--allow-read --allow-write=/dev/null --allow-run=cat bench/engine_replay.ts <file> ${c.stage}`
        : `${c.cmd} ${c.args("<file>").join(" ")} > /dev/null`,
      packets,
      seconds: [],
      measurements: [],
      memoryLatencyNs: [],
    }));
  }

  /** Runs every contender once, in order; resolves with the round's duration in seconds. */
  async round(): Promise<number> {
    const started = performance.now();
    for (let i = 0; i < this.#contenders.length; i++) {
      const contender = this.#contenders[i]!;
      const target = this.series[i]!;
      if (contender.kind === "netmirror") {
        const { seconds, measurement, memoryLatencyNs } = await replayOnce(
          this.#file,
          contender.stage,
          this.#timeoutMs,
          this.#probe,
        );
        if (memoryLatencyNs !== undefined) {
          target.memoryLatencyNs.push(memoryLatencyNs);
        }
        if (measurement.packets !== target.packets) {
          throw new Error(
            `${target.name} saw ${measurement.packets} packets, expected ${target.packets}`,
          );
        }
        target.seconds.push(seconds);
        target.measurements.push(measurement);
      } else {
        const result = await runCommand(
          contender.cmd,
          contender.args(this.#file),
          { timeoutMs: this.#timeoutMs, stdout: "null" },
        );
        target.seconds.push(result.seconds);
      }
      this.#log(
        `${target.name} (${target.packets} packets), run ${target.seconds.length}: ${
          target.seconds.at(-1)!.toFixed(2)
        } s`,
      );
    }
    return (performance.now() - started) / 1000;
  }

  /** The series of NetMirror's `stage` (which must be one of the contenders). */
  seriesOf(stage: ReplayStage): Series {
    const i = this.#contenders.findIndex((c) =>
      c.kind === "netmirror" && c.stage === stage
    );
    if (i < 0) throw new Error(`No ${stage} stage in this comparison`);
    return this.series[i]!;
  }

  /** Runs completed so far. */
  get rounds(): number {
    return this.series[0]?.seconds.length ?? 0;
  }
}
