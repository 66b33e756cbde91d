/**
 * Renders BENCHMARKS.md from what `run.ts` measured: machine, command,
 * headline numbers against the targets of issue #7, then every table.
 *
 * @module
 */

import { BENCH_SCANNERS } from "./attack_captures.ts";
import {
  DEV_NULL_READER,
  type LiveRun,
  PIPE_BASELINE,
  PIPE_READER,
  RING_READER,
} from "./live_bench.ts";
import type { MachineInfo } from "./machine.ts";
import type { ProfileResult } from "./profile_bench.ts";
import { median } from "./proc.ts";
import type { Series } from "./replay_bench.ts";
import type { ScalingLevel } from "./scaling_bench.ts";
import type { SseBenchResult, SseRun } from "./sse_bench.ts";

/** Speed and memory targets of issue #7 (they live only here and in BENCHMARKS.md). */
export const TARGETS = {
  /** Full-engine replay, packets/s on one core. */
  enginePps: 1_500_000,
  /** Engine rate over `tcpdump -nn -r` to /dev/null. */
  overTcpdump: 4,
  /** Engine rate over `tshark -n -r` to /dev/null. */
  overTshark: 30,
  /** Largest spread of packets/s across the scaling levels, as a fraction of the fastest. */
  scalingSpread: 0.2,
  /** Peak RSS at 1M distinct sources, bytes. */
  rssAt1MBytes: 200 * 2 ** 20,
  /** Replay slowdown with 100 SSE clients, fraction. */
  sseSlowdown: 0.1,
  /** Live rate with no loss attributable to NetMirror's reader, packets/s. */
  livePps: 200_000,
} as const;

/** A generated input file. */
export interface InputFile {
  name: string;
  packets: number;
  bytes: number;
  description: string;
  /** Time to generate it, s. */
  seconds: number;
}

/** One live-capture configuration and its runs. */
export interface LiveConfig {
  name: string;
  description: string;
  runs: LiveRun[];
}

/** Everything one `deno task bench` measured. */
export interface BenchResults {
  command: string;
  startedAt: Date;
  durationSeconds: number;
  machine: MachineInfo;
  loadAverageStart: number;
  loadAverageEnd: number;
  inputs: InputFile[];
  /** Every contender on the same prefix of the mixed capture. */
  compare: Series[];
  /** NetMirror's stages on the whole mixed capture. */
  full: Series[];
  /** Every contender on the DNS-only capture. */
  dns: Series[];
  /** The engine with and without EVE records, on the SYN flood from the most sources. */
  eveFlood: Series[];
  /** The engine on the ARP storm. */
  arp: Series[];
  /** The engine on the ICMP sweep. */
  sweep: Series[];
  /** The engine with and without EVE records on the IPv6 SYN flood. */
  ipv6Flood: Series[];
  /** The engine on the horizontal scan. */
  hscan: Series[];
  /** The engine on the DHCP starvation. */
  dhcp: Series[];
  /** The engine on the mixed capture inside VXLAN. */
  vxlan: Series[];
  scaling: ScalingLevel[];
  live: LiveConfig[] | string;
  /** SSE fan-out with the server replaying at 200k packets/s (the target). */
  ssePaced: SseBenchResult | string;
  /** SSE fan-out with the server replaying flat out (tracked). */
  sse: SseBenchResult | string;
  profile: ProfileResult | string;
  /** Hand-written findings (bench/findings.md), appended verbatim. */
  findings: string;
  /** What was cut short, and why. */
  notes: string[];
}

const MIB = 2 ** 20;

