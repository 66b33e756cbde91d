/**
 * Latency measurement from packet timestamps: DNS query → response, TCP
 * SYN → SYN/ACK, HTTP request → first response segment (TTFB) and TLS
 * ClientHello → ServerHello, each paired the way tshark pairs them, within
 * a per-protocol timeout (DNS 5 s, TCP 10 s, HTTP 60 s, TLS 30 s) past which
 * a request counts as unanswered and a late answer is not measured, where
 * tshark has no limit (a DNS answer after 7.6 s is in `dns.time`, not here):
 *
 * - DNS (tshark `dns.time`): keyed by (client, client port, server, server
 *   port, transaction id). A repeated query within `dnsRetransmitWindowUs` of
 *   the first (tshark's `dns.retransmission_timer`, 5 s) is a retransmission
 *   and the latency runs from the FIRST query; a later repeat starts a new
 *   transaction. Only the first response is measured (tshark gives no time
 *   to a duplicate response). Queries to multicast/broadcast addresses (mDNS,
 *   LLMNR) and NetBIOS (port 137) are not tracked.
 * - TCP handshake (tshark `tcp.analysis.ack_rtt` of the SYN/ACK): from the
 *   FIRST SYN of the connection (retransmitted SYNs carry the same sequence
 *   number and do not restart the clock; tshark 4.0 measures from the first
 *   SYN too) to the first SYN/ACK acknowledging it; a duplicate SYN/ACK is not
 *   measured.
 * - HTTP (tshark `http.time` with `http.desegment_body:FALSE`): from a
 *   request's first segment to the next response's first segment on the same
 *   connection. Like tshark, a response pairs with the most recent unanswered
 *   request (pipelined requests: only the last is measured), a TCP
 *   retransmission of the request (same sequence number) keeps the first
 *   time, and a "100 Continue" answers the request.
 * - TLS: from the ClientHello's first segment to the ServerHello's.
 *
 * Per protocol and per server it keeps count, min, mean, max and p50/p95/p99
 * over a sliding window of packet time (sub-window {@linkcode QuantileSketch}es,
 * ~1 % relative error; a percentile is the sample at rank ⌊q·(n−1)⌋, so
 * with few samples p95 and p99 can be below the maximum, or equal p50).
 * Unanswered requests are counted since the start, not per window. Pending requests live in bounded tables and expire
 * after a per-protocol timeout of packet time (counted as unanswered). A full
 * table (a flood of unanswered SYNs or queries) takes only a hash-selected
 * eighth of new requests and counts the rest as rejected (`tables()`): the
 * flood then costs a hash per packet rather than an eviction, and the
 * surviving entries wait 8 times longer for their answers, so answers slower
 * than the flood's turnover of the table are still measured, on a sample.
 *
 * @module
 */

import { endpointKey } from "../../capture/decode/address_key.ts";
import { isDnsMessage } from "../../capture/decode/dns.ts";
import type { PacketRecord } from "../../capture/packet_record.ts";
import { TCP_FLAGS } from "../../capture/packet_record.ts";
import { isGroupDestination } from "../addresses.ts";
import type { TableStats } from "../detector.ts";
import { hashKey, NumericKeyMap } from "../numeric_key_map.ts";
import { requirePositive } from "../option_checks.ts";
import { QuantileSketch } from "./quantile_sketch.ts";
import {
  type LatencySummary,
  SlidingLatency,
  summarizeLatency,
} from "./sliding_latency.ts";

/** The request/response exchanges whose latency is measured. */
export type LatencyProtocol = "dns" | "tcp_handshake" | "http" | "tls";

/** Every {@linkcode LatencyProtocol}, in snapshot order. */
export const LATENCY_PROTOCOLS: readonly LatencyProtocol[] = Object.freeze([
  "dns",
  "tcp_handshake",
  "http",
  "tls",
]);

/** One measured exchange, as handed to `onMeasurement`. */
export interface LatencyMeasurement {
  /** Exchange type. */
  protocol: LatencyProtocol;
  /** Client (requesting) address. */
  client: string;
  /** Server (answering) address. */
  server: string;
  /** Server port. */
  serverPort: number;
  /** Packet time of the (first) request, µs. */
  requestUs: number;
  /** Packet time of the answer, µs. */
  responseUs: number;
  /** responseUs − requestUs, µs. */
  latencyUs: number;
}

