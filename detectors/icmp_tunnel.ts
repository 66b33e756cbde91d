/**
 * ICMP tunnel detector: echo replies that carry other data than the
 * requests they answer, or answer requests never sent (ptunnel and
 * ptunnel-ng, icmpsh, hans, icmptunnel, Cobalt Strike's and Sliver's ICMP
 * channels), and echo requests that carry new data each time (a file sent
 * out with hping3 -E, or piece by piece with ping -p in a loop, which the
 * far end's kernel echoes back unchanged).
 *
 * An echo reply returns the request's identifier, sequence number and
 * data unchanged: RFC 792 ("the data received in the echo message must be
 * returned in the echo reply message"), RFC 1122 section 3.2.2.6 and RFC
 * 4443 section 4.2 say so, and every stack does it. A tunnel's server
 * answers its client's requests with replies of its own, carrying the
 * other direction's data. The decoder reads each echo's content from its
 * checksum (`icmpEchoSum`: the one's complement sum of identifier,
 * sequence number and data, the type's share taken out), which covers the
 * whole message even when it is fragmented or cut by the snap length, so
 * a reply whose sum or data length differs from its request's, matched by
 * addresses, identifier and sequence number, is a tunnel's. In the shared
 * captures every one of a ptunnel session's 415 replies differs from its
 * request, and every one of the 700 other matched replies (pings, floods,
 * sweeps, traceroutes, nmap's host discovery, fragmented pings) equals its
 * own.
 *
 * Requests are remembered by echo session (client, server, identifier):
 * its last two, with their sequence numbers and sums; a session's first
 * request only marks a bitmap (TinyLFU's doorkeeper), so a sweep's one
 * request to each of many hosts costs a bit test, and the reply to a
 * session's first request is not judged. A reply of a sequence number
 * ahead of any the client sent (ptunnel's proxy numbers its replies on its
 * own), more than one ahead (one ahead is a request the capture missed, or
 * a reply captured before its request), in a session whose last request
 * came within `requestMemoryUs`, answers no request: a tunnel's too, which
 * no stack sends. A reply behind the session's last two requests (pings in
 * flight: ping -l, a long round trip) is not judged.
 *
 * Counted per echo session, over tumbling windows of `windowUs`: replies
 * judged, and replies that differ or answer no request. A reply shorter
 * than a request of more than 548 data bytes is not judged: a host that
 * cannot fragment may cut the echo to its path's MTU (RFC 1122). A session
 * tunnels once `minMismatches` of its replies differed within its window
 * and at least `minMismatchShare` of those it judged there did (the
 * server's own kernel may also answer each request with its data: half
 * the replies then match; the client's ordinary pings to the same server,
 * in other sessions, do not dilute it).
 *
 * Requests are judged too, by pair of hosts (client, server) over all its
 * sessions: past its first 16 bytes, where pings put their send time, a
 * ping's data is one pattern, the same in every request (iputils, BSD,
 * macOS, Windows, BusyBox, traceroute, nmap's probes), while a tunnel's
 * or an exfiltration's requests carry new data each time. The decoder
 * reads that part's sum from the checksum too (`icmpEchoTailSum`), and
 * each pair keeps the last four kinds of data it sent (sum and length),
 * so pingers that take turns (two tools, two sizes, another pattern)
 * repeat theirs; the standard pingers' patterns (iputils', BSD's and
 * macOS's incrementing bytes, Windows' alphabet, zeros: ping_patterns.ts)
 * are one kind each at every length, so `ping -s` over many sizes (a path
 * MTU check) repeats its one kind; since a pattern is known by its sum,
 * which two bytes of any data can forge, only a check's share of requests
 * (32 a window) is taken so, and later ones are data of their length and
 * sum again. pro-bing's layout, told by the decoder from the bytes
 * (`icmpEchoTracker`: a send time within a minute of the capture's, a
 * version-4 UUID naming the pinger, bytes of 1), is not judged for 64
 * requests a window, neither new nor a repeat: Go monitors (Telegraf's
 * native ping, gatus) make a new pinger, so a new UUID, for every check. A
 * request of a kind not among them is new; a pair
 * tunnels once `minMismatches` of its requests in its window were new and
 * at least `minMismatchShare` of those judged were. A pair's first request
 * only marks the bitmap, as a session's does. In the shared captures no
 * ping, flood, sweep or traceroute sends new data twice; ptunnel's
 * requests do in 80 of 447.
 *
 * Findings: per pair of hosts, key = "client→server"; attacker = the
 * client (the host that tunnels out, as for DNS tunnels; for a reverse
 * channel such as icmpsh, the compromised host), victim = the server (the
 * tunnel's far end). Reported when one of the pair's sessions, or its
 * requests, first cross the thresholds, then again while the incident goes
 * on whenever its differing replies and new requests have doubled, or at
 * most every `reportIntervalUs`; it ends `windowUs` after the last of
 * them, and its figures count from its first. One alert per pair and
 * incident.
 *
 * Limits: a capture that sees only the server's side judges nothing (of
 * the client's side, only the requests); a tunnel whose requests repeat
 * one of four kinds of data (or hold 16 bytes or fewer, or change only in
 * their first 16) and whose replies are crafted to give each its
 * request's length and checksum sum (two bytes of padding do it) is not
 * found; nor is one whose data changes slower than `minMismatches` a
 * window. A pinger that sends new data past 16 bytes in every request
 * (nping or hping3 with random data, a monitoring probe that writes a
 * counter there, or pro-bing's new pinger for every check more than 64
 * times a minute) to one host is reported as one; a tunnel that forges
 * pro-bing's layout hides about 1 kB a minute per server in its UUIDs (15
 * bytes and a few bits of send time in each of 64 a pair; ten servers,
 * ten times that); a reply tunnel that takes
 * a new identifier for every request is never judged by its replies; one
 * whose server numbers its replies behind the client's requests is judged
 * only by the replies of the last two requests' numbers. Replies are
 * evidence the server controls: anyone spoofing a server's replies with a
 * client's identifier can make the client look like a tunnel's. Under an
 * echo flood of new identifiers (more than `maxSessions`) or pairs (more
 * than `maxRequestPairs`), a slow tunnel's session or pair can be
 * forgotten between its requests.
 *
 * @module
 */