function int(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a";
}

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(0)} MiB`;
}

function ratio(n: number): string {
  return Number.isFinite(n) ? `${n.toFixed(2)}×` : "n/a";
}

function verdict(ok: boolean | undefined): string {
  return ok === undefined ? "not measured" : ok ? "**met**" : "**missed**";
}

function seriesPps(series: Series): number {
  return series.packets / median(series.seconds);
}

/** Packets/s from the runs' own timers (process start-up excluded). */
function innerPps(series: Series): number {
  return series.packets / median(series.measurements.map((m) => m.seconds));
}

function cpuPps(series: Series): number {
  return series.packets /
    median(series.measurements.map((m) => m.cpuSeconds));
}

function find(series: Series[], prefix: string): Series | undefined {
  return series.find((s) => s.name.startsWith(prefix));
}

function engineOf(series: Series[]): Series | undefined {
  return find(series, "NetMirror: full engine (");
}

function steadyOf(series: Series[]): Series | undefined {
  return find(series, "NetMirror: full engine, steady state");
}

function levelPps(level: ScalingLevel): number {
  return level.packets / median(level.measurements.map((m) => m.seconds));
}

function levelRss(level: ScalingLevel): number {
  return Math.max(...level.measurements.map((m) => m.peakRssBytes));
}

/** Datagrams sent but not decoded (for the baseline: not written by tcpdump). */
function lost(run: LiveRun): number {
  return run.sent - run.decoded;
}

/** Loss on a live run that NetMirror's reader adds over tcpdump piped to cat in the same repeat (same rate and settings, run just before). */
function readerLoss(runs: LiveRun[], run: LiveRun): number {
  const baseline = runs.find((r) =>
    r.reader === PIPE_BASELINE && r.targetPps === run.targetPps &&
    r.repeat === run.repeat
  );
  return baseline ? lost(run) - lost(baseline) : NaN;
}

/** The highest peak RSS over a series' runs. */
function peakRss(series: Series): string {
  return mib(Math.max(...series.measurements.map((m) => m.peakRssBytes)));
}

/** A tracked headline row of one input's full-engine replay (nothing when it was not measured): what (given the packet count), its rate, and `more` after it. */
function trackedRow(
  series: Series[],
  what: (packets: number) => string,
  more: (engine: Series) => string = () => "",
): string[] {
  const engine = engineOf(series);
  if (!engine) return [];
  return [
    `| Full-engine replay, ${what(engine.packets)} (one core) | ${
      int(innerPps(engine))
    } packets/s${more(engine)} | none (tracked) | — |`,
  ];
}

/** A replay section of one input: its title (given the packet count), what it shows, and its table; nothing when it was not measured. */
function replaySection(
  series: Series[],
  title: (packets: number) => string,
  text: string,
): string[] {
  const first = series[0];
  if (!first) return [];
  return [
    `### ${title(first.packets)}`,
    "",
    text,
    "",
    ...seriesTable(series, engineOf(series)),
    "",
  ];
}

/** The runs of one reader at one rate, in repeat order. */
function runsOf(
  runs: LiveRun[],
  reader: LiveRun["reader"],
  targetPps: number,
): LiveRun[] {
  return runs.filter((r) => r.reader === reader && r.targetPps === targetPps);
}

/** The headline row of one SSE series (nothing when it was not measured); `target` whether the verdict applies to it. */
function sseRow(
  result: SseBenchResult | string,
  how: string,
  target: boolean,
): string[] {
  if (typeof result === "string") return [];
  const without = result.runs.filter((r) => r.clients === 0);
  const withClients = result.runs.filter((r) => r.clients > 0);
  if (without.length === 0 || withClients.length === 0) return [];
  const rate = (runs: SseRun[]) =>
    median(runs.map((r) => r.packets / r.seconds));
  const cpu = (runs: SseRun[]) =>
    median(runs.map((r) => r.serverCpuSeconds)).toFixed(2);
  const slowdown = 1 - rate(withClients) / rate(without);
  return [
    `| Server replay ${how}, with ${
      withClients[0]!.clients
    } \`curl -N\` SSE clients vs none | ${
      slowdown >= 0
        ? `${(slowdown * 100).toFixed(1)} % slower`
        : `${(-slowdown * 100).toFixed(1)} % faster (noise)`
    } (${int(rate(withClients))} vs ${
      int(rate(without))
    } packets/s; server CPU ${cpu(withClients)} vs ${
      cpu(without)
    } s per replay, medians); server peak RSS ${
      mib(result.serverPeakRssBytes)
    } | ${
      target
        ? `≤ ${TARGETS.sseSlowdown * 100} % slower | ${
          verdict(slowdown <= TARGETS.sseSlowdown)
        }`
        : "none (tracked) | —"
    } |`,
  ];
}

