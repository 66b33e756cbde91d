/**
 * The spoofing logic that the ARP (arp_spoof.ts) and NDP (ndp_spoof.ts)
 * spoofing detectors share: a MAC address claiming IP addresses that belong
 * to other hosts, so that their traffic is sent to it. Each detector reads
 * its packets into {@linkcode NeighborMessage}s; this core keeps the
 * bindings and judges the claims.
 *
 * A *claim* is a message's pair (IP, MAC): an ARP request's or reply's
 * sender pair (RFC 826: every receiver that knows the IP updates its cache
 * from it), a neighbor solicitation's source address and source link-layer
 * address, a neighbor advertisement's target address and target link-layer
 * address (RFC 4861 section 7.2.5). Probes from the unspecified address
 * claim nothing. An ARP reply's target pair is a *hint*: the replier's word
 * that the target IP is at the target MAC (normally the requester's own
 * claim, echoed). Claims and hints keep a bounded IP → MAC binding table.
 *
 * A MAC is reported as a spoofer when, within `windowUs`:
 *
 *  - `mac_mismatch`: its replies come in Ethernet frames from another
 *    source MAC (`minMismatchedReplies`; forged replies built by hand, e.g.
 *    Ethernet source 00:00:00:00:00:00), and no frame of its own claims the
 *    same IP. A reply for an IP that its MAC also claims itself relays the
 *    owner's word and poisons nothing, nor does one whose frame comes from
 *    a MAC that claims the same IP itself: arpspoof sends such replies,
 *    from the poisoner's NIC, when it stops, to restore the real binding,
 *    whether or not the owner ever spoke in the capture;
 *  - `claims_requested_ip`: it claims an IP that it also asks for (who-has X
 *    tell Y from the MAC that claimed X: it knows X is someone else's, which
 *    is how a poisoner learns the real MACs it relays to);
 *  - `multiple_ips`: it claims two or more IPs that, between them, two or
 *    more other hosts own (a man-in-the-middle poisons both ends: the
 *    gateway's IP to the victim and the victim's IP to the gateway). Hosts
 *    are told apart by the MACs the IPs were taken from: a host or VIP that
 *    moves to another MAC takes all its addresses from one (an IPv6
 *    interface has a link-local one beside the others), and one IP taken
 *    from two owners in turn is one IP; or it announced IPs that two or more
 *    other hosts then took back from its fresh bindings, having claimed
 *    more addresses than a host holds (a sweep of gratuitous claims over a
 *    link whose hosts had not spoken yet: found when they do; a cluster
 *    node whose two addresses fail over to two others is not). The two are not added up: a VIP's old master, which
 *    took the address from one MAC and lost it to another, moved it twice;
 *  - `flip_flop`: it takes an IP over from another MAC that claimed it less
 *    than `bindingFreshUs` before, `minTakeovers` times (the binding flips
 *    back and forth between the real owner and the poisoner). An
 *    announcement (gratuitous ARP, unsolicited advertisement) of another
 *    host's IP is such a takeover, so repeated ones (the owner re-claiming
 *    its IP in between) flip-flop. Of the two MACs the one with more
 *    suspicious traits (the others above, unsolicited replies, gratuitous
 *    ARP *replies* for a contested IP: operating systems and VRRP daemons
 *    announce with requests, `arping -A` and poisoners with replies) is
 *    blamed, on a tie the one that took over repeatedly first;
 *  - `unsolicited_replies`: it sends `minUnsolicitedReplies` replies claiming
 *    an IP to a host that did not ask for it within `requestWindowUs`
 *    (arpspoof re-poisons every 2 s, ettercap every 10 s, THC's
 *    fake_advertise6 every 5 s); replies in other MACs' frames count only as
 *    `mac_mismatch` does. A reply from the MAC that sent the request, in
 *    its frame or its claim, answers no one (a poisoner asking in its
 *    victim's name, then answering itself). A MAC taking its IP back from
 *    MACs that are spoofing it sends such replies to restore its binding
 *    (arpspoof -c host, as it stops, sends them in the owner's frames):
 *    they poison nothing and do not count (only when it held the IP before
 *    them).
 *
 * Not spoofing: an announcement of a host's own IP, and one binding change
 * that then stays put (DHCP re-address, NIC swap, a VRRP/keepalived
 * failover): a change from a stale binding is silent, and a change from a
 * fresh one is one takeover, below `minTakeovers`.
 *
 * Each MAC keeps its claims of `maxIpsPerMac` IPs; a full list forgets an
 * uncontested claim seen in the fewest frames first, so a sweep of
 * gratuitous claims (arp-scan --arpspa=dest announces every address of a
 * /24 as the scanner's) keeps its takeovers of the addresses other hosts
 * hold, which are the evidence, and the sender's own address.
 *
 * Findings: key = the spoofing MAC (one incident per attacker MAC); attacker
 * = the IP the spoofing host also uses as its own (an IP it claims without any
 * sign of it being someone else's, when it claims at most three such), else
 * its MAC; victim = the host the
 * forged claims were sent to (the host whose cache is poisoned), "" when
 * there are several (evidence lists them). Reported when a reason first
 * appears, then again when a new reason appears, its suspicious claims have
 * doubled, or at most every `reportIntervalUs` while they grow.
 *
 * Under more MACs than the table holds, a new MAC gets in only from its
 * second frame and only if seen more often than the MAC it would evict
 * (TinyLFU admission, as traffic stats use), and its frames are ignored
 * until then: a flood of frames from one-off MACs cannot flush a poisoner's
 * counts out of the table; a poisoner loses at most its first frames.
 *
 * Limits: a poisoner that claims only one IP, with well-formed frames, never
 * asks for that IP, answers requests only, and whose victim's real owner
 * never speaks ARP (or NDP) in the capture, is not found (the sensor would
 * need IP traffic to learn the real owner), nor is a sweep of gratuitous
 * claims before the owners of the addresses it takes have spoken, until two
 * of them take theirs back; a multi-homed Linux host
 * answering for both its IPs from both NICs ("ARP flux") and two hosts
 * configured with the same IP flip-flop and are reported; a MAC-rewriting
 * bridge (Wi-Fi repeater in MAC-NAT mode) makes every reply behind it a
 * mismatch.
 *
 * @module
 */

