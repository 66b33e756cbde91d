/**
 * Data exfiltration detector: a home-network host sending a large volume to
 * ONE external host within a window of packet time, far more than it
 * receives back from it (a large download is not exfiltration).
 *
 * Bytes are IP bytes: the IP total length (`ipLength`, header + payload), so
 * the count does not depend on the link layer (Ethernet, VLAN tags, Linux
 * cooked, raw IP) and every IP fragment is counted once; never more than
 * the frame's length (a tunnel's inner IP length is its sender's word). Packets recorded
 * with an IP length of 0 (TSO/GRO super-packets on the capturing host) count
 * their wire length instead.
 *
 * Each (home host, external host) pair keeps outbound and inbound bytes in a
 * two-bucket sliding window (the previous bucket weighted by how much of it
 * still overlaps the window), so a transfer that straddles a bucket boundary
 * is not split in two. A pair is reported when, over the window,
 *
 *     outbound ≥ exfilMinBytes  and  (outbound ≥ outboundRatio × inbound
 *                                 or outbound − inbound ≥ 2 × exfilMinBytes)
 *
 * (the second: junk the receiver sends back, half of the upload say, does
 * not hide a large one; a video call sending HD and getting SD back, 1.5
 * and 0.6 Mbit/s, stays below it).
 *
 * Traffic between two home hosts (LAN-internal, e.g. a file share or IRC DCC
 * on the LAN) and between two external hosts (transit) is ignored, as is any
 * pair whose external end is not routable unicast (multicast, broadcast,
 * loopback, link-local, unspecified). A tunnel the decoder opens (VXLAN,
 * Geneve, GRE, IP-in-IP, 6in4…) between a home host and an outside one
 * counts under its endpoints, both ways: whatever the inner addresses say
 * (an implant writes them: private, foreign, or "outside → home"), bytes the
 * home end sends through it leave the network, the home host's upload to the
 * tunnel's far end, and bytes it receives through it come back (a call or a
 * download through a tunnel broker is as two-way as without it). An inner
 * connection that the far side opened is answered, as below (a branch office
 * pulling from a file server at home through GRE, a cloud pod from a pod on
 * site), except in a tunnel over UDP (VXLAN, Geneve, which any program can
 * send) whose home end sent first: both ends write its inner packets. No
 * inner connection is taken for one begun before the capture, and what inner
 * packets tell of their connections is kept apart from real ones (a forged
 * inner datagram cannot make a real flow a server's). A tunnel into the home
 * network that never carried a packet out, to a home end that sent its far
 * end nothing at all (a mirror feed from a cloud tap to a sensor at home),
 * has its inner packets between a home host and an outside one judged as
 * themselves too, as does any inside a mirror session's tunnel between two
 * home hosts.
 *
 * Only pairs that carry volume get exact counters. Every pair's bytes go
 * first into a fixed-size sketch ({@linkcode ByteSketch}, 512 KiB, halved
 * every half window); a pair enters the table once its estimate in either
 * direction reaches `exfilMinBytes` / 64 (780 kB by default), and starts
 * with the sketch's estimates of its earlier bytes, at most that much in
 * each direction. Most pairs never get there and cost a sketch update and
 * no table lookup (on the bench's mixed capture the whole engine ran 12 %
 * faster). A pair whose estimates both fall below the mark after a halving
 * leaves the table, so a pair below it is never in the table. Counts are
 * then exact for a pair seen whole (its first bytes were all in the sketch,
 * barring collisions); a pair that comes back after leaving the table may
 * have lost up to a few of those marks' worth of its window, or gain up to
 * one from the sketch. The evidence's packet count and duration start when
 * the pair entered the table.
 *
 * Under more heavy pairs than the table holds, a new one gets in only from
 * its second sighting and only if seen more often than the pair it would
 * evict (TinyLFU admission, as traffic stats use), so a crowd cannot flush
 * a real upload's count out of the table.
 *
 * Bytes a home host sends as a server are not outbound: a web, file, NAS,
 * VPN or DNS server inside the home network serving an outside client is no
 * exfiltration. A server's answers are the bytes of a TCP connection that an
 * outside host's port at or above 1024 opened to one of the home host's
 * below 32768 (its SYN, then the home host's SYN/ACK, seen), and of a UDP
 * flow whose first datagram came from an outside host's port at or above
 * 1024 (a WireGuard, OpenVPN, HTTP/3 or DNS server inside) unless the home
 * host itself started or used a flow from that port to that host's ports
 * from 1024 up within the last window or two (a hole punched from a second
 * port); when a TCP connection's handshake was not seen (a capture begun
 * mid-transfer), TCP from a port below 1024 to one at or above it, or from
 * one below 32768 that has been seen accepting a connection to one in the
 * ephemeral range, unless the home host opened that connection within a day
 * or two. The home host's own connections from a port below 32768 (its SYN
 * seen: `curl --local-port 443`) count, even when the outside host answers
 * with a SYN of its own (a simultaneous open, as NAT hole punching makes) or
 * a forged SYN/ACK; so do UDP flows it sent first (from port 443 too).
 * Connections and flows are kept, each by its two addresses and ports,
 * {@linkcode MAX_SERVED_FLOWS} at once, the least recently used forgotten
 * first, so a flow in use stays known however many others come and go; the
 * UDP flows the home host started are also kept as bits by (home host, port,
 * outside host), marked again in each window while used, and its own
 * connections from ports below 32768 as bits by their four-tuple for a day
 * or two, so one forgotten after a spray of flows evicted it is still the
 * home host's own. Active FTP's data connections (opened by the server from
 * port 20) and IRC DCC's (accepted on an ephemeral port) carry the home
 * host's own uploads, and count.
 *
 * Limits: a slow upload under exfilMinBytes per window, an upload spread
 * over many external hosts (an IPv6 server answering on many addresses of
 * its /64 is many hosts here), and exfiltration over DNS or ICMP tunnels
 * (other detectors) are not found; nor is data an outside host pulls from a
 * home server (a download through a port forward, a stolen database dump
 * fetched from a compromised web server), which is a server's answer; nor an
 * upload whose receiver sends back more than a third of it, unless it
 * exceeds what comes back by twice exfilMinBytes; hosts with global IPv6
 * addresses are outside unless their prefix is in `homeNet`. A UDP server's
 * answers whose flow began before the capture (from port 443 too), and a TCP
 * server's on a port from 1024 up never seen accepting a connection, count
 * as outbound at first. A tunnel from a home router to a broker (6in4) or a
 * server that carries its hosts' traffic sums their uploads under the
 * router and the tunnel's far end. An implant with a raw socket (root) can
 * wrap its upload in GRE or IP-in-IP and forge an inner connection its C2
 * opened: it is answered. A UDP hole punched to an outside port
 * below 1024 (to the C2's 443, say) is not remembered: the C2 answering
 * first from another port through a NAT that filters by address alone is
 * taken for a client of a service inside. Legitimate uploads (cloud backup and sync, video
 * publishing, sending large mail, a git push, NetFlow export, a presenter's
 * video and screen share in a call, seeding torrents (to peers that
 * connected in too, on a port from 32768 up, as IRC DCC receivers do), a
 * site published through an outbound tunnel such as cloudflared) look
 * identical and need allow-listing; behind a web proxy every upload goes to
 * the proxy, and allow-listing the proxy hides them all.
 *
 * @module
 */

