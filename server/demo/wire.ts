/**
 * Frames as a LAN sensor sees them: endpoints with their own TTL and IP id
 * counter, Ethernet/IPv4/IPv6 framing, and a TCP connection that keeps both
 * sides' sequence and acknowledgement numbers right. Built on
 * `capture/frame_builder.ts`, so every checksum is valid.
 *
 * @module
 */

import {
  parseIpv6,
  type SctpOptions,
  sctpPacket,
} from "../../capture/frame_builder.ts";
import { TCP_FLAGS } from "../../capture/packet_record.ts";
import { IP_PROTOCOL } from "../../capture/decode/mod.ts";

/** IP protocol numbers used by the demo: the decoder's. */
export { IP_PROTOCOL };

/** One end of a conversation, as seen on the LAN segment. */
export interface Endpoint {
  /** IPv4 or IPv6 address. */
  readonly ip: string;
  /** MAC on the LAN: the host's own, or the gateway's for hosts beyond it. */
  readonly mac: string;
  /** TTL (IPv4) or hop limit (IPv6) of its packets when they reach the sensor. */
  readonly ttl: number;
  /** Next IPv4 identification value (advanced per packet). */
  ipId: number;
}

/** Options of {@linkcode ipFrame}. */
export interface IpFrameOptions {
  /** Sets the IPv4 don't-fragment bit (default true, as Linux, Windows and macOS do for TCP). */
  dontFragment?: boolean;
  /** Overrides the TTL / hop limit. */
  ttl?: number;
  /** Overrides the destination MAC (multicast, broadcast). */
  dstMac?: string;
}

const ETHERNET_HEADER_LENGTH = 14;
const IPV4_HEADER_LENGTH = 20;
const IPV6_HEADER_LENGTH = 40;

/**
 * Builds Ethernet + IPv4/IPv6 + a transport header of `headerLength` bytes
 * (written by `writeHeader` at the given offset, checksum field zero) +
 * `payload` in one buffer, then fills in the checksums: the IPv4 header's,
 * and the transport checksum at `checksumOffset` within the transport header
 * (over the pseudo-header when `pseudoHeader` is set). Byte-identical to
 * composing `capture/frame_builder.ts` (see wire_test.ts), several times
 * faster: one allocation and one checksum pass per frame.
 */
function buildFrame(
  src: Endpoint,
  dst: Endpoint,
  protocol: number,
  headerLength: number,
  payload: Uint8Array | undefined,
  writeHeader: (frame: Uint8Array, offset: number) => void,
  checksumOffset: number,
  pseudoHeader: boolean,
  options: IpFrameOptions,
): Uint8Array<ArrayBuffer> {
  const v6 = src.ip.includes(":");
  const ipHeaderLength = v6 ? IPV6_HEADER_LENGTH : IPV4_HEADER_LENGTH;
  const payloadLength = payload?.length ?? 0;
  const l4Length = headerLength + payloadLength;
  const l4Offset = ETHERNET_HEADER_LENGTH + ipHeaderLength;
  const frame = new Uint8Array(l4Offset + l4Length);
  writeMac(frame, 0, options.dstMac ?? dst.mac);
  writeMac(frame, 6, src.mac);
  const ttl = options.ttl ?? src.ttl;
  let pseudoSum = 0;
  if (v6) {
    frame[12] = 0x86;
    frame[13] = 0xdd;
    const ip = ETHERNET_HEADER_LENGTH;
    frame[ip] = 0x60;
    frame[ip + 4] = l4Length >> 8;
    frame[ip + 5] = l4Length & 0xff;
    frame[ip + 6] = protocol;
    frame[ip + 7] = ttl;
    frame.set(parseIpv6(src.ip), ip + 8);
    frame.set(parseIpv6(dst.ip), ip + 24);
    if (pseudoHeader) {
      pseudoSum = sum16(frame, ip + 8, ip + 40, 0) + (l4Length >>> 16) +
        (l4Length & 0xffff) + protocol;
    }
  } else {
    frame[12] = 0x08;
    frame[13] = 0x00;
    const ip = ETHERNET_HEADER_LENGTH;
    const total = IPV4_HEADER_LENGTH + l4Length;
    const id = src.ipId;
    src.ipId = (id + 1) & 0xffff;
    frame[ip] = 0x45;
    frame[ip + 2] = total >> 8;
    frame[ip + 3] = total & 0xff;
    frame[ip + 4] = id >> 8;
    frame[ip + 5] = id & 0xff;
    frame[ip + 6] = (options.dontFragment ?? true) ? 0x40 : 0;
    frame[ip + 8] = ttl;
    frame[ip + 9] = protocol;
    writeIpv4(frame, ip + 12, src.ip);
    writeIpv4(frame, ip + 16, dst.ip);
    const ipChecksum = fold(sum16(frame, ip, ip + IPV4_HEADER_LENGTH, 0));
    frame[ip + 10] = ipChecksum >> 8;
    frame[ip + 11] = ipChecksum & 0xff;
    if (pseudoHeader) {
      pseudoSum = sum16(frame, ip + 12, ip + 20, 0) + protocol + l4Length;
    }
  }
  writeHeader(frame, l4Offset);
  if (payload !== undefined) frame.set(payload, l4Offset + headerLength);
  // SCTP carries its own checksum (CRC32c), written with its header.
  if (checksumOffset < 0) return frame;
  let checksum = fold(sum16(frame, l4Offset, frame.length, pseudoSum));
  // RFC 768: a computed UDP checksum of zero is sent as all ones.
  if (checksum === 0 && protocol === IP_PROTOCOL.UDP) checksum = 0xffff;
  frame[l4Offset + checksumOffset] = checksum >> 8;
  frame[l4Offset + checksumOffset + 1] = checksum & 0xff;
  return frame;
}