import type { AlertKind, Finding, FindingSink } from "./alert.ts";
import { BoundedMap } from "./bounded_map.ts";
import { fnv1a } from "./hash.ts";
import { hashKey, NumericKeyMap } from "./numeric_key_map.ts";
import type { TableStats } from "./detector.ts";
import { requirePositive } from "./option_checks.ts";
import { type AdmittedEntry, TableAdmission } from "./stats/table_admission.ts";
import {
  clearReportMark,
  isFinalReportDue,
  isGrowthReportDue,
  markReported,
  type ReportMark,
} from "./report_cadence.ts";

/** Options of {@linkcode createNeighborSpoofCore}: the ARP and NDP spoofing detectors' options. */
export interface NeighborSpoofOptions {
  /** Window over which one MAC's claims, takeovers, unsolicited and mismatched replies count, µs of packet time. */
  windowUs?: number;
  /** A claim of an IP that another MAC claimed less than this long before (µs) is a takeover; older bindings change silently. */
  bindingFreshUs?: number;
  /** Takeovers of one IP by one MAC, within the window, that make a flip-flop. */
  minTakeovers?: number;
  /** Unsolicited replies claiming one IP, within the window, that make a poisoning. */
  minUnsolicitedReplies?: number;
  /** Replies whose Ethernet source differs from the MAC they claim an IP for (ARP sender MAC, NDP target link-layer address), within the window, that make a forgery. */
  minMismatchedReplies?: number;
  /** A reply is solicited when its target asked for the claimed IP at most this long before, µs. */
  requestWindowUs?: number;
  /** IP → MAC bindings tracked at once; beyond this the least recently seen is evicted. */
  maxBindings?: number;
  /** MACs tracked at once; beyond this the least recently active is evicted. */
  maxMacs?: number;
  /** IPs claimed (and IPs asked for) remembered per MAC; beyond this the least recently seen is forgotten. */
  maxIpsPerMac?: number;
  /** Outstanding requests remembered (to tell solicited replies); beyond this the oldest is forgotten. */
  maxPendingRequests?: number;
  /** Packet time between repeated findings of one incident while it grows, µs. */
  reportIntervalUs?: number;
}

/**
 * Defaults of {@linkcode NeighborSpoofOptions}.
 *
 * - `windowUs` and `bindingFreshUs` 5 min: poisoners refresh every 1–30 s
 *   (arpspoof 2 s, ettercap 10 s, Cain 30 s) and hosts re-claim their
 *   bindings within minutes (Linux base_reachable_time 30 s, Windows
 *   15–45 s), while a DHCP re-address hands an IP on after its lease expired.
 * - `minTakeovers` 2: one change is legitimate (failover, NIC swap), a second
 *   takeover by the same MAC means the binding flipped back and forth.
 * - `minUnsolicitedReplies` 5: arpspoof reaches it in 10 s; a host answers
 *   what it was asked.
 * - `minMismatchedReplies` 1: an operating system always sends its own MAC in
 *   both headers.
 * - `requestWindowUs` 5 s: replies follow requests within milliseconds; Linux
 *   retries a request 3 times, 1 s apart.
 * - `maxBindings` 4 096 (a /20's worth of hosts) × about 150 B, `maxMacs`
 *   4 096 × (`maxIpsPerMac` 8 × about 500 B of claim state and asked IPs),
 *   `maxPendingRequests` 4 096 × about 100 B: about 17 MB in the worst case,
 *   plus the MAC table's admission, 384 KiB.
 * - `reportIntervalUs` 10 s, the alert lifecycle's update interval.
 */
export const NEIGHBOR_SPOOF_DEFAULTS: Readonly<Required<NeighborSpoofOptions>> =
  Object.freeze({
    windowUs: 300_000_000,
    bindingFreshUs: 300_000_000,
    minTakeovers: 2,
    minUnsolicitedReplies: 5,
    minMismatchedReplies: 1,
    requestWindowUs: 5_000_000,
    maxBindings: 4_096,
    maxMacs: 4_096,
    maxIpsPerMac: 8,
    maxPendingRequests: 4_096,
    reportIntervalUs: 10_000_000,
  });

const ZERO_MAC = "00:00:00:00:00:00";
const BROADCAST_MAC = "ff:ff:ff:ff:ff:ff";

/** Other MACs and target hosts remembered per claimed IP. */
const MAX_LIST = 4;

/** Unheld addresses a host claims as its own at most (an IPv4 address and a secondary one; an IPv6 interface's link-local and global ones); a MAC claiming more is sweeping, and names none of them as its own. */
const MAX_OWN_ADDRESSES = 3;

/** Packet time between expiry sweeps, µs. */
const EXPIRY_INTERVAL_US = 1_000_000;

/** Reasons, as bits, in the order of {@linkcode REASON_NAMES}. */
const MAC_MISMATCH = 1;
const CLAIMS_REQUESTED_IP = 2;
const MULTIPLE_IPS = 4;
const FLIP_FLOP = 8;
const UNSOLICITED_REPLIES = 16;
const REASON_NAMES = [
  "mac_mismatch",
  "claims_requested_ip",
  "multiple_ips",
  "flip_flop",
  "unsolicited_replies",
];

/** Who is at an IP, as last claimed (or hinted). */
interface Binding {
  mac: string;
  /** True when the owner claimed it itself; false when a reply named it as the target. */
  selfClaimed: boolean;
  lastUs: number;
}