import { INCIDENT_MEMORY_US } from "./alert_lifecycle.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { ICMP_TYPE, ICMPV6_TYPE } from "../capture/decode/icmp.ts";
import { addressTextOf, keptText } from "../capture/decoded_packet.ts";
import {
  elapsedText,
  type Finding,
  type FindingSink,
  type Severity,
} from "./alert.ts";
import { type Detector, PACKET_KIND, type TableStats } from "./detector.ts";
import { hashKey, NumericKeyMap } from "./numeric_key_map.ts";
import { Doorkeeper } from "./stats/doorkeeper.ts";
import {
  NO_PATTERN,
  standardPattern,
  TRACKER_PATTERN,
} from "./ping_patterns.ts";

/** Requests of a pair within a window whose standard pattern makes them one kind at every length: a path MTU check's sizes (ping -s from 1472 down by 8 to 1232 is 31). */
const MAX_PATTERN_REQUESTS = 32;

/**
 * Requests of a pair within a window that pro-bing's layout makes one kind
 * (`PacketRecord.icmpEchoTracker`): a monitor's check every second, each
 * by a new pinger, is 60 a window. A tunnel that forges the layout carries
 * its UUID's 122 free bits in each, about 1 kB a window.
 */
const MAX_TRACKER_REQUESTS = 64;
import { requirePositive } from "./option_checks.ts";
import {
  clearReportMark,
  isFinalReportDue,
  isRepeatReportDue,
  markReported,
  type ReportMark,
} from "./report_cadence.ts";

/** Options of {@linkcode createIcmpTunnelDetector}. */
export interface IcmpTunnelOptions {
  /** Replies of one echo session carrying other data than their requests (or answering none), within the window, that make a tunnel. */
  minMismatches?: number;
  /** Least share (0–1] of the session's judged replies in the window that differ. */
  minMismatchShare?: number;
  /** Window over which a session's replies are counted, and quiet time that ends an incident, µs of packet time. */
  windowUs?: number;
  /** How long a request waits for its reply, µs of packet time. */
  requestMemoryUs?: number;
  /** Echo sessions (client, server, identifier) remembered at once, each with its last two requests; beyond this the least recently active is forgotten. */
  maxSessions?: number;
  /** Pairs of hosts whose echo requests' data is followed at once (the last four kinds each sent); beyond this the least recently active is forgotten. */
  maxRequestPairs?: number;
  /** Pairs of hosts with a tunnel incident tracked at once; beyond this the least recently active is evicted (its last figures reported first). */
  maxPairs?: number;
  /** Packet time between repeated findings of one tunnel (unless its differing replies doubled), µs. */
  reportIntervalUs?: number;
}

