/**
 * The scan logic that the ARP (arp_scan.ts) and NDP (ndp_scan.ts) scan
 * detectors share: one sender asking for the MAC addresses of many distinct
 * addresses within a sliding window of packet time. Each detector decides
 * which of its requests are probes, and of what; this core counts them.
 *
 * Findings: key and attacker = the sender's address (its MAC when it probes
 * from the unspecified address); victim "" (a sweep has many targets; the
 * subnets swept are in the evidence). A finding is reported when the
 * threshold is first crossed, then again while the scan goes on whenever
 * its distinct targets have doubled, or at most every `reportIntervalUs`
 * while they grow.
 *
 * Under more senders than the table holds, a new sender gets in only from
 * its second request and only if seen more often than the sender it would
 * evict (TinyLFU admission, as traffic stats use): spoofed one-request
 * senders cost a bit in the doorkeeper and cannot flush a scan out of the
 * table; a scan loses at most its first requests.
 *
 * Limits: a scan slower than `targetThreshold` targets per `windowUs` (nmap
 * -T1) is not found.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import {
  type AlertKind,
  elapsedText,
  type Finding,
  type FindingSink,
} from "./alert.ts";
import { BoundedMap } from "./bounded_map.ts";
import type { TableStats } from "./detector.ts";
import {
  expireIdleFanOuts,
  type FanOut,
  type FanOutLimits,
  finishFanOut,
  newFanOut,
  observeFanOut,
  summarizeFanOut,
} from "./fan_out.ts";
import { fnv1a } from "./hash.ts";
import { requirePositive } from "./option_checks.ts";
import { type AdmittedEntry, TableAdmission } from "./stats/table_admission.ts";
import { TargetFilter, TimedRing } from "./waiting_targets.ts";

/** Options of {@linkcode createNeighborScanCore}: the ARP and NDP scan detectors' options. */
export interface NeighborScanOptions {
  /** Distinct target IPs asked for by one sender, within the window, that make a scan. */
  targetThreshold?: number;
  /** Sliding window length, µs of packet time. */
  windowUs?: number;
  /** Senders tracked at once; beyond this the least recently active is evicted. */
  maxSenders?: number;
  /** Distinct targets remembered per sender (at least `targetThreshold`); beyond this the oldest is forgotten. */
  maxTargetsPerSender?: number;
  /** Packet time between repeated findings of one scan while it grows (unless its targets doubled), µs. */
  reportIntervalUs?: number;
  /**
   * How long a request waits for its target's answer, its sender's traffic
   * to the target in a frame to the MAC that answered, and the target's
   * answer to that traffic, µs of packet time: a request so followed
   * resolved the address for that traffic and is no probe. 0 counts every
   * request at once.
   */
  followUs?: number;
  /**
   * Distinct targets of excused requests (see `followUs`), within the
   * window, that make a finding still: answers and traffic can be forged
   * from the sender's own port, so an excuse is bounded, not trusted.
   */
  excusedThreshold?: number;
}

/**
 * Defaults of {@linkcode NeighborScanOptions}.
 *
 * - `targetThreshold` 50 distinct targets within `windowUs` 60 s: nmap -sn
 *   asks for a /24 in about 2 s (the nmap-vsn sample: 245 targets in 2.1 s),
 *   arp-scan --localnet in 1–2.5 s (its documentation: 256 hosts in 2.3 s,
 *   110 hosts/s), nmap -T2 (0.4 s between probes) passes 50 in 20 s; ordinary
 *   hosts, routers included, ask for at most a few targets a minute by
 *   broadcast in every sample capture (the most: 4).
 * - `maxSenders` 4 096 × `maxTargetsPerSender` 256 (a /24, so a two-pass
 *   sweep of one /24 is counted exactly) × about 62 B per remembered target
 *   (measured: its Map entry and its share of the fan-out's ring), plus
 *   about 300 B per sender: about 66 MB in the worst case, reached only
 *   when 4 096 senders each probe 256 targets within one window; plus the
 *   admission's 384 KiB.
 * - `reportIntervalUs` 10 s, the alert lifecycle's update interval.
 * - `followUs` 1 s: a host sends the packet that needed the address as
 *   soon as the answer comes, within milliseconds on a LAN (Linux asks an
 *   unanswered address again after 1 s, and sends nothing to it); arp-scan,
 *   nmap -sn and alive6 send nothing after their requests. Up to
 *   `maxTargetsPerSender` requests of a sender wait at once (a scanner's
 *   beyond that count at once); about 16 B each.
 * - `excusedThreshold` 100, twice `targetThreshold`: a monitoring server
 *   pinging up to 99 neighbours after a restart raises nothing; a sweep
 *   whose every unanswered request was excused by three forged frames (an
 *   answer from a MAC nobody has, traffic to it, an answer back: a red
 *   team's) is still found past 100 addresses a minute, as a host
 *   resolving that many neighbours at once.
 */
