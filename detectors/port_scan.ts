/**
 * Port scan detector: one source probing many ports of one host (vertical)
 * or one port of many hosts (horizontal), within a sliding window of packet
 * time.
 *
 * A probe is a TCP segment without ACK or RST that opens or prods a port: SYN
 * (nmap -sS/-sT, masscan; ECE/CWR allowed), FIN, NULL or FIN+PSH+URG (nmap
 * -sF/-sN/-sX); or a UDP datagram (nmap -sU, masscan -pU) that is not a reply
 * (a datagram answering a probe seen the other way is a reply; so is one
 * with data from a port below 1024 to an ephemeral port when a service
 * that answers clients can hold that port: below 512 one of
 * `UDP_SERVICE_PORTS` (capture/decode/service_reply.ts: echo, DNS,
 * portmapper, QUIC…), from 512 up any port, as RPC daemons bind them at
 * random. From the ports scans borrow most, where a reply is cheap to tell,
 * only that service's reply is: from 53 a DNS response, from 88 a KDC's
 * reply, from 111 an RPC reply, from 123 an NTP server's reply or control or private-mode
 * response (NTP amplification's answers among them), from 137 an NBNS
 * response, from 161 an SNMP agent's message, from 500 an IKE peer's
 * answer, and from the DHCP server ports 67 and 547 nothing). A UDP
 * datagram that its host:port answers with UDP was an exchange, not a
 * probe (a client's DNS query answered by its resolver, an NTP or QUIC
 * exchange): it is forgotten when the answer arrives. A UDP scan's probes
 * get an ICMP port unreachable or nothing; the few open ports that answer
 * are not counted. UDP to multicast or broadcast addresses and to the
 * traceroute ports 33434–33534 is not a probe, nor is a unicast answer to
 * a discovery query sent to a group (SSDP, LLMNR, mDNS one-shot queries,
 * WS-Discovery: from the group's port to the port the query came from,
 * within 10 s, see recent_group_queries.ts), nor is a trace's (tracepath,
 * mtr -u: a new port a probe, from 44444 or 33000): UDP with a TTL (hop
 * limit) of 1, or of at most 30 to a host whose path the sender traces (a router answered
 * one of its UDP datagrams to that host with time exceeded, within the
 * window; the datagram that a router answered never reached its host, and
 * counts as answered). Ordinary traffic never sends
 * TCP without ACK after the first SYN, so ACK-bearing segments (the bulk of
 * traffic) are not probes. An ACK probe
 * (nmap -sA, -sW, -sM: a bare ACK or FIN/ACK for no connection) is found
 * from its answer instead: the probed host resets it, open port or closed,
 * with a bare RST whose sequence number is the probe's acknowledgment number
 * (RFC 9293 section 3.10.7.1). Each bare ACK without payload, but a
 * service's to a client's ephemeral port (from below port 32768 to it or
 * above: a server's keepalives to a client that rebooted, which resets
 * them), is noted in a small fixed table ({@linkcode RecentAcks}, a few nanoseconds a segment),
 * and a bare RST that answers one there is a refused probe of its sender's
 * port by its receiver. A reset that answers nothing seen here is not:
 * backscatter of ACKs someone spoofed in the receiver's name, or a client's
 * kernel resetting a SYN/ACK it never asked for (hping3 -S). nmap's own ACK
 * probes are also found without an answer (a filtered host, or a tap that
 * sees one direction): their window is 1024 and their headers carry no
 * options (a 40-byte IPv4 or 60-byte IPv6 packet), a shape ordinary stacks'
 * bare ACKs almost never have (timestamps on every segment, windows that
 * follow the receive buffer); one from a port below 1024 to one above it
 * (a service acknowledging its client) is never a probe.
 *
 * SCTP (RFC 9260) is read by port, as TCP is: an INIT (nmap -sY, or an
 * association's start) is a probe of its destination port, which an INIT
 * ACK (or a COOKIE ACK) from that port answers and an ABORT from it refuses
 * (a closed port); the prober's refusal of the INIT ACK within a second,
 * before any COOKIE ECHO, abandons it, as a SYN scan's reset does: nmap
 * -sY sends raw INITs, and its host's kernel answers each INIT ACK with an
 * ABORT where it has SCTP, with an ICMP protocol unreachable quoting it
 * where it has none. A COOKIE ECHO is the third step of an association
 * whose INIT was answered, or else a probe of its own (nmap -sZ: a closed
 * port aborts it, an open one drops it silently). An INIT ACK for no INIT
 * seen, which its port aborts, is a refused probe of that port (an INIT
 * ACK scan, scapy's: a closed port aborts it). An ICMP unreachable
 * quoting SCTP (a firewall's reject; from a host without SCTP, a protocol
 * unreachable or ICMPv6's unrecognized next header) refuses the port it
 * quotes. A first IP fragment too short for the first chunk's header (an
 * INIT in 8-byte fragments) is a "fragmented" probe of its port. SCTP
 * peers (SIGTRAN, Diameter, S1AP and X2 between a core and its base
 * stations) complete their associations to a few ports each, and stay
 * unflagged while their peers answer.
 *
 * A packet of another IP protocol than TCP, UDP, SCTP, ICMP and ICMPv6 (GRE,
 * ESP, OSPF…; nmap -sO sends one of each protocol number) is a probe of
 * that protocol, one "port" of its own, unless it answers one (the
 * protocol seen the other way) or goes to a multicast or broadcast
 * address; an ICMP protocol unreachable or ICMPv6 parameter problem for an
 * unrecognized next header quoting it refuses it. Routers and tunnel
 * endpoints speak a few protocols with each peer, answered; a protocol
 * scan probes hundreds (and most go unanswered: kernels rate-limit those
 * errors). One way only, a tunnel endpoint's packets to many peers of one
 * subnet on one protocol (ESP to 25 VPN spokes, captured where their
 * answers are not seen) look like a horizontal scan of that protocol.
 *
 * Each distinct (source, host, protocol, port) probe is remembered once, with
 * its outcome: answered (SYN/ACK, or a UDP reply), refused (RST or RST/ACK
 * from the probed host:port, or an ICMP port/host unreachable quoting the
 * probe), abandoned (answered by a SYN/ACK, then reset by the prober with a
 * bare RST whose sequence number is the one that SYN/ACK acknowledged: it
 * neither completed the handshake nor sent anything, the half-open probe
 * of a SYN scan, whose kernel or own stack resets each SYN/ACK that no
 * socket asked for) or unanswered. Refused, abandoned and unanswered
 * probes are *failed*, as Zeek's scan.zeek counts a connection the
 * originator reset after the responder's SYN/ACK. Like
 * Zeek's policy/misc/scan.zeek, a source is a scanner when, within the
 * window,
 *
 *  - vertical: failed probes to ≥ `failedPortThreshold` distinct ports of one
 *    host, and most (≥ `minFailedRatio`) of its probes to that host failed;
 *    or probes (any outcome) to ≥ `portThreshold` ports of one host;
 *  - horizontal: failed probes on one port to ≥ `failedSubnetHostThreshold`
 *    distinct hosts of one subnet (/24 for IPv4, /64 for IPv6), or to
 *    ≥ `failedHostThreshold` distinct hosts anywhere, and most of its probes
 *    on that port (in that subnet) failed.
 *
 * A client opening many connections to one service (one port on one host),
 * a DNS client using many source ports towards one resolver:53, browsers
 * (answered handshakes to many hosts) and servers answering (SYN/ACK, RST,
 * UDP replies) never count. A probe counts as failed from the moment it is
 * sent until an answer arrives, so one-way captures (masscan, a tap that
 * only sees outbound traffic) and slow scans are found without a timer. A
 * client whose own connectivity is broken also fails everywhere, but to
 * hosts scattered over the Internet (one page load: a few dozen hosts in
 * different subnets), which is why the per-subnet count has the low
 * threshold and the count over all hosts a high one.
 *
 * Findings: key and attacker = the scanner. The victim is the first host
 * whose ports crossed a vertical threshold (the evidence's `topHost`), and
 * stays the victim while the source is tracked, even if the scan goes on
 * to other hosts (the alert lifecycle keeps a victim once named, so a
 * finding naming another host would contradict its alert); a scan that
 * only crossed a horizontal threshold so far has none (""). A scan of
 * several hosts, none with most of its probes (the two hosts with the
 * most failed probes each have half the first's or more, and at least
 * half `failedPortThreshold`: nmap's parallel scan of a host group), is
 * told as one: "probed 1000 ports on 3 hosts (10.0.2.4, 10.0.2.2,
 * 10.0.2.3; 3000 probes, 2970 failed)", the first host scanned first, and
 * `severalHosts` in the evidence. Its alert names no victim when its first
 * vertical finding is such a scan, as a horizontal scan's: one victim
 * would send an analyst (and EVE's `dest_ip`) to one of several hosts
 * probed alike; one that named a host first keeps it. Otherwise the
 * summary says how many ports of the victim were probed (`topHostPorts`)
 * or, for a horizontal scan, how many hosts on its port, then the totals
 * over all hosts; counts past `maxProbesPerSource` are lower bounds and
 * say "at least". It lists the open ports found, the ports of scanned
 * hosts (or scanned ports of hosts: a threshold reached on them, so not
 * the scanner's own connections) that answered a probe: a SYN/ACK (also
 * when the scanner reset it half-open), an SCTP INIT ACK or COOKIE ACK, or
 * a UDP datagram from the probed port (counted nowhere else: a UDP probe
 * answered is an exchange, forgotten), as "; open: 80, 135, 137/udp and 7
 * more" (the first eight), and in the evidence `openPorts` (the distinct
 * port numbers, sorted, at most 32) with `openPortCount`, and
 * `openServices` (host:port pairs by port, "10.0.2.2:80",
 * "[2001:db8::5]:22", "10.0.0.5:137/udp", at most 32) with
 * `openServiceCount`; open ports whose probes left the window (or the
 * tables) are no longer listed. It names the probe kinds seen; "udp" only for UDP probes to other
 * ports than DNS (53) and NTP (123), which every host queries (a query seen
 * one way, unanswered, does not make a TCP scan a UDP scan), or for a
 * horizontal scan of a UDP port; "fragmented" for TCP probes whose first
 * fragment is too short to hold the flags (nmap -f). A finding is reported
 * when a threshold is first crossed, then again while the scan goes on
 * whenever its distinct probes have doubled or at most every
 * `reportIntervalUs`; a scan sent again while the first one's probes are
 * still remembered (by a host whose other connections keep it tracked)
 * reports again once `failedPortThreshold` of its probes are new, or
 * repeated after a quiet minute, and, a minute or more after the last
 * finding, from its own first probe: its alert, released meanwhile, is a
 * new one. An incident starts at its scan's first failed probe within the
 * window, not at the host's first connection.
 *
 * A flooded crowd's scans are one incident. A host that a crowd comes at
 * (`crowdSources` sources within the window, each with three distinct
 * probes or more, its third to that host) while it refuses a flood of
 * probes (`crowdFloodRefusals` resets or ICMP unreachables within a
 * second, now or within the last 10 s) has its small vertical scans (of
 * at most three times `failedPortThreshold` ports, a flood source's
 * handful; 45 by default) folded into one incident of the host: key
 * "crowd→" and the host, attacker "", victim the host, evidence `scanType`
 * "distributed", the scans folded and the sources of the largest with
 * their ports (the summary names the largest). A spoofed SYN flood from a
 * /16, whose sources each send a handful of SYNs to random ports and are
 * refused, is thousands of such scans (62 alerts beside the flood's, in an
 * outside review): it becomes the flood's alert and this one. A larger
 * scan is reported as its own still (a second red team's decoys of 99
 * ports hid a scanner among the samples), and a one-second burst opens
 * the fold for 10 s, not a window; a crowd
 * without a flood (a busy server's clients: an HTTP/3 site's use tcp/80,
 * tcp/443 and udp/443, a domain controller's 88, 389 and 445; a crowd
 * forged slower than a flood) folds nothing.
 *
 * A source's first distinct probes wait in a table of new sources (most
 * clients send one or two within a window) before it joins the tables.
 * Under more new sources than that table holds, a newcomer gets in only
 * from its second sighting and only if seen more often than the entry it
 * would evict, a held source's repeated probes counting as sightings
 * (TinyLFU admission, as traffic stats use): thousands of new clients a
 * second, or a spoofed flood, cannot evict a slow scanner's held probes
 * before its next one; a scanner loses at most its first probes.
 *
 * Limits: a scan slower than the thresholds per window, or one spread over
 * many sources (a distributed scan), is not found, unless a flooded crowd
 * comes at one host (above); a scanner inside such a flood (one it sent,
 * say) with at most 45 ports is told only by the crowd's finding, among
 * its largest sources (unless ten larger flood sources push it out), and a
 * port_scan allowlist of its source does not silence that finding
 * (allowlist the host); nor is a sweep of one
 * port over hosts most of which answer when the scanner completes each
 * handshake (nmap -sT: only failed probes count across hosts, since
 * monitoring and configuration management connect to many hosts' ports
 * every few minutes; Zeek's scan.zeek also counts a connection the
 * originator resets with nothing exchanged, as nmap -sT's are, but so are
 * HAProxy's plain TCP health checks and keepalived's TCP_CHECK, which close
 * each connection with a reset at once, round after round, and one round
 * of such checks over a pool cannot be told from one sweep: an outside
 * review of that rule, tried in step 38 of bench/findings.md, found it
 * alerting on such a pool for as long as it was checked); a SYN scan's sweep of answering hosts
 * (nmap -sS, masscan, zmap) is found, as its probes are abandoned, and so
 * is a load balancer's half-open health check (F5's "TCP Half Open"
 * monitor) of `failedSubnetHostThreshold` or more pool members of one
 * subnet on one port, as is any health checker's during an outage of most
 * of such a pool (its probes refused), and an SCTP node's of 25 or more
 * peers of one subnet that are down (an eNodeB's X2 neighbours, a Diameter
 * agent's peers, an STP's M3UA links during an outage: TCP clients of so
 * many dead servers look alike); an SCTP INIT ACK scan's probes of open
 * ports (an INIT ACK for no INIT: an open port drops it silently, and an
 * unsolicited SYN/ACK is no TCP probe either) are not seen, only those a
 * closed port aborts; nor is SCTP encapsulated in UDP
 * (RFC 6951, port 9899: one UDP probe), and an association that its peer
 * answers from another of its addresses than the INIT went to counts as
 * unanswered; an ABORT is not checked against the association's tags; ACK
 * probes that carry data (nmap -sA --data-length) are not read; nor is a
 * UDP scan of a
 * host whose path the scanner traces first (a datagram that runs out of TTL
 * on the way) and whose probes arrive with a TTL of 30 or less (nmap sends
 * 37–59), or that sends with a TTL of 1 (nmap -sU --ttl 1 to a neighbour); an ACK scan by another
 * tool than nmap (hping3 -A, say) seen one way (its probes but not the
 * resets), or its resets alone, is not found; passive-mode FTP with
 * ≥ `portThreshold` data connections to one server within the window looks
 * like a scan of open ports; under table pressure (more live probes than
 * `maxProbes`) the oldest probes are forgotten early, so counts can only be
 * lower, never higher. A UDP datagram with data from a port below 1024 to
 * one at or above it is taken for a service's reply when it comes from a
 * port where a UDP service answers clients (below 512 a short list: echo,
 * DNS, portmapper, QUIC…; from 512 up any port, as RPC daemons bind them
 * at random) and, from the ports whose replies are told (53, 67, 88, 111,
 * 123, 137, 161, 500, 547), is that service's reply. So a UDP scan of high
 * ports from a low source port is found when its datagrams are empty, come
 * from a port below 512 where no UDP service answers (nmap -sU -g 20 or
 * -g 80), or come from one of the told ports and are not that service's
 * replies (nmap -sU -g 53, -g 111, -g 123 or -g 500, whose payloads for
 * high ports are other protocols'); but not when they carry data from
 * another service port (nmap -sU -g 443, or any port from 512 up) or are crafted
 * as the service's replies (NTP server replies from port 123). The other
 * way round, seen one way or from a capture that starts mid-flow, a
 * service answering many ports of one client host from a port below 512
 * that is not listed, or other traffic than IKE on UDP port 500 (Cloudflare
 * WARP's fallback), looks like a UDP scan of that host, as a service on a
 * high port does. Fragments are not reassembled: a probe is read from its
 * first fragment (one too short for the TCP header is a "fragmented"
 * probe), so overlapping fragments that rewrite its header later go unseen.
 * A DHCP or DHCPv6 server's answers to its clients are not
 * probes; its answers to a relay agent at a port of the relay's own (RFC
 * 8357), when the relay's request is not seen, are.
 *
 * @module
 */

