/**
 * UDP flood detector: one host sent UDP datagrams at a rate no exchange
 * explains, from one source or many (possibly spoofed) sources (hping3
 * --udp --flood, LOIC, Mirai's and other botnets' UDP floods, a stress
 * tester's "UDP plain"), whether its ports are open or closed: a direct
 * network flood that fills its link or its stack (MITRE T1498.001).
 *
 * Counted, by destination: UDP datagrams to a unicast address (IPv4 in a
 * frame to a group MAC, when the address may be a subnet's broadcast, is
 * not; a first fragment counts with its own IP bytes) that are no
 * exchange. A source's datagrams are an exchange while the receiver sent
 * it UDP within the last one to two `answerMemoryUs` (100–200 ms): a QUIC
 * download's acknowledgments, a tunnel's, a game's or a DNS client's
 * traffic keep their peers' datagrams exchanges; a flood that draws a
 * reply now and then (a rate-limited error), or whose sender slips in a
 * valid request every few seconds, is counted in between. Not counted
 * either: a reply of an amplifying service (from a port of
 * {@linkcode AMPLIFYING_UDP_SERVICES}, with data the decoder did not read
 * as a request: a DNS answer, an NTP server's reply), which the reflection
 * flood detector judges (so one reflection is one alert). ICMP errors the
 * receiver sends back (a closed port's unreachables) are no exchange.
 *
 * A receiver is flooded when, within the last second (four quarters of
 * packet time), it got `minPackets` such datagrams or `minBytes` of their
 * IP bytes, while it answered fewer than `maxAnswerShare` times as many
 * (or its top source alone sent the threshold's worth within about a
 * second, and was answered fewer than `maxAnswerShare` times as often):
 * an answer is a datagram to a unicast peer that sent to it within the
 * last 1–2 s and that it was not exchanging with already (a resolver
 * answering new clients answers about as many as it gets); its own traffic
 * to peers it exchanges with (a game server's updates to its players) or
 * to a group answers nothing, so it hides no flood. The flood goes on
 * while each second brings a tenth of the threshold, and ends after
 * `quietUs` below it. Packet time up to a quarter behind the latest
 * (captures merged out of order), or further behind for fewer than 64
 * packets in a row (stragglers, a second capture point), is held at the
 * latest; a clock that steps further back ends every flood with its
 * figures and starts afresh.
 *
 * Cheap on ordinary traffic: a receiver gets a table entry only once a
 * fixed array of counters, one per hash slot and second, has counted 1/16
 * of the threshold for its slot within a second; only receivers with an
 * entry pay a lookup, and only their datagrams and (while they are not
 * flooded) their peers' to them are remembered ({@linkcode RecentBits},
 * one memory each way, so a spoofed flood cannot fill the one that makes
 * exchanges); the exchanges of a receiver begun before its entry count
 * until it next sends to that peer (a QUIC receiver's next
 * acknowledgment).
 *
 * Findings: key and victim = the receiver; attacker = the source that
 * sent at least `dominantShare` of the flood's datagrams, or half of them
 * and the threshold's worth on its own (beside a collector's one-way
 * traffic), never a multicast, broadcast or unspecified source, which can
 * only be spoofed; else "" (spoofed or distributed). The evidence gives
 * the datagrams, bytes, rates (now, peak and mean, in datagrams and
 * Mbit/s), the sources (top, distinct, samples; "more than" when the
 * source map is full), the ports (top, distinct) and the receiver's
 * answers and exchanges. A finding is reported when the threshold is
 * first crossed, then again while the flood goes on whenever its
 * datagrams have doubled, or at most every `reportIntervalUs`, and with
 * its final figures when it ends or its entry is evicted.
 *
 * Limits: a flood below the threshold per receiver, or spread over many
 * receivers (each below it), is not found; nor is one the receiver answers
 * datagram for datagram (a DNS or game server flooded with queries it
 * answers: a request flood, which only a baseline of the service tells),
 * nor a spoofed or distributed one beside requests the receiver answers
 * (a busy server's answered clients, or spoofed requests to an open
 * service, answered once each, make answers enough for a flood four times
 * their number, where no one source sends the threshold's worth), nor one
 * forged from a peer the receiver is sending to
 * (its video server, its VPN peer), nor one answered at least every
 * 100 ms; nor a flood forged as an amplifying service's replies by fewer
 * servers than the reflection flood detector needs; nor the later
 * fragments of fragmented datagrams (hping3 -d 4000: each first fragment
 * counts with its own bytes). A receiver of one-way UDP at 10 000
 * datagrams a second (a syslog, NetFlow, sFlow or StatsD collector, a
 * recorder of RTP streams, which reports every few seconds, the server of
 * an iperf3 -u test or of a UDP backup, a QUIC download acknowledged less
 * often than every 100 ms) is reported: allowlist it or raise the
 * threshold. A capture that sees one direction only (a one-way tap, an
 * asymmetric route) sees no answers, so any receiver over the threshold is
 * reported. A flood to random ports from one host is also a port scan of
 * its victim (its datagrams are probes that fail), as a flood from a home
 * host to a host outside may also be data exfiltration: the alerts
 * describe one incident. A spoofed IPv6 flood long enough to fill the
 * decoder's table of IPv6 addresses (about a million) gives its victim a
 * new key, and so a new incident. The first finding of a receiver that had
 * an entry for more than a second before its flood counts from the start
 * of its latest second (its "now" rate is the sliding second's).
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import {
  addressTextOf,
  frameToGroup,
  keptText,
} from "../capture/decoded_packet.ts";
import { formatBytes } from "../capture/format_summary.ts";
import { isIpv4Key } from "../capture/decode/address_key.ts";
import { isGroupDestination } from "./addresses.ts";
import { floodAttacker, FloodSources, TOP_SOURCES } from "./flood_sources.ts";
import {
  elapsedText,
  type Finding,
  type FindingSink,
  type Severity,
} from "./alert.ts";
import { type Detector, PACKET_KIND, type TableStats } from "./detector.ts";

import { linearCount } from "./linear_count.ts";
import { hashKey, NumericKeyMap } from "./numeric_key_map.ts";
import { requirePositive } from "./option_checks.ts";
import { RecentBits } from "./recent_bits.ts";
import { AMPLIFYING_UDP_SERVICES, isToldNoReply } from "./reflection_flood.ts";
import {
  clearReportMark,
  isFinalReportDue,
  isRepeatReportDue,
  markReported,
  type ReportMark,
} from "./report_cadence.ts";
import { TopKeys } from "./top_keys.ts";

/** Options of {@linkcode createUdpFloodDetector}. */
export interface UdpFloodOptions {
  /** Datagrams to one receiver within a second, none of them an exchange, that make a flood (or `minBytes`). */
  minPackets?: number;
  /** Their IP bytes within a second that make a flood (or `minPackets`). */
  minBytes?: number;
  /** Highest ratio of the receiver's answers (to peers that sent to it, that it was not exchanging with) to the flood's datagrams for it to be a flood (a server answering new clients sends about one each). */
  maxAnswerShare?: number;
  /** A receiver that sent UDP to a source makes the source's datagrams an exchange for one to two of these, µs of packet time. */
  answerMemoryUs?: number;
  /** Packet time below a tenth of the threshold that ends a flood, µs. */
  quietUs?: number;
  /** Least share (0–1] of a flood's datagrams from one source for that source to be named the attacker. */
  dominantShare?: number;
  /** Receivers tracked at once; beyond this the least recently flooded is evicted. */
  maxVictims?: number;
  /** Packet time between repeated findings of one flood (unless its datagrams doubled), µs. */
  reportIntervalUs?: number;
}

