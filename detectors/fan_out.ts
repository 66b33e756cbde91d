/**
 * Fan-out: one source asking for many distinct targets within a sliding
 * window of packet time, the shape of ARP scans and ICMP sweeps. A detector
 * keeps one {@linkcode FanOut} per source and passes it every probe with
 * {@linkcode observeFanOut}, which says when to report.
 *
 * The probes live in a ring in order of probe (the oldest first), each
 * target's latest one found through a Map; a target probed again leaves a
 * dead entry behind. Expiry pops from the front and stops at the first
 * live one, and nothing is allocated per probe (the ring grows, or is
 * compacted, only when full). An incident
 * starts when the window holds `targetThreshold` distinct targets, dated
 * from its first probe (a few strays before a pause of twice the
 * threshold's pace are not counted in), and ends once the window has held
 * fewer for a whole window. Probes are counted per epoch:
 * a window of packet time that is not reset while an incident goes on.
 *
 * Memory: at most `maxTargets` targets per fan-out, in a ring of at most
 * twice that rounded up to a power of two (16 bytes an entry).
 *
 * @module
 */

import { formatIpv4, subnetOf } from "./addresses.ts";
import type { Severity } from "./alert.ts";
import {
  clearReportMark,
  isFinalReportDue,
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
  /** Target → position of its latest probe in the ring (see {@linkcode fanOutTargets} for the targets in order). */
  targets: Map<T, number>;
  /** The ring: target of each probe (undefined once the target is probed again or forgotten) and its packet time, µs, at position & (length − 1). */
  ringTargets: (T | undefined)[];
  ringTimes: Float64Array;
  /** Positions of the oldest entry and one past the newest (ever-growing counters). */
  head: number;
  tail: number;
  /** Probes counted since `epochStartUs`. */
  probes: number;
  /** Start of the probe-counting epoch, µs of packet time. */
  epochStartUs: number;
  /** Packet time of the last probe, µs (idle sources expire by it). */
  lastProbeUs: number;
  /** True from the first crossing until the window has held fewer than the threshold for a whole window. */
  active: boolean;
  /** Packet time of the first probe of the burst that started the incident (see {@linkcode burstStartTime}), µs. */
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
  /** The same span in µs, for a summary's {@linkcode elapsedText}. */
  durationUs: number;
  /** Distinct targets per second over that duration (one decimal); the target count when it took no time. */
  targetsPerSecond: number;
  /** {@linkcode fanOutSeverity} of the incident's targets. */
  severity: Severity;
}

/** A table of states that each hold a fan-out, as {@linkcode expireIdleFanOuts} needs it. */
interface FanOutTable<S> {
  expireOldest(isExpired: (state: S) => boolean): number;
}

/**
 * Removes from `table`, least recently used first, the states whose
 * fan-out saw no probe for `windowUs` of packet time, each after
 * `reportLast` made its last finding (a scan whose state leaves the table
 * while the capture goes on, as a detector's flush does at its end).
 */
export function expireIdleFanOuts<
  S extends { fanOut: { lastProbeUs: number } },
>(
  table: FanOutTable<S>,
  nowUs: number,
  windowUs: number,
  reportLast: (state: S) => void,
): void {
  table.expireOldest((state) => {
    if (nowUs - state.fanOut.lastProbeUs < windowUs) return false;
    reportLast(state);
    return true;
  });
}

