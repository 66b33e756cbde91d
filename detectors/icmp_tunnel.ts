/**
 * ICMP tunnel detector: echo replies that carry other data than the
 * requests they answer (ptunnel, icmpsh, hans, icmptunnel, Cobalt Strike's
 * and Sliver's ICMP channels).
 *
 * An echo reply returns the request's data unchanged: RFC 792 ("the data
 * received in the echo message must be returned in the echo reply
 * message"), RFC 1122 section 3.2.2.6 and RFC 4443 section 4.2 say so, and
 * every stack does it. A tunnel's server answers its client's requests
 * with replies of its own, carrying the other direction's data. So a reply
 * whose data (its length and first 1,024 bytes, hashed by the decoder into
 * `icmpDataHash`) differs from its request's, matched by addresses,
 * identifier and sequence number, is a tunnel's. In the shared captures,
 * every one of a ptunnel session's 415 replies differs from its request,
 * and every one of the 700 other matched replies (pings, floods, sweeps,
 * traceroutes, nmap's host discovery) equals its own.
 *
 * Requests are remembered by echo session (client, server, identifier):
 * its last two, with their sequence numbers and data hashes; a session's
 * first request only marks a bitmap (TinyLFU's doorkeeper), so a sweep's
 * one request to each of many hosts costs a bit test, and the reply to a
 * session's first request is not judged. A reply of a sequence number the
 * client never sent (ptunnel's proxy numbers its replies on its own), in a
 * session whose last request came within `requestMemoryUs`, answers no
 * request: a tunnel's too, which no stack sends (a reply whose request the
 * capture missed looks the same: the thresholds below absorb a few). A
 * reply to an earlier request than the last two, up to 64 sequence numbers
 * behind (ping -l keeps that many in flight), is not judged.
 *
 * Counted per pair of hosts (the requests' sender, the client, and the
 * replies' sender, the server): replies judged and replies that differ or
 * answer no request. A reply shorter than a request of more than 548 data
 * bytes is not judged: a host that cannot fragment may cut the echo to its
 * path's MTU (RFC 1122). A pair is tunnelling once `minMismatches` replies
 * differed (or answered no request) within `windowUs`, and at least
 * `minMismatchShare` of those judged there did (the server's own kernel may
 * also answer each request, with the same data: half the replies then
 * match). Fragmented echoes are not judged (a reply's fragments need not
 * fall where the request's did).
 *
 * Findings: key = "client→server"; attacker = the client (the host that
 * tunnels out, as for DNS tunnels), victim = the server (the tunnel's far
 * end). Reported when the pair first crosses the thresholds, then again
 * while it goes on whenever its differing replies have doubled, or at most
 * every `reportIntervalUs`; the incident ends after `windowUs` without a
 * differing reply. One alert per pair and incident.
 *
 * Limits: a capture that sees one direction only judges nothing; a tunnel
 * that sends its data in requests only and lets the kernel echo it (ping -p
 * with a pattern of data, a slow exfiltration in request payloads) keeps
 * every reply equal and is not found; a tunnel whose replies repeat their
 * request's first 1,024 bytes and length differs unseen; a tunnel that
 * takes a new identifier for every request is never remembered; a tunnel
 * whose server answers each request once, with another sequence number
 * within 64 behind the client's, is not judged.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { ICMP_TYPE, ICMPV6_TYPE } from "../capture/decode/icmp.ts";
import { addressTextOf, keptText } from "../capture/decoded_packet.ts";
import type { Finding, FindingSink, Severity } from "./alert.ts";
import { type Detector, PACKET_KIND, type TableStats } from "./detector.ts";
import { hashKey, NumericKeyMap } from "./numeric_key_map.ts";
import { Doorkeeper } from "./stats/doorkeeper.ts";
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
  /** Replies carrying other data than their requests, within the window, that make a tunnel. */
  minMismatches?: number;
  /** Least share (0–1] of a pair's judged replies in the window that differ. */
  minMismatchShare?: number;
  /** Window over which a pair's replies are counted, and quiet time that ends an incident, µs of packet time. */
  windowUs?: number;
  /** How long a request waits for its reply, µs of packet time. */
  requestMemoryUs?: number;
  /** Echo sessions (client, server, identifier) remembered at once, each with its last two requests; beyond this the least recently active is forgotten. */
  maxSessions?: number;
  /** Pairs with differing replies tracked at once; beyond this the least recently active is evicted. */
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
 * - `maxPairs` 4 096 × about 200 B: under 1 MB; a pair gets an entry only
 *   with its first differing reply.
 * - `reportIntervalUs` 10 s, the alert lifecycle's update interval.
 */
export const ICMP_TUNNEL_DEFAULTS = {
  minMismatches: 8,
  minMismatchShare: 0.25,
  windowUs: 60_000_000,
  requestMemoryUs: 30_000_000,
  maxSessions: 16_384,
  maxPairs: 4_096,
  reportIntervalUs: 10_000_000,
} satisfies Required<IcmpTunnelOptions>;