import { type PacketRecord, TCP_FLAGS } from "../capture/packet_record.ts";
import { addressTextOf, keptText } from "../capture/decoded_packet.ts";
import { type Finding, type FindingSink, windowText } from "./alert.ts";
import { hashKey, NumericKeyMap } from "./numeric_key_map.ts";
import { TableAdmission } from "./stats/table_admission.ts";
import { ByteSketch } from "./byte_sketch.ts";
import { CidrSet } from "./cidr.ts";
import { RecentAcks } from "./recent_acks.ts";
import { RecentBits } from "./recent_bits.ts";
import { FIRST_EPHEMERAL_PORT } from "../capture/decode/service_reply.ts";
import { addressKey, isIpv4Key } from "../capture/decode/address_key.ts";
import { type Detector, PACKET_KIND, type TableStats } from "./detector.ts";
import { requirePositive } from "./option_checks.ts";
import {
  isFinalReportDue,
  isGrowthReportDue,
  markReported,
  type ReportMark,
} from "./report_cadence.ts";
import {
  advanceBucket,
  type BucketClock,
  previousBucketWeight,
  windowedCount,
} from "./time_buckets.ts";

/** Options of {@linkcode createDataExfilDetector}. */
export interface DataExfilOptions {
  /**
   * The home network as CIDRs (IPv4 and/or IPv6); a bare address is a single
   * host. Invalid entries throw a TypeError naming them.
   */
  homeNet?: string[];
  /** Outbound IP bytes from one home host to one external host, within the window, that raise a finding. */
  exfilMinBytes?: number;
  /** How many times the inbound bytes the outbound bytes must be (uploads dominate). */
  outboundRatio?: number;
  /** Window length, µs of packet time. */
  windowUs?: number;
  /**
   * Host pairs tracked at once (only pairs past exfilMinBytes / 64 in the
   * byte sketch are). When full, a new pair gets in from its second packet
   * past that mark, and only if seen more often than the least recently
   * seen pair, which it evicts: a flood of one-packet pairs cannot flush an
   * upload out of the table.
   */
  maxPairs?: number;
  /** Packet time between repeated findings of one pair while its bytes grow, µs. */
  reportIntervalUs?: number;
}

/**
 * Defaults of {@linkcode DataExfilOptions}.
 *
 * - `homeNet`: RFC 1918 (10/8, 172.16/12, 192.168/16) and IPv6 unique local
 *   addresses (fc00::/7, RFC 4193). Link-local ranges are not listed because
 *   they never reach an external host; hosts with global IPv6 addresses are
 *   outside unless their prefix is added.
 * - `exfilMinBytes`: 50 MB within `windowUs` = 10 minutes, i.e. a sustained
 *   upload of ≥ 0.67 Mbit/s to one host: more than interactive traffic,
 *   mail or web forms send, less than a copy of a file share or a database
 *   dump. Lower it (e.g. 1 MB) on quiet networks or short captures.
 * - `outboundRatio`: 3; uploads send several times what they receive (the
 *   sample SMTP and FTP uploads 27× and 38×), downloads and two-way video
 *   calls do not (a presenter's screen share does).
 * - `maxPairs`: 16 384 pairs × about 200 bytes ≈ 3 MB worst case, plus
 *   the admission's 384 KiB (a 256 KiB frequency sketch and a 128 KiB
 *   doorkeeper) and the 512 KiB byte sketch in front of the table; the
 *   16 384 connections and flows whose server is known take about 1 MB
 *   more, 4 096 listening ports 0.25 MB, the bits of the home hosts' UDP
 *   flows 2 MiB and of their own connections 1 MiB, 1 024 tunnels out 64 kB.
 * - `reportIntervalUs`: findings repeat at most every 10 s unless the
 *   outbound bytes double.
 */
