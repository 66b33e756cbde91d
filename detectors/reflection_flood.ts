/**
 * Reflection (amplification) flood detector: one host flooded with replies
 * it never asked for, from many servers. An attacker sends small requests
 * to open DNS resolvers, NTP, memcached, SSDP, CLDAP… servers (or SYNs to
 * any TCP listener) with the victim's address as their source; every
 * server answers the victim, often with many times the bytes it was sent
 * (US-CERT TA14-017A). Seen at the victim: replies from a crowd of servers'
 * service ports, with no request of the victim's before them.
 *
 * Counted as a reply: a UDP datagram from a port of
 * {@linkcode AMPLIFYING_UDP_SERVICES} (unless the decoder read it as the
 * service's request or notification: a DNS query, an NTP client's poll, an
 * SNMP trap…), a TCP SYN/ACK, and the later fragments of a counted reply (a
 * DNS answer of 4 KB arrives in three fragments, two without a UDP header).
 * Not counted: a reply solicited by a request the victim sent within the
 * last one to two `requestMemoryUs` (a datagram to the server's port, a SYN
 * to it), up to `repliesPerRequest` replies a request (an NTP monlist
 * request that the victim's address sent draws a hundred); replies from a
 * near source (its TTL no router lowered or one of 4 or less, a private,
 * shared, link-local or unique local address, or the victim's /24 or /64;
 * a reflector's replies cross a router at least) to a host that sent
 * a request to a multicast or broadcast address from their port (SSDP's
 * M-SEARCH, NetBIOS's broadcast queries, answered by every device on the
 * link: no server on the Internet hears them); datagrams to a multicast or
 * broadcast address or MAC (announcements); from a near source, datagrams
 * to SNMP traps' port 162 (an SNMPv3 trap, encrypted), or to their own
 * port from a service whose replies the decoder does not tell (a CoAP
 * sensor's reports to its collector, 5683 to 5683; from afar, the victim's
 * port is the forged requests' source port, the attacker's choice).
 * Requests and replies are remembered by hash in
 * bounded tables, so a reply may be taken for solicited (a shared bit, and
 * a shared counter), never the other way round.
 *
 * A victim is flooded when, within a tumbling window of `windowUs` of
 * packet time, `minReflectors` servers or more sent it unsolicited replies
 * adding up to `minPackets` packets or `minBytes` IP bytes, at least
 * `requestRatio` times the requests it sent to those services and TCP
 * listeners in the same time (a busy resolver or proxy captured from the
 * middle of its work sees the answers to its requests of the last moment
 * before the capture, but as many new requests of its own right after).
 * The incident goes on while unsolicited replies keep coming at a tenth of
 * the threshold's rate or more (`minPackets` / 10 packets or `minBytes` /
 * 10 bytes a window, counted in sixths of it), and ends a window after;
 * its figures add up over all of it (a trickle of stray replies after it
 * adds at most a window's), its duration ends at its last busy reply.
 *
 * Findings: key and victim = the flooded host; attacker "" (the requests
 * were spoofed: whoever sent them is not in the capture; the servers, in
 * the evidence, are reflectors, themselves abused). A finding is reported
 * when the threshold is first crossed, then again while the flood goes on
 * whenever its replies have doubled, or at most every `reportIntervalUs`.
 *
 * Limits: a capture that sees only the traffic to a host (a one-way tap, an
 * asymmetric route) sees none of its requests, so a resolver, proxy or NAT
 * gateway that gets answers from 20 servers or more, 1 000 times a minute,
 * is reported as flooded (allowlist it, or capture both directions); a
 * capture that sees the forged requests too (an attacker on the victim's
 * own segment) takes each one-answer reply (DNS, CLDAP, SSDP) for asked,
 * and finds only services that answer a request many times (NTP's
 * monlist, memcached's large values, CharGEN); a reflection from near
 * sources at a service's own port on the victim, for services whose
 * replies the decoder does not tell, is not counted (a campus's own
 * memcached servers, 11211 to the victim's 11211); a
 * reflection through a service on another port (a game server's, a
 * vendor's discovery protocol) is not counted unless `extraUdpPorts` names
 * it, nor are the reflectors'
 * answers that are not TCP SYN/ACKs (a RST, an ICMP error), nor a flood of
 * later fragments whose first fragments were not seen (as the fragment
 * trail keeps them: 60 s); a reflection at fewer than `minReflectors`
 * servers, or below the threshold in each window, is not found, and a
 * spread one (many victims, each below it) neither.
 *
 * @module
 */