export const NEIGHBOR_SCAN_DEFAULTS: Readonly<Required<NeighborScanOptions>> =
  Object.freeze({
    targetThreshold: 50,
    windowUs: 60_000_000,
    maxSenders: 4_096,
    maxTargetsPerSender: 256,
    reportIntervalUs: 10_000_000,
    followUs: 1_000_000,
    excusedThreshold: 100,
  });

/** Samples of targets and subnets in a finding. */
const MAX_SAMPLES = 20;

/** Packet time between expiry sweeps of the sender table, µs. */
const EXPIRY_INTERVAL_US = 1_000_000;

/** Senders that share one follow key (addresses on one MAC) whose requests can be excused. */
const MAX_SHARING = 8;

/** Virtual router MACs remembered with their routers (see {@linkcode NeighborScanCore.alias}): one per VLAN and virtual router. */
const MAX_ALIASES = 1_024;

/** Routers remembered per virtual router MAC: an advertisement from another address adds one, it does not replace the others. */
const MAX_ALIAS_OWNERS = 4;

/** How long a router stays behind a virtual MAC after its last advertisement, µs (VRRP advertises every second, HSRP says hello every 3 s; a few missed). */
const ALIAS_TTL_US = 10_000_000;

/** The routers behind one virtual MAC, and when each last advertised it. */
interface AliasOwners {
  keys: string[];
  seenUs: number[];
}

/** Added to the answering MAC of a waiting request whose sender then sent the target traffic (see {@linkcode NeighborScanCore.traffic}). */
const FOLLOWED_MARK = "+";

/** Packet time between releases of the requests that waited `followUs`, µs. */
const RELEASE_INTERVAL_US = 100_000;

/** Per-sender state. */
interface SenderState extends AdmittedEntry {
  /** The sender as its detector keys it: its IP (ARP) or MAC (NDP). */
  key: string;
  /** The sender's address in findings: its latest, or `key`. */
  address: string;
  senderMac: string;
  /** Target addresses asked for (IPv4 as unsigned 32-bit numbers, IPv6 as text); its probes are the requests. */
  fanOut: FanOut<number | string>;
  /** Requests waiting for the sender's traffic to their target (`followUs`), or null. */
  waiting: TimedRing<number | string> | null;
  /** What the sender's traffic is known by (see {@linkcode NeighborScanCore.observe}). */
  followKey: string;
  /** Whether the sender is in the release order (see `waitingOrder`). */
  queued: boolean;
  /** Targets of its excused requests (see `excusedThreshold`), or null before the first. */
  excused: FanOut<number | string> | null;
}

/** What tells the ARP and NDP uses of the core apart. */
export interface NeighborScanProtocol {
  /** The alert kind. */
  kind: AlertKind;
  /** The protocol's name in findings and errors: "ARP", "NDP". */
  name: string;
  /** What its requests are called in findings: "ARP requests", "neighbor solicitations". */
  requests: string;
}