/**
 * Defaults of {@linkcode UdpFloodOptions}.
 *
 * - `minPackets` 10 000 a second or `minBytes` 25 MB a second (200
 *   Mbit/s): hping3 --flood sends 20 000 to several 100 000 datagrams a
 *   second from one host, a botnet's UDP flood more from many; ordinary
 *   one-way UDP to a host is far below (a 4K video stream 2 000 a second,
 *   a VoIP call 50, a busy host's DNS answers, which are exchanges, a few
 *   hundred). At 1 500 bytes, 10 000 datagrams a second are 120 Mbit/s:
 *   the byte rule is for bigger datagrams (jumbo frames), and leaves room
 *   for one-way streams of 100 Mbit/s whose receiver reports every few
 *   seconds (a camera's RTP to a recorder, whose RTCP is one datagram in
 *   thousands). The tools' common "UDP flood" rules (FastNetMon's per-host
 *   thresholds, routers' storm control) are set per network; this is one
 *   no ordinary host reaches.
 * - `maxAnswerShare` 0.25: a flooded host answers few datagrams (a closed
 *   port's ICMP errors are no answers; Linux sends one a second to each
 *   source), a server answering its clients sends one for each.
 * - `answerMemoryUs` 100 ms: a QUIC receiver acknowledges every few
 *   packets, and at least every `max_ack_delay` (25 ms by default), a
 *   tunnel's or game's peers answer within a round trip; a flood that
 *   draws a reply a second is an exchange a tenth to a fifth of the time.
 *   An RTP receiver's reports, every five seconds, make no exchange: a
 *   recorder of RTP streams is a one-way receiver.
 * - `quietUs` 2 s, `reportIntervalUs` 10 s (the alert lifecycle's update
 *   interval).
 * - `maxVictims` 1 024 × about 1.6 KB (the source and port maps, samples
 *   and counters): about 1.6 MB at most, with 512 KiB for the memories of
 *   who sent to whom and 128 KiB of admission counters.
 */
