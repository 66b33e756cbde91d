/**
 * Non-DNS traffic on the DNS port: a client and a server exchanging UDP
 * datagrams on port 53 that are not DNS messages. iodine does this by
 * default: after a handshake of four NULL queries it tests whether the
 * server is reachable directly and, when it is, sends its IP packets to the
 * server's port 53 behind a 4-byte header (10 d1 9e, then a command)
 * instead of encoding them in queries ("raw mode"); the handshake alone is
 * too short for the name-based detector (./dns_tunnel.ts). A VPN moved to
 * port 53 to pass a firewall that lets DNS out looks the same.
 *
 * A datagram to or from UDP port 53 with a payload counts as not DNS when
 * it is shorter than the 12-byte DNS header, when its question cannot be
 * read (the decoder's `dns_bad_label`, `dns_name_overrun`, `dns_name_loop`,
 * `dns_name_too_long` or `dns_question_overrun`; a message cut by the snap
 * length is not counted), when its opcode is unassigned (3, 7–15;
 * iodine's data header reads as opcode 3), when it goes the wrong way (a
 * message with the response bit set sent to port 53 from another port that
 * answers no query seen from port 53 to that port within a minute: a
 * tunnel's own messages dressed as DNS), or when it is a standard query of more than 512 bytes (data in an
 * EDNS option: a query holds a name of at most 255 bytes, and padding
 * brings it to 384). Per client/server pair (the
 * server is the side on port 53), with a fixed window of packet time,
 *
 *     not DNS ≥ minPackets  and  not DNS ≥ minShare × all port-53 datagrams
 *
 * within `windowUs` makes a finding; the share keeps a resolver that
 * answers a few malformed queries among many good ones out. Well-formed
 * DNS between the pair is counted only once the pair is tracked (from its
 * first datagram that is not DNS), so busy resolvers cost nothing.
 *
 * Findings (kind "dns_tunnel"): key `client>server:53`, attacker = the
 * client, victim = the server, as the name-based detector names them;
 * MITRE T1571 (Non-Standard Port: a protocol on a port that belongs to
 * another). Reported when the threshold is crossed, then whenever the
 * pair's datagrams that are not DNS doubled, or grew after
 * `reportIntervalUs`, and with its final figures when the pair goes idle
 * for a window or the input ends.
 *
 * Limits: DNS over TCP is not judged (a segment can be the middle of a
 * message); a tunnel that keeps to well-formed DNS messages going the
 * right way is the name-based detector's (which does not read single-label
 * names, nor a DNS UPDATE's records); under more pairs than the table holds, a new pair
 * gets in from its second datagram and only if seen more often than the
 * least recently seen pair (TinyLFU admission), so a spoofed flood of junk
 * to port 53 cannot flush a tunnel's counts out.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import {
  hasMalformedDnsQuestion,
  hasUnassignedDnsOpcode,
} from "../capture/decode/dns.ts";
import { ClientServerEnds } from "./client_server.ts";
import { elapsedText, type Finding, type FindingSink } from "./alert.ts";
import { type Detector, PACKET_KIND, type TableStats } from "./detector.ts";
import { hashKey, NumericKeyMap } from "./numeric_key_map.ts";
import { requirePositive } from "./option_checks.ts";
import {
  isFinalReportDue,
  isGrowthReportDue,
  markReported,
  type ReportMark,
} from "./report_cadence.ts";
import { TableAdmission } from "./stats/table_admission.ts";
import { RecentBits } from "./recent_bits.ts";

/** Options of {@linkcode createDnsPortMisuseDetector}. */
export interface DnsPortMisuseOptions {
  /** Window of packet time over which a pair's datagrams are counted, µs. */
  windowUs?: number;
  /** Datagrams that are not DNS, between one pair within a window, needed to report. */
  minPackets?: number;
  /** Least share (0–1) of the pair's port-53 datagrams in the window that are not DNS. */
  minShare?: number;
  /** Client/server pairs tracked at once (TinyLFU admission when full). */
  maxPairs?: number;
  /** Packet time between repeated findings of one pair while its count grows, µs. */
  reportIntervalUs?: number;
}

