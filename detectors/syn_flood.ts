/**
 * SYN flood detector: many half-open TCP connections to one victim port
 * within a short window of packet time, from one source or from randomly
 * spoofed ones (hping3 --rand-source).
 *
 * Every SYN (without ACK or RST; ECE/CWR allowed) to a victim host:port is a
 * connection attempt, remembered by its 4-tuple and sequence number until it
 * is *closed*: the client's ACK (sequence number one past the SYN's)
 * completes the handshake, or the victim's RST (acknowledging one past it)
 * refuses it (a closed port holds nothing); an ACK forged on the same ports
 * with another sequence number (hping3 -A beside hping3 -S) completes
 * nothing, as the victim's kernel drops it too. A SYN/ACK alone does not close it: in a
 * spoofed flood the victim answers SYN/ACKs that no one acknowledges, and
 * those attempts stay half-open. Nor does the client's RST before its ACK:
 * the handshake was never completed, and a flood from one unspoofed source
 * (hping3 -S without --rand-source) looks exactly so, because the sender's
 * own kernel resets each SYN/ACK for a connection it never opened; such an
 * aborted attempt counts as half-open for the rest of the window. A
 * repeated SYN with the same 4-tuple and sequence number is a
 * retransmission, not a new attempt,
 * and a SYN from a source no host answers from (multicast, 0.0.0.0/8,
 * loopback from outside) is none at all: the victim's kernel drops it.
 * Per victim port, with a two-bucket sliding window,
 *
 *     half-open = attempts − closed  ≥  halfOpenThreshold  within windowUs.
 *
 * Counting per port keeps scans out: a port scan sends one or two SYNs to
 * each of many ports, a flood thousands to one.
 *
 * A flood at a closed port holds nothing: the victim's kernel refuses each
 * SYN with a reset, so half-open stays near zero. It is found by the same
 * per-port count of refusals instead,
 *
 *     refused  ≥  refusedFloodThreshold  within windowUs,
 *
 * a higher bar than half-open because a refusal costs the victim no memory
 * (it is traffic, MITRE T1498, not a full listen queue). This is what
 * `hping3 -S --flood <victim>` does when no `-p` names an open port. Legitimate load (the FTP
 * brute-force sample: 32 new connections a second, each completed within a
 * millisecond) stays near zero half-open however many SYNs it sends.
 *
 * A flood whose SYNs go to random ports (below the threshold on each) is
 * found per victim host instead: half-open over all its ports
 * ≥ `spreadHalfOpenThreshold` within the window, or, when the ports are
 * closed, refused attempts over all its ports ≥ `spreadRefusedThreshold`
 * (`hping3 -S --rand-source -p ++1`), from ≥ `minSpreadSources` distinct
 * sources (a linear-counting estimate). The source count keeps vertical
 * port scans out: one scanner is one source, however fast.
 *
 * A slow flood (hping3 --rand-source -i u20000: 50 SYNs a second) stays
 * below that count in a second, but a victim holds each attempt it answered
 * for about a minute (Linux retries its SYN/ACK five times, 63 s), so its
 * listen queue fills all the same. Each attempt the victim answers with a
 * SYN/ACK is therefore *held* until its client answers, a reset ends it,
 * or `slowWindowUs` passes (the victim has given up by then), and per
 * victim port
 *
 *     held  ≥  slowHalfOpenThreshold
 *
 * is a slow flood. The client answers with any segment whose sequence
 * number follows its SYN and which acknowledges the victim's SYN/ACK (its
 * handshake's ACK, or a later one when the capture lost that: any
 * acknowledgment up to 1 MiB past it), as the victim's kernel requires; an
 * ACK forged by a flooder who knows its own sequence numbers but cannot
 * see the victim's completes nothing, and in a capture that sees the
 * victim answer, an ACK for an attempt not yet answered, sent right behind
 * its SYN (within 250 µs), completes nothing either (a handshake's ACK
 * follows its SYN/ACK). A reset from the client
 * within the victim's receive window frees the victim's entry, so it ends
 * a held attempt (a scan of one port from many sources, or a load
 * balancer's health check, holds nothing); it does not close one in the
 * one-second count above, where a flood from one unspoofed source is
 * found. A SYN with data the victim does not take (hping3 -d, no Fast Open
 * cookie) is acknowledged past the SYN alone, and is held as any. Only
 * answered attempts count: a server that is down (its clients' SYNs
 * unanswered) or a capture of one direction holds none. The victim's
 * retransmitted SYN/ACKs, which show it holding them, are counted in the
 * evidence.
 *
 * Findings: key and victim = the victim address; attacker = the source of
 * ≥ `dominantSourceShare` of the SYNs since the flood began, else "" with
 * the number of distinct sources and a sample of them in the evidence. A
 * finding is reported when the threshold is crossed, then again while the
 * flood goes on whenever half-open doubles or every `reportIntervalUs`. The
 * alert's MITRE technique is T1499.001 (OS Exhaustion Flood: the listen
 * queue); a finding at ≥ `volumetricSynRate` SYN/s carries T1498 (Network
 * Denial of Service) instead, the rate taken over at least 20 ms (a
 * receiver under load may timestamp a backlog of SYNs within a
 * millisecond).
 *
 * Limits: a flood slower than `slowHalfOpenThreshold` SYNs a minute is
 * not found, though a listen queue of 128 (Linux's smallest) fills at about
 * two a second (Linux then answers with SYN cookies, on by default, and
 * holds nothing more); a slow flood whose SYN/ACKs the capture does not
 * see is not found, nor is one spread over several ports below the
 * threshold on each (each listening socket has a queue of its own, so no
 * queue fills either); a slow flood from sources that answer the victim's
 * SYN/ACK with a reset (real hosts, not unused addresses) holds nothing
 * and is found only at the one-second rate; a port (or host) that holds
 * answered attempts is passed over when its table needs room (up to four
 * such at each eviction, so SYNs to tens of thousands of other hosts
 * between a slow flood's bursts do not start its count again), but when
 * more than four at the table's old end hold some, the oldest goes all
 * the same and its count starts again, and a held attempt whose victim's
 * state was replaced meanwhile ends only with the window; a flood at a
 * closed port whose
 * resets the capture does not see is found by its half-open SYNs, not its
 * refusals; a flood from fewer than
 * `minSpreadSources` sources spread over many victim ports (below the
 * threshold on each) is a port scan to this detector (and to the port scan
 * detector); a flood that repeats one 4-tuple (no new
 * half-open connections) is not found; under table pressure handshakes whose
 * SYN was forgotten count as half-open, which can only raise the count on a
 * victim already flooded with more than `maxPendingSyns` SYNs; an ACK
 * forged later than 250 µs behind its SYN completes a pending attempt of a
 * victim slower than that to answer; a capture that drops packets leaves
 * an attempt whose client's ACK, or (in a capture that sees the victim
 * answer, for a client less than 250 µs away) whose victim's SYN/ACK, it
 * lost half-open for the one-second count, so a port taking thousands of
 * connections a
 * second can be reported as a flood when the capture loses a few percent of
 * them (tcpdump's kernel drops say so: `droppedByKernel` in the session,
 * `netmirror_tcpdump_dropped_packets_total` in `/metrics`). SYNs sent in
 * IP fragments (hping3 -f, nmap -f) count from their first fragment: its
 * flags when it holds them, and as a SYN when it is too short for them (no
 * stack splits a TCP header on its own); as fragments are not reassembled,
 * a flood of later fragments alone (no TCP header) is not found here.
 *
 * @module
 */

import { INCIDENT_MEMORY_US } from "./alert_lifecycle.ts";
import { endpointKey } from "../capture/decode/address_key.ts";
import { TCP_FLAGS_FRAGMENTED } from "../capture/decode/tcp.ts";
import { isUnanswerableSource } from "./addresses.ts";
import { linearCount } from "./linear_count.ts";
import { type PacketRecord, TCP_FLAGS } from "../capture/packet_record.ts";
import { addressTextOf, keptText } from "../capture/decoded_packet.ts";
import type { Finding, FindingSink, Severity } from "./alert.ts";
import { type Detector, PACKET_KIND, type TableStats } from "./detector.ts";
import { hashKey, NumericKeyMap } from "./numeric_key_map.ts";
import { requirePositive } from "./option_checks.ts";
import {
  MAC_DOMINANT_SHARE,
  MajorityMac,
  throughMacText,
} from "./majority_mac.ts";
import {
  isFinalReportDue,
  isRepeatReportDue,
  markReported,
  type ReportMark,
} from "./report_cadence.ts";
import {
  advanceBucket,
  type BucketClock,
  previousBucketWeight,
  windowedCount,
} from "./time_buckets.ts";