export const UDP_FLOOD_DEFAULTS = {
  minPackets: 10_000,
  minBytes: 25_000_000,
  maxAnswerShare: 0.25,
  answerMemoryUs: 100_000,
  quietUs: 2_000_000,
  dominantShare: 0.8,
  maxVictims: 1_024,
  reportIntervalUs: 10_000_000,
} satisfies Required<UdpFloodOptions>;

/** Counters of the top-ports summary. */
const TOP_PORTS = 2;

/** Bits of the distinct-port map (linear counting, within a few % up to ~10 000 ports). */
const PORT_BITS = 4_096;

/** Bits of each memory of who sent UDP to whom, per generation (2 × 2 × 128 KiB). */
const PAIR_BITS = 1 << 20;

/** How long a peer's datagram to a receiver is remembered (one to two of these), for the receiver's answer to it, µs. */
const RECEIVED_MEMORY_US = 1_000_000;

/** Packets in a row more than a quarter behind the latest packet time that make a clock step back (fewer are stragglers, held at the latest). */
const STEP_BACK_PACKETS = 64;

/** The third key word of a pair's hash: the receiver's datagrams to a peer, and a peer's to the receiver (each differs from a receiver's own hash). */
const SENT_SALT = 0x75_64_70;
const RECEIVED_SALT = 0x75_64_71;

/** Admission counters: one per hash slot, with the second it counts (2 × 4 B each, 128 KiB). */
const ADMIT_SLOTS = 1 << 14;
const ADMIT_MASK = ADMIT_SLOTS - 1;

/** A receiver gets an entry once its slot counted this share of the threshold within a second. */
const ADMIT_DIVISOR = 16;

/** The largest datagram that admission expects: a threshold in bytes is reached with at least `minBytes` / this datagrams. */
const ADMIT_DATAGRAM_BYTES = 1_500;

/** The sliding second, in quarters. */
const QUARTERS = 4;
const QUARTER_US = 250_000;

/** Packet time between expiry sweeps of the victim table, µs. */
const EXPIRY_INTERVAL_US = 1_000_000;

/** Ports of amplifying services' replies, which reflection_flood.ts judges. */
const AMPLIFYING_PORT = new Uint8Array(65_536);
for (const [port] of AMPLIFYING_UDP_SERVICES) AMPLIFYING_PORT[port] = 1;

/**
 * Per-receiver state; its {@linkcode ReportMark} counts `datagrams`.
 * Entries are reused for new receivers once evicted.
 */