import {
  type PacketRecord,
  SERVICE_REPLY,
  TCP_FLAGS,
} from "../capture/packet_record.ts";
import { addressKey } from "../capture/decode/address_key.ts";
import {
  FIRST_EPHEMERAL_PORT,
  isServiceReplyPort,
  isUdpServicePort,
} from "../capture/decode/service_reply.ts";
import { addressTextOf, keptText } from "../capture/decoded_packet.ts";
import { isTcpHeaderFragmented } from "../capture/decode/tcp.ts";
import { isSctpChunkFragmented, SCTP_CHUNK } from "../capture/decode/sctp.ts";
import { isGroupDestination, subnetKeyOf } from "./addresses.ts";
import {
  countText,
  type Finding,
  type FindingSink,
  windowText,
} from "./alert.ts";
import { hashKey, NumericKeyMap } from "./numeric_key_map.ts";
import { type Detector, PACKET_KIND, type TableStats } from "./detector.ts";
import { fanOutSeverity } from "./fan_out.ts";
import { requirePositive } from "./option_checks.ts";
import { TableAdmission } from "./stats/table_admission.ts";
import { RecentAcks } from "./recent_acks.ts";
import { RecentGroupQueries } from "./recent_group_queries.ts";
import { type CrowdEntry, HostCrowds } from "./host_crowds.ts";
import {
  clearReportMark,
  isFinalReportDue,
  isGrowthReportDue,
  markReported,
  type ReportMark,
} from "./report_cadence.ts";

/** Options of {@linkcode createPortScanDetector}. */
export interface PortScanOptions {
  /** Distinct ports of one host with a failed probe (refused or unanswered), within the window, that make a vertical scan. */
  failedPortThreshold?: number;
  /** Distinct ports of one host probed, answered or not, within the window, that make a vertical scan. */
  portThreshold?: number;
  /** Distinct hosts of one /24 (IPv4) or /64 (IPv6) with a failed probe on one port, within the window, that make a horizontal scan. */
  failedSubnetHostThreshold?: number;
  /** Distinct hosts anywhere with a failed probe on one port, within the window, that make a horizontal scan. */
  failedHostThreshold?: number;
  /** Least share (0–1) of failed probes to that host (or port) for the failed thresholds to apply. */
  minFailedRatio?: number;
  /** Window length, µs of packet time. */
  windowUs?: number;
  /** Sources tracked at once; beyond this the least recently active is evicted. */
  maxSources?: number;
  /**
   * Sources with at most two distinct probes so far (one when a threshold
   * is 2), tracked at once apart from `maxSources` (a source moves there
   * with its next distinct probe); beyond this the least recently seen is
   * forgotten.
   */
  maxNewSources?: number;
  /** Distinct probes remembered at once over all sources; beyond this the oldest is forgotten. */
  maxProbes?: number;
  /** Distinct probes remembered per source; later ones are only counted (the source is far past every threshold by then). */
  maxProbesPerSource?: number;
  /** Packet time between repeated findings of one scan while it grows, µs. */
  reportIntervalUs?: number;
  /**
   * Sources that came at one host within the window (each with three
   * distinct probes or more, its third to that host) that, with a flood of
   * refusals (`crowdFloodRefusals`), make the host crowded: its vertical
   * scans of at most three times `failedPortThreshold` ports are then one
   * incident of the host (see the module doc).
   */
  crowdSources?: number;
  /** Probes of one host refused within a second (resets, ICMP unreachables) that make it flooded, until 10 s after the last such second. */
  crowdFloodRefusals?: number;
}

/**
 * Defaults of {@linkcode PortScanOptions}.
 *
 * - `failedPortThreshold` 15 and `failedSubnetHostThreshold` 25 over
 *   `windowUs` 5 min are Zeek's `Scan::port_scan_threshold`,
 *   `Scan::addr_scan_threshold` and their 5 min intervals
 *   (policy/misc/scan.zeek), which also count failed attempts only. The long
 *   window finds slow scans that stay under a per-minute rate (a scan at one
 *   probe every 20 s is still found). Zeek counts hosts anywhere; here that
 *   count needs `failedHostThreshold` 256 (a /24's worth), because a client
 *   cut off by a broken gateway or ARP spoofing fails to every host it tries
 *   (the ARP-spoofing sample: 26 hosts on tcp/443 in 2 min, all unanswered)
 *   while a worm or Internet-wide sweep passes 256 within seconds.
 * - `minFailedRatio` 0.5: in a scan most probes fail (nmap -F against a
 *   typical host: 95 of 100 ports refused); legitimate clients are answered.
 * - `portThreshold` 100: ports of one host probed whatever the answers, for
 *   targets that answer every port (SYN proxies, tarpits); nmap -F probes
 *   100, a full nmap run 1000.
 * - `maxSources` 50 000 × about 300 B (and 400 B more for one that found
 *   8 UDP ports open), `maxProbes` 200 000 × about 430 B (the probe, its
 *   key and its share of the per-host and per-port counters): about 120 MB
 *   in the worst case, reached only when 200 000 distinct probes arrive
 *   within one window.
 * - `maxNewSources` 16 384 × about 150 B. Spoofed floods send one SYN per
 *   source, and most clients send one or two distinct probes (a web
 *   server, the resolver) within a window: each costs only a small entry
 *   here (reused when evicted), and never flushes real scanners out of
 *   `maxSources`. Once the table is full a newcomer needs its second
 *   sighting and more sightings than the entry it would evict, so a slow
 *   scanner (one probe every 20 s) is not flushed out by thousands of new
 *   clients a second; it loses its first probe then. Plus the admission's
 *   384 KiB.
 * - `maxProbesPerSource` 4 096: 270 times the vertical threshold.
 * - `reportIntervalUs` 10 s, the alert lifecycle's update interval.
 * - `crowdSources` 256 and `crowdFloodRefusals` 2 048 a second: a scanner
 *   comes alone, or as a handful of hosts; a spoofed SYN flood from a /16
 *   (65 536 sources, each sending its handful of SYNs to random ports,
 *   refused) comes as thousands, refused 14 000 times a second in the
 *   review's. 2 048 refusals a second from many sources is the SYN flood
 *   detector's `spreadRefusedThreshold`: a flood that folds scans is a
 *   flood it reports. Counted for the 4 096 hosts noted last (about 300 B
 *   each).
 */
export const PORT_SCAN_DEFAULTS = {
  failedPortThreshold: 15,
  portThreshold: 100,
  failedSubnetHostThreshold: 25,
  failedHostThreshold: 256,
  minFailedRatio: 0.5,
  windowUs: 300_000_000,
  maxSources: 50_000,
  maxNewSources: 16_384,
  maxProbes: 200_000,
  maxProbesPerSource: 4_096,
  reportIntervalUs: 10_000_000,
  crowdSources: 256,
  crowdFloodRefusals: 2_048,
} satisfies Required<PortScanOptions>;

/** A folded scan has at most this many times `failedPortThreshold` ports (45 by default): a flood's sources each probe a handful. */
const CROWD_MEMBER_PORTS = 3;

/** Hosts whose crowds are counted at once (see `crowdSources`). */
const MAX_CROWD_HOSTS = 4_096;

const { SYN, ACK, RST, FIN, PSH, URG } = TCP_FLAGS;

/** Bits of {@linkcode SourceState.kinds}, in the order of {@linkcode KIND_NAMES}. */
const KIND_SYN = 1;
const KIND_FIN = 2;
const KIND_NULL = 4;
const KIND_XMAS = 8;
const KIND_UDP = 16;
const KIND_CONNECT = 32;
const KIND_ACK = 64;
/** A first fragment too short to hold the TCP flags (nmap -f): its kind is unknown. */
const KIND_FRAGMENTED = 128;
/** A packet of another IP protocol than TCP, UDP, ICMP and SCTP (nmap -sO). */
const KIND_PROTOCOL = 256;
/** An SCTP INIT (nmap -sY). */
const KIND_SCTP_INIT = 512;
/** An SCTP COOKIE ECHO for no association seen (nmap -sZ). */
const KIND_SCTP_COOKIE = 1024;
/** An SCTP INIT ACK for no INIT seen, aborted by its port (an INIT ACK scan: scapy). */
const KIND_SCTP_INIT_ACK = 2048;
const KIND_NAMES = [
  "syn",
  "fin",
  "null",
  "xmas",
  "udp",
  "connect",
  "ack",
  "fragmented",
  "ip-protocol",
  "sctp-init",
  "sctp-cookie-echo",
  "sctp-init-ack",
];