/** Options of {@linkcode createSynFloodDetector}. */
export interface SynFloodOptions {
  /** Half-open connections to one victim host:port, within the window, that make a flood. */
  halfOpenThreshold?: number;
  /** Attempts the victim refused (reset) on one host:port, within the window, that make a flood at a closed port. */
  refusedFloodThreshold?: number;
  /** Window length, µs of packet time. */
  windowUs?: number;
  /** Least share (0–1) of the flood's SYNs one source must send to be named the attacker. */
  dominantSourceShare?: number;
  /** Victim host:port pairs (and victim hosts) tracked at once; beyond this the least recently seen is evicted. */
  maxTargets?: number;
  /** Connection attempts (SYN 4-tuples) awaiting their handshake at once; beyond this the oldest is forgotten. */
  maxPendingSyns?: number;
  /** Victim ports under (or near) a flood tracked with per-source counts at once (and as many victim hosts under a flood spread over ports). */
  maxFloods?: number;
  /** Distinct sources counted exactly per flood; beyond this their number is estimated. */
  maxSourcesPerFlood?: number;
  /** Packet time between repeated findings of one flood, µs. */
  reportIntervalUs?: number;
  /** SYNs per second to the victim port at which the flood is volumetric (MITRE T1498 instead of T1499.001). */
  volumetricSynRate?: number;
  /** Half-open connections to one victim host over all its ports, within the window, that make a flood spread over ports. */
  spreadHalfOpenThreshold?: number;
  /** Attempts refused over all of one victim host's ports, within the window, that make a flood spread over closed ports. */
  spreadRefusedThreshold?: number;
  /** Least distinct sources (estimated) of a flood spread over ports. */
  minSpreadSources?: number;
  /** Attempts one victim host:port answered and holds (no ACK, no reset, within `slowWindowUs`) that make a slow flood. */
  slowHalfOpenThreshold?: number;
  /** How long an answered attempt counts as held, µs of packet time (the victim's SYN/ACK retries). */
  slowWindowUs?: number;
  /** Answered attempts held at once; beyond this the oldest is forgotten. */
  maxHeldSyns?: number;
}

/**
 * Defaults of {@linkcode SynFloodOptions}.
 *
 * - `halfOpenThreshold` 128 within `windowUs` 1 s, i.e. at least 128 new
 *   never-completed SYNs a second: enough to fill a listen queue of
 *   Linux's smallest `tcp_max_syn_backlog` (128; it was also the
 *   `net.core.somaxconn` default before Linux 5.4) within one second. It sits
 *   just above Suricata's SYN-flood example (`flags:S,12; detection_filter:
 *   track by_src, count 100, seconds 1`, from the suricata-verify test that
 *   also supplied the 200-SYN sample, which crosses after 128 ms). Busy
 *   servers stay far below it: half-open there is the new-connection rate
 *   times the round-trip time (1 000 connections/s × 50 ms = 50).
 * - `refusedFloodThreshold` 1 024 refused attempts within the window, 8×
 *   the half-open threshold: a refusal fills no queue, so only a rate that
 *   no client produces by retrying counts. A reconnect storm (a thousand
 *   clients each retrying once when their server's port closes) stays below
 *   it, and so do retrying clients that back off (TCP's own SYN retries
 *   wait 1, 2, 4 … s); `hping3 -S --flood` sends hundreds of thousands.
 * - `dominantSourceShare` 0.8: one sender of 80 % of the SYNs is the flooder;
 *   spoofed floods spread over thousands of addresses.
 * - `maxTargets` 65 536 × about 450 B (target and victim entries),
 *   `maxPendingSyns` 65 536 × about 70 B (no object per attempt: its
 *   target and time sit in the table's arrays), `maxFloods` 256 × (1 KiB
 *   bitmap + `maxSourcesPerFlood` 4 096 × about 80 B) plus 256 spread floods
 *   × about 1.5 KiB: about 120 MB in the worst case.
 * - `reportIntervalUs` 10 s, the alert lifecycle's update interval.
 * - `volumetricSynRate` 100 000 SYN/s: at 60–84 bytes per SYN on the wire
 *   that is 50–70 Mbit/s, most of a 100 Mbit/s access link, so the flood
 *   exhausts bandwidth (T1498 Network Denial of Service) rather than only the
 *   victim's listen queue (T1499.001 OS Exhaustion Flood); one host running
 *   `hping3 --flood` sends a few hundred thousand SYN/s.
 * - `spreadHalfOpenThreshold` 256, twice the per-port threshold, because a
 *   busy host serves several ports at once (half-open ≈ new connections/s ×
 *   RTT: 256 needs 5 000 connections/s at 50 ms, all of them never
 *   completed within the window); `spreadRefusedThreshold` 2 048, twice the
 *   per-port refusal threshold for the same reason; `minSpreadSources` 32: spoofed floods
 *   (hping3 --rand-source, mausezahn -A rand) use a new source per SYN, a
 *   vertical scan one source.
 * - `slowHalfOpenThreshold` 256 within `slowWindowUs` 60 s (Linux drops an
 *   unanswered SYN/ACK after 63 s): half the listen queue of nginx, Apache
 *   and Node (511), about four SYNs a second that the victim answers and no
 *   one completes or resets for a minute. Legitimate clients complete or
 *   reset within a round trip, so a busy server holds about its
 *   new-connection rate times the RTT, as above, for the one-second count.
 *   `maxHeldSyns` 65 536 × about 120 B (a table slot and a recycled entry
 *   with both sequence numbers), and 4 096 SYNs with data: about 8 MB more.
 */
export const SYN_FLOOD_DEFAULTS = {
  halfOpenThreshold: 128,
  refusedFloodThreshold: 1_024,
  windowUs: 1_000_000,
  dominantSourceShare: 0.8,
  maxTargets: 65_536,
  maxPendingSyns: 65_536,
  maxFloods: 256,
  maxSourcesPerFlood: 4_096,
  reportIntervalUs: 10_000_000,
  volumetricSynRate: 100_000,
  spreadHalfOpenThreshold: 256,
  spreadRefusedThreshold: 2_048,
  minSpreadSources: 32,
  slowHalfOpenThreshold: 256,
  slowWindowUs: 60_000_000,
  maxHeldSyns: 65_536,
} satisfies Required<SynFloodOptions>;

/** MITRE technique of a volumetric SYN flood and of one at a closed port (the catalog's T1499.001 otherwise). */
const VOLUMETRIC_TECHNIQUE = {
  id: "T1498",
  name: "Network Denial of Service",
  tactic: "Impact",
} as const;

const { SYN, ACK, RST } = TCP_FLAGS;

/** Time after a SYN within which the victim has answered it (Linux: tens of µs), so that an ACK of the attempt before its SYN/ACK is forged, µs (see `onClientSegment`). */
const SYN_ACK_GRACE_US = 250;

/** Entries holding answered attempts passed over in one eviction (see `evictTarget`). */
const MAX_SPARED = 4;

/** SYNs with data remembered at once (their data's length; see `dataSyns`). */
const MAX_DATA_SYNS = 4_096;

/** How far past the victim's SYN/ACK a client's segment may acknowledge and still answer it (1 MiB: a capture may miss the handshake's ACK and the first exchange; a forger, who cannot see the SYN/ACK, hits it once in 4 096 tries). */
const ACK_SPAN = 1 << 20;

/** Sequence numbers past a held attempt's at which the client's reset still frees it (the victim's receive window; Linux offers at least 64 KiB). */
const RESET_WINDOW = 65_536;

/** Released victim and target entries kept for reuse. */
const MAX_SPARES = 64;

/** Sources listed in a finding's evidence. */
const MAX_SAMPLE_SOURCES = 10;

/** Bits of the per-flood linear-counting bitmap (distinct-source estimate past the exact cap). */
const BITMAP_BITS = 8_192;

/** A flood's per-source state is dropped after this much packet time below the warm-up level, µs. */
const FLOOD_IDLE_US = 60_000_000;

/** Ended floods remembered at most (about 1.2 KiB each). */
const MAX_CARRIED_FLOODS = 64;

/** Bits of a spread flood's source and port maps (linear counting). */
const SPREAD_BITS = 2_048;
const SPREAD_MASK = SPREAD_BITS - 1;

/** How a pending attempt ended. */
type Outcome = typeof COMPLETED | typeof REFUSED | typeof ABORTED;
/** The client's ACK completed the handshake. */
const COMPLETED = 0;
/** The victim reset it: nothing listens on the port. */
const REFUSED = 1;
/** The client reset it before completing. */
const ABORTED = 2;

/** Which count makes a port's flood: half-open within the window, held, or refused. */
type FloodMode = typeof BY_HALF_OPEN | typeof BY_HELD | typeof BY_REFUSED;
/** A port's half-open, held and refused attempts, indexed by {@linkcode FloodMode}. */
type PortCounts = [halfOpen: number, held: number, refused: number];
/** Half-open attempts within `windowUs` (a flood of at least `halfOpenThreshold` SYNs a second). */
const BY_HALF_OPEN = 0;
/** Answered attempts held (a slow flood). */
const BY_HELD = 1;
/** Refused attempts (a flood at a closed port). */
const BY_REFUSED = 2;

/** Windowed counts of attempts, closed attempts (and of them those refused) and SYN packets (two buckets). */
interface Buckets extends BucketClock {
  attempts: number;
  closed: number;
  refused: number;
  synPackets: number;
  previousAttempts: number;
  previousClosed: number;
  previousRefused: number;
  previousSynPackets: number;
}

/** One victim host: its pending attempts (they gate the ACK lookups) and windowed counts over all its ports. */
interface VictimState extends Buckets {
  /** The address text as {@linkcode keptText} keeps it ("" for IPv4; see {@linkcode addressTextOf}). */
  address: string;
  /** `address` as an address key (its key in `victims` and `spreads`). */
  addressKey: number;
  /** Its attempts in the pending table (awaiting an answer). */
  pending: number;
  /** Its attempts in the held table (answered, awaiting the client). */
  held: number;
  /** Target entries that refer to it (in `targets` or held by a pending attempt). */
  targets: number;
  /** Whether it is in `victims`. */
  listed: boolean;
  firstSeenUs: number;
  lastSeenUs: number;
  /** Packet time of its last refresh in `victims` while it held attempts (see `expire`). */
  touchedUs: number;
  /** Packet time of its last SYN/ACK: the capture sees it answer. */
  answeredUs: number;
  /** Packet time one of its ports was last at or above the per-port threshold (that rule then covers it). */
  portFloodUs: number;
  spread: SpreadState | undefined;
}