/** Options of {@linkcode LatencyAnalyzer}. */
export interface LatencyAnalyzerOptions {
  /** Sliding window of the per-protocol and per-server statistics, µs of packet time. */
  windowUs?: number;
  /** Sub-windows of the per-protocol statistics (the window slides by windowUs / protocolSlices). */
  protocolSlices?: number;
  /** Sub-windows of each server's statistics (fewer than per protocol, to bound memory). */
  serverSlices?: number;
  /** Relative error of the percentiles (quantile sketch α). */
  relativeAccuracy?: number;
  /** A DNS query unanswered this long after its last (re)transmission is counted unanswered, µs. */
  dnsTimeoutUs?: number;
  /** Repeats of a query within this time of the first are retransmissions (tshark dns.retransmission_timer), µs. */
  dnsRetransmitWindowUs?: number;
  /** A SYN without SYN/ACK this long after its last retransmission is counted unanswered, µs. */
  tcpTimeoutUs?: number;
  /** An HTTP request without a response this long is counted unanswered, µs. */
  httpTimeoutUs?: number;
  /** A ClientHello without a ServerHello this long is counted unanswered, µs. */
  tlsTimeoutUs?: number;
  /** Pending requests held per protocol; when full, only 1 in 8 new requests (by hash) is tracked, evicting the least recently seen. */
  maxPending?: number;
  /** (protocol, server) pairs with statistics; beyond this the least recently measured is evicted. */
  maxServers?: number;
  /** Servers listed in the snapshot (most measurements first). */
  topServers?: number;
  /** Called with each measurement (on the packet that completes it). */
  onMeasurement?: (measurement: LatencyMeasurement) => void;
}

/**
 * Defaults of {@linkcode LatencyAnalyzerOptions}.
 *
 * - `windowUs` 5 min in 10 slices of 30 s per protocol, 5 slices of 60 s per
 *   server; `relativeAccuracy` 1 %.
 * - Timeouts: DNS 5 s (resolvers retry after 1–5 s), TCP 10 s after the last
 *   SYN (covers the 3 s initial RTO of older stacks), HTTP 60 s, TLS 30 s.
 * - `maxPending` 16 384 per protocol × ~150 bytes ≈ 10 MB worst case for 4
 *   tables; `maxServers` 256 × 5 sketches × ≤ 4.4 KB ≈ 5.6 MB worst case
 *   (typically a few hundred bytes per sketch, as one server's latencies span
 *   few buckets).
 */
export const LATENCY_ANALYZER_DEFAULTS = {
  windowUs: 300_000_000,
  protocolSlices: 10,
  serverSlices: 5,
  relativeAccuracy: 0.01,
  dnsTimeoutUs: 5_000_000,
  dnsRetransmitWindowUs: 5_000_000,
  tcpTimeoutUs: 10_000_000,
  httpTimeoutUs: 60_000_000,
  tlsTimeoutUs: 30_000_000,
  maxPending: 16_384,
  maxServers: 256,
  topServers: 10,
} satisfies Required<Omit<LatencyAnalyzerOptions, "onMeasurement">>;

/** Statistics of one protocol: window summary plus totals since the start. */
export interface ProtocolLatency extends LatencySummary {
  /** Measurements since the start. */
  totalCount: number;
  /** Requests that timed out (or were superseded) without an answer, since the start. */
  unanswered: number;
}

/** Statistics of one server for one protocol over the window. */
export interface ServerLatency extends LatencySummary {
  /** Exchange type. */
  protocol: LatencyProtocol;
  /** Server address. */
  server: string;
}

/** JSON-ready latency statistics. */
export interface LatencySnapshot {
  /** Window of the statistics, µs of packet time. */
  windowUs: number;
  /** Latest packet time seen, µs (null before the first packet). */
  nowUs: number | null;
  /** Per-protocol statistics. */
  protocols: Record<LatencyProtocol, ProtocolLatency>;
  /** Servers with the most measurements in the window, most first (ties by name). */
  servers: ServerLatency[];
}

/** A request waiting for its answer. */
class Pending {
  /** Packet time of the first (re)transmission, µs. */
  firstUs = 0;
  /** Packet time of the latest retransmission, µs. */
  lastUs = 0;
  /** TCP sequence number of the request (SYN, HTTP request, ClientHello); 0 for DNS. */
  seq = 0;

  /** Makes this a request first sent at `nowUs` (a new one, or an evicted entry reused). */
  reset(nowUs: number, seq: number): this {
    this.firstUs = nowUs;
    this.lastUs = nowUs;
    this.seq = seq;
    return this;
  }
}

