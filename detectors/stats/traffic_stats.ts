/**
 * Traffic statistics from packet timestamps: protocol mix (packets and bytes
 * per service), a packets/bits per second timeline in 1 s buckets, KPIs, and
 * top talkers and conversations over a sliding window and the whole session.
 *
 * Bytes are wire bytes (`wireLength`, the frame's length on the link, as in
 * tshark's conversation statistics). Talkers and conversations count
 * IPv4/IPv6 packets only; a conversation is an unordered host pair.
 *
 * Memory is bounded: the timeline is a fixed ring; each host/conversation
 * table is a {@linkcode NumericKeyMap} (capacity + idle expiry, eviction
 * counters), keyed by address keys (`PacketRecord.srcAddressKey`). Window entries keep sparse per-second counters (at most 30
 * records of 4 numbers ≈ 1.1 KB per entry, ~100 bytes for an entry seen in
 * one second), so the defaults cost at most ≈ 9 MB for the window tables
 * (4 096 hosts + 4 096 host pairs) and ≈ 6 MB for the session tables
 * (16 384 + 16 384 entries of ~100–250 bytes). Top-N lists are computed on
 * {@linkcode TrafficStats.snapshot}, never per packet.
 *
 * @module
 */

import type { PacketRecord } from "../../capture/packet_record.ts";
import { FrequencySketch } from "./frequency_sketch.ts";
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
import {
  classifyService,
  SERVICE_COUNT,
  type ServiceName,
  serviceName,
} from "./services.ts";
import { topN } from "./top_n.ts";

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
  /** Hosts tracked in the window table; beyond this the least recently seen is evicted. */
  maxWindowHosts?: number;
  /** Hosts tracked in the session table. */
  maxSessionHosts?: number;
  /** Conversations (host pairs) tracked in the window table. */
  maxWindowConversations?: number;
  /** Conversations tracked in the session table. */
  maxSessionConversations?: number;
  /** Session entries idle this long are dropped, µs of packet time. */
  sessionIdleUs?: number;
  /** Mean latency for the KPIs, ms (e.g. `() => latency.meanLatencyMs()`); null KPI when absent. */
  meanLatencyMs?: () => number | null;
  /** Alert count for the KPIs; 0 when absent (the caller may also overwrite the field). */
  alertCount?: () => number;
}

/**
 * Defaults of {@linkcode TrafficStatsOptions}: a 5 min timeline, 5 s KPI
 * averages, a 30 s talker window, top 10, 4 096 window and 16 384 session
 * entries per table, session entries dropped after 1 h idle.
 */
export const TRAFFIC_STATS_DEFAULTS = {
  timelineSeconds: 300,
  kpiSeconds: 5,
  talkerWindowUs: 30_000_000,
  topCount: 10,
  maxWindowHosts: 4_096,
  maxSessionHosts: 16_384,
  maxWindowConversations: 4_096,
  maxSessionConversations: 16_384,
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
  /** Service with the most bytes (in the window table: since the entry was created). */
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
}

/** Timeline channels. */
const TIMELINE_PACKETS = 0;
const TIMELINE_BYTES = 1;

/** A host's traffic in the window table. */
interface WindowHost {
  address: string;
  /** Hash of its table key, for admission (frequency_sketch.ts). */
  hash: number;
  /** Packets, bytes and (extra channel) bytes sent, per second. */
  counts: WindowCounts;
  /** Packet second of the last LRU refresh. */
  touchedSecond: number;
  /** Address key of this host's last sent packet's peer, with their conversation entries (a cache that spares two lookups). */
  peerKey: number;
  windowConversation: WindowConversation | undefined;
  sessionConversation: SessionConversation | undefined;
}

/** A host's traffic in the session table. */
interface SessionHost {
  address: string;
  hash: number;
  packets: number;
  bytes: number;
  sentBytes: number;
  touchedSecond: number;
}