/** A flood on one port, or spread over a host's ports, tracked from its warm-up level on; its {@linkcode ReportMark} counts half-open. */
interface HotFlood extends ReportMark {
  startedUs: number;
  /** Packet time half-open (or, per port, refused attempts) was last at or above the warm-up level. */
  hotUs: number;
  /** Packet time of the last LRU refresh of its table entry. */
  touchedUs: number;
  peakHalfOpen: number;
}

/** Distinct sources and ports of a victim host under (or near) a flood spread over ports. */
interface SpreadState extends HotFlood {
  victim: VictimState;
  /** Most attempts refused over the host's ports within the window so far. */
  peakRefused: number;
  syns: number;
  sourceBits: Uint32Array;
  portBits: Uint32Array;
  sampleSources: string[];
  samplePorts: number[];
}

/** What {@linkcode expireIdle} reads of a port's or host's state. */
interface IdleState {
  /** Attempts it answered and holds. */
  held: number;
  lastSeenUs: number;
  /** Packet time of its last refresh in its table. */
  touchedUs: number;
}

/** An attempt the victim answered and holds: its port's state, and both sides' initial sequence numbers. */
interface HeldAttempt {
  target: TargetState;
  /** The client's, as the victim's SYN/ACK acknowledges it (one before its acknowledgment number). */
  clientIsn: number;
  /** The victim's (its SYN/ACK's sequence number). */
  serverIsn: number;
}

/** One victim host:port and its windowed counts. */
interface TargetState extends Buckets {
  /** Its key in `targets` and `floods`: the victim's endpoint key. */
  key: number;
  victim: VictimState;
  port: number;
  firstSeenUs: number;
  lastSeenUs: number;
  touchedUs: number;
  flood: FloodState | undefined;
  /** Attempts, pending or held, that refer to it. */
  pending: number;
  /** Of them, the held ones: attempts it answered and holds (a slow flood's count). */
  held: number;
  /** Whether it is in `targets`. */
  listed: boolean;
}

/** Per-source counts of a victim port under (or near) a flood. */
interface FloodState extends HotFlood {
  /** Most attempts refused within the window so far. */
  peakRefused: number;
  /** Most answered attempts held at once so far. */
  peakHeld: number;
  target: TargetState;
  syns: number;
  /** SYNs per source (by address key), up to `maxSourcesPerFlood` sources. */
  sources: NumericKeyMap<{ syns: number }>;
  /** The first sources counted, for evidence. */
  sampleSources: string[];
  bitmap: Uint32Array;
  topSource: string;
  topSyns: number;
  /** The source MAC most of its SYNs came through. */
  macs: MajorityMac;
  /** Whether it goes on with an ended flood's totals (its sources then counted by the bitmap only). */
  carried: boolean;
  synAcks: number;
  /** SYN/ACKs the victim sent again for an attempt it holds. */
  synAckRetransmissions: number;
  completed: number;
  /** Attempts reset by the victim (a closed port). */
  refused: number;
  /** Attempts reset by the client before completing (a SYN from a raw socket: its own kernel resets the SYN/ACK). */
  aborted: number;
}