interface VictimState extends ReportMark {
  /** The receiver's address key, and its text as {@linkcode keptText} keeps it. */
  victimKey: number;
  victimText: string;
  /** Index of the current quarter (packet time / `QUARTER_US`). */
  quarter: number;
  /** Per quarter of the sliding second (ring, by quarter index): datagrams counted, their IP bytes, and the receiver's own datagrams. */
  quarterDatagrams: Float64Array;
  quarterBytes: Float64Array;
  quarterAnswers: Float64Array;
  /** Since `epochStartUs` (a flood's start while it goes on): datagrams counted, their bytes, exchanges not counted, the receiver's own datagrams. */
  datagrams: number;
  bytes: number;
  exchanges: number;
  answers: number;
  epochStartUs: number;
  firstDatagramUs: number;
  lastDatagramUs: number;
  /** The counted datagrams' sources: top, distinct, samples. */
  sources: FloodSources;
  /** The receiver's datagrams to each top source, slot for slot (since it took its slot). */
  sourceAnswers: Float64Array;
  ports: TopKeys;
  /** Distinct destination ports, as bits (linear counting). */
  portBits: Uint32Array;
  /** True from the first crossing until `quietUs` passed below a tenth of the threshold. */
  flooding: boolean;
  floodStartUs: number;
  lastBusyUs: number;
  /** Highest datagrams and bytes within a sliding second during the flood. */
  peakRate: number;
  peakByteRate: number;
}