/**
 * Defaults of {@linkcode IcmpTunnelOptions}.
 *
 * - `minMismatches` 8 within `windowUs` 60 s: ptunnel's idle keep-alives alone
 *   pass it in the shared capture's first minute; one stray reply (two pings
 *   sharing an identifier, a middlebox's odd answer) does not.
 * - `minMismatchShare` 0.25: a tunnel server whose kernel also answers
 *   every request makes half of its replies match.
 * - `requestMemoryUs` 30 s: longer than any echo's round trip.
 * - `maxSessions` 16 384 × about 150 B: 2.5 MB. A session's first request
 *   only marks a bitmap (a doorkeeper, as in TinyLFU): a sweep, one request
 *   to each of many hosts, costs a bit test a packet and leaves the table
 *   to the sessions that go on (pings, tunnels).
 * - `maxRequestPairs` 16 384 × about 120 B: 2 MB; as sessions, a pair's
 *   first request only marks the bitmap.
 * - `maxPairs` 4 096 × about 200 B: under 1 MB; a pair gets an entry only
 *   when one of its sessions crosses the thresholds.
 * - `reportIntervalUs` 10 s, the alert lifecycle's update interval.
 */
export const ICMP_TUNNEL_DEFAULTS = {
  minMismatches: 8,
  minMismatchShare: 0.25,
  windowUs: 60_000_000,
  requestMemoryUs: 30_000_000,
  maxSessions: 16_384,
  maxRequestPairs: 16_384,
  maxPairs: 4_096,
  reportIntervalUs: 10_000_000,
} satisfies Required<IcmpTunnelOptions>;

/** Echo data of at most this many bytes always fits a reply whole: 576-byte datagrams (RFC 791, RFC 1122) less the IP and ICMP headers. */
const NEVER_CUT_BYTES = 548;

/** Half the sequence number space: a reply's number ahead of the session's last request by less than this was never sent yet; by more, it is behind (wrapped). */
const HALF_SEQUENCE_SPACE = 0x8000;

/** Packet time between expiry sweeps of the tables, µs. */
const EXPIRY_INTERVAL_US = 1_000_000;

/** One echo session (client, server, identifier): its last two requests, and its replies' counts in its window. */
interface SessionEntry {
  lastSeq: number;
  lastSum: number;
  lastLength: number;
  lastUs: number;
  previousSeq: number;
  previousSum: number;
  previousLength: number;
  /** Start of the counting window, µs; replies judged, differing and answering no request since, and the first differing one's time. */
  windowStartUs: number;
  judged: number;
  mismatches: number;
  unsolicited: number;
  firstMismatchUs: number;
}

/** Kinds of echo data a pair's request memory keeps (see {@linkcode RequestPairEntry}). */
const RECENT_DATA_KINDS = 4;

/** Added to the identifier word of a pair's doorkeeper key, so it never meets a session's (identifiers are below 65 536). */
const REQUEST_PAIR_KEY = 0x10000;

/**
 * One pair of hosts' echo requests (client → server), over all their
 * sessions: the last {@linkcode RECENT_DATA_KINDS} kinds of data sent past
 * the stamp (data length × 65 536 + `icmpEchoTailSum`), and the requests
 * judged and carrying a kind not among them, in its window.
 */
interface RequestPairEntry {
  recent: number[];
  /** Where the next new kind goes in `recent`. */
  nextRecent: number;
  lastUs: number;
  windowStartUs: number;
  judged: number;
  novel: number;
  /** Requests in the window whose data read as a standard pinger's pattern (at most {@linkcode MAX_PATTERN_REQUESTS} are one kind whatever their length). */
  patternRequests: number;
  firstNovelUs: number;
}

/** One pair's tunnel incident; its {@linkcode ReportMark} counts `mismatches` + `novelRequests`. */
interface PairState extends ReportMark {
  clientKey: number;
  clientText: string;
  serverKey: number;
  serverText: string;
  /** The incident's judged, differing and unanswering replies, its judged requests and those with new data, and the requests and replies and their data bytes, from its start. */
  judged: number;
  mismatches: number;
  unsolicited: number;
  judgedRequests: number;
  novelRequests: number;
  requests: number;
  replies: number;
  requestBytes: number;
  replyBytes: number;
  startUs: number;
  /** The incident's last differing reply or request with new data: it ends `windowUs` after it. */
  lastMismatchUs: number;
  tunnelling: boolean;
}