/** Outcome of a probe. */
const PENDING = 0;
const ANSWERED = 1;
const REFUSED = 2;
/** A UDP datagram answered with UDP: an exchange, not a probe (only a held probe keeps it, see {@linkcode NewSource}). */
const EXCHANGED = 3;
/** Answered (SYN/ACK), then reset by the prober before it acknowledged or sent anything: a half-open probe, failed (see {@linkcode abandon}). */
const ABANDONED = 4;

/** Port keys: TCP ports as is, UDP ports, other IP protocols' numbers and SCTP ports offset so that none collide (each key modulo 65,536 is its port or protocol). */
const UDP_PORT_OFFSET = 65_536;
const PROTOCOL_KEY_OFFSET = 2 * UDP_PORT_OFFSET;
const SCTP_PORT_OFFSET = 3 * UDP_PORT_OFFSET;

/** The DNS port. */
const DNS_PORT = 53;

/** DHCP (RFC 2131 section 4.1) and DHCPv6 (RFC 8415 section 7.2) server and client ports. */
const DHCP_SERVER_PORT = 67;
const DHCP_CLIENT_PORT = 68;
const DHCPV6_SERVER_PORT = 547;
const DHCPV6_CLIENT_PORT = 546;

/** Port keys of DNS and NTP, the UDP services every host queries: probes to them alone never name a scan "udp". */
const DNS_PORT_KEY = UDP_PORT_OFFSET + DNS_PORT;
const NTP_PORT_KEY = UDP_PORT_OFFSET + 123;

/** Packet time without a finding after which a scan that resumes is told from its own start (the alert lifecycle releases an alert after two quiet minutes), µs. */
const RESUME_GAP_US = 60_000_000;

/** Ports of the discovery protocols whose queries go to a group and whose answers come by unicast: SSDP, mDNS, LLMNR, WS-Discovery. */
const DISCOVERY_PORTS: ReadonlySet<number> = new Set([1900, 5353, 5355, 3702]);

/** Longest wait for a SYN/ACK that a prober's reset makes a half-open probe, µs: a later one met a client that had given up (its connect timed out) and reset it. */
const HALF_OPEN_ANSWER_US = 1_000_000;

/** SCTP's IP protocol number. */
const SCTP_PROTOCOL = 132;

/** Highest TTL a trace's probe leaves with (traceroute, tracepath and mtr stop at 30 hops; nmap sends 37–59). */
const MAX_TRACE_TTL = 30;

/** Pairs of a tracer and the host it traces remembered at once (least recently traced forgotten first). */
const MAX_TRACES = 1_024;

/** Classic traceroute's UDP destination ports (base 33434, up to 100 probes). */
const TRACEROUTE_FIRST_PORT = 33_434;
const TRACEROUTE_LAST_PORT = 33_534;

/** Samples of hosts and ports kept per source for evidence. */
const MAX_SAMPLES = 20;
/** Distinct open port numbers, and open host:port pairs, a finding lists (the rest only counted). */
const MAX_OPEN_LISTED = 32;
/** Open ports, and hosts of a scan of several, the summary names. */
const MAX_SUMMARY_OPEN_PORTS = 8;
const MAX_SUMMARY_HOSTS = 4;
/** UDP ports that answered a scan (host:port) noted per source: they leave the tables as exchanges. */
const MAX_UDP_OPEN = 8;
/** Share of the top host's failed probes that the second host's must reach for a scan of several hosts (the first then has at most two thirds of the two's). */
const MANY_HOSTS_SECOND_SHARE = 0.5;

/** Values of {@linkcode SourceState.victimNaming}. */
const UNDECIDED = 0;
const NAMED = 1;
const MANY_HOSTS = 2;
/** Source ports of a source's probes kept for evidence. */
const MAX_SOURCE_PORT_SAMPLES = 5;

/** Packet time between LRU refreshes of one source, and between expiry sweeps, µs. */
const TOUCH_INTERVAL_US = 1_000_000;

/** Per-source state; its {@linkcode ReportMark} counts distinct probes. */
interface SourceState extends ReportMark {
  address: string;
  addressKey: number;
  /** Live remembered probes, and how many of them failed / were refused / answered; abandoned ones (half-open) are failed. */
  probes: number;
  failed: number;
  refused: number;
  answered: number;
  abandoned: number;
  /** Live distinct hosts and ports (protocol-qualified) among the remembered probes. */
  hosts: number;
  ports: number;
  /** Probes seen past `maxProbesPerSource` (not remembered, possibly repeats). */
  uncounted: number;
  /** Probe kinds seen (KIND_* bits; KIND_UDP is not used, see `udpProbes`). */
  kinds: number;
  /** Live remembered UDP probes to other ports than DNS and NTP. */
  udpProbes: number;
  sampleHosts: string[];
  samplePorts: number[];
  /** The first few source ports its probes came from (a scanner's one or two, a service's answers' one, ephemeral ports' many). */
  sampleSourcePorts: number[];
  /** The last probe's host (text as {@linkcode keptText} keeps it, and address key) and port key: repeats (retransmissions) stop here. */
  lastHost: string;
  lastHostKey: number;
  lastPortKey: number;
  firstProbeUs: number;
  lastProbeUs: number;
  /** `lastProbeUs` before the last probe, put back if that one turns out an exchange (an answered DNS or NTP query). */
  previousProbeUs: number;
  touchedUs: number;
  /** Packet time a threshold was last crossed (-Infinity: never). */
  crossedUs: number;
  /** The host whose crowd incident took this source's small scan of it (-1: none). */
  foldedHostKey: number;
  /** Packet time of the first failed probe since the source last had none live. */
  failedSinceUs: number;
  /** Start of the current incident: its scan's first failed probe (or first probe), within the window before its first crossing. */
  incidentStartUs: number;
  /** Distinct probes added (or sent again after a quiet minute) since the last finding, or since a quiet minute without one; when the first and the last of them came. */
  newProbes: number;
  firstNewProbeUs: number;
  lastNewProbeUs: number;
  /** Victim: the host of the first vertical crossing ("" while only horizontal), its address key (-1: none) and its live port counter (undefined while none of its probes is remembered). */
  victim: string;
  victimKey: number;
  victimHost: Counter | undefined;
  /** Largest per-port host count seen at a horizontal crossing, and its port key. */
  topPortKey: number;
  topPortHosts: number;
  /**
   * The two hosts with the most failed probes (as last seen growing; a
   * host's count can fall as answers come, and the next probes put them
   * right): a second with half the first's or more makes a scan of several
   * hosts.
   */
  topHost: Counter | undefined;
  secondHost: Counter | undefined;
  /** Whether the alert's findings name their victim ({@linkcode NAMED}) or none, as a scan of several hosts ({@linkcode MANY_HOSTS}): decided at its first vertical finding, undecided (0) until then. */
  victimNaming: number;
  /** Its probes answered open (SYN/ACK, INIT ACK), newest first, linked through {@linkcode ProbeState.nextOpen}. */
  openHead: ProbeState | undefined;
  /** UDP probes answered with UDP by hosts it was probing (forgotten as exchanges): host key, port key and kept host text, at most {@linkcode MAX_UDP_OPEN}. */
  udpOpen: OpenService[] | undefined;
}

/** An open port of a host: address key, port key and the host's text as {@linkcode keptText} keeps it. */
interface OpenService {
  hostKey: number;
  portKey: number;
  hostText: string;
}

/**
 * A source that has sent at most two distinct probes (repeats aside), kept
 * apart from the tables: too few to cross any threshold, which is what most
 * clients ever send within a window. The probes' fields are flat (no object
 * per probe), and an evicted entry's object is reused for a new source
 * ({@linkcode NewSource.reset}).
 */
class NewSource {
  /** Address text as {@linkcode keptText} keeps it ("" for IPv4), like `host` and `host2`. */
  address = "";
  /** Hash of its table key, for admission (table_admission.ts). */
  hash = 0;
  /** Sightings not yet added to the admission sketch, and its halving count then (table_admission.ts). */
  unsyncedHits = 0;
  unsyncedGeneration = 0;
  /** Distinct probes held: 1 or 2 (the second's fields are unused while 1). */
  count = 0;
  host = "";
  hostKey = -1;
  portKey = -1;
  atUs = 0;
  status = PENDING;
  answerAck = -1;
  host2 = "";
  hostKey2 = -1;
  portKey2 = -1;
  atUs2 = 0;
  status2 = PENDING;
  answerAck2 = -1;
  /** Probe kinds seen (KIND_* bits). */
  kinds = 0;
  /** Packet time of the latest distinct probe, µs (for expiry). */
  lastUs = 0;

  /** Makes this the entry of a new source whose first probe (of `kind`) went to `host` (address key `hostKey`) on `portKey` at `nowUs`. */
  reset(
    address: string,
    hash: number,
    host: string,
    hostKey: number,
    portKey: number,
    kind: number,
    nowUs: number,
  ): this {
    this.address = address;
    this.hash = hash;
    this.unsyncedHits = 0;
    this.unsyncedGeneration = 0;
    this.count = 1;
    this.host = host;
    this.hostKey = hostKey;
    this.portKey = portKey;
    this.atUs = nowUs;
    this.status = PENDING;
    this.answerAck = -1;
    this.kinds = kind;
    this.lastUs = nowUs;
    return this;
  }

  /** Holds a second distinct probe. */
  holdSecond(
    host: string,
    hostKey: number,
    portKey: number,
    kind: number,
    nowUs: number,
  ): void {
    this.count = 2;
    this.host2 = host;
    this.hostKey2 = hostKey;
    this.portKey2 = portKey;
    this.atUs2 = nowUs;
    this.status2 = PENDING;
    this.answerAck2 = -1;
    this.kinds |= kind;
    this.lastUs = nowUs;
  }

  /** Which held probe went to `hostKey`:`portKey`: 1, 2, or 0 for none. */
  probeTo(hostKey: number, portKey: number): 0 | 1 | 2 {
    if (this.hostKey === hostKey && this.portKey === portKey) return 1;
    if (
      this.count === 2 && this.hostKey2 === hostKey &&
      this.portKey2 === portKey
    ) return 2;
    return 0;
  }

  /** The outcome so far of held probe `which` (1 or 2). */
  statusOf(which: 1 | 2): number {
    return which === 1 ? this.status : this.status2;
  }

  /**
   * Records the outcome of held probe `which` (1 or 2) unless it has one;
   * an answer also replaces a refusal (see {@linkcode outcomeAfter}).
   * `answerAck` is an answering SYN/ACK's acknowledgment number (-1: none).
   */
  answer(which: 1 | 2, status: number, answerAck: number): void {
    if (which === 1) {
      const held = this.status;
      this.status = outcomeAfter(held, status);
      if (this.status === ANSWERED && held !== ANSWERED) {
        this.answerAck = answerAck;
      }
    } else {
      const held = this.status2;
      this.status2 = outcomeAfter(held, status);
      if (this.status2 === ANSWERED && held !== ANSWERED) {
        this.answerAck2 = answerAck;
      }
    }
  }

  /** Marks held probe `which`, if answered, as followed up by its prober (an SCTP COOKIE ECHO after the INIT ACK): no later abort makes it abandoned. True when it was answered. */
  complete(which: 1 | 2): boolean {
    if (this.statusOf(which) !== ANSWERED) return false;
    if (which === 1) this.answerAck = -1;
    else this.answerAck2 = -1;
    return true;
  }

  /** Marks held probe `which` abandoned when it was answered by the SYN/ACK that `seq` resets at `nowUs`, within {@linkcode HALF_OPEN_ANSWER_US} of the probe; true then. */
  abandon(which: 1 | 2, seq: number, nowUs: number): boolean {
    if (which === 1) {
      if (
        this.status !== ANSWERED || this.answerAck !== seq ||
        nowUs - this.atUs > HALF_OPEN_ANSWER_US
      ) return false;
      this.status = ABANDONED;
    } else {
      if (
        this.status2 !== ANSWERED || this.answerAck2 !== seq ||
        nowUs - this.atUs2 > HALF_OPEN_ANSWER_US
      ) return false;
      this.status2 = ABANDONED;
    }
    return true;
  }
}

/**
 * A probe's outcome after `status` arrives when it had `held`: the first
 * outcome stays, but an answer (SYN/ACK) replaces a refusal, since a port
 * that answers is open whatever reset came before (nmap's ACK ping to port
 * 80 is reset whether the port is open or not, and its SYN probe of the
 * same port comes after).
 */