/**
 * Creates the UDP flood detector (kind "udp_flood"): one incident per
 * receiver of UDP datagrams above the threshold rate that it does not
 * answer.
 *
 * @example
 * ```ts
 * const detector = createUdpFloodDetector({ minPackets: 20_000 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createUdpFloodDetector(
  options: UdpFloodOptions = {},
): Detector {
  const config = { ...UDP_FLOOD_DEFAULTS, ...options };
  requirePositive("UDP flood detector", config, [
    "minPackets",
    "minBytes",
    "maxAnswerShare",
    "answerMemoryUs",
    "quietUs",
    "maxVictims",
    "reportIntervalUs",
  ]);
  const { minPackets, minBytes, maxAnswerShare, quietUs, reportIntervalUs } =
    config;
  if (!(config.dominantShare > 0 && config.dominantShare <= 1)) {
    throw new RangeError(
      `Cannot create UDP flood detector: dominantShare must be within (0, 1], got ${config.dominantShare}`,
    );
  }
  if (!Number.isInteger(config.maxVictims)) {
    throw new RangeError(
      `Cannot create UDP flood detector: maxVictims must be an integer, got ${config.maxVictims}`,
    );
  }
  const admitCount = Math.max(
    1,
    Math.floor(
      Math.min(minPackets, minBytes / ADMIT_DATAGRAM_BYTES) / ADMIT_DIVISOR,
    ),
  );

  /** Where findings of the packet (or call) at hand go: an evicted flood's last figures too. */
  let sink: FindingSink = () => {};
  // Keyed by the receiver's address key (recycled).
  const victims = new NumericKeyMap<VictimState>(
    config.maxVictims,
    (state) => reportLast(state, sink),
    { recycle: true },
  );
  /** Whether a receiver of each admission slot may have an entry (stale bits cost a lookup only). */
  const watched = new Uint8Array(ADMIT_SLOTS);
  /** Per admission slot: datagrams counted at `2i`, in the second at `2i + 1`. */
  const admission = new Uint32Array(2 * ADMIT_SLOTS);
  /** A watched receiver's datagrams to its peers, lately: hash of (receiver, peer). */
  const sentPairs = new RecentBits(PAIR_BITS, config.answerMemoryUs);
  /** Peers' datagrams to a watched receiver not flooding, lately: hash of (peer, receiver). */
  const receivedPairs = new RecentBits(PAIR_BITS, RECEIVED_MEMORY_US);
  /** Packets in a row more than a quarter behind `latestUs`. */
  let stepsBack = 0;
  let nextExpiryUs = -Infinity;
  /** The latest packet time seen: time that steps back is held there. */
  let latestUs = -Infinity;

  // Outside observe: a closure there capturing nowUs would make V8 allocate
  // a context for every packet (see bench/findings.md).
  function expire(nowUs: number, report: FindingSink): void {
    victims.expireOldest((state) => {
      if (nowUs - state.lastDatagramUs < quietUs) return false;
      reportLast(state, report);
      return true;
    });
    // Bits of receivers no longer held go; those of the others stay.
    watched.fill(0);
    for (const state of victims.values()) {
      watched[hashKey(state.victimKey, 0, 0) & ADMIT_MASK] = 1;
    }
  }

  /** Starts afresh at `nowUs`, packet time that stepped back: every flood ends with its figures. */
  function restart(nowUs: number, report: FindingSink): void {
    for (const state of victims.values()) reportLast(state, report);
    victims.clear();
    watched.fill(0);
    latestUs = nowUs;
    nextExpiryUs = nowUs + EXPIRY_INTERVAL_US;
  }

  /** The last finding of a flood whose figures changed since its last one. */
  function reportLast(state: VictimState, report: FindingSink): void {
    const lastUs = state.lastDatagramUs;
    if (
      !state.flooding || !isFinalReportDue(state, state.datagrams, lastUs)
    ) return;
    markReported(state, state.datagrams, lastUs);
    report(findingOf(state, 0, lastUs, config));
  }

  /** Whether a receiver with admission hash `hash` has now had `admitCount` datagrams within second `second`. */
  function admits(hash: number, second: number): boolean {
    const at = (hash & ADMIT_MASK) << 1;
    if (admission[at + 1] !== second) {
      admission[at + 1] = second;
      admission[at] = 1;
    } else {
      admission[at]!++;
    }
    return admission[at]! >= admitCount;
  }

  function observe(packet: PacketRecord, report: FindingSink): void {
    if (packet.transport !== "udp") return;
    const srcKey = packet.srcAddressKey;
    const dstKey = packet.dstAddressKey;
    // A host sending to itself (over loopback) floods no network.
    if (srcKey < 0 || dstKey < 0 || srcKey === dstKey) return;
    // Packet time a little behind the latest (captures merged out of
    // order) is held at the latest; a clock that steps further back starts
    // every count afresh, so no stream piles up in one quarter.
    let nowUs = packet.timestampUs;
    sink = report;
    if (nowUs < latestUs) {
      if (latestUs - nowUs <= QUARTER_US) {
        nowUs = latestUs;
      } else if (++stepsBack < STEP_BACK_PACKETS) {
        nowUs = latestUs; // a straggler, or another capture's packet
      } else {
        restart(nowUs, report);
      }
    } else {
      latestUs = nowUs;
      stepsBack = 0;
    }
    if (nowUs >= nextExpiryUs) {
      expire(nowUs, report);
      nextExpiryUs = nowUs + EXPIRY_INTERVAL_US;
    }
    sentPairs.age(nowUs);
    receivedPairs.age(nowUs);
    const group = isGroupDestination(packet) ||
      (frameToGroup(packet) === true && isDirectedBroadcast(dstKey));

    // A watched receiver's datagram to a peer makes the peer's datagrams to
    // it exchanges (only a watched receiver's are ever looked up); it
    // answers the flood's figures only when it goes to a peer that sent
    // to it and that it was not exchanging with already (a busy server's
    // own traffic, to its players or a group, hides no flood).
    const srcHash = hashKey(srcKey, 0, 0);
    if (watched[srcHash & ADMIT_MASK] !== 0) {
      const sender = victims.peek(srcKey, 0, 0, srcHash);
      if (sender !== undefined) noteAnswer(sender, packet, nowUs, group);
    }

    if (group || isServiceReply(packet)) return;
    const dstHash = hashKey(dstKey, 0, 0);
    let state: VictimState | undefined;
    if (watched[dstHash & ADMIT_MASK] !== 0) {
      state = victims.get(dstKey, 0, 0, dstHash);
    }
    if (state === undefined) {
      if (!admits(dstHash, Math.floor(nowUs / 1e6) >>> 0)) return;
      state = resetVictim(
        victims.spare() ?? newVictim(),
        dstKey,
        keptText(dstKey, packet, false),
        nowUs,
      );
      victims.add(dstKey, 0, 0, state, dstHash);
      watched[dstHash & ADMIT_MASK] = 1;
    }
    if (isExchange(state, packet)) {
      state.exchanges++;
      return;
    }
    countDatagram(state, packet, nowUs, report);
  }

  /** Notes a datagram `packet` of watched receiver `sender`. */
  function noteAnswer(
    sender: VictimState,
    packet: PacketRecord,
    nowUs: number,
    group: boolean,
  ): void {
    const srcKey = packet.srcAddressKey;
    const dstKey = packet.dstAddressKey;
    const sent = hashKey(srcKey, dstKey, SENT_SALT);
    if (
      !group && !sentPairs.has(sent) &&
      receivedPairs.has(hashKey(dstKey, srcKey, RECEIVED_SALT))
    ) {
      advance(sender, nowUs);
      sender.quarterAnswers[sender.quarter % QUARTERS]!++;
      sender.answers++;
    }
    sentPairs.mark(sent);
    const slot = sender.sources.top.slotOf(dstKey);
    if (slot >= 0) sender.sourceAnswers[slot]!++;
  }

  /**
   * Whether `packet`, to watched receiver `state`, is an exchange: the
   * receiver sent its source UDP within the last one to two
   * `answerMemoryUs` (a flood that draws a reply now and then, or whose
   * sender slips in a request every few seconds, is none in between).
   */
  function isExchange(state: VictimState, packet: PacketRecord): boolean {
    const srcKey = packet.srcAddressKey;
    const dstKey = packet.dstAddressKey;
    if (sentPairs.has(hashKey(dstKey, srcKey, SENT_SALT))) return true;
    // A source the receiver answers next is a new peer (an exchange's are
    // no answers); a flood's (spoofed) sources would fill the memory for
    // nothing.
    if (!state.flooding) {
      receivedPairs.mark(hashKey(srcKey, dstKey, RECEIVED_SALT));
    }
    return false;
  }

  function countDatagram(
    state: VictimState,
    packet: PacketRecord,
    nowUs: number,
    report: FindingSink,
  ): void {
    if (state.flooding && nowUs - state.lastBusyUs >= quietUs) {
      reportLast(state, report); // the flood's own figures, not this datagram's
      state.flooding = false; // the flood is over; a new one starts afresh
      clearReportMark(state);
    }
    if (!state.flooding && nowUs - state.epochStartUs >= 1_000_000) {
      resetEpoch(state, nowUs);
    }
    advance(state, nowUs);
    const slot = state.quarter % QUARTERS;
    const bytes = packet.ipLength;
    state.quarterDatagrams[slot]! += 1;
    state.quarterBytes[slot]! += bytes;
    if (state.datagrams === 0) state.firstDatagramUs = nowUs;
    state.datagrams++;
    state.bytes += bytes;
    state.lastDatagramUs = nowUs;
    countSource(state, packet);

    let datagrams = 0;
    let byteSum = 0;
    let answers = 0;
    for (let i = 0; i < QUARTERS; i++) {
      datagrams += state.quarterDatagrams[i]!;
      byteSum += state.quarterBytes[i]!;
      answers += state.quarterAnswers[i]!;
    }
    // Unanswered: the receiver's answers are few beside what it got, or
    // its top source alone sent the threshold's worth since the epoch
    // began (about a second) and got few of them (a busy server's answers
    // to its other clients hide no flood from one host).
    const unanswered = answers < maxAnswerShare * datagrams ||
      leaderUnanswered(state, minPackets, maxAnswerShare);
    if (!state.flooding) {
      if (!unanswered || (datagrams < minPackets && byteSum < minBytes)) {
        return;
      }
      state.flooding = true;
      state.floodStartUs = state.firstDatagramUs;
      state.peakRate = datagrams;
      state.peakByteRate = byteSum;
    } else {
      if (datagrams > state.peakRate) state.peakRate = datagrams;
      if (byteSum > state.peakByteRate) state.peakByteRate = byteSum;
    }
    if (
      unanswered &&
      (datagrams * 10 >= minPackets || byteSum * 10 >= minBytes)
    ) state.lastBusyUs = nowUs;
    if (
      !isRepeatReportDue(state, state.datagrams, nowUs, reportIntervalUs)
    ) return;
    markReported(state, state.datagrams, nowUs);
    report(findingOf(state, datagrams, nowUs, config));
  }

  return {
    name: "udp_flood",
    packetKinds: PACKET_KIND.UDP,
    observe,
    tables(): Record<string, TableStats> {
      return { victims: victims.stats() };
    },
    flush(_nowUs: number, report: FindingSink): void {
      for (const state of victims.values()) reportLast(state, report);
    },
    idle(nowUs: number, report: FindingSink): void {
      sink = report;
      expire(Math.max(nowUs, latestUs), report);
    },
  };
}

