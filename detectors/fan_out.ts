/**
 * Fan-out: one source asking for many distinct targets within a sliding
 * window of packet time, the shape of ARP scans and ICMP sweeps. A detector
 * keeps one {@linkcode FanOut} per source and passes it every probe with
 * {@linkcode observeFanOut}, which says when to report.
 *
 * The targets live in a Map in order of last probe (the oldest first), so
 * expiry pops from the front and stops at the first live one. An incident
 * starts when the window holds `targetThreshold` distinct targets and ends
 * once it has held fewer for a whole window. Probes are counted per epoch:
 * a window of packet time that is not reset while an incident goes on.
 *
 * Memory: at most `maxTargets` entries per fan-out.
 *
 * @module
 */

import { formatIpv4, subnetOf } from "./addresses.ts";
import type { Severity } from "./alert.ts";
import {
  clearReportMark,
  isGrowthReportDue,
  markReported,
  type ReportMark,
} from "./report_cadence.ts";

/** The limits of every fan-out of one detector, from its options. */
export interface FanOutLimits {
  /** Distinct targets within the window that make an incident. */
  targetThreshold: number;
  /** Sliding window length, µs of packet time. */
  windowUs: number;
  /** Distinct targets remembered (at least `targetThreshold`); beyond this the least recently probed is forgotten. */
  maxTargets: number;
  /** Packet time between repeated findings while the targets grow (unless they doubled), µs. */
  reportIntervalUs: number;
}

/**
 * One source's probes and the incident they make. `T` is the target key:
 * an IPv4 address as an unsigned 32-bit number, or address text. The
 * {@linkcode ReportMark} counts `incidentTargets`.
 */
export interface FanOut<T extends number | string> extends ReportMark {
  /** Target → packet time it was last probed, µs; least recently probed first. */
  targets: Map<T, number>;
  /** Probes counted since `epochStartUs`. */
  probes: number;
  /** Start of the probe-counting epoch, µs of packet time. */
  epochStartUs: number;
  /** Packet time of the last probe, µs (idle sources expire by it). */
  lastProbeUs: number;
  /** True from the first crossing until the window has held fewer than the threshold for a whole window. */
  active: boolean;
  /** Packet time the incident's oldest target was probed, µs. */
  startUs: number;
  /** Packet time the window last held at least the threshold, µs. */
  lastAboveUs: number;
  /** Packet time the last new target was added, µs. */
  lastGrowthUs: number;
  /** Distinct targets added since the incident started (counted again if forgotten and probed anew). */
  incidentTargets: number;
}

/** What a finding tells of a fan-out: samples of its targets and subnets, its pace and severity. */
export interface FanOutSummary {
  /** Distinct targets in the window. */
  distinctTargets: number;
  /** Up to `maxSamples` targets, least recently probed first. */
  sampleTargets: string[];
  /** Up to `maxSamples` distinct /24s (IPv4) or /64s (IPv6) of the targets. */
  subnets: string[];
  /** From the incident's first target to its last new one, s (one decimal). */
  durationSeconds: number;
  /** Distinct targets per second over that duration (one decimal); the target count when it took no time. */
  targetsPerSecond: number;
  /** {@linkcode fanOutSeverity} of the incident's targets. */
  severity: Severity;
}

/** A fan-out with no probes yet, created at packet time `nowUs`. */
export function newFanOut<T extends number | string>(nowUs: number): FanOut<T> {
  return {
    targets: new Map(),
    probes: 0,
    epochStartUs: nowUs,
    lastProbeUs: nowUs,
    active: false,
    startUs: nowUs,
    lastAboveUs: -Infinity,
    lastGrowthUs: nowUs,
    incidentTargets: 0,
    reportedCount: 0,
    lastReportUs: -Infinity,
  };
}

/**
 * Counts a probe of `target` at packet time `nowUs`. Returns true when a
 * finding is due: the threshold was first crossed, or the incident's
 * targets doubled, or grew after `reportIntervalUs` (the finding is then
 * counted as made).
 */
export function observeFanOut<T extends number | string>(
  fanOut: FanOut<T>,
  target: T,
  nowUs: number,
  limits: FanOutLimits,
): boolean {
  const { targetThreshold, windowUs } = limits;
  const targets = fanOut.targets;
  fanOut.lastProbeUs = nowUs;
  expireTargets(targets, nowUs - windowUs);
  if (
    fanOut.active && targets.size < targetThreshold &&
    nowUs - fanOut.lastAboveUs >= windowUs
  ) {
    fanOut.active = false; // the incident is over; a new one starts afresh
    clearReportMark(fanOut);
  }
  if (!fanOut.active && nowUs - fanOut.epochStartUs >= windowUs) {
    fanOut.probes = 0;
    fanOut.epochStartUs = nowUs;
  }
  fanOut.probes++;

  if (!targets.delete(target)) {
    if (targets.size >= limits.maxTargets) {
      const oldest = targets.keys().next();
      if (!oldest.done) targets.delete(oldest.value);
    }
    if (fanOut.active) fanOut.incidentTargets++;
    fanOut.lastGrowthUs = nowUs;
  }
  targets.set(target, nowUs);
  if (targets.size < targetThreshold) return false;

  fanOut.lastAboveUs = nowUs;
  if (!fanOut.active) {
    fanOut.active = true;
    const first = targets.values().next();
    fanOut.startUs = first.done ? nowUs : first.value;
    fanOut.incidentTargets = targets.size;
  }
  const count = fanOut.incidentTargets;
  if (!isGrowthReportDue(fanOut, count, nowUs, limits.reportIntervalUs)) {
    return false;
  }
  markReported(fanOut, count, nowUs);
  return true;
}

/** Samples, subnets, pace and severity of a fan-out, for its finding. */
export function summarizeFanOut<T extends number | string>(
  fanOut: FanOut<T>,
  maxSamples: number,
): FanOutSummary {
  const sampleTargets: string[] = [];
  const subnets: string[] = [];
  for (const key of fanOut.targets.keys()) {
    const target = targetText(key);
    if (sampleTargets.length < maxSamples) sampleTargets.push(target);
    const subnet = subnetOf(target);
    if (subnets.length < maxSamples && !subnets.includes(subnet)) {
      subnets.push(subnet);
    }
  }
  const distinctTargets = fanOut.targets.size;
  const durationUs = Math.max(fanOut.lastGrowthUs - fanOut.startUs, 0);
  return {
    distinctTargets,
    sampleTargets,
    subnets,
    durationSeconds: Math.round(durationUs / 1e5) / 10,
    targetsPerSecond: durationUs > 0
      ? Math.round(distinctTargets / (durationUs / 1e6) * 10) / 10
      : distinctTargets,
    severity: fanOutSeverity(fanOut.incidentTargets),
  };
}

/** Severity by how many distinct targets (or probes) an incident reached: low, medium from 100, high from 1 000. */
export function fanOutSeverity(count: number): Severity {
  if (count >= 1000) return "high";
  return count >= 100 ? "medium" : "low";
}

/** A target key as address text. */
function targetText(key: number | string): string {
  return typeof key === "number" ? formatIpv4(key) : key;
}

/** Drops targets last probed at or before `cutoffUs` (the map is in order of last probe). */
function expireTargets<T>(targets: Map<T, number>, cutoffUs: number): void {
  for (const [target, atUs] of targets) {
    if (atUs > cutoffUs) break;
    targets.delete(target);
  }
}
