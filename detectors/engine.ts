/**
 * The analysis engine: every packet goes through traffic stats, latency and
 * all detectors; findings go through the alert lifecycle. Deterministic and
 * driven by packet time, so replaying a capture twice gives identical stats
 * and alerts.
 *
 * Packets come in batches ({@linkcode AnalysisEngine.observeBatch}): each
 * analyzer runs over the whole batch before the next one starts, so its code
 * and tables stay in the caches for a few hundred packets instead of one
 * (measured in bench/findings.md). Findings are then handed to the alert
 * lifecycle in packet order, the lifecycle ticks where a packet crosses one,
 * and the caller's per-packet step runs after its packet's findings: the
 * alert events, and their order, are exactly those of analysing one packet
 * at a time.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import type { Alert, Finding } from "./alert.ts";
import {
  type AlertEvent,
  AlertLifecycle,
  type AlertLifecycleOptions,
  type AlertTally,
} from "./alert_lifecycle.ts";
import { createArpScanDetector } from "./arp_scan.ts";
import { createArpSpoofDetector } from "./arp_spoof.ts";
import { createNdpScanDetector } from "./ndp_scan.ts";
import { createRogueRouterDetector } from "./rogue_router.ts";
import { createDhcpSpoofDetector } from "./dhcp_spoof.ts";
import { createRogueDhcpDetector } from "./rogue_dhcp.ts";
import { createDhcpStarvationDetector } from "./dhcp_starvation.ts";
import { createIcmpTunnelDetector } from "./icmp_tunnel.ts";
import { createBruteForceDetector } from "./brute_force.ts";
import { createReflectionFloodDetector } from "./reflection_flood.ts";
import { createUdpFloodDetector } from "./udp_flood.ts";
import { createMacFloodDetector } from "./mac_flood.ts";
import { createNamePoisoningDetector } from "./name_poisoning.ts";
import { createNdpSpoofDetector } from "./ndp_spoof.ts";
import {
  createDataExfilDetector,
  type DataExfilOptions,
} from "./data_exfil.ts";
import {
  ALL_PACKET_KINDS,
  type Detector,
  packetKindsOf,
  type TableStats,
} from "./detector.ts";
import { createDnsPortMisuseDetector } from "./dns_port_misuse.ts";
import { createDnsTunnelDetector } from "./dns_tunnel.ts";
import { createIcmpFloodDetector } from "./icmp_flood.ts";
import { createIcmpSweepDetector } from "./icmp_sweep.ts";
import {
  LatencyAnalyzer,
  type LatencyAnalyzerOptions,
} from "./latency/latency_analyzer.ts";
import { createPortScanDetector } from "./port_scan.ts";
import { createSynFloodDetector } from "./syn_flood.ts";
import {
  TrafficStats,
  type TrafficStatsOptions,
} from "./stats/traffic_stats.ts";

type OptionsOf<F> = F extends (options?: infer O) => Detector ? O : never;

/** Engine configuration: detector thresholds, home network, alert lifecycle. */
export interface EngineConfig {
  /** Home network CIDRs (default RFC 1918 + ULA); used by data exfiltration. */
  homeNet?: string[];
  portScan?: OptionsOf<typeof createPortScanDetector>;
  synFlood?: OptionsOf<typeof createSynFloodDetector>;
  arpScan?: OptionsOf<typeof createArpScanDetector>;
  ndpScan?: OptionsOf<typeof createNdpScanDetector>;
  rogueRouter?: OptionsOf<typeof createRogueRouterDetector>;
  dhcpSpoof?: OptionsOf<typeof createDhcpSpoofDetector>;
  rogueDhcp?: OptionsOf<typeof createRogueDhcpDetector>;
  dhcpStarvation?: OptionsOf<typeof createDhcpStarvationDetector>;
  icmpTunnel?: OptionsOf<typeof createIcmpTunnelDetector>;
  bruteForce?: OptionsOf<typeof createBruteForceDetector>;
  reflectionFlood?: OptionsOf<typeof createReflectionFloodDetector>;
  udpFlood?: OptionsOf<typeof createUdpFloodDetector>;
  macFlood?: OptionsOf<typeof createMacFloodDetector>;
  namePoisoning?: OptionsOf<typeof createNamePoisoningDetector>;
  arpSpoof?: OptionsOf<typeof createArpSpoofDetector>;
  ndpSpoof?: OptionsOf<typeof createNdpSpoofDetector>;
  icmpFlood?: OptionsOf<typeof createIcmpFloodDetector>;
  icmpSweep?: OptionsOf<typeof createIcmpSweepDetector>;
  dnsTunnel?: OptionsOf<typeof createDnsTunnelDetector>;
  dnsPortMisuse?: OptionsOf<typeof createDnsPortMisuseDetector>;
  dataExfil?: Omit<DataExfilOptions, "homeNet">;
  lifecycle?: AlertLifecycleOptions;
  /** Latency windows, timeouts and the per-measurement hook. */
  latency?: LatencyAnalyzerOptions;
  /** Traffic statistics' windows and tables (the KPI getters are the engine's). */
  stats?: Omit<TrafficStatsOptions, "meanLatencyMs" | "alertCount">;
}