/**
 * Whether a datagram is an amplifying service's reply as the reflection
 * flood detector counts it: from one of its ports, and not read by the
 * decoder as a request, a notification or no reply.
 */
function isServiceReply(packet: PacketRecord): boolean {
  const srcPort = packet.srcPort;
  if (srcPort < 0 || AMPLIFYING_PORT[srcPort] === 0) return false;
  if (packet.payloadLength === 0) return false; // nothing amplified
  return !isToldNoReply(packet);
}

/** Whether IPv4 address key `key` may be a subnet's broadcast address (its last byte all ones or zeros), as a frame to a group MAC says it is. */
function isDirectedBroadcast(key: number): boolean {
  if (!isIpv4Key(key)) return false;
  const last = key & 0xff;
  return last === 0xff || last === 0;
}

/** Whether `state`'s top source sent `minPackets` (certain) since its epoch began and was answered fewer than `maxAnswerShare` times as often. */
function leaderUnanswered(
  state: VictimState,
  minPackets: number,
  maxAnswerShare: number,
): boolean {
  const top = state.sources.top;
  const slot = top.leader();
  if (slot < 0) return false;
  const count = top.guaranteedAt(slot);
  return count >= minPackets &&
    state.sourceAnswers[slot]! < maxAnswerShare * count;
}