/** A host pair's traffic in the window table. */
interface WindowConversation {
  /** Address keys, lower first (the table key). */
  lowKey: number;
  highKey: number;
  hash: number;
  hostA: string;
  hostB: string;
  counts: WindowCounts;
  tally: number[];
  touchedSecond: number;
  /** False once evicted or expired (the host caches must not use it then). */
  live: boolean;
}

/** A host pair's traffic in the session table. */
interface SessionConversation {
  lowKey: number;
  highKey: number;
  hash: number;
  hostA: string;
  hostB: string;
  packets: number;
  bytes: number;
  tally: number[];
  touchedSecond: number;
  live: boolean;
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
  readonly #windowHosts: NumericKeyMap<WindowHost>;
  /** Recent sightings of hosts and of host pairs, for admission into full tables. */
  readonly #hostFrequency = new FrequencySketch();
  readonly #pairFrequency = new FrequencySketch();
  readonly #windowHostAdmission = new TableAdmission(this.#hostFrequency);
  readonly #sessionHostAdmission = new TableAdmission(this.#hostFrequency);
  readonly #windowConversationAdmission = new TableAdmission(
    this.#pairFrequency,
  );
  readonly #sessionConversationAdmission = new TableAdmission(
    this.#pairFrequency,
  );
  readonly #sessionHosts: NumericKeyMap<SessionHost>;
  readonly #windowConversations: NumericKeyMap<WindowConversation>;
  readonly #sessionConversations: NumericKeyMap<SessionConversation>;
  #packets = 0;
  #bytes = 0;
  #firstUs = Infinity;
  #lastUs = -Infinity;
  #lastSecond = -Infinity;
  #firstSecond = Infinity;
  #expiredSecond = -Infinity;

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
    this.#windowHosts = new NumericKeyMap(
      config.maxWindowHosts,
      undefined,
      recycle,
    );
    this.#sessionHosts = new NumericKeyMap(
      config.maxSessionHosts,
      undefined,
      recycle,
    );
    this.#windowConversations = new NumericKeyMap<WindowConversation>(
      config.maxWindowConversations,
      markDead,
      recycle,
    );
    this.#sessionConversations = new NumericKeyMap<SessionConversation>(
      config.maxSessionConversations,
      markDead,
      recycle,
    );
  }

  /** Feeds one packet (hot path: a few map lookups; allocates only new entries and, on a cache miss, the pair key). */
  observe(packet: PacketRecord): void {
    const us = packet.timestampUs;
    const bytes = packet.wireLength;
    const second = Math.floor(us / 1_000_000);
    this.#packets++;
    this.#bytes += bytes;
    if (us < this.#firstUs) this.#firstUs = us;
    if (us > this.#lastUs) this.#lastUs = us;
    if (second < this.#firstSecond) this.#firstSecond = second;
    if (second > this.#lastSecond) this.#lastSecond = second;
    const service = classifyService(packet);
    this.#servicePackets[service]!++;
    this.#serviceBytes[service]! += bytes;
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
    const pairHash = hashKey(lowKey, highKey, 0);
    const srcEstimate = this.#hostFrequency.add(srcHash);
    const dstEstimate = this.#hostFrequency.add(dstHash);
    const pairEstimate = this.#pairFrequency.add(pairHash);
    const windowSeconds = this.#windowSeconds;
    const srcHost = this.#windowHost(
      srcKey,
      srcHash,
      srcEstimate,
      packet.srcAddress,
      second,
    );
    srcHost?.counts.add(second, windowSeconds, 1, bytes, bytes);
    this.#windowHost(
      dstKey,
      dstHash,
      dstEstimate,
      packet.dstAddress,
      second,
    )?.counts.add(
      second,
      windowSeconds,
      1,
      bytes,
      0,
    );
    const srcSession = this.#sessionHost(
      srcKey,
      srcHash,
      srcEstimate,
      packet.srcAddress,
      second,
    );
    if (srcSession !== undefined) {
      srcSession.packets++;
      srcSession.bytes += bytes;
      srcSession.sentBytes += bytes;
    }
    const dstSession = this.#sessionHost(
      dstKey,
      dstHash,
      dstEstimate,
      packet.dstAddress,
      second,
    );
    if (dstSession !== undefined) {
      dstSession.packets++;
      dstSession.bytes += bytes;
    }

    let windowEntry = srcHost?.windowConversation;
    let sessionEntry = srcHost?.sessionConversation;
    // The cache holds while both entries are live under this pair's key (a
    // removed entry may have been reused for another pair).
    if (
      srcHost === undefined || srcHost.peerKey !== dstKey ||
      windowEntry === undefined || !windowEntry.live ||
      windowEntry.lowKey !== lowKey || windowEntry.highKey !== highKey ||
      sessionEntry === undefined || !sessionEntry.live ||
      sessionEntry.lowKey !== lowKey || sessionEntry.highKey !== highKey
    ) {
      windowEntry = this.#windowConversation(
        lowKey,
        highKey,
        pairHash,
        pairEstimate,
        packet,
        second,
      );
      sessionEntry = this.#sessionConversation(
        lowKey,
        highKey,
        pairHash,
        pairEstimate,
        packet,
        second,
      );
      if (srcHost !== undefined) {
        srcHost.peerKey = dstKey;
        srcHost.windowConversation = windowEntry;
        srcHost.sessionConversation = sessionEntry;
      }
      if (windowEntry === undefined || sessionEntry === undefined) {
        if (windowEntry !== undefined) {
          windowEntry.counts.add(second, windowSeconds, 1, bytes, 0);
          addToServiceTally(windowEntry.tally, service, bytes);
        }
        if (sessionEntry !== undefined) {
          sessionEntry.packets++;
          sessionEntry.bytes += bytes;
          addToServiceTally(sessionEntry.tally, service, bytes);
        }
        return;
      }
    } else {
      if (second > windowEntry.touchedSecond) {
        this.#windowConversations.get(
          windowEntry.lowKey,
          windowEntry.highKey,
          0,
        );
        windowEntry.touchedSecond = second;
      }
      if (second > sessionEntry.touchedSecond) {
        this.#sessionConversations.get(
          sessionEntry.lowKey,
          sessionEntry.highKey,
          0,
        );
        sessionEntry.touchedSecond = second;
      }
    }
    windowEntry.counts.add(second, windowSeconds, 1, bytes, 0);
    addToServiceTally(windowEntry.tally, service, bytes);
    sessionEntry.packets++;
    sessionEntry.bytes += bytes;
    addToServiceTally(sessionEntry.tally, service, bytes);
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
        window: this.#topWindowHosts(),
        session: this.#topSessionHosts(),
      },
      conversations: {
        windowUs: this.#config.talkerWindowUs,
        window: this.#topWindowConversations(),
        session: this.#topSessionConversations(),
      },
    };
  }

  /** Sizes of the host and conversation tables. */
  tables(): Record<string, TableStats> {
    return {
      stats_window_hosts: tableStats(
        this.#windowHosts,
        this.#windowHostAdmission,
      ),
      stats_session_hosts: tableStats(
        this.#sessionHosts,
        this.#sessionHostAdmission,
      ),
      stats_window_conversations: tableStats(
        this.#windowConversations,
        this.#windowConversationAdmission,
      ),
      stats_session_conversations: tableStats(
        this.#sessionConversations,
        this.#sessionConversationAdmission,
      ),
    };
  }

  // The lookups below refresh LRU order (a Map delete + set) at most once per
  // packet second per entry: enough for eviction and idle expiry measured in
  // seconds, and much cheaper than on every packet.

  #windowHost(
    key: number,
    hash: number,
    estimate: number,
    address: string,
    second: number,
  ): WindowHost | undefined {
    let entry = this.#windowHosts.peek(key, 0, 0, hash);
    if (entry === undefined) {
      if (
        this.#windowHostAdmission.refuses(this.#windowHosts, hash, estimate)
      ) {
        return undefined;
      }
      entry = this.#windowHosts.spare();
      if (entry === undefined) {
        entry = {
          address,
          hash,
          counts: new WindowCounts(),
          touchedSecond: second,
          peerKey: -1,
          windowConversation: undefined,
          sessionConversation: undefined,
        };
      } else {
        entry.address = address;
        entry.hash = hash;
        entry.counts.clear();
        entry.touchedSecond = second;
        entry.peerKey = -1;
        entry.windowConversation = undefined;
        entry.sessionConversation = undefined;
      }
      this.#windowHosts.add(key, 0, 0, entry, hash);
    } else if (second > entry.touchedSecond) {
      this.#windowHosts.get(key, 0, 0);
      entry.touchedSecond = second;
    }
    return entry;
  }

  #sessionHost(
    key: number,
    hash: number,
    estimate: number,
    address: string,
    second: number,
  ): SessionHost | undefined {
    let entry = this.#sessionHosts.peek(key, 0, 0, hash);
    if (entry === undefined) {
      if (
        this.#sessionHostAdmission.refuses(this.#sessionHosts, hash, estimate)
      ) {
        return undefined;
      }
      entry = this.#sessionHosts.spare();
      if (entry === undefined) {
        entry = {
          address,
          hash,
          packets: 0,
          bytes: 0,
          sentBytes: 0,
          touchedSecond: second,
        };
      } else {
        entry.address = address;
        entry.hash = hash;
        entry.packets = 0;
        entry.bytes = 0;
        entry.sentBytes = 0;
        entry.touchedSecond = second;
      }
      this.#sessionHosts.add(key, 0, 0, entry, hash);
    } else if (second > entry.touchedSecond) {
      this.#sessionHosts.get(key, 0, 0);
      entry.touchedSecond = second;
    }
    return entry;
  }

  #windowConversation(
    lowKey: number,
    highKey: number,
    hash: number,
    estimate: number,
    packet: PacketRecord,
    second: number,
  ): WindowConversation | undefined {
    const table = this.#windowConversations;
    let entry = table.peek(lowKey, highKey, 0, hash);
    if (entry === undefined) {
      if (this.#windowConversationAdmission.refuses(table, hash, estimate)) {
        return undefined;
      }
      const [hostA, hostB] = orderedHosts(packet);
      entry = table.spare();
      if (entry === undefined) {
        entry = {
          lowKey,
          highKey,
          hash,
          hostA,
          hostB,
          counts: new WindowCounts(),
          tally: createServiceTally(),
          touchedSecond: second,
          live: true,
        };
      } else {
        entry.lowKey = lowKey;
        entry.highKey = highKey;
        entry.hash = hash;
        entry.hostA = hostA;
        entry.hostB = hostB;
        entry.counts.clear();
        clearServiceTally(entry.tally);
        entry.touchedSecond = second;
        entry.live = true;
      }
      table.add(lowKey, highKey, 0, entry, hash);
    } else if (second > entry.touchedSecond) {
      table.get(lowKey, highKey, 0);
      entry.touchedSecond = second;
    }
    return entry;
  }

  #sessionConversation(
    lowKey: number,
    highKey: number,
    hash: number,
    estimate: number,
    packet: PacketRecord,
    second: number,
  ): SessionConversation | undefined {
    const table = this.#sessionConversations;
    let entry = table.peek(lowKey, highKey, 0, hash);
    if (entry === undefined) {
      if (this.#sessionConversationAdmission.refuses(table, hash, estimate)) {
        return undefined;
      }
      const [hostA, hostB] = orderedHosts(packet);
      entry = table.spare();
      if (entry === undefined) {
        entry = {
          lowKey,
          highKey,
          hash,
          hostA,
          hostB,
          packets: 0,
          bytes: 0,
          tally: createServiceTally(),
          touchedSecond: second,
          live: true,
        };
      } else {
        entry.lowKey = lowKey;
        entry.highKey = highKey;
        entry.hash = hash;
        entry.hostA = hostA;
        entry.hostB = hostB;
        entry.packets = 0;
        entry.bytes = 0;
        clearServiceTally(entry.tally);
        entry.touchedSecond = second;
        entry.live = true;
      }
      table.add(lowKey, highKey, 0, entry, hash);
    } else if (second > entry.touchedSecond) {
      table.get(lowKey, highKey, 0);
      entry.touchedSecond = second;
    }
    return entry;
  }

  /** Drops entries idle for the window (window tables) or `sessionIdleUs` (session tables). */
  #expire(nowSecond: number): void {
    const windowSeconds = this.#windowSeconds;
    const idleSeconds = this.#sessionIdleSeconds;
    this.#windowHosts.expireOldest((entry) =>
      nowSecond - entry.touchedSecond >= windowSeconds
    );
    this.#windowConversations.expireOldest((entry) =>
      nowSecond - entry.touchedSecond >= windowSeconds && markDead(entry)
    );
    this.#sessionHosts.expireOldest((entry) =>
      nowSecond - entry.touchedSecond >= idleSeconds
    );
    this.#sessionConversations.expireOldest((entry) =>
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

  #topWindowHosts(): HostTraffic[] {
    const last = this.#lastSecond;
    const seconds = this.#windowSeconds;
    return topN(
      this.#windowHosts.values(),
      this.#config.topCount,
      (entry) => entry.counts.sum(last, seconds, WINDOW_BYTES),
    ).map(({ item, score }) => {
      const sentBytes = item.counts.sum(last, seconds, WINDOW_EXTRA_BYTES);
      return {
        address: item.address,
        bytes: score,
        packets: item.counts.sum(last, seconds, WINDOW_PACKETS),
        sentBytes,
        receivedBytes: score - sentBytes,
      };
    });
  }

  #topSessionHosts(): HostTraffic[] {
    return topN(
      this.#sessionHosts.values(),
      this.#config.topCount,
      (entry) => entry.bytes,
    ).map(({ item }) => ({
      address: item.address,
      bytes: item.bytes,
      packets: item.packets,
      sentBytes: item.sentBytes,
      receivedBytes: item.bytes - item.sentBytes,
    }));
  }

  #topWindowConversations(): ConversationTraffic[] {
    const last = this.#lastSecond;
    const seconds = this.#windowSeconds;
    return topN(
      this.#windowConversations.values(),
      this.#config.topCount,
      (entry) => entry.counts.sum(last, seconds, WINDOW_BYTES),
    ).map(({ item, score }) => ({
      hostA: item.hostA,
      hostB: item.hostB,
      bytes: score,
      packets: item.counts.sum(last, seconds, WINDOW_PACKETS),
      mainProtocol: serviceName(mainService(item.tally)),
    }));
  }

  #topSessionConversations(): ConversationTraffic[] {
    return topN(
      this.#sessionConversations.values(),
      this.#config.topCount,
      (entry) => entry.bytes,
    ).map(({ item }) => ({
      hostA: item.hostA,
      hostB: item.hostB,
      bytes: item.bytes,
      packets: item.packets,
      mainProtocol: serviceName(mainService(item.tally)),
    }));
  }
}

/** A table's size, capacity and evictions, with the keys its admission turned away. */
function tableStats(
  table: { stats(): TableStats },
  admission: TableAdmission,
): TableStats {
  return { ...table.stats(), rejected: admission.rejected };
}

/** The packet's two addresses as a conversation's hostA and hostB (text order, as shown). */
function orderedHosts(packet: PacketRecord): [string, string] {
  const src = packet.srcAddress;
  const dst = packet.dstAddress;
  return src < dst ? [src, dst] : [dst, src];
}

/** Marks a conversation entry as gone from its table; returns true (for use in expiry predicates). */
function markDead(entry: { live: boolean }): boolean {
  entry.live = false;
  return true;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