/** Adds the big-endian 16-bit words of `bytes[start, end)` to `sum` (odd tail padded with zero). */
function sum16(
  bytes: Uint8Array,
  start: number,
  end: number,
  sum: number,
): number {
  let i = start;
  for (; i + 1 < end; i += 2) {
    sum += (bytes[i]! << 8) | bytes[i + 1]!;
    if (sum > 0x3fffffff) sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (i < end) sum += bytes[i]! << 8;
  return sum;
}

/** Folds a one's-complement sum to 16 bits and complements it (RFC 1071). */
function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/** Writes "aa:bb:cc:dd:ee:ff" as 6 bytes at `offset`; throws TypeError on bad input. */
function writeMac(target: Uint8Array, offset: number, mac: string): void {
  if (mac.length !== 17) {
    throw new TypeError(`Cannot parse MAC address: "${mac}"`);
  }
  for (let i = 0; i < 6; i++) {
    const high = hexDigit(mac.charCodeAt(3 * i));
    const low = hexDigit(mac.charCodeAt(3 * i + 1));
    if (high < 0 || low < 0 || (i < 5 && mac.charCodeAt(3 * i + 2) !== 58)) {
      throw new TypeError(`Cannot parse MAC address: "${mac}"`);
    }
    target[offset + i] = (high << 4) | low;
  }
}

/** Writes a dotted-quad IPv4 address as 4 bytes at `offset`; throws TypeError on bad input. */
function writeIpv4(target: Uint8Array, offset: number, address: string): void {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= address.length; i++) {
    const code = i < address.length ? address.charCodeAt(i) : 46;
    if (code === 46) {
      if (digits === 0 || value > 255 || part > 3) {
        throw new TypeError(`Cannot parse IPv4 address: "${address}"`);
      }
      target[offset + part++] = value;
      value = 0;
      digits = 0;
    } else if (code >= 48 && code <= 57 && digits < 3) {
      value = value * 10 + code - 48;
      digits++;
    } else {
      throw new TypeError(`Cannot parse IPv4 address: "${address}"`);
    }
  }
  if (part !== 4) {
    throw new TypeError(`Cannot parse IPv4 address: "${address}"`);
  }
}