/**
 * Defaults of {@linkcode DnsPortMisuseOptions}: 20 datagrams that are not
 * DNS within 60 s, at least half of the pair's port-53 datagrams (iodine's
 * raw mode sends nothing else once set up; a ping through it is 2 a
 * second, its keep-alives one every few seconds), 1 024 pairs of about 200
 * B, findings repeated at most every 10 s unless the count doubles.
 */
export const DNS_PORT_MISUSE_DEFAULTS = {
  windowUs: 60_000_000,
  minPackets: 20,
  minShare: 0.5,
  maxPairs: 1_024,
  reportIntervalUs: 10_000_000,
} satisfies Required<DnsPortMisuseOptions>;

/** The UDP port whose traffic is judged. */
const DNS_PORT = 53;

/** MITRE technique of the finding: another protocol on the DNS port. */
const NON_STANDARD_PORT = {
  id: "T1571",
  name: "Non-Standard Port",
  tactic: "Command and Control",
} as const;

/** Why a datagram is not DNS. */
const SHORT = 1;
const MALFORMED_QUESTION = 2;
const BAD_OPCODE = 3;
/** A response sent to a server's port 53 from another port. */
const WRONG_WAY = 4;
/** A standard query of more than {@linkcode MAX_QUERY_BYTES}. */
const OVERSIZED_QUERY = 5;

/**
 * Bytes a standard query holds at most: a 255-byte name, an OPT record
 * with cookies, client subnet and padding to 384 bytes (RFC 8467) stay
 * below; data in an EDNS option does not.
 */
const MAX_QUERY_BYTES = 512;

/** Bits of each generation of the queries sent from port 53 to another (128 KiB), and a generation, µs (answers come within seconds). */
const PORT_QUERY_BITS = 1 << 20;
const PORT_QUERY_US = 30_000_000;

/** Counts of one client/server pair: the current window's and the incident's. */
class PairState extends ClientServerEnds implements ReportMark {
  /** Hash of its table key, for admission (table_admission.ts). */
  hash = 0;
  unsyncedHits = 0;
  unsyncedGeneration = 0;
  firstSeenUs = 0;
  lastSeenUs = 0;
  windowStartUs = 0;
  /** In the current window: datagrams that are not DNS, and DNS messages. */
  windowOther = 0;
  windowDns = 0;
  /** Since the pair was tracked. */
  other = 0;
  dns = 0;
  otherBytes = 0;
  toServer = 0;
  toClient = 0;
  short = 0;
  malformed = 0;
  badOpcode = 0;
  wrongWay = 0;
  oversized = 0;
  /** The most datagrams that were not DNS in one window, and that window's DNS messages. */
  peakOther = 0;
  peakDns = 0;
  reportedCount = 0;
  lastReportUs = -Infinity;
}