/**
 * Creates the SYN flood detector (kind "syn_flood"): half-open connections
 * per victim port, spoofed or not, one incident per victim host.
 *
 * @example
 * ```ts
 * const detector = createSynFloodDetector({ halfOpenThreshold: 256 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createSynFloodDetector(
  options: SynFloodOptions = {},
): Detector {
  const config = { ...SYN_FLOOD_DEFAULTS, ...options };
  const {
    halfOpenThreshold,
    windowUs,
    dominantSourceShare,
    maxSourcesPerFlood,
    reportIntervalUs,
  } = config;
  requirePositive("SYN flood detector", config, [
    "halfOpenThreshold",
    "refusedFloodThreshold",
    "windowUs",
    "maxTargets",
    "maxPendingSyns",
    "maxFloods",
    "maxHeldSyns",
    "maxSourcesPerFlood",
    "volumetricSynRate",
    "spreadHalfOpenThreshold",
    "spreadRefusedThreshold",
    "minSpreadSources",
    "slowHalfOpenThreshold",
    "slowWindowUs",
  ]);
  if (!(dominantSourceShare > 0 && dominantSourceShare <= 1)) {
    throw new RangeError(
      `Cannot create SYN flood detector: dominantSourceShare must be within (0, 1], got ${dominantSourceShare}`,
    );
  }
  /** Half-open level at which a port's per-source counting starts. */
  const warmHalfOpen = Math.max(1, Math.ceil(halfOpenThreshold / 4));
  /** Refused attempts at which it starts at a closed port. */
  const warmRefused = Math.max(
    1,
    Math.ceil(config.refusedFloodThreshold / 4),
  );
  /** Held attempts at which a port's per-source counting starts. */
  const warmHeld = Math.max(1, Math.ceil(config.slowHalfOpenThreshold / 4));
  const { slowWindowUs } = config;
  /** Attempts are remembered for two windows (a bucket and its predecessor). */
  const pendingUs = 2 * windowUs;
  const touchIntervalUs = windowUs / 10;

  /** Host-wide half-open level at which a victim's source and port counting starts. */
  const warmSpreadHalfOpen = Math.max(
    1,
    Math.ceil(config.spreadHalfOpenThreshold / 4),
  );
  /** Host-wide refused attempts at which it starts when the ports are closed. */
  const warmSpreadRefused = Math.max(
    1,
    Math.ceil(config.spreadRefusedThreshold / 4),
  );
  // Victims and spreads are keyed by (victim address key, 0, 0), targets
  // and floods by (victim endpoint key, 0, 0), pending attempts by (client
  // endpoint key, victim endpoint key, 0); see endpointKey.
  const victims = new NumericKeyMap<VictimState>(
    config.maxTargets,
    (victim) => unlistVictim(victim),
  );
  const spreads = new NumericKeyMap<SpreadState>(
    config.maxFloods,
    (spread) => {
      spread.victim.spread = undefined;
    },
  );
  const floods = new NumericKeyMap<FloodState>(
    config.maxFloods,
    (flood) => {
      carry(flood);
      flood.target.flood = undefined;
    },
  );
  // Ports' ended floods, by target key, for one that comes back.
  const carried = new NumericKeyMap<CarriedFlood>(MAX_CARRIED_FLOODS);

  /** Remembers `flood`, ended, for its port's next one. */
  function carry(flood: FloodState): void {
    const target = flood.target;
    carried.set(target.key, 0, 0, carriedOf(flood, target.lastSeenUs));
  }
  const targets = new NumericKeyMap<TargetState>(
    config.maxTargets,
    (target) => dropTarget(target),
  );
  // The target of the latest SYN: a flood sends SYN after SYN to one
  // victim port, which then costs no lookup (cleared when it leaves).
  let lastTarget: TargetState | undefined;
  // One entry per SYN: its target, stamped with the SYN's time (no object
  // per attempt, so a flood allocates nothing here and each attempt costs a
  // few numbers in the table's arrays).
  const pending = new NumericKeyMap<TargetState>(
    config.maxPendingSyns,
    (target) => endPending(target),
  );
  // Attempts the victim answered (moved here from `pending` by its
  // SYN/ACK), keyed by their ports (client endpoint key, victim endpoint
  // key, 0) with both sides' initial sequence numbers, stamped with the
  // SYN/ACK's time: what it holds until the client answers or either side
  // resets, for up to `slowWindowUs`. Entries are recycled.
  const held = new NumericKeyMap<HeldAttempt>(
    config.maxHeldSyns,
    (entry) => endHeld(entry.target),
    { recycle: true },
  );
  // SYNs with data (keyed as `pending`, by their own sequence number):
  // their data's length, for a SYN/ACK that acknowledges the SYN alone.
  const dataSyns = new NumericKeyMap<number>(MAX_DATA_SYNS);
  let nextExpiryUs = -Infinity;
  // Victim and target entries nothing refers to any more, reused by the
  // next new ones: a fast horizontal scan makes one of each per SYN, which
  // would otherwise live long enough to die in the old generation. A target
  // is free once it has left `targets` and no pending attempt refers to it,
  // a victim once it has left `victims` and no target refers to it.
  const spareVictims: VictimState[] = [];
  const spareTargets: TargetState[] = [];

  /** A victim leaving `victims` (evicted or expired). */
  function unlistVictim(victim: VictimState): void {
    victim.listed = false;
    dropSpread(victim);
    if (victim.targets === 0) releaseVictim(victim);
  }

  /** One pending attempt of `target` ends (closed, answered, evicted or expired). */
  function endPending(target: TargetState): void {
    target.victim.pending--;
    unrefer(target);
  }

  /** One held attempt of `target` ends (closed, evicted or expired). */
  function endHeld(target: TargetState): void {
    target.held--;
    target.victim.held--;
    unrefer(target);
  }

  /** An attempt that referred to `target` is gone. */
  function unrefer(target: TargetState): void {
    if (--target.pending === 0 && !target.listed) releaseTarget(target);
  }

  function releaseTarget(target: TargetState): void {
    const victim = target.victim;
    if (--victim.targets === 0 && !victim.listed) releaseVictim(victim);
    if (spareTargets.length < MAX_SPARES) spareTargets.push(target);
  }

  function releaseVictim(victim: VictimState): void {
    dropSpread(victim);
    if (spareVictims.length < MAX_SPARES) spareVictims.push(victim);
  }

  function dropSpread(victim: VictimState): void {
    if (victim.spread !== undefined) {
      const key = victim.addressKey;
      if (spreads.peek(key, 0, 0) === victim.spread) spreads.delete(key, 0, 0);
      victim.spread = undefined;
    }
  }

  /** A target leaving `targets` (evicted or expired): its flood goes too. */
  function dropTarget(target: TargetState): void {
    if (target === lastTarget) lastTarget = undefined;
    dropFlood(target);
    target.listed = false;
    if (target.pending === 0) releaseTarget(target);
  }

  function dropFlood(target: TargetState): void {
    if (target.flood !== undefined) {
      carry(target.flood);
      floods.delete(target.key, 0, 0);
      target.flood = undefined;
    }
  }

  /** Drops idle entries; a flood that goes with them makes its last finding first (see `flush`). */
  function expire(nowUs: number, report: FindingSink): void {
    pending.expireOldest((target, atUs) => {
      if (nowUs - atUs < pendingUs) return false;
      endPending(target);
      return true;
    });
    held.expireOldest((entry, atUs) => {
      if (nowUs - atUs < slowWindowUs) return false;
      endHeld(entry.target);
      return true;
    });
    dataSyns.expireOldest((_, atUs) => nowUs - atUs >= pendingUs);
    // A port or host that holds answered attempts stays while it does (a
    // slow flood may pause between bursts longer than the one-second
    // counts live). A host with attempts pending stays too: its clients'
    // ACKs are looked up by it.
    expireIdle(targets, (target) => target.key, (target) => {
      if (target.flood !== undefined) finishFlood(target.flood, report);
      dropTarget(target);
    }, nowUs);
    expireIdle(victims, (victim) => victim.addressKey, (victim) => {
      if (victim.pending > 0) return false;
      if (victim.spread !== undefined) finishSpread(victim.spread, report);
      unlistVictim(victim);
      return true;
    }, nowUs);
  }

  /**
   * Takes `table`'s entries idle for `pendingUs` off its old end, each
   * handed to `drop` (which may refuse, false: the expiry stops there), but
   * refreshes to most recently used one that holds answered attempts
   * (until `slowWindowUs` without a SYN), after which it is looked at again
   * only when `pendingUs` has passed once more.
   */
  function expireIdle<V extends IdleState>(
    table: NumericKeyMap<V>,
    keyOf: (value: V) => number,
    drop: (value: V) => boolean | void,
    nowUs: number,
  ): void {
    for (;;) {
      const oldest = table.oldest();
      if (oldest === undefined) break;
      const idleUs = nowUs - Math.max(oldest.lastSeenUs, oldest.touchedUs);
      if (idleUs < pendingUs) break;
      const key = keyOf(oldest);
      if (oldest.held > 0 && nowUs - oldest.lastSeenUs < slowWindowUs) {
        table.get(key, 0, 0);
        oldest.touchedUs = nowUs;
        continue;
      }
      if (drop(oldest) === false) break;
      table.delete(key, 0, 0);
    }
  }

  /**
   * Reports a port's flood one last time if it changed since its last
   * finding (report_cadence.ts `isFinalReportDue`), at its last SYN (or the
   * later close that moved its window): when the input ends, or when the
   * flood's state is dropped.
   */
  function finishFlood(flood: FloodState, report: FindingSink): void {
    const target = flood.target;
    const atUs = Math.max(target.lastSeenUs, target.bucketStartUs);
    const counts = countsOf(target, atUs);
    const mode = portFloodMode(counts) ?? pastFloodMode(flood, config);
    const level = counts[mode];
    if (!isFinalReportDue(flood, level, target.lastSeenUs)) return;
    markReported(flood, level, atUs);
    report(findingOf(flood, counts, mode, atUs, config));
  }

  /** A port's counts at `nowUs`, indexed by {@linkcode FloodMode}. */
  function countsOf(target: TargetState, nowUs: number): PortCounts {
    return [
      halfOpenOf(target, nowUs, windowUs),
      target.held,
      refusedOf(target, nowUs, windowUs),
    ];
  }

  /** The count at or above its threshold that makes the port flooded, if any: half-open decides first, then held (both a listening port's queue, whatever else it refuses), then refused. */
  function portFloodMode(counts: PortCounts): FloodMode | undefined {
    if (counts[BY_HALF_OPEN] >= halfOpenThreshold) return BY_HALF_OPEN;
    if (counts[BY_HELD] >= config.slowHalfOpenThreshold) return BY_HELD;
    if (counts[BY_REFUSED] >= config.refusedFloodThreshold) return BY_REFUSED;
    return undefined;
  }

  /** The same for a flood spread over a host's ports, unless a flood on one of its ports is the incident's finding. */
  function finishSpread(spread: SpreadState, report: FindingSink): void {
    const victim = spread.victim;
    const atUs = Math.max(victim.lastSeenUs, victim.bucketStartUs);
    if (atUs - victim.portFloodUs < windowUs) return;
    const halfOpen = halfOpenOf(victim, atUs, windowUs);
    const refused = refusedOf(victim, atUs, windowUs);
    const closedPorts = isClosedPortFlood(
      spread,
      halfOpen,
      refused,
      config.spreadHalfOpenThreshold,
      config.spreadRefusedThreshold,
    );
    const level = closedPorts ? refused : halfOpen;
    if (!isFinalReportDue(spread, level, victim.lastSeenUs)) return;
    markReported(spread, level, atUs);
    report(
      spreadFindingOf(spread, halfOpen, refused, closedPorts, atUs, config),
    );
  }

  /**
   * A client's segment to `victim` (its ACK or data, or its reset): ends
   * the attempt it belongs to, held or pending. A held attempt ends at any
   * later segment of its client whose sequence number follows its SYN and
   * which acknowledges the victim's SYN/ACK (within {@linkcode ACK_SPAN}:
   * an ACK forged with the client's own sequence number cannot know the
   * victim's, and the victim rejects it too), or at a reset within the
   * receive window (which frees the victim's entry, forged or not). A
   * pending attempt ends at the segment right after its SYN, but while the
   * capture sees the victim answer, an ACK within
   * {@linkcode SYN_ACK_GRACE_US} of the SYN completes nothing: a
   * handshake's ACK follows its SYN/ACK (which makes the attempt held), so
   * one before it is forged, sent right behind the SYN; a later one is a
   * client's whose SYN/ACK the capture lost.
   */
  function onClientSegment(
    victim: VictimState,
    packet: PacketRecord,
    outcome: typeof COMPLETED | typeof ABORTED,
  ): void {
    const client = endpointKey(packet.srcAddressKey, packet.srcPort);
    const server = endpointKey(packet.dstAddressKey, packet.dstPort);
    const nowUs = packet.timestampUs;
    if (victim.held > 0) {
      const entry = held.peek(client, server, 0);
      if (entry !== undefined && endsHeld(entry, packet, outcome)) {
        held.delete(client, server, 0);
        countEnd(entry.target, nowUs, outcome);
        endHeld(entry.target);
        return;
      }
    }
    if (victim.pending === 0) return;
    const isn = oneBefore(packet.tcpSeq);
    const hash = hashKey(client, server, isn);
    const target = pending.peek(client, server, isn, hash);
    if (target === undefined) return;
    if (
      outcome === COMPLETED && nowUs - victim.answeredUs < pendingUs &&
      nowUs - pending.stampOf(client, server, isn, hash) < SYN_ACK_GRACE_US
    ) return;
    pending.delete(client, server, isn);
    countEnd(target, nowUs, outcome);
    endPending(target);
  }

  /** A reset from `victim` acknowledging a pending attempt: it refuses it (nothing listens on the port); returns the attempt's port, or undefined. */
  function onVictimReset(
    victim: VictimState,
    packet: PacketRecord,
  ): TargetState | undefined {
    if (victim.pending === 0) return undefined;
    const client = endpointKey(packet.dstAddressKey, packet.dstPort);
    const server = endpointKey(packet.srcAddressKey, packet.srcPort);
    const isn = oneBefore(packet.tcpAck);
    const target = pending.peek(client, server, isn);
    if (target === undefined) return undefined;
    pending.delete(client, server, isn);
    countEnd(target, packet.timestampUs, REFUSED);
    endPending(target);
    return target;
  }

  /** Counts an attempt's end (before its table entry's end releases it): a completed or refused one is closed; one the client aborted stays half-open for the window (the victim held it until then). */
  function countEnd(
    target: TargetState,
    nowUs: number,
    outcome: Outcome,
  ): void {
    if (outcome !== ABORTED) {
      const refused = outcome === REFUSED;
      countClosed(target, nowUs, windowUs, refused);
      countClosed(target.victim, nowUs, windowUs, refused);
    }
    const flood = target.flood;
    if (flood !== undefined) {
      if (outcome === COMPLETED) flood.completed++;
      else if (outcome === REFUSED) flood.refused++;
      else flood.aborted++;
    }
  }

  /**
   * A SYN/ACK from `victim`: it answers an attempt. A pending one moves to
   * the held ones (the victim holds it until the client answers); a held
   * one's SYN/ACK is a retransmission. The SYN/ACK acknowledges the
   * client's SYN, past its data only when the victim took them (TCP Fast
   * Open): a SYN with data it did not take is found by its sequence number.
   */
  function onSynAck(victim: VictimState, packet: PacketRecord): void {
    const nowUs = packet.timestampUs;
    const client = endpointKey(packet.dstAddressKey, packet.dstPort);
    const server = endpointKey(packet.srcAddressKey, packet.srcPort);
    const clientIsn = oneBefore(packet.tcpAck);
    if (victim.pending > 0) {
      let key = clientIsn;
      let target = pending.peek(client, server, key);
      if (target === undefined && dataSyns.size > 0) {
        const dataLength = dataSyns.peek(client, server, clientIsn);
        if (dataLength !== undefined) {
          key = (clientIsn + dataLength) >>> 0;
          target = pending.peek(client, server, key);
        }
      }
      if (target !== undefined) {
        pending.delete(client, server, key);
        target.victim.pending--;
        hold(target, client, server, clientIsn, packet.tcpSeq, nowUs);
        return;
      }
    }
    if (victim.held === 0) return;
    const entry = held.peek(client, server, 0);
    if (
      entry !== undefined && entry.clientIsn === clientIsn &&
      entry.serverIsn === packet.tcpSeq >>> 0
    ) {
      const flood = entry.target.flood;
      if (flood !== undefined) {
        flood.synAcks++;
        flood.synAckRetransmissions++;
      }
    }
  }

  /** Adds an answered attempt of `target` to the held ones (replacing an older one of the same ports: the 4-tuple was reused). */
  function hold(
    target: TargetState,
    client: number,
    server: number,
    clientIsn: number,
    serverIsn: number,
    nowUs: number,
  ): void {
    const older = held.peek(client, server, 0);
    if (older !== undefined) {
      held.delete(client, server, 0);
      endHeld(older.target);
    }
    const entry = held.spare() ?? { target, clientIsn: 0, serverIsn: 0 };
    entry.target = target;
    entry.clientIsn = clientIsn;
    entry.serverIsn = serverIsn >>> 0;
    held.add(client, server, 0, entry, hashKey(client, server, 0), nowUs);
    target.held++;
    target.victim.held++;
    if (target.flood !== undefined) target.flood.synAcks++;
  }

  /**
   * Checks after a refusal: refusals come after their SYNs, so the one that
   * brings a port (or the host) to its threshold is found then, not at the
   * next SYN, which a flood's last refusals never get. Only until the
   * incident's first finding: the next ones come with its SYNs, and the
   * last with `flush` or expiry.
   */
  function onRefusal(
    target: TargetState,
    nowUs: number,
    report: FindingSink,
  ): void {
    const flood = target.flood;
    if (flood !== undefined && flood.reportedCount === 0) {
      const counts = countsOf(target, nowUs);
      keepPeaks(flood, counts);
      if (reportPortFlood(target, flood, counts, nowUs, report)) return;
    }
    const victim = target.victim;
    const spread = victim.spread;
    if (spread !== undefined && spread.reportedCount === 0) {
      const halfOpen = halfOpenOf(victim, nowUs, windowUs);
      const refused = refusedOf(victim, nowUs, windowUs);
      if (refused > spread.peakRefused) spread.peakRefused = refused;
      reportSpread(victim, spread, halfOpen, refused, nowUs, report);
    }
  }

  /** The victim with key `addressKey` if it has attempts pending or held. */
  function victimWithAttempts(addressKey: number): VictimState | undefined {
    const victim = victims.peek(addressKey, 0, 0);
    return victim !== undefined && victim.pending + victim.held > 0
      ? victim
      : undefined;
  }

  function onSyn(packet: PacketRecord, report: FindingSink): void {
    const nowUs = packet.timestampUs;
    if (nowUs >= nextExpiryUs) {
      expire(nowUs, report);
      nextExpiryUs = nowUs + touchIntervalUs;
    }
    const dstKey = packet.dstAddressKey;
    const targetKey = endpointKey(dstKey, packet.dstPort);
    let target = lastTarget !== undefined && lastTarget.key === targetKey
      ? lastTarget
      : targets.peek(targetKey, 0, 0);
    if (target === undefined) {
      // Room first, so that the entry this releases is reused at once.
      if (targets.size >= targets.capacity) evictTarget();
      let victim = victims.peek(dstKey, 0, 0);
      if (victim === undefined) {
        if (victims.size >= victims.capacity) evictVictim();
        victim = resetVictim(
          spareVictims.pop() ?? blankVictim(),
          keptText(dstKey, packet, false),
          dstKey,
          nowUs,
        );
        victims.add(dstKey, 0, 0, victim);
      }
      target = resetTarget(
        spareTargets.pop() ?? blankTarget(victim),
        targetKey,
        victim,
        packet.dstPort,
        nowUs,
      );
      targets.add(targetKey, 0, 0, target);
    } else if (nowUs - target.touchedUs >= touchIntervalUs) {
      targets.get(targetKey, 0, 0); // LRU refresh, a few times per window
      if (victims.get(dstKey, 0, 0) === undefined) {
        victims.add(dstKey, 0, 0, target.victim);
        target.victim.listed = true;
      }
      target.touchedUs = nowUs;
    }
    lastTarget = target;
    const victim = target.victim;
    target.lastSeenUs = nowUs;
    victim.lastSeenUs = nowUs;
    advanceBuckets(target, nowUs, windowUs);
    advanceBuckets(victim, nowUs, windowUs);
    target.synPackets++;
    victim.synPackets++;
    const flood = target.flood;
    if (flood !== undefined) countSource(flood, packet);
    // A SYN from a source no host answers from (multicast, 0/8, loopback
    // from outside: hping3 --rand-source sends a few percent of them) is
    // dropped by the victim's kernel before TCP: it holds nothing and
    // refuses nothing, so it is no attempt.
    if (isUnanswerableSource(packet)) return;

    const clientKey = endpointKey(packet.srcAddressKey, packet.srcPort);
    // Keyed by the SYN's sequence number too: only the client's own
    // segments (sequence number one past it) or the server's reset
    // (acknowledging one past it) end the attempt, not an ACK forged on the
    // same ports to make it look complete.
    // A SYN with data (TCP Fast Open, hping3 -d) is acknowledged past its
    // data: the client's ACK and a refusal's acknowledgment are one past
    // both.
    const isn = (packet.tcpSeq + packet.payloadLength) >>> 0;
    const pendingHash = hashKey(clientKey, targetKey, isn);
    if (pending.peek(clientKey, targetKey, isn, pendingHash) !== undefined) {
      return; // retransmission
    }
    if (victim.held > 0) {
      const entry = held.peek(clientKey, targetKey, 0);
      if (
        entry !== undefined &&
        (entry.clientIsn === isn || entry.clientIsn === packet.tcpSeq >>> 0)
      ) return; // retransmitted after the victim answered
    }
    pending.add(clientKey, targetKey, isn, target, pendingHash, nowUs);
    if (packet.payloadLength > 0) {
      dataSyns.setStamped(
        clientKey,
        targetKey,
        packet.tcpSeq >>> 0,
        packet.payloadLength,
        nowUs,
      );
    }
    target.pending++;
    victim.pending++;
    target.attempts++;
    victim.attempts++;

    if (!onTargetAttempt(target, packet, report)) {
      onVictimAttempt(victim, packet, report);
    }
  }

  /**
   * Makes room in `targets`: evicts the least recently seen port, passing
   * over (refreshing) up to {@linkcode MAX_SPARED} that hold answered
   * attempts, so that SYNs to many other hosts between a slow flood's
   * bursts do not start its count again.
   */
  function evictTarget(): void {
    evictSparingHeld(targets, (target) => target.key);
  }

  /** The same for `victims`: a host that holds answered attempts is passed over. */
  function evictVictim(): void {
    evictSparingHeld(victims, (victim) => victim.addressKey);
  }

  /** Per-port check after a new attempt; true when the port is flooded (half-open or refused attempts at or above their threshold). */
  function onTargetAttempt(
    target: TargetState,
    packet: PacketRecord,
    report: FindingSink,
  ): boolean {
    const nowUs = packet.timestampUs;
    const targetKey = target.key;
    const flood = target.flood;
    const counts = countsOf(target, nowUs);
    if (
      counts[BY_HALF_OPEN] < warmHalfOpen && counts[BY_HELD] < warmHeld &&
      counts[BY_REFUSED] < warmRefused
    ) {
      if (flood !== undefined && nowUs - flood.hotUs >= FLOOD_IDLE_US) {
        finishFlood(flood, report);
        dropFlood(target);
      }
      return false;
    }
    if (flood === undefined) {
      const created = newFlood(target, nowUs, windowUs, maxSourcesPerFlood);
      const ended = carried.peek(targetKey, 0, 0);
      if (ended !== undefined) {
        carried.delete(targetKey, 0, 0);
        if (nowUs - ended.endedUs < INCIDENT_MEMORY_US) goOn(created, ended);
      }
      target.flood = created;
      floods.set(targetKey, 0, 0, created);
      countSource(created, packet);
      return false;
    }
    keepHot(flood, floods, targetKey, nowUs, counts[BY_HALF_OPEN]);
    keepPeaks(flood, counts);
    return reportPortFlood(target, flood, counts, nowUs, report);
  }

  /** Reports a port's flood when it is at a threshold and a finding is due; true when the port is flooded. */
  function reportPortFlood(
    target: TargetState,
    flood: FloodState,
    counts: PortCounts,
    nowUs: number,
    report: FindingSink,
  ): boolean {
    const mode = portFloodMode(counts);
    if (mode === undefined) return false;
    target.victim.portFloodUs = nowUs;
    const level = counts[mode];
    if (!isRepeatReportDue(flood, level, nowUs, reportIntervalUs)) {
      return true;
    }
    markReported(flood, level, nowUs);
    report(findingOf(flood, counts, mode, nowUs, config));
    return true;
  }

  /** Host-wide check after a new attempt on a port below the per-port threshold. */
  function onVictimAttempt(
    victim: VictimState,
    packet: PacketRecord,
    report: FindingSink,
  ): void {
    const nowUs = packet.timestampUs;
    const addressKey = victim.addressKey;
    let spread = victim.spread;
    const halfOpen = halfOpenOf(victim, nowUs, windowUs);
    const refused = refusedOf(victim, nowUs, windowUs);
    if (halfOpen < warmSpreadHalfOpen && refused < warmSpreadRefused) {
      if (spread !== undefined && nowUs - spread.hotUs >= FLOOD_IDLE_US) {
        finishSpread(spread, report);
        dropSpread(victim);
      }
      return;
    }
    if (spread === undefined) {
      spread = newSpread(victim, nowUs, windowUs);
      victim.spread = spread;
      spreads.set(addressKey, 0, 0, spread);
    }
    keepHot(spread, spreads, addressKey, nowUs, halfOpen);
    if (refused > spread.peakRefused) spread.peakRefused = refused;
    countSpread(spread, packet);
    reportSpread(victim, spread, halfOpen, refused, nowUs, report);
  }

  /** Reports a flood over a host's ports when it is at a threshold, from enough sources, and a finding is due. */
  function reportSpread(
    victim: VictimState,
    spread: SpreadState,
    halfOpen: number,
    refused: number,
    nowUs: number,
    report: FindingSink,
  ): void {
    // Half-open decides when both could, as per port.
    const halfOpenFlood = halfOpen >= config.spreadHalfOpenThreshold;
    if (!halfOpenFlood && refused < config.spreadRefusedThreshold) return;
    // A flood on one port also fills the host-wide count: that port's finding covers it.
    if (nowUs - victim.portFloodUs < windowUs) return;
    if (linearCount(spread.sourceBits, SPREAD_BITS) < config.minSpreadSources) {
      return;
    }
    const level = halfOpenFlood ? halfOpen : refused;
    if (!isRepeatReportDue(spread, level, nowUs, reportIntervalUs)) return;
    markReported(spread, level, nowUs);
    report(
      spreadFindingOf(spread, halfOpen, refused, !halfOpenFlood, nowUs, config),
    );
  }

  /** Keeps a port flood's peaks of held and refused attempts. */
  function keepPeaks(flood: FloodState, counts: PortCounts): void {
    if (counts[BY_HELD] > flood.peakHeld) flood.peakHeld = counts[BY_HELD];
    if (counts[BY_REFUSED] > flood.peakRefused) {
      flood.peakRefused = counts[BY_REFUSED];
    }
  }

  /** Marks a flood at or above the warm-up level at `nowUs`: refreshes its table entry a few times per window and keeps its peak. */
  function keepHot<F extends HotFlood>(
    flood: F,
    table: NumericKeyMap<F>,
    key: number,
    nowUs: number,
    halfOpen: number,
  ): void {
    flood.hotUs = nowUs;
    if (nowUs - flood.touchedUs >= touchIntervalUs) {
      table.get(key, 0, 0); // LRU refresh, a few times per window
      flood.touchedUs = nowUs;
    }
    if (halfOpen > flood.peakHalfOpen) flood.peakHalfOpen = halfOpen;
  }

  function countSource(flood: FloodState, packet: PacketRecord): void {
    flood.syns++;
    flood.macs.add(packet.srcMacHigh, packet.srcMacLow);
    const key = packet.srcAddressKey;
    const hash = hashKey(key, 0, 0);
    const counted = flood.sources.peek(key, 0, 0, hash);
    let syns = 1;
    if (counted !== undefined) {
      syns = ++counted.syns;
    } else if (flood.sources.size < maxSourcesPerFlood) {
      flood.sources.add(key, 0, 0, { syns: 1 }, hash);
      if (flood.sampleSources.length < MAX_SAMPLE_SOURCES) {
        flood.sampleSources.push(packet.srcAddress);
      }
    } else {
      syns = 0; // past the exact cap: only the estimate below sees it
    }
    const bit = hash & (BITMAP_BITS - 1);
    const word = bit >>> 5;
    flood.bitmap[word] = (flood.bitmap[word] ?? 0) | (1 << (bit & 31));
    if (syns > flood.topSyns) {
      flood.topSyns = syns;
      flood.topSource = packet.srcAddress;
    }
  }

  return {
    name: "syn_flood",
    packetKinds: PACKET_KIND.TCP,
    observe(packet: PacketRecord, report: FindingSink): void {
      if (packet.transport !== "tcp" || packet.dstPort < 0) return;
      const srcKey = packet.srcAddressKey;
      const dstKey = packet.dstAddressKey;
      // Decoded TCP always has both; the check keeps endpoint keys exact.
      if (srcKey < 0 || dstKey < 0 || packet.srcPort < 0) return;
      const flags = packet.tcpFlags;
      const synAckRst = flags & (SYN | ACK | RST);
      if (
        synAckRst === SYN ||
        // A first fragment too short for the flags (nmap -f's 8 bytes): no
        // stack splits a header, so tools flooding in tiny fragments do.
        (packet.fragment && packet.anomaly === TCP_FLAGS_FRAGMENTED)
      ) {
        onSyn(packet, report);
      } else if (synAckRst === ACK) {
        // The client's ACK (or data) completes a handshake.
        const victim = victimWithAttempts(dstKey);
        if (victim !== undefined) onClientSegment(victim, packet, COMPLETED);
      } else if (synAckRst === (SYN | ACK)) {
        const victim = victims.peek(srcKey, 0, 0);
        if (victim === undefined) return;
        // The capture sees it answer, whatever the SYN/ACK answers.
        victim.answeredUs = packet.timestampUs;
        if (victim.pending + victim.held > 0) onSynAck(victim, packet);
      } else if ((flags & RST) !== 0) {
        // A reset from the client aborts the attempt; one from the victim
        // refuses it (a closed port).
        const server = victimWithAttempts(dstKey);
        if (server !== undefined) onClientSegment(server, packet, ABORTED);
        const victim = victimWithAttempts(srcKey);
        if (victim === undefined) return;
        const target = onVictimReset(victim, packet);
        if (target !== undefined) onRefusal(target, packet.timestampUs, report);
      }
    },
    tables(): Record<string, TableStats> {
      return {
        victims: victims.stats(),
        targets: targets.stats(),
        pending_syns: pending.stats(),
        held_syns: held.stats(),
        data_syns: dataSyns.stats(),
        floods: floods.stats(),
        spread_floods: spreads.stats(),
      };
    },
    flush(_nowUs: number, report: FindingSink): void {
      // Least recently active first: a victim's busiest port reports last.
      for (const flood of floods.values()) finishFlood(flood, report);
      for (const spread of spreads.values()) finishSpread(spread, report);
    },
  };
}

