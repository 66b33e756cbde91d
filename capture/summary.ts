/**
 * The summary `netmirror read` prints: totals, time span, link types,
 * protocol counts and decode anomalies of a whole capture.
 *
 * @module
 */

import type { PacketRecord } from "./packet_record.ts";
import { linkTypeName } from "./protocol_names.ts";

/** Per-protocol packet counts; a packet counts once per layer it carries. */
export interface ProtocolCounts {
  ipv4: number;
  ipv6: number;
  arp: number;
  otherNetwork: number;
  tcp: number;
  udp: number;
  icmp: number;
  icmpv6: number;
  sctp: number;
  otherTransport: number;
  dns: number;
  http: number;
  tls: number;
}

/** A plain, JSON-ready summary of a capture. */
export interface CaptureSummaryJson {
  packets: number;
  /** Sum of on-the-wire lengths. */
  wireBytes: number;
  /** Sum of captured lengths. */
  capturedBytes: number;
  /** Capture time of the first packet, µs since the epoch (0 when empty). */
  firstTimestampUs: number;
  /** Capture time of the last packet, µs since the epoch (0 when empty). */
  lastTimestampUs: number;
  /** Last minus first timestamp, in microseconds. */
  durationUs: number;
  /** Link type names with their packet counts. */
  linkTypes: Record<string, number>;
  /** Packets that came through tunnels, by their `tunnel` ("vxlan", "gre vxlan", …). */
  tunnels: Record<string, number>;
  protocols: ProtocolCounts;
  /** Packets cut by the snap length. */
  truncatedPackets: number;
  /** IP fragments after the first (their transport header is in the first). */
  laterFragments: number;
}

/** Accumulates {@linkcode CaptureSummaryJson} one packet at a time. */
export class CaptureSummary {
  #packets = 0;
  #wireBytes = 0;
  #capturedBytes = 0;
  #first = 0;
  #last = 0;
  #truncated = 0;
  #laterFragments = 0;
  readonly #linkTypes = new Map<number, number>();
  /** By `tunnel`: a few kinds, four deep at most, so bounded. */
  readonly #tunnels = new Map<string, number>();
  readonly #protocols: ProtocolCounts = {
    ipv4: 0,
    ipv6: 0,
    arp: 0,
    otherNetwork: 0,
    tcp: 0,
    udp: 0,
    icmp: 0,
    icmpv6: 0,
    sctp: 0,
    otherTransport: 0,
    dns: 0,
    http: 0,
    tls: 0,
  };

  /** Counts one packet. */
  add(packet: PacketRecord): void {
    if (this.#packets === 0) this.#first = packet.timestampUs;
    this.#packets++;
    this.#last = packet.timestampUs;
    this.#wireBytes += packet.wireLength;
    this.#capturedBytes += packet.capturedLength;
    // Cut by the snap length: fewer bytes captured than were on the wire
    // (a header that claims more than its whole frame is damage, which
    // the anomalies count).
    if (packet.capturedLength < packet.wireLength) this.#truncated++;
    if (packet.laterFragment) this.#laterFragments++;
    this.#linkTypes.set(
      packet.linkType,
      (this.#linkTypes.get(packet.linkType) ?? 0) + 1,
    );
    if (packet.tunnel !== "") {
      this.#tunnels.set(
        packet.tunnel,
        (this.#tunnels.get(packet.tunnel) ?? 0) + 1,
      );
    }
    const p = this.#protocols;
    switch (packet.network) {
      case "ipv4":
        p.ipv4++;
        break;
      case "ipv6":
        p.ipv6++;
        break;
      case "arp":
        p.arp++;
        break;
      default:
        p.otherNetwork++;
    }
    switch (packet.transport) {
      case "tcp":
        p.tcp++;
        break;
      case "udp":
        p.udp++;
        break;
      case "icmp":
        p.icmp++;
        break;
      case "icmpv6":
        p.icmpv6++;
        break;
      case "sctp":
        p.sctp++;
        break;
      case "other":
        p.otherTransport++;
        break;
    }
    switch (packet.app) {
      case "dns":
        p.dns++;
        break;
      case "http_request":
      case "http_response":
        p.http++;
        break;
      case "tls":
      case "tls_client_hello":
      case "tls_server_hello":
        p.tls++;
        break;
    }
  }

  /** Packets counted so far. */
  get packets(): number {
    return this.#packets;
  }

  /** A JSON-ready copy of the summary. */
  toJSON(): CaptureSummaryJson {
    const linkTypes: Record<string, number> = {};
    for (const [type, count] of this.#linkTypes) {
      linkTypes[linkTypeName(type)] = count;
    }
    return {
      packets: this.#packets,
      wireBytes: this.#wireBytes,
      capturedBytes: this.#capturedBytes,
      firstTimestampUs: this.#first,
      lastTimestampUs: this.#last,
      durationUs: this.#last - this.#first,
      linkTypes,
      tunnels: Object.fromEntries(this.#tunnels),
      protocols: { ...this.#protocols },
      truncatedPackets: this.#truncated,
      laterFragments: this.#laterFragments,
    };
  }
}
