/**
 * MAC flood detector: frames from source MACs a network never saw, at a
 * rate no network's hosts join at, each sending once (macof, yersinia's
 * and scapy's random-MAC floods), which fill a switch's MAC address table
 * (its CAM table: 8 192 entries on many access switches) until the switch
 * floods every frame out of every port of the VLAN, so that the attacker
 * can read traffic meant for others.
 *
 * Counted: every frame with a source MAC (Ethernet; Linux cooked captures
 * carry the sender's). A MAC is new when the memory does not hold it on
 * its VLAN (a switch learns a MAC per VLAN; the innermost tag, as the
 * decoder gives it): an exact cache of {@linkcode CACHE_SLOTS} recent MACs,
 * and behind it bits of every MAC seen within the last one to two
 * `memoryUs` (a switch's ageing time; {@linkcode RecentBits}, two bits a
 * MAC in one cache line; a MAC whose bits others set is taken for seen, so
 * a flood of millions is undercounted, never overcounted: measured, 1 % of
 * 400 000 new MACs within a minute, 5 % of a million, 16 % of two
 * million). A new MAC _returns_ when a second frame comes from it within
 * one to two windows (told by the cache, or, once the cache let it go, by
 * bits of the new MACs and of those that returned). New MACs are counted
 * over every VLAN together (spread over many, or over random inner tags, a
 * flood is still one), in bins of a tenth of `windowUs`.
 *
 * A flood: in the window of whole bins before the one that just ended
 * (whose MACs get a bin's time to send again; at the input's end, the
 * last bin too), `minNewMacs` new MACs, and
 * - a tenth of them or more multicast ones (no interface sends from a
 *   group MAC; half of a random flood's are), or
 * - once the sensor has learned the network (watched for `learningUs`, and
 *   then seen a window with fewer than a quarter of `minNewMacs` new MACs:
 *   until then every host it meets is new, and a quiet host's one frame
 *   looks like a flood's), fewer than `maxReturnShare` of them sending again (hosts that join at once,
 *   after a power cut, send many frames each), or four times `minNewMacs`
 *   whatever they send (no network's hosts join at 800 a second).
 * It goes on while a window holds a quarter of `minNewMacs` new MACs and
 * either rule holds for them, and ends otherwise (judged at each bin's
 * end, at a frame from a new MAC or while the link is quiet), or when the
 * input does.
 *
 * Findings (kind "mac_flood", MITRE T1040, Network Sniffing: what a switch
 * that fails open allows): one incident at a time, reported when it
 * starts, as its new MACs double or at most every `reportIntervalUs` while
 * they grow, and with its final figures when it ends. Severity medium;
 * high once {@linkcode HIGH_NEW_MACS} new MACs came (a common switch's
 * table). attacker = the IP source of at least {@linkcode ATTACKER_SHARE}
 * of the new MACs' frames when it is an address a host can have (macof
 * -s), else "" (macof and most floods write random IP addresses too),
 * counted over the new MACs' frames since a window last held an eighth of
 * `minNewMacs`; victim = "". The evidence counts the new MACs, their
 * returns, the group source MACs among them, the peak rate, the VLANs the
 * most came on, and lists a few.
 *
 * Overlaps: a DHCP starvation or a router advertisement flood whose frames
 * each come from a new random MAC (yersinia's, THC's flood_router26) is a
 * MAC flood too, and reported as one beside its own alert: it fills
 * switches' tables as well.
 *
 * Time: a frame stamped before the bin under way counts in it; after
 * {@linkcode STEP_BACK_FRAMES} frames from new MACs in a row stamped more
 * than a window before it (a clock stepped back, or one frame from the
 * future moved the bins ahead), the bins start afresh at their time (an
 * incident under way ends with its final figures).
 *
 * Cost: a frame whose MAC the cache holds (nearly every frame of ordinary
 * traffic) costs a hash and three array reads; only new MACs and cache
 * misses touch the memories and counters, each a cache miss or two. Under
 * a flood of {@linkcode SAMPLE_FROM} times `minNewMacs` a window (a spoofed
 * flood with a new MAC in every frame), one MAC in eight is followed and
 * counts for eight (the top bits of its hash choose it), until the window
 * holds fewer than twice `minNewMacs`; its counts are then estimates, and
 * its findings say "about".
 *
 * Bounds: the cache ({@linkcode CACHE_SLOTS} × 14 bytes), the memories'
 * bits ({@linkcode MEMORY_BITS} and twice {@linkcode FRESH_BITS}, × 2
 * generations: 1.5 MiB) and the bins.
 *
 * Limits: a flood slower than `minNewMacs` per window (150 new MACs a
 * second fill an 8 192-entry table in a minute) is not seen, nor, before
 * the sensor has learned the network, one of unicast MACs only; after it, one that sends
 * at least every other MAC twice and stays under four times `minNewMacs`;
 * a capture that sees more than `minNewMacs` hosts once each in a window,
 * past the learning time, and hears none of them again within one or two
 * windows, would be reported; a flood on one VLAN that saturates the
 * memory makes the others' hosts look new too (it is reported as one
 * incident with them).
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { addressTextOf, keptText } from "../capture/decoded_packet.ts";
import { formatMacWords } from "../capture/decode/address.ts";
import { countText, type FindingSink } from "./alert.ts";
import { type Detector, type TableStats } from "./detector.ts";
import { hashKey } from "./numeric_key_map.ts";
import { requirePositive } from "./option_checks.ts";
import { RecentBits } from "./recent_bits.ts";
import { GenerationClock } from "./generation_clock.ts";
import {
  isFinalReportDue,
  isGrowthReportDue,
  markReported,
  type ReportMark,
} from "./report_cadence.ts";
import { TopKeys } from "./top_keys.ts";
import { isSpoofOnlySource } from "./addresses.ts";

/** Options of {@linkcode createMacFloodDetector}. */
export interface MacFloodOptions {
  /** Window in which `minNewMacs` new source MACs make a flood, µs (judged in tenths of it). */
  windowUs?: number;
  /** New source MACs within `windowUs` that make a flood. */
  minNewMacs?: number;
  /** Most returns (new MACs that sent again), as a share of the new MACs, in a flood of unicast MACs (0 to 1). */
  maxReturnShare?: number;
  /** How long a MAC is remembered after its last frame: one to two of these, µs. */
  memoryUs?: number;
  /** Packet time from the first frame during which only a flood with multicast source MACs is reported (and after it, until a window with few new MACs), µs. */
  learningUs?: number;
  /** Packet time between repeated findings of one incident while it grows, µs. */
  reportIntervalUs?: number;
}