/** Echo data of at most this many bytes always fits a reply whole: 576-byte datagrams (RFC 791, RFC 1122) less the IP and ICMP headers. */
const NEVER_CUT_BYTES = 548;

/** Sequence numbers behind a session's last request whose replies are not judged when unremembered (ping -l keeps that many in flight). */
const FORGOTTEN_SEQUENCES = 64;

/** Packet time between expiry sweeps of the tables, µs. */
const EXPIRY_INTERVAL_US = 1_000_000;

/** One echo session (client, server, identifier): its last two requests. */
interface SessionEntry {
  lastSeq: number;
  lastHash: number;
  lastLength: number;
  lastUs: number;
  previousSeq: number;
  previousHash: number;
  previousLength: number;
}

/** One pair's counts; its {@linkcode ReportMark} counts `mismatches`. */
interface PairState extends ReportMark {
  clientKey: number;
  clientText: string;
  serverKey: number;
  serverText: string;
  /** Start of the counting window, µs; judged and differing replies since. */
  windowStartUs: number;
  judged: number;
  mismatches: number;
  /** Differing replies that answered no request (a sequence number the client did not send). */
  unsolicited: number;
  /** The incident's totals, from its first differing reply. */
  incidentMismatches: number;
  incidentJudged: number;
  requests: number;
  replies: number;
  /** Echo data bytes of the pair's requests and replies. */
  requestBytes: number;
  replyBytes: number;
  startUs: number;
  lastMismatchUs: number;
  lastUs: number;
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
  // A session's first request only marks this (256 Kbit, cleared after
  // 32 768 marks).
  const doorkeeper = new Doorkeeper(18, 1 << 15);
  // Keyed by (client, server).
  const pairs = new NumericKeyMap<PairState>(config.maxPairs, undefined, {
    recycle: true,
  });
  let nextExpiryUs = -Infinity;

  function expire(nowUs: number, report: FindingSink): void {
    sessions.expireOldest((entry) => nowUs - entry.lastUs >= requestMemoryUs);
    pairs.expireOldest((state) => {
      if (nowUs - state.lastUs < windowUs) return false;
      reportLast(state, report);
      return true;
    });
  }

  /** The last finding of a tunnel whose figures changed since its last one. */
  function reportLast(state: PairState, report: FindingSink): void {
    if (
      !state.tunnelling ||
      !isFinalReportDue(state, state.incidentMismatches, state.lastUs)
    ) {
      return;
    }
    markReported(state, state.incidentMismatches, state.lastUs);
    report(findingOf(state, state.lastUs, config));
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
    // A cut echo header has no data hash to compare.
    if (
      srcKey < 0 || dstKey < 0 || packet.fragment || packet.icmpDataHash < 0
    ) {
      return;
    }
    const nowUs = packet.timestampUs;
    if (nowUs >= nextExpiryUs) {
      expire(nowUs, report);
      nextExpiryUs = nowUs + EXPIRY_INTERVAL_US;
    }
    const id = packet.icmpId;
    const seq = packet.icmpSeq;
    if (request) {
      const hash = hashKey(srcKey, dstKey, id);
      let entry = sessions.get(srcKey, dstKey, id, hash);
      if (entry === undefined) {
        if (!doorkeeper.seen(hash)) return;
        entry = sessions.spare() ?? newSession();
        entry.lastSeq = -1;
        entry.lastUs = -Infinity;
        sessions.add(srcKey, dstKey, id, entry, hash);
      }
      entry.previousSeq = entry.lastSeq;
      entry.previousHash = entry.lastHash;
      entry.previousLength = entry.lastLength;
      entry.lastSeq = seq;
      entry.lastHash = packet.icmpDataHash;
      entry.lastLength = packet.payloadLength;
      entry.lastUs = nowUs;
      const state = pairs.peek(srcKey, dstKey, 0);
      if (state !== undefined) {
        state.requests++;
        state.requestBytes += packet.payloadLength;
        state.lastUs = nowUs;
      }
      return;
    }
    // A reply: from the server (source) to the client (destination), in
    // the client's echo session with it, which must be going on.
    const entry = sessions.peek(dstKey, srcKey, id);
    if (entry === undefined || nowUs - entry.lastUs >= requestMemoryUs) return;
    const length = packet.payloadLength;
    let requestHash: number;
    let requestLength: number;
    let unsolicited = false;
    if (seq === entry.lastSeq) {
      requestHash = entry.lastHash;
      requestLength = entry.lastLength;
    } else if (seq === entry.previousSeq) {
      requestHash = entry.previousHash;
      requestLength = entry.previousLength;
    } else if (((entry.lastSeq - seq) & 0xffff) <= FORGOTTEN_SEQUENCES) {
      return; // an earlier request's, no longer remembered
    } else {
      // A sequence number the client did not send: a tunnel's own reply
      // (or one whose request this capture missed).
      unsolicited = true;
      requestHash = -1;
      requestLength = 0;
    }
    if (length < requestLength && requestLength > NEVER_CUT_BYTES) return;
    const differs = unsolicited || packet.icmpDataHash !== requestHash;
    const pairHash = hashKey(dstKey, srcKey, 0);
    let state = pairs.get(dstKey, srcKey, 0, pairHash);
    if (state === undefined) {
      if (!differs) return; // only pairs with a differing reply are tracked
      state = resetPair(
        pairs.spare() ?? newPair(),
        dstKey,
        keptText(dstKey, packet, false),
        srcKey,
        keptText(srcKey, packet, true),
        nowUs,
      );
      state.requestBytes = requestLength;
      pairs.add(dstKey, srcKey, 0, state, pairHash);
    }
    state.lastUs = nowUs;
    state.replies++;
    state.replyBytes += length;
    if (state.tunnelling && nowUs - state.lastMismatchUs >= windowUs) {
      reportLast(state, report); // the tunnel's own figures, not this reply's
      state.tunnelling = false; // over; a new one starts afresh
      clearReportMark(state);
    }
    if (!state.tunnelling && nowUs - state.windowStartUs >= windowUs) {
      state.windowStartUs = nowUs;
      state.judged = 0;
      state.mismatches = 0;
    }
    state.judged++;
    state.incidentJudged++;
    if (!differs) return;
    if (unsolicited) state.unsolicited++;
    state.mismatches++;
    state.incidentMismatches++;
    state.lastMismatchUs = nowUs;
    if (!state.tunnelling) {
      if (
        state.mismatches < minMismatches ||
        state.mismatches < minMismatchShare * state.judged
      ) {
        return;
      }
      state.tunnelling = true;
      // The incident counts from the window that crossed the thresholds.
      state.incidentMismatches = state.mismatches;
      state.incidentJudged = state.judged;
      state.startUs = state.windowStartUs;
    }
    if (
      !isRepeatReportDue(
        state,
        state.incidentMismatches,
        nowUs,
        config.reportIntervalUs,
      )
    ) {
      return;
    }
    markReported(state, state.incidentMismatches, nowUs);
    report(findingOf(state, nowUs, config));
  }