/** One MAC's claims of one IP. */
interface Claim {
  ip: string;
  /** Frames claiming the IP. */
  claims: number;
  /** Packet time of its first and latest frame, µs. */
  firstUs: number;
  lastUs: number;
  /** Takeovers of the IP from another MAC's fresh binding, since `takeoversSinceUs`. */
  takeovers: number;
  takeoversSinceUs: number;
  /** Unsolicited non-gratuitous replies claiming the IP in its own frames (or frames without an Ethernet source), since `unsolicitedSinceUs`. */
  unsolicited: number;
  /** The same in other MACs' frames (forged in its name, or relayed for it: see {@linkcode unsolicitedOf}). */
  relayedUnsolicited: number;
  unsolicitedSinceUs: number;
  /** Replies claiming the IP whose Ethernet source was another MAC. */
  mismatched: number;
  /** Frames claiming the IP whose Ethernet source was the MAC itself. */
  ownFrames: number;
  /** Gratuitous replies (target IP = sender IP) claiming the IP. */
  gratuitousReplies: number;
  /** The MAC also asked who has the IP. */
  asked: boolean;
  /** Another MAC owns the IP (taken over from it, named by a hint, or asked for). */
  contested: boolean;
  /** Other MACs seen owning the IP. */
  realMacs: string[];
  /** Hosts the claims were sent to (ARP target IPs, NDP destinations). */
  targets: string[];
}

/** Per-MAC state; its {@linkcode ReportMark} counts suspicious claim frames. */
interface MacState extends ReportMark, AdmittedEntry {
  mac: string;
  /** Claims (at most `maxIpsPerMac`), least recently claimed first. */
  claims: Claim[];
  /** IPs asked for (at most `maxIpsPerMac`, a ring) and when, µs. */
  askedIps: string[];
  askedUs: number[];
  /** Next slot of the ring to overwrite once full. */
  askedNext: number;
  lastUs: number;
  /**
   * Other MACs that took IPs from this one while its binding of them was
   * fresh (their owners, when this MAC announced them first), those IPs,
   * and when the last was taken, µs (the lists count within a window of it).
   */
  displacedBy: string[];
  displacedIps: string[];
  displacedUs: number;
  /** The earliest of its claims of the IPs taken (its last before each was taken), µs. */
  displacedClaimUs: number;
  /** Reasons found in the current incident, and those already reported. */
  reasons: number;
  reportedReasons: number;
}

/** A request (ARP, neighbor solicitation) waiting for its reply. */
interface PendingRequest {
  /** Packet time of the latest such request, µs. */
  askedUs: number;
  /** The link-layer source of the latest such request's frame, or "". */
  askerMac: string;
}

/**
 * One ARP packet or neighbor discovery message, as the core reads it: a
 * claim that `senderIp` is at `senderMac`, sent towards `targetIp`.
 */
export interface NeighborMessage {
  /** Packet time, µs. */
  timestampUs: number;
  /** A reply (ARP reply, neighbor advertisement) rather than a request or announcement. */
  reply: boolean;
  /** A reply that says itself it answers no request (a unicast advertisement without the Solicited flag): unsolicited whatever was asked. */
  unasked: boolean;
  /** False for a claim that replaces no binding another MAC holds (a neighbor advertisement without the Override flag, RFC 4861 section 7.2.5): then it is left out while that binding is fresh. */
  overrides: boolean;
  /** The innermost 802.1Q VLAN id, or -1: addresses are scoped by it (each VLAN is its own link, and link-local addresses repeat across them). */
  vlanId: number;
  /** The MAC the message claims `senderIp` is at. */
  senderMac: string;
  /** The IP claimed, or the protocol's unspecified address (a probe, which claims nothing). */
  senderIp: string;
  /** `senderIp`'s address key (capture/decode/address_key.ts). */
  senderKey: number;
  /**
   * A request's: the IP asked for; a reply's: the host it answers (whose
   * cache it fills); equal to `senderIp` for an announcement; "" or the
   * unspecified address for none in particular.
   */
  targetIp: string;
  /** `targetIp`'s address key, or -1. */
  targetKey: number;
  /** A reply's word on the MAC of `targetIp` (ARP's target pair), or "". */
  targetMac: string;
  /** The link layer's source MAC, or "" when the link layer has none. */
  ethernetSource: string;
}

/** A blank {@linkcode NeighborMessage}, for a reader to fill and reuse. */
export function emptyNeighborMessage(): NeighborMessage {
  return {
    timestampUs: 0,
    reply: false,
    unasked: false,
    overrides: true,
    vlanId: -1,
    senderMac: "",
    senderIp: "",
    senderKey: -1,
    targetIp: "",
    targetKey: -1,
    targetMac: "",
    ethernetSource: "",
  };
}

/** What tells the ARP and NDP uses of the core apart. */
export interface NeighborProtocol {
  /** The alert kind, also the detector's name. */
  kind: AlertKind;
  /** The protocol's name in findings: "ARP", "NDP". */
  name: string;
  /** The address a probe claims from, which claims nothing: "0.0.0.0", "::". */
  unspecified: string;
}