export const DATA_EXFIL_DEFAULTS = {
  homeNet: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
  exfilMinBytes: 50_000_000,
  outboundRatio: 3,
  windowUs: 600_000_000,
  maxPairs: 16_384,
  reportIntervalUs: 10_000_000,
} satisfies Required<DataExfilOptions>;

/** The MITRE ATT&CK technique hinted in evidence (the alert layer sets the final one). */
const TECHNIQUE = "T1048";

/** Addresses that are never an external peer: unspecified, loopback, link-local, multicast, broadcast/reserved. */
const NON_ROUTABLE = new CidrSet([
  "0.0.0.0/8",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "224.0.0.0/4",
  "240.0.0.0/4",
  "::/128",
  "::1/128",
  "fe80::/10",
  "ff00::/8",
]);

/** A pair enters the table once it has sent or received exfilMinBytes / TRACK_FRACTION (per the sketch). */
const TRACK_FRACTION = 64;

const { SYN, ACK, RST } = TCP_FLAGS;

/**
 * What {@linkcode MAX_SERVED_FLOWS}' table says of a connection (the value's
 * low bits); a CLIENT entry adds its generation of the opened bits times
 * GENERATION_STEP, so that using it marks it again once per generation.
 */
const SERVED = 1;
const CLIENT = 2;
const KIND_MASK = 3;
const GENERATION_STEP = 4;

/**
 * Connections and UDP flows whose server is known, kept at once (least
 * recently used forgotten first): those from outside that home hosts
 * accepted, the home hosts' own from ports below the ephemeral range, and
 * UDP flows by which side sent first.
 */
const MAX_SERVED_FLOWS = 16_384;

/** Added to a home host's address key in the flow tables for a packet a tunnel carries (address keys stay below 2^37): a tunnel's inner connections are kept apart from real ones. */
const CARRIED = 2 ** 40;

/** Bits of each generation of the home hosts' own connections (512 KiB); a generation is a day. */
const OWN_CONNECTION_BITS = 1 << 22;
const DAY_US = 86_400_000_000;

/** Tunnels between home hosts and outside ones remembered at once. */
const MAX_CARRIERS = 1_024;

/** What {@linkcode MAX_CARRIERS}' table says of a tunnel: it carried a packet out; its home end sent first. */
const CARRIER_OUT = 1;
const CARRIER_HOME_FIRST = 2;

/** The salt of {@linkcode isServerAnswer} for a packet in a tunnel over UDP that the home end opened: none is a server's answer. */
const OWN_TUNNEL = -1;

/** Home hosts' ports seen accepting connections, kept at once (least recently used forgotten first). */
const MAX_LISTENING_PORTS = 4_096;

/**
 * Bits of each generation of the home hosts' ports that opened a flow to an
 * outside host lately (1 MiB each; at 100 000 such flows a window, to ports
 * from 1024 up, an outside host's new flow finds its bit set by another
 * with a chance of 1.2 % per generation, 2.4 % over the two read).
 */
const OPENED_BITS = 1 << 23;

/**
 * Whether a home host's port `acceptingPort`, accepting a connection from
 * an outside host's `initiatorPort`, is a service answering a client:
 * below the ephemeral range, and the client's port not a service's own.
 * Not when a service connects to a client (active FTP's data connection,
 * from port 20: the client's upload goes over it), nor on a port in the
 * ephemeral range (an IRC DCC sender, which listens there for its file's
 * receiver).
 */
function isServiceAccept(
  acceptingPort: number,
  initiatorPort: number,
): boolean {
  return acceptingPort >= 0 && acceptingPort < FIRST_EPHEMERAL_PORT &&
    initiatorPort >= 1024;
}

/** Byte sketch channels. */
const OUTBOUND = 0;
const INBOUND = 1;

/** Packet time between LRU refreshes of one pair, µs. */
const TOUCH_INTERVAL_US = 1_000_000;

/** Remote ports remembered per pair for evidence. */
const MAX_REMOTE_PORTS = 5;

/**
 * Byte counts of one (home host, external host) pair; its
 * {@linkcode ReportMark} counts windowed outbound bytes. An evicted pair's
 * object is reused for a new pair ({@linkcode PairState.reset}).
 */
class PairState implements BucketClock, ReportMark {
  /** Address keys, and their text as {@linkcode keptText} keeps it ("" for IPv4). */
  insideKey = -1;
  outsideKey = -1;
  /** Hash of its table key, for admission (table_admission.ts). */
  hash = 0;
  /** Sightings not yet added to the admission sketch, and its halving count then (table_admission.ts). */
  unsyncedHits = 0;
  unsyncedGeneration = 0;
  inside = "";
  outside = "";
  bucketStartUs = 0;
  outBytes = 0;
  inBytes = 0;
  previousOutBytes = 0;
  previousInBytes = 0;
  /** Bytes and packets since the pair was first seen (not windowed), for evidence. */
  totalOutBytes = 0;
  totalInBytes = 0;
  outPackets = 0;
  /** Bytes the home host sent as a server (not outbound, see the module doc), since the pair was first seen. */
  servedBytes = 0;
  firstSeenUs = 0;
  lastSeenUs = 0;
  /** Packet time the pair last moved to the recent end of the LRU table, µs. */
  touchedUs = 0;
  /** The first remote ports, in order: `remotePortCount` of them (a fixed array: a pair's reset allocates nothing). */
  readonly remotePorts = new Int32Array(MAX_REMOTE_PORTS);
  remotePortCount = 0;
  reportedCount = 0;
  lastReportUs = 0;