/**
 * Whether a flood that has made findings is one at closed ports: refused
 * attempts at or above their threshold while half-open is below its own,
 * or, once both have waned, it never reached the half-open threshold (its
 * findings counted refusals).
 */
function isClosedPortFlood(
  flood: HotFlood,
  halfOpen: number,
  refused: number,
  halfOpenThreshold: number,
  refusedThreshold: number,
): boolean {
  if (halfOpen >= halfOpenThreshold) return false;
  return refused >= refusedThreshold ||
    Math.max(flood.peakHalfOpen, halfOpen) < halfOpenThreshold;
}

/**
 * Which count a port's findings counted once none is at its threshold any
 * more: half-open if it ever reached its threshold, else held if that did,
 * else refused.
 */
function pastFloodMode(
  flood: FloodState,
  config: Required<SynFloodOptions>,
): FloodMode {
  if (flood.peakHalfOpen >= config.halfOpenThreshold) return BY_HALF_OPEN;
  if (flood.peakHeld >= config.slowHalfOpenThreshold) return BY_HELD;
  return BY_REFUSED;
}

/** A victim entry to fill with {@linkcode resetVictim}. */
function blankVictim(): VictimState {
  return {
    address: "",
    addressKey: 0,
    pending: 0,
    held: 0,
    targets: 0,
    listed: false,
    bucketStartUs: 0,
    attempts: 0,
    closed: 0,
    refused: 0,
    synPackets: 0,
    previousAttempts: 0,
    previousClosed: 0,
    previousRefused: 0,
    previousSynPackets: 0,
    firstSeenUs: 0,
    lastSeenUs: 0,
    touchedUs: 0,
    answeredUs: 0,
    portFloodUs: 0,
    spread: undefined,
  };
}