function headline(results: BenchResults): string[] {
  const rows: string[] = [];
  const fullEngine = engineOf(results.full);
  const compareEngine = engineOf(results.compare);
  const tcpdump = find(results.compare, "tcpdump");
  const tshark = find(results.compare, "tshark");
  if (fullEngine) {
    const pps = innerPps(fullEngine);
    rows.push(
      `| Full-engine replay, mixed ${
        int(fullEngine.packets)
      } packets (one core) | ${int(pps)} packets/s (${
        int(cpuPps(fullEngine))
      } per CPU-second) | ≥ ${int(TARGETS.enginePps)} | ${
        verdict(pps >= TARGETS.enginePps)
      } (${(pps / TARGETS.enginePps * 100).toFixed(1)} % of target) |`,
    );
  }
  const steady = steadyOf(results.full);
  if (steady) {
    const pps = innerPps(steady);
    rows.push(
      `| The same, steady state: the capture's second pass through one engine (time-shifted), the first untimed | ${
        int(pps)
      } packets/s (${int(cpuPps(steady))} per CPU-second; ${
        (pps / TARGETS.enginePps * 100).toFixed(1)
      } % of ${int(TARGETS.enginePps)}) | none (tracked) | — |`,
    );
  }
  const floor = find(results.full, "Floor:");
  if (floor) {
    rows.push(
      `| Floor on the same capture: decode + 3 table lookups per packet (one flow, two hosts), no analysis | ${
        int(innerPps(floor))
      } packets/s | none (tracked) | — |`,
    );
  }
  if (compareEngine && tcpdump) {
    const r = seriesPps(compareEngine) / seriesPps(tcpdump);
    rows.push(
      `| Engine vs \`tcpdump -nn -r\` text, same ${
        int(compareEngine.packets)
      }-packet file, same run | ${ratio(r)} | ≥ ${TARGETS.overTcpdump}× | ${
        verdict(r >= TARGETS.overTcpdump)
      } |`,
    );
  }
  if (compareEngine && tshark) {
    const r = seriesPps(compareEngine) / seriesPps(tshark);
    rows.push(
      `| Engine vs \`tshark -n -r\`, same ${
        int(compareEngine.packets)
      }-packet file, same run | ${ratio(r)} | ≥ ${TARGETS.overTshark}× | ${
        verdict(r >= TARGETS.overTshark)
      } |`,
    );
  }
  const dnsEngine = engineOf(results.dns);
  const dnsTcpdump = find(results.dns, "tcpdump");
  const dnsTshark = find(results.dns, "tshark");
  if (dnsEngine && dnsTcpdump && dnsTshark) {
    rows.push(
      `| Full-engine replay, DNS only ${
        int(dnsEngine.packets)
      } packets (one core) | ${int(innerPps(dnsEngine))} packets/s; ${
        ratio(seriesPps(dnsEngine) / seriesPps(dnsTcpdump))
      } \`tcpdump -nn -r\`, ${
        ratio(seriesPps(dnsEngine) / seriesPps(dnsTshark))
      } \`tshark -n -r\` (same file, same run) | none (tracked) | — |`,
    );
  }
  const ipv6Eve = results.ipv6Flood.find((s) => s.name.includes("EVE"));
  rows.push(
    ...trackedRow(
      results.arp,
      (packets) => `ARP storm ${int(packets)} frames`,
    ),
    ...trackedRow(
      results.sweep,
      (packets) => `ICMP sweep ${int(packets)} packets`,
    ),
    ...trackedRow(
      results.ipv6Flood,
      (packets) =>
        `IPv6 SYN flood ${int(packets)} packets from as many sources`,
      (engine) =>
        `${
          ipv6Eve ? `; ${int(innerPps(ipv6Eve))} with EVE records` : ""
        }, peak RSS ${peakRss(engine)}`,
    ),
    ...trackedRow(
      results.hscan,
      (packets) =>
        `horizontal scan, ${
          int(packets)
        } SYNs from 50 scanners to as many hosts`,
      (engine) => `, peak RSS ${peakRss(engine)}`,
    ),
    ...trackedRow(
      results.dhcp,
      (packets) =>
        `DHCP starvation, ${
          int(packets)
        } packets (a new client MAC in each discover)`,
      (engine) => `, peak RSS ${peakRss(engine)}`,
    ),
    ...trackedRow(
      results.vxlan,
      (packets) =>
        `the mixed capture inside VXLAN, ${
          int(packets)
        } packets (a traffic mirror's feed)`,
    ),
  );
  const measured = results.scaling.filter((l) => l.measurements.length > 0);
  const million = measured.find((l) => l.sources >= 1_000_000);
  if (million) {
    rows.push(
      `| SYN flood, ${int(million.packets)} packets from ${
        int(million.sources)
      } sources | ${int(levelPps(million))} packets/s, peak RSS ${
        mib(levelRss(million))
      } | RSS ≤ ${mib(TARGETS.rssAt1MBytes)} | ${
        verdict(levelRss(million) <= TARGETS.rssAt1MBytes)
      } |`,
    );
  }
  if (measured.length > 1) {
    const pps = measured.map(levelPps);
    const spread = 1 - Math.min(...pps) / Math.max(...pps);
    rows.push(
      `| Scaling ${
        measured.map((l) => compact(l.sources)).join(" / ")
      } sources | ${pps.map(int).join(" / ")} packets/s (slowest ${
        (spread * 100).toFixed(1)
      } % below fastest) | flat within ${TARGETS.scalingSpread * 100} % | ${
        verdict(spread <= TARGETS.scalingSpread)
      } |`,
    );
  }
  if (typeof results.live !== "string") {
    // The target is about NetMirror's defaults (the first configuration);
    // the others are comparisons, in the live tables below.
    for (const config of results.live.slice(0, 1)) {
      const top = runsOf(config.runs, RING_READER, TARGETS.livePps);
      if (top.length === 0) {
        continue;
      }
      const losses = top.map((run) => readerLoss(config.runs, run));
      const loss = median(losses);
      const sent = median(top.map((r) => r.sent));
      const baselineLost = median(
        runsOf(config.runs, PIPE_BASELINE, TARGETS.livePps).map(lost),
      );
      const devNullLost = median(
        runsOf(config.runs, DEV_NULL_READER, TARGETS.livePps).map(lost),
      );
      const pipeRuns = runsOf(config.runs, PIPE_READER, TARGETS.livePps);
      const pipeBeyond = pipeRuns.length > 0
        ? `; the same source reading tcpdump's pipe (the default where /run/netmirror is no tmpfs, as on this machine): median ${
          int(median(pipeRuns.map((run) => readerLoss(config.runs, run))))
        } beyond`
        : "";
      rows.push(
        `| Live on lo at ${int(TARGETS.livePps)} packets/s asked (${
          int(median(top.map((r) => r.sentPps)))
        } sent, median), ${config.name}: loss added by NetMirror's reader (tcpdump's file ring, the default where /run/netmirror is a tmpfs) over tcpdump piped to \`cat\` run just before it | ${
          loss > 0
            ? `median ${int(loss)} of ${int(sent)} (${
              (loss / sent * 100).toFixed(1)
            } %)`
            : loss === 0
            ? `none in the median (0 of ${int(sent)})`
            : `none in the median (${int(-loss)} of ${
              int(sent)
            } fewer lost than tcpdump piped to cat)`
        } over ${top.length} pairs of runs (reader minus tcpdump piped to cat, per pair: ${
          losses.map(int).join(", ")
        }); tcpdump piped to cat lost a median ${
          int(baselineLost)
        }, tcpdump writing to /dev/null ${
          int(devNullLost)
        }${pipeBeyond} | no loss | ${verdict(loss <= 0)} |`,
      );
    }
  }
  rows.push(
    ...sseRow(results.ssePaced, "at capture speed, 200,000 packets/s", true),
    ...sseRow(results.sse, "flat out", false),
  );
  return [
    "| What | Measured | Target | |",
    "|---|---|---|---|",
    ...rows,
  ];
}