/** The spoofing logic shared by ARP and NDP, fed {@linkcode NeighborMessage}s. */
export interface NeighborSpoofCore {
  /** Feeds one message; calls `report` for each finding it produces. */
  observe(message: NeighborMessage, report: FindingSink): void;
  /**
   * Remembers a request by `requester` (its address key `requesterKey`, on
   * VLAN `vlanId`) for `askedKey`, in a frame from `askerMac`, that claims
   * nothing (a neighbor solicitation without a source link-layer address):
   * unless `requester` is bound to another MAC within `bindingFreshUs`
   * (a question asked in another host's name).
   */
  noteUnclaimedRequest(
    requester: string,
    requesterKey: number,
    askedKey: number,
    vlanId: number,
    askerMac: string,
    nowUs: number,
  ): void;
  /**
   * Whether a request by `requesterKey` for `askedKey` was seen within the
   * request window before `nowUs`, from another MAC than the answer's frame
   * (`ethernetSource`) and the MAC it claims (`claimedMac`): a MAC that
   * asks its own question answers no one.
   */
  isAnswering(
    requesterKey: number,
    askedKey: number,
    ethernetSource: string,
    claimedMac: string,
    nowUs: number,
  ): boolean;
  /** Sizes of the state tables, by table name. */
  tables(): Record<string, TableStats>;
  /** Ends the input: final findings of the ongoing incidents (see {@linkcode Detector.flush}). */
  flush(nowUs: number, report: FindingSink): void;
}

/**
 * Creates the spoofing logic for `protocol`: one incident per MAC that
 * claims other hosts' IP addresses (see arp_spoof.ts and ndp_spoof.ts).
 */