/** A UDP datagram from `src`:`srcPort` to `dst`:`dstPort`, framed. */
export function udpFrame(
  src: Endpoint,
  dst: Endpoint,
  srcPort: number,
  dstPort: number,
  payload: Uint8Array,
  options: IpFrameOptions = {},
): Uint8Array<ArrayBuffer> {
  const length = 8 + payload.length;
  return buildFrame(
    src,
    dst,
    IP_PROTOCOL.UDP,
    8,
    payload,
    (frame, at) => {
      frame[at] = srcPort >> 8;
      frame[at + 1] = srcPort & 0xff;
      frame[at + 2] = dstPort >> 8;
      frame[at + 3] = dstPort & 0xff;
      frame[at + 4] = length >> 8;
      frame[at + 5] = length & 0xff;
    },
    6,
    true,
    { dontFragment: false, ...options },
  );
}

/** Fields of an ICMP or ICMPv6 message header. */
export interface IcmpHeader {
  type: number;
  code?: number;
  /** Echo identifier (or the first 16 bits of the rest of the header). */
  id?: number;
  /** Echo sequence number (or the last 16 bits of the rest of the header). */
  seq?: number;
}

/** An ICMP (or, between IPv6 endpoints, ICMPv6) message, framed. */
export function icmpFrame(
  src: Endpoint,
  dst: Endpoint,
  icmp: IcmpHeader,
  payload?: Uint8Array,
  options: IpFrameOptions = {},
): Uint8Array<ArrayBuffer> {
  const v6 = src.ip.includes(":");
  const id = icmp.id ?? 0;
  const seq = icmp.seq ?? 0;
  return buildFrame(
    src,
    dst,
    v6 ? IP_PROTOCOL.ICMPV6 : IP_PROTOCOL.ICMP,
    8,
    payload,
    (frame, at) => {
      frame[at] = icmp.type;
      frame[at + 1] = icmp.code ?? 0;
      frame[at + 4] = id >> 8;
      frame[at + 5] = id & 0xff;
      frame[at + 6] = seq >> 8;
      frame[at + 7] = seq & 0xff;
    },
    2,
    v6,
    { dontFragment: false, ...options },
  );
}

/** An SCTP packet of `chunks` (its CRC32c checksum computed), framed. */
export function sctpFrame(
  src: Endpoint,
  dst: Endpoint,
  options: SctpOptions,
  ...chunks: Uint8Array[]
): Uint8Array<ArrayBuffer> {
  const packet = sctpPacket(options, ...chunks);
  return buildFrame(
    src,
    dst,
    IP_PROTOCOL.SCTP,
    packet.length,
    undefined,
    (frame, at) => frame.set(packet, at),
    -1,
    false,
    {},
  );
}

/** Fields of a TCP header (20 bytes, no options). */
export interface TcpHeader {
  srcPort: number;
  dstPort: number;
  /** Flag bits (see TCP_FLAGS in capture/packet_record.ts). */
  flags: number;
  seq?: number;
  ack?: number;
  window?: number;
}

/** A TCP segment, framed. */
export function tcpFrame(
  src: Endpoint,
  dst: Endpoint,
  tcp: TcpHeader,
  payload?: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const seq = (tcp.seq ?? 0) >>> 0;
  const ack = (tcp.ack ?? 0) >>> 0;
  const window = tcp.window ?? 65_535;
  return buildFrame(
    src,
    dst,
    IP_PROTOCOL.TCP,
    20,
    payload,
    (frame, at) => {
      frame[at] = tcp.srcPort >> 8;
      frame[at + 1] = tcp.srcPort & 0xff;
      frame[at + 2] = tcp.dstPort >> 8;
      frame[at + 3] = tcp.dstPort & 0xff;
      frame[at + 4] = seq >>> 24;
      frame[at + 5] = (seq >>> 16) & 0xff;
      frame[at + 6] = (seq >>> 8) & 0xff;
      frame[at + 7] = seq & 0xff;
      frame[at + 8] = ack >>> 24;
      frame[at + 9] = (ack >>> 16) & 0xff;
      frame[at + 10] = (ack >>> 8) & 0xff;
      frame[at + 11] = ack & 0xff;
      frame[at + 12] = 5 << 4;
      frame[at + 13] = tcp.flags & 0xff;
      frame[at + 14] = window >> 8;
      frame[at + 15] = window & 0xff;
    },
    16,
    true,
    {},
  );
}

