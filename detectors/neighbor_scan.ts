/**
 * The scan logic that the ARP (arp_scan.ts) and NDP (ndp_scan.ts) scan
 * detectors share: one sender asking for the MAC addresses of many distinct
 * addresses within a sliding window of packet time. Each detector decides
 * which of its requests are probes, and of what; this core counts them.
 *
 * Findings: key and attacker = the sender's address (its MAC when it probes
 * from the unspecified address); victim "" (a sweep has many targets; the
 * subnets swept are in the evidence). A finding is reported when the
 * threshold is first crossed, then again while the scan goes on whenever
 * its distinct targets have doubled, or at most every `reportIntervalUs`
 * while they grow.
 *
 * Under more senders than the table holds, a new sender gets in only from
 * its second request and only if seen more often than the sender it would
 * evict (TinyLFU admission, as traffic stats use): spoofed one-request
 * senders cost a bit in the doorkeeper and cannot flush a scan out of the
 * table; a scan loses at most its first requests.
 *
 * Limits: a scan slower than `targetThreshold` targets per `windowUs` (nmap
 * -T1) is not found.
 *
 * @module
 */

import type { AlertKind, Finding, FindingSink } from "./alert.ts";
import { BoundedMap } from "./bounded_map.ts";
import type { TableStats } from "./detector.ts";
import {
  expireIdleFanOuts,
  type FanOut,
  type FanOutLimits,
  finishFanOut,
  newFanOut,
  observeFanOut,
  summarizeFanOut,
} from "./fan_out.ts";
import { fnv1a } from "./hash.ts";
import { requirePositive } from "./option_checks.ts";
import { type AdmittedEntry, TableAdmission } from "./stats/table_admission.ts";

/** Options of {@linkcode createNeighborScanCore}: the ARP and NDP scan detectors' options. */
export interface NeighborScanOptions {
  /** Distinct target IPs asked for by one sender, within the window, that make a scan. */
  targetThreshold?: number;
  /** Sliding window length, µs of packet time. */
  windowUs?: number;
  /** Senders tracked at once; beyond this the least recently active is evicted. */
  maxSenders?: number;
  /** Distinct targets remembered per sender (at least `targetThreshold`); beyond this the oldest is forgotten. */
  maxTargetsPerSender?: number;
  /** Packet time between repeated findings of one scan while it grows (unless its targets doubled), µs. */
  reportIntervalUs?: number;
}

/**
 * Defaults of {@linkcode NeighborScanOptions}.
 *
 * - `targetThreshold` 50 distinct targets within `windowUs` 60 s: nmap -sn
 *   asks for a /24 in about 2 s (the nmap-vsn sample: 245 targets in 2.1 s),
 *   arp-scan --localnet in 1–2.5 s (its documentation: 256 hosts in 2.3 s,
 *   110 hosts/s), nmap -T2 (0.4 s between probes) passes 50 in 20 s; ordinary
 *   hosts, routers included, ask for at most a few targets a minute by
 *   broadcast in every sample capture (the most: 4).
 * - `maxSenders` 4 096 × `maxTargetsPerSender` 256 (a /24, so a two-pass
 *   sweep of one /24 is counted exactly) × about 62 B per remembered target
 *   (measured: its Map entry and its share of the fan-out's ring), plus
 *   about 300 B per sender: about 66 MB in the worst case, reached only
 *   when 4 096 senders each probe 256 targets within one window; plus the
 *   admission's 384 KiB.
 * - `reportIntervalUs` 10 s, the alert lifecycle's update interval.
 */
export const NEIGHBOR_SCAN_DEFAULTS: Readonly<Required<NeighborScanOptions>> =
  Object.freeze({
    targetThreshold: 50,
    windowUs: 60_000_000,
    maxSenders: 4_096,
    maxTargetsPerSender: 256,
    reportIntervalUs: 10_000_000,
  });

/** Samples of targets and subnets in a finding. */
const MAX_SAMPLES = 20;

/** Packet time between expiry sweeps of the sender table, µs. */
const EXPIRY_INTERVAL_US = 1_000_000;

/** Per-sender state. */
interface SenderState extends AdmittedEntry {
  /** The sender as its detector keys it: its IP (ARP) or MAC (NDP). */
  key: string;
  /** The sender's address in findings: its latest, or `key`. */
  address: string;
  senderMac: string;
  /** Target addresses asked for (IPv4 as unsigned 32-bit numbers, IPv6 as text); its probes are the requests. */
  fanOut: FanOut<number | string>;
}

/** What tells the ARP and NDP uses of the core apart. */
export interface NeighborScanProtocol {
  /** The alert kind. */
  kind: AlertKind;
  /** The protocol's name in findings and errors: "ARP", "NDP". */
  name: string;
  /** What its requests are called in findings: "ARP requests", "neighbor solicitations". */
  requests: string;
}