  return {
    name: "icmp_tunnel",
    packetKinds: PACKET_KIND.ICMP,
    observe,
    tables(): Record<string, TableStats> {
      return { sessions: sessions.stats(), pairs: pairs.stats() };
    },
    flush(_nowUs: number, report: FindingSink): void {
      for (const state of pairs.values()) reportLast(state, report);
    },
  };
}

/** A session entry, filled by its first request. */
function newSession(): SessionEntry {
  return {
    lastSeq: -1,
    lastHash: -1,
    lastLength: 0,
    lastUs: -Infinity,
    previousSeq: -1,
    previousHash: -1,
    previousLength: 0,
  };
}

/** A pair entry, to be {@linkcode resetPair reset} before use. */
function newPair(): PairState {
  return {
    clientKey: -1,
    clientText: "",
    serverKey: -1,
    serverText: "",
    windowStartUs: 0,
    judged: 0,
    mismatches: 0,
    unsolicited: 0,
    incidentMismatches: 0,
    incidentJudged: 0,
    requests: 0,
    replies: 0,
    requestBytes: 0,
    replyBytes: 0,
    startUs: 0,
    lastMismatchUs: 0,
    lastUs: 0,
    tunnelling: false,
    reportedCount: 0,
    lastReportUs: -Infinity,
  };
}

/** Makes `state` (new, or an evicted pair's) the entry of the pair client → server, first seen at `nowUs`. */
function resetPair(
  state: PairState,
  clientKey: number,
  clientText: string,
  serverKey: number,
  serverText: string,
  nowUs: number,
): PairState {
  state.clientKey = clientKey;
  state.clientText = clientText;
  state.serverKey = serverKey;
  state.serverText = serverText;
  state.windowStartUs = nowUs;
  state.judged = 0;
  state.mismatches = 0;
  state.unsolicited = 0;
  state.incidentMismatches = 0;
  state.incidentJudged = 0;
  // The request this first reply answers.
  state.requests = 1;
  state.replies = 0;
  state.requestBytes = 0;
  state.replyBytes = 0;
  state.startUs = nowUs;
  state.lastMismatchUs = nowUs;
  state.lastUs = nowUs;
  state.tunnelling = false;
  clearReportMark(state);
  return state;
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
    summary:
      `${server} answered ${client}'s echo requests with other data than they carried, or with replies to no request, in ${state.incidentMismatches} of ${state.incidentJudged} replies (${bytes} bytes of echo data in ${durationSeconds} s): ICMP tunnel`,
    evidence: {
      differingReplies: state.incidentMismatches,
      repliesToNoRequest: state.unsolicited,
      judgedReplies: state.incidentJudged,
      requests: state.requests,
      replies: state.replies,
      requestDataBytes: state.requestBytes,
      replyDataBytes: state.replyBytes,
      durationSeconds,
      windowSeconds: config.windowUs / 1e6,
    },
  };
}