/** Makes `victim` (new or released) a victim first seen at `nowUs`, about to enter `victims`. */
function resetVictim(
  victim: VictimState,
  address: string,
  addressKey: number,
  nowUs: number,
): VictimState {
  victim.address = address;
  victim.addressKey = addressKey;
  victim.pending = 0;
  victim.held = 0;
  victim.targets = 0;
  victim.listed = true;
  resetBuckets(victim, nowUs);
  victim.firstSeenUs = nowUs;
  victim.lastSeenUs = nowUs;
  victim.touchedUs = nowUs;
  victim.answeredUs = -Infinity;
  victim.portFloodUs = -Infinity;
  victim.spread = undefined;
  return victim;
}

/** Empties a victim's or target's windowed counts, its bucket starting at `nowUs`. */
function resetBuckets(buckets: Buckets, nowUs: number): void {
  buckets.bucketStartUs = nowUs;
  buckets.attempts = 0;
  buckets.closed = 0;
  buckets.refused = 0;
  buckets.synPackets = 0;
  buckets.previousAttempts = 0;
  buckets.previousClosed = 0;
  buckets.previousRefused = 0;
  buckets.previousSynPackets = 0;
}

/**
 * Where a flood found at its warm-up level (a quarter of the threshold)
 * began: the first SYN to its port or host if that came within the window,
 * else the window's start. Its first SYNs are then in the alert's time span
 * and PCAP slice, though counted per source only from the warm-up on.
 */