function outcomeAfter(held: number, status: number): number {
  if (held === PENDING) return status;
  return held === REFUSED && status === ANSWERED ? ANSWERED : held;
}

/** Distinct probes (and failures) of one source to one host, or on one port. */
interface Counter {
  /** Its key in its table. */
  a: number;
  b: number;
  c: number;
  source: SourceState;
  distinct: number;
  failed: number;
}

/** One distinct probe. */
interface ProbeState {
  source: SourceState;
  host: Counter;
  port: Counter;
  /** Hosts probed on this port within the probed host's subnet. */
  subnet: Counter;
  atUs: number;
  status: number;
  /** The acknowledgment number of the SYN/ACK that answered it (-1: none): a reset from the prober with this sequence number abandons it. */
  answerAck: number;
  /** The probed host's text as {@linkcode keptText} keeps it ("" for IPv4). */
  hostText: string;
  /** Whether it is in its source's list of open probes, and its neighbours there. */
  open: boolean;
  prevOpen: ProbeState | undefined;
  nextOpen: ProbeState | undefined;
}

/**
 * Creates the port scan detector (kind "port_scan"): vertical and horizontal
 * TCP SYN/FIN/NULL/XMAS/connect/ACK, UDP, SCTP and IP protocol scans, one
 * incident per scanner.
 *
 * @example
 * ```ts
 * const detector = createPortScanDetector({ failedPortThreshold: 20 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createPortScanDetector(
  options: PortScanOptions = {},
): Detector {
  const config = { ...PORT_SCAN_DEFAULTS, ...options };
  const {
    failedPortThreshold,
    portThreshold,
    failedSubnetHostThreshold,
    failedHostThreshold,
    minFailedRatio,
    windowUs,
    maxProbesPerSource,
    reportIntervalUs,
    crowdSources,
  } = config;
  requirePositive("port scan detector", config, [
    "crowdSources",
    "crowdFloodRefusals",
    "failedPortThreshold",
    "portThreshold",
    "failedSubnetHostThreshold",
    "failedHostThreshold",
    "windowUs",
    "maxSources",
    "maxNewSources",
    "maxProbes",
    "maxProbesPerSource",
  ]);
  if (!(minFailedRatio >= 0 && minFailedRatio <= 1)) {
    throw new RangeError(
      `Cannot create port scan detector: minFailedRatio must be within 0..1, got ${minFailedRatio}`,
    );
  }

  // A source with k distinct probes has every counter ≤ k: it cannot cross
  // a threshold above k, so up to (smallest threshold − 1, at most 2) of its
  // probes wait in newSources before it joins the tables.
  const lightProbes = Math.min(
    2,
    Math.min(
      failedPortThreshold,
      portThreshold,
      failedSubnetHostThreshold,
      failedHostThreshold,
    ) - 1,
  );
  // Keys are address keys (PacketRecord.srcAddressKey) and port keys.
  // sources: (source, 0, 0)
  const sources = new NumericKeyMap<SourceState>(config.maxSources);
  // newSources: (source, 0, 0), sources with at most lightProbes distinct probes so far
  // (recycled: a spoofed flood makes one entry per packet)
  const newSources = new NumericKeyMap<NewSource>(
    config.maxNewSources,
    undefined,
    { recycle: true },
  );
  // Admission into the full newSources, fed every sighting of a source not
  // in `sources`: a miss goes to refuses(), a held source's later probes
  // (repeats included) are hits, so a busy held source outweighs newcomers
  // seen less often.
  const admission = new TableAdmission();
  // Probes and counters are recycled: under a scan of more distinct probes
  // than `maxProbes` every new probe replaces an old one, and its objects
  // would otherwise die in the old generation (peak RSS 573 MiB for 102 MiB
  // live, 50 scanners' 1M probes). A counter leaves its table only once no
  // probe refers to it: `register` makes room among the probes first, so
  // the counter tables (as large) never evict.
  // hostCounters: (source, host, 0)
  const hostCounters = new NumericKeyMap<Counter>(
    config.maxProbes,
    undefined,
    { recycle: true },
  );
  // portCounters: (source, port key, 0)
  const portCounters = new NumericKeyMap<Counter>(
    config.maxProbes,
    undefined,
    { recycle: true },
  );
  // subnetCounters: (source, port key, subnet key of the host)
  const subnetCounters = new NumericKeyMap<Counter>(
    config.maxProbes,
    undefined,
    { recycle: true },
  );
  // probes: (source, host, port key)
  const probes = new NumericKeyMap<ProbeState>(
    config.maxProbes,
    (probe) => forget(probe),
    { recycle: true },
  );
  let nextExpiryUs = -Infinity;
  /** Bare ACKs just seen, to recognise the reset that answers an ACK probe. */
  const recentAcks = new RecentAcks();
  // SCTP INIT ACKs for no INIT seen here, for the ABORT a closed port
  // answers one with (SCTP is rare: a small table).
  const recentInitAcks = new RecentAcks(8);
  /** UDP sent to groups just now, to recognise the unicast answers to discovery queries. */
  const groupQueries = new RecentGroupQueries();
  // (tracer, traced host) → when a router last answered the tracer's UDP to
  // it with time exceeded: tracepath and mtr -u trace its path.
  const traces = new NumericKeyMap<number>(MAX_TRACES);
  // Per host, the sources that joined the tables with a probe to it.
  const crowds = new HostCrowds(
    MAX_CROWD_HOSTS,
    windowUs,
    config.crowdFloodRefusals,
  );
  /** Packet time of the packet being observed, µs (for {@linkcode answer}). */
  let packetUs = 0;

  /** Removes a probe's contribution to its source and counters. */
  function forget(probe: ProbeState): void {
    const { source, host, port, subnet, status } = probe;
    if (probe.open) unlinkOpen(probe);
    source.probes--;
    if (status === ANSWERED) source.answered--;
    else {
      source.failed--;
      host.failed--;
      port.failed--;
      subnet.failed--;
      if (status === REFUSED) source.refused--;
      else if (status === ABANDONED) source.abandoned--;
    }
    if (countsAsUdpScan(port.b)) source.udpProbes--;
    if (--subnet.distinct === 0) deleteCounter(subnetCounters, subnet);
    if (--host.distinct === 0) {
      // Its counter is recycled: no reference to it may stay.
      if (host === source.topHost) {
        source.topHost = source.secondHost;
        source.secondHost = undefined;
      } else if (host === source.secondHost) source.secondHost = undefined;
      if (deleteCounter(hostCounters, host)) {
        source.hosts--;
        if (host === source.victimHost) source.victimHost = undefined;
      }
    }
    if (--port.distinct === 0 && deleteCounter(portCounters, port)) {
      source.ports--;
    }
  }

  function expire(nowUs: number): void {
    probes.expireOldest((probe) => {
      if (nowUs - probe.atUs < windowUs) return false;
      forget(probe);
      return true;
    });
    sources.expireOldest((source) =>
      nowUs - source.lastProbeUs >= windowUs && source.probes <= 0
    );
    newSources.expireOldest((source) => nowUs - source.lastUs >= windowUs);
  }

  /**
   * Records an answer from `host`:`portKey` to `prober`'s probe, if
   * remembered (hosts by address key); `answerAck` is a SYN/ACK's
   * acknowledgment number (-1 for other answers).
   */
  function answer(
    prober: number,
    host: number,
    portKey: number,
    status: number,
    answerAck = -1,
  ): boolean {
    if (prober < 0 || host < 0) return false;
    if (sources.peek(prober, 0, 0) === undefined) {
      return answerHeld(prober, host, portKey, status, answerAck);
    }
    const probe = probes.peek(prober, host, portKey);
    if (probe === undefined) return false;
    const held = probe.status;
    const outcome = outcomeAfter(held, status);
    if (outcome === held) return true;
    probe.status = outcome;
    if (outcome === ANSWERED) {
      probe.answerAck = answerAck;
      if (isOpenAnswerKey(portKey)) linkOpen(probe);
      if (held === REFUSED) probe.source.refused--;
      probe.source.failed--;
      probe.source.answered++;
      probe.host.failed--;
      probe.port.failed--;
      probe.subnet.failed--;
    } else {
      probe.source.refused++;
      crowds.refused(host, packetUs);
    }
    return true;
  }

  /** {@linkcode answer} for a prober whose probes are held in `newSources`. */
  function answerHeld(
    prober: number,
    host: number,
    portKey: number,
    status: number,
    answerAck: number,
  ): boolean {
    const entry = newSources.peek(prober, 0, 0);
    if (entry === undefined) return false;
    const which = entry.probeTo(host, portKey);
    if (which === 0) return false;
    // A UDP datagram from a refused probe's port answers nothing (see answerUdp).
    if (status === EXCHANGED && entry.statusOf(which) === REFUSED) return false;
    entry.answer(which, status, answerAck);
    return true;
  }

  /**
   * Takes a bare RST from a prober (`reset`, without ACK) as the end of its
   * probe of the port it goes to, when that probe was answered by a SYN/ACK
   * and the reset's sequence number is the one that SYN/ACK acknowledged:
   * the prober reset the handshake before acknowledging it or sending
   * anything (a SYN scan's half-open probe: nmap -sS, masscan, zmap and
   * hping3 -S, whose kernel or own stack resets a SYN/ACK no socket asked
   * for). The probe then counts as failed, as Zeek's scan.zeek counts such
   * attempts; a client that connected resets with a later sequence number,
   * or with ACK. An SCTP ABORT from a prober is taken the same way (its
   * `tcpSeq` is 0, as is the `answerAck` an INIT ACK leaves): it ends an
   * INIT that was answered with an INIT ACK and not followed by a COOKIE
   * ECHO ({@linkcode complete}), as nmap -sY ends its open ports'. `portKey`
   * is the port key of the reset's destination port. True when a probe was
   * abandoned.
   */
  function abandon(
    reset: PacketRecord,
    portKey: number,
    report: FindingSink,
  ): boolean {
    const prober = reset.srcAddressKey;
    const hostKey = reset.dstAddressKey;
    if (prober < 0 || hostKey < 0 || portKey < 0) return false;
    const source = sources.peek(prober, 0, 0);
    if (source === undefined) {
      const entry = newSources.peek(prober, 0, 0);
      if (entry === undefined) return false;
      const which = entry.probeTo(hostKey, portKey);
      return which !== 0 &&
        entry.abandon(which, reset.tcpSeq, reset.timestampUs);
    }
    const probe = probes.peek(prober, hostKey, portKey);
    if (
      probe === undefined || probe.status !== ANSWERED ||
      probe.answerAck !== reset.tcpSeq ||
      reset.timestampUs - probe.atUs > HALF_OPEN_ANSWER_US
    ) return false;
    probe.status = ABANDONED;
    source.answered--;
    if (source.failed++ === 0) source.failedSinceUs = reset.timestampUs;
    source.abandoned++;
    probe.host.failed++;
    probe.port.failed++;
    probe.subnet.failed++;
    // The probe crossing a threshold now names the victim (or top port).
    source.lastHost = keptText(hostKey, reset, false);
    source.lastHostKey = hostKey;
    source.lastPortKey = portKey;
    maybeReport(
      source,
      probe.host,
      probe.port,
      probe.subnet,
      reset.timestampUs,
      report,
    );
    return true;
  }

  /**
   * Takes an SCTP COOKIE ECHO from `prober` to `host`:`portKey` as the
   * third step of the association its INIT opened, when that INIT was
   * answered with an INIT ACK (true then): no probe, and an ABORT after it
   * no longer abandons the INIT.
   */
  function complete(prober: number, host: number, portKey: number): boolean {
    if (prober < 0 || host < 0) return false;
    if (sources.peek(prober, 0, 0) === undefined) {
      const entry = newSources.peek(prober, 0, 0);
      if (entry === undefined) return false;
      const which = entry.probeTo(host, portKey);
      return which !== 0 && entry.complete(which);
    }
    const probe = probes.peek(prober, host, portKey);
    if (probe === undefined || probe.status !== ANSWERED) return false;
    probe.answerAck = -1;
    return true;
  }

  /**
   * Takes a UDP datagram as the answer to a UDP probe seen the other way,
   * if one is remembered (true then): that probe was an exchange, no probe,
   * and is forgotten (a held one is marked EXCHANGED). Not one that was
   * refused: its port was closed, so what comes from it later is no answer
   * (a scanner's next probes from the port a target's reply went to, as
   * nmap's after a TFTP answer from an ephemeral port).
   */
  function answerUdp(reply: PacketRecord): boolean {
    const prober = reply.dstAddressKey;
    const host = reply.srcAddressKey;
    const portKey = UDP_PORT_OFFSET + reply.srcPort;
    if (prober < 0 || host < 0) return false;
    if (sources.peek(prober, 0, 0) === undefined) {
      return answerHeld(prober, host, portKey, EXCHANGED, -1);
    }
    const probe = probes.peek(prober, host, portKey);
    if (probe === undefined || probe.status === REFUSED) return false;
    if (probe.status === PENDING) {
      noteUdpOpen(probe, host, portKey);
      forgetExchange(probe, reply, portKey);
    }
    return true;
  }

  /**
   * Notes the port of a UDP probe that its host answered with UDP, when
   * the source probed that host on other ports too, most of them failing
   * (a scan of it, not a client's exchanges with a server): the probe
   * itself is forgotten as an exchange, and counts nowhere.
   */
  function noteUdpOpen(
    probe: ProbeState,
    hostKey: number,
    portKey: number,
  ): void {
    const { source, host } = probe;
    // Its own probe is pending, so failed, until forgotten.
    const otherFailed = host.failed - 1;
    if (otherFailed < 1 || 2 * otherFailed < host.distinct - 1) return;
    const noted = source.udpOpen ??= [];
    if (noted.length >= MAX_UDP_OPEN) return;
    for (const entry of noted) {
      if (entry.hostKey === hostKey && entry.portKey === portKey) return;
    }
    noted.push({ hostKey, portKey, hostText: probe.hostText });
  }

  /** Puts `probe` (answered open) first in its source's list of open probes. */
  function linkOpen(probe: ProbeState): void {
    if (probe.open) return;
    const source = probe.source;
    const head = source.openHead;
    probe.open = true;
    probe.prevOpen = undefined;
    probe.nextOpen = head;
    if (head !== undefined) head.prevOpen = probe;
    source.openHead = probe;
  }

  /** Takes `probe` out of its source's list of open probes. */
  function unlinkOpen(probe: ProbeState): void {
    const { prevOpen, nextOpen } = probe;
    if (prevOpen === undefined) probe.source.openHead = nextOpen;
    else prevOpen.nextOpen = nextOpen;
    if (nextOpen !== undefined) nextOpen.prevOpen = prevOpen;
    probe.open = false;
    probe.prevOpen = undefined;
    probe.nextOpen = undefined;
  }

  /**
   * Whether `host` (a host counter) or `port` (a port counter) of a source
   * is scanned: the host's ports or the port's hosts reached a threshold,
   * failed or not. The open ports a finding lists are theirs, not those of
   * the scanner's own connections meanwhile.
   */
  function isScanned(host: Counter, port: Counter | undefined): boolean {
    return host.failed >= failedPortThreshold ||
      host.distinct >= portThreshold ||
      (port !== undefined && port.failed >= failedSubnetHostThreshold);
  }

  /** The open ports of `source`'s scanned hosts and ports (see {@linkcode isScanned}), for its finding. */
  function openServicesOf(source: SourceState): OpenService[] {
    const found: OpenService[] = [];
    for (let probe = source.openHead; probe; probe = probe.nextOpen) {
      if (!isScanned(probe.host, probe.port)) continue;
      found.push({
        hostKey: probe.host.b,
        portKey: probe.port.b,
        hostText: probe.hostText,
      });
    }
    const src = source.addressKey;
    for (const entry of source.udpOpen ?? []) {
      // Noted when answered: its host may have left the tables since.
      const host = hostCounters.peek(src, entry.hostKey, 0);
      if (
        host !== undefined &&
        isScanned(host, portCounters.peek(src, entry.portKey, 0))
      ) found.push(entry);
    }
    return found;
  }

  /**
   * Forgets a UDP probe to `portKey` that `reply` answered: it leaves the
   * counts, the table and, unless another probe still counts them, the
   * samples.
   */
  function forgetExchange(
    probe: ProbeState,
    reply: PacketRecord,
    portKey: number,
  ): void {
    const { source, host, port } = probe;
    forget(probe);
    probes.delete(source.addressKey, reply.srcAddressKey, portKey);
    // The scan's last probe is the one before it, unless another came since.
    if (source.lastProbeUs === probe.atUs) {
      source.lastProbeUs = source.previousProbeUs;
    }
    // A counter at 0 has left its table (forget).
    if (host.distinct === 0) {
      removeSample(source.sampleHosts, reply.srcAddress);
    }
    const portNumber = portKey - UDP_PORT_OFFSET;
    if (
      port.distinct === 0 &&
      portCounters.peek(source.addressKey, portNumber, 0) === undefined
    ) removeSample(source.samplePorts, portNumber);
  }

  /**
   * Registers a probe of `portKey`: from the packet's source to its
   * destination, or, when `seenInAnswer`, from its destination to its source
   * (the packet is the probed host's answer, and the probe itself carried
   * nothing to tell it from ordinary traffic).
   */
  function probe(
    packet: PacketRecord,
    portKey: number,
    kind: number,
    report: FindingSink,
    seenInAnswer = false,
  ): void {
    const nowUs = packet.timestampUs;
    if (nowUs >= nextExpiryUs) {
      expire(nowUs);
      nextExpiryUs = nowUs + TOUCH_INTERVAL_US;
    }
    const srcIsProber = !seenInAnswer;
    const srcKey = srcIsProber ? packet.srcAddressKey : packet.dstAddressKey;
    const dstKey = srcIsProber ? packet.dstAddressKey : packet.srcAddressKey;
    if (srcKey < 0 || dstKey < 0) return;
    // Both tables are keyed by (source, 0, 0): one hash serves both.
    const srcHash = hashKey(srcKey, 0, 0);
    let source = sources.peek(srcKey, 0, 0, srcHash);
    if (source === undefined) {
      const entry = newSources.peek(srcKey, 0, 0, srcHash);
      if (entry === undefined) {
        if (lightProbes > 0) {
          if (admission.refuses(newSources, srcHash)) return;
          // The first probe waits in newSources.
          // Address text only for IPv6: under a spoofed flood every packet
          // is a new source, and most never become a full one.
          const first = (newSources.spare() ?? new NewSource()).reset(
            keptText(srcKey, packet, srcIsProber),
            srcHash,
            keptText(dstKey, packet, !srcIsProber),
            dstKey,
            portKey,
            kind,
            nowUs,
          );
          newSources.add(srcKey, 0, 0, first, srcHash);
          return;
        }
        source = newSource(
          srcIsProber ? packet.srcAddress : packet.dstAddress,
          srcKey,
          nowUs,
        );
        sources.add(srcKey, 0, 0, source, srcHash);
        crowds.note(dstKey, nowUs);
      } else {
        admission.countHit(entry);
        if (entry.probeTo(dstKey, portKey) !== 0) {
          entry.kinds |= kind;
          return; // a repeat of a held probe
        }
        if (entry.count < lightProbes) {
          entry.holdSecond(
            keptText(dstKey, packet, !srcIsProber),
            dstKey,
            portKey,
            kind,
            nowUs,
          );
          return;
        }
        // One more distinct probe: the source and its held probes (but
        // UDP exchanges) join the tables.
        newSources.delete(srcKey, 0, 0);
        const held2 = entry.count === 2 && entry.status2 !== EXCHANGED;
        source = newSource(
          addressTextOf(srcKey, entry.address),
          srcKey,
          entry.status !== EXCHANGED ? entry.atUs : held2 ? entry.atUs2 : nowUs,
        );
        sources.add(srcKey, 0, 0, source, srcHash);
        crowds.note(dstKey, nowUs);
        source.kinds = entry.kinds;
        if (entry.status !== EXCHANGED) {
          register(
            source,
            entry.host,
            entry.hostKey,
            entry.portKey,
            entry.atUs,
            entry.status,
            entry.answerAck,
            report,
          );
        }
        if (held2) {
          register(
            source,
            entry.host2,
            entry.hostKey2,
            entry.portKey2,
            entry.atUs2,
            entry.status2,
            entry.answerAck2,
            report,
          );
        }
      }
    } else {
      if (nowUs - source.touchedUs >= TOUCH_INTERVAL_US) {
        sources.get(srcKey, 0, 0); // LRU refresh at most once a second
        source.touchedUs = nowUs;
      }
      if (source.lastHostKey === dstKey && source.lastPortKey === portKey) {
        source.kinds |= kind;
        return; // a repeat of the last probe
      }
    }
    source.kinds |= kind;
    source.previousProbeUs = source.lastProbeUs;
    source.lastProbeUs = nowUs;
    const sourcePort = srcIsProber ? packet.srcPort : packet.dstPort;
    if (
      source.sampleSourcePorts.length < MAX_SOURCE_PORT_SAMPLES &&
      sourcePort >= 0
    ) addSample(source.sampleSourcePorts, sourcePort);
    register(
      source,
      keptText(dstKey, packet, !srcIsProber),
      dstKey,
      portKey,
      nowUs,
      PENDING,
      -1,
      report,
    );
  }

  /**
   * Remembers one distinct probe of a source in `sources`, with its outcome
   * so far (and an answering SYN/ACK's acknowledgment number, -1 for none);
   * it becomes the source's last probe. `dst` is the probed host's address
   * text as {@linkcode keptText} keeps it.
   */
  function register(
    source: SourceState,
    dst: string,
    dstKey: number,
    portKey: number,
    nowUs: number,
    status: number,
    answerAck: number,
    report: FindingSink,
  ): void {
    source.lastHost = dst;
    source.lastHostKey = dstKey;
    source.lastPortKey = portKey;
    const src = source.addressKey;
    const known = probes.peek(src, dstKey, portKey);
    if (known !== undefined) {
      // A repeat (a retransmission) changes nothing; a probe repeated a
      // quiet minute later is a scan sent again, before the first one's
      // probes expired: it lives a window more, and counts as new activity.
      if (nowUs - known.atUs < RESUME_GAP_US) return;
      probes.get(src, dstKey, portKey); // most recently seen again
      known.atUs = nowUs;
      noteNewProbe(source, nowUs);
      maybeReport(source, known.host, known.port, known.subnet, nowUs, report);
      return;
    }
    if (source.probes >= maxProbesPerSource) {
      source.uncounted++;
      maybeReport(source, undefined, undefined, undefined, nowUs, report);
      return;
    }
    // Room first: forgetting the oldest probe may free counters.
    if (probes.size >= probes.capacity) probes.evictOldest();
    let host = hostCounters.peek(src, dstKey, 0);
    if (host === undefined) {
      host = counterOf(hostCounters.spare(), src, dstKey, 0, source);
      hostCounters.add(src, dstKey, 0, host);
      source.hosts++;
      if (dstKey === source.victimKey) source.victimHost = host;
      if (source.sampleHosts.length < MAX_SAMPLES) {
        addSample(source.sampleHosts, addressTextOf(dstKey, dst));
      }
    }
    let port = portCounters.peek(src, portKey, 0);
    if (port === undefined) {
      port = counterOf(portCounters.spare(), src, portKey, 0, source);
      portCounters.add(src, portKey, 0, port);
      source.ports++;
      if (source.samplePorts.length < MAX_SAMPLES) {
        addSample(source.samplePorts, portKey % UDP_PORT_OFFSET);
      }
    }
    const subnetKey = subnetKeyOf(dstKey, dst);
    let subnet = subnetCounters.peek(src, portKey, subnetKey);
    if (subnet === undefined) {
      subnet = counterOf(
        subnetCounters.spare(),
        src,
        portKey,
        subnetKey,
        source,
      );
      subnetCounters.add(src, portKey, subnetKey, subnet);
    }
    const probe: ProbeState = probes.spare() ?? {
      source,
      host,
      port,
      subnet,
      atUs: nowUs,
      status,
      answerAck,
      hostText: dst,
      open: false,
      prevOpen: undefined,
      nextOpen: undefined,
    };
    probe.source = source;
    probe.host = host;
    probe.port = port;
    probe.subnet = subnet;
    probe.atUs = nowUs;
    probe.status = status;
    probe.answerAck = answerAck;
    probe.hostText = dst;
    probes.add(src, dstKey, portKey, probe);
    source.probes++;
    noteNewProbe(source, nowUs);
    if (countsAsUdpScan(portKey)) source.udpProbes++;
    host.distinct++;
    port.distinct++;
    subnet.distinct++;
    if (
      (status === ANSWERED || status === ABANDONED) && isOpenAnswerKey(portKey)
    ) linkOpen(probe);
    if (status === ANSWERED) {
      source.answered++;
    } else {
      if (source.failed++ === 0) source.failedSinceUs = nowUs;
      host.failed++;
      port.failed++;
      subnet.failed++;
      if (status === REFUSED) source.refused++;
      else if (status === ABANDONED) source.abandoned++;
    }
    maybeReport(source, host, port, subnet, nowUs, report);
  }

  /**
   * Whether the small vertical scan `source` just made of its last host
   * (counted by `host`) is one of a flooded crowd's: then it is folded,
   * once, into the host's crowd incident, reported instead, and its size
   * kept among the incident's samples as it grows.
   */
  function foldedIntoCrowd(
    source: SourceState,
    host: Counter,
    nowUs: number,
    report: FindingSink,
  ): boolean {
    const hostKey = source.lastHostKey;
    const ports = host.distinct;
    // A flood's sources probe a handful of ports each: a scan of three
    // times the threshold stands apart from them (the red team's decoys).
    if (
      ports > CROWD_MEMBER_PORTS * failedPortThreshold ||
      !crowds.crowded(hostKey, nowUs, crowdSources)
    ) return false;
    let entry: CrowdEntry | undefined;
    let due: boolean;
    if (source.foldedHostKey === hostKey) {
      // Its scan grew: its alert's samples follow, at most every interval.
      entry = crowds.grew(hostKey, source.address, ports, nowUs);
      due = entry !== undefined &&
        nowUs - entry.lastReportUs >= reportIntervalUs;
    } else {
      source.foldedHostKey = hostKey;
      entry = crowds.fold(
        hostKey,
        addressTextOf(hostKey, source.lastHost),
        source.address,
        ports,
        nowUs,
      );
      due = entry !== undefined &&
        isGrowthReportDue(entry, entry.folded, nowUs, reportIntervalUs);
    }
    if (entry !== undefined && due) {
      markReported(entry, entry.folded, nowUs);
      report(crowdFindingOf(entry, crowdSources, nowUs, config));
    }
    return true;
  }

  function maybeReport(
    source: SourceState,
    host: Counter | undefined,
    port: Counter | undefined,
    subnet: Counter | undefined,
    nowUs: number,
    report: FindingSink,
  ): void {
    let vertical = false;
    let horizontal = false;
    if (host !== undefined && port !== undefined && subnet !== undefined) {
      const top = source.topHost;
      if (host !== top) {
        if (top === undefined || host.failed > top.failed) {
          source.secondHost = top;
          source.topHost = host;
        } else if (
          host !== source.secondHost &&
          host.failed > (source.secondHost?.failed ?? -1)
        ) source.secondHost = host;
      }
      vertical = host.distinct >= portThreshold ||
        (host.failed >= failedPortThreshold &&
          host.failed >= minFailedRatio * host.distinct &&
          !foldedIntoCrowd(source, host, nowUs, report));
      horizontal = (subnet.failed >= failedSubnetHostThreshold &&
        subnet.failed >= minFailedRatio * subnet.distinct) ||
        (port.failed >= failedHostThreshold &&
          port.failed >= minFailedRatio * port.distinct);
      if (vertical && source.victimKey < 0) {
        // The first vertical crossing names the victim for good (see the
        // module doc); IPv4 text comes from the formatter's cache.
        source.victim = addressTextOf(source.lastHostKey, source.lastHost);
        source.victimKey = source.lastHostKey;
        source.victimHost = host;
      }
      if (horizontal && port.distinct > source.topPortHosts) {
        source.topPortKey = source.lastPortKey;
        source.topPortHosts = port.distinct;
      }
      if (vertical || horizontal) {
        if (nowUs - source.crossedUs >= windowUs) {
          // A new incident (the first, or one after a window without a
          // crossing: a scan repeated by a host that kept connecting
          // meanwhile): reported afresh, from its own start.
          clearReportMark(source);
          source.victimNaming = UNDECIDED;
          source.incidentStartUs = Math.max(
            source.failed >= source.answered
              ? source.failedSinceUs
              : source.firstProbeUs,
            nowUs - windowUs,
          );
        }
        source.crossedUs = nowUs;
      } else if (port.b >= UDP_PORT_OFFSET && port.b < SCTP_PORT_OFFSET) {
        // A UDP datagram (or another IP protocol's packet) that is no part
        // of a scan is most likely a query whose answer is on its way (which
        // makes it no probe): it does not make the scan report again.
        return;
      }
    }
    if (nowUs - source.crossedUs >= windowUs) return;
    const distinct = source.probes + source.uncounted;
    // The scan goes on with new probes though its earlier ones expired (a
    // repeated scan: the count only gets back to where it was).
    const resumed = source.reportedCount > 0 &&
      source.newProbes >= failedPortThreshold &&
      nowUs - source.lastReportUs >= reportIntervalUs;
    if (
      !resumed && !isGrowthReportDue(source, distinct, nowUs, reportIntervalUs)
    ) return;
    // After a quiet minute its alert may be released: a new one starts at
    // this scan's first probe.
    if (
      source.reportedCount > 0 && nowUs - source.lastReportUs >= RESUME_GAP_US
    ) {
      source.incidentStartUs = source.firstNewProbeUs;
      source.victimNaming = UNDECIDED;
    }
    markReported(source, distinct, nowUs);
    source.newProbes = 0;
    reportScan(source, nowUs, report);
  }

  /** Reports `source`'s scan as it stands at `nowUs`. */
  function reportScan(
    source: SourceState,
    nowUs: number,
    report: FindingSink,
  ): void {
    const many = source.victim !== "" &&
      isManyHosts(source, failedPortThreshold);
    // An alert's first vertical finding decides whether it names a
    // victim: the alert lifecycle keeps a victim once named.
    if (source.victimNaming === UNDECIDED && source.victim !== "") {
      source.victimNaming = many ? MANY_HOSTS : NAMED;
    }
    report(
      findingOf(
        source,
        many || source.victimNaming === MANY_HOSTS,
        nowUs,
        config,
        openServicesOf(source),
      ),
    );
  }

  return {
    name: "port_scan",
    packetKinds: PACKET_KIND.TCP | PACKET_KIND.UDP | PACKET_KIND.ICMP |
      PACKET_KIND.OTHER,
    observe(packet: PacketRecord, report: FindingSink): void {
      if (packet.network !== "ipv4" && packet.network !== "ipv6") return;
      packetUs = packet.timestampUs;
      const transport = packet.transport;
      if (transport === "tcp") {
        if (isTcpHeaderFragmented(packet)) {
          // The header's rest is in a later fragment, which is not decoded
          // (and no stack splits a header on its own).
          if (packet.dstPort >= 0) {
            probe(packet, packet.dstPort, KIND_FRAGMENTED, report);
          }
          return;
        }
        const flags = packet.tcpFlags;
        const synAckRst = flags & (SYN | ACK | RST);
        if (synAckRst === SYN) {
          if (packet.dstPort >= 0) {
            probe(packet, packet.dstPort, KIND_SYN, report);
          }
        } else if (synAckRst === 0) {
          if (packet.dstPort >= 0) {
            probe(packet, packet.dstPort, stealthKind(flags), report);
          }
        } else if (synAckRst === ACK) {
          // Bare ACKs (and FIN/ACKs) without payload, for the reset that
          // would answer an ACK probe; data and PSH segments never are, nor
          // a service's segments to a client's ephemeral port (keepalives
          // of a pool of connections to a client that rebooted meanwhile,
          // which resets each).
          if (
            (flags & (FIN | PSH | URG)) === (flags & FIN) &&
            packet.payloadLength === 0 && packet.srcPort >= 0 &&
            packet.dstPort >= 0 &&
            !(packet.srcPort < FIRST_EPHEMERAL_PORT &&
              packet.dstPort >= FIRST_EPHEMERAL_PORT)
          ) {
            recentAcks.note(
              packet.srcAddressKey,
              packet.srcPort,
              packet.dstAddressKey,
              packet.dstPort,
              packet.tcpAck,
            );
            if (isNmapAckProbe(packet)) {
              probe(packet, packet.dstPort, KIND_ACK, report);
            }
          }
        } else if (synAckRst === (SYN | ACK)) {
          answer(
            packet.dstAddressKey,
            packet.srcAddressKey,
            packet.srcPort,
            ANSWERED,
            packet.tcpAck,
          );
        } else if ((flags & RST) !== 0) {
          // RST from the probed port: refused. RST/ACK from the prober to a
          // port that answered: it completed the handshake (connect scan).
          if (
            answer(
              packet.dstAddressKey,
              packet.srcAddressKey,
              packet.srcPort,
              REFUSED,
            )
          ) return;
          if ((flags & ACK) !== 0) {
            markConnect(packet);
          } else if (
            (flags & (SYN | FIN)) === 0 &&
            abandon(packet, packet.dstPort, report)
          ) {
            return;
          } else if (
            (flags & (SYN | FIN)) === 0 && packet.srcPort >= 0 &&
            packet.dstPort >= 0 &&
            recentAcks.answers(
              packet.dstAddressKey,
              packet.dstPort,
              packet.srcAddressKey,
              packet.srcPort,
              packet.tcpSeq,
            )
          ) {
            // A bare RST answering a bare ACK seen here: an ACK probe for no
            // connection (nmap -sA, -sW, -sM), refused whether the port is
            // open or closed.
            probe(packet, packet.srcPort, KIND_ACK, report, true);
            answer(
              packet.dstAddressKey,
              packet.srcAddressKey,
              packet.srcPort,
              REFUSED,
            );
          }
        }
      } else if (transport === "udp") {
        const srcPort = packet.srcPort;
        const dstPort = packet.dstPort;
        if (dstPort < 0) return;
        if (answerUdp(packet)) return;
        if (srcPort < 1024 && dstPort >= 1024 && isServiceReply(packet)) {
          return;
        }
        // A DHCP (67 → 68) or DHCPv6 (547 → 546) server answering clients:
        // offers and acks to each address it hands out.
        if (
          (srcPort === DHCP_SERVER_PORT && dstPort === DHCP_CLIENT_PORT) ||
          (srcPort === DHCPV6_SERVER_PORT && dstPort === DHCPV6_CLIENT_PORT)
        ) return;
        if (
          dstPort >= TRACEROUTE_FIRST_PORT && dstPort <= TRACEROUTE_LAST_PORT
        ) return;
        if (isGroupDestination(packet)) {
          // A discovery query (SSDP, LLMNR, mDNS, WS-Discovery): its
          // answers are none (other group traffic opens nothing).
          // From the group's own port it is the protocol's chatter (mDNS
          // from 5353 to 5353), answered by multicast: no query's answers.
          if (!DISCOVERY_PORTS.has(dstPort) || srcPort === dstPort) return;
          groupQueries.note(
            packet.srcAddressKey,
            srcPort,
            dstPort,
            packet.timestampUs,
          );
          return;
        }
        // A unicast answer to one, from the group's port to the asker's.
        if (
          groupQueries.answers(
            packet.dstAddressKey,
            dstPort,
            srcPort,
            packet.timestampUs,
          )
        ) return;
        // A trace's probe (tracepath, mtr -u: a new port each), not a
        // scan's: routers on the way answered its earlier probes, or its TTL
        // is the last hop's (mtr -u to a neighbour sends every probe so).
        if (packet.ttl === 1) return;
        // Only a datagram that could be a trace's looks for one (most UDP
        // leaves with a TTL of 64 or more, and most links trace nothing).
        if (packet.ttl <= MAX_TRACE_TTL && traces.size > 0) {
          const tracedUs = traces.peek(
            packet.srcAddressKey,
            packet.dstAddressKey,
            0,
          );
          if (
            tracedUs !== undefined && packet.timestampUs - tracedUs < windowUs
          ) return;
        }
        probe(packet, UDP_PORT_OFFSET + dstPort, KIND_UDP, report);
      } else if (transport === "icmp" || transport === "icmpv6") {
        if (isTimeExceeded(packet)) {
          if (packet.quotedProtocol !== 17 || packet.quotedDstPort < 0) return;
          // A router on the way answered: the datagram never reached its
          // host, and its sender traces the path there.
          const tracer = packet.dstAddressKey;
          const traced = addressKey(packet.quotedDstAddress);
          if (tracer < 0 || traced < 0) return;
          traces.set(tracer, traced, 0, packet.timestampUs);
          answer(
            tracer,
            traced,
            UDP_PORT_OFFSET + packet.quotedDstPort,
            ANSWERED,
          );
          return;
        }
        const quoted = packet.quotedProtocol;
        if (quoted === SCTP_PROTOCOL) {
          // An SCTP packet refused: its port closed (a firewall's reject),
          // or its host without SCTP (a protocol unreachable or, from IPv6,
          // an unrecognized next header).
          if (
            packet.quotedDstPort < 0 ||
            !(isUnreachable(packet) || isProtocolRefusal(packet))
          ) return;
          if (
            answer(
              packet.dstAddressKey,
              addressKey(packet.quotedDstAddress),
              SCTP_PORT_OFFSET + packet.quotedDstPort,
              REFUSED,
            )
          ) return;
          // Else the prober's own kernel, without SCTP, refusing the INIT
          // ACK that answered its raw INIT (nmap -sY): abandoned, as an
          // ABORT from it would be.
          if (packet.quotedSrcPort >= 0) {
            abandon(packet, SCTP_PORT_OFFSET + packet.quotedSrcPort, report);
          }
          return;
        }
        if (isProtocolRefusal(packet)) {
          // The host has no such protocol: an IP protocol probe refused.
          answer(
            packet.dstAddressKey,
            addressKey(packet.quotedDstAddress),
            PROTOCOL_KEY_OFFSET + quoted,
            REFUSED,
          );
          return;
        }
        if (!isUnreachable(packet)) return;
        if ((quoted !== 6 && quoted !== 17) || packet.quotedDstPort < 0) return;
        answer(
          packet.dstAddressKey,
          addressKey(packet.quotedDstAddress),
          quoted === 17
            ? UDP_PORT_OFFSET + packet.quotedDstPort
            : packet.quotedDstPort,
          REFUSED,
        );
      } else if (transport === "sctp") {
        if (packet.srcPort < 0 || packet.dstPort < 0) return;
        if (isSctpChunkFragmented(packet)) {
          // Its chunk is in a later fragment, which is not decoded (and no
          // stack splits a chunk's header on its own).
          probe(
            packet,
            SCTP_PORT_OFFSET + packet.dstPort,
            KIND_FRAGMENTED,
            report,
          );
          return;
        }
        switch (packet.sctpChunkType) {
          case SCTP_CHUNK.INIT:
            // Association setup, or nmap -sY's probe.
            if (!isGroupDestination(packet)) {
              probe(
                packet,
                SCTP_PORT_OFFSET + packet.dstPort,
                KIND_SCTP_INIT,
                report,
              );
            }
            return;
          case SCTP_CHUNK.INIT_ACK:
          case SCTP_CHUNK.COOKIE_ACK:
            // An INIT answered, or a COOKIE ECHO (of an association whose
            // INIT the capture missed).
            if (
              !answer(
                packet.dstAddressKey,
                packet.srcAddressKey,
                SCTP_PORT_OFFSET + packet.srcPort,
                ANSWERED,
                0,
              ) && packet.sctpChunkType === SCTP_CHUNK.INIT_ACK
            ) {
              // An INIT ACK for no INIT seen here: an INIT ACK scan's probe
              // if its port aborts it (an open port drops it).
              recentInitAcks.note(
                packet.srcAddressKey,
                packet.srcPort,
                packet.dstAddressKey,
                packet.dstPort,
                0,
              );
            }
            return;
          case SCTP_CHUNK.ABORT:
            // From the probed port: refused (closed, or a COOKIE ECHO for no
            // association). From the prober after an INIT ACK: abandoned.
            if (
              answer(
                packet.dstAddressKey,
                packet.srcAddressKey,
                SCTP_PORT_OFFSET + packet.srcPort,
                REFUSED,
              )
            ) return;
            if (abandon(packet, SCTP_PORT_OFFSET + packet.dstPort, report)) {
              return;
            }
            if (
              recentInitAcks.answers(
                packet.dstAddressKey,
                packet.dstPort,
                packet.srcAddressKey,
                packet.srcPort,
                0,
              )
            ) {
              // A closed port aborting an INIT ACK for no INIT: a refused
              // probe of an INIT ACK scan.
              const portKey = SCTP_PORT_OFFSET + packet.srcPort;
              probe(packet, portKey, KIND_SCTP_INIT_ACK, report, true);
              answer(
                packet.dstAddressKey,
                packet.srcAddressKey,
                portKey,
                REFUSED,
              );
            }
            return;
          case SCTP_CHUNK.COOKIE_ECHO: {
            // The third step of an association whose INIT was answered, or
            // a COOKIE ECHO out of nowhere (nmap -sZ: a closed port aborts
            // it, an open one stays silent).
            const portKey = SCTP_PORT_OFFSET + packet.dstPort;
            if (
              complete(packet.srcAddressKey, packet.dstAddressKey, portKey) ||
              isGroupDestination(packet)
            ) return;
            probe(packet, portKey, KIND_SCTP_COOKIE, report);
            return;
          }
        }
      } else if (transport === "other") {
        // Another IP protocol (GRE, ESP, OSPF…; nmap -sO's probes): a packet
        // of it from the host answers the prober's, else it is a probe.
        const protocol = packet.ipProtocol;
        if (packet.laterFragment || protocol < 0) return;
        const protocolKey = PROTOCOL_KEY_OFFSET + protocol;
        if (
          answer(
            packet.dstAddressKey,
            packet.srcAddressKey,
            protocolKey,
            ANSWERED,
          )
        ) return;
        if (isGroupDestination(packet)) return;
        probe(packet, protocolKey, KIND_PROTOCOL, report);
      }
    },
    tables(): Record<string, TableStats> {
      return {
        sources: sources.stats(),
        new_sources: admission.stats(newSources),
        probes: probes.stats(),
        host_counters: hostCounters.stats(),
        port_counters: portCounters.stats(),
        subnet_counters: subnetCounters.stats(),
      };
    },
    flush(_nowUs: number, report: FindingSink): void {
      for (const entry of crowds.values()) {
        // Its figures or its samples changed since its last finding.
        const lastUs = Math.max(entry.lastFoldUs, entry.samplesChangedUs);
        if (isFinalReportDue(entry, entry.folded, lastUs)) {
          markReported(entry, entry.folded, lastUs);
          report(crowdFindingOf(entry, crowdSources, lastUs, config));
        }
      }
      // The last finding of each scan within its window that changed since
      // its last one.
      for (const source of sources.values()) {
        const distinct = source.probes + source.uncounted;
        const lastUs = source.lastProbeUs;
        if (
          lastUs - source.crossedUs >= windowUs ||
          !isFinalReportDue(source, distinct, lastUs)
        ) continue;
        markReported(source, distinct, lastUs);
        reportScan(source, lastUs, report);
      }
    },
  };

  function markConnect(packet: PacketRecord): void {
    const srcKey = packet.srcAddressKey;
    const dstKey = packet.dstAddressKey;
    if (srcKey < 0 || dstKey < 0) return;
    const source = sources.peek(srcKey, 0, 0);
    if (source === undefined) {
      const entry = newSources.peek(srcKey, 0, 0);
      if (entry === undefined) return;
      const which = entry.probeTo(dstKey, packet.dstPort);
      if (which !== 0 && entry.statusOf(which) === ANSWERED) {
        entry.kinds |= KIND_CONNECT;
      }
      return;
    }
    const probe = probes.peek(srcKey, dstKey, packet.dstPort);
    if (probe !== undefined && probe.status === ANSWERED) {
      source.kinds |= KIND_CONNECT;
    }
  }
}