/**
 * Defaults of {@linkcode MacFloodOptions}: 2 000 new source MACs within
 * 10 s (macof sends 20 000 a second on a veth pair and 100 000 and more on
 * a gigabit link, each once; a network's hosts join a few a minute), fewer
 * than half of them sending again; MACs remembered 300–600 s (a switch
 * forgets them after 300 s); a minute of learning; findings every 10 s at
 * most while they grow, the alert lifecycle's update interval.
 */
export const MAC_FLOOD_DEFAULTS: Readonly<Required<MacFloodOptions>> = Object
  .freeze({
    windowUs: 10_000_000,
    minNewMacs: 2_000,
    maxReturnShare: 0.5,
    memoryUs: 300_000_000,
    learningUs: 60_000_000,
    reportIntervalUs: 10_000_000,
  });

/** Slots of the exact cache of recent MACs (a power of two). */
export const CACHE_SLOTS = 1 << 14;
/** Bits of the memory of MACs seen, per generation (a power of two). */
export const MEMORY_BITS = 1 << 22;
/** Bits of the memories of new MACs and of their returns, per generation (a power of two). */
const FRESH_BITS = 1 << 20;
/** Bins of a window. */
const BINS = 10;
/** Slots of the bins: a window's, the one under way, and the next one's, empty. */
const SLOTS = BINS + 2;
/** New MACs of an incident from which it is high: a common access switch's table. */
export const HIGH_NEW_MACS = 8_192;
/** The share of multicast source MACs that makes new MACs a flood at once. */
export const GROUP_SHARE = 0.1;
/** Times `minNewMacs` that make a flood whatever the new MACs send. */
const HEAVY_FACTOR = 4;
/** The share of an incident's frames one IP source must have sent to be named. */
const ATTACKER_SHARE = 0.8;
/** Frames from one IP source before its text is kept (the attacker's needs thousands). */
const NAMED_COUNT = 16;
/** MACs listed in the evidence. */
const MAX_LISTED = 8;
/** VLANs listed in the evidence. */
const MAX_VLANS = 4;
/** Under a flood of at least {@linkcode SAMPLE_FROM} times `minNewMacs` a window, one MAC in 2^this is followed, its counts weighted. */
export const SAMPLE_SHIFT = 3;
/** Times `minNewMacs` in a window from which MACs are sampled; below twice `minNewMacs`, every one is followed again. */
export const SAMPLE_FROM = 8;
/** Frames from new MACs in a row, stamped more than a window before the bins, that start them afresh. */
export const STEP_BACK_FRAMES = 64;
/** A cache entry's tag: its memory generation times two, plus this while its MAC is new and has not returned. */
const FRESH = 1;
const SALT = 0x6d61_6366;