function compact(n: number): string {
  return n >= 1_000_000
    ? `${n / 1_000_000}M`
    : n >= 1000
    ? `${n / 1000}k`
    : `${n}`;
}

function seriesTable(
  series: Series[],
  reference: Series | undefined,
): string[] {
  const lines = [
    "| What | Wall s per run (spawn to exit) | Median packets/s | Own timer packets/s | Packets per CPU-second | Peak RSS | Page faults during the replay, median | Full-engine rate ÷ this rate |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const s of series) {
    const own = s.measurements.length > 0;
    // The steady stage's wall time includes its untimed first pass.
    const wallRate = s.measurements[0]?.stage !== "steady";
    lines.push(
      `| ${s.name} | ${s.seconds.map((x) => x.toFixed(2)).join(", ")} | ${
        wallRate ? int(seriesPps(s)) : "— (two passes)"
      } | ${own ? int(innerPps(s)) : "—"} | ${own ? int(cpuPps(s)) : "—"} | ${
        own ? mib(Math.max(...s.measurements.map((m) => m.peakRssBytes))) : "—"
      } | ${
        own ? int(median(s.measurements.map((m) => m.minorFaults))) : "—"
      } | ${
        reference && wallRate ? ratio(seriesPps(reference) / seriesPps(s)) : "—"
      } |`,
    );
  }
  for (const s of series) {
    if (s.memoryLatencyNs.length === 0) continue;
    lines.push(
      "",
      `Memory latency around each run of ${s.name} (ns per read, measured as in the scaling section): ${
        s.memoryLatencyNs.map((ns) => ns.toFixed(0)).join(", ")
      }.`,
    );
  }
  lines.push("", "Commands (`<file>` is the input):", "");
  for (const s of series) lines.push(`- ${s.name}: \`${s.command}\``);
  return lines;
}