  /** Makes this the state of a pair first seen at `nowUs` (keeping the port list's array). */
  reset(
    insideKey: number,
    inside: string,
    outsideKey: number,
    outside: string,
    hash: number,
    nowUs: number,
  ): this {
    this.insideKey = insideKey;
    this.outsideKey = outsideKey;
    this.hash = hash;
    this.unsyncedHits = 0;
    this.unsyncedGeneration = 0;
    this.inside = inside;
    this.outside = outside;
    this.bucketStartUs = nowUs;
    this.outBytes = 0;
    this.inBytes = 0;
    this.previousOutBytes = 0;
    this.previousInBytes = 0;
    this.totalOutBytes = 0;
    this.totalInBytes = 0;
    this.outPackets = 0;
    this.servedBytes = 0;
    this.firstSeenUs = nowUs;
    this.lastSeenUs = nowUs;
    this.touchedUs = nowUs;
    this.remotePortCount = 0;
    this.reportedCount = 0;
    this.lastReportUs = -Infinity;
    return this;
  }
}

/**
 * Creates the data exfiltration detector (kind "data_exfil"): attacker = the
 * home host, victim = the external host it sends to; one finding key per
 * pair ("inside>outside").
 *
 * @example
 * ```ts
 * const detector = createDataExfilDetector({ homeNet: ["10.0.0.0/8"], exfilMinBytes: 1_000_000 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createDataExfilDetector(
  options: DataExfilOptions = {},
): Detector {
  const config = { ...DATA_EXFIL_DEFAULTS, ...options };
  const { exfilMinBytes, outboundRatio, windowUs, reportIntervalUs } = config;
  requirePositive("data exfiltration detector", config, [
    "exfilMinBytes",
    "windowUs",
  ]);
  const homeNet = new CidrSet(config.homeNet);
  // Keyed by the inside and outside address keys.
  // Recycled: with more pairs than the table holds, a new pair reuses an
  // evicted one's object instead of leaving it to the garbage collector.
  const pairs = new NumericKeyMap<PairState>(config.maxPairs, undefined, {
    recycle: true,
  });
  // Admission into the full table, fed every packet of a tracked pair.
  const admission = new TableAdmission();
  // Bytes of every pair (outbound, inbound), in front of the table.
  const sketch = new ByteSketch();
  // (home host, home port << 16 | outside port, outside host) → SERVED for
  // a connection from outside that the home host accepted, or a UDP flow
  // an outside host started (its bytes are answers); CLIENT for the home
  // host's own connection from a port below 32768, or, with its generation
  // of the opened bits, a UDP flow it started (its bytes count).
  const flows = new NumericKeyMap<number>(MAX_SERVED_FLOWS);
  // Outside hosts' SYNs just seen, for the SYN/ACKs that accept them.
  const inboundSyns = new RecentAcks();
  // (home host, port) → 1 for ports seen accepting an outside host's
  // connection: where a connection whose start was unseen may be served.
  const listening = new NumericKeyMap<number>(MAX_LISTENING_PORTS);
  // (home host, home port, outside host) of which the home host started a
  // UDP flow to a port from 1024 up, or used one, within the last one or
  // two windows (generations), as bits by hash: a flow the outside host
  // then starts toward that port (a hole punched from a second port, or
  // one whose entry a spray of flows evicted) is the home host's own.
  const opened = new RecentBits(OPENED_BITS, windowUs);
  // The home host's own TCP connections from ports below 32768 to ports
  // from 1024 up (their four-tuples), for a day or two: one whose entry a
  // spray of flows evicted, then silent for longer than a window, is not
  // taken for a service's answers by its ports.
  const ownConnections = new RecentBits(OWN_CONNECTION_BITS, DAY_US);
  // Tunnels between a home host and an outside one, by their endpoints:
  // whether one carried a packet out (a tunnel in that never did, to a
  // home end that sent its far end nothing, is a mirror feed), and whether
  // the home end sent first.
  const carriers = new NumericKeyMap<number>(MAX_CARRIERS);
  const trackMinBytes = Math.max(1, Math.floor(exfilMinBytes / TRACK_FRACTION));
  const halvingUs = Math.max(1, Math.floor(windowUs / 2));
  let nextExpiryUs = -Infinity;
  let nextHalvingUs = -Infinity;
  // The last tunnel endpoints found both home or both outside.
  let uncountedSrcKey = -1;
  let uncountedDstKey = -1;

  // Outside observe: a closure there capturing nowUs would make V8 allocate
  // a context for every packet (see bench/findings.md).
  function expire(nowUs: number): void {
    pairs.expireOldest((state) => nowUs - state.lastSeenUs >= windowUs);
  }

  /** Halves the sketch once per half window passed, and drops the pairs it no longer counts as heavy. */
  function halve(nowUs: number): void {
    if (nextHalvingUs === -Infinity) {
      nextHalvingUs = nowUs + halvingUs;
      return;
    }
    sketch.halve(Math.floor((nowUs - nextHalvingUs) / halvingUs) + 1);
    nextHalvingUs = nowUs + halvingUs;
    for (const state of pairs.values()) {
      const outbound = sketch.estimate(state.hash, OUTBOUND);
      const inbound = sketch.estimate(state.hash, INBOUND);
      if (!pastMark(outbound, inbound)) {
        pairs.delete(state.insideKey, state.outsideKey, 0);
      }
    }
  }

  /** Whether a pair with these byte estimates (either direction) belongs in the table: the one test of packets and of halvings. */
  function pastMark(bytes: number, otherBytes: number): boolean {
    return bytes >= trackMinBytes || otherBytes >= trackMinBytes;
  }

  /**
   * Whether `packet`, from a home host to an outside one, is a server's
   * answer (see the module doc). `salt` is 0 for a packet of its own, or
   * {@linkcode CARRIED} for one a tunnel carries (its connections are kept
   * apart: forged inner packets teach nothing of real ones); inside a
   * tunnel, nothing began before the capture, so the ports' verdict on a
   * connection whose start was unseen does not apply.
   */
  function isServerAnswer(packet: PacketRecord, salt: number): boolean {
    const srcPort = packet.srcPort;
    const dstPort = packet.dstPort;
    if (srcPort < 0 || dstPort < 0 || salt === OWN_TUNNEL) return false;
    const tcp = packet.transport === "tcp";
    if (!tcp && packet.transport !== "udp") return false;
    const homeKey = packet.srcAddressKey + salt;
    const outsideKey = packet.dstAddressKey;
    const ports = srcPort * 0x10000 + dstPort;
    // In use: kept in the table however many connections come and go.
    const flow = flows.size === 0
      ? undefined
      : flows.get(homeKey, ports, outsideKey);
    // (noteUdp has marked a UDP flow of the home host's own as still
    // opened, for this very packet.)
    if (flow !== undefined) return (flow & KIND_MASK) === SERVED;
    // A TCP connection whose start was unseen (a capture begun
    // mid-transfer): a service's port answering a client's, unless the
    // home host opened it (its entry evicted by a spray of flows, then a
    // long silence). (A UDP flow with an outside port from 1024 up always
    // has an entry: noteUdp.)
    if (!tcp || salt !== 0) return false;
    const serviceLike = (srcPort < 1024 && dstPort >= 1024) ||
      (srcPort < FIRST_EPHEMERAL_PORT && dstPort >= FIRST_EPHEMERAL_PORT &&
        listening.size > 0 &&
        listening.peek(homeKey, srcPort, 0) !== undefined);
    if (!serviceLike) return false;
    const own = hashKey(homeKey, ports, outsideKey);
    if (ownConnections.has(own)) {
      ownConnections.mark(own);
      return false;
    }
    return true;
  }

  /** Keeps the home host's own UDP flow `flow` (an entry's value) marked opened in this generation while it is used: once per generation (noteUdp, for every datagram of the flow either way). */
  function stillOpened(
    homeKey: number,
    homePort: number,
    outsidePort: number,
    outsideKey: number,
    flow: number,
  ): void {
    if (
      flow === CLIENT + opened.generation * GENERATION_STEP ||
      outsidePort < 1024
    ) {
      return;
    }
    opened.mark(hashKey(homeKey, homePort, outsideKey));
    flows.set(
      homeKey,
      homePort * 0x10000 + outsidePort,
      outsideKey,
      CLIENT + opened.generation * GENERATION_STEP,
    );
  }

  /** Notes what `packet` tells of its connection's or flow's server (`srcHome`: it goes out of the home network; `salt` as for {@linkcode isServerAnswer}). */
  function noteConnection(
    packet: PacketRecord,
    srcHome: boolean,
    salt: number,
  ): void {
    opened.age(packet.timestampUs);
    ownConnections.age(packet.timestampUs);
    if (packet.transport === "tcp") {
      if ((packet.tcpFlags & SYN) !== 0) noteHandshake(packet, srcHome, salt);
    } else if (packet.transport === "udp") noteUdp(packet, srcHome, salt);
  }

  /**
   * Notes which side of a UDP flow between a home host and an outside
   * host's port at or above 1024 sent first: the outside host's first
   * datagram makes the home host's replies a server's answers (a VPN, DNS
   * or HTTP/3 server inside), unless the home host opened a flow from that
   * port to that host lately; the home host's makes its datagrams its own.
   */
  function noteUdp(packet: PacketRecord, srcHome: boolean, salt: number): void {
    const srcPort = packet.srcPort;
    const dstPort = packet.dstPort;
    if (srcPort < 0 || (srcHome ? dstPort : srcPort) < 1024) return;
    const homeKey = (srcHome ? packet.srcAddressKey : packet.dstAddressKey) +
      salt;
    const outsideKey = srcHome ? packet.dstAddressKey : packet.srcAddressKey;
    const homePort = srcHome ? srcPort : dstPort;
    const outsidePort = srcHome ? dstPort : srcPort;
    const ports = homePort * 0x10000 + outsidePort;
    const flow = flows.get(homeKey, ports, outsideKey);
    if (flow !== undefined) {
      if ((flow & KIND_MASK) === CLIENT) {
        stillOpened(homeKey, homePort, outsidePort, outsideKey, flow);
      }
      return;
    }
    const openedHash = hashKey(homeKey, homePort, outsideKey);
    if (srcHome) opened.mark(openedHash);
    flows.set(
      homeKey,
      ports,
      outsideKey,
      srcHome || opened.has(openedHash)
        ? CLIENT + opened.generation * GENERATION_STEP
        : SERVED,
    );
  }

  /** Notes a TCP handshake segment between a home host and an outside one (see the module doc): which connections serve, and which are the home host's own. */
  function noteHandshake(
    packet: PacketRecord,
    srcHome: boolean,
    salt: number,
  ): void {
    const flags = packet.tcpFlags & (SYN | ACK | RST);
    const srcPort = packet.srcPort;
    const dstPort = packet.dstPort;
    if (srcPort < 0 || dstPort < 0) return;
    if (flags === SYN) {
      if (srcHome) {
        // The home host's own connection from a port a service could use
        // counts, even if the outside host answers with a SYN of its own
        // (a simultaneous open, as NAT hole punching makes) or a forged
        // SYN/ACK is seen, and after its entry is evicted.
        if (srcPort < FIRST_EPHEMERAL_PORT) {
          const homeKey = packet.srcAddressKey + salt;
          const ports = srcPort * 0x10000 + dstPort;
          flows.set(homeKey, ports, packet.dstAddressKey, CLIENT);
          if (dstPort >= 1024) {
            ownConnections.mark(hashKey(homeKey, ports, packet.dstAddressKey));
          }
        }
      } else if (isServiceAccept(dstPort, srcPort)) {
        inboundSyns.note(
          packet.srcAddressKey,
          srcPort,
          packet.dstAddressKey + salt,
          dstPort,
          packet.tcpSeq + 1,
        );
      }
    } else if (flags === (SYN | ACK) && srcHome) {
      // Accepting the SYN just seen of that very connection.
      const homeKey = packet.srcAddressKey + salt;
      const ports = srcPort * 0x10000 + dstPort;
      if (
        inboundSyns.answers(
          packet.dstAddressKey,
          dstPort,
          homeKey,
          srcPort,
          packet.tcpAck,
        ) &&
        ((flows.peek(homeKey, ports, packet.dstAddressKey) ?? SERVED) &
            KIND_MASK) !== CLIENT
      ) {
        flows.set(homeKey, ports, packet.dstAddressKey, SERVED);
        listening.set(homeKey, srcPort, 0, 1);
      }
    }
  }

  /**
   * Whether a pair's windowed bytes make it exfiltration: enough out, and
   * several times what came in or, however much came in, twice the mark
   * more than it (junk sent back to the uploader does not hide a large
   * upload; a call sending HD video and getting SD back stays below).
   */
  function isOverTheMark(windowOut: number, windowIn: number): boolean {
    return windowOut >= exfilMinBytes &&
      (windowOut >= outboundRatio * windowIn ||
        windowOut - windowIn >= 2 * exfilMinBytes);
  }

  /**
   * Counts `packet` for the pair of home host `insideKey` and outside host
   * `outsideKey`, and reports the pair when over the mark. The texts of a
   * tunnel's outer endpoints come as `insideText` and `outsideText` (as
   * {@linkcode keptText} keeps them); null for the packet's own addresses.
   * `salt` as for {@linkcode isServerAnswer}.
   */
  function count(
    packet: PacketRecord,
    srcHome: boolean,
    insideKey: number,
    outsideKey: number,
    insideText: string | null,
    outsideText: string | null,
    salt: number,
    report: FindingSink,
  ): void {
    const nowUs = packet.timestampUs;
    if (nowUs >= nextExpiryUs) {
      expire(nowUs);
      nextExpiryUs = nowUs + 1_000_000;
    }
    if (nowUs >= nextHalvingUs) halve(nowUs);
    const hash = hashKey(insideKey, outsideKey, 0);
    // No more than the frame holds: a tunnel's inner IP length is the
    // sender's word (65 535 in a 100-byte datagram).
    const wire = packet.wireLength;
    const bytes = packet.ipLength > 0 && (packet.ipLength < wire || wire === 0)
      ? packet.ipLength
      : wire;
    // A pair below the mark in both directions is not in the table.
    const sent = sketch.add(hash, srcHome ? OUTBOUND : INBOUND, bytes);
    const other = sketch.estimate(hash, srcHome ? INBOUND : OUTBOUND);
    if (!pastMark(sent, other)) return;
    let state = pairs.peek(insideKey, outsideKey, 0, hash);
    if (state === undefined) {
      if (admission.refuses(pairs, hash)) return;
      state = (pairs.spare() ?? new PairState()).reset(
        insideKey,
        insideText ?? keptText(insideKey, packet, srcHome),
        outsideKey,
        outsideText ?? keptText(outsideKey, packet, !srcHome),
        hash,
        nowUs,
      );
      // The bytes before this packet, as the sketch has them (at most
      // the mark: a pair seen whole had less).
      const before = Math.min(trackMinBytes, sent - bytes);
      const otherBefore = Math.min(trackMinBytes, other);
      state.outBytes = state.totalOutBytes = srcHome ? before : otherBefore;
      state.inBytes = state.totalInBytes = srcHome ? otherBefore : before;
      pairs.add(insideKey, outsideKey, 0, state, hash);
    } else {
      admission.countHit(state);
      if (nowUs - state.touchedUs >= TOUCH_INTERVAL_US) {
        // Refreshing LRU order once a second is enough for eviction and
        // for expiry measured in minutes.
        pairs.get(insideKey, outsideKey, 0);
        state.touchedUs = nowUs;
      }
    }
    // Called only when the bucket has passed (what advanceBucket checks
    // first): the call, not inlined here, boxes nowUs (a double) on the
    // heap, 4 MB of garbage per 1M packets of the mixed capture.
    if (nowUs - state.bucketStartUs >= windowUs) {
      advanceBuckets(state, nowUs, windowUs);
    }
    state.lastSeenUs = nowUs;
    if (srcHome) {
      if (isServerAnswer(packet, salt)) {
        state.servedBytes += bytes;
        return;
      }
      state.outBytes += bytes;
      state.totalOutBytes += bytes;
      state.outPackets++;
      const port = packet.dstPort;
      if (port >= 0) addRemotePort(state, port);
    } else {
      state.inBytes += bytes;
      state.totalInBytes += bytes;
      return; // inbound bytes only ever lower the verdict
    }

    const weight = previousBucketWeight(state, nowUs, windowUs);
    const windowOut = windowOutBytes(state, weight);
    const windowIn = windowInBytes(state, weight);
    if (!isOverTheMark(windowOut, windowIn)) {
      state.reportedCount = 0;
      return;
    }
    const due = state.reportedCount > 0
      ? isGrowthReportDue(state, windowOut, nowUs, reportIntervalUs)
      // Re-crossed soon after dipping below: wait for the interval.
      : nowUs - state.lastReportUs >= reportIntervalUs;
    if (!due) return;
    markReported(state, windowOut, nowUs);
    report(findingOf(state, windowOut, windowIn, nowUs, config));
  }

  /**
   * Judges `packet` by its own addresses: a home host's and an outside
   * one's are counted for their pair. `salt` as for
   * {@linkcode isServerAnswer}: {@linkcode CARRIED} for the inner packets
   * of a mirror feed into the home network.
   */
  function observeOwn(
    packet: PacketRecord,
    report: FindingSink,
    salt: number,
  ): void {
    const srcKey = packet.srcAddressKey;
    const dstKey = packet.dstAddressKey;
    const srcHome = homeNet.hasSource(packet);
    const dstHome = homeNet.hasDestination(packet);
    if (srcHome === dstHome) return; // LAN-internal or transit
    if (
      srcHome
        ? NON_ROUTABLE.hasDestination(packet)
        : NON_ROUTABLE.hasSource(packet)
    ) return;
    noteConnection(packet, srcHome, salt);
    count(
      packet,
      srcHome,
      srcHome ? srcKey : dstKey,
      srcHome ? dstKey : srcKey,
      null,
      null,
      salt,
      report,
    );
  }

  /**
   * Counts a tunnelled packet under its carrier's endpoints when the
   * carrier goes between a home host and an outside one (see the module
   * doc), judging its inner connection's server as the tunnel carries it,
   * apart from real connections. A tunnel into the home network that never
   * carried a packet out (a mirror feed to a sensor at home) has its inner
   * packets between a home host and an outside one judged as themselves
   * too. Returns false to leave the packet to be judged as itself (a
   * mirror session's tunnel between two home hosts, or two outside ones).
   */
  function observeCarrier(packet: PacketRecord, report: FindingSink): boolean {
    const outerSrcKey = packet.tunnelSrcAddressKey;
    const outerDstKey = packet.tunnelDstAddressKey;
    // A mirror session's packets all come through one tunnel: its
    // endpoints, judged once, need no second look.
    if (
      outerSrcKey === uncountedSrcKey && outerDstKey === uncountedDstKey &&
      outerSrcKey >= 0
    ) return false;
    const srcHome = homeNet.hasTunnelEnd(packet, true);
    if (srcHome === homeNet.hasTunnelEnd(packet, false)) {
      uncountedSrcKey = outerSrcKey;
      uncountedDstKey = outerDstKey;
      return false;
    }
    if (NON_ROUTABLE.hasTunnelEnd(packet, !srcHome)) return true;
    const srcKey = tunnelEndKey(packet, true);
    const dstKey = tunnelEndKey(packet, false);
    if (srcKey < 0 || dstKey < 0) return false;
    const insideKey = srcHome ? srcKey : dstKey;
    const outsideKey = srcHome ? dstKey : srcKey;
    const srcText = isIpv4Key(srcKey) ? "" : packet.tunnelSrcAddress;
    const dstText = isIpv4Key(dstKey) ? "" : packet.tunnelDstAddress;
    const known = carriers.get(insideKey, outsideKey, 0);
    const carrier = known === undefined
      ? (srcHome ? CARRIER_OUT | CARRIER_HOME_FIRST : 0)
      : known | (srcHome ? CARRIER_OUT : 0);
    if (carrier !== known) carriers.set(insideKey, outsideKey, 0, carrier);
    if (
      !srcHome && (carrier & CARRIER_OUT) === 0 &&
      homeNet.hasSource(packet) !== homeNet.hasDestination(packet) &&
      // Nothing at all went to the far end (an implant opens its NAT for
      // the C2's "feed" with a datagram of its own).
      sketch.estimate(hashKey(insideKey, outsideKey, 0), OUTBOUND) === 0
    ) {
      // A mirror feed: its inner traffic judged as itself, its carrier's
      // bytes counted in (they only ever lower the carrier's verdict).
      observeOwn(packet, report, CARRIED);
      count(
        packet,
        false,
        insideKey,
        outsideKey,
        dstText,
        srcText,
        CARRIED,
        report,
      );
      return true;
    }
    // Whatever the inner addresses say (an implant writes them), bytes
    // the home end sends through the tunnel leave the network. The inner
    // connection's server, as the tunnel carries it: a branch's client
    // pulling from a file server at home is answered; not in a tunnel over
    // UDP (VXLAN, Geneve: any program can send one) that the home end
    // opened, whose inner packets both ends write.
    noteConnection(packet, srcHome, CARRIED);
    const ownTunnel = (carrier & CARRIER_HOME_FIRST) !== 0 &&
      (packet.tunnel.startsWith("vxlan") ||
        packet.tunnel.startsWith("geneve"));
    count(
      packet,
      srcHome,
      insideKey,
      outsideKey,
      srcHome ? srcText : dstText,
      srcHome ? dstText : srcText,
      ownTunnel ? OWN_TUNNEL : CARRIED,
      report,
    );
    return true;
  }

  return {
    name: "data_exfil",
    packetKinds: PACKET_KIND.TCP | PACKET_KIND.UDP | PACKET_KIND.ICMP |
      PACKET_KIND.OTHER,
    observe(packet: PacketRecord, report: FindingSink): void {
      if (packet.network !== "ipv4" && packet.network !== "ipv6") return;
      if (packet.tunnel !== "" && observeCarrier(packet, report)) return;
      observeOwn(packet, report, 0);
    },
    tables(): Record<string, TableStats> {
      return { pairs: admission.stats(pairs) };
    },
    flush(_nowUs: number, report: FindingSink): void {
      for (const state of pairs.values()) {
        // A pair still over the mark (its count is reset when it dips below).
        if (state.reportedCount === 0) continue;
        const lastUs = state.lastSeenUs;
        const weight = previousBucketWeight(state, lastUs, windowUs);
        const windowOut = windowOutBytes(state, weight);
        const windowIn = windowInBytes(state, weight);
        if (
          !isOverTheMark(windowOut, windowIn) ||
          !isFinalReportDue(state, windowOut, lastUs)
        ) continue;
        markReported(state, windowOut, lastUs);
        report(findingOf(state, windowOut, windowIn, lastUs, config));
      }
    },
  };
}