const { SYN, ACK, PSH, FIN, RST } = TCP_FLAGS;

/** Initial state of a {@linkcode TcpConnection}. */
export interface TcpConnectionOptions {
  client: Endpoint;
  server: Endpoint;
  clientPort: number;
  serverPort: number;
  /** Initial sequence numbers (random in real stacks). */
  clientIsn: number;
  serverIsn: number;
  /** Advertised receive windows (default 64 240 and 65 160). */
  clientWindow?: number;
  serverWindow?: number;
}

/**
 * One TCP connection: builds its segments in the order they are sent and
 * keeps sequence numbers consistent (SYN and FIN count one). A side's
 * acknowledgement covers everything the other side has sent so far unless
 * given explicitly.
 */
export class TcpConnection {
  /** The connecting side. */
  readonly client: Endpoint;
  /** The listening side. */
  readonly server: Endpoint;
  /** Client port. */
  readonly clientPort: number;
  /** Server port. */
  readonly serverPort: number;
  #clientNext: number;
  #serverNext: number;
  readonly #clientWindow: number;
  readonly #serverWindow: number;

  /** Prepares a connection; no segment is built until asked for. */
  constructor(options: TcpConnectionOptions) {
    this.client = options.client;
    this.server = options.server;
    this.clientPort = options.clientPort;
    this.serverPort = options.serverPort;
    this.#clientNext = options.clientIsn >>> 0;
    this.#serverNext = options.serverIsn >>> 0;
    this.#clientWindow = options.clientWindow ?? 64_240;
    this.#serverWindow = options.serverWindow ?? 65_160;
  }

  /** Next sequence number of the client (all it sent so far, acknowledged by the server's default ACK). */
  get clientNext(): number {
    return this.#clientNext;
  }

  /** Next sequence number of the server. */
  get serverNext(): number {
    return this.#serverNext;
  }

  /** The client's SYN. */
  syn(): Uint8Array<ArrayBuffer> {
    return this.segment(true, SYN, undefined, 0);
  }

  /** The server's SYN/ACK. */
  synAck(): Uint8Array<ArrayBuffer> {
    return this.segment(false, SYN | ACK);
  }

  /** A pure ACK from one side. */
  ack(fromClient: boolean, ackNumber?: number): Uint8Array<ArrayBuffer> {
    return this.segment(fromClient, ACK, undefined, ackNumber);
  }

  /** A data segment (PSH/ACK) from one side. */
  data(fromClient: boolean, payload: Uint8Array): Uint8Array<ArrayBuffer> {
    return this.segment(fromClient, PSH | ACK, payload);
  }

  /** A FIN/ACK from one side. */
  fin(fromClient: boolean): Uint8Array<ArrayBuffer> {
    return this.segment(fromClient, FIN | ACK);
  }

  /** A RST from one side. */
  rst(fromClient: boolean): Uint8Array<ArrayBuffer> {
    return this.segment(fromClient, RST, undefined, 0);
  }

  /**
   * Any segment: advances the sender's sequence number by the payload
   * length, plus one for SYN or FIN. `ackNumber` 0 clears the ACK field.
   */
  segment(
    fromClient: boolean,
    flags: number,
    payload?: Uint8Array,
    ackNumber?: number,
  ): Uint8Array<ArrayBuffer> {
    const seq = fromClient ? this.#clientNext : this.#serverNext;
    const ack = ackNumber ?? (fromClient ? this.#serverNext : this.#clientNext);
    const frame = tcpFrame(
      fromClient ? this.client : this.server,
      fromClient ? this.server : this.client,
      {
        srcPort: fromClient ? this.clientPort : this.serverPort,
        dstPort: fromClient ? this.serverPort : this.clientPort,
        flags,
        seq,
        ack: (flags & ACK) !== 0 ? ack : 0,
        window: fromClient ? this.#clientWindow : this.#serverWindow,
      },
      payload,
    );
    const advance = (payload?.length ?? 0) + ((flags & (SYN | FIN)) ? 1 : 0);
    if (fromClient) this.#clientNext = (seq + advance) >>> 0;
    else this.#serverNext = (seq + advance) >>> 0;
    return frame;
  }
}