/** Latency statistics of one (protocol, server). */
interface ServerEntry {
  protocol: LatencyProtocol;
  server: string;
  window: SlidingLatency;
}

const DNS = 0;
const TCP = 1;
const HTTP = 2;
const TLS = 3;

/** Packet time between expiry scans of the pending tables, µs. */
const EXPIRY_INTERVAL_US = 100_000;

/**
 * A full pending table (a flood of unanswered requests) takes a new request
 * only when the top bits of its key's hash are zero: 1 in 2^3 = 8.
 */
const FULL_TABLE_SAMPLE_SHIFT = 29;

const SYN_ACK_MASK = TCP_FLAGS.SYN | TCP_FLAGS.ACK | TCP_FLAGS.RST;

/**
 * Measures DNS, TCP handshake, HTTP and TLS latency from packets (see the
 * module doc for the pairing rules). Deterministic: time comes only from
 * `packet.timestampUs`.
 *
 * @example
 * ```ts
 * const latency = new LatencyAnalyzer();
 * await readPacketFile("capture.pcap", (packet) => latency.observe(packet));
 * console.log(latency.snapshot().protocols.dns.p95Ms);
 * ```
 */
export class LatencyAnalyzer {
  readonly #options: Required<Omit<LatencyAnalyzerOptions, "onMeasurement">>;
  readonly #onMeasurement:
    | ((measurement: LatencyMeasurement) => void)
    | undefined;
  /** Per protocol, keyed by (client endpoint key, server endpoint key, DNS id or 0). */
  readonly #pending: NumericKeyMap<Pending>[];
  readonly #timeoutsUs: number[];
  readonly #windows: SlidingLatency[];
  readonly #totals = [0, 0, 0, 0];
  readonly #unanswered = [0, 0, 0, 0];
  /** Requests left untracked because their table was full, per protocol. */
  readonly #rejected = [0, 0, 0, 0];
  /** Keyed by (server address key, protocol index, 0). */
  readonly #servers: NumericKeyMap<ServerEntry>;
  readonly #scratch: QuantileSketch;
  #nowUs = -Infinity;
  #nextExpiryUs = -Infinity;