/**
 * Creates the ICMP tunnel detector (kind "icmp_tunnel"): one incident per
 * pair of hosts whose echo replies carry other data than their requests.
 *
 * @example
 * ```ts
 * const detector = createIcmpTunnelDetector({ minMismatches: 20 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createIcmpTunnelDetector(
  options: IcmpTunnelOptions = {},
): Detector {
  const config = { ...ICMP_TUNNEL_DEFAULTS, ...options };
  requirePositive("ICMP tunnel detector", config, [
    "minMismatches",
    "windowUs",
    "requestMemoryUs",
    "maxSessions",
    "maxRequestPairs",
    "maxPairs",
    "reportIntervalUs",
  ]);
  const { minMismatches, minMismatchShare, windowUs, requestMemoryUs } = config;
  if (!Number.isInteger(minMismatches)) {
    throw new RangeError(
      `Cannot create ICMP tunnel detector: minMismatches must be an integer, got ${minMismatches}`,
    );
  }
  if (!(minMismatchShare > 0 && minMismatchShare <= 1)) {
    throw new RangeError(
      `Cannot create ICMP tunnel detector: minMismatchShare must be within (0, 1], got ${minMismatchShare}`,
    );
  }

  // Keyed by (client, server, identifier).
  const sessions = new NumericKeyMap<SessionEntry>(
    config.maxSessions,
    undefined,
    { recycle: true },
  );
  // Keyed by (client, server, REQUEST_PAIR_KEY).
  const requestPairs = new NumericKeyMap<RequestPairEntry>(
    config.maxRequestPairs,
    undefined,
    { recycle: true },
  );
  // A session's or request pair's first request only marks this (256
  // Kbit, cleared after 32 768 marks).
  const doorkeeper = new Doorkeeper(18, 1 << 15);
  // Keyed by (client, server); an evicted incident reports its last figures.
  let reportEvicted: FindingSink = () => {};
  const pairs = new NumericKeyMap<PairState>(
    config.maxPairs,
    (state) => {
      reportLast(state, reportEvicted);
      carry(state);
    },
    { recycle: true },
  );
  // Pairs' ended incidents, for one that comes back (keyed as pairs).
  const carried = new NumericKeyMap<CarriedTunnel>(MAX_CARRIED_TUNNELS);
  let nextExpiryUs = -Infinity;

  function expire(nowUs: number, report: FindingSink): void {
    sessions.expireOldest((entry) => nowUs - entry.lastUs >= requestMemoryUs);
    requestPairs.expireOldest((entry) => nowUs - entry.lastUs >= windowUs);
    pairs.expireOldest((state) => {
      if (nowUs - state.lastMismatchUs < windowUs) return false;
      reportLast(state, report);
      carry(state);
      return true;
    });
  }

  /** Remembers `state`'s incident, ended, for the pair's next one. */
  function carry(state: PairState): void {
    if (!state.tunnelling) return;
    carried.set(state.clientKey, state.serverKey, 0, carriedOf(state));
  }

  /** Makes `state`'s incident, just started at `nowUs`, go on with its pair's ended one when that ended within {@linkcode INCIDENT_MEMORY_US}: the alert's figures are the whole tunnel's, not its last stretch's. */
  function goOnWithEnded(state: PairState, nowUs: number): void {
    const ended = carried.peek(state.clientKey, state.serverKey, 0);
    if (ended === undefined) return;
    carried.delete(state.clientKey, state.serverKey, 0);
    if (nowUs - ended.lastMismatchUs < INCIDENT_MEMORY_US) {
      addEnded(state, ended);
    }
  }

  /** The last finding of an incident whose figures changed since its last one. */
  function reportLast(state: PairState, report: FindingSink): void {
    const changes = changesOf(state);
    if (
      !state.tunnelling ||
      !isFinalReportDue(state, changes, state.lastMismatchUs)
    ) {
      return;
    }
    markReported(state, changes, state.lastMismatchUs);
    report(findingOf(state, state.lastMismatchUs, config));
  }

  function observe(packet: PacketRecord, report: FindingSink): void {
    const type = packet.icmpType;
    let request: boolean;
    if (packet.transport === "icmp") {
      if (type === ICMP_TYPE.ECHO_REQUEST) request = true;
      else if (type === ICMP_TYPE.ECHO_REPLY) request = false;
      else return;
    } else if (packet.transport === "icmpv6") {
      if (type === ICMPV6_TYPE.ECHO_REQUEST) request = true;
      else if (type === ICMPV6_TYPE.ECHO_REPLY) request = false;
      else return;
    } else {
      return;
    }
    const srcKey = packet.srcAddressKey;
    const dstKey = packet.dstAddressKey;
    // A cut echo header has no sum to compare.
    if (srcKey < 0 || dstKey < 0 || packet.icmpEchoSum < 0) return;
    const nowUs = packet.timestampUs;
    reportEvicted = report;
    if (nowUs >= nextExpiryUs) {
      expire(nowUs, report);
      nextExpiryUs = nowUs + EXPIRY_INTERVAL_US;
    }
    const id = packet.icmpId;
    const seq = packet.icmpSeq;
    if (request) {
      const hash = hashKey(srcKey, dstKey, id);
      let entry = sessions.get(srcKey, dstKey, id, hash);
      if (entry === undefined && doorkeeper.seen(hash)) {
        entry = resetSession(sessions.spare() ?? newSession(), nowUs);
        sessions.add(srcKey, dstKey, id, entry, hash);
      }
      if (entry !== undefined) {
        entry.previousSeq = entry.lastSeq;
        entry.previousSum = entry.lastSum;
        entry.previousLength = entry.lastLength;
        entry.lastSeq = seq;
        entry.lastSum = packet.icmpEchoSum;
        entry.lastLength = packet.payloadLength;
        entry.lastUs = nowUs;
      }
      const state = pairs.peek(srcKey, dstKey, 0);
      if (state !== undefined && state.tunnelling) {
        state.requests++;
        state.requestBytes += packet.payloadLength;
      }
      if (packet.icmpEchoTailSum >= 0) {
        observeRequestData(packet, srcKey, dstKey, nowUs, report);
      }
      return;
    }
    // A reply: from the server (source) to the client (destination), in
    // the client's echo session with it, which must be going on.
    const entry = sessions.peek(dstKey, srcKey, id);
    if (entry === undefined || nowUs - entry.lastUs >= requestMemoryUs) return;
    const length = packet.payloadLength;
    const sum = packet.icmpEchoSum;
    let differs: boolean;
    let unsolicited = false;
    if (
      (seq === entry.lastSeq && sum === entry.lastSum &&
        length === entry.lastLength) ||
      (seq === entry.previousSeq && sum === entry.previousSum &&
        length === entry.previousLength)
    ) {
      differs = false;
    } else if (seq === entry.lastSeq || seq === entry.previousSeq) {
      const requestLength = seq === entry.lastSeq
        ? entry.lastLength
        : entry.previousLength;
      // A reply cut to its path's MTU is no tunnel's.
      if (length < requestLength && requestLength > NEVER_CUT_BYTES) return;
      differs = true;
    } else {
      const ahead = (seq - entry.lastSeq) & 0xffff;
      // Behind: an earlier request's, no longer remembered. One ahead: a
      // request the capture missed, or a reply captured before it.
      if (ahead >= HALF_SEQUENCE_SPACE || ahead <= 1) return;
      differs = true;
      unsolicited = true;
    }
    if (nowUs - entry.windowStartUs >= windowUs) {
      entry.windowStartUs = nowUs;
      entry.judged = 0;
      entry.mismatches = 0;
      entry.unsolicited = 0;
    }
    entry.judged++;
    if (differs) {
      if (entry.mismatches === 0) entry.firstMismatchUs = nowUs;
      entry.mismatches++;
      if (unsolicited) entry.unsolicited++;
    }
    const pairHash = hashKey(dstKey, srcKey, 0);
    let state = pairs.get(dstKey, srcKey, 0, pairHash);
    if (state !== undefined && goesOn(state, nowUs, report)) {
      state.judged++;
      state.replies++;
      state.replyBytes += length;
      if (!differs) return;
      state.mismatches++;
      if (unsolicited) state.unsolicited++;
      state.lastMismatchUs = nowUs;
      reportIfDue(state, nowUs, report);
      return;
    }
    // No incident: this session's window decides whether one starts.
    if (!differs || !crosses(entry.mismatches, entry.judged)) return;
    state ??= addPair(packet, false, pairHash);
    startIncident(state, entry, nowUs, length);
    goOnWithEnded(state, nowUs);
    reportIfDue(state, nowUs, report);
  }

  /** A new pair's state (a spare one's, reused), between `packet`'s client (its source when `fromClient`) and server, added under `pairHash`. */
  function addPair(
    packet: PacketRecord,
    fromClient: boolean,
    pairHash: number,
  ): PairState {
    const clientKey = fromClient ? packet.srcAddressKey : packet.dstAddressKey;
    const serverKey = fromClient ? packet.dstAddressKey : packet.srcAddressKey;
    const state = pairs.spare() ?? newPair();
    state.clientKey = clientKey;
    state.clientText = keptText(clientKey, packet, fromClient);
    state.serverKey = serverKey;
    state.serverText = keptText(serverKey, packet, !fromClient);
    pairs.add(clientKey, serverKey, 0, state, pairHash);
    return state;
  }

  /**
   * Judges an echo request's data past the stamp against the last kinds
   * its pair of hosts sent (all sessions), and starts or feeds the pair's
   * incident.
   */
  function observeRequestData(
    packet: PacketRecord,
    clientKey: number,
    serverKey: number,
    nowUs: number,
    report: FindingSink,
  ): void {
    const dataKind = packet.payloadLength * 0x10000 + packet.icmpEchoTailSum;
    // A standard pinger's data is one kind at every length (ping -s over
    // many sizes: a path MTU check); other data, its length and sum.
    const tracker = packet.icmpEchoTracker;
    const pattern = tracker
      ? TRACKER_PATTERN
      : standardPattern(packet.payloadLength, packet.icmpEchoTailSum);
    const hash = hashKey(clientKey, serverKey, REQUEST_PAIR_KEY);
    let entry = requestPairs.get(clientKey, serverKey, REQUEST_PAIR_KEY, hash);
    if (entry === undefined) {
      if (!doorkeeper.seen(hash)) return;
      entry = resetRequestPair(
        requestPairs.spare() ?? newRequestPair(),
        nowUs,
        pattern !== NO_PATTERN ? pattern : dataKind,
      );
      requestPairs.add(clientKey, serverKey, REQUEST_PAIR_KEY, entry, hash);
      return;
    }
    entry.lastUs = nowUs;
    if (nowUs - entry.windowStartUs >= windowUs) {
      entry.windowStartUs = nowUs;
      entry.judged = 0;
      entry.novel = 0;
      entry.patternRequests = 0;
    }
    // A pattern is known by its sum alone, which two bytes of data can
    // forge: past a path MTU check's share of requests in the window, a
    // "pattern" is data of its length and sum again.
    const kind = pattern !== NO_PATTERN &&
        ++entry.patternRequests <=
          (tracker ? MAX_TRACKER_REQUESTS : MAX_PATTERN_REQUESTS)
      ? pattern
      : dataKind;
    // A monitor's checks are not judged: counted as repeats they would
    // dilute a tunnel's share of new data (the red team's 64 checks a
    // minute beside 12 large requests of a tunnel).
    if (kind === TRACKER_PATTERN) return;
    entry.judged++;
    const recent = entry.recent;
    const novel = !recent.includes(kind);
    if (novel) {
      recent[entry.nextRecent] = kind;
      entry.nextRecent = (entry.nextRecent + 1) % RECENT_DATA_KINDS;
      if (entry.novel === 0) entry.firstNovelUs = nowUs;
      entry.novel++;
    }
    const pairHash = hashKey(clientKey, serverKey, 0);
    let state = pairs.get(clientKey, serverKey, 0, pairHash);
    if (state !== undefined && goesOn(state, nowUs, report)) {
      state.judgedRequests++;
      if (!novel) return;
      state.novelRequests++;
      state.lastMismatchUs = nowUs;
      reportIfDue(state, nowUs, report);
      return;
    }
    if (!novel || !crosses(entry.novel, entry.judged)) return;
    state ??= addPair(packet, true, pairHash);
    startRequestIncident(state, entry, nowUs, packet.payloadLength);
    goOnWithEnded(state, nowUs);
    reportIfDue(state, nowUs, report);
  }

  /**
   * Whether `state`'s incident goes on at `nowUs`: false when there is none,
   * or when it has been quiet for a window (it ends then, its own last
   * figures reported, and a new one starts afresh).
   */
  function goesOn(
    state: PairState,
    nowUs: number,
    report: FindingSink,
  ): boolean {
    if (!state.tunnelling) return false;
    if (nowUs - state.lastMismatchUs < windowUs) return true;
    reportLast(state, report);
    carry(state);
    state.tunnelling = false;
    clearReportMark(state);
    return false;
  }

  /** Whether `changed` of `judged` (replies that differ, requests with new data) in a window make a tunnel. */
  function crosses(changed: number, judged: number): boolean {
    return changed >= minMismatches && changed >= minMismatchShare * judged;
  }

  function reportIfDue(
    state: PairState,
    nowUs: number,
    report: FindingSink,
  ): void {
    const changes = changesOf(state);
    if (!isRepeatReportDue(state, changes, nowUs, config.reportIntervalUs)) {
      return;
    }
    markReported(state, changes, nowUs);
    report(findingOf(state, nowUs, config));
  }

  return {
    name: "icmp_tunnel",
    packetKinds: PACKET_KIND.ICMP,
    observe,
    tables(): Record<string, TableStats> {
      return {
        sessions: sessions.stats(),
        requestPairs: requestPairs.stats(),
        pairs: pairs.stats(),
      };
    },
    flush(_nowUs: number, report: FindingSink): void {
      for (const state of pairs.values()) reportLast(state, report);
    },
  };
}