/** Moves `state`'s sliding second on to `nowUs`: quarters passed since its current one are emptied. */
function advance(state: VictimState, nowUs: number): void {
  const quarter = Math.floor(nowUs / QUARTER_US);
  let passed = quarter - state.quarter;
  if (passed <= 0) return; // the same quarter, or packet time stepping back
  if (passed > QUARTERS) passed = QUARTERS;
  for (let i = 1; i <= passed; i++) {
    const slot = (state.quarter + i) % QUARTERS;
    state.quarterDatagrams[slot] = 0;
    state.quarterBytes[slot] = 0;
    state.quarterAnswers[slot] = 0;
  }
  state.quarter = quarter;
}

/** A victim entry, to be {@linkcode resetVictim reset} before use. */
function newVictim(): VictimState {
  return {
    victimKey: -1,
    victimText: "",
    quarter: 0,
    quarterDatagrams: new Float64Array(QUARTERS),
    quarterBytes: new Float64Array(QUARTERS),
    quarterAnswers: new Float64Array(QUARTERS),
    datagrams: 0,
    bytes: 0,
    exchanges: 0,
    answers: 0,
    epochStartUs: 0,
    firstDatagramUs: 0,
    lastDatagramUs: 0,
    sources: new FloodSources(),
    sourceAnswers: new Float64Array(TOP_SOURCES),
    ports: new TopKeys(TOP_PORTS),
    portBits: new Uint32Array(PORT_BITS / 32),
    flooding: false,
    floodStartUs: 0,
    lastBusyUs: -Infinity,
    peakRate: 0,
    peakByteRate: 0,
    reportedCount: 0,
    lastReportUs: -Infinity,
  };
}

/** Makes `state` (new, or an evicted receiver's) the entry of receiver `victimKey` (text as kept) admitted at `nowUs`. */
function resetVictim(
  state: VictimState,
  victimKey: number,
  victimText: string,
  nowUs: number,
): VictimState {
  state.victimKey = victimKey;
  state.victimText = victimText;
  state.quarter = Math.floor(nowUs / QUARTER_US);
  state.quarterDatagrams.fill(0);
  state.quarterBytes.fill(0);
  state.quarterAnswers.fill(0);
  state.lastDatagramUs = nowUs;
  state.flooding = false;
  state.floodStartUs = nowUs;
  state.lastBusyUs = -Infinity;
  state.peakRate = 0;
  state.peakByteRate = 0;
  clearReportMark(state);
  resetEpoch(state, nowUs);
  return state;
}

/** Starts a new counting epoch (totals, sources, ports), keeping the sliding second. */
function resetEpoch(state: VictimState, nowUs: number): void {
  state.datagrams = 0;
  state.bytes = 0;
  state.exchanges = 0;
  state.answers = 0;
  state.epochStartUs = nowUs;
  state.firstDatagramUs = nowUs;
  state.sources.clear();
  state.ports.clear();
  state.portBits.fill(0);
}