/** A counter of `source` under key (`a`, `b`, `c`), starting at zero: `spare` (a recycled one) or a new one. */
function counterOf(
  spare: Counter | undefined,
  a: number,
  b: number,
  c: number,
  source: SourceState,
): Counter {
  if (spare === undefined) return { a, b, c, source, distinct: 0, failed: 0 };
  spare.a = a;
  spare.b = b;
  spare.c = c;
  spare.source = source;
  spare.distinct = 0;
  spare.failed = 0;
  return spare;
}

/** Deletes `counter` from `table` if it is still the entry under its key; true when it was. */
function deleteCounter(
  table: NumericKeyMap<Counter>,
  counter: Counter,
): boolean {
  return table.deleteValue(counter.a, counter.b, counter.c, counter);
}

function newSource(
  address: string,
  addressKey: number,
  nowUs: number,
): SourceState {
  return {
    address,
    addressKey,
    probes: 0,
    failed: 0,
    refused: 0,
    answered: 0,
    abandoned: 0,
    hosts: 0,
    ports: 0,
    uncounted: 0,
    kinds: 0,
    udpProbes: 0,
    sampleHosts: [],
    samplePorts: [],
    sampleSourcePorts: [],
    lastHost: "",
    lastHostKey: -1,
    lastPortKey: -1,
    firstProbeUs: nowUs,
    lastProbeUs: nowUs,
    previousProbeUs: nowUs,
    touchedUs: nowUs,
    crossedUs: -Infinity,
    foldedHostKey: -1,
    failedSinceUs: nowUs,
    incidentStartUs: nowUs,
    newProbes: 0,
    firstNewProbeUs: nowUs,
    lastNewProbeUs: nowUs,
    victim: "",
    victimKey: -1,
    victimHost: undefined,
    topPortKey: -1,
    topPortHosts: 0,
    topHost: undefined,
    secondHost: undefined,
    victimNaming: UNDECIDED,
    openHead: undefined,
    udpOpen: undefined,
    reportedCount: 0,
    lastReportUs: -Infinity,
  };
}

