/**
 * ICMP flood detector: echo requests to one victim at a rate far above any
 * ordinary ping, from one source or many (possibly spoofed) sources, within a
 * sliding window of packet time (ping -f, hping3 --icmp --flood, scapy loops,
 * THC-IPv6 denial6 / rsmurf6).
 *
 * Counted: ICMP echo requests (type 8) and ICMPv6 echo requests (type 128),
 * and ICMP's other requests that a host answers (timestamp 13, information
 * 15, address mask 17: hping3 --icmp-ts and --icmp-addr floods), by
 * destination, multicast and broadcast destinations included (a smurf storm
 * to ff02::1 makes every host on the link answer). The victim is over the
 * threshold when its last `packetThreshold` requests arrived within
 * `windowUs` (an exact sliding window: the times of the last
 * `packetThreshold` requests are kept, with their sources), unless they
 * came from a crowd of ordinary pingers: at most 100 requests a second,
 * from two sources or more, none faster than an unprivileged ping (5/s),
 * and four fifths of the requests from
 * sources that sent several within them (40 hosts checking one address
 * once a second send 40/s; a spoofed flood's sources each send one, and a
 * flood from more hosts than the window's requests can repeat is one). An ordinary ping (1/s), ping -i 0.2
 * (5/s), a traceroute (a few probes per hop) and an ICMP tunnel's bursts stay
 * well below it.
 *
 * Findings: key and victim = the destination; attacker = the one source that
 * sent at least `dominantShare` of the victim's requests in the incident
 * (never a multicast, broadcast or unspecified source, which can only be
 * spoofed), else "" (spoofed or distributed). Sources are counted in bounded
 * summaries: the top sources by the space-saving algorithm (Metwally et al.,
 * 2005), distinct sources estimated by linear counting over a 4 096-bit map.
 * A finding is reported when the threshold is first crossed, then again while
 * the flood goes on whenever its requests have doubled, or at most every
 * `reportIntervalUs`.
 *
 * Limits: a flood below `packetThreshold` per `windowUs` per victim, or one
 * spread over many victims (each below it), is not found; a flood of echo
 * replies (reflection backscatter) is not counted, nor is one of
 * unreachables (BlackNurse's type 3 code 3 at a firewall). Fragments are not
 * reassembled: a request sent in IP fragments (ping -s 3000) counts once,
 * by its first fragment, whose IP bytes alone go into the evidence's
 * `bytes`, and a flood of later fragments alone is not found.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { ICMP_TYPE, ICMPV6_TYPE } from "../capture/decode/icmp.ts";
import { addressTextOf, keptText } from "../capture/decoded_packet.ts";
import { isGroupAddress } from "./addresses.ts";
import { floodAttacker, FloodSources } from "./flood_sources.ts";
import {
  elapsedText,
  type Finding,
  type FindingSink,
  type Severity,
} from "./alert.ts";
import { type Detector, PACKET_KIND, type TableStats } from "./detector.ts";

import { hashKey, NumericKeyMap } from "./numeric_key_map.ts";
import { requirePositive } from "./option_checks.ts";
import {
  clearReportMark,
  isFinalReportDue,
  isRepeatReportDue,
  markReported,
  type ReportMark,
} from "./report_cadence.ts";

/** Options of {@linkcode createIcmpFloodDetector}. */
export interface IcmpFloodOptions {
  /** Echo requests to one victim, within the window, that make a flood. */
  packetThreshold?: number;
  /** Sliding window length, µs of packet time. */
  windowUs?: number;
  /** Least share (0–1] of a victim's requests from one source for that source to be named the attacker. */
  dominantShare?: number;
  /** Victims tracked at once; beyond this the least recently targeted is evicted. */
  maxVictims?: number;
  /** Packet time between repeated findings of one flood (unless its requests doubled), µs. */
  reportIntervalUs?: number;
}

/**
 * Defaults of {@linkcode IcmpFloodOptions}.
 *
 * - `packetThreshold` 150 within `windowUs` 5 s: 30 requests/s sustained for
 *   5 s, or any burst of 150. The moderate scapy flood in the samples (60/s)
 *   passes it after 2.5 s, the spoofed burst (500 in 0.25 s), the smurf6
 *   storm (1 000 in 8 ms) and denial6 (6 700/s) within milliseconds. An
 *   ordinary ping sends 5 in 5 s, ping -i 0.2 25, mtr about 15/s to its
 *   destination (75), the ICMP-tunnel sample's busiest 5 s 35. The shape is
 *   Snort/Suricata's `detection_filter: track by_dst, count N, seconds S`.
 * - `dominantShare` 0.8: one source sending four fifths of the requests is
 *   the flooder; a spoofed flood spreads them over many.
 * - `maxVictims` 4 096 × (`packetThreshold` × 8 B of request times, 512 B of
 *   source bitmap, about 1 KB of top and sample sources): about 11 MB in the
 *   worst case, reached only when 4 096 victims each get 150 requests within
 *   one window. A flooded victim is refreshed by every request, so a sweep of
 *   many other destinations cannot evict it; the sweep's victims reuse the
 *   entries they evict, and a new entry costs only what its one request set.
 * - `reportIntervalUs` 10 s, the alert lifecycle's update interval.
 */