/**
 * Creates the detector of non-DNS traffic on the DNS port (kind
 * "dns_tunnel", MITRE T1571).
 *
 * @example
 * ```ts
 * const detector = createDnsPortMisuseDetector({ minPackets: 50 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createDnsPortMisuseDetector(
  options: DnsPortMisuseOptions = {},
): Detector {
  const config = { ...DNS_PORT_MISUSE_DEFAULTS, ...options };
  requirePositive("DNS port misuse detector", config, [
    "windowUs",
    "minPackets",
    "maxPairs",
    "reportIntervalUs",
  ]);
  if (!(config.minShare >= 0 && config.minShare <= 1)) {
    throw new RangeError(
      `Cannot create DNS port misuse detector: minShare must be within [0, 1], got ${config.minShare}`,
    );
  }
  const { windowUs, minPackets, minShare, reportIntervalUs } = config;
  const pairs = new NumericKeyMap<PairState>(config.maxPairs);
  const admission = new TableAdmission();
  let nextExpiryUs = -Infinity;
  // DNS queries sent from port 53 to another port lately, by (client,
  // server, server port, id): their answers to port 53 go the right way.
  const portQueries = new RecentBits(PORT_QUERY_BITS, PORT_QUERY_US);

  /** Notes a DNS query from port 53 to another port. */
  function notePortQuery(packet: PacketRecord): void {
    if (packet.dnsId < 0 || packet.dnsResponse) return;
    portQueries.age(packet.timestampUs);
    portQueries.mark(
      portQueryHash(
        packet.srcAddressKey,
        packet.dstAddressKey,
        packet.dstPort,
        packet.dnsId,
      ),
    );
  }

  /** The last finding of a pair whose figures changed since its last one. */
  function reportLast(state: PairState, report: FindingSink): void {
    if (isFinalReportDue(state, state.other, state.lastSeenUs)) {
      markReported(state, state.other, state.lastSeenUs);
      report(findingOf(state, state.lastSeenUs, windowUs));
    }
  }

  function expire(nowUs: number, report: FindingSink): void {
    pairs.expireOldest((state) => {
      if (nowUs - state.lastSeenUs < windowUs) return false;
      reportLast(state, report);
      return true;
    });
  }

  return {
    name: "dns_port_misuse",
    packetKinds: PACKET_KIND.UDP,
    observe(packet: PacketRecord, report: FindingSink): void {
      const toServer = packet.dstPort === DNS_PORT;
      if (!toServer && packet.srcPort !== DNS_PORT) return;
      if (packet.payloadLength <= 0) return;
      if (!toServer && packet.dstPort !== DNS_PORT) notePortQuery(packet);
      const why = notDnsReason(packet, portQueries);
      if (why === 0 && pairs.size === 0) return;
      const nowUs = packet.timestampUs;
      if (nowUs >= nextExpiryUs) {
        expire(nowUs, report);
        nextExpiryUs = nowUs + 1_000_000;
      }
      const clientKey = toServer ? packet.srcAddressKey : packet.dstAddressKey;
      const serverKey = toServer ? packet.dstAddressKey : packet.srcAddressKey;
      const hash = hashKey(clientKey, serverKey, 0);
      let state = pairs.get(clientKey, serverKey, 0, hash);
      if (state === undefined) {
        if (why === 0 || admission.refuses(pairs, hash)) return;
        if (pairs.size >= pairs.capacity) {
          const oldest = pairs.oldest();
          if (oldest !== undefined) reportLast(oldest, report);
          pairs.evictOldest();
        }
        state = newPair(packet, toServer, hash);
        pairs.add(clientKey, serverKey, 0, state, hash);
      } else {
        admission.countHit(state);
      }
      if (nowUs - state.windowStartUs >= windowUs) {
        state.windowStartUs = nowUs;
        state.windowOther = 0;
        state.windowDns = 0;
      }
      state.lastSeenUs = nowUs;
      if (why === 0) {
        state.dns++;
        state.windowDns++;
        return;
      }
      countOther(state, packet, toServer, why);
      const other = state.windowOther;
      if (other < minPackets || other < minShare * (other + state.windowDns)) {
        return;
      }
      if (!isGrowthReportDue(state, state.other, nowUs, reportIntervalUs)) {
        return;
      }
      markReported(state, state.other, nowUs);
      report(findingOf(state, nowUs, windowUs));
    },
    tables(): Record<string, TableStats> {
      return { pairs: admission.stats(pairs) };
    },
    flush(_nowUs: number, report: FindingSink): void {
      for (const state of pairs.values()) reportLast(state, report);
    },
  };
}

/** Why a UDP port-53 datagram with a payload is not a DNS message as clients and servers send it (SHORT … OVERSIZED_QUERY), or 0 when it is one. */
function notDnsReason(packet: PacketRecord, portQueries: RecentBits): number {
  if (packet.dnsId < 0) {
    // No header: too short, or cut by the snap length (not judged).
    return packet.anomaly === "dns_too_short" ? SHORT : 0;
  }
  if (hasUnassignedDnsOpcode(packet)) return BAD_OPCODE;
  if (hasMalformedDnsQuestion(packet)) return MALFORMED_QUESTION;
  // A resolver asking from port 53 gets its answers on port 53: only an
  // answer from another port to port 53 that answers no query from port
  // 53 to that port (a resolver with a fixed query port forwarding to
  // Unbound on 5335) goes the wrong way. (A query from port 53 to another
  // is a UDP scan's from port 53, nmap -sU -g 53, with its DNS payloads:
  // the port scan detector's.)
  if (
    packet.dnsResponse && packet.dstPort === DNS_PORT &&
    packet.srcPort !== DNS_PORT &&
    !answersPortQuery(packet, portQueries)
  ) return WRONG_WAY;
  return !packet.dnsResponse && packet.dnsOpcode === 0 &&
      packet.payloadLength > MAX_QUERY_BYTES
    ? OVERSIZED_QUERY
    : 0;
}