/** The scan logic shared by ARP and NDP, fed one request at a time. */
export interface NeighborScanCore {
  /**
   * Counts a request from the sender `key` (its address, or its MAC), at
   * `senderMac` and named `address` in findings, for `target`; calls
   * `report` when it makes or grows a scan. `followKey` names the sender's
   * traffic in {@linkcode traffic}: its MAC (and VLAN), which a router's
   * forwarded packets carry too.
   */
  observe(
    key: string,
    address: string,
    senderMac: string,
    target: number | string,
    nowUs: number,
    report: FindingSink,
    followKey: string,
  ): void;
  /** Sizes of the state tables, by table name. */
  tables(): Record<string, TableStats>;
  /**
   * Notes that `target` answered the sender of `followKey` (see
   * {@linkcode observe}) from the MAC `answerMac`, in `packet`: its
   * requests for `target` that still wait may be followed. Call only when
   * {@linkcode filter} may hold `target`.
   */
  answered(
    followKey: string,
    target: number | string,
    answerMac: string,
    packet: PacketRecord,
    report: FindingSink,
  ): void;
  /**
   * Looks at traffic between hosts in `packet`, addressed `to` and `from`
   * as targets are kept, `toTarget` when {@linkcode filter} may hold `to`
   * (call only when it may hold `to` or `from`). Traffic to a waiting
   * target from its sender's MAC, in a frame to the MAC that answered it,
   * follows its requests (a frame to another MAC reaches no host it
   * resolved); traffic back from that MAC to the sender's then excuses
   * them: the host answered the traffic they were made for (a packet no
   * host answers, sent only for the excuse, excuses nothing). Excused
   * requests count apart (`excusedThreshold`).
   */
  traffic(
    to: number | string,
    from: number | string,
    toTarget: boolean,
    packet: PacketRecord,
    report: FindingSink,
  ): void;
  /** The targets of the requests that wait: a packet to or from none of them needs no {@linkcode traffic}. */
  readonly filter: TargetFilter;
  /**
   * Notes that frames from or to `aliasKey` (a virtual router MAC, with
   * its VLAN as {@linkcode macKeyOf} keys it) are the sender `senderKey`'s
   * own: a VRRP or HSRP router's hosts send their traffic to the virtual
   * MAC of their gateway, not to the MAC the router asked from, so their
   * answers to the traffic it resolved them for reach it there. Each
   * router named for an alias within {@linkcode ALIAS_TTL_US} of `nowUs`
   * keeps it (up to {@linkcode MAX_ALIAS_OWNERS}, the stalest replaced), so
   * a second advertiser (forged, or a split brain) adds itself instead of
   * taking the real router's place; at most {@linkcode MAX_ALIASES},
   * least recently advertised forgotten first.
   */
  alias(aliasKey: string, senderKey: string, nowUs: number): void;
  /** Moves packet time on to `nowUs`: requests that waited `followUs` count. */
  advance(nowUs: number, report: FindingSink): void;
  /** Ends the input: final findings of the ongoing scans. */
  flush(nowUs: number, report: FindingSink): void;
}

/** A sender's key by its MAC: the MAC, and the VLAN of `packet` when tagged (a router's one MAC serves many); "" for no MAC. */
export function macKeyOf(mac: string, packet: PacketRecord): string {
  if (mac === "") return "";
  const vlanId = packet.vlanId;
  return vlanId > 0 ? `${mac}%${vlanId}` : mac;
}

