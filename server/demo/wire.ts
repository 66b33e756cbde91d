/**
 * Frames as a LAN sensor sees them: endpoints with their own TTL and IP id
 * counter, Ethernet/IPv4/IPv6 framing, and a TCP connection that keeps both
 * sides' sequence and acknowledgement numbers right. Built on
 * `capture/frame_builder.ts`, so every checksum is valid.
 *
 * @module
 */

import {
  ETHER_TYPE,
  ethernetFrame,
  icmpMessage,
  type IcmpOptions,
  ipv4Packet,
  ipv6Packet,
  tcpSegment,
  udpDatagram,
} from "../../capture/frame_builder.ts";
import { TCP_FLAGS } from "../../capture/packet_record.ts";

/** IP protocol numbers used by the demo. */
export const IP_PROTOCOL = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;

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

/** An Ethernet frame carrying an IPv4 or IPv6 packet of `protocol` from `src` to `dst`. */
export function ipFrame(
  src: Endpoint,
  dst: Endpoint,
  protocol: number,
  payload: Uint8Array,
  options: IpFrameOptions = {},
): Uint8Array<ArrayBuffer> {
  const v6 = src.ip.includes(":");
  const ttl = options.ttl ?? src.ttl;
  let packet: Uint8Array;
  if (v6) {
    packet = ipv6Packet(
      { src: src.ip, dst: dst.ip, nextHeader: protocol, hopLimit: ttl },
      payload,
    );
  } else {
    const id = src.ipId;
    src.ipId = (id + 1) & 0xffff;
    packet = ipv4Packet({
      src: src.ip,
      dst: dst.ip,
      protocol,
      ttl,
      id,
      dontFragment: options.dontFragment ?? true,
    }, payload);
  }
  return ethernetFrame({
    srcMac: src.mac,
    dstMac: options.dstMac ?? dst.mac,
    etherType: v6 ? ETHER_TYPE.IPV6 : ETHER_TYPE.IPV4,
  }, packet);
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
  const datagram = udpDatagram(
    { src: src.ip, dst: dst.ip, srcPort, dstPort },
    payload,
  );
  return ipFrame(src, dst, IP_PROTOCOL.UDP, datagram, {
    dontFragment: false,
    ...options,
  });
}

/** An ICMP (or, between IPv6 endpoints, ICMPv6) message, framed. */
export function icmpFrame(
  src: Endpoint,
  dst: Endpoint,
  icmp: Omit<IcmpOptions, "v6">,
  payload?: Uint8Array,
  options: IpFrameOptions = {},
): Uint8Array<ArrayBuffer> {
  const v6 = src.ip.includes(":");
  const message = icmpMessage(
    v6 ? { ...icmp, v6: { src: src.ip, dst: dst.ip } } : icmp,
    payload,
  );
  return ipFrame(
    src,
    dst,
    v6 ? IP_PROTOCOL.ICMPV6 : IP_PROTOCOL.ICMP,
    message,
    {
      dontFragment: false,
      ...options,
    },
  );
}

/** A TCP segment, framed. */
export function tcpFrame(
  src: Endpoint,
  dst: Endpoint,
  tcp: {
    srcPort: number;
    dstPort: number;
    flags: number;
    seq?: number;
    ack?: number;
    window?: number;
  },
  payload?: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const segment = tcpSegment({ ...tcp, src: src.ip, dst: dst.ip }, payload);
  return ipFrame(src, dst, IP_PROTOCOL.TCP, segment);
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
