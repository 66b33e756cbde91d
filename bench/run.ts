/**
 * `deno task bench`: generates its inputs in a temporary directory, then
 * measures replay throughput (beside `tcpdump -nn -r` and `tshark -n -r`),
 * scaling with distinct sources, live capture on lo, SSE fan-out and a CPU
 * profile, within a time budget, and writes BENCHMARKS.md. Every child
 * process it starts is killed on the way out, also on Ctrl-C.
 *
 * Options: `--packets N` (mixed and flood captures, default 1000000),
 * `--compare-packets N` (prefix timed beside tcpdump/tshark, default
 * 200000), `--hosts N` (default 50000), `--runs N` (default 5; the
 * tracked lines, which have no target, get at most 3),
 * `--budget S` (seconds, default 560), `--output FILE`, `--quick` (small
 * inputs, one run: a smoke test of the harness, not numbers to publish).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { killAllCaptures, setExitOnSignal } from "../capture/child_registry.ts";
import {
  DEV_NULL_READER,
  PIPE_BASELINE,
  RING_READER,
  runLiveBench,
} from "./live_bench.ts";
import { describeMachine, loadAverage } from "./machine.ts";
import { writeMixedCapture } from "./mixed_capture.ts";
import {
  killAll,
  MissingToolError,
  requireTools,
  runCommand,
  taskCommand,
} from "./proc.ts";
import { runProfile } from "./profile_bench.ts";
import { Comparison, TCPDUMP, TSHARK } from "./replay_bench.ts";
import {
  type BenchResults,
  type InputFile,
  type LiveConfig,
  renderReport,
} from "./report.ts";
import { MemoryProbe } from "./memory_probe.ts";
import { prepareScaling, runScalingRound } from "./scaling_bench.ts";
import { runSseBench } from "./sse_bench.ts";
import { writeSynFloodCapture } from "./synflood_capture.ts";
import {
  DNS_RESOLVER,
  DNS_TUNNEL_DOMAIN,
  writeDnsCapture,
} from "./dns_capture.ts";
import { ARP_SCANNER, writeArpCapture } from "./arp_capture.ts";
import {
  BENCH_SCANNERS,
  DHCP_SERVER,
  IPV6_FLOOD_SOURCES,
  IPV6_FLOOD_VICTIM,
  SCAN_PORT,
  SCAN_SOURCES,
  SWEEP_NETWORK,
  SWEEP_SOURCE,
  writeDhcpStarvationCapture,
  writeHorizontalScanCapture,
  writeIcmpSweepCapture,
  writeIpv6SynFloodCapture,
} from "./attack_captures.ts";
import {
  VXLAN_BENCH_VNI,
  VXLAN_SENSOR,
  VXLAN_SOURCE,
  writeVxlanCapture,
} from "./vxlan_capture.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    packets: { type: "string", default: "1000000" },
    "compare-packets": { type: "string", default: "200000" },
    hosts: { type: "string", default: "50000" },
    runs: { type: "string", default: "5" },
    budget: { type: "string", default: "560" },
    output: { type: "string", default: "BENCHMARKS.md" },
    quick: { type: "boolean", default: false },
  },
});

const QUICK = values.quick === true;
const PACKETS = QUICK ? 20_000 : Number(values.packets);
const COMPARE_PACKETS = Math.min(
  PACKETS,
  QUICK ? 5_000 : Number(values["compare-packets"]),
);
const HOSTS = Number(values.hosts);
const RUNS = QUICK ? 1 : Number(values.runs);
/** Runs of the tracked lines (no target of their own): fewer, so that the targets' lines get all of theirs within the budget. */
const TRACKED_RUNS = Math.min(RUNS, 3);
const BUDGET_S = Number(values.budget);
const SCALING_SOURCES = [1_000, 10_000, 100_000, 1_000_000].filter((n) =>
  n <= PACKETS
);
/** The flood that the EVE comparison replays: the most sources there is. */
const EVE_FLOOD_SOURCES = SCALING_SOURCES.at(-1) ?? 1_000;
/** Hosts that answer the ARP storm's sweep. */
const ARP_HOSTS = 2_000;
const LIVE_RATES = QUICK ? [50_000] : [50_000, 100_000, 200_000];
const LIVE_SECONDS = QUICK ? 0.5 : 1.5;
const SSE_CLIENTS = QUICK ? 10 : 100;
/** Pairs of flat-out SSE runs (without, with clients): twice `RUNS`, as one pair varies by ±5 %. */
const SSE_PAIRS = 2 * RUNS;
/** The SSE target's replay rate (issue #7: "during a 200k pps replay"), packets/s. */
const SSE_PACED_PPS = 200_000;
/** Packets of the capture the server replays at that rate: 2 s of it. */
const SSE_PACED_PACKETS = QUICK ? 20_000 : 2 * SSE_PACED_PPS;
/** Seconds kept free for the profile's summary, the report and `deno fmt`. */
const MARGIN_S = 10;
/** The memory probe's buffer: 8 times the L2 cache, and beyond the TLB's reach with 4 KiB pages. */
const MEMORY_PROBE_BYTES = 16 * 2 ** 20;