/** Counts a new (or renewed) probe of `source` at `nowUs`: a run of them starts afresh after a quiet minute. */
function noteNewProbe(source: SourceState, nowUs: number): void {
  if (
    source.newProbes === 0 || nowUs - source.lastNewProbeUs >= RESUME_GAP_US
  ) {
    source.newProbes = 0;
    source.firstNewProbeUs = nowUs;
  }
  source.newProbes++;
  source.lastNewProbeUs = nowUs;
}

/** Whether an answer to a probe of `portKey` says the port is open: a TCP or an SCTP port's (a UDP probe's answer is a router's time exceeded, an IP protocol's says nothing of ports). */
function isOpenAnswerKey(portKey: number): boolean {
  return portKey < UDP_PORT_OFFSET || portKey >= SCTP_PORT_OFFSET;
}

/**
 * Whether `source`'s probes are spread over several hosts, none with most
 * of them: the two hosts with the most failed probes have at least
 * {@linkcode MANY_HOSTS_SECOND_SHARE} as many each as the first (so the
 * first has at most two thirds of their failed probes), and the second
 * at least half the vertical threshold's (a scanner's few connections
 * elsewhere that failed make no second host).
 */
function isManyHosts(
  source: SourceState,
  failedPortThreshold: number,
): boolean {
  const top = source.topHost;
  const second = source.secondHost;
  return top !== undefined && second !== undefined &&
    second.failed >= failedPortThreshold / 2 &&
    second.failed >= MANY_HOSTS_SECOND_SHARE * top.failed;
}