import {
  type PacketRecord,
  SERVICE_REPLY,
  TCP_FLAGS,
} from "../capture/packet_record.ts";
import {
  addressTextOf,
  frameToGroup,
  keptText,
} from "../capture/decoded_packet.ts";
import { formatBytes } from "../capture/format_summary.ts";
import { isIpv4Key } from "../capture/decode/address_key.ts";
import {
  isGroupDestination,
  isLinkLocalAddress,
  subnetOf,
} from "./addresses.ts";
import type { Finding, FindingSink } from "./alert.ts";
import { type Detector, PACKET_KIND, type TableStats } from "./detector.ts";
import { FragmentTrail } from "./fragment_trail.ts";
import { AddressSample } from "./address_sample.ts";
import { hashKey, NumericKeyMap } from "./numeric_key_map.ts";
import { requirePorts, requirePositive } from "./option_checks.ts";
import { GENERATION_TURN, GenerationClock } from "./generation_clock.ts";
import { RecentBits } from "./recent_bits.ts";
import { RecentTallies } from "./recent_tallies.ts";
import {
  clearReportMark,
  isFinalReportDue,
  isRepeatReportDue,
  markReported,
  type ReportMark,
} from "./report_cadence.ts";

/** Options of {@linkcode createReflectionFloodDetector}. */
export interface ReflectionFloodOptions {
  /** Distinct servers whose unsolicited replies one victim must get within a window. */
  minReflectors?: number;
  /** Unsolicited reply packets to one victim within a window that make a flood (or `minBytes`). */
  minPackets?: number;
  /** Unsolicited reply IP bytes to one victim within a window that make a flood (or `minPackets`). */
  minBytes?: number;
  /** Least ratio of unsolicited replies to the requests the victim sent itself meanwhile. */
  requestRatio?: number;
  /** Tumbling window length, µs of packet time. */
  windowUs?: number;
  /** A request solicits replies for one to two of these, µs of packet time. */
  requestMemoryUs?: number;
  /** Replies one request solicits at most (from the server it went to). */
  repliesPerRequest?: number;
  /** Victims tracked at once; beyond this the least recently flooded is evicted. */
  maxVictims?: number;
  /** Packet time between repeated findings of one flood (unless its replies doubled), µs. */
  reportIntervalUs?: number;
  /** More UDP ports whose datagrams count as replies (a vendor's discovery protocol, a game server's), up to 200, named by their number. */
  extraUdpPorts?: number[];
}

/**
 * Defaults of {@linkcode ReflectionFloodOptions}.
 *
 * - `minReflectors` 20 within `windowUs` 60 s: a reflection uses hundreds
 *   to hundreds of thousands of servers (the shared DNS sample 63 in 30 s,
 *   the SYN/ACK one 6 000 in 0.15 s); backscatter of a spoofed flood that
 *   borrowed the victim's address comes from the one server flooded.
 * - `minPackets` 1 000 or `minBytes` 1 MiB: 17 replies a second, or 140
 *   kbit/s, for a minute; a real flood passes within a fraction of a
 *   second (the SYN/ACK sample: 6 650 in 0.15 s), the heavily sampled DNS
 *   one after 19 s. Unsolicited replies to a host that asks its own
 *   questions number a few, at a capture's start.
 * - `requestRatio` 4: a host seen answering 4 requests' worth of replies it
 *   did not ask for.
 * - `requestMemoryUs` 30 s: DNS and NTP answer within seconds; a SYN/ACK
 *   retransmitted by a server that got no ACK comes up to 63 s after the
 *   SYN (Linux's five retries), which the second generation mostly covers.
 * - `repliesPerRequest` 16: a DNS query, an NTP poll, an SNMP get draw one
 *   reply, a SYN a SYN/ACK and up to six retransmissions of it, a unicast
 *   M-SEARCH one per service the device offers; an NTP monlist request
 *   draws up to 100 (6 MONLIST entries each, 600 clients), CharGEN's and
 *   memcached's replies as many datagrams as the attacker asks for.
 * - `maxVictims` 4 096 × about 1.2 KB (the reflector map, per-service
 *   counts, samples): about 5 MB at most.
 * - `reportIntervalUs` 10 s, the alert lifecycle's update interval.
 */