/** A session entry, to be {@linkcode resetSession reset} before use. */
function newSession(): SessionEntry {
  return {
    lastSeq: -1,
    lastSum: -1,
    lastLength: 0,
    lastUs: -Infinity,
    previousSeq: -1,
    previousSum: -1,
    previousLength: 0,
    windowStartUs: 0,
    judged: 0,
    mismatches: 0,
    unsolicited: 0,
    firstMismatchUs: 0,
  };
}

/** Makes `entry` (new, or an evicted session's) a session with no request yet, its window starting at `nowUs`. */
function resetSession(entry: SessionEntry, nowUs: number): SessionEntry {
  entry.lastSeq = -1;
  entry.lastSum = -1;
  entry.lastLength = 0;
  entry.lastUs = nowUs;
  entry.windowStartUs = nowUs;
  entry.judged = 0;
  entry.mismatches = 0;
  entry.unsolicited = 0;
  entry.firstMismatchUs = nowUs;
  return entry;
}

/** A request pair entry, to be {@linkcode resetRequestPair reset} before use. */
function newRequestPair(): RequestPairEntry {
  return {
    recent: new Array<number>(RECENT_DATA_KINDS).fill(-1),
    nextRecent: 0,
    lastUs: 0,
    windowStartUs: 0,
    judged: 0,
    novel: 0,
    patternRequests: 0,
    firstNovelUs: 0,
  };
}