/** The scan logic shared by ARP and NDP, fed one request at a time. */
export interface NeighborScanCore {
  /**
   * Counts a request from the sender `key` (its address, or its MAC), at
   * `senderMac` and named `address` in findings, for `target`; calls
   * `report` when it makes or grows a scan.
   */
  observe(
    key: string,
    address: string,
    senderMac: string,
    target: number | string,
    nowUs: number,
    report: FindingSink,
  ): void;
  /** Sizes of the state tables, by table name. */
  tables(): Record<string, TableStats>;
  /** Ends the input: final findings of the ongoing scans. */
  flush(nowUs: number, report: FindingSink): void;
}

/** Creates the scan logic for `protocol`: one incident per sender asking for many distinct addresses (see arp_scan.ts and ndp_scan.ts). */
export function createNeighborScanCore(
  options: NeighborScanOptions,
  protocol: NeighborScanProtocol,
): NeighborScanCore {
  const config = { ...NEIGHBOR_SCAN_DEFAULTS, ...options };
  const { targetThreshold, windowUs, maxTargetsPerSender, reportIntervalUs } =
    config;
  requirePositive(`${protocol.name} scan detector`, config, [
    "targetThreshold",
    "windowUs",
    "maxSenders",
    "maxTargetsPerSender",
    "reportIntervalUs",
  ]);
  if (maxTargetsPerSender < targetThreshold) {
    throw new RangeError(
      `Cannot create ${protocol.name} scan detector: maxTargetsPerSender (${maxTargetsPerSender}) must be at least targetThreshold (${targetThreshold})`,
    );
  }
  const limits: FanOutLimits = {
    targetThreshold,
    windowUs,
    maxTargets: maxTargetsPerSender,
    reportIntervalUs,
  };

  const senders = new BoundedMap<string, SenderState>(config.maxSenders);
  // Admission into the full table, fed every request's sender.
  const admission = new TableAdmission();
  let nextExpiryUs = -Infinity;

  // Outside observe: a closure there capturing nowUs would make V8 allocate
  // a context for every packet (see bench/findings.md).
  function expire(nowUs: number, report: FindingSink): void {
    expireIdleFanOuts(
      senders,
      nowUs,
      windowUs,
      (state) => reportLast(state, report),
    );
  }

  /** The last finding of a scan whose figures changed since its last one. */
  function reportLast(state: SenderState, report: FindingSink): void {
    if (finishFanOut(state.fanOut)) {
      report(findingOf(state, state.fanOut.lastGrowthUs, config, protocol));
    }
  }

  function observe(
    key: string,
    address: string,
    senderMac: string,
    target: number | string,
    nowUs: number,
    report: FindingSink,
  ): void {
    if (nowUs >= nextExpiryUs) {
      expire(nowUs, report);
      nextExpiryUs = nowUs + EXPIRY_INTERVAL_US;
    }
    let state = senders.get(key);
    if (state === undefined) {
      const hash = fnv1a(key);
      if (admission.refuses(senders, hash)) return;
      state = {
        key,
        address,
        hash,
        unsyncedHits: 0,
        unsyncedGeneration: 0,
        senderMac,
        fanOut: newFanOut(nowUs),
      };
      senders.set(key, state);
    } else {
      admission.countHit(state);
      state.address = address;
    }
    if (observeFanOut(state.fanOut, target, nowUs, limits)) {
      // At its last new target: a finding that a repeated probe made due
      // (the scanner's routine re-ARP a minute later) is the sweep's.
      report(findingOf(state, state.fanOut.lastGrowthUs, config, protocol));
    }
  }

  return {
    observe,
    tables(): Record<string, TableStats> {
      return { senders: admission.stats(senders) };
    },
    flush(_nowUs: number, report: FindingSink): void {
      for (const state of senders.values()) reportLast(state, report);
    },
  };
}

function findingOf(
  state: SenderState,
  nowUs: number,
  config: Required<NeighborScanOptions>,
  protocol: NeighborScanProtocol,
): Finding {
  const { fanOut } = state;
  const summary = summarizeFanOut(fanOut, MAX_SAMPLES);
  const { distinctTargets, subnets, durationSeconds } = summary;
  const where = subnets.length === 1 ? ` in ${subnets[0]}` : "";
  return {
    kind: protocol.kind,
    key: state.key,
    timestampUs: nowUs,
    // The incident's first probe: the alert's first seen, and its slice's start.
    startUs: fanOut.startUs,
    severity: summary.severity,
    attacker: state.address,
    victim: "",
    domain: "",
    summary:
      `${state.address} asked for ${distinctTargets} distinct addresses${where} within ${durationSeconds} s (${fanOut.probes} ${protocol.requests}): ${protocol.name} scan`,
    evidence: {
      distinctTargets,
      scanTargets: fanOut.incidentTargets,
      requests: fanOut.probes,
      senderMac: state.senderMac,
      subnets,
      sampleTargets: summary.sampleTargets,
      durationSeconds,
      targetsPerSecond: summary.targetsPerSecond,
      windowSeconds: config.windowUs / 1e6,
    },
  };
}