export const REFLECTION_FLOOD_DEFAULTS = {
  minReflectors: 20,
  minPackets: 1_000,
  minBytes: 1_048_576,
  requestRatio: 4,
  windowUs: 60_000_000,
  requestMemoryUs: 30_000_000,
  repliesPerRequest: 16,
  maxVictims: 4_096,
  reportIntervalUs: 10_000_000,
  extraUdpPorts: [] as number[],
} satisfies Required<ReflectionFloodOptions>;

/**
 * UDP services that answer a small request with a bigger reply, as abused
 * for reflection (US-CERT TA14-017A, CISA's later additions, and the
 * protocols DDoS reports name), by the port they answer from.
 */
// deno-fmt-ignore
export const AMPLIFYING_UDP_SERVICES: ReadonlyArray<readonly [number, string]> = [
  [17, "QOTD"], [19, "CharGEN"], [53, "DNS"], [69, "TFTP"],
  [111, "Portmap"], [123, "NTP"], [137, "NetBIOS"], [161, "SNMP"],
  [389, "CLDAP"], [427, "SLP"], [520, "RIPv1"], [623, "IPMI"],
  [1194, "OpenVPN"], [1434, "MS SQL"], [1900, "SSDP"], [3283, "ARD"],
  [3389, "RDP"], [3478, "STUN"], [3702, "WS-Discovery"], [5060, "SIP"],
  [5351, "NAT-PMP"], [5353, "mDNS"], [5683, "CoAP"], [10001, "Ubiquiti"],
  [10074, "Mitel"], [11211, "memcached"], [27015, "Steam"],
  [27960, "Quake 3"], [32414, "Plex"], [33848, "Jenkins"], [37810, "DVR"],
];

/**
 * Whether the decoder read a UDP datagram from a service's port as no reply
 * of that service: a request, a notification (an SNMP trap), no payload,
 * or a DNS query.
 */
export function isToldNoReply(packet: PacketRecord): boolean {
  const told = packet.udpServiceReply;
  return told === SERVICE_REPLY.NO || told === SERVICE_REPLY.NOTIFICATION ||
    (packet.dnsId >= 0 && !packet.dnsResponse);
}

/** Most ports `extraUdpPorts` may add (service indexes fit a byte). */
const MAX_EXTRA_PORTS = 200;

/** A detector's services: names by index (0: none; the UDP services 1…n, then TCP SYN/ACKs), and the index of each UDP port (0: no amplifying service). */
interface Services {
  names: readonly string[];
  ofPort: Uint8Array;
  tcp: number;
}

/** The services of {@linkcode AMPLIFYING_UDP_SERVICES} and `extraPorts` (named by their number). */
function servicesOf(extraPorts: readonly number[]): Services {
  const udp: (readonly [number, string])[] = [...AMPLIFYING_UDP_SERVICES];
  for (const port of extraPorts) {
    if (!udp.some(([known]) => known === port)) udp.push([port, "UDP"]);
  }
  const ofPort = new Uint8Array(65_536);
  udp.forEach(([port], i) => ofPort[port] = i + 1);
  const names = [
    "",
    ...udp.map(([port, name]) =>
      name === "UDP" ? `UDP ${port}` : `${name} (UDP ${port})`
    ),
    "TCP SYN/ACK",
  ];
  return { names, ofPort, tcp: names.length - 1 };
}