/** Makes `entry` (new, or an evicted pair's) a pair whose first request, at `nowUs`, sent data of `kind`. */
function resetRequestPair(
  entry: RequestPairEntry,
  nowUs: number,
  kind: number,
): RequestPairEntry {
  entry.recent.fill(-1);
  entry.recent[0] = kind;
  entry.nextRecent = 1;
  entry.lastUs = nowUs;
  entry.windowStartUs = nowUs;
  entry.judged = 0;
  entry.novel = 0;
  entry.patternRequests = 0;
  entry.firstNovelUs = nowUs;
  return entry;
}

/** Ended incidents remembered at most. */
const MAX_CARRIED_TUNNELS = 256;

/** A pair's ended incident: its counts, start and last change. */
type CarriedTunnel = Pick<
  PairState,
  | "judged"
  | "mismatches"
  | "unsolicited"
  | "judgedRequests"
  | "novelRequests"
  | "requests"
  | "replies"
  | "requestBytes"
  | "replyBytes"
  | "startUs"
  | "lastMismatchUs"
>;

/** `state`'s incident's counts (a copy: the entry is reused). */
function carriedOf(state: PairState): CarriedTunnel {
  return {
    judged: state.judged,
    mismatches: state.mismatches,
    unsolicited: state.unsolicited,
    judgedRequests: state.judgedRequests,
    novelRequests: state.novelRequests,
    requests: state.requests,
    replies: state.replies,
    requestBytes: state.requestBytes,
    replyBytes: state.replyBytes,
    startUs: state.startUs,
    lastMismatchUs: state.lastMismatchUs,
  };
}