function floodStartUs(
  state: { firstSeenUs: number },
  nowUs: number,
  windowUs: number,
): number {
  return Math.max(state.firstSeenUs, nowUs - windowUs);
}

function newSpread(
  victim: VictimState,
  nowUs: number,
  windowUs: number,
): SpreadState {
  return {
    victim,
    startedUs: floodStartUs(victim, nowUs, windowUs),
    hotUs: nowUs,
    touchedUs: nowUs,
    syns: 0,
    sourceBits: new Uint32Array(SPREAD_BITS / 32),
    portBits: new Uint32Array(SPREAD_BITS / 32),
    sampleSources: [],
    samplePorts: [],
    peakHalfOpen: 0,
    peakRefused: 0,
    reportedCount: 0,
    lastReportUs: -Infinity,
  };
}

/**
 * Counts one SYN of a spread flood in its source and port maps. Both are
 * hashed with a full mix: linear counting assumes random positions, and a
 * plain multiplicative hash spreads a run of ports (hping3 -p ++1) more
 * evenly than that, which overestimates.
 */
function countSpread(spread: SpreadState, packet: PacketRecord): void {
  spread.syns++;
  const port = packet.dstPort;
  setBit(spread.sourceBits, hashKey(packet.srcAddressKey, 0, 0) & SPREAD_MASK);
  setBit(spread.portBits, hashKey(port, 0, 0) & SPREAD_MASK);
  if (spread.sampleSources.length < MAX_SAMPLE_SOURCES) {
    const source = packet.srcAddress;
    if (!spread.sampleSources.includes(source)) {
      spread.sampleSources.push(source);
    }
  }
  if (
    spread.samplePorts.length < MAX_SAMPLE_SOURCES &&
    !spread.samplePorts.includes(port)
  ) spread.samplePorts.push(port);
}

function setBit(bits: Uint32Array, bit: number): void {
  const word = bit >>> 5;
  bits[word] = (bits[word] ?? 0) | (1 << (bit & 31));
}

/** A target entry to fill with {@linkcode resetTarget}. */
function blankTarget(victim: VictimState): TargetState {
  return {
    key: 0,
    victim,
    port: 0,
    bucketStartUs: 0,
    attempts: 0,
    closed: 0,
    refused: 0,
    synPackets: 0,
    previousAttempts: 0,
    previousClosed: 0,
    previousRefused: 0,
    previousSynPackets: 0,
    firstSeenUs: 0,
    lastSeenUs: 0,
    touchedUs: 0,
    flood: undefined,
    pending: 0,
    held: 0,
    listed: false,
  };
}

/** Makes `target` (new or released) a target of `victim` first seen at `nowUs`, about to enter `targets`. */
function resetTarget(
  target: TargetState,
  key: number,
  victim: VictimState,
  port: number,
  nowUs: number,
): TargetState {
  target.key = key;
  target.victim = victim;
  victim.targets++;
  target.port = port;
  resetBuckets(target, nowUs);
  target.firstSeenUs = nowUs;
  target.lastSeenUs = nowUs;
  target.touchedUs = nowUs;
  target.flood = undefined;
  target.pending = 0;
  target.held = 0;
  target.listed = true;
  return target;
}

function newFlood(
  target: TargetState,
  nowUs: number,
  windowUs: number,
  maxSources: number,
): FloodState {
  return {
    target,
    startedUs: floodStartUs(target, nowUs, windowUs),
    hotUs: nowUs,
    touchedUs: nowUs,
    syns: 0,
    sources: new NumericKeyMap(maxSources),
    sampleSources: [],
    bitmap: new Uint32Array(BITMAP_BITS / 32),
    topSource: "",
    topSyns: 0,
    macs: new MajorityMac(),
    carried: false,
    synAcks: 0,
    synAckRetransmissions: 0,
    completed: 0,
    refused: 0,
    aborted: 0,
    peakHalfOpen: 0,
    peakRefused: 0,
    peakHeld: 0,
    reportedCount: 0,
    lastReportUs: -Infinity,
  };
}

/** What a port's ended flood hands on to its next one, if that comes within {@linkcode INCIDENT_MEMORY_US}: the alert its findings merge into is one incident. */
interface CarriedFlood {
  /** Packet time of its port's last SYN. */
  endedUs: number;
  startedUs: number;
  syns: number;
  bitmap: Uint32Array;
  sampleSources: string[];
  topSource: string;
  topSyns: number;
  macs: MajorityMac;
  synAcks: number;
  synAckRetransmissions: number;
  completed: number;
  refused: number;
  aborted: number;
  peakHalfOpen: number;
  peakRefused: number;
  peakHeld: number;
}

/** `flood`'s totals, ended at `endedUs`. */
function carriedOf(flood: FloodState, endedUs: number): CarriedFlood {
  return {
    endedUs,
    startedUs: flood.startedUs,
    syns: flood.syns,
    bitmap: flood.bitmap,
    sampleSources: flood.sampleSources,
    topSource: flood.topSource,
    topSyns: flood.topSyns,
    macs: flood.macs,
    synAcks: flood.synAcks,
    synAckRetransmissions: flood.synAckRetransmissions,
    completed: flood.completed,
    refused: flood.refused,
    aborted: flood.aborted,
    peakHalfOpen: flood.peakHalfOpen,
    peakRefused: flood.peakRefused,
    peakHeld: flood.peakHeld,
  };
}

/** Makes `flood`, new, go on with `ended`'s totals: one incident. */
function goOn(flood: FloodState, ended: CarriedFlood): void {
  flood.startedUs = ended.startedUs;
  flood.syns = ended.syns;
  flood.bitmap = ended.bitmap;
  flood.sampleSources = ended.sampleSources;
  flood.topSource = ended.topSource;
  flood.topSyns = ended.topSyns;
  flood.macs = ended.macs;
  flood.synAcks = ended.synAcks;
  flood.synAckRetransmissions = ended.synAckRetransmissions;
  flood.completed = ended.completed;
  flood.refused = ended.refused;
  flood.aborted = ended.aborted;
  flood.peakHalfOpen = ended.peakHalfOpen;
  flood.peakRefused = ended.peakRefused;
  flood.peakHeld = ended.peakHeld;
  flood.carried = true;
}

/** Moves the current bucket forward so that it contains `nowUs`. */
function advanceBuckets(
  target: Buckets,
  nowUs: number,
  windowUs: number,
): void {
  const passed = advanceBucket(target, nowUs, windowUs);
  if (passed === 0) return;
  const rolled = passed === 1;
  target.previousAttempts = rolled ? target.attempts : 0;
  target.previousClosed = rolled ? target.closed : 0;
  target.previousRefused = rolled ? target.refused : 0;
  target.previousSynPackets = rolled ? target.synPackets : 0;
  target.attempts = 0;
  target.closed = 0;
  target.refused = 0;
  target.synPackets = 0;
}

/** Counts a closed attempt, and whether the victim refused it, in the bucket holding `nowUs`. */
function countClosed(
  buckets: Buckets,
  nowUs: number,
  windowUs: number,
  refused: boolean,
): void {
  advanceBuckets(buckets, nowUs, windowUs);
  buckets.closed++;
  if (refused) buckets.refused++;
}

function halfOpenOf(
  target: Buckets,
  nowUs: number,
  windowUs: number,
): number {
  const weight = previousBucketWeight(target, nowUs, windowUs);
  const attempts = windowedCount(
    target.attempts,
    target.previousAttempts,
    weight,
  );
  const closed = windowedCount(target.closed, target.previousClosed, weight);
  return Math.max(0, attempts - closed);
}

/** Attempts the victim refused within the window ending now (counted per port only). */
function refusedOf(
  target: Buckets,
  nowUs: number,
  windowUs: number,
): number {
  const weight = previousBucketWeight(target, nowUs, windowUs);
  return windowedCount(target.refused, target.previousRefused, weight);
}

/** Attempts and SYN packets within the window ending now, and the SYN rate (SYN/s) of a target or victim. */
function windowRates(
  buckets: Buckets,
  firstSeenUs: number,
  nowUs: number,
  windowUs: number,
): {
  attempts: number;
  synPackets: number;
  synRate: number;
  volumetricRate: number;
} {
  const weight = previousBucketWeight(buckets, nowUs, windowUs);
  const synPackets = windowedCount(
    buckets.synPackets,
    buckets.previousSynPackets,
    weight,
  );
  // A burst younger than the window: its rate over its own duration.
  const spanSeconds = Math.max(
    1e-3,
    Math.min(windowUs, nowUs - firstSeenUs) / 1e6,
  );
  return {
    attempts: windowedCount(buckets.attempts, buckets.previousAttempts, weight),
    synPackets,
    synRate: Math.round(synPackets / spanSeconds),
    volumetricRate: synPackets /
      Math.max(VOLUMETRIC_MIN_SPAN_S, spanSeconds),
  };
}