  /** Creates an analyzer; throws a RangeError for out-of-range options. */
  constructor(options: LatencyAnalyzerOptions = {}) {
    const { onMeasurement, ...rest } = options;
    const config = { ...LATENCY_ANALYZER_DEFAULTS, ...rest };
    requirePositive("LatencyAnalyzer", config, [
      "windowUs",
      "dnsTimeoutUs",
      "tcpTimeoutUs",
      "httpTimeoutUs",
      "tlsTimeoutUs",
    ]);
    this.#options = config;
    this.#onMeasurement = onMeasurement;
    this.#pending = LATENCY_PROTOCOLS.map(() =>
      // One entry per request: recycled, so floods allocate no garbage here.
      new NumericKeyMap<Pending>(config.maxPending, undefined, {
        recycle: true,
      })
    );
    this.#timeoutsUs = [
      config.dnsTimeoutUs,
      config.tcpTimeoutUs,
      config.httpTimeoutUs,
      config.tlsTimeoutUs,
    ];
    const sketch = { relativeAccuracy: config.relativeAccuracy };
    this.#windows = LATENCY_PROTOCOLS.map(() =>
      new SlidingLatency({
        windowUs: config.windowUs,
        slices: config.protocolSlices,
        sketch,
      })
    );
    this.#servers = new NumericKeyMap(config.maxServers);
    this.#scratch = this.#windows[0]!.createSketch();
  }

  /** Feeds one packet (hot path: looks up a table only for DNS, SYN, SYN/ACK, HTTP and TLS hello packets). */
  observe(packet: PacketRecord): void {
    const nowUs = packet.timestampUs;
    if (nowUs > this.#nowUs) this.#nowUs = nowUs;
    if (nowUs >= this.#nextExpiryUs) {
      this.#expire(nowUs);
      this.#nextExpiryUs = nowUs + EXPIRY_INTERVAL_US;
    }
    if (packet.srcPort < 0 || packet.dstPort < 0) return;
    // Decoded packets with ports always have both addresses; the check keeps endpoint keys exact.
    if (packet.srcAddressKey < 0 || packet.dstAddressKey < 0) return;
    // The helpers below take the packet, not its endpoint keys and times:
    // a call not inlined boxes each such double on the heap (56 MB of
    // garbage per 1M SYNs of a flood).
    if (packet.dnsId >= 0) {
      // Another protocol on a DNS port pairs no query with an answer.
      if (isDnsMessage(packet)) this.#observeDns(packet);
      return;
    }
    if (packet.transport !== "tcp") return;
    const flags = packet.tcpFlags & SYN_ACK_MASK;
    if (flags === TCP_FLAGS.SYN) {
      this.#request(TCP, packet);
    } else if (flags === (TCP_FLAGS.SYN | TCP_FLAGS.ACK)) {
      this.#answer(TCP, packet);
    }
    switch (packet.app) {
      case "http_request":
        this.#request(HTTP, packet);
        break;
      case "http_response":
        this.#answer(HTTP, packet);
        break;
      case "tls_client_hello":
        this.#request(TLS, packet);
        break;
      case "tls_server_hello":
        this.#answer(TLS, packet);
        break;
    }
  }

  /** Mean latency over the window across all protocols, ms (null without measurements). */
  meanLatencyMs(): number | null {
    let sum = 0;
    let count = 0;
    for (const window of this.#windows) {
      window.collect(this.#nowUs, this.#scratch);
      sum += this.#scratch.sum;
      count += this.#scratch.count;
    }
    return count === 0 ? null : Math.round(sum / count) / 1000;
  }

  /** JSON-ready statistics at the latest packet time (expires timed-out requests first). */
  snapshot(): LatencySnapshot {
    const nowUs = this.#nowUs;
    if (nowUs > -Infinity) this.#expire(nowUs);
    const protocols = {} as Record<LatencyProtocol, ProtocolLatency>;
    LATENCY_PROTOCOLS.forEach((protocol, index) => {
      this.#windows[index]!.collect(nowUs, this.#scratch);
      protocols[protocol] = {
        ...summarizeLatency(this.#scratch),
        totalCount: this.#totals[index]!,
        unanswered: this.#unanswered[index]!,
      };
    });
    const servers: ServerLatency[] = [];
    for (const entry of this.#servers.values()) {
      entry.window.collect(nowUs, this.#scratch);
      if (this.#scratch.count === 0) continue;
      servers.push({
        protocol: entry.protocol,
        server: entry.server,
        ...summarizeLatency(this.#scratch),
      });
    }
    servers.sort((a, b) =>
      b.count - a.count || compareStrings(a.server, b.server) ||
      compareStrings(a.protocol, b.protocol)
    );
    servers.length = Math.min(servers.length, this.#options.topServers);
    return {
      windowUs: this.#options.windowUs,
      nowUs: nowUs > -Infinity ? nowUs : null,
      protocols,
      servers,
    };
  }

  /** Sizes of the pending-request and per-server tables (with the requests each pending table rejected while full). */
  tables(): Record<string, TableStats> {
    const pending = (protocol: number): TableStats => ({
      ...this.#pending[protocol]!.stats(),
      rejected: this.#rejected[protocol]!,
    });
    return {
      latency_pending_dns: pending(DNS),
      latency_pending_tcp: pending(TCP),
      latency_pending_http: pending(HTTP),
      latency_pending_tls: pending(TLS),
      latency_servers: this.#servers.stats(),
    };
  }

  /** A DNS query or response. */
  #observeDns(packet: PacketRecord): void {
    const id = packet.dnsId;
    if (!packet.dnsResponse) {
      if (
        packet.dstPort === 137 || packet.srcPort === 137 ||
        isGroupDestination(packet)
      ) return;
      const nowUs = packet.timestampUs;
      const src = endpointKey(packet.srcAddressKey, packet.srcPort);
      const dst = endpointKey(packet.dstAddressKey, packet.dstPort);
      const table = this.#pending[DNS]!;
      const hash = hashKey(src, dst, id);
      const pending = table.get(src, dst, id, hash);
      if (
        pending !== undefined &&
        nowUs - pending.firstUs < this.#options.dnsRetransmitWindowUs
      ) {
        pending.lastUs = nowUs; // retransmission: the clock keeps running from the first query
        return;
      }
      if (pending !== undefined) {
        // A new query under the same id: the earlier one went unanswered.
        this.#unanswered[DNS]!++;
        pending.reset(nowUs, 0);
        return;
      }
      this.#track(DNS, packet, id, hash);
      return;
    }
    this.#answer(DNS, packet);
  }

  /** Records a TCP, HTTP or TLS request, `packet`, from its source to its destination; a retransmission (same TCP sequence number) keeps the first time. */
  #request(protocol: number, packet: PacketRecord): void {
    const table = this.#pending[protocol]!;
    const client = endpointKey(packet.srcAddressKey, packet.srcPort);
    const server = endpointKey(packet.dstAddressKey, packet.dstPort);
    const nowUs = packet.timestampUs;
    const seq = packet.tcpSeq;
    const hash = hashKey(client, server, 0);
    const pending = table.get(client, server, 0, hash);
    if (pending !== undefined && pending.seq === seq) {
      pending.lastUs = nowUs;
      return;
    }
    // A new SYN (other ISN), or a newer request on the connection: the
    // earlier request will never be paired (tshark pairs with the latest).
    if (pending !== undefined) {
      this.#unanswered[protocol]!++;
      pending.reset(nowUs, seq);
      return;
    }
    this.#track(protocol, packet, 0, hash);
  }

  /**
   * Adds a new pending request (absent from its table; `hash` is its key's
   * hash), unless the table is full and the hash does not select it (see
   * {@linkcode FULL_TABLE_SAMPLE_SHIFT}): then it is counted as rejected.
   * Selecting by hash keeps a connection's retransmissions and answer with
   * its request, and makes a flood cost a hash per packet instead of an
   * eviction, while the table turns over 8 times slower, so slower answers
   * are still paired.
   */
  #track(
    protocol: number,
    packet: PacketRecord,
    dnsId: number,
    hash: number,
  ): void {
    const table = this.#pending[protocol]!;
    if (
      table.size >= table.capacity &&
      (hash >>> FULL_TABLE_SAMPLE_SHIFT) !== 0
    ) {
      this.#rejected[protocol]!++;
      return;
    }
    table.add(
      endpointKey(packet.srcAddressKey, packet.srcPort),
      endpointKey(packet.dstAddressKey, packet.dstPort),
      dnsId,
      (table.spare() ?? new Pending()).reset(
        packet.timestampUs,
        protocol === DNS ? 0 : packet.tcpSeq,
      ),
      hash,
    );
  }

  /**
   * Pairs an answer, `packet` (from the server to the client), with its
   * pending request (a SYN/ACK must acknowledge the pending SYN: ack = ISN
   * + 1 mod 2^32) and records the latency.
   */
  #answer(protocol: number, packet: PacketRecord): void {
    const table = this.#pending[protocol]!;
    const client = endpointKey(packet.dstAddressKey, packet.dstPort);
    const server = endpointKey(packet.srcAddressKey, packet.srcPort);
    const dnsId = protocol === DNS ? packet.dnsId : 0;
    const pending = table.peek(client, server, dnsId);
    if (
      pending === undefined ||
      (protocol === TCP && pending.seq !== ((packet.tcpAck - 1) >>> 0))
    ) return;
    table.delete(client, server, dnsId);
    const responseUs = packet.timestampUs;
    const latencyUs = responseUs - pending.firstUs;
    if (latencyUs < 0) return; // answer timestamped before its request (merged captures)
    const name = LATENCY_PROTOCOLS[protocol]!;
    this.#totals[protocol]!++;
    this.#windows[protocol]!.add(latencyUs, responseUs);
    const serverKey = packet.srcAddressKey;
    let entry = this.#servers.get(serverKey, protocol, 0);
    if (entry === undefined) {
      entry = {
        protocol: name,
        server: packet.srcAddress,
        window: new SlidingLatency({
          windowUs: this.#options.windowUs,
          slices: this.#options.serverSlices,
          sketch: { relativeAccuracy: this.#options.relativeAccuracy },
        }),
      };
      this.#servers.set(serverKey, protocol, 0, entry);
    }
    entry.window.add(latencyUs, responseUs);
    this.#onMeasurement?.({
      protocol: name,
      client: packet.dstAddress,
      server: packet.srcAddress,
      serverPort: packet.srcPort,
      requestUs: pending.firstUs,
      responseUs,
      latencyUs,
    });
  }

  #expire(nowUs: number): void {
    for (let protocol = 0; protocol < this.#pending.length; protocol++) {
      const timeoutUs = this.#timeoutsUs[protocol]!;
      this.#unanswered[protocol]! += this.#pending[protocol]!.expireOldest(
        (pending) => nowUs - pending.lastUs >= timeoutUs,
      );
    }
    const windowUs = this.#options.windowUs;
    this.#servers.expireOldest((entry) =>
      nowUs - entry.window.lastUs >= windowUs
    );
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