/** Adds `ended`'s counts to `state`'s incident, which then starts at `ended`'s start. */
function addEnded(state: PairState, ended: CarriedTunnel): void {
  state.judged += ended.judged;
  state.mismatches += ended.mismatches;
  state.unsolicited += ended.unsolicited;
  state.judgedRequests += ended.judgedRequests;
  state.novelRequests += ended.novelRequests;
  state.requests += ended.requests;
  state.replies += ended.replies;
  state.requestBytes += ended.requestBytes;
  state.replyBytes += ended.replyBytes;
  state.startUs = Math.min(state.startUs, ended.startUs);
}

/** A pair entry, filled when its first incident starts. */
function newPair(): PairState {
  return {
    clientKey: -1,
    clientText: "",
    serverKey: -1,
    serverText: "",
    judged: 0,
    mismatches: 0,
    unsolicited: 0,
    judgedRequests: 0,
    novelRequests: 0,
    requests: 0,
    replies: 0,
    requestBytes: 0,
    replyBytes: 0,
    startUs: 0,
    lastMismatchUs: 0,
    tunnelling: false,
    reportedCount: 0,
    lastReportUs: -Infinity,
  };
}

/** Starts an incident of `state` from `session`'s window, which crossed the thresholds at `nowUs` with a reply of `replyBytes` data bytes. */
function startIncident(
  state: PairState,
  session: SessionEntry,
  nowUs: number,
  replyBytes: number,
): void {
  state.judged = session.judged;
  state.mismatches = session.mismatches;
  state.unsolicited = session.unsolicited;
  state.judgedRequests = 0;
  state.novelRequests = 0;
  state.requests = 0;
  state.replies = session.judged;
  state.requestBytes = 0;
  state.replyBytes = replyBytes;
  state.startUs = session.firstMismatchUs;
  state.lastMismatchUs = nowUs;
  state.tunnelling = true;
  clearReportMark(state);
}