/** Whether `portKey` is a UDP port's. */
function isUdpKey(portKey: number): boolean {
  return portKey >= UDP_PORT_OFFSET && portKey < PROTOCOL_KEY_OFFSET;
}

/** Whether a probe of `portKey` makes a UDP scan: UDP, and not to DNS or NTP. */
function countsAsUdpScan(portKey: number): boolean {
  return isUdpKey(portKey) && portKey !== DNS_PORT_KEY &&
    portKey !== NTP_PORT_KEY;
}

function addSample<T>(samples: T[], value: T): void {
  if (!samples.includes(value)) samples.push(value);
}

function removeSample<T>(samples: T[], value: T): void {
  const at = samples.indexOf(value);
  if (at >= 0) samples.splice(at, 1);
}

/** ICMP destination unreachable's code for "fragmentation needed and DF set" (RFC 792, RFC 1191). */
const ICMP_FRAGMENTATION_NEEDED = 4;

/** Kind of a TCP probe without SYN, ACK or RST (nmap -sF, -sN, -sX and relatives). */
function stealthKind(flags: number): number {
  if ((flags & (FIN | PSH | URG)) === (FIN | PSH | URG)) return KIND_XMAS;
  return (flags & FIN) !== 0 ? KIND_FIN : KIND_NULL;
}

/** The TCP window of nmap's raw probes (-sS, -sA, -sW, -sM, its ACK ping). */
const NMAP_PROBE_WINDOW = 1024;

/**
 * Whether a bare ACK or FIN/ACK without payload has the shape of nmap's
 * ACK probe: window 1024, no IP or TCP options, and not from a port below
 * 1024 to one above it (a service acknowledging its client).
 */
