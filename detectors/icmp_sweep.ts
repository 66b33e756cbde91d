/**
 * ICMP sweep detector: one source sending ICMP probes to many distinct hosts
 * within a sliding window of packet time (ping sweeps: nmap -sn -PE/-PP/-PM,
 * fping -g, scapy loops).
 *
 * A probe is an ICMP echo request (type 8), timestamp request (13) or address
 * mask request (17), or an ICMPv6 echo request (128), to a unicast address.
 * Not probes: echo replies, ICMP errors (a traceroute's time-exceeded answers
 * come from many routers but answer one host's probes to one destination),
 * and requests to multicast or broadcast addresses (one packet to a group is
 * not a sweep; a flood of them is the ICMP flood detector's business).
 *
 * Findings: key and attacker = the source; victim "" (the swept /24s or /64s
 * are in the evidence). A finding is reported when the threshold is first
 * crossed, then again while the sweep goes on whenever its distinct targets
 * have doubled, or at most every `reportIntervalUs` while they grow.
 *
 * Under more sources than the table holds, a new source gets in only from
 * its second probe and only if seen more often than the source it would
 * evict (TinyLFU admission, as traffic stats use): spoofed one-packet
 * sources cost a bit in the doorkeeper and cannot flush a sweep out of the
 * table; a sweep loses at most its first probes.
 *
 * Limits: a sweep slower than `targetThreshold` hosts per `windowUs`, or one
 * spread over many sources, is not found; monitoring servers that ping
 * `targetThreshold` or more hosts a minute (Nagios, Zabbix, Smokeping) look
 * like sweeps and belong in the allowlist.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { isIpv4Key } from "../capture/decode/address_key.ts";
import { isGroupAddress, isUnspecifiedAddress } from "./addresses.ts";
import { elapsedText, type Finding, type FindingSink } from "./alert.ts";
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
import { hashKey, NumericKeyMap } from "./numeric_key_map.ts";
import { requirePositive } from "./option_checks.ts";
import { type AdmittedEntry, TableAdmission } from "./stats/table_admission.ts";

/** Options of {@linkcode createIcmpSweepDetector}. */
export interface IcmpSweepOptions {
  /** Distinct unicast hosts probed by one source, within the window, that make a sweep. */
  targetThreshold?: number;
  /** Sliding window length, µs of packet time. */
  windowUs?: number;
  /** Sources tracked at once; beyond this the least recently active is evicted. */
  maxSources?: number;
  /** Distinct targets remembered per source (at least `targetThreshold`); beyond this the oldest is forgotten. */
  maxTargetsPerSource?: number;
  /** Packet time between repeated findings of one sweep while it grows (unless its targets doubled), µs. */
  reportIntervalUs?: number;
}

/**
 * Defaults of {@linkcode IcmpSweepOptions}.
 *
 * - `targetThreshold` 50 distinct hosts within `windowUs` 60 s: a scripted
 *   sweep of a /24 runs at 100+ hosts/s (the hs-icmpScan sample: 256 hosts in
 *   2.2 s), nmap -sn with -T2 passes 50 hosts in 20 s; Snort's old icmpscan
 *   preprocessor example (12 ICMP packets from one source in 15 s) is far
 *   more sensitive but counted repeated pings to one host too. A ping, a
 *   traceroute or a host checking a few peers reaches 1–5 hosts.
 * - `maxSources` 4 096 × `maxTargetsPerSource` 256 (a /24, so a two-pass
 *   sweep of one /24 is counted exactly) × about 62 B per remembered IPv4
 *   target (measured: its Map entry and its share of the fan-out's ring;
 *   about 120 B for IPv6, kept as text), plus about 300 B per source: about
 *   66 MB in the worst case for IPv4 and 130 MB for IPv6, reached only
 *   when 4 096 sources each probe 256 hosts within one window; plus the
 *   admission's 384 KiB.
 * - `reportIntervalUs` 10 s, the alert lifecycle's update interval.
 */
export const ICMP_SWEEP_DEFAULTS = {
  targetThreshold: 50,
  windowUs: 60_000_000,
  maxSources: 4_096,
  maxTargetsPerSource: 256,
  reportIntervalUs: 10_000_000,
} satisfies Required<IcmpSweepOptions>;

/** Samples of targets and subnets in a finding. */
const MAX_SAMPLES = 20;

/** Packet time between expiry sweeps of the source table, µs. */
const EXPIRY_INTERVAL_US = 1_000_000;

/** ICMP echo, timestamp and address mask requests (RFC 792, RFC 950). */
const ICMP_ECHO_REQUEST = 8;
const ICMP_TIMESTAMP_REQUEST = 13;
const ICMP_MASK_REQUEST = 17;
/** ICMPv6 echo request (RFC 4443). */
const ICMPV6_ECHO_REQUEST = 128;

/** Per-source state. */
interface SourceState extends AdmittedEntry {
  source: string;
  /** Probe kinds seen, by name ("echo", "timestamp", "mask"). */
  kinds: string[];
  /** Targets probed: IPv4 as unsigned 32-bit numbers, IPv6 as text. */
  fanOut: FanOut<number | string>;
}