/** Starts an incident of `state` from a request pair's window, which crossed the thresholds at `nowUs` with a request of `requestBytes` data bytes. */
function startRequestIncident(
  state: PairState,
  pair: RequestPairEntry,
  nowUs: number,
  requestBytes: number,
): void {
  state.judged = 0;
  state.mismatches = 0;
  state.unsolicited = 0;
  state.judgedRequests = pair.judged;
  state.novelRequests = pair.novel;
  state.requests = 1;
  state.replies = 0;
  state.requestBytes = requestBytes;
  state.replyBytes = 0;
  state.startUs = pair.firstNovelUs;
  state.lastMismatchUs = nowUs;
  state.tunnelling = true;
  clearReportMark(state);
}

/** What an incident's reports count: differing replies and requests with new data. */
function changesOf(state: PairState): number {
  return state.mismatches + state.novelRequests;
}

/** The summary's account of the incident's evidence: replies that differ, requests with new data, or both. */
function whatChanged(state: PairState, client: string, server: string): string {
  const replies =
    `${server} answered ${client}'s echo requests with other data than they carried, or with replies to no request, in ${state.mismatches} of ${state.judged} replies`;
  // Past the send time a ping's requests repeat one pattern.
  const requests =
    `new data past the send time in ${state.novelRequests} of ${state.judgedRequests}`;
  if (state.novelRequests === 0) return replies;
  if (state.mismatches === 0) {
    return `${client} sent ${server} echo requests with ${requests}`;
  }
  return `${replies}, and ${client}'s requests had ${requests}`;
}

function severityOf(state: PairState): Severity {
  return state.requestBytes + state.replyBytes >= 1_000_000 ? "high" : "medium";
}

function findingOf(
  state: PairState,
  nowUs: number,
  config: Required<IcmpTunnelOptions>,
): Finding {
  const client = addressTextOf(state.clientKey, state.clientText);
  const server = addressTextOf(state.serverKey, state.serverText);
  const durationSeconds = Math.round(Math.max(nowUs - state.startUs, 0) / 1e5) /
    10;
  const bytes = state.requestBytes + state.replyBytes;
  return {
    kind: "icmp_tunnel",
    key: `${client}→${server}`,
    timestampUs: nowUs,
    startUs: state.startUs,
    severity: severityOf(state),
    attacker: client,
    victim: server,
    domain: "",
    summary: `${
      whatChanged(state, client, server)
    } (${bytes} bytes of echo data since the tunnel was seen, in ${
      elapsedText(Math.max(nowUs - state.startUs, 0))
    }): ICMP tunnel`,
    evidence: {
      differingReplies: state.mismatches,
      repliesToNoRequest: state.unsolicited,
      judgedReplies: state.judged,
      requestsWithNewData: state.novelRequests,
      judgedRequests: state.judgedRequests,
      requests: state.requests,
      replies: state.replies,
      requestDataBytes: state.requestBytes,
      replyDataBytes: state.replyBytes,
      durationSeconds,
      windowSeconds: config.windowUs / 1e6,
    },
  };
}