/** SNMP traps' port: an agent sends them unasked, from port 161 on some devices. */
const SNMP_TRAP_PORT = 162;

/** The peer word of a request to a multicast or broadcast address (above every address key, below 2^53). */
const GROUP_PEER = 2 ** 40;

/** Bits of the set of recent requests per host, server and port, per generation (2 × 512 KiB). */
const REQUEST_BITS = 1 << 22;

/** Counters of recent requests, and of the replies they solicited, per host, server and port: 2 lanes × 2 generations × 128 KiB (a shared slot adds their requests and replies, so each key's share holds in the sum). */
const EXCHANGE_SLOTS = 1 << 15;

/** Lanes of the exchange counters. */
const ASKED = 0;
const ANSWERED = 1;

/** Counters of recent requests per host: 2 × 64 KiB, within a core's cache (hosts sharing a slot add up: a host's own count only grows, which the ratio to its unsolicited replies tolerates). */
const REQUEST_SLOTS = 1 << 14;

/** Sample reflectors kept per victim for evidence. */
const MAX_SAMPLES = 20;

/** Bits of the distinct-reflector map (linear counting: within a few % up to ~10 000 reflectors). */
const REFLECTOR_BITS = 4_096;

/** Bits set in the reflector map past which its estimate is only a lower bound (nine in ten: about 9 400 reflectors; a full map would say 34 070, whatever the count). */
const SATURATED_BITS = REFLECTOR_BITS * 0.9;

/** A host's slot word in the per-host request counters: its key's low 32 bits, mixed (one multiplication, where a full hash takes three rounds). */
function hostHash(hostKey: number): number {
  return Math.imul(hostKey | 0, 0x9e3779b1) >>> 16;
}

/** Slices of a window in which a flood's replies are counted to tell whether it is still busy. */
const BUSY_SLICES = 6;

/** Packet time between expiry sweeps of the victim table, µs. */
const EXPIRY_INTERVAL_US = 1_000_000;

/** Per-victim state; its {@linkcode ReportMark} counts `packets`. Entries are reused once evicted. */
interface VictimState extends ReportMark {
  /** The victim's address key, and its text as {@linkcode keptText} keeps it. */
  victimKey: number;
  victimText: string;
  /** Unsolicited replies and their IP bytes since `epochStartUs` (over the whole flood once flooding). */
  packets: number;
  bytes: number;
  /** The same, by service index. */
  servicePackets: Float64Array;
  serviceBytes: Float64Array;
  epochStartUs: number;
  lastReplyUs: number;
  /** Distinct reflectors and the first `MAX_SAMPLES` of them. */
  reflectors: AddressSample;
  /** True from the first crossing until replies fell below a tenth of the threshold for a whole window. */
  flooding: boolean;
  floodStartUs: number;
  /** While flooding: the current slice's start, replies and bytes, and the last reply that found the flood busy (at a tenth of the threshold's rate). */
  busyWindowStartUs: number;
  busyPackets: number;
  busyBytes: number;
  lastBusyUs: number;
  /** Requests the victim sent, as counted when the flood was found. */
  victimRequests: number;
}