/** One MAC flood. */
interface Flood extends ReportMark {
  /** Whether its MACs were sampled at some point (its counts are then estimates). */
  sampled: boolean;
  newMacs: number;
  returns: number;
  groupMacs: number;
  /** Most new MACs of one bin, per second. */
  peakPerSecond: number;
  samples: string[];
  firstUs: number;
  lastUs: number;
}

/**
 * Creates the MAC flood detector (kind "mac_flood"): one incident at a
 * time while source MACs keep coming new, faster than hosts join.
 *
 * @example
 * ```ts
 * const detector = createMacFloodDetector({ minNewMacs: 1_000 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createMacFloodDetector(
  options: MacFloodOptions = {},
): Detector {
  const config = { ...MAC_FLOOD_DEFAULTS, ...options };
  requirePositive("MAC flood detector", config, [
    "windowUs",
    "minNewMacs",
    "memoryUs",
    "reportIntervalUs",
  ]);
  const share = config.maxReturnShare;
  if (!(share >= 0 && share <= 1)) {
    throw new RangeError(
      `Cannot create MAC flood detector: maxReturnShare must be from 0 to 1, got ${share}`,
    );
  }
  if (!(config.learningUs >= 0)) {
    throw new RangeError(
      `Cannot create MAC flood detector: learningUs must be 0 or more, got ${config.learningUs}`,
    );
  }
  const binUs = config.windowUs / BINS;
  const minNewMacs = config.minNewMacs;
  const endNewMacs = minNewMacs / 4;
  /** New MACs within a window from which their frames' IP sources are counted. */
  const warmNewMacs = minNewMacs / 8;
  const memory = new RecentBits(MEMORY_BITS, config.memoryUs);
  /** New MACs of the last one to two windows, and those of them that returned: for a return the cache missed. */
  const fresh = new RecentBits(FRESH_BITS, config.windowUs);
  const returned = new RecentBits(FRESH_BITS, config.windowUs);
  /** One clock for both. */
  const freshClock = new GenerationClock(config.windowUs);
  const cacheHigh = new Int32Array(CACHE_SLOTS).fill(-1);
  const cacheLow = new Int32Array(CACHE_SLOTS).fill(-1);
  const cacheTag = new Int32Array(CACHE_SLOTS);
  /** The VLAN id + 1 of each cache entry (0: untagged). */
  const cacheLink = new Uint16Array(CACHE_SLOTS);
  /** Cache slots in use, and entries replaced by another MAC's. */
  let cacheSize = 0;
  let cacheEvictions = 0;

  // The bins: slot `head` is the one under way.
  const newMacs = new Int32Array(SLOTS);
  const returns = new Int32Array(SLOTS);
  const groupMacs = new Int32Array(SLOTS);
  /** Packet time of each bin's first new MAC, µs. */
  const firstNewUs = new Float64Array(SLOTS);
  /** Whether each bin counted sampled MACs (its counts are estimates). */
  const sampledBins = new Uint8Array(SLOTS);
  let head = 0;
  /** Packet time at which the bin under way started, µs (-Infinity before the first new MAC). */
  let binStartUs = -Infinity;
  /** New MACs over every slot. */
  let windowNew = 0;
  /** Frames from new MACs in a row stamped more than a window before the bins. */
  let behind = 0;
  /** Packet time of the first frame with a source MAC, µs (NaN before it). */
  let firstFrameUs = NaN;
  /** Whether the sensor has learned the network (see {@linkcode judge}). */
  let learned = false;

  /** The last new MACs (their words), for the evidence: a ring of {@linkcode MAX_LISTED}. */
  const recentHigh = new Int32Array(MAX_LISTED);
  const recentLow = new Int32Array(MAX_LISTED);
  let recentCount = 0;
  /** The IP sources of the new MACs' frames, counted while a window holds an eighth of `minNewMacs` (a flood's start) or a flood. */
  const sources = new TopKeys(2);
  let sourceFrames = 0;
  /** The VLANs of the new MACs, counted alike. */
  const vlans = new TopKeys(MAX_VLANS);
  let flood: Flood | null = null;
  /** 0, or {@linkcode SAMPLE_SHIFT} under a heavy flood: one MAC in 2^this is followed (by the top bits of its hash, which no memory uses), and counts for 2^this. */
  let sampleShift = 0;

  /** Closes the bins that have passed at `nowUs`, judging each (a time before the bin under way counts in it). */
  function advance(nowUs: number, sink: FindingSink): void {
    if (nowUs < binStartUs - config.windowUs) {
      if (++behind < STEP_BACK_FRAMES) return;
      // A clock stepped back: start afresh at its time.
      behind = 0;
      restart(nowUs, sink);
      return;
    }
    behind = 0;
    if (nowUs - binStartUs < binUs) return;
    if (nowUs - binStartUs >= (BINS + 2) * binUs) {
      // Quiet for more than a window: close the bin under way (its MACs
      // have had their time), then start afresh at `nowUs`. A window
      // without a new MAC ends the learning, once its time has passed.
      closeBin(binStartUs + binUs, true, sink);
      restart(nowUs, sink);
      if (nowUs - firstFrameUs >= config.learningUs) learned = true;
      return;
    }
    while (nowUs - binStartUs >= binUs) {
      closeBin(binStartUs + binUs, false, sink);
    }
  }

  /** Ends an incident under way, and empties the bins, the next starting at `nowUs`. */
  function restart(nowUs: number, sink: FindingSink): void {
    if (flood !== null) end(sink);
    newMacs.fill(0);
    returns.fill(0);
    groupMacs.fill(0);
    sampledBins.fill(0);
    windowNew = 0;
    clearSources();
    sampleShift = 0;
    binStartUs = nowUs;
  }

  function clearSources(): void {
    sources.clear();
    vlans.clear();
    sourceFrames = 0;
  }

  /**
   * Ends the bin under way at `endUs`, judges the window of whole bins
   * before it (with it, when `whole`: the input's end, or a quiet link),
   * and starts the next bin.
   */
  function closeBin(endUs: number, whole: boolean, sink: FindingSink): void {
    // The oldest bin leaves the window (its slot is the next bin's).
    const next = (head + 1) % SLOTS;
    windowNew -= newMacs[next]!;
    newMacs[next] = returns[next] = groupMacs[next] = 0;
    sampledBins[next] = 0;
    judge(endUs, whole, sink);
    if (windowNew - newMacs[head]! < warmNewMacs && flood === null) {
      clearSources();
    }
    head = next;
    binStartUs = endUs;
  }

  /** Whether `count` new MACs, `group` of them multicast, that `back` returns answered, are a flood (`learned`: the sensor has learned the network). */
  function isFlood(
    count: number,
    group: number,
    back: number,
    learned: boolean,
  ): boolean {
    return group >= GROUP_SHARE * count ||
      (learned &&
        (back < share * count || count >= HEAVY_FACTOR * minNewMacs));
  }

  /** Starts, grows or ends the flood with the window that ends at `nowUs`. */
  function judge(nowUs: number, whole: boolean, sink: FindingSink): void {
    // The judged window: the `BINS` bins before the one that just ended,
    // whose MACs get the next bin's time to send again (with it, when it
    // is whole); the slots after `head` hold them, oldest first, after the
    // next bin's empty one. Returns count up to `head`.
    const first = whole ? 3 : 2;
    let judged = 0;
    let group = 0;
    let back = 0;
    for (let k = 0; k < BINS; k++) {
      const b = (head + first + k) % SLOTS;
      judged += newMacs[b]!;
      group += groupMacs[b]!;
      back += returns[b]!;
    }
    if (!whole) back += returns[head]!;
    // A heavy flood (in every bin held, the closing one too) is followed
    // one MAC in eight from here (its counts are then estimates, within a
    // few percent at these numbers).
    if (windowNew >= SAMPLE_FROM * minNewMacs) sampleShift = SAMPLE_SHIFT;
    else if (windowNew < 2 * minNewMacs) sampleShift = 0;
    // Learned once `learningUs` has passed and a window then held fewer
    // than a quarter of `minNewMacs` new MACs: a sensor that starts on a
    // network of many quiet hosts meets them for minutes.
    if (
      !learned && judged < endNewMacs &&
      nowUs - firstFrameUs >= config.learningUs
    ) learned = true;
    if (flood !== null) {
      // The bin before the closing one joins the incident now (and the
      // closing one too, when it is whole).
      addBin(flood, (head + SLOTS - 1) % SLOTS, nowUs);
      if (whole) addBin(flood, head, nowUs);
      if (judged < endNewMacs || !isFlood(judged, group, back, true)) {
        end(sink);
        return;
      }
      if (
        isGrowthReportDue(flood, flood.newMacs, nowUs, config.reportIntervalUs)
      ) {
        report(flood.lastUs, sink);
      }
      return;
    }
    if (judged < minNewMacs || !isFlood(judged, group, back, learned)) return;
    const started: Flood = {
      sampled: false,
      newMacs: 0,
      returns: 0,
      groupMacs: 0,
      peakPerSecond: 0,
      samples: [],
      firstUs: nowUs,
      lastUs: nowUs,
      reportedCount: 0,
      lastReportUs: -Infinity,
    };
    // The judged bins (the closing bin's MACs and returns join at the next
    // bin's end); it starts at their first new MAC.
    for (let k = 0; k < BINS; k++) {
      const b = (head + first + k) % SLOTS;
      if (newMacs[b]! > 0 && started.newMacs === 0) {
        started.firstUs = firstNewUs[b]!;
      }
      addBin(started, b, nowUs);
    }
    flood = started;
    report(nowUs, sink);
  }

  /** Adds bin `b`'s counts to `incident`. */
  function addBin(incident: Flood, b: number, nowUs: number): void {
    const count = newMacs[b]!;
    if (sampledBins[b] === 1) incident.sampled = true;
    incident.newMacs += count;
    incident.returns += returns[b]!;
    incident.groupMacs += groupMacs[b]!;
    if (count > 0) incident.lastUs = nowUs;
    incident.peakPerSecond = Math.max(
      incident.peakPerSecond,
      Math.round(count * 1e6 / binUs),
    );
  }

  function report(nowUs: number, sink: FindingSink): void {
    const incident = flood!;
    if (incident.samples.length < MAX_LISTED) {
      const count = Math.min(recentCount, MAX_LISTED);
      for (let i = 0; i < count && incident.samples.length < MAX_LISTED; i++) {
        const at = (recentCount - count + i) % MAX_LISTED;
        const mac = formatMacWords(recentHigh[at]!, recentLow[at]!);
        if (!incident.samples.includes(mac)) incident.samples.push(mac);
      }
    }
    const attacker = attackerOf();
    const returnShare = incident.newMacs === 0
      ? 0
      : Math.min(1, incident.returns / incident.newMacs);
    const seconds = Math.max(
      1,
      Math.round((incident.lastUs - incident.firstUs) / 1e6),
    );
    const links = linksOf();
    sink({
      kind: "mac_flood",
      key: "link",
      timestampUs: nowUs,
      startUs: incident.firstUs,
      severity: incident.newMacs >= HIGH_NEW_MACS ? "high" : "medium",
      attacker,
      victim: "",
      domain: "",
      summary: `${incident.sampled ? "about " : ""}${
        countText(incident.newMacs, "new source MAC")
      } within ${seconds} s (${links.join(", ")}), ${
        Math.round(returnShare * 100)
      } % of them sending again${
        attacker === "" ? "" : `, their frames from ${attacker}`
      }: a MAC flood, filling switches' address tables so that they flood every frame to every port (peak ${incident.peakPerSecond} new MACs a second; ${incident.groupMacs} multicast source MACs, which no interface sends from).`,
      evidence: {
        newMacs: incident.newMacs,
        returnedMacs: incident.returns,
        groupSourceMacs: incident.groupMacs,
        peakNewMacsPerSecond: incident.peakPerSecond,
        vlans: links,
        macSamples: [...incident.samples],
        topSource: attacker,
        sampled: incident.sampled,
        minNewMacs,
        windowUs: config.windowUs,
      },
    });
    markReported(incident, incident.newMacs, nowUs);
  }

  /** The VLANs the most new MACs came on, most first ("untagged", "vlan 10"). */
  function linksOf(): string[] {
    const list: [string, number][] = [];
    for (let slot = 0; slot < vlans.size; slot++) {
      const id = vlans.keyAt(slot);
      list.push([
        id === 0 ? "untagged" : `vlan ${id - 1}`,
        vlans.countAt(slot),
      ]);
    }
    return list.sort((a, b) => b[1] - a[1]).map(([name]) => name);
  }

  /** The IP source of {@linkcode ATTACKER_SHARE} of the new MACs' frames, when a host can have it; else "". */
  function attackerOf(): string {
    const slot = sources.leader();
    if (slot < 0) return "";
    // An IPv4 address's text is made from its key; an IPv6 one is kept
    // once it recurs ("": it never did, so it is no attacker).
    const text = addressTextOf(sources.keyAt(slot), sources.textAt(slot));
    if (
      text === "" || isSpoofOnlySource(text) ||
      sources.guaranteedAt(slot) < ATTACKER_SHARE * sourceFrames
    ) return "";
    return text;
  }

  function end(sink: FindingSink): void {
    const incident = flood!;
    if (isFinalReportDue(incident, incident.newMacs, incident.lastUs)) {
      report(incident.lastUs, sink);
    }
    flood = null;
  }

  /** Whether sampling is on and the MAC of `hash` is outside the sample (the top bits of its hash, which no memory uses, choose it). */
  function outsideSample(hash: number): boolean {
    return sampleShift !== 0 && (hash >>> (32 - sampleShift)) !== 0;
  }

  /** Marks a MAC (its two bits) in the memory's current generation. */
  function remember(hash: number, second: number): void {
    memory.mark(hash);
    memory.mark(second);
  }

  /** Counts a new MAC (on VLAN slot `slot`). */
  function onNew(
    packet: PacketRecord,
    slot: number,
    high: number,
    low: number,
    sink: FindingSink,
  ): void {
    const nowUs = packet.timestampUs;
    if (binStartUs === -Infinity) binStartUs = nowUs;
    advance(nowUs, sink);
    const weight = 1 << sampleShift;
    if (weight > 1) sampledBins[head] = 1;
    if (newMacs[head]! === 0) firstNewUs[head] = nowUs;
    newMacs[head]! += weight;
    windowNew += weight;
    if (((high >> 16) & 1) === 1) groupMacs[head]! += weight;
    const at = recentCount++ % MAX_LISTED;
    recentHigh[at] = high;
    recentLow[at] = low;
    if (windowNew >= warmNewMacs || flood !== null) {
      sourceFrames++;
      vlans.add(slot);
      const key = packet.srcAddressKey;
      if (key >= 0) {
        // Its text only once it recurs (an attacker's address): a spoofed
        // flood's sources, each new, would format an IPv6 address a frame.
        const source = sources.add(key);
        if (
          sources.countAt(source) >= NAMED_COUNT &&
          sources.textAt(source) === ""
        ) sources.setText(source, keptText(key, packet, true));
      }
    }
  }

  /** Counts a return of a new MAC (for `weight` MACs: a sampled one's counts for those it stands for). */
  function onReturn(
    packet: PacketRecord,
    weight: number,
    sink: FindingSink,
  ): void {
    advance(packet.timestampUs, sink);
    returns[head]! += weight;
  }

  return {
    name: "mac_flood",
    observe(packet: PacketRecord, sink: FindingSink): void {
      const high = packet.srcMacHigh;
      if (high < 0) return;
      const low = packet.srcMacLow;
      // A switch learns a MAC per VLAN: so does the memory.
      const slot = packet.vlanId >= 0 ? (packet.vlanId & 0xfff) + 1 : 0;
      const hash = hashKey(high, low, SALT + slot);
      const at = hash >>> 18;
      const tag = cacheTag[at]!;
      if (
        cacheHigh[at] === high && cacheLow[at] === low &&
        cacheLink[at] === slot
      ) {
        const generation = memory.generation;
        if ((tag >> 1) >= generation - 1) {
          if ((tag & FRESH) !== 0) {
            cacheTag[at] = generation << 1;
            returned.mark(hash);
            // A MAC met before sampling began, outside the sample, stands
            // for itself alone.
            onReturn(packet, outsideSample(hash) ? 1 : 1 << sampleShift, sink);
          } else if ((tag >> 1) !== generation) {
            cacheTag[at] = generation << 1;
            remember(hash, secondHash(hash));
          }
          return;
        }
      }
      // Under a heavy flood, one MAC in eight is followed; the first frame
      // past the bin under way goes on, to close it (which may end the
      // sampling, or the flood).
      if (outsideSample(hash) && packet.timestampUs - binStartUs < binUs) {
        return;
      }
      const nowUs = packet.timestampUs;
      if (Number.isNaN(firstFrameUs)) firstFrameUs = nowUs;
      memory.age(nowUs);
      const turn = freshClock.turn(nowUs);
      fresh.turn(turn);
      returned.turn(turn);
      const generation = memory.generation;
      if (cacheHigh[at] === -1) cacheSize++;
      else if (
        cacheHigh[at] !== high || cacheLow[at] !== low ||
        cacheLink[at] !== slot
      ) cacheEvictions++;
      cacheHigh[at] = high;
      cacheLow[at] = low;
      cacheLink[at] = slot;
      const second = secondHash(hash);
      if (memory.has(hash) && memory.has(second)) {
        cacheTag[at] = generation << 1;
        remember(hash, second);
        // A new MAC's return that the cache forgot in between.
        if (fresh.has(hash) && !returned.has(hash)) {
          returned.mark(hash);
          onReturn(packet, 1 << sampleShift, sink);
        }
        return;
      }
      remember(hash, second);
      fresh.mark(hash);
      cacheTag[at] = (generation << 1) | FRESH;
      onNew(packet, slot, high, low, sink);
    },
    tables(): Record<string, TableStats> {
      return {
        mac_flood_cache: {
          size: cacheSize,
          capacity: CACHE_SLOTS,
          evictions: cacheEvictions,
        },
      };
    },
    idle(nowUs: number, sink: FindingSink): void {
      if (windowNew > 0 || flood !== null) advance(nowUs, sink);
    },
    flush(_nowUs: number, sink: FindingSink): void {
      // The input ended: the bin under way is whole, and judged with the
      // window before it.
      if (windowNew === 0 && flood === null) return;
      closeBin(binStartUs + binUs, true, sink);
      if (flood !== null) end(sink);
    },
  };
}

/**
 * A second bit for a MAC in the memory, in the same 256-bit block as the
 * first (so in the same cache line: a blocked Bloom filter): a new MAC is
 * taken for seen only when others set both, about (n / bits)² instead of
 * n / bits, for one memory access.
 */
function secondHash(hash: number): number {
  return (hash & ~0xff) | ((hash >>> 24) ^ (hash >>> 3)) & 0xff;
}
