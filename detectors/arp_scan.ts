/**
 * ARP scan detector: one sender asking for the MAC addresses of many distinct
 * IPv4 addresses within a sliding window of packet time (nmap -sn / -PR on a
 * LAN, arp-scan, netdiscover).
 *
 * A probe is an ARP request (operation 1) for a target IP other than the
 * sender's own. Not probes: gratuitous ARP and RFC 5227 announcements (target
 * IP = sender IP), requests for 0.0.0.0, and unicast polls whose target MAC is
 * already filled in (RFC 1122 §2.3.2.1 cache validation, Linux NUD probes: a
 * host re-checking a neighbour it already knows). RFC 5227 probes (sender IP
 * 0.0.0.0) count, keyed by the sender MAC, so a scanner hiding its IP is still
 * found. A host resolving its gateway and a few peers, a Windows LAN's
 * background ARP (a handful of targets per host) and a DHCP client's address
 * probes stay far below the threshold.
 *
 * Findings: key and attacker = the sender IP (the sender MAC when it probes
 * from 0.0.0.0); victim "" (a sweep has many targets; the /24s swept are in
 * the evidence). A finding is reported when the threshold is first crossed,
 * then again while the scan goes on whenever its distinct targets have
 * doubled, or at most every `reportIntervalUs` while they grow.
 *
 * Under more senders than the table holds, a new sender gets in only from
 * its second request and only if seen more often than the sender it would
 * evict (TinyLFU admission, as traffic stats use): spoofed one-request
 * senders cost a bit in the doorkeeper and cannot flush a scan out of the
 * table; a scan loses at most its first requests.
 *
 * Limits: a scan slower than `targetThreshold` targets per `windowUs` (nmap
 * -T1) is not found; a router resolving the hosts of a subnet being swept from
 * outside looks like an ARP scan by the router; unicast ARP scans that fill in
 * the target MAC are ignored like cache polls.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { parseIpv4 } from "./addresses.ts";
import type { Finding, FindingSink } from "./alert.ts";
import { BoundedMap } from "./bounded_map.ts";
import { type Detector, PACKET_KIND, type TableStats } from "./detector.ts";
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

/** Options of {@linkcode createArpScanDetector}. */
export interface ArpScanOptions {
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
 * Defaults of {@linkcode ArpScanOptions}.
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
export const ARP_SCAN_DEFAULTS = {
  targetThreshold: 50,
  windowUs: 60_000_000,
  maxSenders: 4_096,
  maxTargetsPerSender: 256,
  reportIntervalUs: 10_000_000,
} satisfies Required<ArpScanOptions>;

/** Samples of targets and subnets in a finding. */
const MAX_SAMPLES = 20;

/** Packet time between expiry sweeps of the sender table, µs. */
const EXPIRY_INTERVAL_US = 1_000_000;

const ARP_REQUEST = 1;
const ZERO_MAC = "00:00:00:00:00:00";
const BROADCAST_MAC = "ff:ff:ff:ff:ff:ff";

/** Per-sender state. */
interface SenderState extends AdmittedEntry {
  /** Sender IP, or sender MAC when it probes from 0.0.0.0. */
  key: string;
  senderMac: string;
  /** Target IPv4 addresses (unsigned 32-bit numbers) asked for; its probes are the ARP requests. */
  fanOut: FanOut<number>;
}

/**
 * Creates the ARP scan detector (kind "arp_scan"): one incident per sender
 * asking for many distinct IPv4 addresses.
 *
 * @example
 * ```ts
 * const detector = createArpScanDetector({ targetThreshold: 100 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createArpScanDetector(options: ArpScanOptions = {}): Detector {
  const config = { ...ARP_SCAN_DEFAULTS, ...options };
  const { targetThreshold, windowUs, maxTargetsPerSender, reportIntervalUs } =
    config;
  requirePositive("ARP scan detector", config, [
    "targetThreshold",
    "windowUs",
    "maxSenders",
    "maxTargetsPerSender",
    "reportIntervalUs",
  ]);
  if (maxTargetsPerSender < targetThreshold) {
    throw new RangeError(
      `Cannot create ARP scan detector: maxTargetsPerSender (${maxTargetsPerSender}) must be at least targetThreshold (${targetThreshold})`,
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
      report(findingOf(state, state.fanOut.lastGrowthUs, config));
    }
  }

  function observe(packet: PacketRecord, report: FindingSink): void {
    if (packet.network !== "arp" || packet.arpOperation !== ARP_REQUEST) return;
    const senderIp = packet.srcAddress;
    const targetIp = packet.dstAddress;
    if (targetIp === senderIp) return; // gratuitous ARP / announcement
    const target = parseIpv4(targetIp);
    if (target <= 0) return; // 0.0.0.0 or not IPv4
    const targetMac = packet.arpTargetMac;
    if (
      targetMac !== "" && targetMac !== ZERO_MAC && targetMac !== BROADCAST_MAC
    ) return; // unicast poll of a known neighbour
    const key = senderIp === "0.0.0.0" || senderIp === ""
      ? packet.arpSenderMac
      : senderIp;
    if (key === "") return;

    const nowUs = packet.timestampUs;
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
        hash,
        unsyncedHits: 0,
        unsyncedGeneration: 0,
        senderMac: packet.arpSenderMac,
        fanOut: newFanOut(nowUs),
      };
      senders.set(key, state);
    } else {
      admission.countHit(state);
    }
    if (observeFanOut(state.fanOut, target, nowUs, limits)) {
      // At its last new target: a finding that a repeated probe made due
      // (the scanner's routine re-ARP a minute later) is the sweep's.
      report(findingOf(state, state.fanOut.lastGrowthUs, config));
    }
  }

  return {
    name: "arp_scan",
    packetKinds: PACKET_KIND.ARP,
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
  config: Required<ArpScanOptions>,
): Finding {
  const { fanOut } = state;
  const summary = summarizeFanOut(fanOut, MAX_SAMPLES);
  const { distinctTargets, subnets, durationSeconds } = summary;
  const where = subnets.length === 1 ? ` in ${subnets[0]}` : "";
  return {
    kind: "arp_scan",
    key: state.key,
    timestampUs: nowUs,
    // The incident's first probe: the alert's first seen, and its slice's start.
    startUs: fanOut.startUs,
    severity: summary.severity,
    attacker: state.key,
    victim: "",
    domain: "",
    summary:
      `${state.key} asked for ${distinctTargets} distinct addresses${where} within ${durationSeconds} s (${fanOut.probes} ARP requests): ARP scan`,
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