export function createNeighborSpoofCore(
  options: NeighborSpoofOptions,
  protocol: NeighborProtocol,
): NeighborSpoofCore {
  const config = { ...NEIGHBOR_SPOOF_DEFAULTS, ...options };
  requirePositive(
    `${protocol.name} spoof detector`,
    config,
    Object.keys(NEIGHBOR_SPOOF_DEFAULTS) as (keyof NeighborSpoofOptions)[],
  );
  const unspecified = protocol.unspecified;
  const {
    windowUs,
    bindingFreshUs,
    minTakeovers,
    minUnsolicitedReplies,
    minMismatchedReplies,
    requestWindowUs,
    maxIpsPerMac,
    reportIntervalUs,
  } = config;

  const bindings = new BoundedMap<string, Binding>(config.maxBindings);
  const macs = new BoundedMap<string, MacState>(config.maxMacs);
  // Admission into the full MAC table, fed every frame's sender MAC.
  const macAdmission = new TableAdmission();
  // Requests by (sender IP, target IP) address keys: a reply from the
  // target to the sender answers one. Recycled: a sweep makes one per
  // frame.
  const pending = new NumericKeyMap<PendingRequest>(
    config.maxPendingRequests,
    undefined,
    { recycle: true },
  );
  let nextExpiryUs = -Infinity;

  function expire(nowUs: number): void {
    bindings.expireOldest((binding) =>
      nowUs - binding.lastUs >= bindingFreshUs
    );
    macs.expireOldest((state) => nowUs - state.lastUs >= windowUs);
    pending.expireOldest((request) =>
      nowUs - request.askedUs >= requestWindowUs
    );
  }

  /** The state of `mac`, made if absent; undefined when the full table turns the MAC away. */
  function macStateOf(mac: string, nowUs: number): MacState | undefined {
    let state = macs.get(mac);
    if (state === undefined) {
      const hash = fnv1a(mac);
      if (macAdmission.refuses(macs, hash)) return undefined;
      state = {
        mac,
        hash,
        unsyncedHits: 0,
        unsyncedGeneration: 0,
        claims: [],
        askedIps: [],
        askedUs: [],
        askedNext: 0,
        lastUs: nowUs,
        displacedBy: [],
        displacedIps: [],
        displacedUs: -Infinity,
        displacedClaimUs: Infinity,
        reasons: 0,
        reportedReasons: 0,
        reportedCount: 0,
        lastReportUs: -Infinity,
      };
      macs.set(mac, state);
    } else {
      macAdmission.countHit(state);
    }
    state.lastUs = nowUs;
    return state;
  }

  /** The live claim of `ip` by `state` (a new one when absent or idle for a window). */
  function claimOf(state: MacState, ip: string, nowUs: number): Claim {
    const claims = state.claims;
    const index = claims.findIndex((claim) => claim.ip === ip);
    let claim = index >= 0 ? claims.splice(index, 1)[0] : undefined;
    if (claim === undefined || nowUs - claim.lastUs >= windowUs) {
      if (claim === undefined && claims.length >= maxIpsPerMac) {
        claims.splice(leastTellingClaim(claims), 1);
      }
      claim = {
        ip,
        claims: 0,
        firstUs: nowUs,
        lastUs: nowUs,
        takeovers: 0,
        takeoversSinceUs: nowUs,
        unsolicited: 0,
        relayedUnsolicited: 0,
        unsolicitedSinceUs: nowUs,
        mismatched: 0,
        ownFrames: 0,
        gratuitousReplies: 0,
        asked: false,
        contested: false,
        realMacs: [],
        targets: [],
      };
    }
    claims.push(claim);
    return claim;
  }

  /** Remembers that `state` asked who has `ip`. */
  function noteAsked(state: MacState, ip: string, nowUs: number): void {
    const index = state.askedIps.indexOf(ip);
    if (index >= 0) {
      state.askedUs[index] = nowUs;
    } else if (state.askedIps.length < maxIpsPerMac) {
      state.askedIps.push(ip);
      state.askedUs.push(nowUs);
    } else {
      state.askedIps[state.askedNext] = ip;
      state.askedUs[state.askedNext] = nowUs;
      state.askedNext = (state.askedNext + 1) % maxIpsPerMac;
    }
  }

  /** Whether the MAC `mac` has a live claim of `ip` (without refreshing either). */
  function isClaiming(mac: string, ip: string, nowUs: number): boolean {
    const state = macs.peek(mac);
    return state !== undefined && liveClaim(state, ip, nowUs) !== undefined;
  }

  /** The claim of `ip` by `state` if it is live, without creating or refreshing it. */
  function liveClaim(
    state: MacState,
    ip: string,
    nowUs: number,
  ): Claim | undefined {
    const claim = state.claims.find((claim) => claim.ip === ip);
    return claim !== undefined && nowUs - claim.lastUs < windowUs
      ? claim
      : undefined;
  }

  // Requests are not keyed by VLAN: a mirror may see a request tagged and
  // its reply untagged (a trunk beside access ports); the same addresses
  // on two VLANs at once can only make a reply look solicited.
  function notePending(
    requesterKey: number,
    askedKey: number,
    askerMac: string,
    nowUs: number,
  ): void {
    const hash = hashKey(requesterKey, askedKey, 0);
    const request = pending.get(requesterKey, askedKey, 0, hash);
    if (request !== undefined) {
      request.askedUs = nowUs;
      request.askerMac = askerMac;
    } else {
      const added = pending.spare() ?? { askedUs: 0, askerMac: "" };
      added.askedUs = nowUs;
      added.askerMac = askerMac;
      pending.add(requesterKey, askedKey, 0, added, hash);
    }
  }

  function noteUnclaimedRequest(
    requester: string,
    requesterKey: number,
    askedKey: number,
    vlanId: number,
    askerMac: string,
    nowUs: number,
  ): void {
    if (isBoundElsewhere(scoped(requester, vlanId), askerMac, nowUs)) return;
    notePending(requesterKey, askedKey, askerMac, nowUs);
  }

  /** Whether another MAC than `mac` claimed the (scoped) `ip` within `bindingFreshUs` before `nowUs`. */
  function isBoundElsewhere(ip: string, mac: string, nowUs: number): boolean {
    const bound = bindings.peek(ip);
    return bound !== undefined && bound.mac !== mac &&
      nowUs - bound.lastUs < bindingFreshUs;
  }

  function isAnswering(
    requesterKey: number,
    askedKey: number,
    ethernetSource: string,
    claimedMac: string,
    nowUs: number,
  ): boolean {
    const request = pending.peek(requesterKey, askedKey, 0);
    if (request === undefined || nowUs - request.askedUs >= requestWindowUs) {
      return false;
    }
    const asker = request.askerMac;
    return asker === "" ||
      (asker !== ethernetSource && asker !== claimedMac);
  }

  function observe(message: NeighborMessage, report: FindingSink): void {
    const senderMac = message.senderMac;
    const rawSenderIp = message.senderIp;
    const rawTargetIp = message.targetIp;
    if (!isUnicastMac(senderMac) || rawSenderIp === "") return;
    // Addresses scoped by VLAN ("fe80::1%10"), as one link's: the scope is
    // left out of findings.
    const vlanId = message.vlanId;
    const senderIp = scoped(rawSenderIp, vlanId);
    const targetIp = rawTargetIp === "" || rawTargetIp === unspecified
      ? rawTargetIp
      : scoped(rawTargetIp, vlanId);
    const nowUs = message.timestampUs;
    if (nowUs >= nextExpiryUs) {
      expire(nowUs);
      nextExpiryUs = nowUs + EXPIRY_INTERVAL_US;
    }

    const state = macStateOf(senderMac, nowUs);
    if (state === undefined) return;
    const reply = message.reply;
    const ethernetSource = message.ethernetSource;
    if (!reply && targetIp !== "") {
      notePending(message.senderKey, message.targetKey, ethernetSource, nowUs);
      if (
        targetIp !== senderIp && targetIp !== unspecified &&
        rawSenderIp !== unspecified
      ) {
        noteAsked(state, targetIp, nowUs);
        const claimed = liveClaim(state, targetIp, nowUs);
        if (claimed !== undefined) {
          claimed.asked = true;
          claimed.contested = true;
        }
      }
    }
    if (rawSenderIp === unspecified) return; // a probe claims nothing
    // Without override it fills an empty entry only: no takeover of a
    // fresh binding.
    if (!message.overrides && isBoundElsewhere(senderIp, senderMac, nowUs)) {
      return;
    }

    const claim = claimOf(state, senderIp, nowUs);
    claim.claims++;
    claim.lastUs = nowUs;
    const gratuitous = targetIp === senderIp;
    // A reply to 0.0.0.0 (arpspoof without -t: to the broadcast MAC) is
    // for every host on the segment, none in particular.
    if (!gratuitous && targetIp !== "" && targetIp !== unspecified) {
      addLimited(claim.targets, targetIp);
    }
    const askedUs = lastAsked(state, senderIp);
    if (nowUs - askedUs < windowUs) {
      claim.asked = true;
      claim.contested = true;
    }
    if (ethernetSource === senderMac) claim.ownFrames++;
    // A reply in another MAC's frame, for an IP that the frame's sender
    // claims itself, relays a binding in place of its own: arpspoof
    // restoring the real owner's, from the poisoner's NIC, as it stops. It
    // forges nothing in the name of the MAC it carries (that owner may never
    // have spoken in the capture).
    const relayed = ethernetSource !== "" && ethernetSource !== senderMac;
    const restoring = relayed && isClaiming(ethernetSource, senderIp, nowUs);
    if (reply) {
      if (relayed && !restoring) claim.mismatched++;
      if (gratuitous) {
        claim.gratuitousReplies++;
      } else if (
        message.unasked ||
        !isAnswering(
          message.targetKey,
          message.senderKey,
          ethernetSource,
          senderMac,
          nowUs,
        )
      ) {
        if (nowUs - claim.unsolicitedSinceUs >= windowUs) {
          claim.unsolicited = 0;
          claim.relayedUnsolicited = 0;
          claim.unsolicitedSinceUs = nowUs;
        }
        if (!relayed) {
          claim.unsolicited++;
        } else if (!restoring) {
          claim.relayedUnsolicited++;
        }
      }
    }

    const binding = bindings.get(senderIp);
    let displaced: MacState | undefined;
    if (binding === undefined) {
      bindings.set(senderIp, {
        mac: senderMac,
        selfClaimed: true,
        lastUs: nowUs,
      });
    } else {
      if (binding.mac !== senderMac) {
        if (nowUs - binding.lastUs < bindingFreshUs) {
          if (nowUs - claim.takeoversSinceUs >= windowUs) {
            claim.takeovers = 0;
            claim.takeoversSinceUs = nowUs;
          }
          claim.takeovers++;
          claim.contested = true;
          addLimited(claim.realMacs, binding.mac);
          // The MAC it is taken from held a claim another host makes too:
          // a sweep of gratuitous claims made before the owners spoke is
          // found when they do (two owners taking their addresses back).
          const holder = macs.peek(binding.mac);
          if (holder !== undefined) {
            if (nowUs - holder.displacedUs >= windowUs) {
              holder.displacedBy.length = 0;
              holder.displacedIps.length = 0;
              holder.displacedClaimUs = Infinity;
            }
            holder.displacedClaimUs = Math.min(
              holder.displacedClaimUs,
              binding.lastUs,
            );
            addLimited(holder.displacedBy, senderMac);
            addLimited(holder.displacedIps, senderIp);
            holder.displacedUs = nowUs;
            displaced = holder;
          }
        }
        binding.mac = senderMac;
      }
      binding.selfClaimed = true;
      binding.lastUs = nowUs;
    }

    // A reply's target pair: the replier's word on who the requester is.
    let contradicted: MacState | undefined;
    const targetMac = message.targetMac;
    if (
      reply && !gratuitous && isUnicastMac(targetMac) &&
      targetIp !== "" && targetIp !== unspecified
    ) {
      const hinted = bindings.get(targetIp);
      if (hinted === undefined) {
        bindings.set(targetIp, {
          mac: targetMac,
          selfClaimed: false,
          lastUs: nowUs,
        });
      } else {
        if (hinted.mac !== targetMac) {
          if (hinted.selfClaimed && nowUs - hinted.lastUs < bindingFreshUs) {
            const owner = macs.peek(hinted.mac);
            const owned = owner && liveClaim(owner, targetIp, nowUs);
            if (owner !== undefined && owned !== undefined) {
              owned.contested = true;
              addLimited(owned.realMacs, targetMac);
              contradicted = owner;
            }
          }
          hinted.mac = targetMac;
          hinted.selfClaimed = false;
        }
        hinted.lastUs = nowUs;
      }
    }

    evaluate(state, nowUs, report);
    if (contradicted !== undefined && contradicted !== state) {
      evaluate(contradicted, nowUs, report);
    }
    if (
      displaced !== undefined && displaced !== state &&
      displaced !== contradicted
    ) {
      evaluate(displaced, nowUs, report);
    }
  }

  function evaluate(state: MacState, nowUs: number, report: FindingSink): void {
    let reasons = 0;
    let flipped: Claim | undefined;
    for (const claim of state.claims) {
      if (nowUs - claim.lastUs >= windowUs) continue;
      if (isForged(claim, minMismatchedReplies)) reasons |= MAC_MISMATCH;
      if (claim.asked) reasons |= CLAIMS_REQUESTED_IP;
      if (
        unsolicitedOf(claim) >= minUnsolicitedReplies &&
        !isTakenBack(claim, nowUs)
      ) {
        reasons |= UNSOLICITED_REPLIES;
      }
      if (claim.takeovers >= minTakeovers && flipped === undefined) {
        flipped = claim;
      }
    }
    if (claimsOthersAddresses(state, nowUs)) reasons |= MULTIPLE_IPS;
    if (flipped !== undefined) {
      const culprit = moreSuspiciousPartner(state, flipped, nowUs);
      if (culprit === undefined) reasons |= FLIP_FLOP;
      else maybeReport(culprit, FLIP_FLOP, nowUs, report);
    }
    if (reasons === 0) {
      if (state.reportedCount > 0 && nowUs - state.lastReportUs >= windowUs) {
        state.reasons = 0; // the incident is over
        state.reportedReasons = 0;
        clearReportMark(state);
      }
      return;
    }
    maybeReport(state, reasons, nowUs, report);
  }

  /**
   * The MAC that `state` flip-flops `claim` with, when it looks more like the
   * spoofer than `state` does: more suspicious traits, or as many and already
   * blamed for this conflict (so a symmetric conflict stays one incident).
   */
  function moreSuspiciousPartner(
    state: MacState,
    claim: Claim,
    nowUs: number,
  ): MacState | undefined {
    const own = suspicionOf(state, nowUs);
    let culprit: MacState | undefined;
    let worst = own;
    for (const mac of claim.realMacs) {
      const partner = macs.peek(mac);
      if (partner === undefined) continue;
      const score = suspicionOf(partner, nowUs);
      const blamed = (partner.reportedReasons & FLIP_FLOP) !== 0 &&
        (state.reportedReasons & FLIP_FLOP) === 0;
      if (
        score > worst || (score === worst && culprit === undefined && blamed)
      ) {
        worst = score;
        culprit = partner;
      }
    }
    return culprit;
  }

  /**
   * Whether `claim` takes its IP back from spoofers: every MAC it took the
   * IP from is in a spoofing incident and holds a contested claim of that
   * IP. Its unsolicited replies then restore the owner's binding
   * (arpspoof -c host, as it stops, sends them in the owner's name), and
   * poison nothing.
   */
  function isTakenBack(claim: Claim, nowUs: number): boolean {
    if (claim.realMacs.length === 0) return false;
    for (const mac of claim.realMacs) {
      const other = macs.peek(mac);
      if (other === undefined || other.reasons === 0) return false;
      const theirs = liveClaim(other, claim.ip, nowUs);
      if (theirs === undefined || !theirs.contested) return false;
      // Only the MAC that held the address first takes it back: a poisoner
      // that got its victim's owner flagged (one reply forged in its name)
      // restores nothing.
      if (theirs.firstUs <= claim.firstUs) return false;
    }
    return true;
  }

  /** Suspicious traits of a MAC: mismatched replies, asking for what it claims, unsolicited or gratuitous replies for a contested IP, several contested IPs. */
  function suspicionOf(state: MacState, nowUs: number): number {
    let mismatch = 0;
    let asked = 0;
    let unsolicited = 0;
    for (const claim of state.claims) {
      if (nowUs - claim.lastUs >= windowUs) continue;
      if (isForged(claim, 1)) mismatch = 1;
      if (claim.asked) asked = 1;
      if (
        (unsolicitedOf(claim) > 0 && !isTakenBack(claim, nowUs)) ||
        (claim.contested && claim.gratuitousReplies > 0)
      ) unsolicited = 1;
    }
    const several = claimsOthersAddresses(state, nowUs) ? 1 : 0;
    return mismatch + asked + unsolicited + several;
  }

  /**
   * Whether `state` claims IPs that two or more other hosts own: taken from
   * them (or asked for), or announced before them and then taken back by
   * them (a sweep of gratuitous claims over a link whose hosts had not
   * spoken). The two are not mixed: a VIP's old master, which took the
   * address from one MAC and lost it to another, is one move each way.
   */
  function claimsOthersAddresses(state: MacState, nowUs: number): boolean {
    if (contestedOwners(state, nowUs) >= 2) return true;
    if (state.displacedBy.length < 2 || nowUs - state.displacedUs >= windowUs) {
      return false;
    }
    // Taken back by two owners: a sweeper announced many more addresses
    // than a host claims (a cluster node whose two addresses fail over to
    // two others claims a few).
    let live = 0;
    for (const claim of state.claims) {
      if (nowUs - claim.lastUs < windowUs) live++;
    }
    return live > MAX_OWN_ADDRESSES;
  }

  /**
   * Distinct owners of the live contested claims of `state`, when it has
   * two or more (else their number): the MACs they were taken from (or
   * that a reply named), and one for each claim contested only by being
   * asked for. A man-in-the-middle displaces two
   * (the gateway's and the victim's); a host or VIP that moves to another
   * MAC displaces one, for all its addresses (an IPv6 host has a
   * link-local one beside the others).
   */
  function contestedOwners(state: MacState, nowUs: number): number {
    // Most MACs contest fewer than two addresses: no list for them (this
    // runs on every claim frame).
    let contested = 0;
    for (const claim of state.claims) {
      if (claim.contested && nowUs - claim.lastUs < windowUs) contested++;
    }
    if (contested < 2) return contested;
    const owners: string[] = [];
    for (const claim of state.claims) {
      if (!claim.contested || nowUs - claim.lastUs >= windowUs) continue;
      if (claim.realMacs.length === 0) {
        owners.push(`asked ${claim.ip}`); // claims are distinct by IP
        continue;
      }
      for (const mac of claim.realMacs) {
        if (!owners.includes(mac)) owners.push(mac);
      }
    }
    return owners.length;
  }

  function maybeReport(
    state: MacState,
    reasons: number,
    nowUs: number,
    report: FindingSink,
  ): void {
    state.reasons |= reasons;
    const activity = activityOf(state, nowUs);
    const newReason = (state.reasons & ~state.reportedReasons) !== 0;
    if (
      !newReason &&
      !isGrowthReportDue(state, activity, nowUs, reportIntervalUs)
    ) return;
    state.reportedReasons = state.reasons;
    markReported(state, Math.max(activity, 1), nowUs);
    // At its own last frame: a flip-flop can make the other MAC's finding
    // due on this one's frame (the real owner re-claiming its address).
    report(findingOf(state, state.lastUs, config, protocol));
  }

  /** Suspicious claim frames of `state` within the window ending at `nowUs` (its report count). */
  function activityOf(state: MacState, nowUs: number): number {
    let activity = 0;
    for (const claim of state.claims) {
      if (isSuspicious(claim, nowUs, windowUs)) activity += claim.claims;
    }
    return activity;
  }

  return {
    observe,
    noteUnclaimedRequest,
    isAnswering,
    tables(): Record<string, TableStats> {
      return {
        bindings: bindings.stats(),
        macs: macAdmission.stats(macs),
        pending_requests: pending.stats(),
      };
    },
    flush(_nowUs: number, report: FindingSink): void {
      for (const state of macs.values()) {
        const lastUs = state.lastUs;
        const activity = Math.max(activityOf(state, lastUs), 1);
        if (
          state.reasons === 0 || !isFinalReportDue(state, activity, lastUs)
        ) continue;
        state.reportedReasons = state.reasons;
        markReported(state, activity, lastUs);
        report(findingOf(state, lastUs, config, protocol));
      }
    },
  };
}

