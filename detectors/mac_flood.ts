/**
 * MAC flood detector: a link suddenly full of source MACs it never saw,
 * each sending one frame and never again (macof, yersinia's and scapy's
 * random-MAC floods), which fills a switch's MAC address table (its CAM
 * table: 8 192 entries on many access switches) until the switch floods
 * every frame out of every port of the VLAN, so that the attacker can read
 * traffic meant for others.
 *
 * Counted: every frame with a source MAC (Ethernet; Linux cooked captures
 * carry the sender's), per link (its innermost VLAN id, untagged apart). A
 * MAC is new when the memory does not hold it on that link (a switch
 * learns a MAC per VLAN): an exact cache of
 * {@linkcode CACHE_SLOTS} recent MACs, and behind it bits of every MAC seen
 * within the last one to two `memoryUs` ({@linkcode RecentBits}, two bits a
 * MAC, in one cache line; a MAC whose bits others set is taken for seen, so a flood of
 * millions is undercounted, never overcounted: measured, 1 % of 400 000 new MACs within a minute, 5 % of a million, 16 % of two million). A new MAC _returns_ when a
 * second frame comes from it within one to two windows (told by the cache,
 * or, once the cache let it go, by bits of the new MACs and of those that
 * returned).
 *
 * A flood: within the last `windowUs` of whole bins (a tenth of a window
 * each; the MACs of the bin under way are judged when it has passed, so
 * they have a bin's time to return), `minNewMacs` new MACs, and fewer than
 * `maxReturnShare` as many returns. A sensor starting on a busy trunk sees
 * thousands of MACs it never saw too, but its hosts send again within a
 * second; a flood's MACs never do. It ends when fewer than a quarter of
 * `minNewMacs` are new within a window (judged at the link's next frame
 * with a new MAC, or while the link is quiet), or when the input does.
 *
 * Findings (kind "mac_flood", MITRE T1040, Network Sniffing: what a switch
 * that fails open allows): one incident per link, reported when it starts,
 * as its new MACs double or at most every `reportIntervalUs` while they
 * grow, and with its final figures when it ends. Severity medium; high
 * once {@linkcode HIGH_NEW_MACS} new MACs came (a common switch's table).
 * attacker = the IP source of at least {@linkcode ATTACKER_SHARE} of the
 * new MACs' frames when it is an address a host can have (macof -s), else
 * "" (macof and most floods write random IP addresses too), counted over
 * the new MACs' frames since the window held an eighth of `minNewMacs`;
 * victim = "".
 * The evidence counts the new MACs, their returns, the group (multicast)
 * source MACs among them, which no real interface sends from, the peak
 * rate, and lists a few.
 *
 * Cost: a frame whose MAC the cache holds (nearly every frame of ordinary
 * traffic) costs a hash and two array reads; only new MACs touch the link's
 * counters.
 *
 * Bounds: the cache ({@linkcode CACHE_SLOTS} × 14 bytes), the memories'
 * bits ({@linkcode MEMORY_BITS} and twice {@linkcode FRESH_BITS}, × 2
 * generations: 1.5 MiB) and one small
 * state per VLAN id seen with new MACs (4 096 at most).
 *
 * Overlaps: a DHCP starvation or a router advertisement flood whose frames
 * each come from a new MAC (yersinia's, THC's flood_router26) is a MAC
 * flood too, and reported as one beside its own alert: it fills switches'
 * tables as well.
 *
 * Limits: a flood slower than `minNewMacs` per window, or one that sends
 * each MAC several times, is not seen; a capture that sees each host once (broadcasts alone,
 * on an access port) and more than `minNewMacs` hosts per window would be
 * reported.
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
  /** Most returns (new MACs that sent again), as a share of the new MACs, in a flood (0 to 1). */
  maxReturnShare?: number;
  /** How long a MAC is remembered after its last frame: one to two of these, µs. */
  memoryUs?: number;
  /** Packet time between repeated findings of one incident while it grows, µs. */
  reportIntervalUs?: number;
}

/**
 * Defaults of {@linkcode MacFloodOptions}: 2 000 new source MACs within
 * 10 s, fewer than a quarter of them sending again (macof sends 20 000 a
 * second on a veth pair and 100 000 and more on a gigabit link, each once;
 * a LAN's hosts join a few a minute, and a sensor that starts sees its
 * hosts' MACs again within a second); MACs remembered 60–120 s (a switch
 * forgets them after 300 s); findings every 10 s at most while they grow,
 * the alert lifecycle's update interval.
 */