/** Creates the scan logic for `protocol`: one incident per sender asking for many distinct addresses (see arp_scan.ts and ndp_scan.ts). */
export function createNeighborScanCore(
  options: NeighborScanOptions,
  protocol: NeighborScanProtocol,
): NeighborScanCore {
  const config = { ...NEIGHBOR_SCAN_DEFAULTS, ...options };
  const { targetThreshold, windowUs, maxTargetsPerSender, reportIntervalUs } =
    config;
  requirePositive(`${protocol.name} scan detector`, config, [
    "targetThreshold",
    "windowUs",
    "maxSenders",
    "maxTargetsPerSender",
    "reportIntervalUs",
  ]);
  if (!Number.isFinite(config.followUs) || config.followUs < 0) {
    throw new RangeError(
      `Cannot create ${protocol.name} scan detector: followUs must be a non-negative number, got ${config.followUs}`,
    );
  }
  const { followUs } = config;
  if (
    !(config.excusedThreshold >= 1 &&
      config.excusedThreshold <= maxTargetsPerSender)
  ) {
    throw new RangeError(
      `Cannot create ${protocol.name} scan detector: excusedThreshold must be 1 to maxTargetsPerSender (${maxTargetsPerSender}), got ${config.excusedThreshold}`,
    );
  }
  if (maxTargetsPerSender < targetThreshold) {
    throw new RangeError(
      `Cannot create ${protocol.name} scan detector: maxTargetsPerSender (${maxTargetsPerSender}) must be at least targetThreshold (${targetThreshold})`,
    );
  }
  const limits: FanOutLimits = {
    targetThreshold,
    windowUs,
    maxTargets: maxTargetsPerSender,
    reportIntervalUs,
  };
  const excusedLimits: FanOutLimits = {
    ...limits,
    targetThreshold: config.excusedThreshold,
  };

  // An evicted sender's waiting requests are dropped uncounted.
  const senders = new BoundedMap<string, SenderState>(
    config.maxSenders,
    (_key, state) => dropWaiting(state),
  );
  // Admission into the full table, fed every request's sender.
  const admission = new TableAdmission();
  let nextExpiryUs = -Infinity;
  // Senders with waiting requests, each once, by the time of its oldest
  // when it joined (a sender evicted meanwhile has none left). A sender
  // whose newer requests still wait when its turn comes joins again at the
  // back, so a request waits at most twice followUs. Bounded: at twice the
  // sender table, the front sender's requests all count at once.
  const waitingOrder = new TimedRing<SenderState>();
  const maxQueued = 2 * config.maxSenders;
  // Senders with waiting requests, by follow key: several may share one
  // (a host with two addresses on one MAC), a short list each. Their
  // requests' targets are in the filter.
  const waitingByFollowKey = new Map<string, SenderState[]>();
  // Virtual router MACs, by alias key, and the senders whose they are.
  const aliases = new BoundedMap<string, AliasOwners>(MAX_ALIASES);
  const filter = new TargetFilter();
  let nextReleaseUs = -Infinity;

  /** Counts a request of `state` for `target` made at `timeUs`, reporting the finding it makes due. */
  function count(
    state: SenderState,
    target: number | string,
    timeUs: number,
    report: FindingSink,
  ): void {
    if (observeFanOut(state.fanOut, target, timeUs, limits)) {
      report(findingOf(state, state.fanOut, config, protocol));
    }
  }

  /** Counts the oldest waiting request of `state` at its own time (nothing when it was excused). */
  function countOldest(
    state: SenderState,
    waiting: TimedRing<number | string>,
    report: FindingSink,
  ): void {
    const timeUs = waiting.oldestUs;
    const target = waiting.shift();
    if (target === undefined) return; // excused
    filter.remove(target);
    count(state, target, timeUs, report);
  }

  /** Counts the waiting requests of `state` made at or before `beforeUs`, oldest first. */
  function release(
    state: SenderState,
    beforeUs: number,
    report: FindingSink,
  ): void {
    const waiting = state.waiting;
    if (waiting === null) return;
    while (waiting.size > 0 && waiting.oldestUs <= beforeUs) {
      countOldest(state, waiting, report);
    }
    if (waiting.size === 0) stopWaiting(state);
  }

  function dropWaiting(state: SenderState): void {
    const waiting = state.waiting;
    if (waiting === null) return;
    while (waiting.size > 0) {
      const target = waiting.shift();
      if (target !== undefined) filter.remove(target);
    }
    stopWaiting(state);
  }

  function stopWaiting(state: SenderState): void {
    const sharing = waitingByFollowKey.get(state.followKey);
    if (sharing === undefined) return;
    const at = sharing.indexOf(state);
    if (at < 0) return;
    if (sharing.length === 1) waitingByFollowKey.delete(state.followKey);
    else sharing.splice(at, 1);
  }

  function startWaiting(state: SenderState): void {
    const sharing = waitingByFollowKey.get(state.followKey);
    if (sharing === undefined) waitingByFollowKey.set(state.followKey, [state]);
    else if (sharing.length < MAX_SHARING && !sharing.includes(state)) {
      // Past the cap a sender's requests cannot be excused: they count when
      // their wait ends (one MAC asking from thousands of addresses made
      // every packet to or from it visit them all: the red team's 22×).
      sharing.push(state);
    }
  }

  function advance(nowUs: number, report: FindingSink): void {
    if (nowUs < nextReleaseUs || filter.total === 0) return;
    nextReleaseUs = nowUs + RELEASE_INTERVAL_US;
    const beforeUs = nowUs - followUs;
    while (waitingOrder.oldestUs <= beforeUs) {
      const state = waitingOrder.shift()!;
      state.queued = false;
      release(state, beforeUs, report);
      if (state.waiting !== null && state.waiting.size > 0) {
        enqueue(state, report);
      }
    }
  }

  /** Puts a sender with waiting requests in the release order, unless it is there. */
  function enqueue(state: SenderState, report: FindingSink): void {
    if (state.queued) return;
    if (waitingOrder.size >= maxQueued) {
      const front = waitingOrder.shift()!;
      front.queued = false;
      release(front, Infinity, report);
    }
    state.queued = true;
    waitingOrder.push(state, state.waiting!.oldestUs);
  }

  // Outside observe: a closure there capturing nowUs would make V8 allocate
  // a context for every packet (see bench/findings.md).
  function expire(nowUs: number, report: FindingSink): void {
    expireIdleFanOuts(
      senders,
      nowUs,
      windowUs,
      (state) => reportLast(state, report),
    );
  }

  /** The last finding of a scan whose figures changed since its last one (its waiting requests count first). */
  function reportLast(state: SenderState, report: FindingSink): void {
    release(state, Infinity, report);
    if (finishFanOut(state.fanOut)) {
      report(findingOf(state, state.fanOut, config, protocol));
    }
    const excused = state.excused;
    if (excused !== null && finishFanOut(excused)) {
      report(findingOf(state, excused, config, protocol));
    }
  }

  function observe(
    key: string,
    address: string,
    senderMac: string,
    target: number | string,
    nowUs: number,
    report: FindingSink,
    followKey: string,
  ): void {
    advance(nowUs, report);
    if (nowUs >= nextExpiryUs) {
      expire(nowUs, report);
      nextExpiryUs = nowUs + EXPIRY_INTERVAL_US;
    }
    let state = senders.get(key);
    if (state === undefined) {
      const hash = fnv1a(key);
      if (admission.refuses(senders, hash)) return;
      state = {
        key,
        address,
        hash,
        unsyncedHits: 0,
        unsyncedGeneration: 0,
        senderMac,
        fanOut: newFanOut(nowUs),
        waiting: null,
        followKey,
        queued: false,
        excused: null,
      };
      senders.set(key, state);
    } else {
      admission.countHit(state);
      state.address = address;
    }
    if (
      followUs === 0 || state.fanOut.active || state.fanOut.targets.has(target)
    ) {
      // A scan already found counts its requests at once (an ARP storm's
      // sweeper waits for nothing), after those still waiting; so does a
      // request for a target already counted, which adds no target.
      if (state.waiting !== null && state.waiting.size > 0) {
        release(state, Infinity, report);
      }
      count(state, target, nowUs, report);
      return;
    }
    const waiting = state.waiting ??= new TimedRing(maxTargetsPerSender);
    // A sender asking this fast counts its oldest request now.
    if (waiting.full) countOldest(state, waiting, report);
    let joins = waiting.size === 0;
    if (state.followKey !== followKey) {
      // Its MAC changed: its traffic is known by the new one.
      stopWaiting(state);
      state.followKey = followKey;
      joins = true;
    }
    if (joins) startWaiting(state);
    waiting.push(target, nowUs);
    enqueue(state, report);
    filter.add(target);
  }

  /** The senders known by `followKey` whose requests may still be excused, once packet time has moved on to `packet`'s. */
  function waitersOf(
    followKey: string,
    packet: PacketRecord,
    report: FindingSink,
  ): SenderState[] | undefined {
    advance(packet.timestampUs, report);
    const sharing = waitingByFollowKey.get(followKey);
    if (sharing !== undefined || aliases.size === 0) return sharing;
    const owners = aliases.peek(followKey);
    if (owners === undefined) return undefined;
    // The waiting senders of every router still behind the virtual MAC.
    let found: SenderState[] | undefined;
    for (let i = 0; i < owners.keys.length; i++) {
      if (packet.timestampUs - owners.seenUs[i]! > ALIAS_TTL_US) continue;
      const state = senders.peek(owners.keys[i]!);
      const waiting = state === undefined
        ? undefined
        : waitingByFollowKey.get(state.followKey);
      if (waiting === undefined) continue;
      found = found === undefined ? waiting : [...found, ...waiting];
    }
    return found;
  }

  function answered(
    followKey: string,
    target: number | string,
    answerMac: string,
    packet: PacketRecord,
    report: FindingSink,
  ): void {
    const sharing = waitersOf(followKey, packet, report);
    if (sharing === undefined || answerMac === "") return;
    for (const state of sharing) state.waiting?.tag(target, "", answerMac);
  }

  /** The sender's traffic to `target`, in a frame to the MAC that answered it: followed, its tag marked. */
  function followed(
    target: number | string,
    packet: PacketRecord,
    report: FindingSink,
  ): void {
    const frameTo = packet.dstMac;
    const sharing = waitersOf(macKeyOf(packet.srcMac, packet), packet, report);
    if (sharing === undefined || frameTo === "") return;
    const followedTag = frameTo + FOLLOWED_MARK;
    for (const state of sharing) {
      state.waiting?.tag(target, frameTo, followedTag);
    }
  }

  /** `target`'s traffic back to the sender, from the MAC that answered it: its followed requests are excused, and counted apart. */
  function returned(
    target: number | string,
    packet: PacketRecord,
    report: FindingSink,
  ): void {
    const frameFrom = packet.srcMac;
    const sharing = waitersOf(macKeyOf(packet.dstMac, packet), packet, report);
    if (sharing === undefined || frameFrom === "") return;
    const followedTag = frameFrom + FOLLOWED_MARK;
    const nowUs = packet.timestampUs;
    for (const state of sharing) {
      const cancelled = state.waiting?.cancel(target, followedTag) ?? 0;
      if (cancelled === 0) continue;
      filter.remove(target, cancelled);
      // Excused, but counted apart: past excusedThreshold still a finding.
      const excused = state.excused ??= newFanOut(nowUs);
      if (observeFanOut(excused, target, nowUs, excusedLimits)) {
        report(findingOf(state, excused, config, protocol));
      }
    }
  }

  function traffic(
    to: number | string,
    from: number | string,
    toTarget: boolean,
    packet: PacketRecord,
    report: FindingSink,
  ): void {
    if (toTarget) followed(to, packet, report);
    returned(from, packet, report);
  }

  return {
    observe,
    answered,
    traffic,
    filter,
    alias(aliasKey: string, senderKey: string, nowUs: number): void {
      if (aliasKey === "") return;
      const owners = aliases.get(aliasKey); // refreshed: advertised now
      if (owners === undefined) {
        aliases.set(aliasKey, { keys: [senderKey], seenUs: [nowUs] });
        return;
      }
      let slot = owners.keys.indexOf(senderKey);
      if (slot < 0) {
        if (owners.keys.length < MAX_ALIAS_OWNERS) {
          slot = owners.keys.length;
        } else {
          slot = 0; // the stalest
          for (let i = 1; i < owners.keys.length; i++) {
            if (owners.seenUs[i]! < owners.seenUs[slot]!) slot = i;
          }
        }
        owners.keys[slot] = senderKey;
      }
      owners.seenUs[slot] = nowUs;
    },
    advance,
    tables(): Record<string, TableStats> {
      return { senders: admission.stats(senders) };
    },
    flush(_nowUs: number, report: FindingSink): void {
      for (const state of senders.values()) reportLast(state, report);
    },
  };
}