/** One SSE series: its subsection, or why it was not measured. */
function sseSection(
  result: SseBenchResult | string,
  title: string,
  text: string,
): string[] {
  if (typeof result === "string") {
    return [`### ${title}`, "", `Not measured: ${result}`, ""];
  }
  return [
    `### ${title}`,
    "",
    text,
    "",
    "| SSE clients | Packets | Seconds | Packets/s | Server CPU s | Clients' CPU s during the replay (before it) | Max server RSS during replay | Bytes streamed to clients |",
    "|---|---|---|---|---|---|---|---|",
    ...result.runs.map((r) =>
      `| ${r.clients} | ${int(r.packets)} | ${r.seconds.toFixed(2)} | ${
        int(r.packets / r.seconds)
      } | ${r.serverCpuSeconds.toFixed(2)} | ${
        r.clientCpuSeconds.toFixed(2)
      } (${r.clientStartCpuSeconds.toFixed(2)}) | ${mib(r.maxRssBytes)} | ${
        int(r.streamBytes)
      } |`
    ),
    "",
    `Untimed replays before the first pair, without clients, flat out: ${
      result.warmUpPps.length > 0
        ? result.warmUpPps.map(int).join(", ") + " packets/s"
        : "none"
    }. Server RSS idle before the first replay: ${
      mib(result.serverIdleRssBytes)
    }; peak (VmHWM) over all runs: ${mib(result.serverPeakRssBytes)}.`,
    "",
  ];
}

function liveTables(live: LiveConfig[]): string[] {
  const lines: string[] = [];
  for (const config of live) {
    lines.push(
      `**${config.name}**: ${config.description}`,
      "",
      "| Rate asked | Reader | Runs | Sent per run | Sent/s, median | Received by filter, median | Kernel drops per run | Lost per run (sent − decoded) | Lost beyond tcpdump piped to cat, per run | Median lost beyond |",
      "|---|---|---|---|---|---|---|---|---|---|",
    );
    const rates = [...new Set(config.runs.map((r) => r.targetPps))];
    for (const rate of rates) {
      for (const reader of [...new Set(config.runs.map((r) => r.reader))]) {
        const runs = runsOf(config.runs, reader, rate);
        if (runs.length === 0) continue;
        const beyond = reader === PIPE_BASELINE || reader === DEV_NULL_READER
          ? undefined
          : runs.map((run) => readerLoss(config.runs, run));
        const list = (values: number[]) => values.map(int).join(", ");
        lines.push(
          `| ${int(rate)} | ${reader} | ${runs.length} | ${
            list([...new Set(runs.map((r) => r.sent))])
          } | ${int(median(runs.map((r) => r.sentPps)))} | ${
            int(median(runs.map((r) => r.receivedByFilter)))
          } | ${list(runs.map((r) => r.droppedByKernel))} | ${
            list(runs.map(lost))
          } | ${beyond ? list(beyond) : "—"} | ${
            beyond ? int(median(beyond)) : "—"
          } |`,
        );
      }
    }
    lines.push("");
  }
  return lines;
}

function profileTables(profile: ProfileResult): string[] {
  const row = (
    e: { name: string; location: string; ms: number; percent: number },
  ) =>
    `| ${e.name} | ${e.location || "V8"} | ${e.ms.toFixed(0)} | ${
      e.percent.toFixed(1)
    } % |`;
  return [
    `Profiled run: ${int(profile.measurement.packets)} packets in ${
      profile.measurement.seconds.toFixed(2)
    } s under the profiler (${
      int(profile.measurement.packets / profile.measurement.seconds)
    } packets/s); ${(profile.totalMs / 1000).toFixed(1)} s sampled.`,
    "",
    "Top functions by self time:",
    "",
    "| Function | Where | Self ms | Share |",
    "|---|---|---|---|",
    ...profile.selfTime.map(row),
    "",
    "Where the time inside the engine (`AnalysisEngine.#analyse`, each analyzer over a batch) goes (inclusive time of each callee):",
    "",
    "| Callee | Where | ms | Share of all samples |",
    "|---|---|---|---|",
    ...profile.engineSplit.map(row),
    "",
    "Self time spent inside the bounded tables (detectors/bounded_map.ts, numeric_key_map.ts, recency_list.ts: lookups, inserts, LRU upkeep), by the function that called into it:",
    "",
    "| Caller | Where | ms | Share of all samples |",
    "|---|---|---|---|",
    ...profile.mapCallers.map(row),
  ];
}