function isNmapAckProbe(packet: PacketRecord): boolean {
  return packet.tcpWindow === NMAP_PROBE_WINDOW &&
    packet.ipLength === (packet.network === "ipv4" ? 40 : 60) &&
    !(packet.srcPort < 1024 && packet.dstPort >= 1024);
}

/**
 * Whether a UDP datagram from a port below 1024 to one at or above it is a
 * service's reply to a client, as such datagrams almost always are, and
 * not a probe from a low source port (nmap -sU -g 53, -g 123 or -g 20, a
 * firewall evasion): a reply carries data, and comes from a port where a
 * UDP service answers (below 512 only the services of
 * `UDP_SERVICE_PORTS`; from 512 up RPC daemons bind ports at random, and
 * a datagram from any is taken for a reply). From the ports scans borrow
 * most, where a reply is cheap to tell, it must also be that service's
 * reply: from port 53 a DNS response; from 88, 111, 123, 137, 161 and 500
 * what the decoder takes for a reply (`udpServiceReply`: a KDC's reply, an
 * RPC reply, an NTP
 * server's reply or control or private-mode response, which NTP
 * amplification sends, an NBNS response, an SNMP agent's message, an IKE
 * peer's answer); from the DHCP server ports 67 and 547 nothing, since
 * servers answer clients at 68 and 546. Anything else from those ports (a
 * request, a payload too short, another protocol's bytes such as nmap's
 * payloads for other ports) is a probe; a payload cut by the snap length
 * before the bytes that tell is taken for a reply.
 */
function isServiceReply(packet: PacketRecord): boolean {
  if (packet.payloadLength === 0) return false;
  const srcPort = packet.srcPort;
  if (srcPort === DNS_PORT) {
    return packet.app === "dns" ? packet.dnsResponse : packet.truncated;
  }
  if (srcPort === DHCP_SERVER_PORT || srcPort === DHCPV6_SERVER_PORT) {
    return false;
  }
  if (!isServiceReplyPort(srcPort)) return isUdpServicePort(srcPort);
  const told = packet.udpServiceReply;
  return told === SERVICE_REPLY.UNKNOWN
    ? packet.truncated
    : told !== SERVICE_REPLY.NO; // a reply, or an SNMP notification
}

/** An ICMP time exceeded in transit (type 11 code 0) or ICMPv6 hop limit exceeded (type 3 code 0): a router's answer to a datagram whose TTL ran out. */
function isTimeExceeded(packet: PacketRecord): boolean {
  return packet.icmpCode === 0 &&
    (packet.transport === "icmp"
      ? packet.icmpType === 11
      : packet.icmpType === 3);
}

/** An ICMP protocol unreachable (type 3 code 2), or an ICMPv6 parameter problem for an unrecognized next header (type 4 code 1), quoting an IP protocol other than TCP, UDP, ICMP and ICMPv6 (SCTP's is refused by port). */
function isProtocolRefusal(packet: PacketRecord): boolean {
  const quoted = packet.quotedProtocol;
  if (
    quoted < 0 || quoted === 1 || quoted === 6 || quoted === 17 ||
    quoted === 58
  ) return false;
  return packet.transport === "icmp"
    ? packet.icmpType === 3 && packet.icmpCode === 2
    : packet.icmpType === 4 && packet.icmpCode === 1;
}

/**
 * ICMP destination unreachable (type 3) or ICMPv6 destination unreachable
 * (type 1); not ICMP's "fragmentation needed" (code 4), which asks path MTU
 * discovery for smaller datagrams and refuses nothing (ICMPv6 says so with
 * another type, Packet Too Big).
 */
function isUnreachable(packet: PacketRecord): boolean {
  return packet.transport === "icmp"
    ? packet.icmpType === 3 && packet.icmpCode !== ICMP_FRAGMENTATION_NEEDED
    : packet.icmpType === 1;
}

/** The finding of a host's crowd incident: many sources' small scans of it, folded into one. */
function crowdFindingOf(
  entry: CrowdEntry,
  crowdSources: number,
  nowUs: number,
  config: Required<PortScanOptions>,
): Finding {
  const { host, folded } = entry;
  const largest = entry.sampleSources[0];
  return {
    kind: "port_scan",
    key: `crowd→${host}`,
    timestampUs: nowUs,
    startUs: entry.firstFoldUs,
    severity: folded >= config.portThreshold ? "medium" : "low",
    attacker: "",
    victim: host,
    domain: "",
    summary: `${
      countText(folded, "source")
    } each probed ${config.failedPortThreshold} to ${
      CROWD_MEMBER_PORTS * config.failedPortThreshold
    } ports of ${host}, most failed, while it refused ${config.crowdFloodRefusals} probes or more a second from ${crowdSources} sources or more within ${
      windowText(config.windowUs)
    }: a spoofed SYN flood's sources, or a distributed port scan${
      largest === undefined
        ? ""
        : ` (the largest: ${largest}, ${
          countText(entry.samplePorts[0]!, "port")
        })`
    }`,
    evidence: {
      scanType: "distributed",
      foldedScans: folded,
      crowdSources,
      floodRefusalsPerSecond: config.crowdFloodRefusals,
      sampleSources: [...entry.sampleSources],
      sampleSourcePorts: [...entry.samplePorts],
      durationSeconds: Math.round((nowUs - entry.firstFoldUs) / 1e5) / 10,
      windowSeconds: config.windowUs / 1e6,
    },
  };
}

function findingOf(
  source: SourceState,
  many: boolean,
  nowUs: number,
  config: Required<PortScanOptions>,
  open: readonly OpenService[],
): Finding {
  const distinct = source.probes + source.uncounted;
  const vertical = source.victim !== "";
  // A scan of several hosts (`many`: none has most of its probes) is told
  // as one, naming them; its alert names no victim ("" as a horizontal
  // scan's) unless its first finding named one.
  const victim = source.victimNaming === MANY_HOSTS ? "" : source.victim;
  const victimPorts = vertical ? source.victimHost?.distinct ?? 0 : 0;
  // "udp" only for a UDP scan, not for DNS or NTP queries (see the module doc).
  let kindBits = source.kinds & ~KIND_UDP;
  if (source.udpProbes > 0 || isUdpKey(source.topPortKey)) {
    kindBits |= KIND_UDP;
  }
  if (kindBits === 0) kindBits = source.kinds;
  const kinds = KIND_NAMES.filter((_, i) => (kindBits & (1 << i)) !== 0);
  const topPort = source.topPortKey % UDP_PORT_OFFSET;
  const topPortProtocol = protocolOf(source.topPortKey);
  // Past the per-source cap, probes are only counted: every count of ports
  // or hosts is a lower bound.
  const capped = source.uncounted > 0;
  const atLeast = capped ? "at least " : "";
  // An IP protocol scan's probes are protocols (and a few ports).
  const ports = (count: number, distinct = "") =>
    (source.kinds & KIND_PROTOCOL) !== 0
      ? `${count} ${distinct}${
        count === 1 ? "port or IP protocol" : "ports or IP protocols"
      }`
      : countText(count, `${distinct}port`);
  const failed = `${source.failed} failed${
    source.abandoned > 0
      ? `, ${source.abandoned} of them answered and reset half-open`
      : ""
  }`;
  let what: string;
  if (many) {
    const probed = capped
      ? `${distinct} probes, the first ${source.probes} counted`
      : countText(distinct, "probe");
    what = `${atLeast}${ports(source.ports)} on ${atLeast}${
      countText(source.hosts, "host")
    } (${hostsText(source)}; ${probed}, ${failed})`;
  } else {
    const totals = capped
      ? `${distinct} probes, the first ${source.probes} counted: at least ${
        ports(source.ports, "distinct ")
      } on at least ${countText(source.hosts, "host")}`
      : `${countText(distinct, "probe")} to ${
        ports(source.ports, "distinct ")
      } on ${countText(source.hosts, "host")}`;
    what = `${
      vertical
        ? `${atLeast}${ports(victimPorts)} of ${victim}`
        : `${topPortProtocol}/${topPort} on ${atLeast}${
          countText(source.topPortHosts, "host")
        }`
    } (${totals}, ${failed})`;
  }
  const openPorts = openPortsOf(open);
  return {
    kind: "port_scan",
    key: source.address,
    timestampUs: nowUs,
    startUs: source.incidentStartUs,
    severity: fanOutSeverity(distinct),
    attacker: source.address,
    victim,
    domain: "",
    summary: `${source.address} probed ${what} within ${
      windowText(config.windowUs)
    }: ${kinds.join("/")} port scan${openPorts.summary}`,
    evidence: {
      scanType: vertical ? "vertical" : "horizontal",
      severalHosts: many,
      distinctPorts: source.ports,
      distinctHosts: source.hosts,
      probes: distinct,
      failedProbes: source.failed,
      refusedProbes: source.refused,
      answeredProbes: source.answered,
      halfOpenProbes: source.abandoned,
      uncountedProbes: source.uncounted,
      countsAreLowerBounds: capped,
      topHost: source.victim,
      topHostPorts: victimPorts,
      topPort: source.topPortKey < 0 ? -1 : topPort,
      topPortHosts: source.topPortHosts,
      openPorts: openPorts.ports,
      openPortCount: openPorts.portCount,
      openServices: openPorts.services,
      openServiceCount: open.length,
      samplePorts: [...source.samplePorts],
      sampleSourcePorts: [...source.sampleSourcePorts],
      sampleHosts: [...source.sampleHosts],
      probeKinds: kinds,
      durationSeconds: Math.round((nowUs - source.incidentStartUs) / 1e5) /
        10,
      windowSeconds: config.windowUs / 1e6,
    },
  };
}

/** The protocol of port key `portKey`'s port, as a summary names it. */
function protocolOf(portKey: number): string {
  return portKey >= SCTP_PORT_OFFSET
    ? "sctp"
    : portKey >= PROTOCOL_KEY_OFFSET
    ? "ip-protocol"
    : isUdpKey(portKey)
    ? "udp"
    : "tcp";
}

/** Port key `portKey` as a summary names it: a TCP port by its number, others with their protocol ("137/udp"). */
function portText(portKey: number): string {
  const port = portKey % UDP_PORT_OFFSET;
  return portKey < UDP_PORT_OFFSET
    ? `${port}`
    : `${port}/${protocolOf(portKey)}`;
}

/** The hosts of a scan of several, as its summary names them: the first scanned, then the first others probed, up to {@linkcode MAX_SUMMARY_HOSTS}, and how many more. */
function hostsText(source: SourceState): string {
  const named = [source.victim];
  for (const host of source.sampleHosts) {
    if (named.length >= MAX_SUMMARY_HOSTS) break;
    if (host !== source.victim) named.push(host);
  }
  const more = source.hosts - named.length;
  return more > 0 ? `${named.join(", ")} and ${more} more` : named.join(", ");
}

/**
 * A finding's open ports (`open`, host:port pairs): the distinct port
 * numbers, sorted, at most {@linkcode MAX_OPEN_LISTED}, and how many in
 * all; the pairs ("10.0.2.2:80", "[2001:db8::1]:22", "10.0.0.5:137/udp")
 * by port and host, as many; and the summary's words for them ("; open:
 * 22, 80, 137/udp", the first {@linkcode MAX_SUMMARY_OPEN_PORTS} and how
 * many more).
 */
function openPortsOf(open: readonly OpenService[]): {
  ports: number[];
  portCount: number;
  services: string[];
  summary: string;
} {
  if (open.length === 0) {
    return { ports: [], portCount: 0, services: [], summary: "" };
  }
  const byPort = [...open].sort((a, b) =>
    a.portKey % UDP_PORT_OFFSET - b.portKey % UDP_PORT_OFFSET ||
    a.portKey - b.portKey || a.hostKey - b.hostKey
  );
  const numbers: number[] = [];
  const keys: number[] = [];
  for (const { portKey } of byPort) {
    const port = portKey % UDP_PORT_OFFSET;
    if (numbers.at(-1) !== port) numbers.push(port);
    if (keys.at(-1) !== portKey) keys.push(portKey);
  }
  const services = byPort.slice(0, MAX_OPEN_LISTED).map(
    ({ hostKey, portKey, hostText }) => {
      const host = addressTextOf(hostKey, hostText);
      const port = portText(portKey);
      return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    },
  );
  const more = keys.length - MAX_SUMMARY_OPEN_PORTS;
  return {
    ports: numbers.slice(0, MAX_OPEN_LISTED),
    portCount: numbers.length,
    services,
    summary: `; open: ${
      keys.slice(0, MAX_SUMMARY_OPEN_PORTS).map(portText).join(", ")
    }${more > 0 ? ` and ${more} more` : ""}`,
  };
}