export const ICMP_FLOOD_DEFAULTS = {
  packetThreshold: 150,
  windowUs: 5_000_000,
  dominantShare: 0.8,
  maxVictims: 4_096,
  reportIntervalUs: 10_000_000,
} satisfies Required<IcmpFloodOptions>;

/** Packet time between expiry sweeps of the victim table, µs. */
const EXPIRY_INTERVAL_US = 1_000_000;

/**
 * Per-victim state; its {@linkcode ReportMark} counts `requests`. Entries
 * are reused for new victims once evicted (a sweep of many destinations
 * makes one per request).
 */
interface VictimState extends ReportMark {
  /** The victim's address key, and its text as {@linkcode keptText} keeps it. */
  victimKey: number;
  victimText: string;
  /** Times of the last `packetThreshold` requests, µs (a ring once full). */
  times: number[];
  /** Their sources' address keys, slot for slot. */
  sources: number[];
  /** Request times held in `times` (up to `packetThreshold`; entries past it are left from an earlier victim). */
  timesCount: number;
  /** Next slot of `times` to overwrite once full (then also the oldest). */
  head: number;
  /** Requests and IP bytes (of a fragmented request, its first fragment's) since `epochStartUs`. */
  requests: number;
  /** Of `requests`, those that were no echo requests (timestamp, information, address mask). */
  otherRequests: number;
  bytes: number;
  epochStartUs: number;
  lastRequestUs: number;
  /** The requests' senders: top, distinct, samples. */
  senders: FloodSources;
  /** True from the first crossing until the victim has been below the threshold for a whole window. */
  flooding: boolean;
  floodStartUs: number;
  lastAboveUs: number;
  /** Highest rate over `packetThreshold` requests seen in the flood, requests/s. */
  peakRate: number;
}

