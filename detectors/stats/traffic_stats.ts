/**
 * Traffic statistics from packet timestamps: protocol mix (packets and bytes
 * per service), a packets/bits per second timeline in 1 s buckets, KPIs, and
 * top talkers and conversations over a sliding window and the whole session.
 * "Session" totals are those of hosts and pairs active within
 * `sessionIdleUs` (an hour): one idle longer leaves the tables, and comes
 * back counting from zero.
 *
 * Bytes are wire bytes (`wireLength`, the frame's length on the link, as in
 * tshark's conversation statistics). An IP fragment after the first has no
 * transport header: it counts under its first fragment's service (DNS for
 * each fragment of a large DNS response), or, when the first was not seen
 * (or came later), under its IP protocol's ("Other UDP", "ICMP"…;
 * {@linkcode FragmentTrail}). Talkers and
 * conversations count IPv4/IPv6 packets only; a conversation is an
 * unordered host pair.
 *
 * Memory is bounded: the timeline is a fixed ring; hosts and conversations
 * are each one {@linkcode NumericKeyMap} (capacity, LRU eviction behind
 * frequency-based admission, idle expiry, eviction counters) keyed by
 * address keys (`PacketRecord.srcAddressKey`); a conversation is counted
 * only while both its hosts are in the host table (a full host table turns
 * rare hosts away, and a pair is never more frequent than either host), and
 * its packets are otherwise counted as rejected. An entry holds both its
 * session totals and sparse per-second counters for the sliding window (at
 * most 30 live and 16 dropped records of 4 numbers ≈ 1.5 KB for an entry
 * busy in each of the last 30 s, ~100 bytes for one seen in one second), so
 * one lookup per host serves both views; the defaults (16 384 hosts + 16 384
 * host pairs) cost about 8 MB typically and at most about 55 MB. Top-N lists are computed on
 * {@linkcode TrafficStats.snapshot}, never per packet.
 *
 * @module
 */

import { type ServerNameCount, ServerNames } from "./server_names.ts";
import type { PacketRecord } from "../../capture/packet_record.ts";
import { TableAdmission } from "./table_admission.ts";
import { hashKey, NumericKeyMap } from "../numeric_key_map.ts";
import type { TableStats } from "../detector.ts";
import { SecondRing } from "./second_ring.ts";
import {
  WINDOW_BYTES,
  WINDOW_EXTRA_BYTES,
  WINDOW_PACKETS,
  WindowCounts,
} from "./window_counts.ts";
import {
  addToServiceTally,
  clearServiceTally,
  createServiceTally,
  mainService,
} from "./service_tally.ts";
import { FragmentTrail } from "../fragment_trail.ts";
import {
  classifyService,
  SERVICE_COUNT,
  type ServiceName,
  serviceName,
  serviceOfIpProtocol,
} from "./services.ts";
import { topN } from "./top_n.ts";
import { addressTextOf, keptText } from "../../capture/decoded_packet.ts";

/** Options of {@linkcode TrafficStats}. */
export interface TrafficStatsOptions {
  /** Seconds of packet time in the pps/bits timeline (1 s buckets). */
  timelineSeconds?: number;
  /** Seconds averaged for the pps and bits/s KPIs (ending at the latest second). */
  kpiSeconds?: number;
  /** Sliding window of the windowed talkers and conversations, µs (whole seconds). */
  talkerWindowUs?: number;
  /** Entries in each top list. */
  topCount?: number;
  /** Hosts tracked (for the window and the session); when full, a new host replaces the least recently seen only if seen more often. */
  maxHosts?: number;
  /** Conversations (host pairs) tracked, likewise. */
  maxConversations?: number;
  /** Entries idle this long are dropped, µs of packet time. */
  sessionIdleUs?: number;
  /** Mean latency for the KPIs, ms (e.g. `() => latency.meanLatencyMs()`); null KPI when absent. */
  meanLatencyMs?: () => number | null;
  /** Alert count for the KPIs; 0 when absent (the caller may also overwrite the field). */
  alertCount?: () => number;
}