/**
 * Creates the reflection flood detector (kind "reflection_flood"): one
 * incident per victim flooded with unsolicited replies from many servers.
 *
 * @example
 * ```ts
 * const detector = createReflectionFloodDetector({ minReflectors: 50 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createReflectionFloodDetector(
  options: ReflectionFloodOptions = {},
): Detector {
  const config = { ...REFLECTION_FLOOD_DEFAULTS, ...options };
  const {
    minReflectors,
    minPackets,
    minBytes,
    requestRatio,
    windowUs,
    reportIntervalUs,
  } = config;
  requirePositive("reflection flood detector", config, [
    "minReflectors",
    "minPackets",
    "minBytes",
    "windowUs",
    "requestMemoryUs",
    "repliesPerRequest",
    "maxVictims",
    "reportIntervalUs",
  ]);
  if (!(requestRatio >= 0)) {
    throw new RangeError(
      `Cannot create reflection flood detector: requestRatio must be >= 0, got ${requestRatio}`,
    );
  }
  const { repliesPerRequest, extraUdpPorts } = config;
  requirePorts(
    "reflection flood detector",
    "extraUdpPorts",
    extraUdpPorts,
    "UDP",
    MAX_EXTRA_PORTS,
  );
  const services = servicesOf(extraUdpPorts);
  const serviceOfPort = services.ofPort;
  // A tenth of the threshold's rate, over a sixth of a window.
  const busySliceUs = windowUs / BUSY_SLICES;
  const busyPackets = minPackets / 10 / BUSY_SLICES;
  const busyBytes = minBytes / 10 / BUSY_SLICES;

  // Requests by (host, server or GROUP_PEER, port word): whether any came
  // (bits: a reply taken for solicited needs its own bit, or a rare shared
  // one), and how many, with the replies they solicited (counters: shared
  // more often); requests by host alone. One clock turns them together.
  const memoryClock = new GenerationClock(config.requestMemoryUs);
  const requests = new RecentBits(REQUEST_BITS, config.requestMemoryUs);
  const exchanges = new RecentTallies(
    EXCHANGE_SLOTS,
    config.requestMemoryUs,
    2,
  );
  const requestCounts = new RecentTallies(
    REQUEST_SLOTS,
    config.requestMemoryUs,
  );
  const fragments = new FragmentTrail();
  const victims = new NumericKeyMap<VictimState>(
    config.maxVictims,
    undefined,
    { recycle: true },
  );
  let nextExpiryUs = -Infinity;

  function expire(nowUs: number, report: FindingSink): void {
    victims.expireOldest((state) => {
      if (nowUs - state.lastReplyUs < windowUs) return false;
      reportLast(state, report);
      return true;
    });
  }

  /** The last finding of a flood whose figures changed since its last one (its end: the last busy reply, or the input's last reply). */
  function reportLast(state: VictimState, report: FindingSink): void {
    if (
      !state.flooding ||
      !isFinalReportDue(state, state.packets, state.lastReplyUs)
    ) return;
    markReported(state, state.packets, state.lastReplyUs);
    report(findingOf(state, state.lastBusyUs, windowUs, services));
  }

  /** Turns the request memory's generations as packet time says. */
  function ageMemory(nowUs: number): void {
    const turn = memoryClock.turn(nowUs);
    if (turn === GENERATION_TURN.KEEP) return;
    requests.turn(turn);
    exchanges.turn(turn);
    requestCounts.turn(turn);
  }

  /** Remembers a request from `packet`'s source to its destination's `port` (`proto` 0 UDP, 1 TCP: never to a group). */
  function noteRequest(packet: PacketRecord, port: number, proto: number) {
    const hostKey = packet.srcAddressKey;
    const peerKey = packet.dstAddressKey;
    if (hostKey < 0 || peerKey < 0) return;
    const nowUs = packet.timestampUs;
    ageMemory(nowUs);
    const key = hashKey(
      hostKey,
      proto === 0 && isGroupRequest(packet) ? GROUP_PEER : peerKey,
      port * 2 + proto,
    );
    requests.mark(key);
    exchanges.add(key, ASKED);
    requestCounts.add(hostHash(hostKey));
  }

  /**
   * Whether `packet`'s reply from `port` (`proto` 0 UDP, 1 TCP) answers a
   * request of its destination's to its source, within the request's share
   * of replies (and counts it there), or a request to a group from a
   * source that could have heard it.
   */
  function isSolicited(packet: PacketRecord, port: number, proto: number) {
    const nowUs = packet.timestampUs;
    ageMemory(nowUs);
    const portWord = port * 2 + proto;
    const victimKey = packet.dstAddressKey;
    const key = hashKey(victimKey, packet.srcAddressKey, portWord);
    if (requests.has(key)) {
      if (
        exchanges.count(key, ANSWERED) <
          repliesPerRequest * exchanges.count(key, ASKED)
      ) {
        exchanges.add(key, ANSWERED);
        return true;
      }
    }
    return requests.has(hashKey(victimKey, GROUP_PEER, portWord)) &&
      isNearSource(packet);
  }

  function observe(packet: PacketRecord, report: FindingSink): void {
    let service: number;
    const transport = packet.transport;
    if (transport === "udp") {
      const dstPort = packet.dstPort;
      const srcPort = packet.srcPort;
      if (dstPort < 0 || srcPort < 0) return; // a header the capture cut
      if (serviceOfPort[dstPort] !== 0) noteRequest(packet, dstPort, 0);
      service = serviceOfPort[srcPort]!;
      if (service === 0) return;
      const told = packet.udpServiceReply;
      if (
        isToldNoReply(packet) || isGroupRequest(packet) ||
        isSolicited(packet, srcPort, 0) ||
        // A device near the victim sending to its own port (a CoAP sensor's
        // reports) or to SNMP traps' (an SNMPv3 trap, which encryption
        // hides); from far away, the port is the forged requests' choice.
        ((dstPort === SNMP_TRAP_PORT ||
          (dstPort === srcPort && told === SERVICE_REPLY.UNKNOWN &&
            packet.dnsId < 0)) && isNearSource(packet))
      ) return;
      if (packet.fragment) fragments.note(packet, service);
    } else if (transport === "tcp") {
      const flags = packet.tcpFlags &
        (TCP_FLAGS.SYN | TCP_FLAGS.ACK | TCP_FLAGS.RST);
      if (flags === TCP_FLAGS.SYN) {
        noteRequest(packet, packet.dstPort, 1);
        return;
      }
      if (
        flags !== (TCP_FLAGS.SYN | TCP_FLAGS.ACK) ||
        isGroupRequest(packet) || isSolicited(packet, packet.srcPort, 1)
      ) return;
      service = services.tcp;
      if (packet.fragment) fragments.note(packet, service);
    } else if (packet.laterFragment) {
      service = fragments.valueOf(packet);
      if (service < 0) return;
    } else {
      return;
    }
    const victimKey = packet.dstAddressKey;
    const reflectorKey = packet.srcAddressKey;
    if (victimKey < 0 || reflectorKey < 0) return;
    const nowUs = packet.timestampUs;
    // (Far back: a clock stepped back, after which no sweep would come.)
    if (
      nowUs >= nextExpiryUs || nowUs < nextExpiryUs - 2 * EXPIRY_INTERVAL_US
    ) {
      expire(nowUs, report);
      nextExpiryUs = nowUs + EXPIRY_INTERVAL_US;
    }
    const hash = hashKey(victimKey, 0, 0);
    let state = victims.get(victimKey, 0, 0, hash);
    if (state === undefined) {
      state = resetVictim(
        victims.spare() ?? newVictim(services.names.length),
        victimKey,
        keptText(victimKey, packet, false),
        nowUs,
      );
      victims.add(victimKey, 0, 0, state, hash);
    }
    // (Far back, more than a window: a clock stepped back.)
    if (
      state.flooding &&
      (nowUs - state.lastBusyUs >= windowUs ||
        state.lastBusyUs - nowUs > windowUs)
    ) {
      reportLast(state, report); // the flood's own figures, not this reply's
      state.flooding = false; // the flood is over; a new one starts afresh
      clearReportMark(state);
      resetEpoch(state, nowUs);
    } else if (
      !state.flooding &&
      (nowUs - state.epochStartUs >= windowUs ||
        state.epochStartUs - nowUs > windowUs)
    ) {
      resetEpoch(state, nowUs);
    }
    state.lastReplyUs = nowUs;
    const bytes = packet.ipLength;
    state.packets++;
    state.bytes += bytes;
    state.servicePackets[service]!++;
    state.serviceBytes[service]! += bytes;
    state.reflectors.add(reflectorKey, packet, true);

    if (state.flooding) {
      // Still busy? A tenth of the threshold's rate keeps it going.
      if (
        nowUs - state.busyWindowStartUs >= busySliceUs ||
        nowUs < state.busyWindowStartUs
      ) {
        state.busyWindowStartUs = nowUs;
        state.busyPackets = 0;
        state.busyBytes = 0;
      }
      state.busyPackets++;
      state.busyBytes += bytes;
      // A stray reply adds to the figures, but is no news.
      if (state.busyPackets < busyPackets && state.busyBytes < busyBytes) {
        return;
      }
      state.lastBusyUs = nowUs;
    } else {
      if (
        state.reflectors.bitsSet < minReflectors ||
        (state.packets < minPackets && state.bytes < minBytes)
      ) return;
      ageMemory(nowUs);
      const requests = requestCounts.count(hostHash(victimKey));
      if (state.packets < requestRatio * requests) return;
      state.flooding = true;
      state.floodStartUs = state.epochStartUs;
      state.victimRequests = requests;
      state.busyWindowStartUs = nowUs;
      state.busyPackets = 0;
      state.busyBytes = 0;
      state.lastBusyUs = nowUs;
    }
    if (!isRepeatReportDue(state, state.packets, nowUs, reportIntervalUs)) {
      return;
    }
    markReported(state, state.packets, nowUs);
    report(findingOf(state, nowUs, windowUs, services));
  }

  return {
    name: "reflection_flood",
    packetKinds: PACKET_KIND.UDP | PACKET_KIND.TCP | PACKET_KIND.OTHER,
    observe,
    tables(): Record<string, TableStats> {
      return { victims: victims.stats(), fragments: fragments.stats() };
    },
    flush(_nowUs: number, report: FindingSink): void {
      for (const state of victims.values()) reportLast(state, report);
    },
  };
}