/** Counts `packet`'s source and destination port in `state`'s summaries. */
function countSource(state: VictimState, packet: PacketRecord): void {
  const slot = state.sources.add(packet);
  if (state.sources.top.added) state.sourceAnswers[slot] = 0;
  const port = packet.dstPort;
  if (port < 0) return;
  state.ports.add(port);
  const bit = hashKey(port, 0, 1) >>> 20; // 12 bits of a well-mixed hash
  state.portBits[bit >>> 5]! |= 1 << (bit & 31);
}

/** High from five times the threshold (50 000 datagrams or 1 Gbit/s a second by default). */
function severityOf(
  state: VictimState,
  config: Required<UdpFloodOptions>,
): Severity {
  return state.peakRate >= 5 * config.minPackets ||
      state.peakByteRate >= 5 * config.minBytes
    ? "high"
    : "medium";
}

/** Rounds to one decimal. */
function tenths(value: number): number {
  return Math.round(value * 10) / 10;
}

function findingOf(
  state: VictimState,
  rate: number,
  nowUs: number,
  config: Required<UdpFloodOptions>,
): Finding {
  const leader = state.sources.leader(state.datagrams);
  // A leader whose own datagrams alone crossed the threshold floods beside
  // the receiver's other one-way traffic (a collector's).
  const dominant = leader.share >= config.dominantShare ||
    (leader.share > 0.5 && leader.count >= config.minPackets);
  const attacker = floodAttacker(leader, dominant);
  const victim = addressTextOf(state.victimKey, state.victimText);
  const { from, sources } = state.sources.fromText(
    attacker,
    leader,
    dominant,
    state.datagrams,
  );
  const ports = Math.min(linearCount(state.portBits, PORT_BITS), 65_536);
  const topPort = state.ports.leader();
  const topPortNumber = topPort < 0 ? -1 : state.ports.keyAt(topPort);
  const topPortShare = topPort < 0 || state.datagrams === 0
    ? 0
    : state.ports.guaranteedAt(topPort) / state.datagrams;
  const durationUs = Math.max(nowUs - state.floodStartUs, 0);
  const durationSeconds = tenths(durationUs / 1e6);
  const meanRate = durationUs > 0
    ? tenths(state.datagrams / (durationUs / 1e6))
    : state.datagrams;

  const to = topPortShare >= 0.9
    ? `port ${topPortNumber}`
    : ports <= 1
    ? "its ports"
    : `about ${ports} ports`;
  // The peak is the busiest whole second's; a flood shorter than a second
  // (or within two) may have run faster than any second counted whole:
  // its mean over its span then is the peak.
  const peakRate = Math.round(Math.max(state.peakRate, meanRate));
  const peakMbps = tenths(
    Math.max(
      state.peakByteRate,
      durationUs > 0 ? state.bytes / (durationUs / 1e6) : 0,
    ) *
      8 / 1e6,
  );
  const now = rate > 0 ? `${Math.round(rate)}/s now, ` : "";
  return {
    kind: "udp_flood",
    key: victim,
    timestampUs: nowUs,
    startUs: state.floodStartUs,
    severity: severityOf(state, config),
    attacker,
    victim,
    domain: "",
    summary: `${victim} received ${state.datagrams} UDP datagrams (${
      formatBytes(state.bytes)
    }) to ${to} ${from} in ${
      elapsedText(durationUs)
    } that it did not answer (${now}peak ${peakRate}/s, ${peakMbps} Mbit/s): UDP flood`,
    evidence: {
      datagrams: state.datagrams,
      bytes: state.bytes,
      ratePerSecond: Math.round(rate),
      peakRatePerSecond: peakRate,
      peakMegabitsPerSecond: peakMbps,
      meanRatePerSecond: meanRate,
      distinctSources: sources,
      topSource: leader.text,
      topSourceShare: Math.round(leader.share * 1000) / 1000,
      ...state.sources.macs.evidence(state.datagrams),
      sampleSources: state.sources.distinct.samples(),
      topPort: topPortNumber,
      topPortShare: Math.round(topPortShare * 1000) / 1000,
      distinctPorts: ports,
      answers: state.answers,
      exchanges: state.exchanges,
      durationSeconds,
    },
  };
}
