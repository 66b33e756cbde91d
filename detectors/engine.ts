/**
 * The analysis engine: every packet goes through traffic stats, latency and
 * all detectors; findings go through the alert lifecycle. Deterministic and
 * driven by packet time, so replaying a capture twice gives identical stats
 * and alerts.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import type { Alert, Finding } from "./alert.ts";
import {
  type AlertEvent,
  AlertLifecycle,
  type AlertLifecycleOptions,
} from "./alert_lifecycle.ts";
import { createArpScanDetector } from "./arp_scan.ts";
import { createArpSpoofDetector } from "./arp_spoof.ts";
import {
  createDataExfilDetector,
  type DataExfilOptions,
} from "./data_exfil.ts";
import {
  type Detector,
  detectorsByKinds,
  packetKindsOf,
  type TableStats,
} from "./detector.ts";
import { createDnsTunnelDetector } from "./dns_tunnel.ts";
import { createIcmpFloodDetector } from "./icmp_flood.ts";
import { createIcmpSweepDetector } from "./icmp_sweep.ts";
import {
  LatencyAnalyzer,
  type LatencyAnalyzerOptions,
} from "./latency/latency_analyzer.ts";
import { createPortScanDetector } from "./port_scan.ts";
import { createSynFloodDetector } from "./syn_flood.ts";
import { TrafficStats } from "./stats/traffic_stats.ts";

type OptionsOf<F> = F extends (options?: infer O) => Detector ? O : never;

/** Engine configuration: detector thresholds, home network, alert lifecycle. */
export interface EngineConfig {
  /** Home network CIDRs (default RFC 1918 + ULA); used by data exfiltration. */
  homeNet?: string[];
  portScan?: OptionsOf<typeof createPortScanDetector>;
  synFlood?: OptionsOf<typeof createSynFloodDetector>;
  arpScan?: OptionsOf<typeof createArpScanDetector>;
  arpSpoof?: OptionsOf<typeof createArpSpoofDetector>;
  icmpFlood?: OptionsOf<typeof createIcmpFloodDetector>;
  icmpSweep?: OptionsOf<typeof createIcmpSweepDetector>;
  dnsTunnel?: OptionsOf<typeof createDnsTunnelDetector>;
  dataExfil?: Omit<DataExfilOptions, "homeNet">;
  lifecycle?: AlertLifecycleOptions;
  /** Latency windows, timeouts and the per-measurement hook. */
  latency?: LatencyAnalyzerOptions;
}

/** Builds every detector from `config`. */
export function createDetectors(config: EngineConfig = {}): Detector[] {
  return [
    createPortScanDetector(config.portScan),
    createSynFloodDetector(config.synFlood),
    createArpScanDetector(config.arpScan),
    createArpSpoofDetector(config.arpSpoof),
    createIcmpFloodDetector(config.icmpFlood),
    createIcmpSweepDetector(config.icmpSweep),
    createDnsTunnelDetector(config.dnsTunnel),
    createDataExfilDetector({
      ...config.dataExfil,
      ...(config.homeNet ? { homeNet: config.homeNet } : {}),
    }),
  ];
}

/** Packet time between lifecycle ticks (updates, releases), µs. */
const TICK_US = 1_000_000;

/** Runs stats, latency and detectors over packets, and the alert lifecycle over findings. */
export class AnalysisEngine {
  /** Traffic statistics (protocol mix, timeline, top talkers). */
  readonly stats: TrafficStats;
  /** Latency measurements (DNS, TCP handshake, HTTP, TLS). */
  readonly latency: LatencyAnalyzer;
  readonly #detectors: Detector[];
  /** {@linkcode detectorsByKinds} of the detectors. */
  readonly #detectorsByKinds: Detector[][];
  readonly #lifecycle: AlertLifecycle;
  readonly #report: (finding: Finding) => void;
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
      meanLatencyMs: () => this.latency.meanLatencyMs(),
      alertCount: () => this.#lifecycle.alertCount,
    });
    this.#detectors = createDetectors(config);
    this.#detectorsByKinds = detectorsByKinds(this.#detectors);
    this.#lifecycle = new AlertLifecycle(config.lifecycle, onAlert);
    this.#report = (finding) => this.#lifecycle.report(finding);
  }

  /** Feeds one packet through stats, latency and every detector. */
  observe(packet: PacketRecord): void {
    this.#packets++;
    const now = packet.timestampUs;
    if (now > this.#lastTimestampUs) this.#lastTimestampUs = now;
    // Advance the lifecycle first: after a quiet gap, alerts idle for longer
    // than the release time are released before this packet's findings
    // (which then reopen them within the suppression window).
    if (now >= this.#nextTickUs) {
      this.#lifecycle.advance(now);
      this.#nextTickUs = now + TICK_US;
    }
    this.stats.observe(packet);
    this.latency.observe(packet);
    // Only the detectors that look at this kind of packet.
    const detectors = this.#detectorsByKinds[packetKindsOf(packet)]!;
    for (let i = 0; i < detectors.length; i++) {
      detectors[i]!.observe(packet, this.#report);
    }
  }

  /** Ends the input: releases every active alert at the last packet time. */
  finish(): void {
    this.#lifecycle.releaseAll(this.#lastTimestampUs);
  }

  /** Packets observed. */
  get packets(): number {
    return this.#packets;
  }

  /** Every alert in the bounded history, oldest first. */
  alerts(): Alert[] {
    return this.#lifecycle.alerts();
  }

  /** Alerts in the bounded history (what `alerts()` returns), without copying them. */
  get alertCount(): number {
    return this.#lifecycle.alertCount;
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