/** Builds every detector from `config`. */
export function createDetectors(config: EngineConfig = {}): Detector[] {
  return [
    createPortScanDetector(config.portScan),
    createSynFloodDetector(config.synFlood),
    createArpScanDetector(config.arpScan),
    createNdpScanDetector(config.ndpScan),
    createRogueRouterDetector(config.rogueRouter),
    createDhcpSpoofDetector(config.dhcpSpoof),
    createRogueDhcpDetector(config.rogueDhcp),
    createDhcpStarvationDetector(config.dhcpStarvation),
    createArpSpoofDetector(config.arpSpoof),
    createNdpSpoofDetector(config.ndpSpoof),
    createIcmpFloodDetector(config.icmpFlood),
    createReflectionFloodDetector(config.reflectionFlood),
    createUdpFloodDetector(config.udpFlood),
    createMacFloodDetector(config.macFlood),
    createIcmpTunnelDetector(config.icmpTunnel),
    createBruteForceDetector(config.bruteForce),
    createIcmpSweepDetector(config.icmpSweep),
    createDnsTunnelDetector(config.dnsTunnel),
    createDnsPortMisuseDetector(config.dnsPortMisuse),
    createNamePoisoningDetector(config.namePoisoning),
    createDataExfilDetector({
      ...config.dataExfil,
      ...(config.homeNet ? { homeNet: config.homeNet } : {}),
    }),
  ];
}

/** Packet time between lifecycle ticks (updates, releases), µs. */
const TICK_US = 1_000_000;

/** Most packets {@linkcode AnalysisEngine.observeBatch} takes at once (its scratch arrays' size). */
export const MAX_BATCH_PACKETS = 1_024;

/** Runs stats, latency and detectors over packets, and the alert lifecycle over findings. */
export class AnalysisEngine {
  /** Traffic statistics (protocol mix, timeline, top talkers). */
  readonly stats: TrafficStats;
  /** Latency measurements (DNS, TCP handshake, HTTP, TLS). */
  readonly latency: LatencyAnalyzer;
  readonly #detectors: Detector[];
  /** Each detector's packet kinds (`Detector.packetKinds`, all when absent). */
  readonly #detectorKinds: number[];
  readonly #lifecycle: AlertLifecycle;
  /** Collects a finding of the packet at {@linkcode AnalysisEngine.batchIndex}. */
  readonly #collect: (finding: Finding) => void;
  /** Findings of the part of a batch being analysed, with their packets' indices. */
  readonly #findings: Finding[] = [];
  readonly #findingIndices: number[] = [];
  /** Packet kinds of each packet of the batch. */
  readonly #kinds = new Int32Array(MAX_BATCH_PACKETS);
  /** The one-packet batch of {@linkcode AnalysisEngine.observe}. */
  readonly #single: PacketRecord[] = [];
  #index = 0;
  #packets = 0;
  #lastTimestampUs = 0;
  #nextTickUs = 0;