/**
 * Creates the ICMP flood detector (kind "icmp_flood"): one incident per
 * victim receiving echo requests above the threshold rate.
 *
 * @example
 * ```ts
 * const detector = createIcmpFloodDetector({ packetThreshold: 300 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createIcmpFloodDetector(
  options: IcmpFloodOptions = {},
): Detector {
  const config = { ...ICMP_FLOOD_DEFAULTS, ...options };
  const { packetThreshold, windowUs, dominantShare, reportIntervalUs } = config;
  requirePositive("ICMP flood detector", config, [
    "packetThreshold",
    "windowUs",
    "maxVictims",
    "reportIntervalUs",
  ]);
  if (!Number.isInteger(packetThreshold)) {
    throw new RangeError(
      `Cannot create ICMP flood detector: packetThreshold must be an integer, got ${packetThreshold}`,
    );
  }
  if (!(dominantShare > 0 && dominantShare <= 1)) {
    throw new RangeError(
      `Cannot create ICMP flood detector: dominantShare must be within (0, 1], got ${dominantShare}`,
    );
  }

  // Keyed by the victim's address key (recycled: a sweep makes one per request).
  const victims = new NumericKeyMap<VictimState>(
    config.maxVictims,
    undefined,
    { recycle: true },
  );
  let nextExpiryUs = -Infinity;

  // Outside observe: a closure there capturing nowUs would make V8 allocate
  // a context for every packet (see bench/findings.md).
  // A flood's state leaves the table while the capture goes on: its last
  // figures are reported first (as flush does at the end).
  function expire(nowUs: number, report: FindingSink): void {
    victims.expireOldest((state) => {
      if (nowUs - state.lastRequestUs < windowUs) return false;
      reportLast(state, report);
      return true;
    });
  }

  /** The last finding of a flood whose figures changed since its last one. */
  function reportLast(state: VictimState, report: FindingSink): void {
    const lastUs = state.lastRequestUs;
    if (!state.flooding || !isFinalReportDue(state, state.requests, lastUs)) {
      return;
    }
    // The rate over the last `packetThreshold` requests (the ring is full while flooding).
    const spanUs = lastUs - state.times[state.head]!;
    markReported(state, state.requests, lastUs);
    report(
      findingOf(
        state,
        rateOf(spanUs, packetThreshold, windowUs),
        lastUs,
        config,
      ),
    );
  }

  function observe(packet: PacketRecord, report: FindingSink): void {
    const transport = packet.transport;
    let echo = true;
    if (transport === "icmp") {
      const type = packet.icmpType;
      if (type !== ICMP_TYPE.ECHO_REQUEST) {
        // Timestamp, information and address mask requests make the victim
        // answer as an echo does (hping3 --icmp-ts, --icmp-addr floods).
        if (type !== 13 && type !== 15 && type !== 17) return;
        echo = false;
      }
    } else if (transport === "icmpv6") {
      if (packet.icmpType !== ICMPV6_TYPE.ECHO_REQUEST) return;
    } else {
      return;
    }
    const victimKey = packet.dstAddressKey;
    if (victimKey < 0 || packet.srcAddressKey < 0) return;
    const nowUs = packet.timestampUs;
    if (nowUs >= nextExpiryUs) {
      expire(nowUs, report);
      nextExpiryUs = nowUs + EXPIRY_INTERVAL_US;
    }
    const hash = hashKey(victimKey, 0, 0);
    let state = victims.get(victimKey, 0, 0, hash);
    if (state === undefined) {
      state = resetVictim(
        victims.spare() ?? newVictim(),
        victimKey,
        keptText(victimKey, packet, false),
        nowUs,
      );
      victims.add(victimKey, 0, 0, state, hash);
    }
    if (state.flooding && nowUs - state.lastAboveUs >= windowUs) {
      reportLast(state, report); // the flood's own figures, not this request's
      state.flooding = false; // the flood is over; a new one starts afresh
      clearReportMark(state);
    }
    state.lastRequestUs = nowUs;
    if (!state.flooding && nowUs - state.epochStartUs >= windowUs) {
      resetEpoch(state, nowUs);
    }
    state.requests++;
    if (!echo) state.otherRequests++;
    state.bytes += packet.ipLength;
    state.senders.add(packet);

    // The sliding window: the oldest of the last `packetThreshold` request times.
    // (Arrays keep their length across victims: shrinking one frees its
    // storage, and the next push allocates it again.)
    const times = state.times;
    const sources = state.sources;
    let oldestUs: number;
    if (state.timesCount < packetThreshold) {
      if (state.timesCount < times.length) {
        times[state.timesCount] = nowUs;
        sources[state.timesCount] = packet.srcAddressKey;
      } else {
        times.push(nowUs);
        sources.push(packet.srcAddressKey);
      }
      if (++state.timesCount < packetThreshold) return;
      oldestUs = times[0]!;
    } else {
      times[state.head] = nowUs;
      sources[state.head] = packet.srcAddressKey;
      state.head = (state.head + 1) % packetThreshold;
      oldestUs = times[state.head]!;
    }
    const spanUs = nowUs - oldestUs;
    if (spanUs >= windowUs) return;
    // Many hosts each pinging at an ordinary rate (a gateway or heartbeat
    // address that every host checks once a second) are no flood.
    if (
      !state.flooding &&
      packetThreshold * 1e6 <= MAX_CROWD_RATE * spanUs &&
      isPingerCrowd(sources, spanUs)
    ) return;

    state.lastAboveUs = nowUs;
    const rate = rateOf(spanUs, packetThreshold, windowUs);
    if (!state.flooding) {
      state.flooding = true;
      state.floodStartUs = oldestUs;
      state.peakRate = rate;
    } else if (rate > state.peakRate) {
      state.peakRate = rate;
    }
    if (!isRepeatReportDue(state, state.requests, nowUs, reportIntervalUs)) {
      return;
    }
    markReported(state, state.requests, nowUs);
    report(findingOf(state, rate, nowUs, config));
  }

  return {
    name: "icmp_flood",
    packetKinds: PACKET_KIND.ICMP,
    observe,
    tables(): Record<string, TableStats> {
      return { victims: victims.stats() };
    },
    flush(_nowUs: number, report: FindingSink): void {
      for (const state of victims.values()) reportLast(state, report);
    },
  };
}

/** Requests per second over the last `packetThreshold` of them, which took `spanUs`. */
function rateOf(
  spanUs: number,
  packetThreshold: number,
  windowUs: number,
): number {
  return spanUs > 0
    ? (packetThreshold - 1) / (spanUs / 1e6)
    : packetThreshold / (windowUs / 1e6);
}

/** A victim entry, to be {@linkcode resetVictim reset} before use. */
/** Highest rate a crowd of ordinary pingers may reach without being a flood, requests/s: 100 hosts checking one address once a second (a spoofed pool or a botnet pinging slowly each floods faster). */
const MAX_CROWD_RATE = 100;

/** Fastest rate an unprivileged ping may send (iputils' least interval, 0.2 s), requests/s. */
const ORDINARY_PING_RATE = 5;

/** Least share of the window's requests from sources that sent more than one: pingers repeat, spoofed sources do not. */
const REPEATING_SHARE = 0.8;

