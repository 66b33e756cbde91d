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
 * Limits: a scan slower than `targetThreshold` targets per `windowUs` (nmap
 * -T1) is not found; a router resolving the hosts of a subnet being swept from
 * outside looks like an ARP scan by the router; unicast ARP scans that fill in
 * the target MAC are ignored like cache polls.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import type { Finding, FindingSink, Severity } from "./alert.ts";
import { BoundedMap } from "./bounded_map.ts";
import type { Detector, TableStats } from "./detector.ts";

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
 *   sweep of one /24 is counted exactly) × about 50 B per remembered target,
 *   plus about 300 B per sender: about 53 MB in the worst case, reached only
 *   when 4 096 senders each probe 256 targets within one window.
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
interface SenderState {
  /** Sender IP, or sender MAC when it probes from 0.0.0.0. */
  key: string;
  senderMac: string;
  /** Target IPv4 (as an unsigned 32-bit number) → last asked, µs; least recently asked first. */
  targets: Map<number, number>;
  /** Requests counted since `epochStartUs`. */
  requests: number;
  epochStartUs: number;
  lastRequestUs: number;
  /** True from the first crossing until the window has held fewer than the threshold for a whole window. */
  scanning: boolean;
  scanStartUs: number;
  lastAboveUs: number;
  /** Packet time the scan's last new target was added, µs. */
  lastGrowthUs: number;
  /** Distinct targets added since the scan started (counted again if forgotten and asked anew). */
  scanTargets: number;
  /** `scanTargets` at the last finding (0: none yet) and its packet time. */
  reportedTargets: number;
  lastReportUs: number;
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
  for (
    const name of [
      "targetThreshold",
      "windowUs",
      "maxSenders",
      "maxTargetsPerSender",
      "reportIntervalUs",
    ] as const
  ) {
    if (!(config[name] > 0)) {
      throw new RangeError(
        `Cannot create ARP scan detector: ${name} must be positive, got ${
          config[name]
        }`,
      );
    }
  }
  if (maxTargetsPerSender < targetThreshold) {
    throw new RangeError(
      `Cannot create ARP scan detector: maxTargetsPerSender (${maxTargetsPerSender}) must be at least targetThreshold (${targetThreshold})`,
    );
  }

  const senders = new BoundedMap<string, SenderState>(config.maxSenders);
  let nextExpiryUs = -Infinity;

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
      senders.expireOldest((state) => nowUs - state.lastRequestUs >= windowUs);
      nextExpiryUs = nowUs + EXPIRY_INTERVAL_US;
    }
    let state = senders.get(key);
    if (state === undefined) {
      state = {
        key,
        senderMac: packet.arpSenderMac,
        targets: new Map(),
        requests: 0,
        epochStartUs: nowUs,
        lastRequestUs: nowUs,
        scanning: false,
        scanStartUs: nowUs,
        lastGrowthUs: nowUs,
        lastAboveUs: -Infinity,
        scanTargets: 0,
        reportedTargets: 0,
        lastReportUs: -Infinity,
      };
      senders.set(key, state);
    }
    state.lastRequestUs = nowUs;
    expireTargets(state.targets, nowUs - windowUs);
    if (
      state.scanning && state.targets.size < targetThreshold &&
      nowUs - state.lastAboveUs >= windowUs
    ) {
      state.scanning = false; // the scan is over; a new one starts afresh
      state.reportedTargets = 0;
      state.lastReportUs = -Infinity;
    }
    if (!state.scanning && nowUs - state.epochStartUs >= windowUs) {
      state.requests = 0;
      state.epochStartUs = nowUs;
    }
    state.requests++;

    const targets = state.targets;
    const known = targets.delete(target);
    if (!known) {
      if (targets.size >= maxTargetsPerSender) {
        const oldest = targets.keys().next();
        if (!oldest.done) targets.delete(oldest.value);
      }
      if (state.scanning) state.scanTargets++;
      state.lastGrowthUs = nowUs;
    }
    targets.set(target, nowUs);
    if (targets.size < targetThreshold) return;

    state.lastAboveUs = nowUs;
    if (!state.scanning) {
      state.scanning = true;
      state.scanStartUs = firstValue(targets, nowUs);
      state.scanTargets = targets.size;
    }
    const reported = state.reportedTargets;
    if (
      reported > 0 && state.scanTargets < 2 * reported &&
      (state.scanTargets <= reported ||
        nowUs - state.lastReportUs < reportIntervalUs)
    ) return;
    state.reportedTargets = state.scanTargets;
    state.lastReportUs = nowUs;
    report(findingOf(state, nowUs, config));
  }

  return {
    name: "arp_scan",
    observe,
    tables(): Record<string, TableStats> {
      return { senders: senders.stats() };
    },
  };
}

/** Drops targets last asked at or before `cutoffUs` (the map is in order of last request). */
function expireTargets(targets: Map<number, number>, cutoffUs: number): void {
  for (const [target, atUs] of targets) {
    if (atUs > cutoffUs) break;
    targets.delete(target);
  }
}

function firstValue(targets: Map<number, number>, fallback: number): number {
  const first = targets.values().next();
  return first.done ? fallback : first.value;
}

/** Parses a dotted-quad IPv4 address to an unsigned 32-bit number; -1 when it is not one. */
function parseIpv4(address: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < address.length; i++) {
    const code = address.charCodeAt(i);
    if (code === 46) {
      if (digits === 0 || part > 255) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (code >= 48 && code <= 57 && digits < 3) {
      part = part * 10 + (code - 48);
      digits++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return value * 256 + part;
}

function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${
    value & 255
  }`;
}

function severityOf(targets: number): Severity {
  if (targets >= 1000) return "high";
  return targets >= 100 ? "medium" : "low";
}

function findingOf(
  state: SenderState,
  nowUs: number,
  config: Required<ArpScanOptions>,
): Finding {
  const sampleTargets: string[] = [];
  const subnets: string[] = [];
  for (const target of state.targets.keys()) {
    if (sampleTargets.length < MAX_SAMPLES) {
      sampleTargets.push(formatIpv4(target));
    }
    const subnet = `${formatIpv4(target & 0xffffff00)}/24`;
    if (subnets.length < MAX_SAMPLES && !subnets.includes(subnet)) {
      subnets.push(subnet);
    }
  }
  const distinct = state.targets.size;
  const durationUs = Math.max(state.lastGrowthUs - state.scanStartUs, 0);
  const durationSeconds = Math.round(durationUs / 1e5) / 10;
  const ratePerSecond = durationUs > 0
    ? Math.round(distinct / (durationUs / 1e6) * 10) / 10
    : distinct;
  const windowSeconds = config.windowUs / 1e6;
  const where = subnets.length === 1 ? ` in ${subnets[0]}` : "";
  return {
    kind: "arp_scan",
    key: state.key,
    timestampUs: nowUs,
    severity: severityOf(state.scanTargets),
    attacker: state.key,
    victim: "",
    domain: "",
    summary:
      `${state.key} asked for ${distinct} distinct addresses${where} within ${durationSeconds} s (${state.requests} ARP requests): ARP scan`,
    evidence: {
      distinctTargets: distinct,
      scanTargets: state.scanTargets,
      requests: state.requests,
      senderMac: state.senderMac,
      subnets,
      sampleTargets,
      durationSeconds,
      targetsPerSecond: ratePerSecond,
      windowSeconds,
    },
  };
}