/**
 * Whether the source of `packet` is near its destination: on its link, or
 * on a network of its organisation's, where a device may hear the
 * destination's request to a multicast or broadcast address, or send it
 * what it sends only to its own (a sensor's reports, a trap): a TTL or hop
 * limit no router lowered (64, 128 or 255, as stacks start them) or one
 * set to stay on the link (4 or less: UPnP devices send SSDP with 2), a
 * private (RFC 1918), shared (RFC 6598), link-local or unique local
 * address, or one of the destination's /24 or /64. Multicast that a router
 * forwards is rare; an Internet reflector hears no host's M-SEARCH, and
 * its replies cross a router at least.
 */
function isNearSource(packet: PacketRecord): boolean {
  const ttl = packet.ttl;
  if (ttl === 64 || ttl === 128 || ttl === 255 || (ttl >= 0 && ttl <= 4)) {
    return true;
  }
  const key = packet.srcAddressKey;
  if (isIpv4Key(key)) {
    const dst = packet.dstAddressKey;
    return (key >>> 8) === (dst >>> 8) || key >>> 24 === 10 ||
      key >>> 20 === 0xac1 || key >>> 16 === 0xc0a8 ||
      key >>> 16 === 0xa9fe || key >>> 22 === 0x191; // 100.64.0.0/10
  }
  const address = packet.srcAddress;
  return isLinkLocalAddress(address) || /^f[cd]/.test(address) ||
    subnetOf(address) === subnetOf(packet.dstAddress);
}