/** The whole of BENCHMARKS.md. */
export function renderReport(results: BenchResults): string {
  const m = results.machine;
  const lines: string[] = [
    "# NetMirror benchmarks",
    "",
    `Generated by \`deno task bench\` on ${results.startedAt.toISOString()} in ${
      results.durationSeconds.toFixed(0)
    } s. Every number below comes from that one run; ratios compare lines measured in the same run on the same file. Regenerate with the command below; do not edit by hand (hand-written findings live in \`bench/findings.md\`).`,
    "",
    "## Machine",
    "",
    `- CPU: ${m.cpuModel}, ${m.cores} logical cores${
      m.virtualised ? " (virtual machine)" : ""
    }; memory ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${m.os}, Linux ${m.kernel}`,
    `- Deno ${m.deno} (V8 ${m.v8}, TypeScript ${m.typescript})`,
    `- ${m.tcpdump}, ${m.libpcap}; ${m.tshark}; ${m.curl}`,
    `- 1-minute load average: ${
      results.loadAverageStart.toFixed(2)
    } at the start, ${
      results.loadAverageEnd.toFixed(2)
    } at the end (other work on this machine slows every line alike within a round, since lines are interleaved)`,
    "",
    "## Command",
    "",
    "```sh",
    "deno task bench",
    `# = ${results.command}`,
    "```",
    "",
    "## Headline numbers",
    "",
    ...headline(results),
    "",
  ];
  if (results.notes.length > 0) {
    lines.push(
      "Notes on this run:",
      "",
      ...results.notes.map((n) => `- ${n}`),
      "",
    );
  }
  lines.push(
    "## Inputs (generated by the bench in a temporary directory, deleted afterwards)",
    "",
    "| File | Packets | Size | Generated in | What |",
    "|---|---|---|---|---|",
    ...results.inputs.map((i) =>
      `| ${i.name} | ${int(i.packets)} | ${mib(i.bytes)} | ${
        i.seconds.toFixed(1)
      } s | ${i.description} |`
    ),
    "",
    "## Replay throughput",
    "",
    "Each NetMirror line runs in a fresh `deno run` per run (so peak RSS is that run's own). *Wall s* counts from spawn to exit for every line alike (process start-up included); *own timer* is the replay alone, from NetMirror's own clock; *per CPU-second* divides by the CPU time of the whole process (all threads, GC included); *page faults* are the minor faults (first touches of memory new to the process) during the replay, from /proc/<pid>/stat, each 10–15 µs on this kind of virtual machine (findings, step 16). Lines are interleaved round by round. Medians of the runs listed. On the mixed capture, the *floor* line decodes and makes three lookups per packet in bounded tables like the engine's (one flow, two hosts; `bench/lookup_floor.ts`) and nothing else: no analysis built on such tables can be faster. The *steady state* line replays the capture through one engine twice, every timestamp of the second pass moved past the first pass's last, and times the second pass alone: a sensor that has been running (code compiled, tables full, memory committed), where every other line times a process that starts cold.",
    "",
  );
  const compareFile = results.compare[0];
  if (compareFile) {
    lines.push(
      `### Side by side on the first ${
        int(compareFile.packets)
      } packets of the mixed capture`,
      "",
      "tcpdump and tshark print one text line per packet (to /dev/null); NetMirror decodes every layer and runs stats, latency and every detector. A prefix keeps tcpdump and tshark within the time budget: tcpdump 4.99 slows down as it meets more distinct addresses, even with -nn (its address-to-text cache has 4096 chains picked by the low 12 bits of the address as stored in memory, i.e. the first octet and half of the second, so every 10.0.x.x client lands on one chain; `perf` shows about 80 % of tcpdump's time walking it). Its rate on the whole file is lower still, so the ratios here flatter tcpdump.",
      "",
      ...seriesTable(results.compare, engineOf(results.compare)),
      "",
    );
  }
  if (results.full.length > 0) {
    lines.push(
      `### NetMirror on the whole mixed capture (${
        int(results.full[0]!.packets)
      } packets)`,
      "",
      ...seriesTable(results.full, engineOf(results.full)),
      "",
    );
  }
  lines.push(
    ...replaySection(
      results.dns,
      (packets) => `DNS only (${int(packets)} packets)`,
      "Every packet is a DNS query or its answer: the decoder reads each question's name, and the tunnel detector scores every query's subdomain. tcpdump meets only 201 addresses here, so its address cache is no handicap on this file, and it prints each name.",
    ),
    ...replaySection(
      results.eveFlood,
      (packets) =>
        `EVE records under a spoofed SYN flood (${
          int(packets)
        } packets: the scaling section's flood from the most sources)`,
      "What `--eve` adds to the engine when every packet is a new flow: each spoofed SYN becomes a flow that the full flow table (65,536 flows) soon evicts and logs (`reason: forced`), so every packet costs a flow record (about 530 bytes of JSON) and its Community ID. The records go through the product's writer to /dev/null, as with `--eve /dev/null`: encoded and written, with the disk's speed left out.",
    ),
    ...replaySection(
      results.sweep,
      (packets) => `ICMP sweep (${int(packets)} packets)`,
      "Every packet is an echo request from one host to the next address of a /16: the ICMP sweep detector counts each destination, and the ICMP flood detector meets a new victim with each packet.",
    ),
    ...replaySection(
      results.ipv6Flood,
      (packets) => `IPv6 SYN flood (${int(packets)} packets)`,
      "Every packet is a SYN from a new spoofed IPv6 source: each address is keyed from its words as it is decoded, data exfiltration checks it against the home network, and with EVE each SYN becomes a flow record with its Community ID.",
    ),
    ...replaySection(
      results.hscan,
      (packets) => `Horizontal scan (${int(packets)} packets)`,
      `Every packet is a SYN to a host not probed before, from one of ${BENCH_SCANNERS} scanners: the port scan detector remembers up to 200,000 probes and then replaces the oldest, and the SYN flood detector keeps an entry for each new host and port. The peak RSS here is what such churn costs beyond the live tables.`,
    ),
    ...replaySection(
      results.dhcp,
      (packets) => `DHCP starvation (${int(packets)} packets)`,
      "Every other packet is a discover from a new client MAC, the others the server's offers: the DHCP starvation detector keeps the last 200 client MACs of the minute per link, and the rogue DHCP server detector checks every offer against the link's server.",
    ),
    ...replaySection(
      results.vxlan,
      (packets) => `The mixed capture inside VXLAN (${int(packets)} packets)`,
      "Every frame of the mixed capture inside VXLAN, as AWS traffic mirroring delivers a network to a sensor: the decoder reads the carrier's Ethernet, IPv4 and UDP headers and the VXLAN header, notes the tunnel's endpoints, and decodes the frame inside in the carrier's place, so every analyzer sees what the mixed capture line sees. The difference between the two lines is the cost of opening the tunnel.",
    ),
    ...replaySection(
      results.arp,
      (packets) => `ARP storm (${int(packets)} frames)`,
      "Every frame is ARP, most of them one host's requests sweeping a /16: the ARP scan detector counts every request's target, the ARP spoofing detector checks every frame's claim and pairs each reply with its request.",
    ),
  );
  lines.push("## Scaling with distinct sources (SYN flood)", "");
  if (results.scaling.some((l) => l.measurements.length > 0)) {
    lines.push(
      "Full engine, fresh process per run; each input has the same packet count, packet i coming from source i mod N (spoofed 11.0.0.0/8 addresses, SYN to one web server). *Memory latency*: the bench's own process, idle while a replay runs, chases pointers through 16 MiB in a random order (one read per 64-byte line, each address the previous read's value: `bench/memory_probe.ts`) just before and just after each run; the column gives the mean of the two, in ns per read. It is how slow memory beyond the 2 MiB L2 cache and the TLB's reach was around that run, which on a shared virtual machine changes with the neighbours' load.",
      "",
      "| Distinct sources | Runs | Packets/s per run | Median packets/s | Memory latency around each run (ns) | Peak RSS per run | Alerts |",
      "|---|---|---|---|---|---|---|",
      ...results.scaling.filter((l) => l.measurements.length > 0).map((l) =>
        `| ${int(l.sources)} | ${l.measurements.length} | ${
          l.measurements.map((m) => int(m.packets / m.seconds)).join(", ")
        } | ${int(levelPps(l))} | ${
          l.memoryLatencyNs.length > 0
            ? l.memoryLatencyNs.map((ns) => ns.toFixed(0)).join(", ")
            : "—"
        } | ${l.measurements.map((m) => mib(m.peakRssBytes)).join(", ")} | ${
          l.measurements[0]!.alerts
        } |`
      ),
      "",
    );
  } else {
    lines.push("Not measured.", "");
  }
  lines.push("## Live capture on lo", "");
  if (typeof results.live === "string") {
    lines.push(`Not measured: ${results.live}`, "");
  } else {
    lines.push(
      "Bounded UDP traffic to 127.0.0.1 (64-byte payloads, 106-byte frames) from `bench/udp_sender.ts` (libc `sendmmsg` through FFI, its own process), captured with the filter `udp dst port <p>` and the same tcpdump arguments NetMirror uses (`-U --immediate-mode -s … -B …`) by: tcpdump writing to /dev/null; tcpdump writing into a pipe that `cat` drains (`-w -`, the baseline); NetMirror's tcpdump source (`capturePackets`: read + decode) reading tcpdump's pipe (*source (pipe)*: the default where /run/netmirror is no tmpfs, as on this machine, whose /run is on the root file system); the same source reading tcpdump's file ring (*source (ring)*: `-w /run/netmirror/ring-…/ring.pcap -C 2 -W 16 -v`, polled every 10 ms; the default where /run/netmirror is a tmpfs, as /run is on systemd hosts; here forced, on the root file system); and the ring source feeding the full engine. The baseline is the pipe, not /dev/null, because with `-U` tcpdump makes one write(2) per packet, and each write into a pipe whose reader waits for data wakes that reader: on a 2-core machine whose other core runs the sender, that costs tcpdump time and kernel drops that no reader of its pipe can avoid (findings, step 13); a write into a file wakes nobody (step 19). The verdict is about the ring source. On lo the kernel filter sees each datagram twice (out and in; libpcap discards the outgoing copy), so *received by filter* is about twice *sent*. Each rate is measured several times, the readers one after the other each time, as the machine's load drifts: *lost beyond tcpdump piped to cat* is a reader's loss minus the baseline's in the same repeat (run just before), the loss attributable to NetMirror's reader (negative when the baseline lost more), and the verdict takes its median. The sender shares the 2 cores with the capture, so it may fall short of the rate asked.",
      "",
      ...liveTables(results.live),
    );
  }
  lines.push(
    "## SSE fan-out",
    "",
    'The real server (`deno run … main.ts serve --idle --port <p> --data-dir <tmp>`) in its own process replays a capture (`POST /api/start {"mode":"replay","file":…}`: decode, engine, frame ring, session PCAP, SSE batches) in pairs of runs with no client and with `curl -N …/api/stream` clients connected (counted by the server\'s `netmirror_sse_clients`), after two untimed replays: a fresh server\'s first replays run slower (code not yet compiled, memory touched for the first time: findings, step 16), and the pairs alternate which run comes first, so that what is left of that drift favours neither. Rate = session packets / (stoppedMs − startedMs) from `GET /api/session`; RSS from /proc/<pid>/status (VmRSS sampled every 250 ms; VmHWM at the end); CPU time (user + system, all threads) from /proc/<pid>/stat: the server\'s from the start request to the end of the replay, the clients\' summed over all of them, during the replay (from the start request to its end) and, in brackets, before it (starting curl, connecting and the first events; curl takes about 10 ms of CPU to start here). The curl clients run on the same 2 cores.',
    "",
    ...sseSection(
      results.ssePaced,
      "At 200,000 packets/s (the target)",
      'As the issue asks: the server replays a capture of the mixed traffic whose packets are 5 µs apart at capture speed (`"realtime": true`), so at 200,000 packets/s when it keeps up. The rate falls below that only when the server falls behind; its CPU time shows what the clients cost it.',
    ),
    ...sseSection(
      results.sse,
      "Flat out (tracked)",
      "Stricter than the issue: the whole mixed capture as fast as the server can go, so the server has no idle time to absorb the clients' cost, and the clients' own CPU (curl on the same 2 cores) comes out of the server's.",
    ),
  );
  lines.push("## CPU profile of the full-engine replay", "");
  if (typeof results.profile === "string") {
    lines.push(`Not measured: ${results.profile}`, "");
  } else {
    lines.push(
      "`deno run --cpu-prof … bench/engine_replay.ts <mixed capture> engine`, summarised by `bench/profile_bench.ts`.",
      "",
      ...profileTables(results.profile),
      "",
    );
  }
  lines.push(results.findings.trim(), "");
  return lines.join("\n");
}
