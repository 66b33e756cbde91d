/**
 * Helpers for the decoder tests: wrap frame bytes in a {@linkcode PcapRecord}
 * the way the reader delivers them (inside a larger buffer, at an offset,
 * followed by bytes that are not part of the frame) and decode them.
 *
 * @module
 */

import assert from "node:assert/strict";
import { AnomalyCounter } from "../anomalies.ts";
import { concatBytes } from "../concat_bytes.ts";
import { emptyPacketRecord, type PacketRecord } from "../packet_record.ts";
import { addressKey } from "./address_key.ts";
import { LINK_TYPE, type PcapRecord } from "../pcap_record.ts";
import {
  arpFrame,
  ETHER_TYPE,
  ethernetFrame,
  ipFrame,
  ipv4Packet,
  ipv6Packet,
  tcpFrame,
  tcpSegment,
  udpDatagram,
} from "../frame_builder.ts";
import {
  erspanIIIPayload,
  erspanIIPayload,
  genevePayload,
  grePayload,
  mplsPayload,
  pppoePayload,
  shimFrame,
  udpTunnelFrame,
  vxlanPayload,
} from "../tunnel_frames.ts";
import { TCP_FLAGS } from "../packet_record.ts";
import { decodePacket } from "./mod.ts";

/** Ethernet MACs of the test frames. */
export const MACS = {
  srcMac: "02:00:00:00:00:01",
  dstMac: "02:00:00:00:00:02",
} as const;

/** Ends of an IPv4 test flow, for the frame builders. */
export const V4 = { ...MACS, src: "10.0.0.1", dst: "10.0.0.2" } as const;

/** An ARP request between the {@linkcode V4} ends: who has 10.0.0.2? Tell 10.0.0.1. */
export function arpRequestFrame(): Uint8Array<ArrayBuffer> {
  return arpFrame({
    operation: 1,
    senderMac: V4.srcMac,
    senderIp: V4.src,
    targetMac: "00:00:00:00:00:00",
    targetIp: V4.dst,
  });
}

/** A plain packet from `src` to `dst` with their address keys, as decoded. */
export function packetBetween(src: string, dst: string): PacketRecord {
  return {
    ...emptyPacketRecord(),
    srcAddress: src,
    dstAddress: dst,
    srcAddressKey: addressKey(src),
    dstAddressKey: addressKey(dst),
  };
}

/** Ends of an IPv6 test flow, for the frame builders. */
export const V6 = { ...MACS, src: "2001:db8::1", dst: "2001:db8::2" } as const;

/**
 * An Ethernet/IPv4 frame holding the first IP fragment of `segment` (a
 * transport header and payload of protocol `protocol` between the
 * {@linkcode V4} ends unless told): its first `bytes` bytes, the rest left
 * to later fragments, which are not built.
 */
export function firstFragmentFrame(
  protocol: number,
  segment: Uint8Array,
  bytes: number,
  ends: { src: string; dst: string } = V4,
): Uint8Array<ArrayBuffer> {
  return fragmentFrame(protocol, segment.subarray(0, bytes), 0, true, ends);
}

/**
 * Ethernet/IPv4 frames holding `segment` (as in
 * {@linkcode firstFragmentFrame}) in IP fragments of `bytes` bytes each (a
 * multiple of 8), the last one shorter; all share the identification `id`.
 */
export function fragmentFrames(
  protocol: number,
  segment: Uint8Array,
  bytes: number,
  ends: { src: string; dst: string } = V4,
  id = 7,
): Uint8Array<ArrayBuffer>[] {
  const frames: Uint8Array<ArrayBuffer>[] = [];
  for (let at = 0; at < segment.length; at += bytes) {
    const part = segment.subarray(at, at + bytes);
    const more = at + bytes < segment.length;
    frames.push(fragmentFrame(protocol, part, at, more, ends, id));
  }
  return frames;
}

/** One Ethernet/IPv4 frame holding `part`, the fragment at `offset` bytes of a datagram. */
function fragmentFrame(
  protocol: number,
  part: Uint8Array,
  offset: number,
  moreFragments: boolean,
  ends: { src: string; dst: string },
  id = 7,
): Uint8Array<ArrayBuffer> {
  return ethernetFrame(
    { ...MACS, etherType: ETHER_TYPE.IPV4 },
    ipv4Packet(
      {
        src: ends.src,
        dst: ends.dst,
        protocol,
        moreFragments,
        fragmentOffset: offset / 8,
        id,
      },
      part,
    ),
  );
}

/** Bytes before the frame in the buffer a test record points into. */
const LEADING_BYTES = 7;
/** Bytes after the frame: 0xff garbage that decoders must never read. */
const TRAILING_BYTES = 64;

/** Options of {@linkcode rawRecord}. */
export interface RawRecordOptions {
  /** Link type; Ethernet by default. */
  linkType?: number;
  /** Bytes captured; the whole frame by default. */
  capturedLength?: number;
  /** Bytes on the wire; the whole frame by default. */
  wireLength?: number;
  /** Capture time, µs since the epoch; a fixed time in 2023 by default. */
  timestampUs?: number;
}