/**
 * Defaults of {@linkcode TrafficStatsOptions}: a 5 min timeline, 5 s KPI
 * averages, a 30 s talker window, top 10, 16 384 hosts and 16 384
 * conversations, entries dropped after 1 h idle.
 */
export const TRAFFIC_STATS_DEFAULTS = {
  timelineSeconds: 300,
  kpiSeconds: 5,
  talkerWindowUs: 30_000_000,
  topCount: 10,
  maxHosts: 16_384,
  maxConversations: 16_384,
  sessionIdleUs: 3_600_000_000,
} satisfies Required<
  Omit<TrafficStatsOptions, "meanLatencyMs" | "alertCount">
>;

/** Packets and bytes of one service, with shares of the totals in percent (2 decimals). */
export interface ProtocolShare {
  /** Service name. */
  name: ServiceName;
  /** Packets since the start. */
  packets: number;
  /** Of those, packets that carried a payload (a scan's SYNs and resets carry none). */
  dataPackets: number;
  /** Wire bytes since the start. */
  bytes: number;
  /** Share of all packets, %. */
  packetsPercent: number;
  /** Share of all bytes, %. */
  bytesPercent: number;
}

/** Traffic of one host (sent + received). */
export interface HostTraffic {
  /** IP address. */
  address: string;
  /** Wire bytes sent and received. */
  bytes: number;
  /** Packets sent and received. */
  packets: number;
  /** Wire bytes sent. */
  sentBytes: number;
  /** Wire bytes received. */
  receivedBytes: number;
}

/** Traffic between two hosts, both directions. */
export interface ConversationTraffic {
  /** The lower address (string order). */
  hostA: string;
  /** The higher address. */
  hostB: string;
  /** Wire bytes both ways. */
  bytes: number;
  /** Packets both ways. */
  packets: number;
  /** Service with the most bytes since the conversation was first seen (or last re-admitted). */
  mainProtocol: ServiceName;
}

/** Headline numbers for the dashboard. */
export interface TrafficKpis {
  /** Packets per second averaged over the last `kpiSeconds` (fewer at the start). */
  ppsAvg: number;
  /** Bits per second averaged over the same seconds. */
  bitsPerSecondAvg: number;
  /** Seconds actually averaged (≤ kpiSeconds). */
  averagedSeconds: number;
  /** Mean latency, ms, from the `meanLatencyMs` option (null without it or without measurements). */
  meanLatencyMs: number | null;
  /** Service with the most bytes and its share, or null before any packet. */
  topProtocol: { name: ServiceName; bytesPercent: number } | null;
  /** From the `alertCount` option, else 0 for the caller to fill. */
  alertCount: number;
}

/** Per-second timeline, oldest second first. */
export interface TrafficTimeline {
  /** Unix second of the first entry (null before any packet). */
  startSecond: number | null;
  /** Packets in each second. */
  packets: number[];
  /** Bits (wire bytes × 8) in each second, i.e. bits/s. */
  bitsPerSecond: number[];
}

/** JSON-ready traffic statistics. */
export interface StatsSnapshot {
  /** First and latest packet time, µs (null before any packet). */
  firstPacketUs: number | null;
  /** Latest packet time, µs. */
  lastPacketUs: number | null;
  /** Packets and wire bytes since the start. */
  totals: { packets: number; bytes: number };
  /** Headline numbers. */
  kpis: TrafficKpis;
  /** Services with traffic, most bytes first. */
  protocols: ProtocolShare[];
  /** Packets and bits per second over the last `timelineSeconds` seconds. */
  timeline: TrafficTimeline;
  /** Top hosts by bytes: over the sliding window and the whole session. */
  talkers: { windowUs: number; window: HostTraffic[]; session: HostTraffic[] };
  /** Top host pairs by bytes: over the sliding window and the whole session. */
  conversations: {
    windowUs: number;
    window: ConversationTraffic[];
    session: ConversationTraffic[];
  };
  /** The server names most asked for over the session (TLS ClientHellos' SNI, HTTP requests' Host), most first. */
  serverNames: ServerNameCount[];
}