/**
 * Whether `packet` went to many hosts: a multicast or broadcast address, or
 * a group MAC (a subnet's broadcast address, 192.0.2.255 of a /24, is known
 * on the link by its MAC only: beyond a router it may be a host's).
 */
function isGroupRequest(packet: PacketRecord): boolean {
  const toGroup = frameToGroup(packet);
  if (toGroup === true) return true;
  // IPv6 multicast goes to a group MAC (33:33:…); its address text is
  // made only where the capture has no MAC (a raw IP or cooked link).
  return isIpv4Key(packet.dstAddressKey) || toGroup === null
    ? isGroupDestination(packet)
    : false;
}

/** A victim entry with counts for `serviceCount` service indexes. */
function newVictim(serviceCount: number): VictimState {
  return {
    victimKey: -1,
    victimText: "",
    packets: 0,
    bytes: 0,
    servicePackets: new Float64Array(serviceCount),
    serviceBytes: new Float64Array(serviceCount),
    epochStartUs: 0,
    lastReplyUs: 0,
    // Salted apart from the other maps that hash address keys alike.
    reflectors: new AddressSample(REFLECTOR_BITS, MAX_SAMPLES, 1),
    flooding: false,
    floodStartUs: 0,
    busyWindowStartUs: 0,
    busyPackets: 0,
    busyBytes: 0,
    lastBusyUs: 0,
    victimRequests: 0,
    reportedCount: 0,
    lastReportUs: -Infinity,
  };
}