/** Wraps `frame` in a PcapRecord whose buffer holds other bytes around the frame. */
export function rawRecord(
  frame: Uint8Array,
  options: RawRecordOptions = {},
): PcapRecord {
  const capturedLength = options.capturedLength ?? frame.length;
  const buffer = new Uint8Array(
    LEADING_BYTES + capturedLength + TRAILING_BYTES,
  ).fill(0xff);
  buffer.set(frame.subarray(0, capturedLength), LEADING_BYTES);
  return {
    timestampUs: options.timestampUs ?? 1_700_000_000_123_456,
    subMicrosecondNs: -1,
    capturedLength,
    wireLength: options.wireLength ?? frame.length,
    linkType: options.linkType ?? LINK_TYPE.ETHERNET,
    interfaceId: 0,
    bytes: buffer,
    offset: LEADING_BYTES,
  };
}

/** Decodes `frame` (see {@linkcode rawRecord}) with a fresh anomaly counter. */
export function decodeFrame(
  frame: Uint8Array,
  options: RawRecordOptions = {},
): { packet: PacketRecord; anomalies: AnomalyCounter } {
  const anomalies = new AnomalyCounter();
  return {
    packet: decodePacket(rawRecord(frame, options), anomalies),
    anomalies,
  };
}

/**
 * Decodes every strict prefix of `frame` (0 … length-1 bytes captured, the
 * whole frame on the wire) and asserts that none throws and each is marked
 * truncated with a named snap-length cut and no anomaly (a cut is no
 * damage). Returns the distinct cut names seen.
 */
export function assertPrefixesTruncated(
  frame: Uint8Array,
  linkType: number = LINK_TYPE.ETHERNET,
): Set<string> {
  const names = new Set<string>();
  for (let length = 0; length < frame.length; length++) {
    const { packet, anomalies } = decodeFrame(frame, {
      linkType,
      capturedLength: length,
    });
    assert.equal(packet.truncated, true, `prefix of ${length} bytes`);
    assert.deepEqual(
      [packet.anomaly, anomalies.toJSON()],
      ["", {}],
      `prefix of ${length} bytes`,
    );
    const cuts = Object.keys(anomalies.cutsJSON());
    assert.ok(cuts.length > 0, `prefix of ${length} bytes`);
    for (const name of cuts) names.add(name);
  }
  return names;
}

/** The bytes of `parts`, one after another. */
export function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return concatBytes(parts);
}

/** Parses hex text (whitespace ignored) into bytes. */
export function hex(text: string): Uint8Array<ArrayBuffer> {
  const digits = text.replace(/\s+/g, "");
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  }
  return bytes;
}

/** A tunnel's carrier ends: two tunnel endpoints (VTEPs, a switch and a collector). */
export const TUNNEL_OUTER = {
  srcMac: "02:00:00:00:0a:01",
  dstMac: "02:00:00:00:0a:02",
  src: "192.0.2.1",
  dst: "192.0.2.2",
} as const;
/** The carrier's ends over IPv6. */
export const TUNNEL_OUTER6 = {
  ...TUNNEL_OUTER,
  src: "2001:db8:a::1",
  dst: "2001:db8:a::2",
} as const;
/** The tunneled packet's ends. */
export const TUNNEL_INNER = {
  srcMac: "02:00:00:00:0b:01",
  dstMac: "02:00:00:00:0b:02",
  src: "10.1.0.1",
  dst: "10.1.0.2",
} as const;
/** The tunneled packet's ends over IPv6. */
export const TUNNEL_INNER6 = {
  ...TUNNEL_INNER,
  src: "fd00:1::1",
  dst: "fd00:1::2",
} as const;
/** The tunneled SYN's TCP fields. */
export const TUNNEL_SYN = {
  srcPort: 40000,
  dstPort: 22,
  flags: TCP_FLAGS.SYN,
  seq: 1000,
} as const;

/** The tunneled SYN as a whole Ethernet frame, an IPv4 packet and an IPv6 packet (TTL 33). */
export const TUNNEL_PAYLOADS = {
  frame: tcpFrame(TUNNEL_INNER, TUNNEL_SYN),
  ipv4: ipv4Packet(
    { src: TUNNEL_INNER.src, dst: TUNNEL_INNER.dst, protocol: 6, ttl: 33 },
    tcpSegment({ ...TUNNEL_SYN, src: TUNNEL_INNER.src, dst: TUNNEL_INNER.dst }),
  ),
  ipv6: ipv6Packet(
    {
      src: TUNNEL_INNER6.src,
      dst: TUNNEL_INNER6.dst,
      nextHeader: 6,
      hopLimit: 33,
    },
    tcpSegment({
      ...TUNNEL_SYN,
      src: TUNNEL_INNER6.src,
      dst: TUNNEL_INNER6.dst,
    }),
  ),
} as const;

/** The tunneled ARP request's frame. */
const TUNNEL_ARP = arpFrame({
  operation: 1,
  senderMac: TUNNEL_INNER.srcMac,
  senderIp: TUNNEL_INNER.src,
  targetMac: "00:00:00:00:00:00",
  targetIp: TUNNEL_INNER.dst,
});