/** A count with thousands separators. */
function int(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

const started = performance.now();
const startedAt = new Date();
const elapsedS = () => (performance.now() - started) / 1000;
const remainingS = () => BUDGET_S - elapsedS();
function log(line: string): void {
  console.error(`bench ${elapsedS().toFixed(0).padStart(4)} s: ${line}`);
}

/** What `deno task bench` runs (from deno.json), with this run's arguments. */
const command = `${taskCommand("bench")}${
  Deno.args.length ? " " + Deno.args.join(" ") : ""
}`;

const dir = await Deno.makeTempDir({ prefix: "netmirror-bench-" });
// This handler, not the capture registry's, ends the process on a signal:
// it kills the bench's own children and the live bench's tcpdump, then
// removes the inputs.
setExitOnSignal(false);
const onSignal = () => {
  killAll();
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch {
    // Best effort: the inputs are in the system's temporary directory.
  }
  void killAllCaptures().finally(() => Deno.exit(130));
};
Deno.addSignalListener("SIGINT", onSignal);
Deno.addSignalListener("SIGTERM", onSignal);

try {
  await requireTools(["tcpdump", "tshark", "curl", "cat"]);
  const machine = await describeMachine();
  const loadAverageStart = loadAverage();
  const notes: string[] = [];
  if (QUICK) {
    notes.push(
      "`--quick`: small inputs and one run each; a smoke test of the harness, not numbers to compare.",
    );
  }

  // Inputs.
  const inputs: InputFile[] = [];
  const generate = async (
    name: string,
    packets: number,
    description: string,
    write: (path: string) => Promise<number>,
  ): Promise<string> => {
    const path = `${dir}/${name}`;
    const t0 = performance.now();
    const bytes = await write(path);
    inputs.push({
      name,
      packets,
      bytes,
      description,
      seconds: (performance.now() - t0) / 1000,
    });
    log(`generated ${name} (${packets} packets, ${bytes} bytes)`);
    return path;
  };
  const mixedDescription =
    `TCP sessions with HTTP (60 % of conversations), DNS query + answer (25 %), ICMP echo (10 %), ARP (5 %) between ${
      HOSTS.toLocaleString("en-US")
    } clients in 10.0.0.0/8 and 5 servers; 20 µs apart; valid checksums; seed 1`;
  const mixed = await generate(
    "mixed.pcap",
    PACKETS,
    mixedDescription,
    (path) => writeMixedCapture(path, { packets: PACKETS, hosts: HOSTS }),
  );
  const prefix = await generate(
    "mixed_prefix.pcap",
    COMPARE_PACKETS,
    `the first ${
      COMPARE_PACKETS.toLocaleString("en-US")
    } packets of mixed.pcap (same generator and seed)`,
    (path) =>
      writeMixedCapture(path, { packets: COMPARE_PACKETS, hosts: HOSTS }),
  );
  const pacedFile = await generate(
    "mixed_200k_pps.pcap",
    SSE_PACED_PACKETS,
    `the mixed capture's first ${
      int(SSE_PACED_PACKETS)
    } packets (same generator and seed), ${
      1_000_000 / SSE_PACED_PPS
    } µs apart: ${int(SSE_PACED_PPS)} packets/s when replayed at capture speed`,
    (path) =>
      writeMixedCapture(path, {
        packets: SSE_PACED_PACKETS,
        hosts: HOSTS,
        gapUs: 1_000_000 / SSE_PACED_PPS,
      }),
  );
  const dnsFile = await generate(
    "dns.pcap",
    PACKETS,
    `DNS only: ${
      int(PACKETS / 2)
    } queries from 200 clients in 10.0.0.0/8 to ${DNS_RESOLVER}, each followed by its answer; 190 clients look up 20,000 ordinary names (A, AAAA, HTTPS), 10 tunnel (a 52-character base32 label and a sequence label under ${DNS_TUNNEL_DOMAIN}, TXT and NULL); 10 µs apart; seed 3`,
    (path) =>
      writeDnsCapture(path, {
        packets: PACKETS,
        clients: 200,
        tunnelClients: 10,
      }),
  );
  const arpFile = await generate(
    "arp.pcap",
    PACKETS,
    `ARP only: ${ARP_SCANNER} sweeps 10.0.0.0/16 with requests over and over (arp-scan, nmap -sn); the ${
      int(ARP_HOSTS)
    } hosts that exist answer it, and every fourth step one of them asks for its gateway and is answered; 5 µs apart`,
    (path) => writeArpCapture(path, { packets: PACKETS, hosts: ARP_HOSTS }),
  );
  const sweepFile = await generate(
    "icmp_sweep.pcap",
    PACKETS,
    `ICMP only: ${SWEEP_SOURCE} sends echo requests to every address of ${SWEEP_NETWORK} in turn, over and over (a new destination with each packet); 5 µs apart`,
    (path) => writeIcmpSweepCapture(path, { packets: PACKETS }),
  );
  const ipv6FloodFile = await generate(
    "synflood_ipv6.pcap",
    PACKETS,
    `spoofed-source SYN flood to [${IPV6_FLOOD_VICTIM}]:80 from ${
      int(PACKETS)
    } distinct IPv6 sources in ${IPV6_FLOOD_SOURCES}, 5 µs apart; seed 4`,
    (path) =>
      writeIpv6SynFloodCapture(path, { packets: PACKETS, sources: PACKETS }),
  );
  const hscanFile = await generate(
    "horizontal_scan.pcap",
    PACKETS,
    `${BENCH_SCANNERS} scanners in ${SCAN_SOURCES} send SYNs to port ${SCAN_PORT} of hosts in 11.0.0.0/8, each packet a host not probed before, nothing answering; 5 µs apart`,
    (path) =>
      writeHorizontalScanCapture(path, {
        packets: PACKETS,
        scanners: BENCH_SCANNERS,
      }),
  );
  const vxlanFile = await generate(
    "mixed_vxlan.pcap",
    PACKETS,
    `mixed.pcap with every frame inside VXLAN (UDP 4789, VNI ${VXLAN_BENCH_VNI}) from ${VXLAN_SOURCE} to ${VXLAN_SENSOR}, as traffic mirroring delivers it`,
    (path) => writeVxlanCapture(mixed, path),
  );
  const dhcpFile = await generate(
    "dhcp_starvation.pcap",
    PACKETS,
    `DHCP only: yersinia flat out, a discover from a new client MAC (its frame's too) and ${DHCP_SERVER}'s offer to it, in turn; 5 µs apart`,
    (path) => writeDhcpStarvationCapture(path, { packets: PACKETS }),
  );
  const floods = new Map<number, string>();
  for (const sources of SCALING_SOURCES) {
    floods.set(
      sources,
      await generate(
        `synflood_${sources}.pcap`,
        PACKETS,
        `spoofed-source SYN flood to 192.0.2.10:80 from ${
          sources.toLocaleString("en-US")
        } distinct sources (packet i from source i mod ${sources}), 5 µs apart; seed 2`,
        (path) => writeSynFloodCapture(path, { packets: PACKETS, sources }),
      ),
    );
  }

  // First pass: one run of everything that has a headline number. Extra
  // runs come afterwards, most important first, while the budget allows.
  const compare = new Comparison(prefix, COMPARE_PACKETS, [
    { kind: "netmirror", stage: "engine" },
    TCPDUMP,
    TSHARK,
  ], { log });
  const compareRoundS = await compare.round();
  const memoryProbe = new MemoryProbe(MEMORY_PROBE_BYTES);
  const full = new Comparison(mixed, PACKETS, [
    { kind: "netmirror", stage: "parse" },
    { kind: "netmirror", stage: "decode" },
    { kind: "netmirror", stage: "floor" },
    { kind: "netmirror", stage: "engine" },
    { kind: "netmirror", stage: "steady" },
    { kind: "netmirror", stage: "eve" },
  ], { log, probe: memoryProbe });
  const fullRoundS = await full.round();
  const dns = new Comparison(dnsFile, PACKETS, [
    { kind: "netmirror", stage: "engine" },
    TCPDUMP,
    TSHARK,
  ], { log });
  const dnsRoundS = await dns.round();
  // EVE under a spoofed flood: every packet a new flow, and a flow record.
  const eveFlood = new Comparison(floods.get(EVE_FLOOD_SOURCES)!, PACKETS, [
    { kind: "netmirror", stage: "engine" },
    { kind: "netmirror", stage: "eve" },
  ], { log });
  const eveFloodRoundS = await eveFlood.round();
  // An ARP storm: every frame goes to the ARP scan and spoofing detectors.
  const arp = new Comparison(arpFile, PACKETS, [
    { kind: "netmirror", stage: "engine" },
  ], { log });
  const arpRoundS = await arp.round();
  const sweep = new Comparison(sweepFile, PACKETS, [
    { kind: "netmirror", stage: "engine" },
  ], { log });
  const sweepRoundS = await sweep.round();
  const ipv6Flood = new Comparison(ipv6FloodFile, PACKETS, [
    { kind: "netmirror", stage: "engine" },
    { kind: "netmirror", stage: "eve" },
  ], { log });
  const ipv6FloodRoundS = await ipv6Flood.round();
  const hscan = new Comparison(hscanFile, PACKETS, [
    { kind: "netmirror", stage: "engine" },
  ], { log });
  const hscanRoundS = await hscan.round();
  const dhcp = new Comparison(dhcpFile, PACKETS, [
    { kind: "netmirror", stage: "engine" },
  ], { log });
  const dhcpRoundS = await dhcp.round();
  const vxlan = new Comparison(vxlanFile, PACKETS, [
    { kind: "netmirror", stage: "engine" },
  ], { log });
  const vxlanRoundS = await vxlan.round();
  // A profiled run costs about one engine run on the whole capture.
  const profileS = full.seriesOf("engine").seconds[0]! + 5;

  const scaling = await prepareScaling(dir, PACKETS, SCALING_SOURCES, floods);
  const scalingStarted = performance.now();
  await runScalingRound(scaling, log, memoryProbe);
  const scalingRoundS = (performance.now() - scalingStarted) / 1000;

  // Live capture on lo.
  let live: LiveConfig[] | string;
  try {
    const configs: LiveConfig[] = [];
    for (
      const config of [
        {
          name: "NetMirror's defaults",
          description:
            "snap length 9216 and a 64 MiB kernel buffer (`-B 65536`), what `netmirror capture -i lo` and live sessions use.",
          snapLength: undefined,
          ratesPps: LIVE_RATES,
        },
        {
          name: "snap length 262144",
          description:
            "the same with tcpdump's default snap length (`-s 262144`, NetMirror's before step 11): in immediate mode libpcap's ring has fixed slots sized for the snap length (capped near 64 KiB on lo and on interfaces with receive offload), so the same buffer holds about 1 000 packets instead of about 7 000.",
          snapLength: 262_144,
          // A comparison: at the top rate only, to keep within the budget.
          ratesPps: LIVE_RATES.slice(-1),
          readers: [DEV_NULL_READER, PIPE_BASELINE, RING_READER],
        },
      ]
    ) {
      configs.push({
        name: config.name,
        description: config.description,
        runs: await runLiveBench({
          ratesPps: config.ratesPps,
          secondsPerRun: LIVE_SECONDS,
          repeats: RUNS,
          port: 40_000 + (Deno.pid % 20_000),
          ...(config.snapLength ? { snapLength: config.snapLength } : {}),
          ...("readers" in config ? { readers: config.readers } : {}),
          log,
        }),
      });
    }
    live = configs;
  } catch (error) {
    if (error instanceof MissingToolError) throw error;
    live = (error as Error).message;
    log(`live: ${live}`);
  }

  // SSE fan-out through the real server: at capture speed as the issue
  // asks (the target), then flat out (tracked).
  // Keep room for the profile and the extra runs, which matter more.
  const anotherSsePair = (pairS: number) =>
    remainingS() - pairS >
      profileS +
        (RUNS - 1) * (compareRoundS + fullRoundS + scalingRoundS) +
        (TRACKED_RUNS - 1) *
          (dnsRoundS + eveFloodRoundS + arpRoundS + sweepRoundS +
            ipv6FloodRoundS + hscanRoundS + dhcpRoundS + vxlanRoundS) +
        MARGIN_S;
  const sseRun = async (
    name: string,
    file: string,
    realtime: boolean,
    pairs: number,
  ): Promise<BenchResults["sse"]> => {
    try {
      const dataDir = `${dir}/server-data`;
      const clientDir = `${dir}/sse-clients`;
      await Deno.mkdir(dataDir, { recursive: true });
      await Deno.mkdir(clientDir, { recursive: true });
      const result = await runSseBench({
        file,
        realtime,
        clients: SSE_CLIENTS,
        rounds: pairs,
        port: 20_000 + (Deno.pid % 20_000),
        dataDir,
        clientDir,
        replayTimeoutMs: 240_000,
        another: anotherSsePair,
        // Fewer pairs than this say little; the extra replay runs after
        // them are cut instead (the tracked lines' first).
        minRounds: Math.min(pairs, 3),
        log,
      });
      if (result.runs.length < pairs * 2) {
        notes.push(
          `${name}: ${
            result.runs.length / 2
          } pair(s) of runs instead of ${pairs}, to stay within the ${BUDGET_S} s budget.`,
        );
      }
      return result;
    } catch (error) {
      if (error instanceof MissingToolError) throw error;
      log(`sse: ${(error as Error).message}`);
      return (error as Error).message;
    }
  };
  const ssePaced = await sseRun(
    "SSE at capture speed",
    pacedFile,
    true,
    RUNS,
  );
  const sse = await sseRun("SSE flat out", mixed, false, SSE_PAIRS);

  // CPU profile of the full-engine replay.
  let profile: BenchResults["profile"];
  try {
    const profileDir = `${dir}/profile`;
    await Deno.mkdir(profileDir);
    profile = await runProfile(mixed, profileDir);
    log(
      `profile: top ${profile.selfTime[0]?.name} ${
        profile.selfTime[0]?.percent.toFixed(1)
      } %`,
    );
  } catch (error) {
    profile = (error as Error).message;
    log(`profile: ${profile}`);
  }

  // Extra runs while the budget allows: the lines with targets first
  // (`RUNS` each), then the tracked ones (`TRACKED_RUNS` each).
  const extra = async (
    what: string,
    wanted: number,
    roundS: number,
    done: () => number,
    round: () => Promise<unknown>,
  ) => {
    while (done() < wanted) {
      if (remainingS() < roundS * 1.2 + MARGIN_S) {
        notes.push(
          `${what}: ${done()} run(s) instead of ${wanted}, to stay within the ${BUDGET_S} s budget (one more takes about ${
            roundS.toFixed(0)
          } s).`,
        );
        return;
      }
      await round();
    }
  };
  await extra(
    "Side-by-side replay",
    RUNS,
    compareRoundS,
    () => compare.rounds,
    () => compare.round(),
  );
  await extra(
    "Replay of the whole mixed capture",
    RUNS,
    fullRoundS,
    () => full.rounds,
    () => full.round(),
  );
  await extra(
    "Scaling",
    RUNS,
    scalingRoundS,
    () => scaling[0]?.measurements.length ?? RUNS,
    () => runScalingRound(scaling, log, memoryProbe),
  );
  await extra(
    "DNS-heavy replay",
    TRACKED_RUNS,
    dnsRoundS,
    () => dns.rounds,
    () => dns.round(),
  );
  await extra(
    "EVE under a spoofed flood",
    TRACKED_RUNS,
    eveFloodRoundS,
    () => eveFlood.rounds,
    () => eveFlood.round(),
  );
  await extra(
    "ARP storm replay",
    TRACKED_RUNS,
    arpRoundS,
    () => arp.rounds,
    () => arp.round(),
  );
  await extra(
    "ICMP sweep replay",
    TRACKED_RUNS,
    sweepRoundS,
    () => sweep.rounds,
    () => sweep.round(),
  );
  await extra(
    "IPv6 flood replay",
    TRACKED_RUNS,
    ipv6FloodRoundS,
    () => ipv6Flood.rounds,
    () => ipv6Flood.round(),
  );
  await extra(
    "Horizontal scan replay",
    TRACKED_RUNS,
    hscanRoundS,
    () => hscan.rounds,
    () => hscan.round(),
  );
  await extra(
    "DHCP starvation replay",
    TRACKED_RUNS,
    dhcpRoundS,
    () => dhcp.rounds,
    () => dhcp.round(),
  );
  await extra(
    "VXLAN mirror replay",
    TRACKED_RUNS,
    vxlanRoundS,
    () => vxlan.rounds,
    () => vxlan.round(),
  );

  const findings = await Deno.readTextFile(
    new URL("./findings.md", import.meta.url),
  ).catch(() => "");
  const results: BenchResults = {
    command,
    startedAt,
    durationSeconds: elapsedS(),
    machine,
    loadAverageStart,
    loadAverageEnd: loadAverage(),
    inputs,
    compare: compare.series,
    full: full.series,
    dns: dns.series,
    eveFlood: eveFlood.series,
    arp: arp.series,
    sweep: sweep.series,
    ipv6Flood: ipv6Flood.series,
    hscan: hscan.series,
    dhcp: dhcp.series,
    vxlan: vxlan.series,
    scaling,
    live,
    ssePaced,
    sse,
    profile,
    findings,
    notes,
  };
  await Deno.writeTextFile(values.output!, renderReport(results));
  // Keep the report as `deno fmt --check` (part of `deno task check`) wants it.
  await runCommand(Deno.execPath(), ["fmt", "--quiet", values.output!], {
    timeoutMs: 60_000,
  }).catch((error) => log(`deno fmt ${values.output}: ${error.message}`));
  log(`wrote ${values.output} (${elapsedS().toFixed(0)} s in all)`);
} catch (error) {
  if (error instanceof MissingToolError) {
    console.error(`bench: ${error.message}`);
    Deno.exitCode = 1;
  } else {
    throw error;
  }
} finally {
  killAll();
  Deno.removeSignalListener("SIGINT", onSignal);
  Deno.removeSignalListener("SIGTERM", onSignal);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