/** Makes `state` (new, or an evicted victim's) the entry of victim `victimKey` (text as kept) first flooded at `nowUs`. */
function resetVictim(
  state: VictimState,
  victimKey: number,
  victimText: string,
  nowUs: number,
): VictimState {
  state.victimKey = victimKey;
  state.victimText = victimText;
  state.lastReplyUs = nowUs;
  state.flooding = false;
  state.floodStartUs = nowUs;
  state.victimRequests = 0;
  clearReportMark(state);
  resetEpoch(state, nowUs);
  return state;
}

/** Starts a new counting window. */
function resetEpoch(state: VictimState, nowUs: number): void {
  state.packets = 0;
  state.bytes = 0;
  state.servicePackets.fill(0);
  state.serviceBytes.fill(0);
  state.epochStartUs = nowUs;
  state.reflectors.clear(); // most victims get a reply or two: a word each
}

function findingOf(
  state: VictimState,
  nowUs: number,
  windowUs: number,
  { names }: Services,
): Finding {
  const victim = addressTextOf(state.victimKey, state.victimText);
  const saturated = state.reflectors.bitsSet >= SATURATED_BITS;
  const reflectors = Math.min(
    state.reflectors.estimate(
      Math.min(state.reflectors.bitsSet, SATURATED_BITS),
    ),
    state.packets,
  );
  const services: string[] = [];
  let top = 0;
  for (let i = 1; i < names.length; i++) {
    const packets = state.servicePackets[i]!;
    if (packets === 0) continue;
    if (top === 0 || state.serviceBytes[i]! > state.serviceBytes[top]!) {
      top = i;
    }
    services.push(
      `${names[i]}: ${packets} packets, ${formatBytes(state.serviceBytes[i]!)}`,
    );
  }
  const topName = names[top] ?? "";
  const durationUs = Math.max(nowUs - state.floodStartUs, 0);
  // Milliseconds within the first second: a flood may cross the threshold in 0.04 s.
  const durationSeconds = durationUs < 1e6
    ? Math.round(durationUs / 1e3) / 1e3
    : Math.round(durationUs / 1e5) / 10;
  const bitsPerSecond = durationUs > 0
    ? Math.round(state.bytes * 8 / (durationUs / 1e6))
    : 0;
  const topShare = state.bytes > 0 ? state.serviceBytes[top]! / state.bytes : 0;
  return {
    kind: "reflection_flood",
    key: victim,
    timestampUs: nowUs,
    startUs: state.floodStartUs,
    severity: "high",
    attacker: "",
    victim,
    domain: "",
    summary: `${victim} received ${state.packets} replies it never asked for (${
      formatBytes(state.bytes)
    }) from ${
      saturated ? "more than" : "about"
    } ${reflectors} servers in ${durationSeconds} s, ${
      topShare >= 0.5 ? "mostly" : "the most"
    } ${topName}: reflection/amplification flood`,
    evidence: {
      replies: state.packets,
      bytes: state.bytes,
      bitsPerSecond,
      distinctReflectors: reflectors,
      distinctReflectorsAtLeast: saturated,
      topService: topName,
      topServiceShare: Math.round(topShare * 1000) / 1000,
      services,
      sampleReflectors: state.reflectors.samples(),
      requestsFromVictim: state.victimRequests,
      durationSeconds,
      windowSeconds: windowUs / 1e6,
    },
  };
}