/** The address key of the packet's outer source (or destination): its record's, or one made from the text. */
function tunnelEndKey(packet: PacketRecord, source: boolean): number {
  const key = source ? packet.tunnelSrcAddressKey : packet.tunnelDstAddressKey;
  if (key >= 0) return key;
  return addressKey(source ? packet.tunnelSrcAddress : packet.tunnelDstAddress);
}

/** Outbound bytes over the sliding window (`weight` of the previous bucket's). */
function windowOutBytes(state: PairState, weight: number): number {
  return windowedCount(state.outBytes, state.previousOutBytes, weight);
}

/** Inbound bytes over the sliding window (`weight` of the previous bucket's). */
function windowInBytes(state: PairState, weight: number): number {
  return windowedCount(state.inBytes, state.previousInBytes, weight);
}

/** Remembers `port` among the pair's first `MAX_REMOTE_PORTS` remote ports. */
function addRemotePort(state: PairState, port: number): void {
  const count = state.remotePortCount;
  if (count >= MAX_REMOTE_PORTS) return;
  const ports = state.remotePorts;
  for (let i = 0; i < count; i++) if (ports[i] === port) return;
  ports[count] = port;
  state.remotePortCount = count + 1;
}

/** The pair's remote ports, in the order first seen. */
function remotePortsOf(state: PairState): number[] {
  return Array.from(state.remotePorts.subarray(0, state.remotePortCount));
}