export const MAC_FLOOD_DEFAULTS: Readonly<Required<MacFloodOptions>> = Object
  .freeze({
    windowUs: 10_000_000,
    minNewMacs: 2_000,
    maxReturnShare: 0.25,
    memoryUs: 60_000_000,
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
/** New MACs of an incident from which it is high: a common access switch's table. */
export const HIGH_NEW_MACS = 8_192;
/** The share of an incident's frames one IP source must have sent to be named. */
const ATTACKER_SHARE = 0.8;
/** MACs listed in the evidence. */
const MAX_LISTED = 8;
/** VLAN ids (0–4095) and untagged. */
const LINK_SLOTS = 4_097;
/** A cache entry's tag: its memory generation times two, plus this while its MAC is new and has not returned. */
const FRESH = 1;
const SALT = 0x6d61_6366;

/** One link's counters: new MACs and returns per bin, over a window of whole bins and the bin under way. */
interface Link {
  /** "untagged" or "vlan <id>". */
  name: string;
  /** Bin `b` (0 … BINS, the one under way at `head`). */
  newMacs: Int32Array;
  returns: Int32Array;
  groupMacs: Int32Array;
  /** Packet time of each bin's first new MAC, µs. */
  firstNewUs: Float64Array;
  head: number;
  /** Packet time at which the bin under way started, µs. */
  binStartUs: number;
  /** Sums over every bin, the one under way included. */
  windowNew: number;
  windowReturns: number;
  windowGroup: number;
  /** The last new MACs (their words), for the evidence: a ring of {@linkcode MAX_LISTED}. */
  recentHigh: Int32Array;
  recentLow: Int32Array;
  recentCount: number;
  /** The IP sources of the new MACs' frames, counted while the window holds an eighth of `minNewMacs` (a flood's start) or a flood. */
  sources: TopKeys;
  sourceFrames: number;
  flood: Flood | null;
}

/** One MAC flood of a link. */
interface Flood extends ReportMark {
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
 * Creates the MAC flood detector (kind "mac_flood"): one incident per link
 * whose source MACs keep being new and never send again.
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
  const binUs = config.windowUs / BINS;
  const minNewMacs = config.minNewMacs;
  const endNewMacs = minNewMacs / 4;
  const memory = new RecentBits(MEMORY_BITS, config.memoryUs);
  /** New MACs of the last one to two windows, and those of them that returned: for a return the cache missed. */
  const fresh = new RecentBits(FRESH_BITS, config.windowUs);
  const returned = new RecentBits(FRESH_BITS, config.windowUs);
  /** One clock for both. */
  const freshClock = new GenerationClock(config.windowUs);
  /** New MACs within a window from which a link counts their frames' IP sources. */
  const warmNewMacs = minNewMacs / 8;
  const cacheHigh = new Int32Array(CACHE_SLOTS).fill(-1);
  const cacheLow = new Int32Array(CACHE_SLOTS).fill(-1);
  const cacheTag = new Int32Array(CACHE_SLOTS);
  /** The VLAN id + 1 of each cache entry (0: untagged). */
  const cacheLink = new Uint16Array(CACHE_SLOTS);
  /** By VLAN id + 1 (0: untagged). */
  const links: (Link | undefined)[] = new Array(LINK_SLOTS);
  /** The links made so far, in order. */
  const known: Link[] = [];

  function linkOf(slot: number, nowUs: number): Link {
    let link = links[slot];
    if (link === undefined) {
      link = {
        name: slot === 0 ? "untagged" : `vlan ${slot - 1}`,
        newMacs: new Int32Array(BINS + 1),
        returns: new Int32Array(BINS + 1),
        groupMacs: new Int32Array(BINS + 1),
        firstNewUs: new Float64Array(BINS + 1),
        head: 0,
        binStartUs: nowUs,
        windowNew: 0,
        windowReturns: 0,
        windowGroup: 0,
        recentHigh: new Int32Array(MAX_LISTED),
        recentLow: new Int32Array(MAX_LISTED),
        recentCount: 0,
        sources: new TopKeys(2),
        sourceFrames: 0,
        flood: null,
      };
      links[slot] = link;
      known.push(link);
    }
    return link;
  }

  /** Closes the bins of `link` that have passed at `nowUs`, judging each (a time before the bin under way counts in it). */
  function advance(link: Link, nowUs: number, sink: FindingSink): void {
    if (nowUs - link.binStartUs < binUs) return;
    if (nowUs - link.binStartUs >= (BINS + 2) * binUs) {
      // Quiet for more than a window: close the bin under way, then start
      // afresh at `nowUs`.
      closeBin(link, link.binStartUs + binUs, sink);
      clear(link);
      if (link.flood !== null) end(link, sink);
      clearSources(link);
      link.binStartUs = nowUs;
      return;
    }
    while (nowUs - link.binStartUs >= binUs) {
      closeBin(link, link.binStartUs + binUs, sink);
    }
  }

  function clearSources(link: Link): void {
    link.sources.clear();
    link.sourceFrames = 0;
  }

  function clear(link: Link): void {
    link.newMacs.fill(0);
    link.returns.fill(0);
    link.groupMacs.fill(0);
    link.windowNew = link.windowReturns = link.windowGroup = 0;
  }

  /** Ends the bin under way at `endUs`, judges the window of whole bins that it ends, and starts the next bin. */
  function closeBin(link: Link, endUs: number, sink: FindingSink): void {
    // The oldest bin leaves the window (its slot is the next bin's).
    const next = (link.head + 1) % (BINS + 1);
    link.windowNew -= link.newMacs[next]!;
    link.windowReturns -= link.returns[next]!;
    link.windowGroup -= link.groupMacs[next]!;
    link.newMacs[next] = link.returns[next] = link.groupMacs[next] = 0;
    judge(link, endUs, sink);
    if (link.windowNew < warmNewMacs && link.flood === null) {
      clearSources(link);
    }
    link.head = next;
    link.binStartUs = endUs;
  }

  /** Starts, grows or ends the flood of `link` with the window of whole bins that ends at `nowUs` with the bin at `head`. */
  function judge(link: Link, nowUs: number, sink: FindingSink): void {
    const closing = link.newMacs[link.head]!;
    let flood = link.flood;
    if (flood !== null) {
      flood.newMacs += closing;
      flood.returns += link.returns[link.head]!;
      flood.groupMacs += link.groupMacs[link.head]!;
      if (closing > 0) flood.lastUs = nowUs;
      flood.peakPerSecond = Math.max(
        flood.peakPerSecond,
        Math.round(closing * 1e6 / binUs),
      );
      if (link.windowNew < endNewMacs) {
        end(link, sink);
        return;
      }
      if (
        isGrowthReportDue(flood, flood.newMacs, nowUs, config.reportIntervalUs)
      ) {
        report(link, flood.lastUs, sink);
      }
      return;
    }
    if (
      link.windowNew < minNewMacs ||
      link.windowReturns >= share * link.windowNew
    ) return;
    flood = {
      newMacs: link.windowNew,
      returns: link.windowReturns,
      groupMacs: link.windowGroup,
      peakPerSecond: 0,
      samples: [],
      firstUs: nowUs - config.windowUs,
      lastUs: nowUs,
      reportedCount: 0,
      lastReportUs: -Infinity,
    };
    for (let b = 0; b <= BINS; b++) {
      flood.peakPerSecond = Math.max(
        flood.peakPerSecond,
        Math.round(link.newMacs[b]! * 1e6 / binUs),
      );
    }
    // The window's first new MAC, for the incident's start (the window's
    // bins, oldest first, follow the empty slot after `head`).
    for (let k = 0; k < BINS; k++) {
      const b = (link.head + 2 + k) % (BINS + 1);
      if (link.newMacs[b]! > 0) {
        flood.firstUs = link.firstNewUs[b]!;
        break;
      }
    }
    link.flood = flood;
    report(link, nowUs, sink);
  }

  function report(link: Link, nowUs: number, sink: FindingSink): void {
    const flood = link.flood!;
    if (flood.samples.length < MAX_LISTED) {
      const count = Math.min(link.recentCount, MAX_LISTED);
      for (let i = 0; i < count && flood.samples.length < MAX_LISTED; i++) {
        const at = (link.recentCount - count + i) % MAX_LISTED;
        const mac = formatMacWords(link.recentHigh[at]!, link.recentLow[at]!);
        if (!flood.samples.includes(mac)) flood.samples.push(mac);
      }
    }
    const attacker = attackerOf(link);
    const returnShare = flood.newMacs === 0 ? 0 : flood.returns / flood.newMacs;
    const seconds = Math.max(
      1,
      Math.round((flood.lastUs - flood.firstUs) / 1e6),
    );
    sink({
      kind: "mac_flood",
      key: link.name,
      timestampUs: nowUs,
      startUs: flood.firstUs,
      severity: flood.newMacs >= HIGH_NEW_MACS ? "high" : "medium",
      attacker,
      victim: "",
      domain: "",
      summary: `${
        countText(flood.newMacs, "new source MAC")
      } on the ${link.name} link within ${seconds} s, ${
        Math.round(returnShare * 100)
      } % of them sending again${
        attacker === "" ? "" : `, their frames from ${attacker}`
      }: a MAC flood, filling switches' address tables so that they flood every frame to every port (peak ${flood.peakPerSecond} new MACs a second; ${flood.groupMacs} multicast source MACs, which no interface sends from).`,
      evidence: {
        link: link.name,
        newMacs: flood.newMacs,
        returnedMacs: flood.returns,
        groupSourceMacs: flood.groupMacs,
        peakNewMacsPerSecond: flood.peakPerSecond,
        macSamples: [...flood.samples],
        topSource: attacker,
        minNewMacs,
        windowUs: config.windowUs,
      },
    });
    markReported(flood, flood.newMacs, nowUs);
  }

  /** The IP source of {@linkcode ATTACKER_SHARE} of the new MACs' frames, when a host can have it; else "". */
  function attackerOf(link: Link): string {
    const sources = link.sources;
    const slot = sources.leader();
    if (slot < 0) return "";
    const text = addressTextOf(sources.keyAt(slot), sources.textAt(slot));
    if (
      text === "" || isSpoofOnlySource(text) ||
      sources.guaranteedAt(slot) < ATTACKER_SHARE * link.sourceFrames
    ) return "";
    return text;
  }

  function end(link: Link, sink: FindingSink): void {
    const flood = link.flood!;
    if (isFinalReportDue(flood, flood.newMacs, flood.lastUs)) {
      report(link, flood.lastUs, sink);
    }
    link.flood = null;
  }

  function countSource(link: Link, packet: PacketRecord): void {
    link.sourceFrames++;
    const key = packet.srcAddressKey;
    if (key < 0) return;
    const slot = link.sources.add(key);
    if (link.sources.added) {
      link.sources.setText(slot, keptText(key, packet, true));
    }
  }

  /** Counts a new MAC on its link. */
  function onNew(
    packet: PacketRecord,
    slot: number,
    high: number,
    low: number,
    sink: FindingSink,
  ): void {
    const nowUs = packet.timestampUs;
    const link = linkOf(slot, nowUs);
    advance(link, nowUs, sink);
    const head = link.head;
    if (link.newMacs[head]!++ === 0) link.firstNewUs[head] = nowUs;
    link.windowNew++;
    if (((high >> 16) & 1) === 1) {
      link.groupMacs[head]!++;
      link.windowGroup++;
    }
    const at = link.recentCount++ % MAX_LISTED;
    link.recentHigh[at] = high;
    link.recentLow[at] = low;
    if (link.windowNew >= warmNewMacs) countSource(link, packet);
  }

  /** Counts a return of a new MAC on its link. */
  function onReturn(
    packet: PacketRecord,
    slot: number,
    sink: FindingSink,
  ): void {
    const link = links[slot];
    if (link === undefined) return;
    advance(link, packet.timestampUs, sink);
    link.returns[link.head]!++;
    link.windowReturns++;
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
            onReturn(packet, slot, sink);
          } else if ((tag >> 1) !== generation) {
            cacheTag[at] = generation << 1;
            memory.mark(hash);
            memory.mark(secondHash(hash));
          }
          return;
        }
      }
      const nowUs = packet.timestampUs;
      memory.age(nowUs);
      const turn = freshClock.turn(nowUs);
      fresh.turn(turn);
      returned.turn(turn);
      const generation = memory.generation;
      cacheHigh[at] = high;
      cacheLow[at] = low;
      cacheLink[at] = slot;
      const second = secondHash(hash);
      if (memory.has(hash) && memory.has(second)) {
        cacheTag[at] = generation << 1;
        memory.mark(hash);
        memory.mark(second);
        // A new MAC's return that the cache forgot in between.
        if (fresh.has(hash) && !returned.has(hash)) {
          returned.mark(hash);
          onReturn(packet, slot, sink);
        }
        return;
      }
      memory.mark(hash);
      memory.mark(second);
      fresh.mark(hash);
      cacheTag[at] = (generation << 1) | FRESH;
      onNew(packet, slot, high, low, sink);
    },
    tables(): Record<string, TableStats> {
      return {
        mac_flood_links: {
          size: known.length,
          capacity: LINK_SLOTS,
          evictions: 0,
        },
      };
    },
    idle(nowUs: number, sink: FindingSink): void {
      for (const link of known) {
        if (link.windowNew > 0) advance(link, nowUs, sink);
      }
    },
    flush(_nowUs: number, sink: FindingSink): void {
      // The input ended: each link's bin under way is whole, and judged.
      for (const link of known) {
        if (link.windowNew === 0 && link.flood === null) continue;
        closeBin(link, link.binStartUs + binUs, sink);
        if (link.flood !== null) end(link, sink);
      }
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