  /** `onAlert` receives every alert lifecycle event (engaged, updated, released). */
  constructor(
    config: EngineConfig = {},
    onAlert: (event: AlertEvent) => void = () => {},
  ) {
    this.latency = new LatencyAnalyzer(config.latency);
    // The KPIs read the latency mean and the alert count when a snapshot is taken.
    this.stats = new TrafficStats({
      ...config.stats,
      meanLatencyMs: () => this.latency.meanLatencyMs(),
      alertCount: () => this.#lifecycle.engagedCount,
    });
    this.#detectors = createDetectors(config);
    this.#detectorKinds = this.#detectors.map((detector) =>
      detector.packetKinds ?? ALL_PACKET_KINDS
    );
    this.#lifecycle = new AlertLifecycle(config.lifecycle, onAlert);
    this.#collect = (finding) => {
      this.#findings.push(finding);
      this.#findingIndices.push(this.#index);
    };
  }

  /** Feeds one packet through stats, latency and every detector (a batch of one). */
  observe(packet: PacketRecord): void {
    this.#single[0] = packet;
    this.observeBatch(this.#single, 1);
    this.#single[0] = undefined as unknown as PacketRecord; // keep no record
  }

  /**
   * Feeds `packets[0 … count)` (at most {@linkcode MAX_BATCH_PACKETS}) through
   * stats, latency and every detector, each over the whole batch, and hands
   * their findings to the alert lifecycle in packet order; `afterEach` runs
   * for each packet right after its findings (alert events included), as if
   * the packets had been observed one at a time. The records may be reused
   * once this returns.
   */
  observeBatch(
    packets: readonly PacketRecord[],
    count: number,
    afterEach?: (packet: PacketRecord, index: number) => void,
  ): void {
    if (count > MAX_BATCH_PACKETS) {
      throw new RangeError(
        `Cannot observe a batch of ${count} packets: at most ${MAX_BATCH_PACKETS}`,
      );
    }
    let start = 0;
    while (start < count) {
      // The lifecycle ticks before the findings of the packet that reaches
      // its next tick (after a quiet gap, alerts idle for longer than the
      // release time are released first, and this packet's findings then
      // reopen them within the suppression window): a batch is analysed in
      // parts that each begin at such a packet.
      const first = packets[start]!.timestampUs;
      if (first > this.#lastTimestampUs) this.#lastTimestampUs = first;
      if (first >= this.#nextTickUs) {
        this.#lifecycle.advance(first);
        this.#nextTickUs = first + TICK_US;
      }
      let end = start + 1;
      for (; end < count; end++) {
        const now = packets[end]!.timestampUs;
        if (now >= this.#nextTickUs) break;
        if (now > this.#lastTimestampUs) this.#lastTimestampUs = now;
      }
      this.#analyse(packets, start, end, afterEach);
      start = end;
    }
  }

  /** The index, in the batch being analysed, of the packet an analyzer is looking at (for hooks such as latency's `onMeasurement`). */
  get batchIndex(): number {
    return this.#index;
  }

  /** Runs every analyzer over `packets[start … end)`, then reports their findings in packet order. */
  #analyse(
    packets: readonly PacketRecord[],
    start: number,
    end: number,
    afterEach: ((packet: PacketRecord, index: number) => void) | undefined,
  ): void {
    // Findings start empty here, not after reporting: a batch whose
    // reporting threw (an `onAlert` or `afterEach` that failed) leaves none
    // behind whose indices would hold back these.
    this.#findings.length = 0;
    this.#findingIndices.length = 0;
    this.#packets += end - start;
    const stats = this.stats;
    for (let i = start; i < end; i++) stats.observe(packets[i]!);
    const latency = this.latency;
    for (let i = start; i < end; i++) {
      this.#index = i;
      latency.observe(packets[i]!);
    }
    const kinds = this.#kinds;
    let batchKinds = 0;
    for (let i = start; i < end; i++) {
      const packetKinds = packetKindsOf(packets[i]!);
      kinds[i] = packetKinds;
      batchKinds |= packetKinds;
    }
    const detectors = this.#detectors;
    for (let d = 0; d < detectors.length; d++) {
      const detector = detectors[d]!;
      // Only the packets of the kinds this detector looks at (none in most
      // batches for the ARP, neighbor discovery and DHCP detectors).
      const wanted = this.#detectorKinds[d]!;
      if ((batchKinds & wanted) === 0) continue;
      for (let i = start; i < end; i++) {
        if ((kinds[i]! & wanted) === 0) continue;
        this.#index = i;
        detector.observe(packets[i]!, this.#collect);
      }
    }
    this.#report(packets, start, end, afterEach);
  }

  /** Hands the collected findings to the lifecycle in packet order (each packet's in detector order), with `afterEach` after each packet's. */
  #report(
    packets: readonly PacketRecord[],
    start: number,
    end: number,
    afterEach: ((packet: PacketRecord, index: number) => void) | undefined,
  ): void {
    const findings = this.#findings;
    const indices = this.#findingIndices;
    const lifecycle = this.#lifecycle;
    let order: number[] | undefined;
    if (findings.length > 1) {
      // Collected detector by detector: a stable sort by packet restores
      // the order of one packet at a time.
      order = findings.map((_, k) => k);
      order.sort((a, b) => indices[a]! - indices[b]!);
    }
    let next = 0;
    for (let i = start; i < end; i++) {
      for (; next < findings.length; next++) {
        const k = order === undefined ? next : order[next]!;
        if (indices[k] !== i) break;
        lifecycle.report(findings[k]!);
      }
      afterEach?.(packets[i]!, i);
    }
  }

  /**
   * Ends the input: each detector makes the last finding of every incident
   * whose figures changed since its last one (`Detector.flush`, in
   * detector order), then every active alert is released at the last
   * packet time.
   */
  finish(): void {
    const nowUs = this.#lastTimestampUs;
    const lifecycle = this.#lifecycle;
    const report = (finding: Finding) => lifecycle.reportFinal(finding);
    for (const detector of this.#detectors) detector.flush?.(nowUs, report);
    lifecycle.releaseAll(nowUs);
  }

  /**
   * Moves packet time on to `nowUs` while no packet comes (a quiet live
   * link, timed by the wall clock): detectors make the findings that
   * waited for time to pass (`Detector.idle`), and the lifecycle sends due
   * updates and releases idle alerts, as a packet at `nowUs` would make it. A time not
   * past the last packet's, or before the next tick, changes nothing.
   */
  idle(nowUs: number): void {
    if (nowUs <= this.#lastTimestampUs || nowUs < this.#nextTickUs) return;
    const lifecycle = this.#lifecycle;
    const report = (finding: Finding) => lifecycle.report(finding);
    for (const detector of this.#detectors) detector.idle?.(nowUs, report);
    lifecycle.advance(nowUs);
    this.#nextTickUs = nowUs + TICK_US;
  }

  /** Packet time of the latest packet observed, µs (0 before any). */
  get lastPacketUs(): number {
    return this.#lastTimestampUs;
  }

  /** Packets observed. */
  get packets(): number {
    return this.#packets;
  }

  /** Every alert in the bounded history, oldest first. */
  alerts(): Alert[] {
    return this.#lifecycle.alerts();
  }

  /** Alerts engaged, also those the bounded history has forgotten, without copying any. */
  get alertCount(): number {
    return this.#lifecycle.engagedCount;
  }

  /** Counts of every alert engaged, also those the bounded history has forgotten. */
  alertTally(): AlertTally {
    return this.#lifecycle.tally();
  }

  /** Alerts not yet released. */
  activeAlerts(): Alert[] {
    return this.#lifecycle.activeAlerts();
  }

  /** Sizes and evictions of every bounded table, by "<owner>.<table>". */
  tables(): Record<string, TableStats> {
    const out: Record<string, TableStats> = {};
    const add = (owner: string, tables: Record<string, TableStats>) => {
      for (const [name, stats] of Object.entries(tables)) {
        out[`${owner}.${name}`] = stats;
      }
    };
    for (const detector of this.#detectors) {
      add(detector.name, detector.tables());
    }
    add("alerts", this.#lifecycle.tables());
    add("stats", this.stats.tables());
    add("latency", this.latency.tables());
    return out;
  }
}