/** Server names in a snapshot. */
export const TOP_SERVER_NAMES = 10;

/** Timeline channels. */
const TIMELINE_PACKETS = 0;
const TIMELINE_BYTES = 1;

/**
 * A host's traffic: session totals and, as the {@linkcode WindowCounts} it
 * extends, its packets, bytes and (extra channel) bytes sent per second over
 * the window: one object, so counting a packet touches no second one (a
 * cache miss under many hosts). An evicted entry's object is reused for a
 * new host ({@linkcode HostEntry.reset}).
 */
class HostEntry extends WindowCounts {
  /** Address key, and the text as {@linkcode keptText} keeps it ("" for IPv4). */
  key = -1;
  address = "";
  /** Hash of its table key, for admission (frequency_sketch.ts). */
  hash = 0;
  /** Sightings not yet added to the admission sketch, and its halving count then (table_admission.ts). */
  unsyncedHits = 0;
  unsyncedGeneration = 0;
  /** Since the entry was created. */
  packets = 0;
  bytes = 0;
  sentBytes = 0;
  /** Second of the last LRU refresh (counted from the first packet's, as every entry second). */
  touchedSecond = 0;
  /** Address key of this host's last sent packet's peer, with their conversation entry (a cache that spares a lookup). */
  peerKey = 0;
  conversation: ConversationEntry | undefined;

  /** Makes this the entry of a host first seen in `second` (emptying the counts). */
  reset(key: number, address: string, hash: number, second: number): this {
    this.key = key;
    this.address = address;
    this.hash = hash;
    this.unsyncedHits = 0;
    this.unsyncedGeneration = 0;
    this.clear();
    this.packets = 0;
    this.bytes = 0;
    this.sentBytes = 0;
    this.touchedSecond = second;
    this.peerKey = -1;
    this.conversation = undefined;
    return this;
  }
}

/**
 * A host pair's traffic: session totals and, as the
 * {@linkcode WindowCounts} it extends, per-second counts over the window. An
 * evicted entry's object is reused for a new pair
 * ({@linkcode ConversationEntry.reset}).
 */
class ConversationEntry extends WindowCounts {
  /** Address keys, lower first (the table key). */
  lowKey = 0;
  highKey = 0;
  hash = 0;
  unsyncedHits = 0;
  unsyncedGeneration = 0;
  /** Their texts as {@linkcode keptText} keeps them ("" for IPv4). */
  lowText = "";
  highText = "";
  packets = 0;
  bytes = 0;
  /** Bytes per service since the entry was created (service_tally.ts). */
  readonly tally = createServiceTally();
  touchedSecond = 0;
  /** False once evicted or expired (the host caches must not use it then). */
  live = false;

  /** Makes this the entry of `packet`'s host pair, first seen in `second` (emptying the counts). */
  reset(
    lowKey: number,
    highKey: number,
    hash: number,
    packet: PacketRecord,
    second: number,
  ): this {
    const srcIsLow = packet.srcAddressKey === lowKey;
    this.lowKey = lowKey;
    this.highKey = highKey;
    this.hash = hash;
    this.unsyncedHits = 0;
    this.unsyncedGeneration = 0;
    this.lowText = keptText(lowKey, packet, srcIsLow);
    this.highText = keptText(highKey, packet, !srcIsLow);
    this.clear();
    this.packets = 0;
    this.bytes = 0;
    clearServiceTally(this.tally);
    this.touchedSecond = second;
    this.live = true;
    return this;
  }
}

/**
 * Aggregates packets into traffic statistics (see the module doc).
 * Deterministic: time comes only from `packet.timestampUs`.
 *
 * @example
 * ```ts
 * const latency = new LatencyAnalyzer();
 * const stats = new TrafficStats({ meanLatencyMs: () => latency.meanLatencyMs() });
 * await readPacketFile("capture.pcap", (p) => { stats.observe(p); latency.observe(p); });
 * console.log(stats.snapshot().kpis);
 * ```
 */