/** Moves the pair's current bucket forward so that it contains `nowUs`. */
function advanceBuckets(
  state: PairState,
  nowUs: number,
  windowUs: number,
): void {
  const passed = advanceBucket(state, nowUs, windowUs);
  if (passed === 0) return;
  const rolled = passed === 1;
  state.previousOutBytes = rolled ? state.outBytes : 0;
  state.previousInBytes = rolled ? state.inBytes : 0;
  state.outBytes = 0;
  state.inBytes = 0;
}

function findingOf(
  state: PairState,
  windowOut: number,
  windowIn: number,
  nowUs: number,
  config: Required<DataExfilOptions>,
): Finding {
  const { windowUs, exfilMinBytes } = config;
  const durationUs = Math.max(0, nowUs - state.firstSeenUs);
  const ratio = windowIn > 0 ? windowOut / windowIn : windowOut;
  const inside = addressTextOf(state.insideKey, state.inside);
  const outside = addressTextOf(state.outsideKey, state.outside);
  return {
    kind: "data_exfil",
    key: `${inside}>${outside}`,
    timestampUs: nowUs,
    startUs: state.firstSeenUs,
    severity: windowOut >= 10 * exfilMinBytes ? "high" : "medium",
    attacker: inside,
    victim: outside,
    domain: "",
    summary: `${inside} sent ${
      formatBytes(windowOut)
    } to external host ${outside} within ${windowText(windowUs)} and received ${
      formatBytes(windowIn)
    } back (${windowIn > 0 ? `${Math.round(ratio)}×` : "nothing back"}${
      state.remotePortCount ? `, port ${remotePortsOf(state).join(", ")}` : ""
    }): possible data exfiltration`,
    evidence: {
      technique: TECHNIQUE,
      inside,
      outside,
      bytesOut: windowOut,
      bytesIn: windowIn,
      outboundRatio: Math.round(ratio * 10) / 10,
      totalBytesOut: state.totalOutBytes,
      totalBytesIn: state.totalInBytes,
      packetsOut: state.outPackets,
      servedBytes: state.servedBytes,
      remotePorts: remotePortsOf(state),
      durationSeconds: Math.round(durationUs / 1e5) / 10,
      windowSeconds: windowUs / 1e6,
      byteCount: "ip",
    },
  };
}

function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(2)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}