/**
 * The index of the claim a full list forgets first: an uncontested one
 * (its own address, or an address no one else holds) before a contested
 * one, which is evidence; among those, the one claimed in the fewest
 * frames (a host's own address is claimed again and again), and the least
 * recently claimed of them. A sweep of gratuitous claims (arp-scan
 * --arpspa=dest announces every address of the /24 as the scanner's) then
 * keeps its takeovers of the few addresses other hosts hold, and its
 * sender's own address, instead of letting the unheld ones push them out.
 */
function leastTellingClaim(claims: readonly Claim[]): number {
  let chosen = 0;
  for (let i = 1; i < claims.length; i++) {
    const claim = claims[i]!;
    const best = claims[chosen]!;
    if (claim.contested !== best.contested) {
      if (!claim.contested) chosen = i;
    } else if (claim.claims < best.claims) {
      chosen = i;
    }
  }
  return chosen;
}

/** When `state` last asked who has `ip`, µs (-Infinity: never, or forgotten). */
function lastAsked(state: MacState, ip: string): number {
  const index = state.askedIps.indexOf(ip);
  return index >= 0 ? state.askedUs[index]! : -Infinity;
}

/** A claim that looks like someone else's IP: contested, asked for, unsolicited or forged. */
function isSuspicious(claim: Claim, nowUs: number, windowUs: number): boolean {
  return nowUs - claim.lastUs < windowUs &&
    (claim.contested || claim.asked || unsolicitedOf(claim) > 0 ||
      isForged(claim, 1));
}