function findingOf(
  state: SenderState,
  fanOut: FanOut<number | string>,
  config: Required<NeighborScanOptions>,
  protocol: NeighborScanProtocol,
): Finding {
  const summary = summarizeFanOut(fanOut, MAX_SAMPLES);
  const { distinctTargets, subnets, durationSeconds, durationUs } = summary;
  const within = elapsedText(durationUs);
  const where = subnets.length === 1 ? ` in ${subnets[0]}` : "";
  const excused = fanOut === state.excused;
  return {
    kind: protocol.kind,
    key: state.key,
    // At its last new target: a finding that a repeated probe made due
    // (the scanner's routine re-ARP a minute later) is the sweep's.
    timestampUs: fanOut.lastGrowthUs,
    // The incident's first probe: the alert's first seen, and its slice's start.
    startUs: fanOut.startUs,
    severity: excused ? "low" : summary.severity,
    attacker: state.address,
    victim: "",
    domain: "",
    summary: excused
      ? `${state.address} resolved ${distinctTargets} distinct addresses${where} within ${within}, each answered and followed with traffic the target answered (${fanOut.probes} ${protocol.requests}): a host reaching that many neighbours at once, or an ${protocol.name} scan that forged the answers`
      : `${state.address} asked for ${distinctTargets} distinct addresses${where} within ${within} (${fanOut.probes} ${protocol.requests}): ${protocol.name} scan`,
    evidence: {
      distinctTargets,
      scanTargets: fanOut.incidentTargets,
      requests: fanOut.probes,
      resolvedForTraffic: excused,
      senderMac: state.senderMac,
      subnets,
      sampleTargets: summary.sampleTargets,
      durationSeconds,
      targetsPerSecond: summary.targetsPerSecond,
      windowSeconds: config.windowUs / 1e6,
    },
  };
}