export class TrafficStats {
  readonly #config: Required<
    Omit<TrafficStatsOptions, "meanLatencyMs" | "alertCount">
  >;
  readonly #meanLatencyMs: (() => number | null) | undefined;
  readonly #alertCount: (() => number) | undefined;
  readonly #windowSeconds: number;
  readonly #sessionIdleSeconds: number;
  readonly #timeline: SecondRing;
  readonly #servicePackets = new Float64Array(SERVICE_COUNT);
  readonly #serviceBytes = new Float64Array(SERVICE_COUNT);
  readonly #serviceDataPackets = new Float64Array(SERVICE_COUNT);
  readonly #hosts: NumericKeyMap<HostEntry>;
  readonly #conversations: NumericKeyMap<ConversationEntry>;
  /** Admission into the full host and conversation tables, fed every sighting. */
  readonly #hostAdmission = new TableAdmission();
  readonly #conversationAdmission = new TableAdmission();
  /** First fragments' services, for the later fragments of their datagrams. */
  readonly #fragments = new FragmentTrail();
  readonly #serverNames = new ServerNames();
  #packets = 0;
  #bytes = 0;
  #firstUs = Infinity;
  #lastUs = -Infinity;
  #lastSecond = -Infinity;
  #firstSecond = Infinity;
  #expiredSecond = -Infinity;
  /**
   * The first packet's second: entries count seconds from it (see
   * window_counts.ts), so their second fields hold small integers.
   */
  #epochSecond = 0;