/** A fan-out with no probes yet, created at packet time `nowUs`. */
export function newFanOut<T extends number | string>(nowUs: number): FanOut<T> {
  return {
    targets: new Map(),
    ringTargets: new Array<T | undefined>(INITIAL_RING).fill(undefined),
    ringTimes: new Float64Array(INITIAL_RING),
    head: 0,
    tail: 0,
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
  expireTargets(fanOut, nowUs - windowUs);
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

  const previous = targets.get(target);
  if (previous !== undefined) {
    fanOut.ringTargets[previous & (fanOut.ringTargets.length - 1)] = undefined;
  } else {
    if (targets.size >= limits.maxTargets) forgetOldest(fanOut);
    if (fanOut.active) fanOut.incidentTargets++;
    fanOut.lastGrowthUs = nowUs;
  }
  if (fanOut.tail - fanOut.head === fanOut.ringTargets.length) makeRoom(fanOut);
  const slot = fanOut.tail & (fanOut.ringTargets.length - 1);
  fanOut.ringTargets[slot] = target;
  fanOut.ringTimes[slot] = nowUs;
  targets.set(target, fanOut.tail++);
  if (targets.size < targetThreshold) return false;

  fanOut.lastAboveUs = nowUs;
  if (!fanOut.active) {
    fanOut.active = true;
    fanOut.startUs = burstStartTime(fanOut, limits);
    fanOut.incidentTargets = targets.size;
  }
  const count = fanOut.incidentTargets;
  if (!isGrowthReportDue(fanOut, count, nowUs, limits.reportIntervalUs)) {
    return false;
  }
  markReported(fanOut, count, nowUs);
  return true;
}

/**
 * At the end of the input: true when the fan-out's incident goes on and
 * changed since its last finding (new targets or more probes), which is
 * then counted as made at its last probe ({@linkcode FanOut.lastProbeUs});
 * the detectors date the finding at its last new target
 * ({@linkcode FanOut.lastGrowthUs}), as every finding of a sweep.
 */
export function finishFanOut<T extends number | string>(
  fanOut: FanOut<T>,
): boolean {
  if (!fanOut.active) return false;
  const count = fanOut.incidentTargets;
  if (!isFinalReportDue(fanOut, count, fanOut.lastProbeUs)) return false;
  markReported(fanOut, count, fanOut.lastProbeUs);
  return true;
}

/** Samples, subnets, pace and severity of a fan-out, for its finding. */
export function summarizeFanOut<T extends number | string>(
  fanOut: FanOut<T>,
  maxSamples: number,
): FanOutSummary {
  const sampleTargets: string[] = [];
  const subnets: string[] = [];
  for (const key of fanOutTargets(fanOut)) {
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
    durationUs,
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

/** The targets of `fanOut`, least recently probed first. */
export function fanOutTargets<T extends number | string>(
  fanOut: FanOut<T>,
): T[] {
  const targets: T[] = [];
  const mask = fanOut.ringTargets.length - 1;
  for (let position = fanOut.head; position < fanOut.tail; position++) {
    const target = fanOut.ringTargets[position & mask];
    if (target !== undefined) targets.push(target);
  }
  return targets;
}

/** Ring entries a fan-out starts with. */
const INITIAL_RING = 16;

/** Drops targets last probed at or before `cutoffUs` (the ring is in order of probe), and dead entries at the front. */
function expireTargets<T extends number | string>(
  fanOut: FanOut<T>,
  cutoffUs: number,
): void {
  const ring = fanOut.ringTargets;
  const mask = ring.length - 1;
  while (fanOut.head < fanOut.tail) {
    const slot = fanOut.head & mask;
    const target = ring[slot];
    if (target !== undefined) {
      if (fanOut.ringTimes[slot]! > cutoffUs) break;
      fanOut.targets.delete(target);
      ring[slot] = undefined;
    }
    fanOut.head++;
  }
}

/** Forgets the least recently probed target. */
function forgetOldest<T extends number | string>(fanOut: FanOut<T>): void {
  const ring = fanOut.ringTargets;
  const mask = ring.length - 1;
  while (fanOut.head < fanOut.tail) {
    const slot = fanOut.head++ & mask;
    const target = ring[slot];
    if (target !== undefined) {
      fanOut.targets.delete(target);
      ring[slot] = undefined;
      return;
    }
  }
}

/**
 * A pause between a source's distinct targets this many times the pace
 * that just reaches the threshold (`windowUs / targetThreshold`: 1.2 s for
 * 50 targets a minute, so 2.4 s) may end one burst of probes.
 */
const BURST_PAUSE_PACES = 2;

/** Targets before such a pause, as a share of the threshold, that are strays rather than an earlier part of the incident. */
const STRAY_SHARE = 0.1;

/**
 * Packet time of the incident's first probe. Walking back from the newest
 * live entry to the last pause of {@linkcode BURST_PAUSE_PACES} paces: when
 * fewer than {@linkcode STRAY_SHARE} of the threshold's targets lie before
 * it, they are the scanner's unrelated requests (its gateway, resolved 40 s
 * before a 1 s sweep, which would make the sweep's pace look 40 times
 * slower) and the incident starts after the pause; otherwise they are the
 * same incident's (a sweep that paused between host groups), which starts
 * at the oldest of them, so that its pace counts its targets over their
 * whole time.
 */
function burstStartTime<T extends number | string>(
  fanOut: FanOut<T>,
  limits: FanOutLimits,
): number {
  const pauseUs = limits.windowUs / limits.targetThreshold * BURST_PAUSE_PACES;
  const mask = fanOut.ringTargets.length - 1;
  // The newest entry is live: the probe that crossed the threshold.
  let burstUs = fanOut.ringTimes[(fanOut.tail - 1) & mask]!;
  let position = fanOut.tail - 2;
  for (; position >= fanOut.head; position--) {
    if (fanOut.ringTargets[position & mask] === undefined) continue;
    const atUs = fanOut.ringTimes[position & mask]!;
    if (burstUs - atUs > pauseUs) break;
    burstUs = atUs;
  }
  let before = 0;
  let oldestUs = burstUs;
  for (; position >= fanOut.head; position--) {
    if (fanOut.ringTargets[position & mask] === undefined) continue;
    before++;
    oldestUs = fanOut.ringTimes[position & mask]!;
  }
  return before < limits.targetThreshold * STRAY_SHARE ? burstUs : oldestUs;
}

/**
 * Frees a full ring's next entry: compacts the live entries when at most
 * half are live, else doubles the ring. The live entries never exceed
 * `maxTargets`, so the ring stops growing at twice that.
 */
function makeRoom<T extends number | string>(fanOut: FanOut<T>): void {
  const oldTargets = fanOut.ringTargets;
  const oldTimes = fanOut.ringTimes;
  const oldMask = oldTargets.length - 1;
  const length = fanOut.targets.size * 2 <= oldTargets.length
    ? oldTargets.length
    : oldTargets.length * 2;
  const ringTargets = new Array<T | undefined>(length).fill(undefined);
  const ringTimes = new Float64Array(length);
  let live = 0;
  for (let position = fanOut.head; position < fanOut.tail; position++) {
    const target = oldTargets[position & oldMask];
    if (target === undefined) continue;
    ringTargets[live] = target;
    ringTimes[live] = oldTimes[position & oldMask]!;
    fanOut.targets.set(target, live);
    live++;
  }
  fanOut.ringTargets = ringTargets;
  fanOut.ringTimes = ringTimes;
  fanOut.head = 0;
  fanOut.tail = live;
}