/** Requests per source within the window (scratch, reused). */
const perSource = new Map<number, number>();

/**
 * Whether the last requests (`sources`, over `spanUs`) came from a crowd
 * of ordinary pingers: at least two sources, none faster than an
 * unprivileged ping, and most requests from sources that sent several
 * (a spoofed flood's sources each send one; a flood from so many hosts
 * that each sends once within the window is a flood whatever their rate).
 */
function isPingerCrowd(sources: readonly number[], spanUs: number): boolean {
  perSource.clear();
  for (const source of sources) {
    perSource.set(source, (perSource.get(source) ?? 0) + 1);
  }
  if (perSource.size < 2) return false;
  const most = ORDINARY_PING_RATE * spanUs / 1e6 + 1;
  let repeating = 0;
  for (const count of perSource.values()) {
    if (count > most) return false;
    if (count > 1) repeating += count;
  }
  return repeating >= REPEATING_SHARE * sources.length;
}

function newVictim(): VictimState {
  return {
    victimKey: -1,
    victimText: "",
    times: [],
    sources: [],
    timesCount: 0,
    head: 0,
    requests: 0,
    otherRequests: 0,
    bytes: 0,
    epochStartUs: 0,
    lastRequestUs: 0,
    senders: new FloodSources(),
    flooding: false,
    floodStartUs: 0,
    lastAboveUs: -Infinity,
    peakRate: 0,
    reportedCount: 0,
    lastReportUs: -Infinity,
  };
}

/** Makes `state` (new, or an evicted victim's) the entry of victim `victimKey` (text as kept) first asked at `nowUs`. */
function resetVictim(
  state: VictimState,
  victimKey: number,
  victimText: string,
  nowUs: number,
): VictimState {
  state.victimKey = victimKey;
  state.victimText = victimText;
  state.timesCount = 0;
  state.head = 0;
  state.lastRequestUs = nowUs;
  state.flooding = false;
  state.floodStartUs = nowUs;
  state.lastAboveUs = -Infinity;
  state.peakRate = 0;
  clearReportMark(state);
  resetEpoch(state, nowUs);
  return state;
}

/** Starts a new counting epoch (sources and totals), keeping the request times. */
function resetEpoch(state: VictimState, nowUs: number): void {
  state.requests = 0;
  state.otherRequests = 0;
  state.bytes = 0;
  state.epochStartUs = nowUs;
  state.senders.clear(); // a sweep's victims cost a word each
}

function severityOf(peakRate: number): Severity {
  return peakRate >= 1000 ? "high" : "medium";
}

function findingOf(
  state: VictimState,
  rate: number,
  nowUs: number,
  config: Required<IcmpFloodOptions>,
): Finding {
  const leader = state.senders.leader(state.requests);
  const dominant = leader.share >= config.dominantShare;
  const attacker = floodAttacker(leader, dominant);
  const victim = addressTextOf(state.victimKey, state.victimText);
  // Sources are a linear-counting estimate; a dominant source that no host
  // sends from (a multicast address: smurf6) is named as spoofed.
  const { from, sources } = state.senders.fromText(
    attacker,
    leader,
    dominant,
    state.requests,
  );
  const durationUs = Math.max(nowUs - state.floodStartUs, 0);
  const durationSeconds = Math.round(durationUs / 1e5) / 10;
  const roundedRate = Math.round(rate * 10) / 10;
  const peakRate = Math.round(state.peakRate * 10) / 10;
  const meanRate = durationUs > 0
    ? Math.round(state.requests / (durationUs / 1e6) * 10) / 10
    : roundedRate;
  const group = isGroupAddress(victim);

  return {
    kind: "icmp_flood",
    key: victim,
    timestampUs: nowUs,
    startUs: state.floodStartUs,
    severity: severityOf(peakRate),
    attacker,
    victim,
    domain: "",
    summary: `${victim} received ${state.requests} ${
      state.otherRequests === 0
        ? "echo requests"
        : state.otherRequests === state.requests
        ? "ICMP timestamp, information or address mask requests"
        : "ICMP echo, timestamp, information or address mask requests"
    } ${from} in ${
      elapsedText(durationUs)
    } (${roundedRate}/s now, peak ${peakRate}/s): ICMP flood`,
    evidence: {
      requests: state.requests,
      bytes: state.bytes,
      ratePerSecond: roundedRate,
      peakRatePerSecond: peakRate,
      meanRatePerSecond: meanRate,
      distinctSources: sources,
      topSource: leader.text,
      topSourceShare: Math.round(leader.share * 1000) / 1000,
      ...state.senders.macs.evidence(state.requests),
      sampleSources: state.senders.distinct.samples(),
      groupVictim: group,
      durationSeconds,
      windowSeconds: config.windowUs / 1e6,
    },
  };
}