  /** Creates empty statistics; throws a RangeError for out-of-range options. */
  constructor(options: TrafficStatsOptions = {}) {
    const { meanLatencyMs, alertCount, ...rest } = options;
    const config = { ...TRAFFIC_STATS_DEFAULTS, ...rest };
    const windowSeconds = config.talkerWindowUs / 1_000_000;
    if (!(Number.isInteger(windowSeconds) && windowSeconds >= 1)) {
      throw new RangeError(
        `Cannot create TrafficStats: talkerWindowUs must be a whole number of seconds ≥ 1 s, got ${config.talkerWindowUs}`,
      );
    }
    if (!(Number.isInteger(config.kpiSeconds) && config.kpiSeconds >= 1)) {
      throw new RangeError(
        `Cannot create TrafficStats: kpiSeconds must be a positive integer, got ${config.kpiSeconds}`,
      );
    }
    this.#config = config;
    this.#meanLatencyMs = meanLatencyMs;
    this.#alertCount = alertCount;
    this.#windowSeconds = windowSeconds;
    this.#sessionIdleSeconds = Math.max(
      1,
      Math.ceil(config.sessionIdleUs / 1e6),
    );
    this.#timeline = new SecondRing(
      Math.max(config.timelineSeconds, config.kpiSeconds),
      2,
    );
    // Entries are recycled: under churn (more hosts than a table holds) a
    // new entry reuses an evicted one instead of leaving garbage behind.
    const recycle = { recycle: true };
    this.#hosts = new NumericKeyMap(config.maxHosts, undefined, recycle);
    this.#conversations = new NumericKeyMap<ConversationEntry>(
      config.maxConversations,
      markDead,
      recycle,
    );
  }

  /** Feeds one packet (hot path: a few map lookups; allocates only new entries and, on a cache miss, the pair key). */
  observe(packet: PacketRecord): void {
    const us = packet.timestampUs;
    const bytes = packet.wireLength;
    const second = Math.floor(us / 1_000_000);
    if (this.#packets++ === 0) this.#epochSecond = second;
    this.#bytes += bytes;
    if (us < this.#firstUs) this.#firstUs = us;
    if (us > this.#lastUs) this.#lastUs = us;
    if (second < this.#firstSecond) this.#firstSecond = second;
    if (second > this.#lastSecond) this.#lastSecond = second;
    const service = packet.fragment
      ? this.#fragmentService(packet)
      : classifyService(packet);
    this.#servicePackets[service]!++;
    this.#serviceBytes[service]! += bytes;
    if (packet.payloadLength > 0) this.#serviceDataPackets[service]!++;
    this.#serverNames.observe(packet);
    this.#timeline.add(second, TIMELINE_PACKETS, 1);
    this.#timeline.add(second, TIMELINE_BYTES, bytes);
    if (this.#lastSecond > this.#expiredSecond) {
      this.#expire(this.#lastSecond);
      this.#expiredSecond = this.#lastSecond;
    }
    if (packet.network !== "ipv4" && packet.network !== "ipv6") return;
    const srcKey = packet.srcAddressKey;
    const dstKey = packet.dstAddressKey;
    if (srcKey < 0 || dstKey < 0) return;
    const srcHash = hashKey(srcKey, 0, 0);
    const dstHash = hashKey(dstKey, 0, 0);
    const lowKey = srcKey < dstKey ? srcKey : dstKey;
    const highKey = srcKey < dstKey ? dstKey : srcKey;
    const windowSeconds = this.#windowSeconds;
    // Entries count seconds from the first packet's (see #epochSecond).
    const entrySecond = second - this.#epochSecond;
    const srcHost = this.#host(
      srcKey,
      srcHash,
      packet,
      entrySecond,
    );
    if (srcHost !== undefined) {
      srcHost.add(entrySecond, windowSeconds, 1, bytes, bytes);
      srcHost.packets++;
      srcHost.bytes += bytes;
      srcHost.sentBytes += bytes;
    }
    const dstHost = this.#host(
      dstKey,
      dstHash,
      packet,
      entrySecond,
    );
    if (dstHost !== undefined) {
      dstHost.add(entrySecond, windowSeconds, 1, bytes, 0);
      dstHost.packets++;
      dstHost.bytes += bytes;
    }

    // A pair is never seen more often than either of its hosts: while one of
    // them is turned away by the full host table, so is the pair (a hostile
    // crowd of one-packet sources then costs no conversation lookup at all).
    if (srcHost === undefined || dstHost === undefined) {
      this.#conversationAdmission.rejected++;
      return;
    }
    // The sender's cache holds while the entry is live under this pair's key
    // (a removed entry may have been reused for another pair).
    let conversation = srcHost.conversation;
    if (
      srcHost.peerKey !== dstKey || conversation === undefined ||
      !conversation.live || conversation.lowKey !== lowKey ||
      conversation.highKey !== highKey
    ) {
      conversation = this.#conversation(
        lowKey,
        highKey,
        hashKey(lowKey, highKey, 0),
        packet,
        entrySecond,
      );
      srcHost.peerKey = dstKey;
      srcHost.conversation = conversation;
      if (conversation === undefined) return;
    } else {
      this.#conversationAdmission.countHit(conversation);
      if (entrySecond > conversation.touchedSecond) {
        this.#conversations.get(lowKey, highKey, 0); // LRU refresh
        conversation.touchedSecond = entrySecond;
      }
    }
    conversation.add(entrySecond, windowSeconds, 1, bytes, 0);
    conversation.packets++;
    conversation.bytes += bytes;
    addToServiceTally(conversation.tally, service, bytes);
  }

  /** The service of a fragment: a first one's own, noted for the later ones, which take it. */
  #fragmentService(packet: PacketRecord): number {
    if (!packet.laterFragment) {
      const service = classifyService(packet);
      this.#fragments.note(packet, service);
      return service;
    }
    const noted = this.#fragments.valueOf(packet);
    return noted >= 0 ? noted : serviceOfIpProtocol(packet.ipProtocol);
  }

  /** JSON-ready statistics at the latest packet time (top lists computed now). */
  snapshot(): StatsSnapshot {
    const hasPackets = this.#packets > 0;
    const lastSecond = this.#lastSecond;
    if (hasPackets) this.#expire(lastSecond);
    const protocols = this.#protocolShares();
    const top = protocols[0];
    const averagedSeconds = hasPackets
      ? Math.min(this.#config.kpiSeconds, lastSecond - this.#firstSecond + 1)
      : 0;
    const kpiPackets = hasPackets
      ? this.#timeline.sum(lastSecond, averagedSeconds, TIMELINE_PACKETS)
      : 0;
    const kpiBytes = hasPackets
      ? this.#timeline.sum(lastSecond, averagedSeconds, TIMELINE_BYTES)
      : 0;
    return {
      firstPacketUs: hasPackets ? this.#firstUs : null,
      lastPacketUs: hasPackets ? this.#lastUs : null,
      totals: { packets: this.#packets, bytes: this.#bytes },
      kpis: {
        ppsAvg: averagedSeconds > 0 ? round2(kpiPackets / averagedSeconds) : 0,
        bitsPerSecondAvg: averagedSeconds > 0
          ? round2((kpiBytes * 8) / averagedSeconds)
          : 0,
        averagedSeconds,
        meanLatencyMs: this.#meanLatencyMs?.() ?? null,
        topProtocol: top === undefined
          ? null
          : { name: top.name, bytesPercent: top.bytesPercent },
        alertCount: this.#alertCount?.() ?? 0,
      },
      protocols,
      timeline: this.#timelineSnapshot(),
      talkers: {
        windowUs: this.#config.talkerWindowUs,
        window: this.#topHosts(true),
        session: this.#topHosts(false),
      },
      conversations: {
        windowUs: this.#config.talkerWindowUs,
        window: this.#topConversations(true),
        session: this.#topConversations(false),
      },
      serverNames: this.#serverNames.top(TOP_SERVER_NAMES),
    };
  }

  /** Sizes of the host and conversation tables. */
  tables(): Record<string, TableStats> {
    return {
      stats_hosts: this.#hostAdmission.stats(this.#hosts),
      stats_conversations: this.#conversationAdmission.stats(
        this.#conversations,
      ),
      stats_fragments: this.#fragments.stats(),
      stats_server_names: this.#serverNames.stats(),
    };
  }

  // The lookups below refresh LRU order at most once per packet second per
  // entry: enough for eviction and idle expiry measured in seconds, and
  // cheaper than on every packet.

  /** The entry of `packet`'s source or destination (whichever has address key `key`), admitted if new. */
  #host(
    key: number,
    hash: number,
    packet: PacketRecord,
    second: number,
  ): HostEntry | undefined {
    const table = this.#hosts;
    let entry = table.peek(key, 0, 0, hash);
    if (entry === undefined) {
      if (this.#hostAdmission.refuses(table, hash)) return undefined;
      const address = keptText(key, packet, key === packet.srcAddressKey);
      entry = (table.spare() ?? new HostEntry()).reset(
        key,
        address,
        hash,
        second,
      );
      table.add(key, 0, 0, entry, hash);
    } else {
      this.#hostAdmission.countHit(entry);
      if (second > entry.touchedSecond) {
        table.get(key, 0, 0);
        entry.touchedSecond = second;
      }
    }
    return entry;
  }

  #conversation(
    lowKey: number,
    highKey: number,
    hash: number,
    packet: PacketRecord,
    second: number,
  ): ConversationEntry | undefined {
    const table = this.#conversations;
    let entry = table.peek(lowKey, highKey, 0, hash);
    if (entry === undefined) {
      if (this.#conversationAdmission.refuses(table, hash)) {
        return undefined;
      }
      entry = (table.spare() ?? new ConversationEntry()).reset(
        lowKey,
        highKey,
        hash,
        packet,
        second,
      );
      table.add(lowKey, highKey, 0, entry, hash);
    } else {
      this.#conversationAdmission.countHit(entry);
      if (second > entry.touchedSecond) {
        table.get(lowKey, highKey, 0);
        entry.touchedSecond = second;
      }
    }
    return entry;
  }

  /** Drops entries idle for `sessionIdleUs` at Unix second `second` (window counts age out by themselves). */
  #expire(second: number): void {
    const nowSecond = second - this.#epochSecond;
    const idleSeconds = this.#sessionIdleSeconds;
    this.#hosts.expireOldest((entry) =>
      nowSecond - entry.touchedSecond >= idleSeconds
    );
    this.#conversations.expireOldest((entry) =>
      nowSecond - entry.touchedSecond >= idleSeconds && markDead(entry)
    );
  }

  #protocolShares(): ProtocolShare[] {
    const shares: ProtocolShare[] = [];
    for (let id = 0; id < SERVICE_COUNT; id++) {
      const packets = this.#servicePackets[id]!;
      if (packets === 0) continue;
      const bytes = this.#serviceBytes[id]!;
      shares.push({
        name: serviceName(id),
        packets,
        dataPackets: this.#serviceDataPackets[id]!,
        bytes,
        packetsPercent: round2((100 * packets) / this.#packets),
        bytesPercent: this.#bytes > 0 ? round2((100 * bytes) / this.#bytes) : 0,
      });
    }
    shares.sort((a, b) => b.bytes - a.bytes || b.packets - a.packets);
    return shares;
  }

  #timelineSnapshot(): TrafficTimeline {
    if (this.#packets === 0) {
      return { startSecond: null, packets: [], bitsPerSecond: [] };
    }
    const last = this.#lastSecond;
    const start = Math.max(
      this.#firstSecond,
      last - this.#config.timelineSeconds + 1,
    );
    const packets: number[] = [];
    const bitsPerSecond: number[] = [];
    for (let s = start; s <= last; s++) {
      packets.push(this.#timeline.valueAt(s, TIMELINE_PACKETS));
      bitsPerSecond.push(this.#timeline.valueAt(s, TIMELINE_BYTES) * 8);
    }
    return { startSecond: start, packets, bitsPerSecond };
  }

  /** Top hosts by bytes over the window (`window`) or since they were first seen. */
  #topHosts(window: boolean): HostTraffic[] {
    const last = this.#lastSecond - this.#epochSecond;
    const seconds = this.#windowSeconds;
    return topN(
      this.#hosts.values(),
      this.#config.topCount,
      window
        ? (entry) => entry.sum(last, seconds, WINDOW_BYTES)
        : (entry) => entry.bytes,
    ).map(({ item, score }) => {
      const sentBytes = window
        ? item.sum(last, seconds, WINDOW_EXTRA_BYTES)
        : item.sentBytes;
      return {
        address: addressTextOf(item.key, item.address),
        bytes: score,
        packets: window
          ? item.sum(last, seconds, WINDOW_PACKETS)
          : item.packets,
        sentBytes,
        receivedBytes: score - sentBytes,
      };
    });
  }

  /** Top conversations by bytes over the window (`window`) or since they were first seen. */
  #topConversations(window: boolean): ConversationTraffic[] {
    const last = this.#lastSecond - this.#epochSecond;
    const seconds = this.#windowSeconds;
    return topN(
      this.#conversations.values(),
      this.#config.topCount,
      window
        ? (entry) => entry.sum(last, seconds, WINDOW_BYTES)
        : (entry) => entry.bytes,
    ).map(({ item, score }) => {
      const low = addressTextOf(item.lowKey, item.lowText);
      const high = addressTextOf(item.highKey, item.highText);
      return {
        hostA: low < high ? low : high,
        hostB: low < high ? high : low,
        bytes: score,
        packets: window
          ? item.sum(last, seconds, WINDOW_PACKETS)
          : item.packets,
        mainProtocol: serviceName(mainService(item.tally)),
      };
    });
  }
}

/** Marks a conversation entry as gone from its table; returns true (for use in expiry predicates). */
function markDead(entry: { live: boolean }): boolean {
  entry.live = false;
  return true;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