/** `ip` scoped by VLAN `vlanId` (none when untagged or priority-tagged, VLAN 0: the native VLAN's): "fe80::1%10". */
function scoped(ip: string, vlanId: number): string {
  return vlanId <= 0 ? ip : `${ip}%${vlanId}`;
}

/** `ip` without its VLAN scope. */
function unscoped(ip: string): string {
  const at = ip.indexOf("%");
  return at < 0 ? ip : ip.slice(0, at);
}

/** `ips` without their VLAN scopes, each once. */
function unscopedList(ips: string[]): string[] {
  const out: string[] = [];
  for (const ip of ips) addLimited(out, unscoped(ip), Infinity);
  return out;
}

/** A MAC that can own an address: not empty, all-zero or broadcast. */
function isUnicastMac(mac: string): boolean {
  return mac !== "" && mac !== ZERO_MAC && mac !== BROADCAST_MAC;
}

function addLimited(list: string[], value: string, max = MAX_LIST): void {
  if (list.length < max && !list.includes(value)) list.push(value);
}

function findingOf(
  state: MacState,
  nowUs: number,
  config: Required<NeighborSpoofOptions>,
  protocol: NeighborProtocol,
): Finding {
  const claimedIps: string[] = [];
  const realMacs: string[] = [];
  const poisoned: string[] = [];
  let ownIp = "";
  let ownClaims = 0;
  let unheld = 0;
  let claims = 0;
  let takeovers = 0;
  let unsolicited = 0;
  let mismatched = 0;
  let startUs = nowUs;
  for (const claim of state.claims) {
    if (nowUs - claim.lastUs >= config.windowUs) continue;
    if (!isSuspicious(claim, nowUs, config.windowUs)) {
      unheld++;
      if (claim.claims > ownClaims) {
        ownIp = claim.ip;
        ownClaims = claim.claims;
      }
      continue;
    }
    claimedIps.push(claim.ip);
    for (const mac of claim.realMacs) {
      if (!realMacs.includes(mac)) realMacs.push(mac);
    }

    for (const target of claim.targets) {
      if (!poisoned.includes(target)) poisoned.push(target);
    }
    claims += claim.claims;
    if (claim.firstUs < startUs) startUs = claim.firstUs;
    takeovers += claim.takeovers;
    unsolicited += unsolicitedOf(claim);
    if (isForged(claim, 1)) mismatched += claim.mismatched;
  }
  // Addresses their owners took back from it, within the window.
  if (nowUs - state.displacedUs < config.windowUs) {
    for (const ip of state.displacedIps) {
      if (!claimedIps.includes(ip)) claimedIps.push(ip);
    }
    for (const mac of state.displacedBy) {
      if (!realMacs.includes(mac)) realMacs.push(mac);
    }
    if (state.displacedClaimUs < startUs) startUs = state.displacedClaimUs;
  }
  // A MAC that announced many addresses no one holds (a sweep of
  // gratuitous claims) shows no address of its own among them.
  if (unheld > MAX_OWN_ADDRESSES) ownIp = "";
  // A man-in-the-middle's victims are also the IPs it claims (each towards
  // the other). Addresses lose their VLAN scope here.
  // The same address on two VLANs is two hosts: one victim only when one
  // scoped address is.
  const poisonedScoped = poisoned.filter((host) => host !== ownIp);
  const poisonedHosts = unscopedList(poisonedScoped);
  ownIp = unscoped(ownIp);
  const claimedAddresses = unscopedList(claimedIps);
  const victim = poisonedScoped.length === 1 ? poisonedHosts[0]! : "";
  const reasons = REASON_NAMES.filter((_, i) =>
    (state.reasons & (1 << i)) !== 0
  );
  const who = ownIp === "" ? state.mac : `${state.mac} (${ownIp})`;
  const owners = realMacs.length > 0 ? ` (also at ${realMacs.join(", ")})` : "";
  const towards = poisonedHosts.length > 0
    ? ` towards ${poisonedHosts.join(", ")}`
    : "";
  return {
    kind: protocol.kind,
    key: state.mac,
    timestampUs: nowUs,
    // The first forged frame: the alert's PCAP slice then holds the claims.
    startUs,
    severity: "high",
    attacker: ownIp === "" ? state.mac : ownIp,
    victim,
    domain: "",
    summary: `${who} claimed ${
      claimedAddresses.join(", ")
    }${owners}${towards} in ${claims} ${protocol.name} frames: ${protocol.name} spoofing (${
      reasons.join(", ")
    })`,
    evidence: {
      attackerMac: state.mac,
      attackerIp: ownIp,
      claimedIps: claimedAddresses,
      realMacs,
      poisonedHosts,
      reasons,
      claims,
      takeovers,
      unsolicitedReplies: unsolicited,
      mismatchedReplies: mismatched,
      windowSeconds: config.windowUs / 1e6,
    },
  };
}

/** Replies forged in the claimant's name: at least `min` in another MAC's frames, and none in its own. */
function isForged(claim: Claim, min: number): boolean {
  return claim.mismatched >= min && claim.ownFrames === 0;
}

/** Unsolicited replies claimed in the claimant's name: its own, and other MACs' frames only while they count as forged ({@linkcode isForged}). */
function unsolicitedOf(claim: Claim): number {
  return claim.unsolicited +
    (claim.ownFrames === 0 ? claim.relayedUnsolicited : 0);
}
