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
 * Limits: a sweep slower than `targetThreshold` hosts per `windowUs`, or one
 * spread over many sources, is not found; monitoring servers that ping
 * `targetThreshold` or more hosts a minute (Nagios, Zabbix, Smokeping) look
 * like sweeps and belong in the allowlist.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import type { Finding, FindingSink, Severity } from "./alert.ts";
import { BoundedMap } from "./bounded_map.ts";
import type { Detector, TableStats } from "./detector.ts";

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
 *   sweep of one /24 is counted exactly) × about 50 B per remembered IPv4
 *   target (about 120 B for IPv6, kept as text), plus about 300 B per source:
 *   about 54 MB in the worst case for IPv4 and 130 MB for IPv6, reached only
 *   when 4 096 sources each probe 256 hosts within one window.
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
interface SourceState {
  source: string;
  /** Target (IPv4 as an unsigned 32-bit number, IPv6 as text) → last probed, µs; least recently probed first. */
  targets: Map<number | string, number>;
  /** Probes counted since `epochStartUs`. */
  probes: number;
  epochStartUs: number;
  lastProbeUs: number;
  /** Probe kinds seen, by name ("echo", "timestamp", "mask"). */
  kinds: string[];
  /** True from the first crossing until the window has held fewer than the threshold for a whole window. */
  sweeping: boolean;
  sweepStartUs: number;
  lastAboveUs: number;
  /** Packet time the sweep's last new target was added, µs. */
  lastGrowthUs: number;
  /** Distinct targets added since the sweep started (counted again if forgotten and probed anew). */
  sweepTargets: number;
  /** `sweepTargets` at the last finding (0: none yet) and its packet time. */
  reportedTargets: number;
  lastReportUs: number;
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
  for (
    const name of [
      "targetThreshold",
      "windowUs",
      "maxSources",
      "maxTargetsPerSource",
      "reportIntervalUs",
    ] as const
  ) {
    if (!(config[name] > 0)) {
      throw new RangeError(
        `Cannot create ICMP sweep detector: ${name} must be positive, got ${
          config[name]
        }`,
      );
    }
  }
  if (maxTargetsPerSource < targetThreshold) {
    throw new RangeError(
      `Cannot create ICMP sweep detector: maxTargetsPerSource (${maxTargetsPerSource}) must be at least targetThreshold (${targetThreshold})`,
    );
  }

  const sources = new BoundedMap<string, SourceState>(config.maxSources);
  let nextExpiryUs = -Infinity;

  function observe(packet: PacketRecord, report: FindingSink): void {
    const kind = probeKind(packet);
    if (kind === "") return;
    const src = packet.srcAddress;
    const dst = packet.dstAddress;
    if (src === "" || dst === "" || isGroupAddress(dst)) return;

    const nowUs = packet.timestampUs;
    if (nowUs >= nextExpiryUs) {
      sources.expireOldest((state) => nowUs - state.lastProbeUs >= windowUs);
      nextExpiryUs = nowUs + EXPIRY_INTERVAL_US;
    }
    let state = sources.get(src);
    if (state === undefined) {
      state = {
        source: src,
        targets: new Map(),
        probes: 0,
        epochStartUs: nowUs,
        lastProbeUs: nowUs,
        kinds: [],
        sweeping: false,
        sweepStartUs: nowUs,
        lastGrowthUs: nowUs,
        lastAboveUs: -Infinity,
        sweepTargets: 0,
        reportedTargets: 0,
        lastReportUs: -Infinity,
      };
      sources.set(src, state);
    }
    state.lastProbeUs = nowUs;
    if (!state.kinds.includes(kind)) state.kinds.push(kind);
    expireTargets(state.targets, nowUs - windowUs);
    if (
      state.sweeping && state.targets.size < targetThreshold &&
      nowUs - state.lastAboveUs >= windowUs
    ) {
      state.sweeping = false; // the sweep is over; a new one starts afresh
      state.reportedTargets = 0;
      state.lastReportUs = -Infinity;
    }
    if (!state.sweeping && nowUs - state.epochStartUs >= windowUs) {
      state.probes = 0;
      state.epochStartUs = nowUs;
    }
    state.probes++;

    const targets = state.targets;
    const ipv4 = parseIpv4(dst);
    const target = ipv4 >= 0 ? ipv4 : dst;
    const known = targets.delete(target);
    if (!known) {
      if (targets.size >= maxTargetsPerSource) {
        const oldest = targets.keys().next();
        if (!oldest.done) targets.delete(oldest.value);
      }
      if (state.sweeping) state.sweepTargets++;
      state.lastGrowthUs = nowUs;
    }
    targets.set(target, nowUs);
    if (targets.size < targetThreshold) return;

    state.lastAboveUs = nowUs;
    if (!state.sweeping) {
      state.sweeping = true;
      const first = targets.values().next();
      state.sweepStartUs = first.done ? nowUs : first.value;
      state.sweepTargets = targets.size;
    }
    const reported = state.reportedTargets;
    if (
      reported > 0 && state.sweepTargets < 2 * reported &&
      (state.sweepTargets <= reported ||
        nowUs - state.lastReportUs < reportIntervalUs)
    ) return;
    state.reportedTargets = state.sweepTargets;
    state.lastReportUs = nowUs;
    report(findingOf(state, nowUs, config));
  }

