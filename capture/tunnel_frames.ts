/**
 * Builds tunneled packets for tests and the demo: VXLAN, Geneve, GRE (with
 * key, sequence number, checksum), ERSPAN types I–III, IP in IP, MPLS label
 * stacks and PPPoE sessions around an inner frame or IP packet, as the
 * standards lay them out (capture/decode/tunnel.ts cites them).
 *
 * @module
 */

import { concatBytes } from "./concat_bytes.ts";
import {
  ethernetFrame,
  type FlowEnds,
  internetChecksum,
  ipFrame,
  udpDatagram,
} from "./frame_builder.ts";

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return concatBytes(parts);
}

function u16(value: number): Uint8Array {
  return new Uint8Array([(value >> 8) & 0xff, value & 0xff]);
}

function u32(value: number): Uint8Array {
  return new Uint8Array([
    (value >>> 24) & 0xff,
    (value >>> 16) & 0xff,
    (value >>> 8) & 0xff,
    value & 0xff,
  ]);
}

/** A VXLAN header (RFC 7348: flags with the I bit, 24-bit VNI) before `innerFrame`, an Ethernet frame. */
export function vxlanPayload(
  vni: number,
  innerFrame: Uint8Array,
): Uint8Array<ArrayBuffer> {
  return concat(
    new Uint8Array([0x08, 0, 0, 0]),
    u32((vni & 0xffffff) * 256),
    innerFrame,
  );
}

/** Options of {@linkcode genevePayload}. */
export interface GeneveOptions {
  vni: number;
  /** Protocol type of the inner packet: 0x6558 (Ethernet, the default), 0x0800 or 0x86dd. */
  protocol?: number;
  /** Option bytes (a multiple of 4, at most 252). */
  options?: Uint8Array;
}

/** A Geneve header (RFC 8926: version 0, options length, protocol type, VNI, options) before `inner`. */
export function genevePayload(
  options: GeneveOptions,
  inner: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const tlvs = options.options ?? new Uint8Array(0);
  return concat(
    new Uint8Array([tlvs.length / 4, 0]),
    u16(options.protocol ?? 0x6558),
    u32((options.vni & 0xffffff) * 256),
    tlvs,
    inner,
  );
}

/** Options of {@linkcode grePayload}. */
export interface GreOptions {
  /** Protocol type of the payload (an EtherType; 0x88be ERSPAN I/II, 0x22eb ERSPAN III). */
  protocol: number;
  key?: number;
  sequence?: number;
  /** Adds the checksum word (RFC 2784), computed over the GRE header and payload. */
  checksum?: boolean;
}

/** A GRE header (RFC 2784, RFC 2890: checksum, key, sequence number) before `inner`. */
export function grePayload(
  options: GreOptions,
  inner: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const flags = (options.checksum ? 0x80 : 0) |
    (options.key !== undefined ? 0x20 : 0) |
    (options.sequence !== undefined ? 0x10 : 0);
  const packet = concat(
    new Uint8Array([flags, 0]),
    u16(options.protocol),
    options.checksum ? new Uint8Array(4) : new Uint8Array(0),
    options.key !== undefined ? u32(options.key) : new Uint8Array(0),
    options.sequence !== undefined ? u32(options.sequence) : new Uint8Array(0),
    inner,
  );
  if (options.checksum) {
    const sum = internetChecksum(packet);
    packet[4] = sum >> 8;
    packet[5] = sum & 0xff;
  }
  return packet;
}

/** An ERSPAN type II header (version 1, VLAN 0, session id, index 0) before `innerFrame`. */
export function erspanIIPayload(
  session: number,
  innerFrame: Uint8Array,
): Uint8Array<ArrayBuffer> {
  return concat(
    u16(0x1000),
    u16(session & 0x03ff),
    u32(0),
    innerFrame,
  );
}

/** An ERSPAN type III header (version 2, session id, a timestamp, frame type `frameType`: 0 Ethernet, 2 IP; and the 8-byte platform subheader when `platform`) before `inner`. */
export function erspanIIIPayload(
  session: number,
  inner: Uint8Array,
  platform = false,
  frameType = 0,
): Uint8Array<ArrayBuffer> {
  return concat(
    u16(0x2000),
    u16(session & 0x03ff),
    u32(0x01020304),
    new Uint8Array([0, 0, (frameType & 0x1f) << 2, platform ? 0x01 : 0]),
    platform ? new Uint8Array(8) : new Uint8Array(0),
    inner,
  );
}

/** An MPLS label stack (RFC 3032; the last entry with the bottom-of-stack bit, TTL 64) before `inner`. */
export function mplsPayload(
  labels: number[],
  inner: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const entries = labels.map((label, i) =>
    u32(
      ((label & 0xfffff) * 4096) | (i === labels.length - 1 ? 0x100 : 0) | 64,
    )
  );
  return concat(...entries, inner);
}

/** A PPPoE session header (RFC 2516: version/type 0x11, code 0, session id, length) and the PPP protocol before `inner`. */
export function pppoePayload(
  session: number,
  pppProtocol: number,
  inner: Uint8Array,
): Uint8Array<ArrayBuffer> {
  return concat(
    new Uint8Array([0x11, 0]),
    u16(session),
    u16(inner.length + 2),
    u16(pppProtocol),
    inner,
  );
}

/** An Ethernet/IP frame between the `outer` ends carrying `payload` in UDP from `srcPort` to `dstPort` (4789 VXLAN, 6081 Geneve). */
export function udpTunnelFrame(
  outer: FlowEnds,
  ports: { srcPort: number; dstPort: number },
  payload: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const datagram = udpDatagram(
    { ...ports, src: outer.src, dst: outer.dst },
    payload,
  );
  return ipFrame(outer, 17, datagram);
}

/** An Ethernet frame of EtherType `etherType` (0x8847 MPLS, 0x8864 PPPoE) carrying `payload`. */
export function shimFrame(
  macs: { srcMac: string; dstMac: string },
  etherType: number,
  payload: Uint8Array,
): Uint8Array<ArrayBuffer> {
  return ethernetFrame({ ...macs, etherType }, payload);
}