/** Whether a response to port 53 answers a query sent from that port lately. */
function answersPortQuery(
  packet: PacketRecord,
  portQueries: RecentBits,
): boolean {
  portQueries.age(packet.timestampUs);
  return portQueries.has(
    portQueryHash(
      packet.dstAddressKey,
      packet.srcAddressKey,
      packet.srcPort,
      packet.dnsId,
    ),
  );
}

/** The hash of a query from `clientKey`:53 to `serverKey`:`serverPort` with id `dnsId`. */
function portQueryHash(
  clientKey: number,
  serverKey: number,
  serverPort: number,
  dnsId: number,
): number {
  return hashKey(clientKey, serverKey, serverPort * 0x10000 + dnsId);
}

function newPair(
  packet: PacketRecord,
  toServer: boolean,
  hash: number,
): PairState {
  const state = new PairState();
  state.hash = hash;
  state.setEnds(packet, toServer);
  state.firstSeenUs = packet.timestampUs;
  state.windowStartUs = packet.timestampUs;
  return state;
}

function countOther(
  state: PairState,
  packet: PacketRecord,
  toServer: boolean,
  why: number,
): void {
  state.other++;
  state.windowOther++;
  state.otherBytes += packet.payloadLength;
  if (toServer) state.toServer++;
  else state.toClient++;
  if (why === SHORT) state.short++;
  else if (why === MALFORMED_QUESTION) state.malformed++;
  else if (why === BAD_OPCODE) state.badOpcode++;
  else if (why === WRONG_WAY) state.wrongWay++;
  else state.oversized++;
  if (state.windowOther > state.peakOther) {
    state.peakOther = state.windowOther;
    state.peakDns = state.windowDns;
  }
}

function findingOf(state: PairState, nowUs: number, windowUs: number): Finding {
  const { client, server } = state;
  const share = state.other / (state.other + state.dns);
  const seconds = Math.round((nowUs - state.firstSeenUs) / 1e5) / 10;
  return {
    kind: "dns_tunnel",
    key: `${client}>${server}:${DNS_PORT}`,
    timestampUs: nowUs,
    startUs: state.firstSeenUs,
    severity: state.other >= 1_000 || state.otherBytes >= 1 << 20
      ? "high"
      : "medium",
    attacker: client,
    victim: server,
    domain: "",
    summary:
      `${client} and ${server} exchanged ${state.other} UDP datagrams on port ${DNS_PORT} that are not DNS (${
        Math.round(share * 100)
      } % of their port-${DNS_PORT} datagrams since the first, ${state.otherBytes} bytes) in ${
        elapsedText(nowUs - state.firstSeenUs)
      }: a tunnel on the DNS port (iodine's raw mode, a VPN)`,
    evidence: {
      technique: NON_STANDARD_PORT.id,
      client,
      server,
      port: DNS_PORT,
      notDnsDatagrams: state.other,
      dnsMessages: state.dns,
      notDnsShare: Math.round(share * 100) / 100,
      notDnsBytes: state.otherBytes,
      toServer: state.toServer,
      toClient: state.toClient,
      shorterThanHeader: state.short,
      malformedQuestion: state.malformed,
      unassignedOpcode: state.badOpcode,
      wrongWay: state.wrongWay,
      oversizedQuery: state.oversized,
      peakNotDnsInWindow: state.peakOther,
      dnsInPeakWindow: state.peakDns,
      windowSeconds: windowUs / 1e6,
      durationSeconds: seconds,
    },
    mitre: { ...NON_STANDARD_PORT },
  };
}