/**
 * The shortest span over which a rate is taken as volumetric, s: a burst of
 * a few hundred SYNs that a busy receiver timestamps within a millisecond
 * (the kernel handing a backlog of them up in one go) is no proof of
 * 100 000 SYN/s; 20 ms of them is (2 000 SYNs).
 */
const VOLUMETRIC_MIN_SPAN_S = 0.02;

/** Distinct sources: exact below the cap, else a linear-counting estimate from the bitmap. */
function distinctSourcesOf(
  flood: FloodState,
  maxSourcesPerFlood: number,
): { count: number; estimated: boolean } {
  // A flood that goes on with an ended one's sources knows them by its
  // bitmap only.
  if (!flood.carried && flood.sources.size < maxSourcesPerFlood) {
    return { count: flood.sources.size, estimated: false };
  }
  // An estimate, but never more sources than SYNs counted.
  const estimate = linearCount(flood.bitmap, BITMAP_BITS);
  return {
    count: Math.max(flood.sources.size, Math.min(estimate, flood.syns)),
    estimated: true,
  };
}

function severityOf(halfOpen: number, threshold: number): Severity {
  if (halfOpen >= 32 * threshold) return "critical";
  return halfOpen >= 4 * threshold ? "high" : "medium";
}

/** A port's finding, by the count `mode` names. */
function findingOf(
  flood: FloodState,
  counts: PortCounts,
  mode: FloodMode,
  nowUs: number,
  config: Required<SynFloodOptions>,
): Finding {
  const { target } = flood;
  const [halfOpen, heldNow, refused] = counts;
  const closedPort = mode === BY_REFUSED;
  const slow = mode === BY_HELD;
  const victim = addressTextOf(target.victim.addressKey, target.victim.address);
  const windowSeconds = config.windowUs / 1e6;
  const heldWindowSeconds = config.slowWindowUs / 1e6;
  const { attempts, synPackets, synRate, volumetricRate } = windowRates(
    target,
    target.firstSeenUs,
    nowUs,
    config.windowUs,
  );
  const share = flood.syns > 0 ? flood.topSyns / flood.syns : 0;
  const attacker = share >= config.dominantSourceShare ? flood.topSource : "";
  const sources = distinctSourcesOf(flood, config.maxSourcesPerFlood);
  const sampleSources = [...flood.sampleSources];
  const from = attacker !== ""
    ? `from ${attacker} (${Math.round(share * 100)} % of the SYNs)`
    : `from ${sources.estimated ? "about " : ""}${sources.count} sources${
      throughMacText(
        flood.macs.text(),
        flood.macs.share(flood.syns),
        MAC_DOMINANT_SHARE,
      )
    }`;
  const volumetric = volumetricRate >= config.volumetricSynRate;
  const kindOfFlood = `${
    volumetric ? "volumetric " : slow ? "slow " : ""
  }SYN flood`;
  // A last finding comes after the flood's height: say its peak too.
  const peakHalfOpen = Math.max(flood.peakHalfOpen, halfOpen);
  const peakHeld = Math.max(flood.peakHeld, heldNow);
  const peakRefused = Math.max(flood.peakRefused, refused);
  const peak = closedPort
    ? (peakRefused > refused ? `; peak ${peakRefused} refused` : "")
    : slow
    ? (peakHeld > heldNow ? `; peak ${peakHeld} held` : "")
    : (peakHalfOpen > halfOpen ? `; peak ${peakHalfOpen} half-open` : "");
  return {
    kind: "syn_flood",
    key: victim,
    timestampUs: nowUs,
    startUs: flood.startedUs,
    severity: closedPort
      ? severityOf(peakRefused, config.refusedFloodThreshold)
      : slow
      ? severityOf(peakHeld, config.slowHalfOpenThreshold)
      : severityOf(peakHalfOpen, config.halfOpenThreshold),
    attacker,
    victim,
    domain: "",
    summary: closedPort
      ? `${victim} port ${target.port} refused ${refused} connection attempts within ${windowSeconds} s (${synRate} SYN/s${peak}) ${from}: ${kindOfFlood} at a closed port`
      : slow
      ? `${victim} port ${target.port} holds ${heldNow} half-open connections it answered and no client completed or reset, within ${heldWindowSeconds} s (${synRate} SYN/s${peak}) ${from}: ${kindOfFlood}`
      : `${victim} port ${target.port} has ${halfOpen} half-open connections within ${windowSeconds} s (${synRate} SYN/s${peak}) ${from}: ${kindOfFlood}`,
    evidence: {
      port: target.port,
      closedPort,
      slow,
      halfOpen,
      peakHalfOpen,
      heldHalfOpen: heldNow,
      peakHeld,
      heldWindowSeconds,
      refusedInWindow: refused,
      peakRefused,
      attemptsInWindow: attempts,
      synPacketsInWindow: synPackets,
      synRatePerSecond: synRate,
      windowSeconds,
      floodSyns: flood.syns,
      synAcks: flood.synAcks,
      synAckRetransmissions: flood.synAckRetransmissions,
      completedHandshakes: flood.completed,
      refusedAttempts: flood.refused,
      abortedAttempts: flood.aborted,
      distinctSources: sources.count,
      distinctSourcesEstimated: sources.estimated,
      sampleSources,
      topSource: flood.topSource,
      topSourceShare: Math.round(share * 1000) / 1000,
      ...flood.macs.evidence(flood.syns),
      durationSeconds: Math.round((nowUs - flood.startedUs) / 1e5) / 10,
      volumetric,
    },
    ...(volumetric || closedPort ? { mitre: { ...VOLUMETRIC_TECHNIQUE } } : {}),
  };
}

/** A host's finding over its ports: by half-open attempts, or by refused ones when `closedPorts`. */
function spreadFindingOf(
  spread: SpreadState,
  halfOpen: number,
  refused: number,
  closedPorts: boolean,
  nowUs: number,
  config: Required<SynFloodOptions>,
): Finding {
  const { victim } = spread;
  const address = addressTextOf(victim.addressKey, victim.address);
  const windowSeconds = config.windowUs / 1e6;
  const { attempts, synPackets, synRate, volumetricRate } = windowRates(
    victim,
    victim.firstSeenUs,
    nowUs,
    config.windowUs,
  );
  // Estimates, so never more than the SYNs they counted.
  const sources = Math.min(
    linearCount(spread.sourceBits, SPREAD_BITS),
    spread.syns,
  );
  const ports = Math.min(
    linearCount(spread.portBits, SPREAD_BITS),
    spread.syns,
  );
  const volumetric = volumetricRate >= config.volumetricSynRate;
  const kindOfFlood = `${volumetric ? "volumetric " : ""}SYN flood`;
  const over =
    `over about ${ports} ports within ${windowSeconds} s (${synRate} SYN/s) from about ${sources} sources`;
  return {
    kind: "syn_flood",
    key: address,
    timestampUs: nowUs,
    startUs: spread.startedUs,
    severity: closedPorts
      ? severityOf(refused, config.spreadRefusedThreshold)
      : severityOf(halfOpen, config.spreadHalfOpenThreshold),
    attacker: "",
    victim: address,
    domain: "",
    summary: closedPorts
      ? `${address} refused ${refused} connection attempts ${over}: ${kindOfFlood} at closed ports`
      : `${address} has ${halfOpen} half-open connections ${over}: ${kindOfFlood}`,
    evidence: {
      port: -1,
      closedPort: closedPorts,
      distinctPorts: ports,
      samplePorts: [...spread.samplePorts],
      halfOpen,
      peakHalfOpen: Math.max(spread.peakHalfOpen, halfOpen),
      refusedInWindow: refused,
      peakRefused: Math.max(spread.peakRefused, refused),
      attemptsInWindow: attempts,
      synPacketsInWindow: synPackets,
      synRatePerSecond: synRate,
      windowSeconds,
      floodSyns: spread.syns,
      distinctSources: sources,
      distinctSourcesEstimated: true,
      sampleSources: [...spread.sampleSources],
      durationSeconds: Math.round((nowUs - spread.startedUs) / 1e5) / 10,
      volumetric,
    },
    ...(volumetric || closedPorts
      ? { mitre: { ...VOLUMETRIC_TECHNIQUE } }
      : {}),
  };
}

/** Evicts `table`'s least recently used entry, first refreshing up to {@linkcode MAX_SPARED} at its old end that hold answered attempts (`keyOf` gives an entry's key). */
function evictSparingHeld<V extends { held: number }>(
  table: NumericKeyMap<V>,
  keyOf: (value: V) => number,
): void {
  for (let spared = 0; spared < MAX_SPARED; spared++) {
    const oldest = table.oldest();
    if (oldest === undefined || oldest.held === 0) break;
    table.get(keyOf(oldest), 0, 0);
  }
  table.evictOldest();
}

/** Whether the client's segment `packet` (an ACK, or a reset when `outcome` is ABORTED) ends the held attempt `entry` (see `onClientSegment`). */
function endsHeld(
  entry: HeldAttempt,
  packet: PacketRecord,
  outcome: Outcome,
): boolean {
  const seqPast = (packet.tcpSeq - entry.clientIsn - 1) >>> 0;
  if (outcome === ABORTED) return seqPast < RESET_WINDOW;
  return seqPast < 0x8000_0000 &&
    ((packet.tcpAck - entry.serverIsn - 1) >>> 0) < ACK_SPAN;
}

/** The 32-bit sequence number before `seq` (a SYN's, when `seq` is the next segment's or the acknowledgment of it). */
function oneBefore(seq: number): number {
  return (seq - 1) >>> 0;
}