/**
 * Creates the ICMP sweep detector (kind "icmp_sweep"): one incident per
 * source probing many distinct hosts with ICMP requests.
 *
 * @example
 * ```ts
 * const detector = createIcmpSweepDetector({ targetThreshold: 100 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createIcmpSweepDetector(
  options: IcmpSweepOptions = {},
): Detector {
  const config = { ...ICMP_SWEEP_DEFAULTS, ...options };
  const { targetThreshold, windowUs, maxTargetsPerSource, reportIntervalUs } =
    config;
  requirePositive("ICMP sweep detector", config, [
    "targetThreshold",
    "windowUs",
    "maxSources",
    "maxTargetsPerSource",
    "reportIntervalUs",
  ]);
  if (maxTargetsPerSource < targetThreshold) {
    throw new RangeError(
      `Cannot create ICMP sweep detector: maxTargetsPerSource (${maxTargetsPerSource}) must be at least targetThreshold (${targetThreshold})`,
    );
  }

  const limits: FanOutLimits = {
    targetThreshold,
    windowUs,
    maxTargets: maxTargetsPerSource,
    reportIntervalUs,
  };

  // Keyed by the source's address key.
  const sources = new NumericKeyMap<SourceState>(config.maxSources);
  // Admission into the full table, fed every probe's source.
  const admission = new TableAdmission();
  let nextExpiryUs = -Infinity;

  // Outside observe: a closure there capturing nowUs would make V8 allocate
  // a context for every packet (see bench/findings.md).
  function expire(nowUs: number, report: FindingSink): void {
    expireIdleFanOuts(
      sources,
      nowUs,
      windowUs,
      (state) => reportLast(state, report),
    );
  }

  /** The last finding of a scan whose figures changed since its last one. */
  function reportLast(state: SourceState, report: FindingSink): void {
    if (finishFanOut(state.fanOut)) {
      report(findingOf(state, state.fanOut.lastGrowthUs, config));
    }
  }

  function observe(packet: PacketRecord, report: FindingSink): void {
    const kind = probeKind(packet);
    if (kind === "") return;
    const src = packet.srcAddress;
    const dst = packet.dstAddress;
    if (
      src === "" || dst === "" || isGroupAddress(dst) ||
      isUnspecifiedAddress(dst)
    ) return;

    const nowUs = packet.timestampUs;
    if (nowUs >= nextExpiryUs) {
      expire(nowUs, report);
      nextExpiryUs = nowUs + EXPIRY_INTERVAL_US;
    }
    const srcKey = packet.srcAddressKey;
    const hash = hashKey(srcKey, 0, 0);
    let state = sources.get(srcKey, 0, 0, hash);
    if (state === undefined) {
      if (admission.refuses(sources, hash)) return;
      state = {
        source: src,
        hash,
        unsyncedHits: 0,
        unsyncedGeneration: 0,
        kinds: [],
        fanOut: newFanOut(nowUs),
      };
      sources.add(srcKey, 0, 0, state, hash);
    } else {
      admission.countHit(state);
    }
    if (!state.kinds.includes(kind)) state.kinds.push(kind);
    // IPv4 targets by number (the address key), others by text.
    const dstKey = packet.dstAddressKey;
    const target = isIpv4Key(dstKey) ? dstKey : dst;
    if (observeFanOut(state.fanOut, target, nowUs, limits)) {
      // At its last new target: a finding that a repeated probe made due
      // (the scanner's routine re-ARP a minute later) is the sweep's.
      report(findingOf(state, state.fanOut.lastGrowthUs, config));
    }
  }

  return {
    name: "icmp_sweep",
    packetKinds: PACKET_KIND.ICMP,
    observe,
    tables(): Record<string, TableStats> {
      return { sources: admission.stats(sources) };
    },
    flush(_nowUs: number, report: FindingSink): void {
      for (const state of sources.values()) reportLast(state, report);
    },
  };
}

/** The probe kind of an ICMP request ("echo", "timestamp", "mask"), or "" when the packet is not one. */
function probeKind(packet: PacketRecord): string {
  if (packet.transport === "icmp") {
    switch (packet.icmpType) {
      case ICMP_ECHO_REQUEST:
        return "echo";
      case ICMP_TIMESTAMP_REQUEST:
        return "timestamp";
      case ICMP_MASK_REQUEST:
        return "mask";
    }
    return "";
  }
  if (
    packet.transport === "icmpv6" && packet.icmpType === ICMPV6_ECHO_REQUEST
  ) {
    return "echo";
  }
  return "";
}

function findingOf(
  state: SourceState,
  nowUs: number,
  config: Required<IcmpSweepOptions>,
): Finding {
  const { fanOut } = state;
  const summary = summarizeFanOut(fanOut, MAX_SAMPLES);
  const { distinctTargets, subnets, durationSeconds, durationUs } = summary;
  const where = subnets.length === 1 ? ` in ${subnets[0]}` : "";
  return {
    kind: "icmp_sweep",
    key: state.source,
    timestampUs: nowUs,
    // The incident's first probe: the alert's first seen, and its slice's start.
    startUs: fanOut.startUs,
    severity: summary.severity,
    attacker: state.source,
    victim: "",
    domain: "",
    summary: `${state.source} sent ICMP ${
      state.kinds.join("/")
    } requests to ${distinctTargets} distinct hosts${where} within ${
      elapsedText(durationUs)
    } (${fanOut.probes} probes): ICMP sweep`,
    evidence: {
      distinctTargets,
      sweepTargets: fanOut.incidentTargets,
      probes: fanOut.probes,
      probeKinds: [...state.kinds],
      subnets,
      sampleTargets: summary.sampleTargets,
      durationSeconds,
      targetsPerSecond: summary.targetsPerSecond,
      windowSeconds: config.windowUs / 1e6,
    },
  };
}