/** One frame of every tunnel kind the decoder opens (and MPLS and PPPoE), and a few nested: the tshark comparison's frames, and every one's cut prefixes in the decoder tests. */
export const TUNNEL_SAMPLE_FRAMES: readonly Uint8Array[] = [
  udpTunnelFrame(
    TUNNEL_OUTER,
    { srcPort: 51000, dstPort: 4789 },
    vxlanPayload(42, TUNNEL_PAYLOADS.frame),
  ),
  udpTunnelFrame(
    TUNNEL_OUTER,
    { srcPort: 51000, dstPort: 8472 },
    vxlanPayload(43, TUNNEL_PAYLOADS.frame),
  ),
  udpTunnelFrame(
    TUNNEL_OUTER6,
    { srcPort: 51000, dstPort: 4789 },
    vxlanPayload(1, TUNNEL_ARP),
  ),
  udpTunnelFrame(
    TUNNEL_OUTER,
    { srcPort: 50002, dstPort: 6081 },
    genevePayload(
      { vni: 0xabcdef, options: new Uint8Array(8) },
      TUNNEL_PAYLOADS.frame,
    ),
  ),
  udpTunnelFrame(
    TUNNEL_OUTER6,
    { srcPort: 50002, dstPort: 6081 },
    genevePayload({ vni: 3, protocol: 0x86dd }, TUNNEL_PAYLOADS.ipv6),
  ),
  ipFrame(
    TUNNEL_OUTER,
    47,
    grePayload(
      { protocol: 0x0800, checksum: true, key: 77, sequence: 9 },
      TUNNEL_PAYLOADS.ipv4,
    ),
  ),
  ipFrame(
    TUNNEL_OUTER6,
    47,
    grePayload({ protocol: 0x86dd }, TUNNEL_PAYLOADS.ipv6),
  ),
  ipFrame(
    TUNNEL_OUTER,
    47,
    grePayload({ protocol: 0x6558, key: 1 }, TUNNEL_PAYLOADS.frame),
  ),
  ipFrame(
    TUNNEL_OUTER,
    47,
    grePayload({ protocol: 0x88be }, TUNNEL_PAYLOADS.frame),
  ),
  ipFrame(
    TUNNEL_OUTER,
    47,
    grePayload(
      { protocol: 0x88be, sequence: 1 },
      erspanIIPayload(123, TUNNEL_PAYLOADS.frame),
    ),
  ),
  ipFrame(
    TUNNEL_OUTER,
    47,
    grePayload(
      { protocol: 0x22eb, sequence: 1 },
      erspanIIIPayload(1023, TUNNEL_PAYLOADS.frame),
    ),
  ),
  ipFrame(
    TUNNEL_OUTER,
    47,
    grePayload(
      { protocol: 0x22eb, sequence: 1 },
      erspanIIIPayload(7, TUNNEL_PAYLOADS.frame, true),
    ),
  ),
  ipFrame(TUNNEL_OUTER, 4, TUNNEL_PAYLOADS.ipv4),
  ipFrame(TUNNEL_OUTER, 41, TUNNEL_PAYLOADS.ipv6),
  ipFrame(TUNNEL_OUTER6, 4, TUNNEL_PAYLOADS.ipv4),
  ipFrame(TUNNEL_OUTER6, 41, TUNNEL_PAYLOADS.ipv6),
  ipFrame(
    TUNNEL_OUTER,
    47,
    grePayload(
      { protocol: 0x0800 },
      ipv4Packet(
        { src: "198.51.100.1", dst: "198.51.100.2", protocol: 17 },
        udpDatagram(
          {
            src: "198.51.100.1",
            dst: "198.51.100.2",
            srcPort: 50003,
            dstPort: 4789,
          },
          vxlanPayload(44, TUNNEL_PAYLOADS.frame),
        ),
      ),
    ),
  ),
  shimFrame(
    TUNNEL_OUTER,
    0x8847,
    mplsPayload([16, 17, 18], TUNNEL_PAYLOADS.ipv4),
  ),
  shimFrame(TUNNEL_OUTER, 0x8848, mplsPayload([3], TUNNEL_PAYLOADS.ipv6)),
  shimFrame(
    TUNNEL_OUTER,
    0x8864,
    pppoePayload(0x1234, 0x0021, TUNNEL_PAYLOADS.ipv4),
  ),
  shimFrame(
    TUNNEL_OUTER,
    0x8864,
    pppoePayload(0x1234, 0x0057, TUNNEL_PAYLOADS.ipv6),
  ),
];

/** A copy of `bytes` with byte `index` set to `value`. */
export function withByte(
  bytes: Uint8Array,
  index: number,
  value: number,
): Uint8Array<ArrayBuffer> {
  const copy = bytes.slice();
  copy[index] = value;
  return copy;
}

/** A deterministic generator of 32-bit unsigned numbers (xorshift32, from `seed`; 0 is taken as 1), so test data reproduces. */
export function xorshift32(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>>= 0;
  };
}