  return {
    name: "icmp_sweep",
    observe,
    tables(): Record<string, TableStats> {
      return { sources: sources.stats() };
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

/** Drops targets last probed at or before `cutoffUs` (the map is in order of last probe). */
function expireTargets(
  targets: Map<number | string, number>,
  cutoffUs: number,
): void {
  for (const [target, atUs] of targets) {
    if (atUs > cutoffUs) break;
    targets.delete(target);
  }
}

/** Multicast (224.0.0.0/4, ff00::/8), limited broadcast and unspecified addresses: never sweep targets. */
function isGroupAddress(address: string): boolean {
  if (address.includes(":")) {
    return address.startsWith("ff") || address === "::";
  }
  if (address === "255.255.255.255" || address === "0.0.0.0") return true;
  const dot = address.indexOf(".");
  const first = Number(address.slice(0, dot));
  return first >= 224 && first <= 239;
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

/** The /24 of an IPv4 address or the /64 of an IPv6 address, as a CIDR. */
function subnetOf(address: string): string {
  if (!address.includes(":")) {
    return `${address.slice(0, address.lastIndexOf("."))}.0/24`;
  }
  const gap = address.indexOf("::");
  let groups: string[];
  if (gap < 0) {
    groups = address.split(":");
  } else {
    const left = gap === 0 ? [] : address.slice(0, gap).split(":");
    const rightText = address.slice(gap + 2);
    const right = rightText === "" ? [] : rightText.split(":");
    // An embedded IPv4 tail ("::ffff:192.0.2.1") stands for two groups.
    const rightCount = right.length + (rightText.includes(".") ? 1 : 0);
    groups = [
      ...left,
      ...Array(Math.max(8 - left.length - rightCount, 0))
        .fill("0"),
      ...right,
    ];
  }
  const prefix = groups.slice(0, 4).map((group) =>
    group.replace(/^0+(?=.)/, "")
  );
  return `${prefix.join(":")}::/64`;
}

function severityOf(targets: number): Severity {
  if (targets >= 1000) return "high";
  return targets >= 100 ? "medium" : "low";
}

function findingOf(
  state: SourceState,
  nowUs: number,
  config: Required<IcmpSweepOptions>,
): Finding {
  const sampleTargets: string[] = [];
  const subnets: string[] = [];
  for (const key of state.targets.keys()) {
    const target = typeof key === "number" ? formatIpv4(key) : key;
    if (sampleTargets.length < MAX_SAMPLES) sampleTargets.push(target);
    const subnet = subnetOf(target);
    if (subnets.length < MAX_SAMPLES && !subnets.includes(subnet)) {
      subnets.push(subnet);
    }
  }
  const distinct = state.targets.size;
  const durationUs = Math.max(state.lastGrowthUs - state.sweepStartUs, 0);
  const durationSeconds = Math.round(durationUs / 1e5) / 10;
  const targetsPerSecond = durationUs > 0
    ? Math.round(distinct / (durationUs / 1e6) * 10) / 10
    : distinct;
  const where = subnets.length === 1 ? ` in ${subnets[0]}` : "";
  return {
    kind: "icmp_sweep",
    key: state.source,
    timestampUs: nowUs,
    severity: severityOf(state.sweepTargets),
    attacker: state.source,
    victim: "",
    domain: "",
    summary: `${state.source} sent ICMP ${
      state.kinds.join("/")
    } requests to ${distinct} distinct hosts${where} within ${durationSeconds} s (${state.probes} probes): ICMP sweep`,
    evidence: {
      distinctTargets: distinct,
      sweepTargets: state.sweepTargets,
      probes: state.probes,
      probeKinds: [...state.kinds],
      subnets,
      sampleTargets,
      durationSeconds,
      targetsPerSecond,
      windowSeconds: config.windowUs / 1e6,
    },
  };
}
